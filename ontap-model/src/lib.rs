//! ONTAP's REST API as data: a Swagger 2.0 document read into resources,
//! operations and typed schemas, with ONTAP's role markers resolved.
//!
//! One crate reads the model for every consumer: `ontap-codegen` writes the
//! resources from it, and the simulator and the tests walk it. It reads the
//! vendored model (`spec/ontap-9.19.1.json`, which lists its resources in
//! `x-ntap-resources`) and the document a cluster serves with its API
//! documentation, where resources are found from the paths alone.
//!
//! ```
//! let spec = ontap_model::Spec::parse(r##"{
//!   "swagger": "2.0",
//!   "paths": {
//!     "/cluster/jobs": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/job_response"}}}}},
//!     "/cluster/jobs/{uuid}": {
//!       "get": {"parameters": [{"name": "uuid", "in": "path", "required": true, "type": "string"}],
//!               "responses": {"200": {"schema": {"$ref": "#/definitions/job"}}}}
//!     }
//!   },
//!   "definitions": {
//!     "job": {"type": "object", "properties": {"uuid": {"type": "string", "readOnly": true}}},
//!     "job_response": {"type": "object", "properties": {
//!       "records": {"type": "array", "items": {"$ref": "#/definitions/job"}}}}
//!   }
//! }"##).unwrap();
//! let jobs = spec.resource_by_path("/cluster/jobs").unwrap();
//! assert_eq!(jobs.keys, ["uuid"]);
//! assert!(jobs.get_collection.is_some() && jobs.get.is_some() && jobs.post.is_none());
//! let job = spec.definition("job").unwrap();
//! assert!(job.properties[0].roles.get && !job.properties[0].roles.post);
//! ```
#![warn(missing_docs)]

pub mod codes;
mod corrections;
mod history;
mod release;
mod resource;
mod schema;

use std::path::Path;

use serde_json::{Map, Value};

pub use corrections::{INTRODUCED, Introduced, RENAMES, Rename};
pub use release::{Release, ReleaseError};
pub use resource::{AsyncMode, Method, Operation, Param, ParamLocation, ResourceSpec};
pub use schema::{Bounds, Definition, Property, Roles, Schema};

/// Why a document could not be read.
///
/// ```
/// let err = ontap_model::Spec::parse("{\"openapi\": \"3.0.0\"}").unwrap_err();
/// assert!(err.to_string().contains("Swagger 2.0"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The text is not JSON (or YAML, with the `yaml` feature).
    #[error("the document is not valid {format}: {message}")]
    Syntax {
        /// `JSON` or `YAML`.
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// The document is not a Swagger 2.0 object.
    #[error("the document is not Swagger 2.0 (no `swagger: \"2.0\"` at its top)")]
    NotSwagger2,
}

/// A Swagger 2.0 document of ONTAP's API, and what it describes.
#[derive(Debug, Clone)]
pub struct Spec {
    root: Map<String, Value>,
    resources: Vec<ResourceSpec>,
}

impl Spec {
    /// Reads a document from JSON text, or YAML text with the `yaml` feature
    /// (a document that does not start with `{` is taken as YAML).
    pub fn parse(text: &str) -> Result<Spec, ModelError> {
        let value = if text.trim_start().starts_with('{') {
            serde_json::from_str::<Value>(text).map_err(|e| ModelError::Syntax {
                format: "JSON",
                message: e.to_string(),
            })?
        } else {
            parse_yaml(text)?
        };
        Spec::from_value(value)
    }

