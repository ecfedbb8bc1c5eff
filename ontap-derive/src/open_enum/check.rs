//! The rules an open enum must follow.

use super::ast::{Container, Data};
use crate::internals::{Ctxt, ty};
use quote::ToTokens;
use std::collections::HashMap;

pub fn check(cx: &Ctxt, cont: &Container) {
    if let Data::Unsupported { span, what } = &cont.data {
        cx.error_at(
            *span,
            format!(
                "`#[derive(OpenEnum)]` needs an enum, not {what}: an open enum lists the \
                 values ONTAP sends, like `enum State {{ Running, Success, \
                 #[open_enum(other)] Unknown(String) }}`"
            ),
        );
        return;
    }
    if !cont.generics.params.is_empty() {
        cx.error_spanned_by(
            cont.generics,
            "`#[derive(OpenEnum)]` does not support generics: an open enum is a set of names",
        );
    }
    check_other(cx, cont);
    check_variants(cx, cont);
}

fn check_other(cx: &Ctxt, cont: &Container) {
    let mut others = cont.variants().iter().filter(|v| v.attrs.other.is_some());
    let Some(first) = others.next() else {
        if cont.variants().iter().any(|v| v.attrs.malformed) {
            // A misspelled `other` is already reported.
            return;
        }
        cx.error_spanned_by(
            cont.ident,
            format!(
                "`{}` needs a variant that keeps the values it does not name, so that a \
                 value from a newer ONTAP does not fail the response: add \
                 `#[open_enum(other)] Unknown(String)`",
                cont.ident
            ),
        );
        return;
    };
    for extra in others {
        if let Some(span) = extra.attrs.other {
            cx.error_at(
                span,
                format!("only one variant can be `other`, and `{}` already is", first.ident),
            );
        }
    }
    let holds_one_string = match first.fields {
        syn::Fields::Unnamed(fields) => {
            fields.unnamed.len() == 1
                && fields
                    .unnamed
                    .first()
                    .is_some_and(|field| ty::last_segment_is(&field.ty, "String"))
        }
        _ => false,
    };
    if !holds_one_string {
        let at = match first.fields {
            syn::Fields::Unit => first.ident.to_token_stream(),
            fields => fields.to_token_stream(),
        };
        cx.error_spanned_by(
            at,
            format!(
                "the `other` variant keeps the unknown value as text: declare it `{}(String)`",
                first.ident
            ),
        );
    }
    if let Some(rename) = &first.attrs.rename {
        cx.error_spanned_by(
            rename,
            "the `other` variant has no wire name of its own: it holds whatever value was sent",
        );
    }
}

fn check_variants(cx: &Ctxt, cont: &Container) {
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for (variant, wire) in cont.known() {
        if !matches!(variant.fields, syn::Fields::Unit) && !variant.attrs.malformed {
            cx.error_spanned_by(
                variant.fields,
                format!(
                    "`{}` carries data, but only the `#[open_enum(other)]` variant may: \
                     the others are plain names such as `Running`",
                    variant.ident
                ),
            );
        }
        if let Some(rename) = &variant.attrs.rename
            && wire.is_empty()
        {
            cx.error_spanned_by(
                rename,
                "`rename` needs the value's wire name, like `rename = \"not_started\"`; \
                 it cannot be empty",
            );
            continue;
        }
        if let Some(first) = seen.get(&wire) {
            let at = match &variant.attrs.rename {
                Some(rename) => rename.to_token_stream(),
                None => variant.ident.to_token_stream(),
            };
            cx.error_spanned_by(
                at,
                format!(
                    "`{}` and `{first}` both have the wire name `{wire}`: \
                     give one of them another with `#[open_enum(rename = \"...\")]`",
                    variant.ident
                ),
            );
        } else {
            seen.insert(wire, variant.ident);
        }
    }
}
