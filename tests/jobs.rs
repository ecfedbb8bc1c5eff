//! Waiting on jobs: every way a job can end, and every way ONTAP hands one back.

mod common;

use std::time::Duration;

use common::mock::{Mock, MockServer, ResponseTemplate};
use common::mock::{method, path};
use common::{JOB_UUID, connect, job_body, job_state};
use ontap::prelude::*;
use ontap::resources::SoftwarePackageDownload;
use ontap::{CallOptions, Error, JobLink, JobOutcome, JobState, PollOptions};
use serde_json::json;

fn download() -> SoftwarePackageDownload {
    SoftwarePackageDownload {
        url: Some("http://server/package".into()),
        ..Default::default()
    }
}

async fn answer_post(server: &MockServer, status: u16, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/api/cluster/software/download"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

async fn answer_job(server: &MockServer, uuid: &str, body: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{uuid}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_failed_job_is_an_error_with_ontaps_code_and_message() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    answer_job(
        &server,
        JOB_UUID,
        json!({
            "uuid": JOB_UUID, "state": "failure", "message": "Failed to download package", "code": 10551381,
            "error": {"message": "Package download failed: HTTP 404", "code": "10551381"}
        }),
    )
    .await;

    let err = download().post(&connect(&server)).await.unwrap_err();
    match &err {
        Error::JobFailed {
            uuid,
            code,
            message,
            status,
            ..
        } => {
            assert_eq!(uuid, JOB_UUID);
            assert_eq!(code.as_deref(), Some("10551381"));
            assert_eq!(message.as_deref(), Some("Package download failed: HTTP 404"));
            assert_eq!(status.state, Some(JobState::Failure));
        }
        other => panic!("expected JobFailed, got {other:?}"),
    }
    assert_eq!(err.ontap_code_number(), Some(10551381));
    assert_eq!(
        err.to_string(),
        format!("job {JOB_UUID} failed: Package download failed: HTTP 404 (code 10551381)")
    );
}

#[tokio::test]
async fn a_failed_job_without_an_error_object_keeps_its_integer_code() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    answer_job(
        &server,
        JOB_UUID,
        job_state(JOB_UUID, "failure", "Invalid URL", 10551885),
    )
    .await;

    let err = download().post(&connect(&server)).await.unwrap_err();
    assert_eq!(err.ontap_code(), Some("10551885"));
    assert!(err.to_string().contains("Invalid URL (code 10551885)"), "{err}");
}

#[tokio::test]
async fn a_job_that_outlasts_the_poll_timeout_reports_its_last_state() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    // Running with a non-zero code and a message that reads "complete": only
    // `state` says whether it has finished.
    answer_job(
        &server,
        JOB_UUID,
        job_state(JOB_UUID, "running", "Setup is complete", 2432849),
    )
    .await;

    let options = CallOptions::default()
        .poll_interval(Duration::from_millis(30))
        .poll_timeout(Duration::from_millis(200));
    let err = download().post_with(&connect(&server), options).await.unwrap_err();
    match &err {
        Error::PollTimeout { uuid, waited, last, .. } => {
            assert_eq!(uuid, JOB_UUID);
            assert!(*waited >= Duration::from_millis(200), "{waited:?}");
            let last = last.as_ref().expect("the job was read");
            assert_eq!(last.state, Some(JobState::Running));
            assert_eq!(last.message.as_deref(), Some("Setup is complete"));
        }
        other => panic!("expected PollTimeout, got {other:?}"),
    }
    assert!(
        err.to_string().contains("last state running: Setup is complete"),
        "{err}"
    );
    // The first poll, the polls every 30 ms, and one final poll at the
    // deadline: at least two, and never more than the interval allows.
    let polls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert!((2..=12).contains(&polls), "{polls} polls");
}

#[tokio::test]
async fn a_job_that_finishes_at_the_deadline_is_seen_by_the_final_check() {
    let server = MockServer::start().await;
    // The first poll sees it running; the next one sees success.
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_state(JOB_UUID, "running", "busy", 0)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer_job(&server, JOB_UUID, job_state(JOB_UUID, "success", "success", 0)).await;

    let link: JobLink = serde_json::from_value(job_body(JOB_UUID)["job"].clone()).unwrap();
    // The interval is far longer than the timeout: the wait sleeps only until
    // the deadline, checks once more there, and sees the success.
    let options = PollOptions::default()
        .interval(Duration::from_secs(30))
        .timeout(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let outcome = link.wait(&connect(&server), &options).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
    let job_reads = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.path.starts_with("/api/cluster/jobs/"))
        .count();
    assert_eq!(job_reads, 2);
}

