//! Reading `#[model(...)]` on the struct and on its fields. Nothing here
//! fails: malformed, unknown or duplicated entries are recorded in the
//! [`Ctxt`] and the rest is still read.

use crate::internals::symbol::{self, Symbol};
use crate::internals::{Ctxt, lit_str_value, path_to_string, skip_value, suggest};

/// What the struct's `#[model(...)]` says.
#[derive(Default)]
pub struct Container {
    /// `crate = "my::ontap"`: where the generated code finds the runtime.
    pub crate_path: Option<syn::Path>,
}

impl Container {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut container = Container::default();
        for attr in attrs.iter().filter(|attr| attr.path() == symbol::MODEL) {
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path == symbol::CRATE {
                    let lit = lit_str_value(&meta)?;
                    match lit.parse::<syn::Path>() {
                        Ok(crate_path) if container.crate_path.is_none() => container.crate_path = Some(crate_path),
                        Ok(_) => duplicate(cx, path, symbol::CRATE, "the struct"),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` takes a path, like `crate = \"my_crate::ontap\"`"),
                    }
                } else {
                    let word = path_to_string(path);
                    let message = if symbol::MODEL_FIELD.iter().any(|s| path == *s) {
                        format!("`{word}` belongs on a field, not on the struct")
                    } else {
                        suggest::unknown("model attribute", &word, symbol::MODEL_CONTAINER)
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

/// What a field's `#[model(...)]` says.
#[derive(Default)]
pub struct Field {
    /// `rename = "_links"`: the JSON name when it differs from the field's.
    pub rename: Option<syn::LitStr>,
}

impl Field {
    pub fn from_ast(cx: &Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut field = Field::default();
        for attr in attrs.iter().filter(|attr| attr.path() == symbol::MODEL) {
            let result = attr.parse_nested_meta(|meta| {
                let path = &meta.path;
                if path == symbol::RENAME {
                    let lit = lit_str_value(&meta)?;
                    if field.rename.is_some() {
                        duplicate(cx, path, symbol::RENAME, "this field");
                    } else {
                        field.rename = Some(lit);
                    }
                } else {
                    let word = path_to_string(path);
                    let message = if symbol::MODEL_CONTAINER.iter().any(|s| path == *s) {
                        format!("`{word}` belongs on the struct, not on a field")
                    } else {
                        suggest::unknown("model field attribute", &word, symbol::MODEL_FIELD)
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
        field
    }
}

fn duplicate(cx: &Ctxt, at: &syn::Path, name: Symbol, owner: &str) {
    cx.error_spanned_by(at, format!("duplicate `{name}`: {owner} already has one"));
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
