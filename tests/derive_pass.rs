//! What `#[derive(Resource)]`, `#[derive(Model)]` and `#[derive(OpenEnum)]`
//! generate, seen from a user's crate: the metadata, keys, `field_value`,
//! `merge`, decoding, encoding, printing and the verb markers; models nested
//! in resources, secrets inside them; open enums' conversions and round trips.

use ontap::prelude::*;
use ontap::{FieldMeta, Links, Model, OpenEnum, Resource, Secret, Verb, Verbs};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum State {
    Queued,
    Running,
    #[open_enum(rename = "not_started")]
    NotStarted,
    HTTPServer,
    Sha256,
    #[open_enum(other)]
    Unknown(String),
}

#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster/jobs", collection, delete)]
pub struct Job {
    #[get]
    #[key]
    pub uuid: Option<String>,
    #[get]
    pub state: Option<State>,
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
    #[post]
    pub password: Option<Secret>,
    #[resource(get, patch, secret)]
    pub token: Option<ontap::Secret>,
    #[get]
    #[post]
    #[patch]
    pub r#type: Option<String>,
    #[get]
    pub code: Option<i64>,
}

fn job_field(name: &str) -> usize {
    Job::FIELDS
        .iter()
        .position(|meta| meta.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn metadata() {
    const GET: Verbs = Verbs::NONE.with(Verb::Get);
    let meta = |name, wire, verbs, key, secret| FieldMeta {
        name,
        wire,
        verbs,
        key,
        secret,
    };
    assert_eq!(Job::NAME, "Job");
    assert_eq!(Job::PATH, "/cluster/jobs");
    assert_eq!(Job::KEYS, ["uuid"]);
    assert_eq!(
        Job::FIELDS,
        [
            meta("uuid", "uuid", GET, true, false),
            meta("state", "state", GET, false, false),
            meta("links", "_links", GET, false, false),
            meta("password", "password", Verbs::NONE.with(Verb::Post), false, true),
            meta("token", "token", GET.with(Verb::Patch), false, true),
            meta("type", "type", GET.with(Verb::Post).with(Verb::Patch), false, false),
            meta("code", "code", GET, false, false),
        ]
    );
}

#[test]
fn verb_markers() {
    fn all_verbs<R: Get + Post + Patch + Delete + Collection>() {}
    all_verbs::<Job>();
    fn readable<R: Get>() {}
    readable::<Snapshot>();
}

#[test]
fn field_values() {
    let job = Job {
        uuid: Some("u1".into()),
        state: Some(State::NotStarted),
        password: Some("hunter2".into()),
        code: Some(7),
        ..Default::default()
    };
    let value = |name| job.field_value(job_field(name)).map(|v| v.unwrap());
    assert_eq!(value("uuid"), Some(json!("u1")));
    assert_eq!(value("state"), Some(json!("not_started")));
    // A secret is masked everywhere but in a request body.
    assert_eq!(value("password"), Some(json!("*********")));
    assert_eq!(ontap::to_request_json(&job).unwrap()["password"], json!("hunter2"));
    assert_eq!(value("code"), Some(json!(7)));
    assert_eq!(value("links"), None);
    assert_eq!(value("type"), None);
    assert!(job.field_value(Job::FIELDS.len()).is_none());
    assert!(job.field_value(usize::MAX).is_none());
}

#[test]
fn merge_keeps_what_the_other_lacks() {
    let mut job = Job {
        uuid: Some("u1".into()),
        state: Some(State::Queued),
        password: Some("pw".into()),
        ..Default::default()
    };
    job.merge(Job {
        state: Some(State::Running),
        code: Some(0),
        ..Default::default()
    });
    assert_eq!(
        job,
        Job {
            uuid: Some("u1".into()),
            state: Some(State::Running),
            password: Some("pw".into()),
            code: Some(0),
            ..Default::default()
        }
    );
}

#[test]
fn decodes_wire_names_and_ignores_the_rest() {
    let job: Job = serde_json::from_str(
        r#"{
            "uuid": "f587d316",
            "state": "paused_by_admin",
            "_links": {"self": {"href": "/api/cluster/jobs/f587d316"}},
            "type": "upgrade",
            "code": null,
            "token": "t0ken",
            "links": "not the wire name of `links`",
            "description": "a member this struct does not have",
            "nested": {"deep": [1, 2, {"x": null}]}
        }"#,
    )
    .unwrap();
    assert_eq!(job.uuid.as_deref(), Some("f587d316"));
    assert_eq!(job.state, Some(State::Unknown("paused_by_admin".into())));
    assert_eq!(
        job.links.and_then(|l| l.self_link).map(|h| h.href).as_deref(),
        Some("/api/cluster/jobs/f587d316")
    );
    assert_eq!(job.r#type.as_deref(), Some("upgrade"));
    assert_eq!(job.code, None);
    assert_eq!(job.token.as_ref().map(Secret::expose), Some("t0ken"));
    assert_eq!(job.password, None);

    let empty: Job = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, Job::default());

    let many: Vec<Job> = serde_json::from_str(r#"[{"uuid": "a"}, {"uuid": "b", "state": "running"}]"#).unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(many[1].state, Some(State::Running));
}

#[test]
fn decoding_errors_name_the_resource() {
    let err = serde_json::from_str::<Job>("3").unwrap_err().to_string();
    assert!(
        err.contains("invalid type: integer `3`, expected a Job object"),
        "{err}"
    );
    let err = serde_json::from_str::<Job>(r#"{"code": "seven"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid type: string \"seven\", expected i64"), "{err}");
}

#[test]
fn display_masks_secrets() {
    let job = Job {
        uuid: Some("u1".into()),
        password: Some("hunter2".into()),
        ..Default::default()
    };
    let text = job.to_string();
    assert!(text.starts_with("Job({"), "{text}");
    assert!(text.contains(r#""uuid": "u1""#), "{text}");
    assert!(text.contains(r#""password": "*********""#), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

/// A resource below another object: the placeholder is filled by a field
/// holding an object (here plain JSON) with a `uuid`.
#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
pub struct Snapshot {
    #[get]
    pub volume: Option<serde_json::Value>,
    #[get]
    #[key]
    pub uuid: Option<String>,
}

#[test]
fn placeholders_stay_in_the_path() {
    assert_eq!(Snapshot::PATH, "/storage/volumes/{volume.uuid}/snapshots");
    assert!(Snapshot::FIELDS[1].key);
}

/// A resource with no fields at all still derives.
#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster")]
pub struct Empty {}

#[test]
fn empty_resource() {
    assert!(Empty::FIELDS.is_empty());
    let mut empty = Empty {};
    empty.merge(Empty {});
    assert!(empty.field_value(0).is_none());
    let _: Empty = serde_json::from_str(r#"{"name": "cluster1"}"#).unwrap();
}

/// A crate that re-exports ontap under another name.
mod sdk {
    pub use ontap as runtime;
}

mod renamed_crate {
    #[derive(Debug, Clone, Default, crate::sdk::runtime::Resource)]
    #[resource(path = "/cluster/nodes", collection, crate = "crate::sdk::runtime")]
    pub struct Node {
        #[get]
        #[key]
        pub uuid: Option<String>,
        #[get]
        pub state: Option<NodeState>,
    }

    #[derive(Debug, Clone, Default, crate::sdk::runtime::Resource)]
    #[resource(path = "/cluster/nodes", delete, hold(delete), crate = "crate::sdk::runtime")]
    pub struct HeldNode {
        #[get]
        #[key]
        pub uuid: Option<String>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, crate::sdk::runtime::OpenEnum)]
    #[open_enum(crate = "crate::sdk::runtime")]
    pub enum NodeState {
        Up,
        #[open_enum(other)]
        Unknown(String),
    }
}

#[test]
fn crate_override() {
    use renamed_crate::{Node, NodeState};
    fn listable<R: Get + Collection>() {}
    listable::<Node>();
    assert_eq!(Node::PATH, "/cluster/nodes");
    let node: Node = serde_json::from_str(r#"{"uuid": "n1", "state": "up"}"#).unwrap();
    assert_eq!(node.state, Some(NodeState::Up));
}

#[test]
fn open_enum_names() {
    assert_eq!(State::Queued.as_str(), "queued");
    assert_eq!(State::NotStarted.as_str(), "not_started");
    assert_eq!(State::HTTPServer.as_str(), "http_server");
    assert_eq!(State::Sha256.as_str(), "sha256");
    assert_eq!(State::Unknown("x_y".into()).as_str(), "x_y");
    assert_eq!(
        State::KNOWN,
        [
            State::Queued,
            State::Running,
            State::NotStarted,
            State::HTTPServer,
            State::Sha256
        ]
    );
}

#[test]
fn open_enum_display_and_from_str() {
    for state in State::KNOWN {
        assert_eq!(state.to_string().parse::<State>(), Ok(state.clone()));
    }
    assert_eq!("cancelled".parse::<State>(), Ok(State::Unknown("cancelled".into())));
    // Names are exact: another case is another value.
    assert_eq!("Queued".parse::<State>(), Ok(State::Unknown("Queued".into())));
    assert_eq!(State::Unknown("cancelled".into()).to_string(), "cancelled");
    assert_eq!(format!("[{:>8}]", State::Queued), "[  queued]");
    let never: Result<State, std::convert::Infallible> = "x".parse();
    assert!(never.is_ok());
}

#[test]
fn open_enum_serde_round_trips() {
    for state in State::KNOWN.iter().cloned().chain([State::Unknown("brand_new".into())]) {
        let text = serde_json::to_string(&state).unwrap();
        assert_eq!(text, format!("\"{}\"", state.as_str()));
        // Borrowed input (`visit_borrowed_str`/`visit_str`) and owned input
        // (`visit_string`) both decode.
        assert_eq!(serde_json::from_str::<State>(&text).unwrap(), state);
        let owned = serde_json::Value::String(state.as_str().to_owned());
        assert_eq!(serde_json::from_value::<State>(owned).unwrap(), state);
    }
    let escaped: State = serde_json::from_str(r#""not\u005fstarted""#).unwrap();
    assert_eq!(escaped, State::NotStarted);
}

#[test]
fn open_enum_rejects_non_strings() {
    let err = serde_json::from_str::<State>("3").unwrap_err().to_string();
    assert!(
        err.contains(r#"invalid type: integer `3`, expected a State as a string, such as "queued""#),
        "{err}"
    );
    assert!(serde_json::from_str::<State>("null").is_err());
    assert!(serde_json::from_str::<State>(r#"{"state": "queued"}"#).is_err());
}

#[test]
fn encodes_set_fields_by_wire_name_with_secrets_masked() {
    let job = Job {
        uuid: Some("u1".into()),
        links: Some(Links::default()),
        password: Some("hunter2".into()),
        r#type: Some("upgrade".into()),
        ..Default::default()
    };
    // In declaration order, set fields only.
    assert_eq!(
        serde_json::to_string(&job).unwrap(),
        r#"{"uuid":"u1","_links":{},"password":"*********","type":"upgrade"}"#
    );
    let back: Job = serde_json::from_value(ontap::to_request_json(&job).unwrap()).unwrap();
    assert_eq!(back, job);
    assert_eq!(
        ontap::to_json(&job).unwrap(),
        json!({"uuid": "u1", "_links": {}, "password": "*********", "type": "upgrade"})
    );
}

/// A nested object, as ONTAP embeds them in resources.
#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Owner {
    pub uuid: Option<String>,
    pub name: Option<String>,
    #[model(rename = "_links")]
    pub links: Option<Links>,
}

/// Nested models, with a secret inside one and lists of another.
#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Credentials {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub owners: Option<Vec<Owner>>,
}

/// ONTAP's `/security/accounts/{owner.uuid}/{name}`: the first key is a
/// member of an object field.
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/security/accounts", collection, delete)]
pub struct Account {
    #[resource(get, post, key = "uuid")]
    pub owner: Option<Owner>,
    #[get]
    #[post]
    #[key]
    pub name: Option<String>,
    #[resource(get, post, patch)]
    pub comment: Option<String>,
    #[resource(post, patch)]
    pub credentials: Option<Credentials>,
}

fn account() -> Account {
    Account {
        owner: Some(Owner {
            uuid: Some("0a1b 2c".into()),
            name: Some("vs0".into()),
            links: None,
        }),
        name: Some("admin".into()),
        comment: Some("ops".into()),
        credentials: Some(Credentials {
            user: Some("admin".into()),
            password: Some("hunter2".into()),
            owners: Some(vec![Owner {
                name: Some("a".into()),
                ..Default::default()
            }]),
        }),
    }
}

#[test]
fn dotted_keys_build_the_instance_path() {
    assert_eq!(Account::KEYS, ["owner.uuid", "name"]);
    assert!(Account::FIELDS[0].key && Account::FIELDS[1].key && !Account::FIELDS[2].key);
    assert_eq!(Account::FIELDS[0].wire, "owner");
    let account = account();
    assert_eq!(
        ontap::instance_path(&account).unwrap(),
        "/security/accounts/0a1b%202c/admin"
    );
    assert_eq!(ontap::collection_path(&account).unwrap(), "/security/accounts");
    let mut no_owner_uuid = account.clone();
    no_owner_uuid.owner.as_mut().unwrap().uuid = None;
    let err = ontap::instance_path(&no_owner_uuid).unwrap_err();
    assert!(
        matches!(&err, ontap::Error::MissingKey { key, .. } if key == "owner.uuid"),
        "{err}"
    );
}

#[test]
fn bodies_keep_keys_for_post_only() {
    let account = account();
    let post = ontap::body(&account, Verb::Post).unwrap();
    assert_eq!(
        serde_json::Value::Object(post),
        json!({
            "owner": {"uuid": "0a1b 2c", "name": "vs0"},
            "name": "admin",
            "comment": "ops",
            "credentials": {"user": "admin", "password": "hunter2", "owners": [{"name": "a"}]},
        })
    );
    // The keys travel in the path of a PATCH: the fields that carry them
    // are left out of its body.
    let patch = ontap::body(&account, Verb::Patch).unwrap();
    assert_eq!(
        serde_json::Value::Object(patch),
        json!({
            "comment": "ops",
            "credentials": {"user": "admin", "password": "hunter2", "owners": [{"name": "a"}]},
        })
    );
}

#[test]
fn a_secret_in_a_nested_model_is_masked_but_in_bodies() {
    let account = account();
    let display = account.to_string();
    let debug = format!("{account:?} {account:#?}");
    let json = ontap::to_json(&account).unwrap();
    let plain = serde_json::to_string(&account).unwrap();
    let field = account.field_value(3).unwrap().unwrap().to_string();
    for text in [&display, &debug, &json.to_string(), &plain, &field] {
        assert!(!text.contains("hunter2"), "the password leaked into: {text}");
        assert!(text.contains("*********"), "{text}");
    }
    assert_eq!(
        display,
        r#"Account({"comment": "ops", "credentials": {"owners": [{"name": "a"}], "password": "*********", "user": "admin"}, "name": "admin", "owner": {"name": "vs0", "uuid": "0a1b 2c"}})"#
    );
    assert_eq!(json["credentials"]["password"], json!("*********"));
    // Only a request body carries the real value.
    let body = ontap::body(&account, Verb::Patch).unwrap();
    assert_eq!(body["credentials"]["password"], json!("hunter2"));
    assert_eq!(
        ontap::to_request_json(&account).unwrap()["credentials"]["password"],
        json!("hunter2")
    );
    // And building it leaves no trace: the next print is masked again.
    assert!(!account.to_string().contains("hunter2"));
    assert!(!serde_json::to_string(&account).unwrap().contains("hunter2"));
}

#[test]
fn models_decode_and_encode_by_wire_name() {
    let owner: Owner = serde_json::from_str(
        r#"{"uuid": "u1", "name": null, "_links": {"self": {"href": "/api/x"}}, "links": 1, "extra": {"a": [1]}}"#,
    )
    .unwrap();
    assert_eq!(owner.uuid.as_deref(), Some("u1"));
    assert_eq!(owner.name, None);
    assert_eq!(
        owner
            .links
            .as_ref()
            .and_then(|l| l.self_link.as_ref())
            .map(|h| h.href.as_str()),
        Some("/api/x")
    );
    assert_eq!(
        serde_json::to_string(&owner).unwrap(),
        r#"{"uuid":"u1","_links":{"self":{"href":"/api/x"}}}"#
    );
    // From owned keys (a `Value`) as from borrowed ones.
    let owned: Owner = serde_json::from_value(json!({"name": "n", "name": "m"})).unwrap();
    assert_eq!(owned.name.as_deref(), Some("m"));
    let nested: Credentials =
        serde_json::from_str(r#"{"password": "pw", "owners": [{"uuid": "a"}, {"name": "b"}]}"#).unwrap();
    assert_eq!(nested.password.as_ref().map(Secret::expose), Some("pw"));
    assert_eq!(nested.owners.as_ref().map(Vec::len), Some(2));
    let err = serde_json::from_str::<Owner>(r#""vs0""#).unwrap_err().to_string();
    assert!(err.contains("expected a Owner object"), "{err}");
    assert_eq!(serde_json::to_string(&Owner::default()).unwrap(), "{}");
}

#[test]
fn a_resource_holds_models() {
    let account: Account = serde_json::from_str(
        r#"{"owner": {"uuid": "u", "name": "vs0"}, "name": "admin", "credentials": {"user": "x"}, "role": "admin"}"#,
    )
    .unwrap();
    assert_eq!(account.owner.as_ref().and_then(|o| o.uuid.as_deref()), Some("u"));
    assert_eq!(account.credentials.as_ref().and_then(|c| c.user.as_deref()), Some("x"));
    assert_eq!(ontap::instance_path(&account).unwrap(), "/security/accounts/u/admin");
}

/// A raw identifier and a model without any field.
#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Odd {
    pub r#type: Option<String>,
    pub r#match: Option<Empty2>,
}

#[derive(Debug, Clone, Default, PartialEq, Model)]
pub struct Empty2 {}

#[test]
fn raw_identifiers_and_empty_models() {
    let odd: Odd = serde_json::from_str(r#"{"type": "t", "match": {"x": 1}}"#).unwrap();
    assert_eq!(odd.r#type.as_deref(), Some("t"));
    assert_eq!(odd.r#match, Some(Empty2 {}));
    assert_eq!(serde_json::to_string(&odd).unwrap(), r#"{"type":"t","match":{}}"#);
}

/// A resource that declares its verbs on the struct: no field is `#[patch]`.
#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/jobs", patch, patch_collection, delete_collection)]
pub struct ControlledJob {
    #[get]
    #[key]
    pub uuid: Option<String>,
}

/// Every verb from the struct, and fields that carry none.
#[derive(Debug, Clone, Default, Resource)]
#[resource(
    path = "/x",
    get,
    post,
    patch,
    delete,
    collection,
    patch_collection,
    delete_collection
)]
pub struct AllDeclared {
    pub a: Option<String>,
}

#[test]
fn verbs_declared_on_the_struct() {
    fn modifiable<R: Get + Patch + PatchCollection + DeleteCollection>() {}
    modifiable::<ControlledJob>();
    fn everything<R: Get + Post + Patch + Delete + Collection + PatchCollection + DeleteCollection>() {}
    everything::<AllDeclared>();
    // Declaring a verb on the struct does not make a field travel with it.
    assert_eq!(AllDeclared::FIELDS[0].verbs, Verbs::NONE);
    let x = AllDeclared { a: Some("v".into()) };
    assert!(ontap::body(&x, Verb::Patch).unwrap().is_empty());
    assert!(AllDeclared::KEYS.is_empty());
}

/// `hold(...)`: the verbs whose answer may be held until their job ends.
#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/storage/volumes", collection, delete, hold(delete, patch))]
pub struct HeldVolume {
    #[get]
    #[key]
    pub uuid: Option<String>,
    #[resource(get, post, patch)]
    pub name: Option<String>,
}

/// A verb declared on the struct, or by a field, can be held.
#[derive(Debug, Clone, Default, Resource)]
#[resource(path = "/cluster/software", patch, hold(post, patch))]
pub struct HeldEverything {
    #[post]
    pub version: Option<String>,
}

#[test]
fn hold_lists_the_verbs_whose_answer_may_be_held() {
    assert_eq!(HeldVolume::HOLD, Verbs::NONE.with(Verb::Patch).with(Verb::Delete));
    assert!(!HeldVolume::HOLD.contains(Verb::Post));
    assert_eq!(HeldEverything::HOLD, Verbs::NONE.with(Verb::Post).with(Verb::Patch));
    // Without `hold`, nothing is held.
    assert_eq!(Job::HOLD, Verbs::NONE);
    assert_eq!(AllDeclared::HOLD, Verbs::NONE);
    // Through `crate = "..."` as well.
    assert_eq!(renamed_crate::HeldNode::HOLD, Verbs::NONE.with(Verb::Delete));
}
