//! What each release has: the model's `x-ntap-introduced` markers read as [`Release`]s,
//! and the model cut down to one release ([`Spec::at_release`]).

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::{Release, Spec};

/// The release a part of the model first appeared in (its `x-ntap-introduced`), when
/// marked. A part without a marker is of unknown age: callers treat it as always there.
pub(crate) fn introduced(raw: &Value) -> Option<Release> {
    raw.get("x-ntap-introduced")?.as_str()?.parse().ok()
}

/// The release of property `name` (schema `raw`) of a schema object: its own marker, or
/// for a property that is a bare `$ref` (which cannot carry one) the object's
/// `x-ntap-properties-introduced` (`marks`).
pub(crate) fn property_introduced(marks: Option<&Value>, name: &str, raw: &Value) -> Option<Release> {
    introduced(raw).or_else(|| marks?.get(name)?.as_str()?.parse().ok())
}

/// The enum values of a property newer than the property itself, with their release.
pub(crate) fn values_introduced(raw: &Value) -> Vec<(String, Release)> {
    let Some(map) = raw.get("x-ntap-enum-introduced").and_then(Value::as_object) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(value, r)| Some((value.clone(), r.as_str()?.parse().ok()?)))
        .collect()
}

fn newer(release: Release, marker: Option<Release>) -> bool {
    marker.is_some_and(|m| m > release)
}

impl Spec {
    /// The API as `release` has it: every path, operation, parameter, property and enum
    /// value the model marks as introduced later is left out (a part without a marker
    /// stays), and so is every listed resource left without a path. The markers name
    /// the first release of a line (`9.10`), so any release of that line has it.
    ///
    /// ```
    /// use ontap_model::{Release, Spec};
    /// let spec = Spec::parse(r##"{"swagger": "2.0",
    ///   "paths": {
    ///     "/cluster/jobs": {"x-ntap-introduced": "9.6", "get": {"x-ntap-introduced": "9.6",
    ///       "responses": {"200": {"schema": {"$ref": "#/definitions/job_response"}}}}},
    ///     "/storage/qos/workloads": {"x-ntap-introduced": "9.10", "get": {"x-ntap-introduced": "9.10"}}
    ///   },
    ///   "definitions": {
    ///     "job": {"type": "object", "x-ntap-properties-introduced": {"svm": "9.8"}, "properties": {
    ///       "uuid": {"type": "string", "x-ntap-introduced": "9.6"},
    ///       "error": {"type": "object", "x-ntap-introduced": "9.9"},
    ///       "svm": {"$ref": "#/definitions/svm"},
    ///       "state": {"type": "string", "enum": ["queued", "running", "paused"],
    ///                 "x-ntap-introduced": "9.6", "x-ntap-enum-introduced": {"paused": "9.7"}}}},
    ///     "job_response": {"type": "object", "properties": {
    ///       "records": {"type": "array", "items": {"$ref": "#/definitions/job"}}}}
    ///   }
    /// }"##).unwrap();
    /// let old = spec.at_release(Release::new(9, 6, 0));
    /// assert!(old.resource_by_path("/storage/qos/workloads").is_none());
    /// let job = old.definition("job").unwrap();
    /// let names: Vec<&str> = job.properties.iter().map(|p| p.wire.as_str()).collect();
    /// assert_eq!(names, ["state", "uuid"]);
    /// assert_eq!(job.properties[0].schema, ontap_model::Schema::String {
    ///     format: None, values: Some(vec!["queued".into(), "running".into()]) });
    /// assert_eq!(spec.at_release("9.9.1".parse().unwrap()).definition("job").unwrap().properties.len(), 4);
    /// ```
    pub fn at_release(&self, release: Release) -> Spec {
        let mut root = self.root.clone();
        if let Some(Value::Object(paths)) = root.get_mut("paths") {
            paths.retain(|_, item| !newer(release, introduced(item)));
            for item in paths.values_mut() {
                let Value::Object(item) = item else { continue };
                item.retain(|key, op| !(is_method(key) && newer(release, introduced(op))));
                for (key, op) in item.iter_mut() {
                    if is_method(key) {
                        prune_parameters(op, release, &self.root);
                    }
                }
                prune_parameters_list(item.get_mut("parameters"), release, &self.root);
            }
            paths.retain(|_, item| item.as_object().is_some_and(|i| i.keys().any(|k| is_method(k))));
        }
        for key in ["definitions", "parameters"] {
            if let Some(Value::Object(map)) = root.get_mut(key) {
                for value in map.values_mut() {
                    prune_schema(value, release);
                }
            }
        }
        let paths: HashSet<String> = root
            .get("paths")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let exists = |p: Option<&Value>| p.and_then(Value::as_str).is_some_and(|p| paths.contains(p));
        // A resource whose paths the document never had (the CLI passthrough's root,
        // which has no verbs) belongs to no release more than another.
        let documented = |p: Option<&Value>| {
            p.and_then(Value::as_str)
                .is_some_and(|p| self.paths_map().contains_key(p))
        };
        if let Some(Value::Array(list)) = root.get_mut("x-ntap-resources") {
            list.retain(|entry| {
                let (path, instance) = (entry.get("path"), entry.get("instance_path"));
                exists(path) || exists(instance) || !(documented(path) || documented(instance))
            });
        }
        let mut spec = Spec {
            root,
            resources: Vec::new(),
        };
        spec.resources = crate::resource::find_resources(&spec);
        spec
    }
}

