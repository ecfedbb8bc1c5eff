//! Every generated resource against the vendored model, read afresh by
//! `ontap-model`: path, keys, verbs, and each field's wire name, verbs,
//! key and secrecy. The list of types comes from the generator
//! (`tests/model/list.rs`); every fact is checked against the model here.
//! The verbs the list names are also proven at compile time: each one's
//! marker trait must be implemented by the derive.
#![cfg(feature = "full")]

use std::collections::BTreeSet;

use ontap_core::{FieldMeta, Resource, Verb};
use ontap_model::{ResourceSpec, Roles, Spec};

struct Entry {
    name: &'static str,
    feature: &'static str,
    path: &'static str,
    type_path: &'static str,
    keys: &'static [&'static str],
    fields: &'static [FieldMeta],
    verbs: &'static [&'static str],
}

impl Entry {
    fn of<R: Resource>(feature: &'static str, path: &'static str, verbs: &'static [&'static str]) -> Entry {
        Entry {
            name: R::NAME,
            feature,
            path,
            type_path: R::PATH,
            keys: R::KEYS,
            fields: R::FIELDS,
            verbs,
        }
    }
}

macro_rules! resources {
    ($($ty:ident = $feature:literal, $path:literal, [$($verb:ident),*];)*) => {
        fn every() -> Vec<Entry> {
            vec![$(Entry::of::<ontap_resources::$ty>($feature, $path, &[$(stringify!($verb)),*])),*]
        }

        /// Compiles only if every listed verb's marker is implemented.
        #[allow(dead_code)]
        fn markers() {
            $($(marker::$verb::<ontap_resources::$ty>();)*)*
        }
    };
}

mod marker {
    pub fn get<T: ontap_core::Get>() {}
    pub fn post<T: ontap_core::Post>() {}
    pub fn patch<T: ontap_core::Patch>() {}
    pub fn delete<T: ontap_core::Delete>() {}
    pub fn collection<T: ontap_core::Collection>() {}
    pub fn patch_collection<T: ontap_core::PatchCollection>() {}
    pub fn delete_collection<T: ontap_core::DeleteCollection>() {}
}

include!("model/list.rs");

fn spec() -> Spec {
    Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ontap-9.19.1.json")).expect("the vendored model reads")
}

/// The verbs the model gives the resource, in the list's spelling.
fn model_verbs(r: &ResourceSpec) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (present, name) in [
        (r.get.is_some(), "get"),
        (r.post.is_some(), "post"),
        (r.patch.is_some(), "patch"),
        (r.delete.is_some(), "delete"),
        (r.get_collection.is_some(), "collection"),
        (r.patch_collection.is_some(), "patch_collection"),
        (r.delete_collection.is_some(), "delete_collection"),
    ] {
        if present {
            out.push(name);
        }
    }
    out
}

/// The verbs a property travels with on this resource: its roles, limited
/// to the operations the resource has.
fn expected_verbs(roles: Roles, r: &ResourceSpec) -> (bool, bool, bool) {
    (
        roles.get && (r.get.is_some() || r.get_collection.is_some()),
        roles.post && r.post.is_some(),
        roles.patch && (r.patch.is_some() || r.patch_collection.is_some()),
    )
}

#[test]
fn every_resource_matches_the_model() {
    let spec = spec();
    let entries = every();
    assert_eq!(entries.len(), spec.resources().len(), "one generated type per resource");
    let mut paths = BTreeSet::new();
    let (mut fields_checked, mut keys_checked) = (0, 0);
    for entry in &entries {
        assert!(paths.insert(entry.path), "{} is generated twice", entry.path);
        let r = spec
            .resource_by_path(entry.path)
            .unwrap_or_else(|| panic!("{} ({}) is not in the model", entry.name, entry.path));
        assert_eq!(entry.type_path, r.path, "{}: PATH", entry.name);
        assert_eq!(entry.feature, ontap_codegen_feature(&r.path), "{}: feature", entry.name);
        assert_eq!(entry.verbs, model_verbs(r).as_slice(), "{}: verbs", entry.name);

        // Keys: the fields the model's own keys name, in path order.
        let key_fields = r.key_fields(&spec);
        let expected_keys: Vec<&str> = key_fields.iter().map(String::as_str).collect();
        assert_eq!(entry.keys, expected_keys.as_slice(), "{}: KEYS", entry.name);
        keys_checked += entry.keys.len();

        let Some(definition) = r.definition.as_deref().and_then(|d| spec.definition(d)) else {
            continue;
        };
        for property in &definition.properties {
            let meta = entry
                .fields
                .iter()
                .find(|m| m.wire == property.wire)
                .unwrap_or_else(|| panic!("{}: no field for `{}`", entry.name, property.wire));
            let is_key = key_fields
                .iter()
                .any(|k| k.split('.').next() == Some(property.wire.as_str()));
            let (get, post, patch) = expected_verbs(property.roles, r);
            let got = (
                meta.verbs.contains(Verb::Get),
                meta.verbs.contains(Verb::Post),
                meta.verbs.contains(Verb::Patch),
            );
            assert_eq!(
                got,
                (get || is_key, post, patch),
                "{}.{}: verbs",
                entry.name,
                property.wire
            );
            assert_eq!(meta.key, is_key, "{}.{}: key", entry.name, property.wire);
            let plain_string_secret =
                property.sensitive && matches!(property.schema, ontap_model::Schema::String { .. });
            assert_eq!(
                meta.secret, plain_string_secret,
                "{}.{}: secret",
                entry.name, property.wire
            );
            fields_checked += 1;
        }
        // Fields the definition lacks: the keys and placeholders of the
        // path, and the curated `_links` of the download.
        for meta in entry.fields {
            if definition.properties.iter().any(|p| p.wire == meta.wire) {
                continue;
            }
            let placeholder = r
                .instance_path
                .as_deref()
                .unwrap_or(&r.path)
                .contains(&format!("{{{}", meta.wire));
            let curated = entry.path == "/cluster/software/download" && meta.wire == "_links";
            assert!(
                placeholder || curated,
                "{}: `{}` is not in the model",
                entry.name,
                meta.wire
            );
        }
    }
    println!(
        "checked {} resources, {fields_checked} fields, {keys_checked} keys against the model",
        entries.len()
    );
}

/// The feature rule, restated: the first segment, or `protocols-<second>`.
fn ontap_codegen_feature(path: &str) -> String {
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next()) {
        (Some("protocols"), Some(second)) => format!("protocols-{second}"),
        (Some(first), _) => first.to_owned(),
        _ => String::new(),
    }
}
