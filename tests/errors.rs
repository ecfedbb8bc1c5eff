//! Error answers: ONTAP error bodies, bodies that are not ONTAP's, and retries.

mod common;

use common::mock::{Mock, MockServer, ResponseTemplate};
use common::mock::{method, path};
use common::{JOB_UUID, connect};
use ontap::prelude::*;
use ontap::resources::{Job, SoftwarePackageDownload};
use ontap::{CallOptions, Error};
use serde_json::json;

#[tokio::test]
async fn an_ontap_error_body_keeps_code_message_target_and_arguments() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/cluster/software/download"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "The value \"121\" is out of range.", "code": "262197", "target": "return_timeout",
            "arguments": [{"code": "1", "message": "121"}]
        }})))
        .mount(&server)
        .await;

    let mut download = SoftwarePackageDownload {
        url: Some("http://s/p".into()),
        ..Default::default()
    };
    let err = download
        .post_with(&connect(&server), CallOptions::default().return_timeout(121))
        .await
        .unwrap_err();
    let Error::Api {
        status,
        error,
        method,
        path,
        ..
    } = &err
    else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(*status, 400);
    assert_eq!(method, "POST");
    assert_eq!(path, "/cluster/software/download?return_timeout=121");
    assert_eq!(error.code_number(), Some(262197));
    assert_eq!(error.target.as_deref(), Some("return_timeout"));
    assert_eq!(error.arguments[0].message.as_deref(), Some("121"));
    assert_eq!(err.ontap_code(), Some("262197"));
}

#[tokio::test]
async fn a_401_without_a_body_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).insert_header("www-authenticate", "Basic realm=\"ontap\""))
        .mount(&server)
        .await;

    let err = SoftwarePackageDownload::default()
        .get(&connect(&server))
        .await
        .unwrap_err();
    let Error::Http { status, body, .. } = &err else {
        panic!("expected Http, got {err:?}")
    };
    assert_eq!(*status, 401);
    assert_eq!(body.len, 0);
    assert_eq!(
        err.to_string(),
        "GET /cluster/software/download: HTTP 401 Unauthorized (the credentials were refused): empty body"
    );
}

#[tokio::test]
async fn an_html_page_from_a_proxy_is_kept_as_text() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "x".repeat(5000)
    );
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page.clone(), "text/html"))
        .mount(&server)
        .await;

    let mut job = Job {
        uuid: Some(JOB_UUID.into()),
        ..Default::default()
    };
    let err = job.get(&connect(&server)).await.unwrap_err();
    let Error::Http { status, body, .. } = &err else {
        panic!("expected Http, got {err:?}")
    };
    assert_eq!(*status, 502);
    assert_eq!(body.content_type.as_deref(), Some("text/html"));
    assert_eq!(body.len, page.len());
    assert!(body.is_truncated());
    assert!(body.text.starts_with("<html><head><title>502 Bad Gateway"));
    let text = err.to_string();
    assert!(text.contains("HTTP 502 Bad Gateway: text/html body of"), "{text}");
    assert!(text.len() < 400, "the message stays short: {text}");
}

#[tokio::test]
async fn a_success_status_with_an_undecodable_body_keeps_the_raw_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"state\": \"running\", oops", "application/json"))
        .mount(&server)
        .await;

    let err = SoftwarePackageDownload::default()
        .get(&connect(&server))
        .await
        .unwrap_err();
    let Error::Decode { body, .. } = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!(body.text, "{\"state\": \"running\", oops");
}

#[tokio::test]
async fn a_wrongly_typed_field_is_a_decode_error_not_a_panic() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": "not a number"})))
        .mount(&server)
        .await;

    let err = SoftwarePackageDownload::default()
        .get(&connect(&server))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn a_get_is_retried_after_503_and_429() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "running"})))
        .mount(&server)
        .await;

    let mut status = SoftwarePackageDownload::default();
    status.get(&connect(&server)).await.expect("the third try succeeds");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let err = SoftwarePackageDownload::default()
        .get(&connect(&server))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(ontap::http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_post_is_never_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;

    let mut download = SoftwarePackageDownload {
        url: Some("http://s/p".into()),
        ..Default::default()
    };
    let err = download.post(&connect(&server)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    // Bind a port, then free it: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conn = ontap::HostConnection::builder("127.0.0.1")
        .port(port)
        .scheme(ontap::Scheme::Http)
        .build()
        .unwrap();
    let err = SoftwarePackageDownload::default().get(&conn).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}
