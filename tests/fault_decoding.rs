//! Success statuses whose bodies cannot be read, and error bodies that are
//! ONTAP's but not in the expected shape, produced by the simulator's faults.
//!
//! A 2xx answer to a POST, PATCH or DELETE whose body cannot be read is an
//! `Error::Decode` keeping the raw body: "no job" must not read as "done".
//! An empty body is a success without a job; a 202 always names a job.
//! ONTAP's error code is read as a string or a number; a collection page
//! without `records` is an error, not an empty page.

mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{SvmReference, Volume};
use ontap::{ApiError, CallOptions, Error, HostConnection, JobState, Query};
use ontap_sim::{Fault, Simulator};
use serde_json::json;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

/// A simulator and a connection that has read its release already, so that the
/// request log holds only what each test sends.
async fn start() -> (Simulator, HostConnection) {
    let (sim, conn) = common::simulated(Simulator::builder()).await;
    conn.release().await;
    sim.clear_requests();
    (sim, conn)
}

fn vs0() -> Option<SvmReference> {
    Some(SvmReference {
        name: Some("vs0".into()),
        ..Default::default()
    })
}

/// A new volume, to POST.
fn new_volume() -> Volume {
    Volume {
        name: Some("vol_fault".into()),
        svm: vs0(),
        size: Some(1 << 30),
        ..Default::default()
    }
}

/// A volume by its key, to PATCH or DELETE (the fault answers before the
/// router, so it need not exist).
fn keyed_volume() -> Volume {
    Volume {
        uuid: Some("0b9e7a43-5f1b-11e8-b0e0-005056956dfc".into()),
        comment: Some("changed".into()),
        ..Default::default()
    }
}

/// Sends `verb` on a volume, waiting for its job when `poll`.
async fn write(conn: &HostConnection, verb: &str, poll: bool) -> Result<ontap::Response, Error> {
    match verb {
        "POST" => new_volume().post_with(conn, CallOptions::default().poll(poll)).await,
        "PATCH" => keyed_volume().patch_with(conn, CallOptions::default().poll(poll)).await,
        "DELETE" => {
            keyed_volume()
                .delete_with(conn, CallOptions::default().poll(poll))
                .await
        }
        other => unreachable!("{other}"),
    }
}

/// The bodies no ONTAP sends with a success: cut short, malformed, a
/// proxy's page, bytes that are not UTF-8, JSON that is not an object.
fn undecodable_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "truncated",
            "application/hal+json",
            br#"{"job": {"uuid": "f587d316-5feb-11e8-b0e0-005056956dfc", "_li"#.to_vec(),
        ),
        (
            "malformed",
            "application/json",
            br#"{"job": {"uuid": "u1",, }}"#.to_vec(),
        ),
        (
            "html",
            "text/html",
            b"<html><head><title>200 OK</title></head><body>Proxy login</body></html>".to_vec(),
        ),
        (
            "not utf-8",
            "application/json",
            b"{\"job\": \"\xff\xfe\xc3\x28\"}".to_vec(),
        ),
        ("an array", "application/json", b"[]".to_vec()),
        ("null", "application/json", b"null".to_vec()),
        ("a string", "application/json", br#""accepted""#.to_vec()),
        (
            "a job that is no link",
            "application/json",
            br#"{"job": "f587d316"}"#.to_vec(),
        ),
    ]
}

