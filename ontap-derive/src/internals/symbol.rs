//! Every attribute name the derives understand, in one place.

use std::fmt::{self, Display};
use syn::{Ident, Path};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Symbol(pub &'static str);

impl Symbol {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

// `#[derive(Resource)]`: the container attribute and its entries.
pub const RESOURCE: Symbol = Symbol("resource");
pub const PATH: Symbol = Symbol("path");
pub const COLLECTION: Symbol = Symbol("collection");
pub const DELETE: Symbol = Symbol("delete");
pub const PATCH_COLLECTION: Symbol = Symbol("patch_collection");
pub const DELETE_COLLECTION: Symbol = Symbol("delete_collection");
pub const CRATE: Symbol = Symbol("crate");
pub const PARAMS: Symbol = Symbol("params");
pub const HOLD: Symbol = Symbol("hold");
pub const SINCE: Symbol = Symbol("since");

// `#[derive(Resource)]`: field attributes, bare (`#[get]`) or long
// (`#[resource(get)]`).
pub const GET: Symbol = Symbol("get");
pub const POST: Symbol = Symbol("post");
pub const PATCH: Symbol = Symbol("patch");
pub const KEY: Symbol = Symbol("key");
pub const SECRET: Symbol = Symbol("secret");
pub const RENAME: Symbol = Symbol("rename");

// `#[derive(Model)]`.
pub const MODEL: Symbol = Symbol("model");

// `#[derive(OpenEnum)]`.
pub const OPEN_ENUM: Symbol = Symbol("open_enum");
pub const OTHER: Symbol = Symbol("other");

/// The entries `#[resource(...)]` accepts on the struct.
pub const RESOURCE_CONTAINER: &[Symbol] = &[
    PATH,
    GET,
    POST,
    PATCH,
    DELETE,
    COLLECTION,
    PATCH_COLLECTION,
    DELETE_COLLECTION,
    HOLD,
    PARAMS,
    SINCE,
    CRATE,
];
/// The verbs whose operations take typed query parameters, inside
/// `params(...)`.
pub const PARAMS_VERBS: &[Symbol] = &[POST, PATCH, DELETE, PATCH_COLLECTION, DELETE_COLLECTION];
/// The verbs whose answer may be held until their job ends, inside
/// `hold(...)`.
pub const HOLD_VERBS: &[Symbol] = &[POST, PATCH, DELETE];
/// The verbs `#[resource(...)]` can declare for the whole struct.
pub const RESOURCE_CONTAINER_VERBS: &[Symbol] = &[
    GET,
    POST,
    PATCH,
    DELETE,
    COLLECTION,
    PATCH_COLLECTION,
    DELETE_COLLECTION,
];
/// The flags a field accepts, bare or inside `#[resource(...)]`.
pub const RESOURCE_FIELD_FLAGS: &[Symbol] = &[GET, POST, PATCH, KEY, SECRET];
/// Everything `#[resource(...)]` accepts on a field.
pub const RESOURCE_FIELD: &[Symbol] = &[GET, POST, PATCH, KEY, SECRET, RENAME];
/// The entries `#[model(...)]` accepts on the struct.
pub const MODEL_CONTAINER: &[Symbol] = &[CRATE];
/// The entries `#[model(...)]` accepts on a field.
pub const MODEL_FIELD: &[Symbol] = &[RENAME];
/// The entries `#[open_enum(...)]` accepts on the enum.
pub const OPEN_ENUM_CONTAINER: &[Symbol] = &[CRATE];
/// The entries `#[open_enum(...)]` accepts on a variant.
pub const OPEN_ENUM_VARIANT: &[Symbol] = &[RENAME, OTHER];

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
