//! The code `#[derive(OpenEnum)]` generates for a valid input.

use super::ast::Container;
use crate::internals::crate_root;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(cont: &Container) -> TokenStream {
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let serde = quote!(#krate::__private::serde);
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
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#ident::#variants => #wires,)*
                        #ident::#other(value) => value.as_str(),
                    }
                }
            }

            fn known(value: &str) -> ::core::option::Option<#ident> {
                match value {
                    #(#wires => ::core::option::Option::Some(#ident::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.pad(self.as_str())
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = ::core::convert::Infallible;

                fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                    ::core::result::Result::Ok(match known(value) {
                        ::core::option::Option::Some(found) => found,
                        ::core::option::Option::None => {
                            #ident::#other(::core::convert::From::from(value))
                        }
                    })
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
                fn deserialize<__D>(deserializer: __D) -> ::core::result::Result<Self, __D::Error>
                where
                    __D: #serde::Deserializer<'de>,
                {
                    struct Visitor;

                    impl<'de> #serde::de::Visitor<'de> for Visitor {
                        type Value = #ident;

                        fn expecting(
                            &self,
                            f: &mut ::core::fmt::Formatter<'_>,
                        ) -> ::core::fmt::Result {
                            f.write_str(#expecting)
                        }

                        fn visit_str<__E>(self, value: &str) -> ::core::result::Result<#ident, __E>
                        where
                            __E: #serde::de::Error,
                        {
                            ::core::result::Result::Ok(match known(value) {
                                ::core::option::Option::Some(found) => found,
                                ::core::option::Option::None => {
                                    #ident::#other(::core::convert::From::from(value))
                                }
                            })
                        }

                        fn visit_string<__E>(
                            self,
                            value: ::std::string::String,
                        ) -> ::core::result::Result<#ident, __E>
                        where
                            __E: #serde::de::Error,
                        {
                            ::core::result::Result::Ok(match known(&value) {
                                ::core::option::Option::Some(found) => found,
                                ::core::option::Option::None => #ident::#other(value),
                            })
                        }
                    }

                    #serde::Deserializer::deserialize_str(deserializer, Visitor)
                }
            }
        };
    }
}
