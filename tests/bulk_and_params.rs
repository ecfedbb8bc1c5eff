//! Typed operation parameters and the bulk verbs, against a scripted server:
//! what goes on the wire, every job of a bulk answer waited for and reported
//! one by one, an empty bulk query refused before any request, and no retry.

mod common;

use common::mock::{Mock, MockServer, ResponseTemplate};
use common::mock::{method, path, query_param};
use common::{connect, job_state};
use ontap::prelude::*;
use ontap::resources::{Software, SoftwarePatchParams, Volume, VolumeDeleteCollectionParams, VolumeDeleteParams};
use ontap::{CallOptions, Error, JobState, Query};
use serde_json::json;

const JOB_A: &str = "4acf3f58-c5d2-11e9-b97d-005056ac2211";
const JOB_B: &str = "5bd04069-c5d2-11e9-b97d-005056ac2211";

fn jobs_body(uuids: &[&str]) -> serde_json::Value {
    let jobs: Vec<_> = uuids
        .iter()
        .map(|uuid| json!({"uuid": uuid, "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}}))
        .collect();
    json!({"jobs": jobs, "num_records": uuids.len()})
}

async fn answer_job(server: &MockServer, uuid: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{uuid}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn typed_parameters_go_on_the_wire_beside_the_untyped_ones() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/cluster/software"))
        .and(query_param("validate_only", "true"))
        .and(query_param("stabilize_minutes", "5"))
        .and(query_param("return_timeout", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let mut software = Software {
        version: Some("9.16.1".into()),
        ..Default::default()
    };
    let params = SoftwarePatchParams {
        validate_only: Some(true),
        stabilize_minutes: Some(5),
        ..Default::default()
    };
    software
        .patch_with(&connect(&server), CallOptions::with(params).return_timeout(0))
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].body, r#"{"version":"9.16.1"}"#);
}

#[tokio::test]
async fn a_delete_takes_its_own_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/storage/volumes/a1"))
        .and(query_param("force", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let volume = Volume {
        uuid: Some("a1".into()),
        ..Default::default()
    };
    let options = CallOptions::with(VolumeDeleteParams { force: Some(true) });
    volume.delete_with(&connect(&server), options).await.unwrap();
}

#[tokio::test]
async fn a_bulk_patch_waits_for_every_job_and_reports_each() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/api/storage/volumes"))
        .and(query_param("name", "old_*"))
        .respond_with(ResponseTemplate::new(202).set_body_json(jobs_body(&[JOB_A, JOB_B])))
        .expect(1)
        .mount(&server)
        .await;
    answer_job(&server, JOB_A, job_state(JOB_A, "success", "success", 0)).await;
    answer_job(
        &server,
        JOB_B,
        json!({"uuid": JOB_B, "state": "failure", "message": "volume is busy", "code": 917536,
               "error": {"message": "volume is busy", "code": "917536"}}),
    )
    .await;

    let changes = Volume {
        comment: Some("archived".into()),
        ..Default::default()
    };
    let done = changes
        .patch_collection(
            &connect(&server),
            Query::new().filter("name", "old_*"),
            CallOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(done.num_records(), Some(2));
    assert_eq!(done.jobs().len(), 2);
    assert_eq!(done.jobs()[0].link.uuid, JOB_A);
    let first = done.jobs()[0].outcome.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(first.state, Some(JobState::Success));
    assert!(!done.all_succeeded());
    let failures: Vec<_> = done.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0.uuid, JOB_B);
    assert_eq!(failures[0].1.ontap_code(), Some("917536"));
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].body, r#"{"comment":"archived"}"#);
}

#[tokio::test]
async fn a_bulk_delete_with_its_parameters_and_without_waiting() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/storage/volumes"))
        .and(query_param("svm.name", "vs0"))
        .and(query_param("continue_on_failure", "true"))
        .respond_with(ResponseTemplate::new(202).set_body_json(jobs_body(&[JOB_A])))
        .expect(1)
        .mount(&server)
        .await;
    let options = CallOptions::with(VolumeDeleteCollectionParams {
        continue_on_failure: Some(true),
        ..Default::default()
    })
    .poll(false);
    let done = Volume::delete_collection(&connect(&server), Query::new().filter("svm.name", "vs0"), options)
        .await
        .unwrap();
    assert_eq!(done.jobs().len(), 1);
    assert_eq!(done.num_records(), Some(1));
    assert!(done.jobs()[0].outcome.is_none(), "not waited for");
    // No job was read.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_bulk_query_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let conn = connect(&server);
    let err = Volume::delete_collection(&conn, Query::new(), CallOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(message) if message.contains("needs a query")),
        "{err}"
    );
    let changes = Volume {
        comment: Some("x".into()),
        ..Default::default()
    };
    let err = changes
        .patch_collection(&conn, Query::new(), CallOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    // Options of the request select nothing either.
    let err = Volume::delete_collection(
        &conn,
        Query::new().return_timeout(0).fields(["name"]),
        CallOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bulk_request_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/storage/volumes"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"error": {"message": "busy", "code": "2"}})))
        .mount(&server)
        .await;
    let err = Volume::delete_collection(
        &connect(&server),
        Query::new().filter("name", "x"),
        CallOptions::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_undecodable_bulk_answer_is_an_error_keeping_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/storage/volumes"))
        .respond_with(ResponseTemplate::new(202).set_body_raw("<html>proxy</html>", "text/html"))
        .mount(&server)
        .await;
    let err = Volume::delete_collection(
        &connect(&server),
        Query::new().filter("name", "x"),
        CallOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}
