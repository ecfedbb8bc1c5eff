//! The generator on small spec snippets: each role marker, `allOf` with a
//! marker, `x-ntap-restricts`, enums, secrets, keywords, parent paths,
//! dotted keys, nested and recursive references, features.

use ontap_codegen::{Generated, Overlay, Ty, generate};
use ontap_model::Spec;
use serde_json::{Value, json};

/// A document with one resource at `path` (instance path `path/{uuid}`
/// unless `instance` says otherwise) whose object is `definitions.thing`.
fn document(path: &str, instance: Option<&str>, definitions: Value, methods: &[&str]) -> Value {
    let mut paths = serde_json::Map::new();
    let body = json!({"name": "info", "in": "body", "schema": {"$ref": "#/definitions/thing"}});
    let one = json!({"responses": {"200": {"schema": {"$ref": "#/definitions/thing"}}}});
    let mut collection = serde_json::Map::new();
    let mut item = serde_json::Map::new();
    for method in methods {
        match *method {
            "get_collection" => {
                collection.insert(
                    "get".into(),
                    json!({"responses": {"200": {"schema": {"$ref": "#/definitions/thing_response"}}}}),
                );
            }
            "post" => {
                collection.insert(
                    "post".into(),
                    json!({"parameters": [body], "responses": {"202": {}}, "x-ntap-async": "both"}),
                );
            }
            "get" => {
                item.insert("get".into(), one.clone());
            }
            "patch" => {
                item.insert(
                    "patch".into(),
                    json!({"parameters": [body, {"name": "validate_only", "in": "query", "type": "boolean"}]}),
                );
            }
            "delete" => {
                item.insert("delete".into(), json!({"responses": {"200": {}}}));
            }
            other => panic!("no method {other}"),
        }
    }
    paths.insert(path.to_owned(), Value::Object(collection));
    let instance = instance
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{path}/{{uuid}}"));
    paths.insert(instance, Value::Object(item));
    let mut definitions = definitions;
    definitions["thing_response"] =
        json!({"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/thing"}}}});
    json!({"swagger": "2.0", "paths": paths, "definitions": definitions})
}

fn run(doc: Value) -> Generated {
    let spec = Spec::from_value(doc).unwrap();
    generate(&spec, &Overlay::default(), "a snippet")
}

fn file<'a>(out: &'a Generated, name: &str) -> &'a str {
    out.files
        .get(&format!("src/generated/{name}.rs"))
        .unwrap_or_else(|| panic!("no file {name}; files: {:?}", out.files.keys().collect::<Vec<_>>()))
}

/// The field declaration and the attribute line above it, squeezed.
fn field_block(text: &str, field: &str) -> String {
    let at = text
        .find(&format!("pub {field}: "))
        .unwrap_or_else(|| panic!("no field {field} in\n{text}"));
    let start = text[..at].rfind("///").unwrap_or(0);
    let end = at + text[at..].find('\n').unwrap_or(text.len() - at);
    text[start..end].to_owned()
}

