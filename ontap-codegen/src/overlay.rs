//! Curated additions: the core types that stand for some definitions, and
//! our own doc comments for the resources the seed's flows use.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

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
