//! What `#[derive(OpenEnum)]` generates next to its errors: the same items,
//! valid for any enum and doing nothing, so that uses of the type elsewhere
//! (`state.as_str()`, `"x".parse()`, serde) add no errors of their own.

use super::ast::{Container, Data};
use crate::internals::crate_root;
use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(cont: &Container) -> TokenStream {
    if !cont.generics.params.is_empty() || matches!(cont.data, Data::Unsupported { .. }) {
        return TokenStream::new();
    }
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let serde = quote!(#krate::__private::serde);
    let ident = cont.ident;
    quote! {
        const _: () = {
            impl #ident {
                /// Every value this type names.
                pub const KNOWN: &'static [#ident] = &[];

                /// The value as ONTAP writes it.
                pub fn as_str(&self) -> &str {
                    ""
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.pad(self.as_str())
                }
            }

            // No value can be built without a valid `other` variant, so
            // parsing reports a (never reached) error instead.
            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = ::core::fmt::Error;

                fn from_str(_: &str) -> ::core::result::Result<Self, Self::Err> {
                    ::core::result::Result::Err(::core::fmt::Error)
                }
            }

            #[automatically_derived]
            impl #serde::Serialize for #ident {
                fn serialize<__S>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error>
                where
                    __S: #serde::Serializer,
                {
                    serializer.serialize_str(self.as_str())
                }
            }

            #[automatically_derived]
            impl<'de> #serde::Deserialize<'de> for #ident {
                fn deserialize<__D>(_: __D) -> ::core::result::Result<Self, __D::Error>
                where
                    __D: #serde::Deserializer<'de>,
                {
                    ::core::result::Result::Err(<__D::Error as #serde::de::Error>::custom(
                        "this open enum did not compile",
                    ))
                }
            }
        };
    }
}
