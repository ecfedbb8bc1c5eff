//! The code `#[derive(Resource)]` generates for a valid input.

use super::ast::{Container, Field};
use crate::internals::{crate_root, path_to_string, respan};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

pub fn expand(cont: &Container) -> TokenStream {
    let krate = crate_root(cont.attrs.crate_path.as_ref());
    let ident = cont.ident;
    let name = ident.unraw().to_string();
    let path = match &cont.attrs.path {
        Some(lit) => quote!(#lit),
        None => quote!(""),
    };
    let fields = cont.fields();

    let metas = fields.iter().map(|field| field_meta(&krate, field));
    let value_arms = fields.iter().enumerate().map(|(index, field)| {
        let index = Literal::usize_unsuffixed(index);
        let member = field.ident;
        // Located at the field's type, so that a type that is not
        // `Serialize` is reported there rather than on the derive.
        let at_type = Span::call_site().located_at(field.inner.unwrap_or(field.ty).span());
        let to_value = respan(quote!(#krate::__private::serde_json::to_value(value)), at_type);
        quote! {
            #index => match &self.#member {
                ::core::option::Option::Some(value) => ::core::option::Option::Some(#to_value),
                ::core::option::Option::None => ::core::option::Option::None,
            },
        }
    });
    let merges = fields.iter().map(|field| {
        let member = field.ident;
        quote! {
            if ::core::option::Option::is_some(&other.#member) {
                self.#member = other.#member;
            }
        }
    });
    let unused_other = fields.is_empty().then(|| quote!(let _ = other;));

    let deserialize = deserialize(&krate, cont);
    let verbs = verb_impls(&krate, cont);
    let secrets = secret_assertions(&krate, cont);

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::Resource for #ident {
                const NAME: &'static str = #name;
                const PATH: &'static str = #path;
                const FIELDS: &'static [#krate::FieldMeta] = &[#(#metas),*];

                fn field_value(
                    &self,
                    index: usize,
                ) -> ::core::option::Option<::core::result::Result<
                    #krate::__private::serde_json::Value,
                    #krate::__private::serde_json::Error,
                >> {
                    match index {
                        #(#value_arms)*
                        _ => ::core::option::Option::None,
                    }
                }

                fn merge(&mut self, other: Self) {
                    #unused_other
                    #(#merges)*
                }
            }

            #deserialize
            #verbs
            #secrets

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    #krate::__private::fmt_resource(self, f)
                }
            }
        };
    }
}

fn field_meta(krate: &TokenStream, field: &Field) -> TokenStream {
    let name = &field.name;
    let wire = field.wire();
    let mut verbs = quote!(#krate::Verbs::NONE);
    for (flag, verb) in [
        (field.attrs.get, quote!(Get)),
        (field.attrs.post, quote!(Post)),
        (field.attrs.patch, quote!(Patch)),
    ] {
        if flag.is_some() {
            verbs = quote!(#verbs.with(#krate::Verb::#verb));
        }
    }
    let key = field.attrs.key.is_some();
    let secret = field.is_secret();
    quote! {
        #krate::FieldMeta {
            name: #name,
            wire: #wire,
            verbs: #verbs,
            key: #key,
            secret: #secret,
        }
    }
}

/// Decodes straight from the input through a private struct that serde's own
/// derive reads: it knows the wire names, ignores unknown members and leaves
/// missing or `null` ones as `None`.
fn deserialize(krate: &TokenStream, cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let name = ident.unraw().to_string();
    let serde_path = format!("{}::__private::serde", crate_root_string(cont));
    let expecting = format!("a {name} object");
    let wire_fields = cont.fields().iter().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        let wire = field.wire();
        quote!(#[serde(default, rename = #wire)] #member: #ty,)
    });
    let moves = cont.fields().iter().map(|field| {
        let member = field.ident;
        quote!(#member: wire.#member,)
    });
    quote! {
        #[derive(#krate::__private::serde::Deserialize)]
        #[serde(crate = #serde_path, rename = #name, expecting = #expecting)]
        struct __OntapWire {
            #(#wire_fields)*
        }

        #[automatically_derived]
        impl<'de> #krate::__private::serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(deserializer: __D) -> ::core::result::Result<Self, __D::Error>
            where
                __D: #krate::__private::serde::Deserializer<'de>,
            {
                let wire = <__OntapWire as #krate::__private::serde::Deserialize>::deserialize(
                    deserializer,
                )?;
                ::core::result::Result::Ok(#ident { #(#moves)* })
            }
        }
    }
}

fn crate_root_string(cont: &Container) -> String {
    match &cont.attrs.crate_path {
        Some(path) => path_to_string(path),
        None => "::ontap".to_owned(),
    }
}

/// The verb traits this resource supports: each has only provided methods.
pub fn verb_impls(krate: &TokenStream, cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let fields = cont.fields();
    let any = |pick: fn(&Field) -> bool| fields.iter().any(pick);
    let supported = [
        (any(|f| f.attrs.get.is_some()), quote!(Get)),
        (any(|f| f.attrs.post.is_some()), quote!(Post)),
        (any(|f| f.attrs.patch.is_some()), quote!(Patch)),
        (cont.attrs.delete.is_some(), quote!(Delete)),
        (cont.attrs.collection.is_some(), quote!(Collection)),
    ];
    let impls = supported.into_iter().filter(|(yes, _)| *yes).map(|(_, verb)| {
        // Not listed as "other types that implement" the verb when a
        // resource lacks it: the list would name every resource.
        quote!(#[automatically_derived] #[diagnostic::do_not_recommend] impl #krate::#verb for #ident {})
    });
    quote!(#(#impls)*)
}

/// For each `#[secret]` field, a constant that compiles only when the type
/// is `Option<Secret>`, so the error points at the field's type.
pub fn secret_assertions(krate: &TokenStream, cont: &Container) -> TokenStream {
    let assertions = cont.fields().iter().filter_map(|field| {
        field.attrs.secret?;
        let inner = field.inner?;
        let at_type = Span::call_site().located_at(inner.span());
        let assert_secret = respan(quote!(#krate::__private::assert_secret), at_type);
        Some(quote_spanned!(at_type=> const _: () = #assert_secret::<#inner>();))
    });
    quote!(#(#assertions)*)
}