#[test]
fn each_role_marker_gives_its_verbs() {
    let out = run(document(
        "/things",
        None,
        json!({"thing": {"properties": {
            "uuid": {"type": "string", "readOnly": true},
            "plain": {"type": "string"},
            "read_create": {"type": "string", "x-ntap-readCreate": true},
            "create_only": {"type": "string", "x-ntap-createOnly": true},
            "read_modify": {"type": "string", "x-ntap-readModify": true},
            "modify_only": {"type": "string", "x-ntap-modifyOnly": true},
            "write_only": {"type": "string", "x-ntap-writeOnly": true}
        }}}),
        &["get_collection", "post", "get", "patch", "delete"],
    ));
    let text = file(&out, "things");
    let attrs = |field: &str| {
        let block = field_block(text, field);
        block
            .lines()
            .find(|l| l.trim_start().starts_with("#[resource("))
            .map(|l| l.trim().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(attrs("uuid"), "#[resource(get, key)]");
    assert_eq!(attrs("plain"), "#[resource(get, post, patch)]");
    assert_eq!(attrs("read_create"), "#[resource(get, post)]");
    assert_eq!(attrs("create_only"), "#[resource(post)]");
    assert_eq!(attrs("read_modify"), "#[resource(get, patch)]");
    assert_eq!(attrs("modify_only"), "#[resource(patch)]");
    assert_eq!(attrs("write_only"), "#[resource(post, patch)]");
    assert!(text.contains(
        "#[resource(path = \"/things\", get, post, patch, delete, collection, hold(post), params(patch = ThingsPatchParams))]"
    ));
}

#[test]
fn the_verbs_that_may_start_a_job_are_held() {
    let definitions = json!({"thing": {"properties": {"uuid": {"type": "string", "readOnly": true}}}});
    let mut doc = document(
        "/things",
        None,
        definitions.clone(),
        &["get_collection", "post", "get", "patch", "delete"],
    );
    doc["paths"]["/things/{uuid}"]["patch"]["x-ntap-async"] = json!("both");
    doc["paths"]["/things/{uuid}"]["delete"]["x-ntap-async"] = json!("sync-only");
    let out = run(doc);
    let text = file(&out, "things");
    assert!(
        text.contains("#[resource(path = \"/things\", get, post, patch, delete, collection, hold(post, patch), "),
        "{text}"
    );
    assert!(text.contains("Verbs: `get`, `fetch`, `get_collection`, `get_pages`, `count_collection`, `find`, `post` (may start a job), `patch` (may start a job), `delete`."), "{text}");

    // No verb may start a job: no `hold`.
    let mut doc = document("/things", None, definitions.clone(), &["get_collection", "post", "get"]);
    doc["paths"]["/things"]["post"]["x-ntap-async"] = json!("sync-only");
    let text = file(&run(doc), "things").to_owned();
    assert!(
        text.contains("#[resource(path = \"/things\", get, post, collection)]"),
        "{text}"
    );

    // The known quirk: POST /cluster/software/download may start a job but
    // is never held, and its doc comment says why.
    let out = run(document(
        "/cluster/software/download",
        None,
        definitions,
        &["get_collection", "post", "get", "delete"],
    ));
    let text = file(&out, "cluster_software_download");
    assert!(!text.contains("hold("), "{text}");
    assert!(
        text.contains("`post` (may start a job; not held by default: ONTAP has answered it HTTP 500"),
        "{text}"
    );
    let resource = out.plan.structs.iter().find_map(|s| s.resource.as_ref()).unwrap();
    assert!(resource.hold.is_empty());
}

#[test]
fn an_operations_own_query_parameters_are_typed() {
    let out = run(document(
        "/things",
        None,
        json!({"thing": {"properties": {"uuid": {"type": "string", "readOnly": true}}}}),
        &["get_collection", "get", "patch"],
    ));
    let text = file(&out, "things");
    assert!(text.contains("pub struct ThingsPatchParams {"), "{text}");
    assert!(text.contains("pub validate_only: Option<bool>,"));
    assert!(text.contains("impl ontap::QueryParams for ThingsPatchParams {"));
    assert!(
        text.contains("if let Some(value) = &self.validate_only { query.push(\"validate_only\", value); }"),
        "{text}"
    );
    // The shared parameters stay on `CallOptions`: no typed `return_timeout`.
    assert!(!text.contains("pub return_timeout"));
}

#[test]
fn verbs_are_limited_to_the_operations_the_resource_has() {
    // No POST or PATCH on the path: a writable field is only read.
    let out = run(document(
        "/things",
        None,
        json!({"thing": {"properties": {"uuid": {"type": "string"}, "name": {"type": "string"}}}}),
        &["get_collection", "get"],
    ));
    let text = file(&out, "things");
    assert!(field_block(text, "name").contains("#[resource(get)]"), "{text}");
    assert!(text.contains("#[resource(path = \"/things\", get, collection)]"));
}

#[test]
fn all_of_with_a_marker_is_the_referenced_type_with_the_marker_role() {
    let out = run(document(
        "/things",
        None,
        json!({
            "thing": {"properties": {
                "uuid": {"type": "string", "readOnly": true},
                "space": {"allOf": [{"$ref": "#/definitions/thing_space"}], "x-ntap-readCreate": true}
            }},
            "thing_space": {"properties": {"size": {"type": "integer", "minimum": 0, "maximum": 100}}}
        }),
        &["get_collection", "post", "get", "patch"],
    ));
    let text = file(&out, "things");
    let block = field_block(text, "space");
    assert!(block.contains("#[resource(get, post)]"), "{block}");
    assert!(block.contains("pub space: Option<ThingSpace>"), "{block}");
    let model = file(&out, "models/thing_space");
    assert!(model.contains("#[derive(Debug, Clone, Default, PartialEq, ontap::Model)]"));
    assert!(model.contains("pub size: Option<i64>"));
    assert!(
        model.contains("`size`: integer, 0 to 100; read and written."),
        "{model}"
    );
}

#[test]
fn narrowed_views_share_one_reference_type_and_a_full_view_is_the_definition() {
    let out = run(document(
        "/things",
        None,
        json!({
            "thing": {"properties": {
                "uuid": {"type": "string", "readOnly": true},
                "svm": {"type": "object", "x-ntap-restricts": "#/definitions/svm",
                        "properties": {"name": {"type": "string"}, "uuid": {"type": "string"}}},
                "owner": {"type": "object", "x-ntap-restricts": "#/definitions/svm",
                          "properties": {"name": {"type": "string"}, "_links": {"$ref": "#/definitions/self_link"}}},
                "size": {"type": "object", "x-ntap-restricts": "#/definitions/metric",
                         "properties": {"read": {"type": "integer"}, "write": {"type": "integer"}}}
            }},
            "svm": {"properties": {"name": {"type": "string"}, "uuid": {"type": "string"},
                                   "comment": {"type": "string"}, "_links": {"$ref": "#/definitions/self_link"}}},
            "metric": {"properties": {"read": {"type": "integer"}, "write": {"type": "integer"}}},
            "self_link": {"properties": {"self": {"$ref": "#/definitions/href"}}},
            "href": {"properties": {"href": {"type": "string"}}}
        }),
        &["get_collection", "get"],
    ));
    let text = file(&out, "things");
    assert!(field_block(text, "svm").contains("Option<SvmReference>"));
    assert!(field_block(text, "owner").contains("Option<SvmReference>"));
    assert!(field_block(text, "size").contains("Option<Metric>"), "{text}");
    let reference = file(&out, "models/svm_reference");
    // The union of both views, and nothing else of `svm`.
    for field in [
        "pub links: Option<SelfLink>",
        "pub name: Option<String>",
        "pub uuid: Option<String>",
    ] {
        assert!(reference.contains(field), "{field} in\n{reference}");
    }
    assert!(!reference.contains("comment"));
}

#[test]
fn enums_are_open_with_the_wire_values_kept() {
    let out = run(document(
        "/things",
        None,
        json!({"thing": {"properties": {
            "uuid": {"type": "string", "readOnly": true},
            "state": {"type": "string", "enum": ["online", "not_started", "10m", "unknown", "nfs4.1", ""]},
            "levels": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
            "bits": {"type": "integer", "enum": [128, 256]}
        }}}),
        &["get_collection", "get"],
    ));
    let text = file(&out, "things");
    assert!(text.contains(
        "#[derive(Debug, Clone, PartialEq, Eq, Hash, ontap::OpenEnum)]\n#[non_exhaustive]\npub enum ThingsState {"
    ));
    assert!(text.contains("\nOnline,\n"));
    assert!(text.contains("\nNotStarted,\n"));
    assert!(text.contains("#[open_enum(rename = \"10m\")]\nV10m,"), "{text}");
    assert!(text.contains("#[open_enum(rename = \"unknown\")]\nUnknownValue,"));
    assert!(text.contains("#[open_enum(rename = \"nfs4.1\")]\nNfs41,"));
    // The empty value reads as `Unknown("")`, which writes it back.
    assert!(!text.contains("Empty,"));
    assert!(text.contains("#[open_enum(other)]\nUnknown(String),"));
    assert!(field_block(text, "levels").contains("Option<Vec<ThingsLevels>>"));
    let bits = field_block(text, "bits");
    assert!(
        bits.contains("Option<i64>") && bits.contains("one of `128`, `256`"),
        "{bits}"
    );
}

#[test]
fn secrets_timestamps_keywords_and_odd_names() {
    let out = run(document(
        "/things",
        None,
        json!({"thing": {"properties": {
            "uuid": {"type": "string", "readOnly": true, "format": "uuid"},
            "password": {"type": "string", "format": "password", "x-ntap-sensitive": true, "x-ntap-createOnly": true},
            "token": {"type": "string", "x-ntap-sensitive": true},
            "create_time": {"type": "string", "format": "date-time", "readOnly": true},
            "type": {"type": "string"},
            "resync-progress": {"type": "integer"},
            "isDnsTTLEnabled": {"type": "boolean"},
            "_tags": {"type": "array", "items": {"type": "string"}}
        }}}),
        &["get_collection", "post", "get", "patch"],
    ));
    let text = file(&out, "things");
    assert!(field_block(text, "password").contains("Option<ontap::Secret>"));
    assert!(field_block(text, "token").contains("printed as `*********`"));
    assert!(field_block(text, "create_time").contains("Option<ontap::Timestamp>"));
    assert!(field_block(text, "type_").contains("rename = \"type\""));
    assert!(field_block(text, "resync_progress").contains("rename = \"resync-progress\""));
    assert!(field_block(text, "is_dns_ttl_enabled").contains("rename = \"isDnsTTLEnabled\""));
    assert!(field_block(text, "tags").contains("rename = \"_tags\""));
    assert!(field_block(text, "uuid").contains("format `uuid`"));
}

#[test]
fn parent_keys_and_dotted_keys_fill_the_path() {
    let doc = json!({
        "swagger": "2.0",
        "x-ntap-resources": [
            {"resource": "Snap", "path": "/vols/{volume.uuid}/snaps", "instance_path": "/vols/{volume.uuid}/snaps/{uuid}",
             "keys": ["volume.uuid", "uuid"], "parent_keys": ["volume.uuid"], "definition": "snap"},
            {"resource": "Account", "path": "/accounts", "instance_path": "/accounts/{owner.uuid}/{name}",
             "keys": ["owner.uuid", "name"], "parent_keys": [], "definition": "account"},
            {"resource": "Metric", "path": "/vols/{volume.uuid}/metrics", "instance_path": null,
             "keys": ["volume.uuid"], "parent_keys": ["volume.uuid"], "definition": "metric"}
        ],
        "paths": {
            "/vols/{volume.uuid}/snaps": {"get": {}},
            "/vols/{volume.uuid}/snaps/{uuid}": {"get": {}},
            "/accounts": {"get": {}},
            "/accounts/{owner.uuid}/{name}": {"get": {}},
            "/vols/{volume.uuid}/metrics": {"get": {}}
        },
        "definitions": {
            "snap": {"properties": {"volume": {"$ref": "#/definitions/vol"}, "uuid": {"type": "string"}}},
            "vol": {"properties": {"uuid": {"type": "string"}, "name": {"type": "string"}}},
            "account": {"properties": {"comment": {"type": "string"}, "name": {"type": "string"},
                        "owner": {"$ref": "#/definitions/vol"}}},
            "metric": {"properties": {"iops": {"type": "integer"}}}
        }
    });
    let out = run(doc);
    let snaps = file(&out, "vols_snaps");
    assert!(
        snaps.contains("#[resource(path = \"/vols/{volume.uuid}/snaps\", get, collection)]"),
        "{snaps}"
    );
    assert!(field_block(snaps, "volume").contains("holds a key of the enclosing object's path"));
    let accounts = file(&out, "accounts");
    // Keys come first, in path order, the dotted one with its sub-path.
    let owner = accounts.find("pub owner:").unwrap();
    let name = accounts.find("pub name:").unwrap();
    let comment = accounts.find("pub comment:").unwrap();
    assert!(owner < name && name < comment, "{accounts}");
    assert!(field_block(accounts, "owner").contains("#[resource(get, key = \"uuid\")]"));
    assert!(field_block(accounts, "name").contains("#[resource(get, key)]"));
    // A parent key the definition lacks gets a field of its own.
    let metrics = file(&out, "vols_metrics");
    let volume = field_block(metrics, "volume");
    assert!(
        volume.contains("Option<MetricVolume>") && volume.contains("Not in the model's definition"),
        "{volume}"
    );
    assert!(file(&out, "models/metric_volume").contains("pub uuid: Option<String>"));
}

#[test]
fn recursive_references_are_boxed_and_lists_are_not() {
    let out = run(document(
        "/things",
        None,
        json!({
            "thing": {"properties": {"uuid": {"type": "string"}, "tree": {"$ref": "#/definitions/node"}}},
            "node": {"properties": {
                "parent": {"$ref": "#/definitions/node"},
                "children": {"type": "array", "items": {"$ref": "#/definitions/node"}},
                "leaf": {"$ref": "#/definitions/leaf"}
            }},
            "leaf": {"properties": {"name": {"type": "string"}}}
        }),
        &["get_collection", "get"],
    ));
    let node = file(&out, "models/node");
    assert!(node.contains("pub parent: Option<Box<Node>>"), "{node}");
    assert!(node.contains("pub children: Option<Vec<Node>>"));
    assert!(node.contains("pub leaf: Option<Leaf>"));
    let plan = &out.plan;
    let thing = plan.structs.iter().find(|s| s.name == "Things").unwrap();
    let tree = thing.fields.iter().find(|f| f.wire == "tree").unwrap();
    assert!(matches!(tree.ty, Ty::Struct { boxed: false, .. }));
}

#[test]
fn features_follow_the_path_and_models_follow_their_users() {
    let doc = json!({
        "swagger": "2.0",
        "paths": {
            "/storage/disks": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/disk_response"}}}}},
            "/protocols/nfs/rules": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/rule_response"}}}}}
        },
        "definitions": {
            "disk": {"properties": {"svm": {"$ref": "#/definitions/svm_ref"}, "pool": {"$ref": "#/definitions/pool"}}},
            "rule": {"properties": {"svm": {"$ref": "#/definitions/svm_ref"}}},
            "svm_ref": {"properties": {"name": {"type": "string"}}},
            "pool": {"properties": {"name": {"type": "string"}}},
            "disk_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/disk"}}}},
            "rule_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/rule"}}}}
        }
    });
    let out = run(doc);
    let models = &out.files["src/generated/models/mod.rs"];
    assert!(
        models.contains("#[cfg(any(feature = \"protocols-nfs\", feature = \"storage\"))]\nmod svm_ref;"),
        "{models}"
    );
    assert!(models.contains("#[cfg(feature = \"storage\")]\nmod pool;"));
    let resources = &out.files["src/generated/mod.rs"];
    assert!(resources.contains("#[cfg(feature = \"protocols-nfs\")]\nmod protocols_nfs_rules;"));
    assert!(out.resource_features.contains("protocols-nfs = []"));
    assert!(out.resource_features.contains("protocols = [\"protocols-nfs\"]"));
    assert!(out.facade_features.contains("storage = [\"ontap-resources/storage\"]"));
}

