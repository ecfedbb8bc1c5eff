//! The metadata a resource carries: what `#[derive(Resource)]` generates.
//!
//! Nothing here performs I/O. The verb traits in [`crate::verbs`] read this
//! metadata to build paths and bodies, and the derive writes it; the behaviour
//! itself lives once, in this crate.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Error;
use crate::secret::{MASK, revealed};

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
    /// Whether the field carries a key that identifies one object of a
    /// collection (it goes into the instance path, e.g.
    /// `/cluster/jobs/{uuid}`): its own value (`#[key]`) or one of its
    /// members (`key = "uuid"`); [`Resource::KEYS`] has the key paths.
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
/// A resource serializes as the JSON object of its fields that are set, by
/// wire name, with secrets masked ([`to_json`]); a request body is built from
/// the same encoding with secrets revealed ([`crate::body`]).
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
pub trait Resource: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    /// The type's name, as printed by `Display` (`Job`).
    const NAME: &'static str;
    /// The collection path below `/api`, with `{parent.key}` placeholders
    /// for keys of enclosing objects (`/storage/volumes/{volume.uuid}/snapshots`).
    /// The instance path appends the [`Self::KEYS`].
    const PATH: &'static str;
    /// Every field, in declaration order.
    const FIELDS: &'static [FieldMeta];
    /// The key paths that follow [`Self::PATH`] in the instance path, in
    /// field declaration order: a `#[key]` field's wire name (`uuid`), or
    /// for a field keyed by one of its members, the wire name and that
    /// member (`owner.uuid` for `#[resource(key = "uuid")] owner`).
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// # #[derive(Debug, Clone, Default, ontap::Model)]
    /// # struct OwnerRef { uuid: Option<String> }
    /// use ontap_core::Resource;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/security/accounts", collection)]
    /// struct Account {
    ///     #[resource(get, key = "uuid")]
    ///     owner: Option<OwnerRef>,
    ///     #[get]
    ///     #[key]
    ///     name: Option<String>,
    /// }
    ///
    /// assert_eq!(Account::KEYS, ["owner.uuid", "name"]);
    /// ```
    const KEYS: &'static [&'static str];

    /// The verbs whose answer the client may ask the server to hold until
    /// the job the request started ends: among `POST`, `PATCH` and `DELETE`,
    /// those whose operation may start an ONTAP job (the model's
    /// `x-ntap-async: both`) and may safely be sent with `return_timeout=N`.
    /// For a verb in this set the client adds a default `return_timeout`
    /// when the caller gives none; a verb not in it is never held unless
    /// the caller sets `return_timeout` itself.
    ///
    /// The generated resources take it from the model
    /// (`#[resource(hold(...))]`, written by `ontap-codegen`), leaving out
    /// the operations ONTAP is known to mishandle when held. Empty unless
    /// given.
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// use ontap_core::{Resource, Verb, Verbs};
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection, delete, hold(patch, delete))]
    /// struct Volume {
    ///     #[get]
    ///     #[key]
    ///     uuid: Option<String>,
    ///     #[resource(get, post, patch)]
    ///     name: Option<String>,
    /// }
    ///
    /// assert!(Volume::HOLD.contains(Verb::Patch) && Volume::HOLD.contains(Verb::Delete));
    /// assert!(!Volume::HOLD.contains(Verb::Post)); // held only if the caller asks
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/cluster/jobs")]
    /// struct Job {
    ///     #[get]
    ///     uuid: Option<String>,
    /// }
    ///
    /// assert_eq!(Job::HOLD, Verbs::NONE);
    /// ```
    const HOLD: Verbs = Verbs::NONE;

    /// The releases that brought the resource's parts, where later than the
    /// oldest release the model covers (9.6), sorted by key: verbs (`#get`,
    /// `#collection`, `#post`, `#patch`, `#delete`, `#patch_collection`,
    /// `#delete_collection`), fields at any depth by their dotted wire path
    /// (`space.block_storage.size`), enum values (`state=paused`) and
    /// operation parameters (`#patch?validate_only`). A part is listed only
    /// when later than what holds it. The client's release guard reads it;
    /// the generated resources take it from the model
    /// (`#[resource(since = ...)]`, written by `ontap-codegen`). Empty unless
    /// given.
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// use ontap_core::{Release, Resource};
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/cluster/jobs")]
    /// struct Job {
    ///     #[get]
    ///     uuid: Option<String>,
    /// }
    ///
    /// assert!(Job::SINCE.is_empty());
    /// ```
    const SINCE: &'static [(&'static str, crate::Release)] = &[];

    /// The JSON value of the field at `index` in [`Self::FIELDS`], or `None`
    /// when that field is not set (or there is no such field). Secrets are
    /// masked, nested ones included.
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// use ontap_core::Resource;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/cluster/jobs")]
    /// struct Job {
    ///     #[get]
    ///     uuid: Option<String>,
    ///     #[get]
    ///     code: Option<i64>,
    /// }
    ///
    /// let job = Job { code: Some(7), ..Default::default() };
    /// assert_eq!(job.field_value(1).unwrap().unwrap(), serde_json::json!(7));
    /// assert!(job.field_value(0).is_none());
    /// ```
    fn field_value(&self, index: usize) -> Option<Result<Value, serde_json::Error>> {
        let meta = Self::FIELDS.get(index)?;
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => map.remove(meta.wire).map(Ok),
            Ok(_) => None,
            Err(err) => Some(Err(err)),
        }
    }

    /// Copies every field that is set in `other` into `self`, keeping the
    /// fields `other` does not have (how a GET refreshes an object).
    fn merge(&mut self, other: Self);
}