#[tokio::test]
async fn paused_and_queued_are_not_final() {
    let server = MockServer::start().await;
    for state in ["queued", "paused", "running"] {
        Mock::given(method("GET"))
            .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(job_state(JOB_UUID, state, state, 0)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    answer_job(&server, JOB_UUID, job_state(JOB_UUID, "success", "success", 0)).await;

    let link: JobLink = serde_json::from_value(job_body(JOB_UUID)["job"].clone()).unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = PollOptions::default()
        .interval(Duration::from_millis(10))
        .on_progress(move |s| sink.lock().unwrap().push(s.state.clone().unwrap()));
    let outcome = link.wait(&connect(&server), &options).await.unwrap();
    assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![JobState::Queued, JobState::Paused, JobState::Running, JobState::Success]
    );
}

#[tokio::test]
async fn a_job_purged_while_polling_has_vanished() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(job_state(JOB_UUID, "running", "busy", 0)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}
        })))
        .mount(&server)
        .await;

    let err = download().post(&connect(&server)).await.unwrap_err();
    match &err {
        Error::JobVanished { uuid, last, .. } => {
            assert_eq!(uuid, JOB_UUID);
            assert_eq!(last.as_ref().and_then(|l| l.message.as_deref()), Some("busy"));
        }
        other => panic!("expected JobVanished, got {other:?}"),
    }
    assert!(err.to_string().contains("no longer exists"), "{err}");
}

#[tokio::test]
async fn a_201_with_a_job_body_exposes_the_job_and_waits_for_it() {
    let server = MockServer::start().await;
    answer_post(&server, 201, job_body(JOB_UUID)).await;
    answer_job(&server, JOB_UUID, job_state(JOB_UUID, "success", "success", 0)).await;

    let response = download()
        .post_with(&connect(&server), CallOptions::default().return_timeout(30))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.job().unwrap().uuid, JOB_UUID);
    assert_eq!(response.job_status().unwrap().state, Some(JobState::Success));
}

#[tokio::test]
async fn a_202_without_links_is_polled_at_the_default_job_path() {
    let server = MockServer::start().await;
    let uuid = "0b2c1a7e-0000-4000-8000-000000000001";
    answer_post(&server, 202, json!({"job": {"uuid": uuid}})).await;
    answer_job(&server, uuid, job_state(uuid, "success", "success", 0)).await;

    let response = download().post(&connect(&server)).await.unwrap();
    let job = response.job().unwrap();
    assert_eq!(job.href(), format!("/api/cluster/jobs/{uuid}"));
    assert_eq!(response.job_status().unwrap().state, Some(JobState::Success));
}

#[tokio::test]
async fn with_poll_off_the_job_is_returned_unwaited() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;

    let response = download()
        .post_with(&connect(&server), CallOptions::default().poll(false))
        .await
        .unwrap();
    assert_eq!(response.job().unwrap().uuid, JOB_UUID);
    assert!(response.job_status().is_none());
    let gets = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(gets, 0);
}

#[tokio::test]
async fn a_job_that_cannot_be_read_is_an_error_that_names_it() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "internal", "code": "8"}})))
        .mount(&server)
        .await;

    let err = download().post(&connect(&server)).await.unwrap_err();
    let Error::Polling { uuid, source, .. } = &err else {
        panic!("expected Polling, got {err:?}")
    };
    assert_eq!(uuid, JOB_UUID);
    assert_eq!(source.status().map(|s| s.as_u16()), Some(500));
    assert!(
        err.to_string()
            .starts_with(&format!("job {JOB_UUID} was started, but reading its state failed"))
    );
}

#[tokio::test]
async fn dropping_the_wait_stops_the_polls() {
    let server = MockServer::start().await;
    answer_post(&server, 202, job_body(JOB_UUID)).await;
    answer_job(&server, JOB_UUID, job_state(JOB_UUID, "running", "busy", 0)).await;

    let conn = connect(&server);
    let options = CallOptions::default().poll_interval(Duration::from_millis(10));
    let mut d = download();
    let waited = tokio::time::timeout(Duration::from_millis(150), d.post_with(&conn, options)).await;
    assert!(waited.is_err(), "the job never ends, so the wait was cut short");
    let polls = || async { server.received_requests().await.unwrap().len() };
    // A request already on the wire when the future was dropped may still
    // arrive; after that, nothing more comes (polling would add about 30).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after_drop = polls().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(polls().await, after_drop, "no poll after the future was dropped");
}