#[test]
fn the_vendored_model_plans_every_resource() {
    let spec = Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ontap-9.19.1.json")).unwrap();
    let out = generate(&spec, &Overlay::bundled().unwrap(), "spec/ontap-9.19.1.json");
    let resources: Vec<_> = out.plan.structs.iter().filter(|s| s.resource.is_some()).collect();
    assert_eq!(resources.len(), 331);
    let names: std::collections::BTreeSet<&str> = out.plan.structs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), out.plan.structs.len(), "type names are unique");
    for wanted in [
        "SoftwarePackageDownload",
        "Job",
        "Volume",
        "IpInterface",
        "ExportRule",
        "Svm",
        "Snapshot",
    ] {
        assert!(names.contains(wanted), "{wanted}");
    }
    // The curated enum keeps its name.
    assert!(out.plan.enums.iter().any(|e| e.name == "DownloadState"));
}

/// ONTAP's own spec, as YAML and without the model's resource list: the
/// resources are found from the paths and named after the vendored list.
#[test]
fn a_clusters_own_yaml_spec_works_too() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../ontap-resources/tests/examples");
    let read = |name: &str| std::fs::read_to_string(format!("{examples}/{name}")).unwrap();
    let yaml = format!(
        "swagger: '2.0'\npaths:\n{}{}{}",
        read("trident_swagger_full_software_download_excerpt.yaml"),
        read("trident_swagger_full_cluster_jobs_excerpt.yaml"),
        read("trident_swagger_full_parameters_excerpt.yaml"),
    );
    let mut spec = Spec::parse(&yaml).unwrap();
    assert!(!spec.lists_resources());
    let catalog = Spec::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ontap-9.19.1.json")).unwrap();
    spec.name_resources_from(&catalog);
    let download = spec.resource_by_path("/cluster/software/download").unwrap();
    assert_eq!(download.name, "SoftwarePackageDownload");
    assert!(download.instance_path.is_none() && download.get.is_some() && download.post.is_some());
    assert_eq!(
        download.post.as_ref().unwrap().body.as_deref(),
        Some("software_package_download")
    );
    let jobs = spec.resource_by_path("/cluster/jobs").unwrap();
    assert_eq!(jobs.name, "Job");
    assert_eq!(jobs.keys, ["uuid"]);
    assert!(jobs.get_collection.is_some() && jobs.get.is_some() && jobs.patch.is_some());
    let patch = jobs.patch.as_ref().unwrap();
    assert!(patch.own_query_params().any(|p| p.name == "action"), "{patch:?}");
    let out = generate(&spec, &Overlay::default(), "a cluster's spec");
    assert!(file(&out, "cluster_jobs").contains("pub struct Job {"));
}