fn is_method(key: &str) -> bool {
    matches!(key, "get" | "post" | "patch" | "delete" | "put" | "head" | "options")
}

fn prune_parameters(op: &mut Value, release: Release, root: &Map<String, Value>) {
    prune_parameters_list(op.get_mut("parameters"), release, root);
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        for response in responses.values_mut() {
            if let Some(schema) = response.get_mut("schema") {
                prune_schema(schema, release);
            }
        }
    }
}

/// Leaves out the parameters introduced after `release`, inline or shared
/// (`#/parameters/...`), and prunes a body parameter's schema.
fn prune_parameters_list(list: Option<&mut Value>, release: Release, root: &Map<String, Value>) {
    let Some(Value::Array(list)) = list else { return };
    list.retain(|p| {
        let shared = p
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/parameters/"))
            .and_then(|name| root.get("parameters")?.get(name));
        !newer(release, introduced(shared.unwrap_or(p)))
    });
    for p in list.iter_mut() {
        if let Some(schema) = p.get_mut("schema") {
            prune_schema(schema, release);
        }
    }
}

/// Leaves out of a schema (at every depth) the properties and enum values introduced
/// after `release`.
fn prune_schema(schema: &mut Value, release: Release) {
    let Value::Object(obj) = schema else { return };
    let marks = obj.get("x-ntap-properties-introduced").cloned();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        props.retain(|name, raw| !newer(release, property_introduced(marks.as_ref(), name, raw)));
    }
    let values = values_introduced(schema);
    let Value::Object(obj) = schema else { return };
    if !values.is_empty()
        && let Some(Value::Array(list)) = obj.get_mut("enum")
    {
        list.retain(|v| {
            !values
                .iter()
                .any(|(value, r)| v.as_str() == Some(value.as_str()) && *r > release)
        });
    }
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(props) = value {
                    props.values_mut().for_each(|p| prune_schema(p, release));
                }
            }
            "items" | "additionalProperties" => prune_schema(value, release),
            "allOf" => {
                if let Value::Array(parts) = value {
                    parts.iter_mut().for_each(|p| prune_schema(p, release));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Spec {
        Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ontap-9.19.1.json")).expect("the vendored model")
    }

    #[test]
    fn a_release_keeps_what_it_has_and_only_that() {
        let full = model();
        let old = full.at_release(Release::new(9, 8, 0));
        // A resource of 9.10 is gone; one of 9.6 stays, without the verbs and fields of later releases.
        assert!(full.resource_by_path("/application/consistency-groups").is_some());
        assert!(old.resource_by_path("/application/consistency-groups").is_none());
        let jobs = old.resource_by_path("/cluster/jobs").expect("jobs since 9.6");
        assert!(jobs.get.is_some());
        let job = old.definition("job").expect("the job's definition");
        assert!(job.properties.iter().any(|p| p.wire == "state"));
        assert!(
            !job.properties.iter().any(|p| p.wire == "error"),
            "the job's error came with 9.9"
        );
        // The download's status, corrected to 9.7 (the markers say 9.17).
        let download = old.definition("software_package_download_get").map(|d| d.properties);
        assert!(download.is_some_and(|p| p.iter().any(|p| p.wire == "state")));
        // A path with no verbs at all (the CLI passthrough's root) is not a later one.
        assert_eq!(
            full.resources().iter().filter(|r| r.path == "/private/cli").count(),
            old.resources().iter().filter(|r| r.path == "/private/cli").count()
        );
        // The model's own release cuts nothing.
        assert_eq!(
            full.at_release(Release::new(9, 19, 1)).resources().len(),
            full.resources().len()
        );
    }
}
