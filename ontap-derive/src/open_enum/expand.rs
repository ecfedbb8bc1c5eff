//! The code `#[derive(OpenEnum)]` generates for a valid input.

use super::ast::Container;
use crate::internals::crate_root;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(cont: &Container) -> TokenStream {
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let private = quote!(#krate::__private);
    let serde = quote!(#private::serde);
    let ident = cont.ident;
    let Some(other) = cont.other() else {
        // `check` reports the missing variant before expansion.
        return TokenStream::new();
    };
    let other = other.ident;
    let known: Vec<(&syn::Ident, String)> = cont.known().map(|(v, wire)| (v.ident, wire)).collect();
    let variants: Vec<&syn::Ident> = known.iter().map(|(ident, _)| *ident).collect();
    let wires: Vec<&str> = known.iter().map(|(_, wire)| wire.as_str()).collect();
    let expecting = match wires.first() {
        Some(first) => format!("a {ident} as a string, such as \"{first}\""),
        None => format!("a {ident} as a string"),
    };

    quote! {
        const _: () = {
            impl #ident {
                /// Every value this type names (all variants but the one
                /// that keeps unknown values), in declaration order.
                pub const KNOWN: &'static [#ident] = &[#(#ident::#variants),*];

                /// The value as ONTAP writes it; for a value this type does
                /// not name, the text that was received.
                #[inline]
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#ident::#variants => #wires,)*
                        #ident::#other(value) => value.as_str(),
                    }
                }
            }

            #[automatically_derived]
            impl #private::OpenValue for #ident {
                const EXPECTING: &'static str = #expecting;

                #[inline]
                fn from_known(value: &str) -> ::core::option::Option<Self> {
                    match value {
                        #(#wires => ::core::option::Option::Some(#ident::#variants),)*
                        _ => ::core::option::Option::None,
                    }
                }

                #[inline]
                fn unknown(value: ::std::string::String) -> Self {
                    #ident::#other(value)
                }

                #[inline]
                fn wire(&self) -> &str {
                    self.as_str()
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                #[inline]
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.pad(self.as_str())
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = ::core::convert::Infallible;

                #[inline]
                fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                    ::core::result::Result::Ok(#private::parse_open(value))
                }
            }

            #[automatically_derived]
            impl #serde::Serialize for #ident {
                #[inline]
                fn serialize<__S: #serde::Serializer>(&self, serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                    #private::serialize_open(self, serializer)
                }
            }

            #[automatically_derived]
            impl<'de> #serde::Deserialize<'de> for #ident {
                #[inline]
                fn deserialize<__D: #serde::Deserializer<'de>>(deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                    #private::deserialize_open(deserializer)
                }
            }
        };
    }
}