    /// Reads a document from a file (JSON, or YAML with the `yaml` feature).
    pub fn load(path: impl AsRef<Path>) -> Result<Spec, ModelError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Spec::parse(&text)
    }

    /// Takes a parsed document, with the facts real clusters contradict corrected
    /// ([`RENAMES`], [`INTRODUCED`]).
    pub fn from_value(value: Value) -> Result<Spec, ModelError> {
        let Value::Object(mut root) = value else {
            return Err(ModelError::NotSwagger2);
        };
        if root.get("swagger").and_then(Value::as_str) != Some("2.0") {
            return Err(ModelError::NotSwagger2);
        }
        corrections::apply(&mut root);
        let mut spec = Spec {
            root,
            resources: Vec::new(),
        };
        spec.resources = resource::find_resources(&spec);
        Ok(spec)
    }

    /// Names the resources found from paths alone after the resources of
    /// `catalog` (the vendored model, which lists them) at the same paths:
    /// a cluster's own document then gives `SoftwarePackageDownload` for
    /// `/cluster/software/download`, not a name spelled from the path. A
    /// resource `catalog` lacks keeps its own name; a document that lists
    /// its resources is left as it is.
    ///
    /// ```
    /// use ontap_model::Spec;
    /// let catalog = Spec::parse(r#"{"swagger": "2.0", "x-ntap-resources": [
    ///     {"resource": "SoftwarePackageDownload", "path": "/cluster/software/download"}]}"#).unwrap();
    /// let mut cluster = Spec::parse(r#"{"swagger": "2.0", "paths": {"/cluster/software/download": {"get": {}}}}"#).unwrap();
    /// assert_eq!(cluster.resources()[0].name, "ClusterSoftwareDownload");
    /// cluster.name_resources_from(&catalog);
    /// assert_eq!(cluster.resources()[0].name, "SoftwarePackageDownload");
    /// ```
    pub fn name_resources_from(&mut self, catalog: &Spec) {
        if self.root.contains_key("x-ntap-resources") {
            return;
        }
        for resource in &mut self.resources {
            if let Some(known) = catalog.resource_by_path(&resource.path) {
                resource.name = known.name.clone();
            }
        }
    }

    /// Whether the document lists its resources (`x-ntap-resources`), as
    /// the vendored model does; otherwise they are found from the paths.
    pub fn lists_resources(&self) -> bool {
        self.root.contains_key("x-ntap-resources")
    }

    /// The raw document.
    pub fn document(&self) -> &Map<String, Value> {
        &self.root
    }

    /// The title and version of the API, when the document says.
    pub fn version(&self) -> Option<&str> {
        self.root.get("info")?.get("version")?.as_str()
    }

    /// Every resource, ordered by path.
    pub fn resources(&self) -> &[ResourceSpec] {
        &self.resources
    }

    /// The resource whose collection (or singleton) path is `path`, below `/api`.
    pub fn resource_by_path(&self, path: &str) -> Option<&ResourceSpec> {
        self.resources.iter().find(|r| r.path == path)
    }

    /// Every path of the document, below `/api`.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths_map().keys().map(String::as_str)
    }

    /// The names of every definition, sorted.
    pub fn definition_names(&self) -> impl Iterator<Item = &str> {
        self.definitions_map().keys().map(String::as_str)
    }

    /// One definition with its properties resolved.
    pub fn definition(&self, name: &str) -> Option<Definition> {
        let raw = self.definitions_map().get(name)?;
        Some(schema::definition(self, name, raw))
    }

    /// The operation at `path` (below `/api`) for `method`.
    pub fn operation(&self, path: &str, method: Method) -> Option<Operation> {
        let item = self.paths_map().get(path)?.as_object()?;
        let raw = item.get(method.as_lower())?;
        Some(resource::operation(self, path, method, item, raw))
    }

    /// The definition a `$ref` (`#/definitions/volume`) names.
    pub fn ref_name(reference: &str) -> Option<&str> {
        reference.strip_prefix("#/definitions/")
    }

    pub(crate) fn paths_map(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.root
            .get("paths")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    pub(crate) fn definitions_map(&self) -> &Map<String, Value> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        self.root
            .get("definitions")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    pub(crate) fn raw_definition(&self, name: &str) -> Option<&Value> {
        self.definitions_map().get(name)
    }

    pub(crate) fn shared_parameter(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/parameters/")?;
        self.root.get("parameters")?.get(name)
    }
}

#[cfg(feature = "yaml")]
fn parse_yaml(text: &str) -> Result<Value, ModelError> {
    serde_norway::from_str::<Value>(text).map_err(|e| ModelError::Syntax {
        format: "YAML",
        message: e.to_string(),
    })
}

#[cfg(not(feature = "yaml"))]
fn parse_yaml(_: &str) -> Result<Value, ModelError> {
    Err(ModelError::Syntax {
        format: "JSON",
        message: "the document does not start with `{`; YAML needs the `yaml` feature".to_owned(),
    })
}