#[test]
fn a_field_with_the_same_values_shares_one_enum_named_after_its_users() {
    let doc = json!({
        "swagger": "2.0",
        "paths": {
            "/network/fc/interfaces": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/fc_response"}}}}},
            "/network/ip/interfaces": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/ip_response"}}}}},
            "/storage/disks": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/disk_response"}}}}}
        },
        "definitions": {
            "fc_interface": {"properties": {"state": {"type": "string", "enum": ["up", "down"]}}},
            "ip_interface": {"properties": {"state": {"type": "string", "enum": ["up", "down"]}}},
            "disk": {"properties": {"state": {"type": "string", "enum": ["up", "down"]}}},
            "fc_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/fc_interface"}}}},
            "ip_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/ip_interface"}}}},
            "disk_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/disk"}}}}
        }
    });
    let out = run(doc);
    // Three users with nothing in common: each keeps its own.
    let disks = file(&out, "storage_disks");
    assert!(disks.contains("pub enum StorageDisksState"), "{disks}");
    let fc = file(&out, "network_fc_interfaces");
    assert!(fc.contains("pub enum NetworkFcInterfacesState"), "{fc}");

    let doc = json!({
        "swagger": "2.0",
        "paths": {
            "/network/fc/interfaces": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/fc_response"}}}}},
            "/network/ip/interfaces": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/ip_response"}}}}}
        },
        "definitions": {
            "fc_interface": {"properties": {"state": {"type": "string", "enum": ["up", "down"]}}},
            "ip_interface": {"properties": {"state": {"type": "string", "enum": ["up", "down"]},
                                            "mode": {"type": "string", "enum": ["a", "b"]}}},
            "fc_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/fc_interface"}}}},
            "ip_response": {"properties": {"records": {"type": "array", "items": {"$ref": "#/definitions/ip_interface"}}}}
        }
    });
    let out = run(doc);
    // Two users ending in `Interfaces`: one shared enum in a file of its own.
    let shared = file(&out, "models/interfaces_state");
    assert!(shared.contains("pub enum InterfacesState"), "{shared}");
    assert!(field_block(file(&out, "network_fc_interfaces"), "state").contains("Option<InterfacesState>"));
    assert!(field_block(file(&out, "network_ip_interfaces"), "state").contains("Option<InterfacesState>"));
    assert!(file(&out, "network_ip_interfaces").contains("pub enum NetworkIpInterfacesMode"));
    let models = &out.files["src/generated/models/mod.rs"];
    assert!(
        models.contains("#[cfg(feature = \"network\")]\nmod interfaces_state;"),
        "{models}"
    );
}
