//! `#[derive(Model)]`: read the struct ([`ast`], [`attr`]), check it
//! ([`check`]), then generate the impls ([`expand`]) or, on errors, the
//! errors plus inert impls ([`fallback`]).

mod ast;
mod attr;
mod check;
mod expand;
mod fallback;

#[cfg(test)]
mod tests;

use crate::internals::Ctxt;
use proc_macro2::TokenStream;

/// Expands `#[derive(Model)]` for `input`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let cx = Ctxt::new();
    let cont = ast::Container::from_ast(&cx, &input);
    check::check(&cx, &cont);
    match cx.check() {
        Ok(()) => expand::expand(&cont),
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(fallback::fallback(&cont));
            out
        }
    }
}
