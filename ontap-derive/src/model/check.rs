//! The rules a model must follow, checked after parsing so that every
//! violation is reported in one compilation.

use super::ast::{Container, Data, Field};
use crate::internals::{Ctxt, ty};
use quote::ToTokens;
use std::collections::HashMap;

pub fn check(cx: &Ctxt, cont: &Container) {
    if let Data::Unsupported { span, what } = &cont.data {
        cx.error_at(
            *span,
            format!(
                "`#[derive(Model)]` needs a struct with named fields, not {what}: \
                 a model looks like `struct SvmReference {{ name: Option<String> }}`"
            ),
        );
    }
    let generics = cont.generics;
    let message = "`#[derive(Model)]` does not support generics: \
                   a model describes one concrete kind of JSON object";
    if !generics.params.is_empty() {
        cx.error_spanned_by(generics, message);
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(where_clause, message);
    }
    for field in cont.fields() {
        check_field(cx, field);
    }
    check_wire_names(cx, cont);
}

fn check_field(cx: &Ctxt, field: &Field) {
    if field.inner.is_none() {
        cx.error_spanned_by(
            field.ty,
            format!(
                "every field of a model must be an `Option<T>`: ONTAP may leave out any \
                 member of an object; write `Option<{}>`",
                ty::display(field.ty)
            ),
        );
    }
    if let Some(rename) = &field.attrs.rename
        && rename.value().is_empty()
    {
        cx.error_spanned_by(
            rename,
            "`rename` needs the field's JSON name, like `rename = \"_links\"`; it cannot be empty",
        );
    }
}

fn check_wire_names(cx: &Ctxt, cont: &Container) {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for field in cont.fields() {
        let wire = field.wire();
        if wire.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(wire.as_str()) {
            let at = match &field.attrs.rename {
                Some(rename) => rename.to_token_stream(),
                None => field.ident.to_token_stream(),
            };
            cx.error_spanned_by(
                at,
                format!(
                    "the wire name `{wire}` is already taken by field `{first}`: \
                     two fields cannot read the same JSON member"
                ),
            );
        } else {
            seen.insert(wire, &field.name);
        }
    }
}
