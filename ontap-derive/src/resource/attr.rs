//! Reading `#[resource(...)]`, `#[get]`, `#[post]`, `#[patch]`, `#[key]` and
//! `#[secret]`. Nothing here fails: malformed, unknown or duplicated entries
//! are recorded in the [`Ctxt`] and the rest is still read, so that one
//! compilation reports every mistake.

use crate::internals::symbol::{self, Symbol};
use crate::internals::{Ctxt, expect_flag, lit_str_value, skip_value, suggest};
use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;

/// What the struct's `#[resource(...)]` says.
#[derive(Default)]
pub struct Container {
    /// `path = "/cluster/jobs"`.
    pub path: Option<syn::LitStr>,
    /// `get`: ONTAP reads these objects, whatever the fields say.
    pub get: Option<Span>,
    /// `post`: ONTAP creates these objects.
    pub post: Option<Span>,
    /// `patch`: ONTAP modifies these objects.
    pub patch: Option<Span>,
    /// `delete`: ONTAP deletes these objects.
    pub delete: Option<Span>,
    /// `collection`: ONTAP lists these objects.
    pub collection: Option<Span>,
    /// `patch_collection`: ONTAP modifies the objects a query selects.
    pub patch_collection: Option<Span>,
    /// `delete_collection`: ONTAP deletes the objects a query selects.
    pub delete_collection: Option<Span>,
    /// `params(patch = VolumePatchParams, ...)`: the typed query parameters
    /// of each verb's operation, with the name of the verb as written.
    pub params: Vec<(Symbol, syn::Path, syn::Type)>,
    /// `hold(post, patch, delete)`: the verbs whose answer the client may
    /// ask the server to hold until the job they started ends, each with
    /// its name as written.
    pub hold: Option<Vec<(Symbol, syn::Path)>>,
    /// `since = VOLUME_SINCE`: the constant that lists the releases of the
    /// resource's verbs, fields, parameters and enum values.
    pub since: Option<syn::Path>,
    /// `crate = "my::ontap"`: where the generated code finds the runtime.
    pub crate_path: Option<syn::Path>,
    /// The first `#[resource]` attribute of the struct, for errors about
    /// what it lacks.
    pub first_attr: Option<proc_macro2::TokenStream>,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut container = Container::default();
        for attr in attrs {
            let path = attr.path();
            if path == symbol::RESOURCE {
                if container.first_attr.is_none() {
                    container.first_attr = Some(attr.to_token_stream());
                }
                let result = attr.parse_nested_meta(|meta| container.entry(cx, &meta));
                if let Err(err) = result {
                    cx.syn_error(err);
                }
            } else if let Some(flag) = field_flag(path) {
                let message = if symbol::RESOURCE_CONTAINER_VERBS.contains(&flag) {
                    format!(
                        "`#[{flag}]` belongs on a field; to declare the verb for the whole struct, \
                         write `{flag}` in the struct's `#[resource(...)]`"
                    )
                } else {
                    format!("`#[{flag}]` belongs on a field, not on the struct")
                };
                cx.error_spanned_by(attr, message);
            }
        }
        container
    }

    /// The typed parameters given for `verb` in `params(...)`.
    pub fn params_of(&self, verb: Symbol) -> Option<&syn::Type> {
        self.params.iter().find(|(v, _, _)| *v == verb).map(|(_, _, ty)| ty)
    }

    fn verb_slot(&mut self, verb: Symbol) -> &mut Option<Span> {
        match verb {
            symbol::GET => &mut self.get,
            symbol::POST => &mut self.post,
            symbol::PATCH => &mut self.patch,
            symbol::DELETE => &mut self.delete,
            symbol::COLLECTION => &mut self.collection,
            symbol::PATCH_COLLECTION => &mut self.patch_collection,
            _ => &mut self.delete_collection,
        }
    }

    fn entry(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let path = &meta.path;
        if path == symbol::PATH {
            let lit = lit_str_value(meta)?;
            set_once(cx, &mut self.path, lit, path, symbol::PATH, "the struct");
        } else if let Some(verb) = symbol::RESOURCE_CONTAINER_VERBS.iter().copied().find(|v| path == *v) {
            expect_flag(meta)?;
            set_once(cx, self.verb_slot(verb), path.span(), path, verb, "the struct");
        } else if path == symbol::PARAMS {
            meta.parse_nested_meta(|inner| {
                let verb = &inner.path;
                let Some(symbol) = symbol::PARAMS_VERBS.iter().copied().find(|v| verb == *v) else {
                    let word = crate::internals::path_to_string(verb);
                    cx.error_spanned_by(verb, suggest::unknown("verb in `params`", &word, symbol::PARAMS_VERBS));
                    skip_value(&inner)?;
                    return Ok(());
                };
                let ty: syn::Type = inner.value()?.parse()?;
                if self.params.iter().any(|(seen, _, _)| *seen == symbol) {
                    cx.error_spanned_by(verb, format!("duplicate `{symbol}` in `params`"));
                } else {
                    self.params.push((symbol, verb.clone(), ty));
                }
                Ok(())
            })?;
        } else if path == symbol::HOLD {
            self.hold_entry(cx, meta)?;
        } else if path == symbol::SINCE {
            let table: syn::Path = meta.value()?.parse()?;
            set_once(cx, &mut self.since, table, path, symbol::SINCE, "the struct");
        } else if path == symbol::CRATE {
            let lit = lit_str_value(meta)?;
            match lit.parse::<syn::Path>() {
                Ok(crate_path) => set_once(cx, &mut self.crate_path, crate_path, path, symbol::CRATE, "the struct"),
                Err(_) => cx.error_spanned_by(&lit, "`crate` takes a path, like `crate = \"my_crate::ontap\"`"),
            }
        } else {
            let word = crate::internals::path_to_string(path);
            let message = if symbol::RESOURCE_FIELD.iter().any(|s| path == *s) {
                format!("`{word}` belongs on a field, not on the struct")
            } else {
                suggest::unknown("resource attribute", &word, symbol::RESOURCE_CONTAINER)
            };
            cx.error_spanned_by(path, message);
            skip_value(meta)?;
        }
        Ok(())
    }

    /// `hold(post, patch, delete)`: a non-empty list of distinct verbs
    /// among those three.
    fn hold_entry(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let path = &meta.path;
        if !meta.input.peek(syn::token::Paren) {
            cx.error_spanned_by(
                path,
                "`hold` takes a list of verbs, like `hold(post, patch, delete)`: \
                 the verbs whose answer may wait for the job they start",
            );
            return skip_value(meta);
        }
        let mut verbs: Vec<(Symbol, syn::Path)> = Vec::new();
        let list: proc_macro2::Group = meta.input.fork().parse()?;
        if list.stream().is_empty() {
            cx.error_spanned_by(
                path,
                "`hold()` is empty: list the verbs whose answer may be held, \
                 like `hold(post)`, or remove `hold`",
            );
            skip_value(meta)?;
            set_once(cx, &mut self.hold, verbs, path, symbol::HOLD, "the struct");
            return Ok(());
        }
        meta.parse_nested_meta(|inner| {
            let verb = &inner.path;
            let word = crate::internals::path_to_string(verb);
            let Some(symbol) = symbol::HOLD_VERBS.iter().copied().find(|v| verb == *v) else {
                let message = if symbol::RESOURCE_CONTAINER_VERBS.iter().any(|v| verb == *v) {
                    format!(
                        "`{word}` cannot be in `hold`: `hold` takes {}, \
                         the verbs whose answer may wait for the job they start",
                        suggest::one_of(symbol::HOLD_VERBS)
                    )
                } else {
                    suggest::unknown("verb in `hold`", &word, symbol::HOLD_VERBS)
                };
                cx.error_spanned_by(verb, message);
                skip_value(&inner)?;
                return Ok(());
            };
            if inner.input.peek(syn::Token![=]) || inner.input.peek(syn::token::Paren) {
                cx.error_spanned_by(verb, format!("`{word}` in `hold` takes no value: write `hold({word})`"));
                skip_value(&inner)?;
            } else if verbs.iter().any(|(seen, _)| *seen == symbol) {
                cx.error_spanned_by(verb, format!("duplicate `{symbol}` in `hold`"));
            } else {
                verbs.push((symbol, verb.clone()));
            }
            Ok(())
        })?;
        set_once(cx, &mut self.hold, verbs, path, symbol::HOLD, "the struct");
        Ok(())
    }
}

