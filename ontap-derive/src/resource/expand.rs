//! The code `#[derive(Resource)]` generates for a valid input.

use super::ast::{Container, Field};
use crate::internals::fields::WireField;
use crate::internals::symbol;
use crate::internals::{self, crate_root, respan};
use proc_macro2::{Span, TokenStream};
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
    let keys = fields.iter().flat_map(Field::key_paths);
    let merges = fields.iter().map(|field| {
        let member = field.ident;
        quote!(#krate::__private::merge_field(&mut self.#member, other.#member);)
    });
    let unused_other = fields.is_empty().then(|| quote!(let _ = other;));

    let wire_fields: Vec<WireField> = fields
        .iter()
        .map(|field| WireField {
            member: field.ident,
            wire: field.wire(),
            inner: field.inner.unwrap_or(field.ty),
        })
        .collect();
    let table = internals::fields::expand(&krate, ident, &format!("a {name} object"), &wire_fields);
    let verbs = verb_impls(&krate, cont);
    let secrets = secret_assertions(&krate, cont);
    let hold = cont.attrs.hold.as_ref().map(|hold| {
        let mut set = quote!(#krate::Verbs::NONE);
        for (verb, _) in hold {
            let verb = match *verb {
                symbol::POST => quote!(Post),
                symbol::PATCH => quote!(Patch),
                _ => quote!(Delete),
            };
            set = quote!(#set.with(#krate::Verb::#verb));
        }
        quote!(const HOLD: #krate::Verbs = #set;)
    });
    let since = cont
        .attrs
        .since
        .as_ref()
        .map(|table| quote!(const SINCE: &'static [(&'static str, #krate::Release)] = #table;));

    quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::Resource for #ident {
                const NAME: &'static str = #name;
                const PATH: &'static str = #path;
                const FIELDS: &'static [#krate::FieldMeta] = &[#(#metas),*];
                const KEYS: &'static [&'static str] = &[#(#keys),*];
                #hold
                #since

                #[inline]
                fn merge(&mut self, other: Self) {
                    #unused_other
                    #(#merges)*
                }
            }

            #table
            #verbs
            #secrets

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                #[inline]
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

/// The verb traits this resource supports: each has only provided methods.
pub fn verb_impls(krate: &TokenStream, cont: &Container) -> TokenStream {
    let ident = cont.ident;
    let fields = cont.fields();
    let any = |pick: fn(&Field) -> bool| fields.iter().any(pick);
    let declared = &cont.attrs;
    // A verb is supported when the struct declares it, or, for the verbs
    // that fields travel with, when a field does.
    let supported = [
        (
            declared.get.is_some() || any(|f| f.attrs.get.is_some()),
            quote!(Get),
            None,
        ),
        (
            declared.post.is_some() || any(|f| f.attrs.post.is_some()),
            quote!(Post),
            Some(symbol::POST),
        ),
        (
            declared.patch.is_some() || any(|f| f.attrs.patch.is_some()),
            quote!(Patch),
            Some(symbol::PATCH),
        ),
        (declared.delete.is_some(), quote!(Delete), Some(symbol::DELETE)),
        (declared.collection.is_some(), quote!(Collection), None),
        (
            declared.patch_collection.is_some(),
            quote!(PatchCollection),
            Some(symbol::PATCH_COLLECTION),
        ),
        (
            declared.delete_collection.is_some(),
            quote!(DeleteCollection),
            Some(symbol::DELETE_COLLECTION),
        ),
    ];
    let impls = supported
        .into_iter()
        .filter(|(yes, _, _)| *yes)
        .map(|(_, verb, params)| {
            // The operation's typed query parameters, for the verbs that take them.
            let body = params.map(|symbol| match declared.params_of(symbol) {
                Some(ty) => quote!(type Params = #ty;),
                None => quote!(type Params = #krate::NoParams;),
            });
            // Not listed as "other types that implement" the verb when a
            // resource lacks it: the list would name every resource.
            quote!(#[automatically_derived] #[diagnostic::do_not_recommend] impl #krate::#verb for #ident { #body })
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
