//! Resources and their operations, keyed by path.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::Spec;
use crate::schema::{Bounds, Schema};

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method as the document writes it (`get`).
    pub fn as_lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Patch => "patch",
            Method::Delete => "delete",
        }
    }

    /// The method as sent (`GET`).
    pub fn as_upper(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Whether an operation may answer with a job (`x-ntap-async`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsyncMode {
    /// The answer may be 202 with a job, or 200/201 when the work finishes
    /// within `return_timeout`.
    Both,
    /// Never a job.
    Sync,
    /// The model does not say.
    Unspecified,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path (`{uuid}`).
    Path,
    /// In the query string.
    Query,
    /// The JSON body.
    Body,
    /// A form field (uploads).
    Form,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name (`validate_only`, `restore_to.snapshot.name`).
    pub name: String,
    /// Where it travels.
    pub location: ParamLocation,
    /// Its type (for the body, the reference to its definition).
    pub schema: Schema,
    /// Whether the operation needs it.
    pub required: bool,
    /// Bounds and default.
    pub bounds: Bounds,
    /// One of the parameters every operation of its kind shares
    /// (`fields`, `max_records`, `return_records`, `return_timeout`, `order_by`).
    pub common: bool,
    /// A collection filter on a field of the records rather than a
    /// parameter of the operation.
    pub filter: bool,
    /// The release that introduced it (`x-ntap-introduced`), when the model says.
    pub introduced: Option<crate::Release>,
}

/// One operation: a method on a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The method.
    pub method: Method,
    /// The path below `/api`, with its placeholders.
    pub path: String,
    /// Whether it may answer with a job.
    pub asynchronous: AsyncMode,
    /// Its parameters, in the document's order.
    pub params: Vec<Param>,
    /// The definition of its JSON body, if it takes one.
    pub body: Option<String>,
    /// The definition its success answer holds.
    pub response: Option<String>,
    /// The ONTAP error codes it documents (`x-ntap-error-codes`).
    pub error_codes: Vec<i64>,
    /// The fields a GET leaves out of `fields=*` (and of an instance GET without
    /// `fields`) because they are costly to gather, as dotted names (`qos.*`: the field
    /// `qos` and all below it); `fields=**` or naming one returns it
    /// (`x-ntap-doc-expensive`).
    pub expensive: Vec<String>,
    /// The release that introduced it (`x-ntap-introduced`), when the model says.
    pub introduced: Option<crate::Release>,
    /// The action it performs on an object (`x-ntap-action`: `sign`, `restore`), for
    /// a POST on an object's path followed by the action's name.
    pub action: Option<String>,
    /// The fields of a multipart form it takes (`x-ntap-form-data`: `file`), by name,
    /// with their types; empty for a JSON body.
    pub form: Vec<(String, String)>,
    /// The body arguments it documents that its body's definition lacks
    /// (`x-ntap-doc-non-field-names`: a certificate sign's `signing_request`), dotted.
    pub extra_arguments: Vec<String>,
}

impl Operation {
    /// The query parameters that belong to the operation itself: neither
    /// the shared ones nor collection filters.
    pub fn own_query_params(&self) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(|p| p.location == ParamLocation::Query && !p.common && !p.filter)
    }
}

/// A resource: one kind of object, at a collection path (with its instance
/// path) or a singleton path.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSpec {
    /// Its type name (`Volume`, `SoftwarePackageDownload`).
    pub name: String,
    /// The collection or singleton path below `/api`, with the parent keys
    /// as placeholders (`/storage/volumes/{volume.uuid}/snapshots`).
    pub path: String,
    /// The path of one object (`/storage/volumes/{volume.uuid}/snapshots/{uuid}`),
    /// `None` for a singleton.
    pub instance_path: Option<String>,
    /// Its own keys, in path order (`uuid`; `owner.uuid`, `name`).
    pub keys: Vec<String>,
    /// The keys of the enclosing objects, in path order (`volume.uuid`).
    pub parent_keys: Vec<String>,
    /// The definition that describes one object.
    pub definition: Option<String>,
    /// `GET` of one object (or of the singleton).
    pub get: Option<Operation>,
    /// `GET` of the collection.
    pub get_collection: Option<Operation>,
    /// `POST` on the collection (or the singleton).
    pub post: Option<Operation>,
    /// `PATCH` of one object (or of the singleton).
    pub patch: Option<Operation>,
    /// `DELETE` of one object (or of the singleton).
    pub delete: Option<Operation>,
    /// `PATCH` of the objects a query matches.
    pub patch_collection: Option<Operation>,
    /// `DELETE` of the objects a query matches.
    pub delete_collection: Option<Operation>,
    /// Its actions (`x-ntap-action`), each a POST on the path of one object (or of the
    /// singleton) followed by the action's name: `POST /security/certificates/{uuid}/sign`.
    pub actions: Vec<Operation>,
}