/// What a field's attributes say.
#[derive(Default)]
pub struct Field {
    /// Read back by GET (`#[get]`).
    pub get: Option<Span>,
    /// Sent by POST (`#[post]`).
    pub post: Option<Span>,
    /// Sent by PATCH (`#[patch]`).
    pub patch: Option<Span>,
    /// Part of the instance path (`#[key]`, or `key = "uuid"`).
    pub key: Option<Span>,
    /// `key = "uuid"`: the members of this field (an object) that are keys,
    /// in path order (`key = "name", key = "index"` for two),
    /// rather than the field's own value.
    pub key_members: Vec<syn::LitStr>,
    /// Marked `#[secret]` (a field of type `Option<Secret>` is secret
    /// without it).
    pub secret: Option<Span>,
    /// `rename = "_links"`: the JSON name when it differs from the field's.
    pub rename: Option<syn::LitStr>,
    /// Whether an entry could not be read: the checks that depend on the
    /// attributes then stay quiet, as the misspelling may be the cause.
    pub malformed: bool,
}

impl Field {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut field = Field::default();
        for attr in attrs {
            let path = attr.path();
            if path == symbol::RESOURCE {
                let result = attr.parse_nested_meta(|meta| field.entry(cx, &meta));
                if let Err(err) = result {
                    cx.syn_error(err);
                    field.malformed = true;
                }
            } else if let Some(flag) = field_flag(path) {
                if attr.meta.require_path_only().is_err() {
                    cx.error_spanned_by(
                        &attr.meta,
                        format!("`#[{flag}]` takes no arguments: write just `#[{flag}]`"),
                    );
                    continue;
                }
                field.set_flag(cx, flag, path);
            }
        }
        field
    }

    fn entry(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let path = &meta.path;
        if path == symbol::KEY && meta.input.peek(syn::Token![=]) {
            let lit = lit_str_value(meta)?;
            if self.key.is_some() && self.key_members.is_empty() {
                cx.error_spanned_by(
                    path,
                    "duplicate `key` on this field: `#[key]` makes its own value the key, \
                     `key = \"...\"` one of its members; keep one",
                );
            } else if self.key_members.iter().any(|m| m.value() == lit.value()) {
                cx.error_spanned_by(&lit, format!("duplicate `key = \"{}\"` on this field", lit.value()));
            } else {
                self.key = Some(path.span());
                self.key_members.push(lit);
            }
        } else if let Some(flag) = field_flag(path) {
            expect_flag(meta)?;
            self.set_flag(cx, flag, path);
        } else if path == symbol::RENAME {
            let lit = lit_str_value(meta)?;
            set_once(cx, &mut self.rename, lit, path, symbol::RENAME, "this field");
        } else {
            let word = crate::internals::path_to_string(path);
            let message = if symbol::RESOURCE_CONTAINER.iter().any(|s| path == *s) {
                format!(
                    "`{word}` belongs on the struct, not on a field: \
                     move it into the struct's `#[resource(...)]`"
                )
            } else {
                suggest::unknown("resource field attribute", &word, symbol::RESOURCE_FIELD)
            };
            cx.error_spanned_by(path, message);
            self.malformed = true;
            skip_value(meta)?;
        }
        Ok(())
    }

    fn set_flag(&mut self, cx: &Ctxt, flag: Symbol, path: &syn::Path) {
        let slot = match flag {
            symbol::GET => &mut self.get,
            symbol::POST => &mut self.post,
            symbol::PATCH => &mut self.patch,
            symbol::KEY => &mut self.key,
            _ => &mut self.secret,
        };
        if slot.is_some() && flag == symbol::KEY && !self.key_members.is_empty() {
            cx.error_spanned_by(
                path,
                "duplicate `key` on this field: `#[key]` makes its own value the key, \
                 `key = \"...\"` one of its members; keep one",
            );
        } else if slot.is_some() {
            cx.error_spanned_by(
                path,
                format!(
                    "duplicate `{flag}` on this field \
                     (`#[{flag}]` and `#[resource({flag})]` are the same attribute)"
                ),
            );
        } else {
            *slot = Some(path.span());
        }
    }
}

/// `get`, `post`, `patch`, `key` or `secret`, when `path` is one of them.
fn field_flag(path: &syn::Path) -> Option<Symbol> {
    symbol::RESOURCE_FIELD_FLAGS.iter().copied().find(|flag| path == *flag)
}

fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, at: &syn::Path, name: Symbol, owner: &str) {
    if slot.is_some() {
        cx.error_spanned_by(at, format!("duplicate `{name}`: {owner} already has one"));
    } else {
        *slot = Some(value);
    }
}

impl crate::internals::ast::ContainerAttrs for Container {
    fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Container::from_ast(cx, attrs)
    }
}

impl crate::internals::ast::FieldAttrs for Field {
    fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        Field::from_ast(cx, attrs)
    }

    fn rename(&self) -> Option<&syn::LitStr> {
        self.rename.as_ref()
    }
}