/// The JSON object of `resource`'s fields that are set, by wire name; with
/// secrets revealed when `reveal_secrets` (a request body), masked otherwise.
pub(crate) fn resource_json<R: Resource>(
    resource: &R,
    reveal_secrets: bool,
) -> Result<Map<String, Value>, serde_json::Error> {
    let value = if reveal_secrets {
        revealed(|| serde_json::to_value(resource))
    } else {
        serde_json::to_value(resource)
    }?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(<serde_json::Error as serde::ser::Error>::custom(format!(
            "{} did not encode as a JSON object",
            R::NAME
        ))),
    }
}

/// The JSON object of the fields that are set, by wire name, optionally
/// limited to one verb. Secrets are masked unless `reveal_secrets`.
pub(crate) fn fields_json<R: Resource>(
    resource: &R,
    verb: Option<Verb>,
    reveal_secrets: bool,
) -> Result<Map<String, Value>, serde_json::Error> {
    let mut map = resource_json(resource, reveal_secrets)?;
    for meta in R::FIELDS {
        if verb.is_some_and(|v| !meta.verbs.contains(v)) {
            map.remove(meta.wire);
        } else if meta.secret
            && !reveal_secrets
            && let Some(value) = map.get_mut(meta.wire)
        {
            // `#[secret]` fields are `Secret`s, masked already; this holds
            // even for a value that serialized otherwise.
            *value = Value::String(MASK.to_owned());
        }
    }
    Ok(map)
}

/// The JSON of `value` (a resource, a model, or anything serializable), as
/// it prints: for a resource, the object of its fields that are set, by wire
/// name. Every [`Secret`](crate::Secret), nested ones included, is masked.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::Secret;
///
/// #[derive(Debug, Clone, Default, ontap::Model)]
/// struct Credentials {
///     user: Option<String>,
///     password: Option<Secret>,
/// }
///
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes")]
/// struct Mirror {
///     #[get]
///     #[resource(rename = "_links")]
///     links: Option<serde_json::Value>,
///     #[post]
///     credentials: Option<Credentials>,
///     #[get]
///     size: Option<u64>,
/// }
///
/// let mirror = Mirror {
///     credentials: Some(Credentials { user: Some("admin".into()), password: Some("pw".into()) }),
///     size: Some(10),
///     ..Default::default()
/// };
/// assert_eq!(
///     ontap_core::to_json(&mirror).unwrap(),
///     serde_json::json!({"credentials": {"user": "admin", "password": "*********"}, "size": 10})
/// );
/// ```
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Encode(e.into()))
}

/// [`to_json`] with the real value of every [`Secret`](crate::Secret): the
/// JSON a request would carry. Keep what it returns out of logs.
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::Secret;
///
/// #[derive(Debug, Clone, Default, ontap::Model)]
/// struct Credentials {
///     password: Option<Secret>,
/// }
///
/// let credentials = Credentials { password: Some("pw".into()) };
/// assert_eq!(ontap_core::to_request_json(&credentials).unwrap(), serde_json::json!({"password": "pw"}));
/// assert_eq!(ontap_core::to_json(&credentials).unwrap(), serde_json::json!({"password": "*********"}));
/// ```
pub fn to_request_json<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    revealed(|| serde_json::to_value(value)).map_err(|e| Error::Encode(e.into()))
}