impl ResourceSpec {
    /// Every operation the resource has.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        [
            &self.get,
            &self.get_collection,
            &self.post,
            &self.patch,
            &self.delete,
            &self.patch_collection,
            &self.delete_collection,
        ]
        .into_iter()
        .flatten()
    }

    /// The field of a record that each own key names, in path order: the key itself
    /// (`uuid`, `owner.uuid`), or, when the key's first part names the object itself (the
    /// singular of the collection's last segment) and the definition has no field of that
    /// name but has one of the key's last part, that field: `{policy.name}` of the
    /// `.../policies` is a policy's `name`.
    ///
    /// ```
    /// let spec = ontap_model::Spec::parse(r#"{"swagger": "2.0",
    ///   "definitions": {"policy": {"properties": {"name": {"type": "string"}}}},
    ///   "x-ntap-resources": [{"resource": "Policy", "definition": "policy", "path": "/policies",
    ///     "instance_path": "/policies/{policy.name}", "keys": ["policy.name"]}]}"#).unwrap();
    /// assert_eq!(spec.resources()[0].key_fields(&spec), ["name"]);
    /// ```
    pub fn key_fields(&self, spec: &Spec) -> Vec<String> {
        let properties = self
            .definition
            .as_deref()
            .and_then(|d| spec.definition(d))
            .map(|d| d.properties)
            .unwrap_or_default();
        let has = |wire: &str| properties.iter().any(|p| p.wire == wire);
        let collection = self.path.rsplit('/').next().unwrap_or_default().replace('-', "_");
        let names_itself = |head: &str| {
            collection == format!("{head}s")
                || head
                    .strip_suffix('y')
                    .is_some_and(|stem| collection == format!("{stem}ies"))
        };
        self.keys
            .iter()
            .map(|key| match key.split_once('.') {
                Some((head, _)) if !has(head) && names_itself(head) => {
                    let last = key.rsplit('.').next().unwrap_or(key);
                    if has(last) { last.to_owned() } else { key.clone() }
                }
                _ => key.clone(),
            })
            .collect()
    }

    /// The first segment of its path (`storage`, `protocols`).
    pub fn area(&self) -> &str {
        self.path.trim_start_matches('/').split('/').next().unwrap_or("")
    }
}

