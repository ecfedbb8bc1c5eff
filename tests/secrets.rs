//! The password never shows: not in Debug, Display, errors, nor logs.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::mock::{Mock, MockServer, ResponseTemplate};
use common::mock::{body_json, method, path};
use common::{JOB_UUID, PASSWORD, connect, job_body};
use ontap::Secret;
use ontap::prelude::*;
use ontap::resources::SoftwarePackageDownload;
use serde_json::json;

/// Collects everything a tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Everything this thread logs, at every level, until the guard drops.
fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[test]
fn debug_and_display_mask_the_password() {
    let download = SoftwarePackageDownload {
        url: Some("http://server/package".into()),
        username: Some("admin".into()),
        password: Some(PASSWORD.into()),
        ..Default::default()
    };
    let display = download.to_string();
    let debug = format!("{download:?} {download:#?}");
    assert_eq!(
        display,
        r#"SoftwarePackageDownload({"password": "*********", "url": "http://server/package", "username": "admin"})"#
    );
    assert!(!debug.contains(PASSWORD), "{debug}");
    assert!(debug.contains("*********"));
    let secret = Secret::from(PASSWORD);
    assert_eq!(format!("{secret} {secret:?}"), "********* *********");
    // The connection does not print its credentials either.
    let conn = ontap::HostConnection::builder("cluster")
        .basic_auth("admin", PASSWORD)
        .build()
        .unwrap();
    assert!(!format!("{conn:?}").contains(PASSWORD));
}

#[tokio::test]
async fn the_password_reaches_the_body_and_nothing_else() {
    let (captured, _guard) = capture_logs();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/cluster/software/download"))
        .and(body_json(
            json!({"url": "http://server/package", "username": "admin", "password": PASSWORD}),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(job_body(JOB_UUID)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/cluster/jobs/{JOB_UUID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uuid": JOB_UUID, "state": "failure", "message": "Failed to download the package", "code": 10551381,
            "error": {"message": "Failed to download the package", "code": "10551381"}
        })))
        .mount(&server)
        .await;

    let mut download = SoftwarePackageDownload {
        url: Some("http://server/package".into()),
        username: Some("admin".into()),
        password: Some(PASSWORD.into()),
        ..Default::default()
    };
    let err = download.post(&connect(&server)).await.unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("POST") && logs.contains("/cluster/software/download"),
        "requests are logged: {logs}"
    );
    assert!(logs.contains("status=202"), "{logs}");
    assert!(!logs.contains("Basic "), "no Authorization header in logs: {logs}");
    for text in [
        logs,
        err.to_string(),
        format!("{err:?}"),
        download.to_string(),
        format!("{download:?}"),
    ] {
        assert!(!text.contains(PASSWORD), "the password leaked into: {text}");
    }
}

#[tokio::test]
async fn tokens_and_keys_never_show_in_errors_debug_or_logs() {
    let (captured, _guard) = capture_logs();

    // A key to log in with, from a simulator's CA.
    let sim = ontap_sim::Simulator::builder()
        .client_certificate_login(true)
        .start()
        .await
        .unwrap();
    let identity = sim.issue_client_certificate("admin").unwrap();
    let key_body = identity
        .private_key_pem
        .lines()
        .nth(1)
        .expect("a PEM body line")
        .to_owned();

    const FIXED: &str = "fixed-token-eyJhbGciOiJSUzI1NiJ9";
    const PROVIDED: &str = "provided-token-eyJhbGciOiJFUzI1NiJ9";
    const BY_HAND: &str = "by-hand-token-eyJhbGciOiJQUzI1NiJ9";
    let tokens = [FIXED, PROVIDED, BY_HAND];
    let server = MockServer::start().await;
    // A server that echoes each connection's token, in an error and in an
    // answer that is not JSON.
    for (i, token) in tokens.iter().enumerate() {
        let echo = format!("refused: Bearer {token}");
        Mock::given(method("GET"))
            .and(path(format!("/api/error{i}")))
            .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": echo, "code": "1"}})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/api/page{i}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(format!("<html>{echo}</html>"), "text/html"))
            .mount(&server)
            .await;
    }

    let addr = *server.address();
    let builder = || {
        ontap::HostConnection::builder(addr.ip().to_string())
            .port(addr.port())
            .scheme(ontap::Scheme::Http)
            .retry(ontap::RetryPolicy::none())
    };
    let connections = [
        builder().bearer_token(FIXED).build().unwrap(),
        builder()
            .token_provider(|| async { Ok(ontap::Token::new(PROVIDED)) })
            .build()
            .unwrap(),
        builder()
            .header("Authorization", format!("Bearer {BY_HAND}"))
            .client_certificate_pem(identity.certificate_pem.clone(), identity.private_key_pem.clone())
            .build()
            .unwrap(),
    ];
    let mut outputs = Vec::new();
    for (i, conn) in connections.iter().enumerate() {
        outputs.push(format!("{conn:?}"));
        for path in [format!("/error{i}"), format!("/page{i}")] {
            let spec = ontap::RequestSpec::new(ontap::http::Method::GET, &path, &ontap::Query::new());
            let err = conn
                .execute(&spec)
                .await
                .and_then(|r| r.decode::<serde_json::Value>())
                .unwrap_err();
            outputs.push(format!("{err} {err:?}"));
        }
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("response body"),
        "bodies are logged at trace level: {logs}"
    );
    outputs.push(logs);
    for text in &outputs {
        for secret in tokens.iter().copied().chain([key_body.as_str()]) {
            assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
        }
    }
    assert!(
        outputs.iter().any(|text| text.contains(ontap::MASK)),
        "the echoes show masked"
    );
}
