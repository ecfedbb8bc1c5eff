//! The three flows of NetApp's software-download page, against a scripted
//! server: start the download, read the job, read the download status.

mod common;

use common::mock::{Mock, MockServer, ResponseTemplate};
use common::mock::{body_json, header, method, path, query_param};
use common::{JOB_UUID, PASSWORD, connect, job_body};
use ontap::prelude::*;
use ontap::resources::{DownloadState, Job, SoftwarePackageDownload};
use ontap::{CallOptions, JobState};
use serde_json::json;

#[tokio::test]
async fn start_the_download_with_hydrate_and_return_timeout_zero() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/cluster/software/download"))
        .and(query_param("return_timeout", "0"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"url": "http://server/package", "username": "admin", "password": PASSWORD}),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(job_body(JOB_UUID)))
        .expect(1)
        .mount(&server)
        .await;
    // The job runs for two polls, then succeeds.
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .and(query_param("fields", "state,message,code,error"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uuid": JOB_UUID, "state": "running", "message": "Package download in progress", "code": 10551382
        })))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .and(query_param("fields", "state,message,code,error"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uuid": JOB_UUID, "state": "success", "message": "success", "code": 0
        })))
        .expect(1)
        .mount(&server)
        .await;
    // Hydrate reads the download status once the job has finished.
    Mock::given(method("GET"))
        .and(path("/api/cluster/software/download"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "state": "success", "message": "Package download completed", "code": 0,
            "_links": {"self": {"href": "/api/cluster/software/download"}}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let conn = connect(&server);
    let mut download = SoftwarePackageDownload {
        url: Some("http://server/package".into()),
        username: Some("admin".into()),
        password: Some(PASSWORD.into()),
        ..Default::default()
    };
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let response = download
        .post_with(
            &conn,
            CallOptions::default()
                .hydrate(true)
                .return_timeout(0)
                .on_progress(move |status| {
                    seen.lock().unwrap().push(status.state.clone());
                }),
        )
        .await
        .expect("the download succeeds");

    assert_eq!(response.status(), 202);
    assert_eq!(response.job().map(|j| j.uuid.as_str()), Some(JOB_UUID));
    assert_eq!(
        response.job_status().and_then(|s| s.state.clone()),
        Some(JobState::Success)
    );
    // Progress is reported once per change, not once per poll.
    assert_eq!(
        *progress.lock().unwrap(),
        vec![Some(JobState::Running), Some(JobState::Success)]
    );
    assert_eq!(download.state, Some(DownloadState::Success));
    assert_eq!(
        download.to_string(),
        r#"SoftwarePackageDownload({"_links": {"self": {"href": "/api/cluster/software/download"}}, "code": 0, "message": "Package download completed", "password": "*********", "state": "success", "url": "http://server/package", "username": "admin"})"#
    );

    // Every request names the client, asks for HAL, and authenticates.
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers["accept"], "application/hal+json");
        assert!(
            request.headers["x-dot-client-app"]
                .to_str()
                .unwrap()
                .starts_with("ontap-rs/")
        );
        assert!(request.headers["authorization"].to_str().unwrap().starts_with("Basic "));
    }
}

#[tokio::test]
async fn read_the_job_by_uuid() {
    let server = MockServer::start().await;
    // The body of NetApp's documentation, verbatim.
    let body = include_str!("fixtures/sw_download_job_get_success.json");
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/hal+json"))
        .expect(1)
        .mount(&server)
        .await;

    let conn = connect(&server);
    let mut job = Job {
        uuid: Some(JOB_UUID.into()),
        ..Default::default()
    };
    job.get(&conn).await.expect("the job is read");

    assert_eq!(job.state, Some(JobState::Success));
    assert_eq!(job.code, Some(0));
    assert_eq!(job.description.as_deref(), Some("POST /api/cluster/software/download"));
    assert_eq!(
        job.to_string(),
        format!(
            r#"Job({{"_links": {{"self": {{"href": "/api/cluster/jobs/{JOB_UUID}"}}}}, "code": 0, "description": "POST /api/cluster/software/download", "message": "success", "state": "success", "uuid": "{JOB_UUID}"}})"#
        )
    );
}

#[tokio::test]
async fn read_the_download_status() {
    let server = MockServer::start().await;
    let body = include_str!("fixtures/sw_download_get_running.json");
    Mock::given(method("GET"))
        .and(path("/api/cluster/software/download"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/hal+json"))
        .expect(1)
        .mount(&server)
        .await;

    let conn = connect(&server);
    let mut status = SoftwarePackageDownload::default();
    status.get(&conn).await.expect("the status is read");

    assert_eq!(status.state, Some(DownloadState::Running));
    assert_eq!(status.code, Some(10551382));
    assert_eq!(
        status.to_string(),
        r#"SoftwarePackageDownload({"_links": {"self": {"href": "/api/cluster/software/download"}}, "code": 10551382, "message": "Package download in progress", "state": "running"})"#
    );
}

#[tokio::test]
async fn an_unknown_state_from_a_newer_release_still_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/cluster/software/download"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "state": "verifying", "message": "Checking the package", "code": 1, "new_field": [1, 2]
        })))
        .mount(&server)
        .await;

    let conn = connect(&server);
    let mut status = SoftwarePackageDownload::default();
    status.get(&conn).await.expect("an unknown state is kept, not refused");
    assert_eq!(status.state, Some(DownloadState::Unknown("verifying".into())));
    assert_eq!(status.state.unwrap().to_string(), "verifying");
}
