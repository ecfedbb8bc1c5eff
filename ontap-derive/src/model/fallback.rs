//! What `#[derive(Model)]` generates next to its errors: `Deserialize` and
//! `Serialize` impls valid for any struct, so that the resources and models
//! that hold this one add no errors of their own.

use super::ast::{Container, Data};
use crate::internals::{crate_root, fields};
use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(cont: &Container) -> TokenStream {
    // A generic type, or one that is not a struct with named fields, cannot
    // become a model whatever else is fixed: its own error is enough.
    let generic = !cont.generics.params.is_empty() || cont.generics.where_clause.is_some();
    if generic || matches!(cont.data, Data::Unsupported { .. }) {
        return TokenStream::new();
    }
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let serde = fields::fallback(&krate, cont.ident, "model");
    quote! {
        const _: () = {
            #serde
        };
    }
}
