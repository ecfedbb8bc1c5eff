//! The rules a resource must follow, checked after parsing so that every
//! violation is reported in one compilation.

use super::ast::{Container, Data, Field};
use crate::internals::{Ctxt, symbol, ty};
use quote::ToTokens;
use std::collections::HashMap;

pub fn check(cx: &Ctxt, cont: &Container) {
    check_shape(cx, cont);
    check_generics(cx, cont);
    check_path(cx, cont);
    for field in cont.fields() {
        check_field(cx, field);
    }
    check_wire_names(cx, cont);
    check_params(cx, cont);
    check_hold(cx, cont);
}

fn check_shape(cx: &Ctxt, cont: &Container) {
    if let Data::Unsupported { span, what } = &cont.data {
        cx.error_at(
            *span,
            format!(
                "`#[derive(Resource)]` needs a struct with named fields, not {what}: \
                 a resource looks like `struct Job {{ #[get] uuid: Option<String> }}`"
            ),
        );
    }
}

fn check_generics(cx: &Ctxt, cont: &Container) {
    let generics = cont.generics;
    let message = "`#[derive(Resource)]` does not support generics: \
                   a resource describes one concrete kind of ONTAP object";
    if !generics.params.is_empty() {
        cx.error_spanned_by(generics, message);
    } else if let Some(where_clause) = &generics.where_clause {
        cx.error_spanned_by(where_clause, message);
    }
}

fn check_path(cx: &Ctxt, cont: &Container) {
    let Some(lit) = &cont.attrs.path else {
        let message = "a resource needs its path: add `path` to the struct, \
                       like `#[resource(path = \"/cluster/jobs\")]` (the path below `/api`)";
        match &cont.attrs.first_attr {
            Some(attr) => cx.error_spanned_by(attr, message),
            None => cx.error_spanned_by(cont.ident, message),
        }
        return;
    };
    let placeholders = match parse_path(&lit.value()) {
        Ok(placeholders) => placeholders,
        Err(message) => {
            cx.error_spanned_by(lit, message);
            return;
        }
    };
    // A misspelled field attribute (a `rename` among them) may be why no
    // field matches: it is reported already.
    if matches!(cont.data, Data::Unsupported { .. }) || cont.fields().iter().any(|f| f.attrs.malformed) {
        return;
    }
    for placeholder in placeholders {
        if !cont.fields().iter().any(|f| f.wire() == placeholder.field) {
            let hint = if placeholder.text == placeholder.field {
                format!("a field whose wire name is `{}`", placeholder.field)
            } else {
                format!(
                    "a field whose wire name is `{}` (an object holding `{}`)",
                    placeholder.field,
                    &placeholder.text[placeholder.field.len() + 1..]
                )
            };
            cx.error_spanned_by(
                lit,
                format!(
                    "no field fills the placeholder `{{{}}}` in `path`: add {hint}",
                    placeholder.text
                ),
            );
        }
    }
}

