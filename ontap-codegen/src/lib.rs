//! The generator of `ontap-resources`: reads a Swagger 2.0 document of
//! ONTAP's API and writes one `#[derive(Resource)]` struct per resource,
//! one `#[derive(Model)]` struct per nested object and one
//! `#[derive(OpenEnum)]` enum per enumerated field, each area of the API
//! behind a cargo feature.
//!
//! Maintainers run it (`cargo run -p ontap-codegen`); users' builds never
//! do: its output is committed. The facts (names, types, enums, roles,
//! bounds) come from the model; the doc sentences are the generator's own.
//!
//! ```
//! let spec = ontap_model::Spec::parse(r##"{
//!   "swagger": "2.0",
//!   "paths": {"/cluster/jobs": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/job_response"}}}}},
//!             "/cluster/jobs/{uuid}": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/job"}}}}}},
//!   "definitions": {
//!     "job": {"properties": {"uuid": {"type": "string", "readOnly": true},
//!                            "state": {"type": "string", "enum": ["running", "success"], "readOnly": true}}},
//!     "job_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/job"}}}}
//!   }
//! }"##).unwrap();
//! let out = ontap_codegen::generate(&spec, &ontap_codegen::Overlay::default(), "a test model");
//! let jobs = &out.files["src/generated/cluster_jobs.rs"];
//! assert!(jobs.contains("#[resource(path = \"/cluster/jobs\", get, collection)]"));
//! assert!(jobs.contains("pub enum ClusterJobsState"));
//! ```
#![warn(missing_docs)]

mod emit;
mod names;
mod overlay;
mod plan;
mod since;

use std::collections::BTreeMap;

pub use emit::{DEFAULT_FEATURES, HEADER};
pub use overlay::{EnumOverlay, ExtraField, Overlay, ResourceOverlay};
pub use plan::{EnumDef, FieldDef, Origin, Plan, ResourceInfo, StructDef, Ty, feature_of, plan};

/// What one run writes.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Rust files by path below `ontap-resources/` (unformatted).
    pub files: BTreeMap<String, String>,
    /// The `[features]` table of `ontap-resources/Cargo.toml`.
    pub resource_features: String,
    /// The features the facade (`ontap`) forwards.
    pub facade_features: String,
    /// The plan the files were written from.
    pub plan: Plan,
}

/// Plans and writes every resource of `spec`. `model` names the document
/// in the doc comments (`spec/ontap-9.19.1.json`).
pub fn generate(spec: &ontap_model::Spec, overlay: &Overlay, model: &str) -> Generated {
    let plan = plan::plan(spec, overlay);
    let files = emit::files(&plan, model);
    let (resource_features, facade_features) = features_tables(&plan);
    Generated {
        files,
        resource_features,
        facade_features,
        plan,
    }
}

/// The marker lines between which the generator owns a `Cargo.toml`.
pub const BEGIN_FEATURES: &str = "# BEGIN FEATURES (written by ontap-codegen)";
/// See [`BEGIN_FEATURES`].
pub const END_FEATURES: &str = "# END FEATURES";

fn features_tables(plan: &Plan) -> (String, String) {
    let areas: Vec<&String> = plan.features.keys().collect();
    let quoted = |names: &[&str]| names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
    let all: Vec<&str> = areas.iter().map(|s| s.as_str()).collect();
    let protocols: Vec<&str> = all.iter().copied().filter(|a| a.starts_with("protocols-")).collect();

    let mut resources = String::from("[features]\n");
    resources.push_str(&format!("default = [{}]\n", quoted(DEFAULT_FEATURES)));
    resources.push_str("# Every area of the API.\n");
    resources.push_str(&format!("full = [{}]\n", quoted(&all)));
    resources.push_str("# Every area below /protocols.\n");
    resources.push_str(&format!("protocols = [{}]\n", quoted(&protocols)));
    for (area, list) in &plan.features {
        let noun = if list.len() == 1 { "resource" } else { "resources" };
        resources.push_str(&format!("# {} {noun} below /{}.\n", list.len(), area_path(area)));
        resources.push_str(&format!("{area} = []\n"));
    }

    let mut facade = String::from("[features]\n");
    facade.push_str("default = [\"ontap-resources/default\", \"ring\"]\n");
    facade.push_str("full = [\"ontap-resources/full\"]\n");
    facade.push_str("protocols = [\"ontap-resources/protocols\"]\n");
    for area in &areas {
        facade.push_str(&format!("{area} = [\"ontap-resources/{area}\"]\n"));
    }
    (resources, facade)
}

fn area_path(area: &str) -> String {
    match area.strip_prefix("protocols-") {
        Some(rest) => format!("protocols/{rest}"),
        None => area.to_owned(),
    }
}

/// `manifest` with the text between [`BEGIN_FEATURES`] and [`END_FEATURES`]
/// replaced by `table`; `None` when the markers are missing.
///
/// ```
/// let toml = "[package]\n# BEGIN FEATURES (written by ontap-codegen)\nold\n# END FEATURES\n";
/// let new = ontap_codegen::replace_features(toml, "[features]\na = []\n").unwrap();
/// assert!(new.contains("a = []") && !new.contains("old"));
/// ```
pub fn replace_features(manifest: &str, table: &str) -> Option<String> {
    let start = manifest.find(BEGIN_FEATURES)?;
    let end = manifest[start..].find(END_FEATURES)? + start;
    Some(format!(
        "{}{BEGIN_FEATURES}\n{table}{}",
        &manifest[..start],
        &manifest[end..]
    ))
}
