//! The code `#[derive(Model)]` generates for a valid input: the field
//! table, and `Deserialize` and `Serialize` through it.

use super::ast::Container;
use crate::internals::crate_root;
use crate::internals::fields::{self, WireField};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

pub fn expand(cont: &Container) -> TokenStream {
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let ident = cont.ident;
    let expecting = format!("a {} object", ident.unraw());
    let wire_fields: Vec<WireField> = cont
        .fields()
        .iter()
        .map(|field| WireField {
            member: field.ident,
            wire: field.wire(),
            inner: field.inner.unwrap_or(field.ty),
        })
        .collect();
    let table = fields::expand(&krate, ident, &expecting, &wire_fields);
    quote! {
        const _: () = {
            #table
        };
    }
}