fn check_field(cx: &Ctxt, field: &Field) {
    if field.inner.is_none() {
        cx.error_spanned_by(
            field.ty,
            format!(
                "every field of a resource must be an `Option<T>`: a resource is a partial \
                 view of the server's object, and any field may be absent; \
                 write `Option<{}>`",
                ty::display(field.ty)
            ),
        );
    }
    // When an entry was misspelled (`gte` for `get`), the missing `get` is
    // not news.
    if let (Some(key), None, false) = (field.attrs.key, field.attrs.get, field.attrs.malformed) {
        let message = if !field.attrs.key_members.is_empty() {
            format!(
                "a field with `key = \"...\"` must also be `#[get]`: the key is read back from the \
                 server; add `get` to the `#[resource(...)]` of `{}`",
                field.name
            )
        } else {
            format!(
                "a `#[key]` field must also be `#[get]`: the key is read back from the server; \
                 add `#[get]` to `{}`",
                field.name
            )
        };
        cx.error_at(key, message);
    }
    for member in &field.attrs.key_members {
        let text = member.value();
        if text.is_empty() {
            cx.error_spanned_by(
                member,
                format!(
                    "`key` needs the member of `{}` that identifies the object, like `key = \"uuid\"`; \
                     it cannot be empty (when the field's own value is the key, write `#[key]`)",
                    field.name
                ),
            );
        } else if !is_member_path(&text) {
            cx.error_spanned_by(
                member,
                format!(
                    "`key = \"{text}\"` is not a member name: write the wire name of a member of \
                     `{}`, like `key = \"uuid\"`, or a dotted path to one, like `key = \"svm.uuid\"`",
                    field.name
                ),
            );
        }
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

/// Whether `text` is a wire name or a dotted path of them (`volume.uuid`).
fn is_member_path(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// A `{name}` or `{parent.key}` in a resource path.
#[derive(Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// Between the braces: `volume.uuid`.
    pub text: String,
    /// The wire name of the field that fills it: `volume`.
    pub field: String,
}

/// Validates a resource path and returns its placeholders, or explains what
/// is wrong with it.
pub fn parse_path(path: &str) -> Result<Vec<Placeholder>, String> {
    const EXAMPLE: &str = "like `/cluster/jobs`";
    if path.is_empty() {
        return Err(format!("`path` is empty: give the path below `/api`, {EXAMPLE}"));
    }
    if !path.starts_with('/') {
        return Err(format!("`path` must start with `/`: write `/{path}`"));
    }
    if path == "/api" || path.starts_with("/api/") {
        let below = path["/api".len()..].trim_end_matches('/');
        let suggestion = if below.is_empty() { "/cluster/jobs" } else { below };
        return Err(format!("`path` is relative to `/api`: write `{suggestion}`"));
    }
    if path.contains(['?', '#']) {
        return Err("`path` cannot hold a query string: queries such as `fields=` are added per request".to_owned());
    }
    if path.contains(char::is_whitespace) {
        return Err("`path` cannot contain whitespace".to_owned());
    }
    if path.trim_end_matches('/').is_empty() {
        return Err(format!("`path` must name an object, {EXAMPLE}"));
    }
    if path.ends_with('/') {
        return Err(format!(
            "`path` must not end with `/`: write `{}`",
            path.trim_end_matches('/')
        ));
    }
    if path.contains("//") {
        return Err("`path` has an empty segment (`//`)".to_owned());
    }

    let mut placeholders = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find(['{', '}']) {
        if rest[start..].starts_with('}') {
            return Err("`path` has a `}` without its `{`".to_owned());
        }
        let after = &rest[start + 1..];
        let Some(end) = after.find(['{', '}']).filter(|&end| after[end..].starts_with('}')) else {
            return Err("`path` has a `{` without its `}`".to_owned());
        };
        let text = &after[..end];
        if !is_member_path(text) {
            return Err(format!(
                "`{{{text}}}` is not a placeholder: write the wire name of the field that \
                 fills it, `{{uuid}}`, or of an object field and its key, `{{volume.uuid}}`"
            ));
        }
        let field = text.split('.').next().unwrap_or(text).to_owned();
        placeholders.push(Placeholder {
            text: text.to_owned(),
            field,
        });
        rest = &after[end + 1..];
    }
    Ok(placeholders)
}

/// `params(verb = ...)` only for a verb the resource has.
fn check_params(cx: &Ctxt, cont: &Container) {
    let declared = &cont.attrs;
    let fields = cont.fields();
    for (verb, path, _) in &declared.params {
        let supported = match *verb {
            symbol::POST => declared.post.is_some() || fields.iter().any(|f| f.attrs.post.is_some()),
            symbol::PATCH => declared.patch.is_some() || fields.iter().any(|f| f.attrs.patch.is_some()),
            symbol::DELETE => declared.delete.is_some(),
            symbol::PATCH_COLLECTION => declared.patch_collection.is_some(),
            _ => declared.delete_collection.is_some(),
        };
        if !supported {
            cx.error_spanned_by(
                path,
                format!(
                    "`params({verb} = ...)` types the query parameters of a verb this resource does not \
                     have: add `{verb}` to the struct's `#[resource(...)]`, or remove these parameters"
                ),
            );
        }
    }
}

/// `hold(verb)` only for a verb the resource has.
fn check_hold(cx: &Ctxt, cont: &Container) {
    let declared = &cont.attrs;
    let Some(hold) = &declared.hold else {
        return;
    };
    let fields = cont.fields();
    // A misspelled field attribute (`pach` for `patch`) may be why the verb
    // seems missing: it is reported already.
    let malformed = fields.iter().any(|f| f.attrs.malformed);
    for (verb, path) in hold {
        let (supported, by_field) = match *verb {
            symbol::POST => (
                declared.post.is_some() || fields.iter().any(|f| f.attrs.post.is_some()),
                true,
            ),
            symbol::PATCH => (
                declared.patch.is_some() || fields.iter().any(|f| f.attrs.patch.is_some()),
                true,
            ),
            _ => (declared.delete.is_some(), false),
        };
        if supported || (by_field && malformed) {
            continue;
        }
        let field_hint = if by_field {
            format!(" (or mark a field `#[{verb}]`)")
        } else {
            String::new()
        };
        cx.error_spanned_by(
            path,
            format!(
                "`hold({verb})` holds the answer of a verb this resource does not have: \
                 add `{verb}` to the struct's `#[resource(...)]`{field_hint}, or remove it from `hold`"
            ),
        );
    }
}
