//! What `#[derive(Resource)]` generates next to its errors: impls that are
//! valid for any input and do nothing, so that the user's uses of the type
//! (`Job::PATH`, `job.get(..)`, `println!("{job}")`) do not each add an error
//! of their own on top of the real mistake.

use super::ast::{Container, Data};
use super::expand::{secret_assertions, verb_impls};
use crate::internals::{self, crate_root};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

pub fn fallback(cont: &Container) -> TokenStream {
    // A generic type, or one that is not a struct with named fields, cannot
    // become a resource whatever else is fixed: its own error is enough, and
    // stubs would only add unmet bounds (`Default`, ...) to it.
    let generic = !cont.generics.params.is_empty() || cont.generics.where_clause.is_some();
    if generic || matches!(cont.data, Data::Unsupported { .. }) {
        return TokenStream::new();
    }
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let ident = cont.ident;
    let name = ident.unraw().to_string();
    let verbs = verb_impls(&krate, cont);
    let secrets = secret_assertions(&krate, cont);
    let serde = internals::fields::fallback(&krate, ident, "resource");
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::Resource for #ident {
                const NAME: &'static str = #name;
                const PATH: &'static str = "";
                const FIELDS: &'static [#krate::FieldMeta] = &[];
                const KEYS: &'static [&'static str] = &[];

                fn merge(&mut self, _: Self) {}
            }

            #serde

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(#name)
                }
            }

            #verbs
            #secrets
        };
    }
}
