//! Reading `#[open_enum(...)]` on the enum and on its variants. Mistakes are
//! recorded in the [`Ctxt`] and reading goes on.

use crate::internals::symbol::{self, Symbol};
use crate::internals::{Ctxt, expect_flag, lit_str_value, path_to_string, skip_value, suggest};
use proc_macro2::Span;
use syn::spanned::Spanned;

/// What the enum's `#[open_enum(...)]` says.
#[derive(Default)]
pub struct Container {
    /// `crate = "my::ontap"`: where the generated code finds the runtime.
    pub crate_path: Option<syn::Path>,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut container = Container::default();
        for attr in attrs.iter().filter(|attr| attr.path() == symbol::OPEN_ENUM) {
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path == symbol::CRATE {
                    let lit = lit_str_value(&meta)?;
                    match lit.parse::<syn::Path>() {
                        Ok(crate_path) if container.crate_path.is_none() => {
                            container.crate_path = Some(crate_path);
                        }
                        Ok(_) => duplicate(cx, path, symbol::CRATE, "the enum"),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` takes a path, like `crate = \"my_crate::ontap\"`"),
                    }
                } else {
                    let word = path_to_string(path);
                    let message = if symbol::OPEN_ENUM_VARIANT.iter().any(|s| path == *s) {
                        format!("`{word}` belongs on a variant, not on the enum")
                    } else {
                        suggest::unknown("open_enum attribute", &word, symbol::OPEN_ENUM_CONTAINER)
                    };
                    cx.error_spanned_by(path, message);
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        container
    }
}

/// What a variant's `#[open_enum(...)]` says.
#[derive(Default)]
pub struct Variant {
    /// `rename = "not_started"`: the wire name when snake_case is not it.
    pub rename: Option<syn::LitStr>,
    /// `other`: this variant keeps every value the others do not name.
    pub other: Option<Span>,
    /// Whether an entry could not be read: the checks that depend on the
    /// attributes then stay quiet, as the misspelling may be the cause.
    pub malformed: bool,
}

impl Variant {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut variant = Variant::default();
        for attr in attrs.iter().filter(|attr| attr.path() == symbol::OPEN_ENUM) {
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path == symbol::RENAME {
                    let lit = lit_str_value(&meta)?;
                    if variant.rename.is_some() {
                        duplicate(cx, path, symbol::RENAME, "this variant");
                    } else {
                        variant.rename = Some(lit);
                    }
                } else if path == symbol::OTHER {
                    expect_flag(&meta)?;
                    if variant.other.is_some() {
                        duplicate(cx, path, symbol::OTHER, "this variant");
                    } else {
                        variant.other = Some(path.span());
                    }
                } else {
                    let word = path_to_string(path);
                    let message = if symbol::OPEN_ENUM_CONTAINER.iter().any(|s| path == *s) {
                        format!("`{word}` belongs on the enum, not on a variant")
                    } else {
                        suggest::unknown("open_enum variant attribute", &word, symbol::OPEN_ENUM_VARIANT)
                    };
                    cx.error_spanned_by(path, message);
                    variant.malformed = true;
                    skip_value(&meta)?;
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
                variant.malformed = true;
            }
        }
        variant
    }
}

fn duplicate(cx: &Ctxt, at: &syn::Path, name: Symbol, owner: &str) {
    cx.error_spanned_by(at, format!("duplicate `{name}`: {owner} already has one"));
}
