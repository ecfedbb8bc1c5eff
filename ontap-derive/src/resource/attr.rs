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
    /// `collection`: ONTAP lists these objects.
    pub collection: Option<Span>,
    /// `delete`: ONTAP deletes these objects.
    pub delete: Option<Span>,
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
                cx.error_spanned_by(attr, format!("`#[{flag}]` belongs on a field, not on the struct"));
            }
        }
        container
    }

    fn entry(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let path = &meta.path;
        if path == symbol::PATH {
            let lit = lit_str_value(meta)?;
            set_once(cx, &mut self.path, lit, path, symbol::PATH, "the struct");
        } else if path == symbol::COLLECTION {
            expect_flag(meta)?;
            set_once(
                cx,
                &mut self.collection,
                path.span(),
                path,
                symbol::COLLECTION,
                "the struct",
            );
        } else if path == symbol::DELETE {
            expect_flag(meta)?;
            set_once(cx, &mut self.delete, path.span(), path, symbol::DELETE, "the struct");
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
    /// Part of the instance path (`#[key]`).
    pub key: Option<Span>,
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
        if let Some(flag) = field_flag(path) {
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
        if slot.is_some() {
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
