//! What `#[derive(Resource)]` and `#[derive(OpenEnum)]` generate, seen from a
//! user's crate: the metadata, `field_value`, `merge`, decoding, printing and
//! the verb markers; open enums' conversions and round trips.

use ontap::prelude::*;
use ontap::{FieldMeta, Links, OpenEnum, Resource, Secret, Verb, Verbs};
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
    // The runtime masks secrets; the value itself is the real one, for bodies.
    assert_eq!(value("password"), Some(json!("hunter2")));
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
