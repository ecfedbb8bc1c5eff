//! Pieces shared by the derives: error collection, attribute names, type
//! inspection, name suggestions and the field table of structs.

pub mod ast;
pub mod ctxt;
pub mod fields;
pub mod suggest;
pub mod symbol;
pub mod ty;

pub use ctxt::Ctxt;

use proc_macro2::TokenStream;
use quote::quote;

/// The root path the generated code names: `::ontap` unless the user gave
/// `crate = "..."`.
pub fn crate_root(custom: Option<&syn::Path>) -> TokenStream {
    match custom {
        Some(path) => quote!(#path),
        None => quote!(::ontap),
    }
}

/// Reads `= "string"` after an attribute name, returning the literal.
pub fn lit_str_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<syn::LitStr> {
    let value = meta.value()?;
    let expr: syn::Expr = value.parse()?;
    let mut inner = &expr;
    while let syn::Expr::Group(group) = inner {
        inner = &group.expr;
    }
    match inner {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) if lit.suffix().is_empty() => Ok(lit.clone()),
        _ => Err(syn::Error::new_spanned(
            &expr,
            format!(
                "`{}` takes a string literal, like `{} = \"...\"`",
                path_to_string(&meta.path),
                path_to_string(&meta.path)
            ),
        )),
    }
}

/// Consumes whatever follows an attribute name that is being rejected
/// (`= value` or `(...)`), so that the next name can still be read and its
/// own mistakes reported in the same pass.
pub fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::Group = meta.input.parse()?;
    }
    Ok(())
}

/// Rejects `= value` or `(...)` after a flag such as `get`.
pub fn expect_flag(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        let name = path_to_string(&meta.path);
        let err = meta.error(format!("`{name}` takes no value: write just `{name}`"));
        skip_value(meta)?;
        return Err(err);
    }
    Ok(())
}

/// `a::b` for a path, without the spaces `ToTokens` would add.
pub fn path_to_string(path: &syn::Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(&segment.ident.to_string());
    }
    out
}

/// `tokens` with every span set to `span`, groups included: an error about
/// generated code is then reported at one place in the user's source.
pub fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut respanned = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = proc_macro2::TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