#[tokio::test]
async fn an_undecodable_success_to_a_write_is_a_decode_error_keeping_the_body() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for verb in ["POST", "PATCH", "DELETE"] {
            for status in [200, 201, 202] {
                for (what, content_type, body) in undecodable_bodies() {
                    for poll in [true, false] {
                        sim.inject(
                            Fault::status(status)
                                .raw_body(content_type, body.clone())
                                .path("/api/storage/volumes")
                                .method(verb)
                                .times(1),
                        );
                        let result = write(&conn, verb, poll).await;
                        let context = format!("{verb} answered {status} with {what} (poll {poll})");
                        let err = match result {
                            Ok(response) => panic!("{context}: taken for success: {response:?}"),
                            Err(err) => err,
                        };
                        let Error::Decode {
                            status: got, body: raw, ..
                        } = &err
                        else {
                            panic!("{context}: expected Decode, got {err:?}")
                        };
                        assert_eq!(got.as_u16(), status, "{context}");
                        assert_eq!(raw.len, body.len(), "{context}");
                        assert_eq!(raw.content_type.as_deref(), Some(content_type), "{context}");
                        assert_eq!(raw.text, String::from_utf8_lossy(&body), "{context}");
                    }
                }
            }
        }
        // Every request was answered by a fault: none was sent twice, and
        // no job was polled.
        let requests = sim.requests();
        assert!(requests.iter().all(|r| r.method != "GET"), "{requests:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_truncated_answer_to_a_post_that_started_a_job_is_not_taken_for_done() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        // The simulator creates the volume and starts its job, then cuts
        // the body in half.
        sim.inject(
            Fault::truncate_body()
                .path("/api/storage/volumes")
                .method("POST")
                .times(1),
        );
        let mut volume = new_volume();
        // Not held: the answer comes while the job runs.
        let options = CallOptions::default().return_timeout(0);
        let err = volume.post_with(&conn, options).await.unwrap_err();
        let Error::Decode { status, body, .. } = &err else {
            panic!("expected Decode, got {err:?}")
        };
        assert_eq!(status.as_u16(), 202);
        assert!(body.text.starts_with('{'), "the half body is kept: {body}");
        assert!(body.len > 0);
        assert!(err.to_string().contains("could not decode the body"), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_empty_success_is_a_success_without_a_job() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for verb in ["POST", "PATCH", "DELETE"] {
            for status in [200, 201] {
                for body in ["", "  \r\n"] {
                    sim.inject(
                        Fault::status(status)
                            .raw_body("application/json", body)
                            .path("/api/storage/volumes")
                            .method(verb)
                            .times(1),
                    );
                    let response = write(&conn, verb, true)
                        .await
                        .unwrap_or_else(|err| panic!("{verb} answered {status} {body:?}: {err:?}"));
                    assert_eq!(response.status().as_u16(), status);
                    assert!(response.job().is_none());
                    assert!(response.started_job().unwrap().is_none());
                    assert!(response.job_status().is_none());
                }
            }
        }
        // A 200 with an object that names no job is a success too.
        sim.inject(
            Fault::status(200)
                .raw_body("application/hal+json", r#"{"num_records": 1}"#)
                .path("/api/storage/volumes")
                .method("PATCH")
                .times(1),
        );
        let response = write(&conn, "PATCH", true).await.unwrap();
        assert!(response.started_job().unwrap().is_none());
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_202_without_a_job_is_an_error() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for verb in ["POST", "PATCH", "DELETE"] {
            for body in ["", "{}", r#"{"num_records": 1}"#, r#"{"job": {"uuid": ""}}"#] {
                sim.inject(
                    Fault::status(202)
                        .raw_body("application/hal+json", body)
                        .path("/api/storage/volumes")
                        .method(verb)
                        .times(1),
                );
                let err = write(&conn, verb, false)
                    .await
                    .expect_err(&format!("{verb} answered 202 {body:?}"));
                assert!(
                    matches!(&err, Error::Decode { status, .. } if *status == 202),
                    "{err:?}"
                );
                assert!(err.to_string().contains("202"), "{err}");
            }
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_job_whose_uuid_is_a_dot_segment_is_not_polled_elsewhere() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for uuid in ["..", "."] {
            sim.inject(
                Fault::status(202)
                    .raw_body("application/hal+json", json!({"job": {"uuid": uuid}}).to_string())
                    .path("/api/storage/volumes")
                    .method("DELETE")
                    .times(1),
            );
            sim.clear_requests();
            let err = write(&conn, "DELETE", true).await.unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "{err:?}");
            assert!(
                sim.requests().iter().all(|r| r.method == "DELETE"),
                "no poll was sent: {:?}",
                sim.requests()
            );
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_post_whose_records_do_not_decode_is_an_error() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        let body = json!({"num_records": 1, "records": [{"name": "vol_fault", "size": "not a number"}]}).to_string();
        sim.inject(
            Fault::status(201)
                .raw_body("application/hal+json", body.clone())
                .path("/api/storage/volumes")
                .method("POST")
                .times(1),
        );
        let mut volume = new_volume();
        let err = volume.post(&conn).await.unwrap_err();
        let Error::Decode { body: raw, .. } = &err else {
            panic!("expected Decode, got {err:?}")
        };
        assert_eq!(raw.text, body);
        assert_eq!(volume.uuid, None);

        // A record that decodes is merged, as before.
        sim.inject(
            Fault::status(201)
                .raw_body(
                    "application/hal+json",
                    json!({"num_records": 1, "records": [{"uuid": "u-1", "name": "vol_fault"}]}).to_string(),
                )
                .path("/api/storage/volumes")
                .method("POST")
                .times(1),
        );
        let mut volume = new_volume();
        volume.post(&conn).await.unwrap();
        assert_eq!(volume.uuid.as_deref(), Some("u-1"));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_real_flow_still_waits_for_its_jobs() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = start().await;
        let mut volume = new_volume();
        let created = volume.post(&conn).await.unwrap();
        assert_eq!(created.job_status().unwrap().state, Some(JobState::Success));
        assert!(created.started_job().unwrap().is_some());
        let deleted = volume.delete(&conn).await.unwrap();
        assert_eq!(deleted.job_status().unwrap().state, Some(JobState::Success));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_bulk_answer_that_names_no_job_or_is_no_object_is_an_error() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for (status, body) in [(202, r#"{"num_records": 2}"#), (202, ""), (200, "[]"), (202, "[]")] {
            sim.inject(
                Fault::status(status)
                    .raw_body("application/hal+json", body)
                    .path("/api/storage/volumes")
                    .method("DELETE")
                    .times(1),
            );
            let err = Volume::delete_collection(&conn, Query::new().filter("name", "vol_*"), CallOptions::default())
                .await
                .expect_err(&format!("{status} {body:?}"));
            assert!(matches!(err, Error::Decode { .. }), "{status} {body:?}: {err:?}");
        }
        // A 200 that selected nothing names no job, and is a success.
        sim.inject(
            Fault::status(200)
                .raw_body("application/hal+json", r#"{"num_records": 0}"#)
                .path("/api/storage/volumes")
                .method("DELETE")
                .times(1),
        );
        let done = Volume::delete_collection(&conn, Query::new().filter("name", "vol_*"), CallOptions::default())
            .await
            .unwrap();
        assert!(done.jobs().is_empty());
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_numeric_error_code_keeps_ontaps_code() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        let body = json!({"error": {
            "message": "entry doesn't exist", "code": 4, "target": "uuid",
            "arguments": [{"code": 917927, "message": "uuid"}]
        }});
        sim.inject(
            Fault::status(404)
                .raw_body("application/hal+json", body.to_string())
                .path("/api/storage/volumes")
                .times(1),
        );
        let err = keyed_volume().get(&conn).await.unwrap_err();
        let Error::Api { status, error, .. } = &err else {
            panic!("expected Api, got {err:?}")
        };
        assert_eq!(status.as_u16(), 404);
        assert_eq!(error.code.as_deref(), Some("4"));
        assert_eq!(error.target.as_deref(), Some("uuid"));
        assert_eq!(error.arguments[0].code.as_deref(), Some("917927"));
        assert_eq!(err.ontap_code(), Some("4"));
        assert_eq!(err.ontap_code_number(), Some(4));
        // A 404 with ONTAP's body is still "not found" for get_opt.
        sim.inject(
            Fault::status(404)
                .raw_body("application/hal+json", body.to_string())
                .path("/api/storage/volumes")
                .times(1),
        );
        assert!(keyed_volume().get_opt(&conn).await.unwrap().is_none());
    })
    .await
    .unwrap();
}

#[test]
fn an_error_code_reads_as_a_string_or_a_number() {
    let read = |code: serde_json::Value| {
        serde_json::from_value::<ApiError>(json!({"message": "m", "code": code})).map(|error| error.code)
    };
    assert_eq!(read(json!("262197")).unwrap().as_deref(), Some("262197"));
    assert_eq!(read(json!(262197)).unwrap().as_deref(), Some("262197"));
    assert_eq!(read(json!(4.0)).unwrap().as_deref(), Some("4"));
    assert_eq!(read(json!(-1)).unwrap().as_deref(), Some("-1"));
    assert_eq!(read(json!(u64::MAX)).unwrap().as_deref(), Some("18446744073709551615"));
    assert_eq!(read(json!(null)).unwrap(), None);
    assert!(read(json!(true)).is_err());
    assert!(read(json!({"value": 4})).is_err());
    let missing: ApiError = serde_json::from_str(r#"{"message": "m"}"#).unwrap();
    assert_eq!(missing.code, None);
    // From bytes too (the client reads bodies so).
    let error: ApiError = serde_json::from_slice(br#"{"code": 2, "message": "m"}"#).unwrap();
    assert_eq!(error.code_number(), Some(2));
    assert_eq!(error.to_string(), "m (code 2)");
}

#[tokio::test]
async fn a_collection_page_without_records_is_a_decode_error() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for body in [r#"{"num_records": 3}"#, r#"{"records": null, "num_records": 0}"#, "{}"] {
            sim.inject(
                Fault::status(200)
                    .raw_body("application/hal+json", body)
                    .path("/api/storage/volumes")
                    .method("GET")
                    .times(1),
            );
            let err = Volume::get_collection(&conn, Query::new())
                .try_collect::<Vec<_>>()
                .await
                .expect_err(body);
            let Error::Decode { body: raw, .. } = &err else {
                panic!("{body}: expected Decode, got {err:?}")
            };
            assert_eq!(raw.text, body);
            assert!(err.to_string().contains("records"), "{err}");
        }
        // An empty page with `records: []` is an empty collection.
        sim.inject(
            Fault::status(200)
                .raw_body("application/hal+json", r#"{"records": [], "num_records": 0}"#)
                .path("/api/storage/volumes")
                .method("GET")
                .times(1),
        );
        let none: Vec<Volume> = Volume::get_collection(&conn, Query::new()).try_collect().await.unwrap();
        assert!(none.is_empty());
        // With `return_records=false`, ONTAP sends no records, as asked.
        let none: Vec<Volume> = Volume::get_collection(&conn, Query::new().return_records(false))
            .try_collect()
            .await
            .unwrap();
        assert!(none.is_empty());
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_job_error_with_a_numeric_code_keeps_it() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        let uuid = "5e4c7a43-5f1b-11e8-b0e0-005056956dfc";
        sim.inject(
            Fault::status(202)
                .raw_body("application/hal+json", json!({"job": {"uuid": uuid}}).to_string())
                .path("/api/storage/volumes")
                .method("POST")
                .times(1),
        );
        sim.inject(
            Fault::status(200)
                .raw_body(
                    "application/hal+json",
                    json!({"uuid": uuid, "state": "failure", "message": "volume is busy", "code": 917536,
                           "error": {"message": "volume is busy", "code": 917536}})
                    .to_string(),
                )
                .path(format!("/api/cluster/jobs/{uuid}"))
                .method("GET")
                .times(1),
        );
        let err = new_volume().post(&conn).await.unwrap_err();
        assert!(matches!(&err, Error::JobFailed { .. }), "{err:?}");
        assert_eq!(err.ontap_code(), Some("917536"));
    })
    .await
    .unwrap();
}

/// A collection's records are decoded as they are taken: those before a record that
/// cannot be read arrive, then its error (keeping the page's body), then the end;
/// the next page is not read.
#[tokio::test]
async fn a_record_that_cannot_be_read_ends_the_stream_after_the_ones_before_it() {
    use ontap::mock::{MockTransport, Reply};
    let mock = MockTransport::new();
    mock.on(ontap::http::Method::GET, "/storage/volumes")
        .reply(Reply::ok(json!({
            "records": [{"uuid": "a"}, {"uuid": "b"}, {"uuid": 5}, {"uuid": "d"}],
            "num_records": 4,
            "_links": {"next": {"href": "/api/storage/volumes?start.uuid=d"}}
        })));
    let mut volumes = Volume::get_collection(&mock.connection(), Query::new());
    let mut read = Vec::new();
    let err = loop {
        match volumes.try_next().await {
            Ok(Some(volume)) => read.push(volume.uuid.unwrap()),
            Ok(None) => panic!("the stream ended without the error"),
            Err(err) => break err,
        }
    };
    assert_eq!(read, ["a", "b"]);
    assert!(matches!(&err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid type: integer `5`"), "{err}");
    assert!(
        volumes.try_next().await.unwrap().is_none(),
        "the stream ends after the error"
    );
    // The page after it was asked for ahead, but its records are not read: one rule
    // answered both requests at most.
    assert!(mock.requests().len() <= 2);
}
