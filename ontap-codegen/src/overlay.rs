//! Curated additions: the core types that stand for some definitions, our
//! own doc comments for the resources the seed's flows use, and the known
//! quirks of ONTAP that overrule what the model says ([`NEVER_HELD`]).

use std::collections::BTreeMap;

use ontap_model::{AsyncMode, Method, Operation};
use serde::Deserialize;
use serde_json::Value;

/// An operation that may start a job (`x-ntap-async: both`) but whose
/// answer the generated resource never asks the server to hold: its verb is
/// left out of `hold(...)`, so the client sends no default `return_timeout`
/// with it (a caller may still set one).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NeverHeld {
    /// The operation's method.
    pub method: Method,
    /// The operation's path below `/api`, as the model writes it.
    pub path: &'static str,
    /// Why, in a few words, for the resource's doc comment.
    pub note: &'static str,
}

/// The operations ONTAP is known to mishandle when their answer is held.
pub(crate) const NEVER_HELD: &[NeverHeld] = &[
    // A known ONTAP server bug: sent with `return_timeout=30`, this POST has
    // answered HTTP 500 although the download went on and succeeded, so a
    // held answer reports a failure that did not happen. NetApp's own tools
    // send `return_timeout=0` here and follow the job.
    NeverHeld {
        method: Method::Post,
        path: "/cluster/software/download",
        note: "not held by default: ONTAP has answered it HTTP 500 under `return_timeout` \
               although the download succeeded",
    },
];

/// The actions whose body is a file in a multipart form, sent by the connection's
/// upload ([`is_upload`]). The model marks a `file` form on every key-manager and
/// certificate action as well, as NetApp's Python client declares it; ONTAP's
/// documentation shows those actions with JSON bodies (`{"key_id": ...}`,
/// `{"signing_request": ...}`), and only the package upload with a `file` form.
pub(crate) const UPLOADS: &[&str] = &["/cluster/software/upload"];

/// Whether `op` is an upload (see [`UPLOADS`]): no JSON action method is generated.
pub(crate) fn is_upload(op: &Operation) -> bool {
    UPLOADS.contains(&op.path.as_str())
}

/// The quirk that keeps `op`'s answer from being held, if any.
pub(crate) fn never_held(op: &Operation) -> Option<&'static NeverHeld> {
    NEVER_HELD.iter().find(|q| q.method == op.method && q.path == op.path)
}

/// Whether a resource may ask the server to hold `op`'s answer until its
/// job ends: the operation may start a job, and no quirk forbids it.
pub(crate) fn holds(op: &Operation) -> bool {
    op.asynchronous == AsyncMode::Both && never_held(op).is_none()
}

/// What `overlay.json` holds.
///
/// ```
/// let overlay: ontap_codegen::Overlay = serde_json::from_str(
///     r#"{"external_types": {"href": "ontap::Href"}}"#,
/// ).unwrap();
/// assert_eq!(overlay.external_types["href"], "ontap::Href");
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// What this file is for.
    #[serde(default)]
    pub about: String,
    /// Definitions written by a type of the runtime (`href` → `ontap::Href`).
    #[serde(default)]
    pub external_types: BTreeMap<String, String>,
    /// Fields written by a type of the runtime, as `definition.wire`
    /// (`job.state` → `ontap::JobState`).
    #[serde(default)]
    pub field_types: BTreeMap<String, String>,
    /// Curated enums, by `definition.wire`.
    #[serde(default)]
    pub enums: BTreeMap<String, EnumOverlay>,
    /// Curated resources, by path.
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceOverlay>,
}

/// A curated enum: its name and our doc comments.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumOverlay {
    /// The type's name.
    pub name: String,
    /// The type's doc comment, line by line.
    #[serde(default)]
    pub doc: Vec<String>,
    /// Each value's doc comment.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// The doc comment of the variant that keeps unknown values.
    #[serde(default)]
    pub unknown: Option<String>,
}

/// A curated resource: our doc comments, and fields the model lacks.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceOverlay {
    /// The type's doc comment, line by line.
    #[serde(default)]
    pub doc: Vec<String>,
    /// The doc example, line by line (with its fences).
    #[serde(default)]
    pub example: Vec<String>,
    /// Each field's doc comment, by wire name.
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
    /// Fields the model's definition lacks, by wire name.
    #[serde(default)]
    pub extra_fields: BTreeMap<String, ExtraField>,
}

/// A field added to a resource, with the evidence for it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraField {
    /// Its schema, written as the model writes a property.
    pub schema: Value,
    /// Why the field exists although the model lacks it.
    pub evidence: String,
}

impl Overlay {
    /// The overlay kept beside the generator (`ontap-codegen/overlay.json`).
    pub fn bundled() -> Result<Overlay, serde_json::Error> {
        serde_json::from_str(include_str!("../overlay.json"))
    }
}