/// Placeholders of a path, in order (`volume.uuid`, `uuid`).
pub(crate) fn placeholders(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

pub(crate) fn find_resources(spec: &Spec) -> Vec<ResourceSpec> {
    let listed = spec.document().get("x-ntap-resources").and_then(Value::as_array);
    let mut resources = match listed {
        Some(list) => list.iter().filter_map(|entry| listed_resource(spec, entry)).collect(),
        None => derived_resources(spec),
    };
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    resources
}

/// A resource from the model's own list (`x-ntap-resources`).
fn listed_resource(spec: &Spec, entry: &Value) -> Option<ResourceSpec> {
    let text = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
    let list = |name: &str| -> Vec<String> {
        entry
            .get(name)
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let path = text("path")?;
    let parent_keys = list("parent_keys");
    let keys = list("keys").into_iter().filter(|k| !parent_keys.contains(k)).collect();
    // Some entries give the collection's own path as the instance path.
    let instance_path = text("instance_path").filter(|i| *i != path);
    let mut resource = build(spec, text("resource")?, path, instance_path, keys, parent_keys);
    if let Some(definition) = text("definition").filter(|d| spec.raw_definition(d).is_some()) {
        resource.definition = Some(definition);
    }
    let object = resource.instance_path.clone().unwrap_or_else(|| resource.path.clone());
    resource.actions = list("actions")
        .iter()
        .filter_map(|name| spec.operation(&format!("{object}/{name}"), Method::Post))
        .filter(|op| op.action.is_some())
        .collect();
    Some(resource)
}

/// Resources found from the paths alone, for a document without a list:
/// a path whose last segments are placeholders is the instance path of the
/// path before them.
fn derived_resources(spec: &Spec) -> Vec<ResourceSpec> {
    let paths: BTreeSet<&str> = spec.paths().collect();
    let mut out = Vec::new();
    for &path in &paths {
        if path.ends_with('}') {
            continue;
        }
        let own = |candidate: &&str| {
            candidate.len() > path.len()
                && candidate.starts_with(path)
                && candidate[path.len()..].starts_with("/{")
                && candidate[path.len()..]
                    .split('/')
                    .skip(1)
                    .all(|segment| segment.starts_with('{') && segment.ends_with('}'))
        };
        let instance = paths
            .iter()
            .copied()
            .filter(own)
            .min_by_key(|p| p.len())
            .map(str::to_owned);
        let parent_keys = placeholders(path);
        let keys = instance
            .as_deref()
            .map(|i| placeholders(&i[path.len()..]))
            .unwrap_or_default();
        let resource = build(spec, derived_name(path), path.to_owned(), instance, keys, parent_keys);
        let action = resource.operations().count() == 1
            && resource.post.is_some()
            && spec.paths_map()[path]
                .get("post")
                .and_then(|p| p.get("x-ntap-action"))
                .is_some();
        if !action {
            out.push(resource);
        }
    }
    out
}

/// A type name from a path: `/network/ip/interfaces` → `NetworkIpInterfaces`.
fn derived_name(path: &str) -> String {
    let mut name = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty() && !s.starts_with('{')) {
        let mut upper = true;
        for c in segment.chars() {
            if c.is_ascii_alphanumeric() {
                if upper {
                    name.extend(c.to_uppercase());
                } else {
                    name.push(c);
                }
                upper = false;
            } else {
                upper = true;
            }
        }
    }
    name
}

fn build(
    spec: &Spec,
    name: String,
    path: String,
    instance_path: Option<String>,
    keys: Vec<String>,
    parent_keys: Vec<String>,
) -> ResourceSpec {
    let op = |p: &str, m: Method| spec.operation(p, m);
    let mut resource = ResourceSpec {
        name,
        keys,
        parent_keys,
        definition: None,
        get: None,
        get_collection: None,
        post: op(&path, Method::Post),
        patch: None,
        delete: None,
        patch_collection: None,
        delete_collection: None,
        path: path.clone(),
        instance_path: instance_path.clone(),
        actions: Vec::new(),
    };
    match &instance_path {
        Some(instance) => {
            resource.get = op(instance, Method::Get);
            resource.patch = op(instance, Method::Patch);
            resource.delete = op(instance, Method::Delete);
            resource.get_collection = op(&path, Method::Get);
            resource.patch_collection = op(&path, Method::Patch);
            resource.delete_collection = op(&path, Method::Delete);
        }
        None => {
            // Without an instance path, a GET that answers `records` lists
            // a collection (metrics, say); any other GET reads a singleton.
            let get = op(&path, Method::Get);
            let lists = get
                .as_ref()
                .and_then(|g| g.response.as_deref())
                .is_some_and(|r| records_of(spec, r).is_some());
            if lists {
                resource.get_collection = get;
            } else {
                resource.get = get;
            }
            resource.patch = op(&path, Method::Patch);
            resource.delete = op(&path, Method::Delete);
        }
    }
    resource.definition = object_definition(spec, &resource);
    resource
}

/// The definition of one object: the body of POST or PATCH, else what a
/// GET of one object answers, else the records of the collection.
fn object_definition(spec: &Spec, resource: &ResourceSpec) -> Option<String> {
    let bodies = [&resource.post, &resource.patch]
        .into_iter()
        .flatten()
        .filter_map(|op| op.body.clone());
    let one = resource.get.as_ref().and_then(|op| op.response.clone());
    let records = resource
        .get_collection
        .as_ref()
        .and_then(|op| op.response.as_deref())
        .and_then(|name| records_of(spec, name));
    bodies.chain(one).chain(records).next()
}

/// The item definition of a collection answer's `records`.
fn records_of(spec: &Spec, response: &str) -> Option<String> {
    let records = spec.raw_definition(response)?.get("properties")?.get("records")?;
    match Schema::of(spec, records) {
        Schema::Array(items) => match *items {
            Schema::Ref(name) => Some(name),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn operation(spec: &Spec, path: &str, method: Method, item: &Map<String, Value>, raw: &Value) -> Operation {
    let filters: BTreeSet<&str> = raw
        .get("x-ntap-query-filters")
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let response = raw
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|responses| ["200", "201", "202"].iter().find_map(|code| responses.get(*code)))
        .and_then(|ok| ok.get("schema"))
        .and_then(|schema| match Schema::of(spec, schema) {
            Schema::Ref(name) => Some(name),
            _ => None,
        });
    let record_fields: BTreeSet<String> = match (method, response.as_deref().and_then(|r| records_of(spec, r))) {
        (Method::Get, Some(records)) => spec
            .raw_definition(&records)
            .and_then(|d| d.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
        _ => BTreeSet::new(),
    };
    let mut params = Vec::new();
    let shared = item.get("parameters").and_then(Value::as_array).into_iter().flatten();
    let own = raw.get("parameters").and_then(Value::as_array).into_iter().flatten();
    for raw_param in shared.chain(own) {
        let (value, common) = match raw_param.get("$ref").and_then(Value::as_str) {
            Some(reference) => match spec.shared_parameter(reference) {
                Some(value) => (value, true),
                None => continue,
            },
            None => (raw_param, false),
        };
        let Some(name) = value.get("name").and_then(Value::as_str) else {
            continue;
        };
        let location = match value.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("body") => ParamLocation::Body,
            Some("formData") => ParamLocation::Form,
            _ => ParamLocation::Query,
        };
        let schema = match value.get("schema") {
            Some(body) => Schema::of(spec, body),
            None => Schema::of(spec, value),
        };
        let common = common
            || matches!(
                name,
                "fields" | "max_records" | "return_records" | "return_timeout" | "order_by"
            );
        // A bulk PATCH or DELETE lists its filters apart; a collection GET's
        // filters are named after fields of its records.
        let head = name.split('.').next().unwrap_or(name);
        let filter = location == ParamLocation::Query
            && !common
            && (filters.contains(name)
                || value.get("x-ntap-filter-not-in-spec").is_some()
                || record_fields.contains(head));
        params.retain(|p: &Param| p.name != name);
        params.push(Param {
            name: name.to_owned(),
            location,
            required: value.get("required").and_then(Value::as_bool).unwrap_or(false),
            bounds: Bounds::of(value),
            schema,
            common,
            filter,
            introduced: crate::history::introduced(value),
        });
    }
    let body = params
        .iter()
        .find(|p| p.location == ParamLocation::Body)
        .and_then(|p| match &p.schema {
            Schema::Ref(name) => Some(name.clone()),
            _ => None,
        });
    let error_codes = raw
        .get("responses")
        .and_then(|r| r.get("default"))
        .and_then(|d| d.get("x-ntap-error-codes"))
        .and_then(Value::as_array)
        .map(|codes| codes.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let asynchronous = match raw.get("x-ntap-async").and_then(Value::as_str) {
        Some("both") => AsyncMode::Both,
        Some(s) if s.starts_with("sync") => AsyncMode::Sync,
        _ => AsyncMode::Unspecified,
    };
    let expensive = raw
        .get("x-ntap-doc-expensive")
        .and_then(Value::as_array)
        .map(|fields| fields.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Operation {
        method,
        path: path.to_owned(),
        asynchronous,
        params,
        body,
        response,
        error_codes,
        expensive,
        introduced: crate::history::introduced(raw),
        action: raw.get("x-ntap-action").and_then(Value::as_str).map(str::to_owned),
        form: raw
            .get("x-ntap-form-data")
            .and_then(Value::as_object)
            .map(|form| {
                form.iter()
                    .map(|(name, ty)| (name.clone(), ty.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        extra_arguments: raw
            .get("x-ntap-doc-non-field-names")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}
