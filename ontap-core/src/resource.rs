//! The metadata a resource carries: what `#[derive(Resource)]` generates.
//!
//! Nothing here performs I/O. The verb traits in [`crate::verbs`] read this
//! metadata to build paths and bodies, and the derive writes it; the behaviour
//! itself lives once, in this crate.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// An HTTP verb that a field can travel with.
///
/// ```
/// use ontap_core::{Verb, Verbs};
/// assert!(Verbs::NONE.with(Verb::Get).contains(Verb::Get));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// Read by `GET`.
    Get,
    /// Sent by `POST` (creation).
    Post,
    /// Sent by `PATCH` (modification).
    Patch,
    /// Sent in the body of `DELETE`.
    Delete,
}

impl Verb {
    const fn bit(self) -> u8 {
        match self {
            Verb::Get => 1,
            Verb::Post => 2,
            Verb::Patch => 4,
            Verb::Delete => 8,
        }
    }

    /// The method name as sent on the wire.
    ///
    /// ```
    /// assert_eq!(ontap_core::Verb::Patch.as_str(), "PATCH");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }
}

/// A set of [`Verb`]s, usable in constants.
///
/// ```
/// use ontap_core::{Verb, Verbs};
/// const GET_POST: Verbs = Verbs::NONE.with(Verb::Get).with(Verb::Post);
/// assert!(GET_POST.contains(Verb::Post));
/// assert!(!GET_POST.contains(Verb::Patch));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Verbs(u8);

impl Verbs {
    /// The empty set.
    pub const NONE: Verbs = Verbs(0);

    /// This set plus `verb`.
    pub const fn with(self, verb: Verb) -> Verbs {
        Verbs(self.0 | verb.bit())
    }

    /// Whether `verb` is in the set.
    pub const fn contains(self, verb: Verb) -> bool {
        self.0 & verb.bit() != 0
    }
}

/// One field of a resource, as the derive describes it.
///
/// ```
/// use ontap_core::{FieldMeta, Verb, Verbs};
/// let meta = FieldMeta {
///     name: "links",
///     wire: "_links",
///     verbs: Verbs::NONE.with(Verb::Get),
///     key: false,
///     secret: false,
/// };
/// assert!(meta.verbs.contains(Verb::Get));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMeta {
    /// The Rust field name.
    pub name: &'static str,
    /// The JSON name on the wire (`_links` for a field named `links`).
    pub wire: &'static str,
    /// The verbs whose bodies carry this field; `Get` means it is read back.
    pub verbs: Verbs,
    /// Whether the field identifies one object of a collection (it goes into
    /// the instance path, e.g. `/cluster/jobs/{uuid}`).
    pub key: bool,
    /// Whether the value is a secret: printed as `*********` everywhere but in
    /// the request body.
    pub secret: bool,
}

/// A typed view of one kind of ONTAP object: its path, keys and fields.
///
/// Implemented by `#[derive(Resource)]`; the verb traits ([`Get`](crate::Get),
/// [`Post`](crate::Post), ...) provide the methods. Every field is an
/// `Option`: a resource is a partial view of the server's object, and only
/// the fields that are set travel.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::{Resource, Secret};
///
/// #[derive(Debug, Clone, Default, ontap_core::Resource)]
/// #[resource(path = "/cluster/software/download")]
/// struct Download {
///     #[get]
///     message: Option<String>,
///     #[post]
///     url: Option<String>,
///     #[post]
///     password: Option<Secret>,
/// }
///
/// assert_eq!(Download::PATH, "/cluster/software/download");
/// let d = Download { password: Some("pw".into()), ..Default::default() };
/// assert_eq!(d.to_string(), r#"Download({"password": "*********"})"#);
/// ```
pub trait Resource: DeserializeOwned + Default + Send + Sync + 'static {
    /// The type's name, as printed by `Display` (`Job`).
    const NAME: &'static str;
    /// The collection path below `/api`, with `{parent.key}` placeholders
    /// for keys of enclosing objects (`/storage/volumes/{volume.uuid}/snapshots`).
    /// The instance path appends the `#[key]` fields.
    const PATH: &'static str;
    /// Every field, in declaration order.
    const FIELDS: &'static [FieldMeta];

    /// The JSON value of the field at `index` in [`Self::FIELDS`], or `None`
    /// when that field is not set.
    fn field_value(&self, index: usize) -> Option<Result<Value, serde_json::Error>>;

    /// Copies every field that is set in `other` into `self`, keeping the
    /// fields `other` does not have (how a GET refreshes an object).
    fn merge(&mut self, other: Self);
}

/// The JSON object of the fields that are set, by wire name, optionally
/// limited to one verb. Secrets are masked unless `reveal_secrets`.
pub(crate) fn fields_json<R: Resource>(
    resource: &R,
    verb: Option<Verb>,
    reveal_secrets: bool,
) -> Result<Map<String, Value>, serde_json::Error> {
    let mut map = Map::new();
    for (index, meta) in R::FIELDS.iter().enumerate() {
        if verb.is_some_and(|v| !meta.verbs.contains(v)) {
            continue;
        }
        let Some(value) = resource.field_value(index) else {
            continue;
        };
        let value = if meta.secret && !reveal_secrets {
            Value::String(crate::secret::MASK.to_owned())
        } else {
            value?
        };
        map.insert(meta.wire.to_owned(), value);
    }
    Ok(map)
}
