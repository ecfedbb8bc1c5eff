//! The field table both struct derives emit: `__private::Fields`, and
//! `Deserialize` and `Serialize` impls that are one call each into the
//! runtime. Everything that does not depend on the struct (the visitor, the
//! key lookup, the map writing) is written once, in the runtime, so that a
//! crate of thousands of derived structs compiles quickly.

use super::respan;
use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

/// One field as the table sees it.
pub struct WireField<'a> {
    pub member: &'a syn::Ident,
    /// The JSON name.
    pub wire: String,
    /// The `T` of the field's `Option<T>`, where errors about it point.
    pub inner: &'a syn::Type,
}

/// `Fields`, `Deserialize` and `Serialize` for the struct `ident`.
pub fn expand(krate: &TokenStream, ident: &syn::Ident, expecting: &str, fields: &[WireField]) -> TokenStream {
    let private = quote!(#krate::__private);
    let serde = quote!(#private::serde);

    let members = fields.iter().map(|field| field.member);
    let mut sorted: Vec<(&str, u16)> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| (field.wire.as_str(), index as u16))
        .collect();
    sorted.sort_unstable();
    let wire = sorted.iter().map(|(name, index)| {
        let index = Literal::u16_unsuffixed(*index);
        quote!((#name, #index))
    });

    let reads = fields.iter().enumerate().map(|(index, field)| {
        let index = Literal::u16_unsuffixed(index as u16);
        let member = field.member;
        // Located at the field's type, so that a type that is not
        // `Deserialize` is reported there rather than on the derive.
        let read = respan(quote!(#private::read_field(__map, &mut self.#member)), at(field.inner));
        quote!(#index => #read,)
    });
    let writes: Vec<TokenStream> = fields
        .iter()
        .map(|field| {
            let member = field.member;
            let wire = &field.wire;
            let write = respan(
                quote!(#private::write_field(__map, #wire, &self.#member, &mut __result)),
                at(field.inner),
            );
            quote!(#write;)
        })
        .collect();
    // One call per field into a single result, rather than a `?` after
    // each: measurably cheaper to compile across thousands of structs.
    let serialize_body = if writes.is_empty() {
        quote!(::core::result::Result::Ok(()))
    } else {
        quote! {
            let mut __result = ::core::result::Result::Ok(());
            #(#writes)*
            __result
        }
    };

    quote! {
        #[automatically_derived]
        impl #private::Fields for #ident {
            const EXPECTING: &'static str = #expecting;
            const EMPTY: Self = #ident { #(#members: ::core::option::Option::None,)* };
            const WIRE: &'static [(&'static str, u16)] = &[#(#wire),*];

            #[inline]
            fn deserialize_field<'de, __A: #serde::de::MapAccess<'de>>(
                &mut self,
                __index: u16,
                __map: &mut __A,
            ) -> ::core::result::Result<(), __A::Error> {
                match __index {
                    #(#reads)*
                    _ => ::core::result::Result::Ok(()),
                }
            }

            #[inline]
            fn serialize_fields<__M: #serde::ser::SerializeMap>(
                &self,
                __map: &mut __M,
            ) -> ::core::result::Result<(), __M::Error> {
                #serialize_body
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            #[inline]
            fn deserialize<__D: #serde::Deserializer<'de>>(__deserializer: __D) -> ::core::result::Result<Self, __D::Error> {
                #private::deserialize_fields(__deserializer)
            }
        }

        #[automatically_derived]
        impl #serde::Serialize for #ident {
            #[inline]
            fn serialize<__S: #serde::Serializer>(&self, __serializer: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                #private::serialize_fields(self, __serializer)
            }
        }
    }
}

/// `Deserialize` and `Serialize` impls valid for any struct, for when the
/// derive reports errors: uses of the type elsewhere add none of their own.
pub fn fallback(krate: &TokenStream, ident: &syn::Ident, what: &str) -> TokenStream {
    let serde = quote!(#krate::__private::serde);
    let message = format!("this {what} did not compile");
    quote! {
        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(_: __D) -> ::core::result::Result<Self, __D::Error> {
                ::core::result::Result::Err(<__D::Error as #serde::de::Error>::custom(#message))
            }
        }

        #[automatically_derived]
        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(&self, _: __S) -> ::core::result::Result<__S::Ok, __S::Error> {
                ::core::result::Result::Err(<__S::Error as #serde::ser::Error>::custom(#message))
            }
        }
    }
}

fn at(ty: &syn::Type) -> Span {
    Span::call_site().located_at(ty.span())
}
