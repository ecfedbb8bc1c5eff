//! Users' code in the request pipeline: interceptors on a connection and on a
//! handle (headers added, attempts and retries seen, a request refused unsent, a
//! login header refused, secrets masked), a transport of one's own, and the mock
//! transport driving typed calls (a POST through its job, a GET through a 503).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ontap::http;
use ontap::mock::{MockTransport, Reply};
use ontap::prelude::*;
use ontap::resources::{SoftwarePackageDownload, Volume};
use ontap::{
    AttemptOutcome, AttemptRequest, Body, BoxError, Error, ErrorKind, HostConnection, Interceptor, Query, RequestSpec,
    TransportError, Verb,
};
use serde_json::json;

/// Records each attempt it sees, adds a header to each, and refuses what its
/// `refuse` says.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
    bodies: Mutex<Vec<Option<String>>>,
    refuse: Option<&'static str>,
    set_header: Option<(&'static str, &'static str)>,
}

#[ontap::async_trait]
impl Interceptor for Recorder {
    async fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), BoxError> {
        assert!(
            request.headers().get("authorization").is_none(),
            "an interceptor never sees the login"
        );
        self.bodies.lock().unwrap().push(request.body_masked());
        let (name, value) = self.set_header.unwrap_or(("x-audit", "nightly"));
        request.headers_mut().insert(name, value.parse()?);
        if let Some(why) = self.refuse {
            return Err(why.into());
        }
        Ok(())
    }

    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        self.seen.lock().unwrap().push(format!(
            "{} {} #{} {}",
            outcome.method(),
            outcome.route(),
            outcome.attempt(),
            outcome.status().map_or("-".to_owned(), |s| s.as_u16().to_string())
        ));
    }
}

fn volume(uuid: &str) -> Volume {
    Volume {
        uuid: Some(uuid.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_interceptor_adds_a_header_to_every_attempt_and_sees_the_retries() {
    let mock = MockTransport::new();
    mock.on_resource::<Volume>(Verb::Get)
        .reply(Reply::error(503, "2", "busy"))
        .reply(Reply::ok(json!({"uuid": "v1", "name": "vol1"})));
    let recorder = Arc::new(Recorder::default());
    let conn = mock.connection_builder().interceptor(recorder.clone()).build().unwrap();

    let read = Volume::fetch(&conn, "v1").await.unwrap();
    assert_eq!(read.name.as_deref(), Some("vol1"));
    assert_eq!(
        *recorder.seen.lock().unwrap(),
        [
            "GET /storage/volumes/{uuid} #1 503",
            "GET /storage/volumes/{uuid} #2 200"
        ]
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.headers["x-audit"], "nightly");
        // The login is added after the interceptor, and sent.
        assert!(request.headers["authorization"].to_str().unwrap().starts_with("Basic "));
    }
}

#[tokio::test]
async fn an_interceptor_that_refuses_ends_the_request_typed_and_unsent() {
    let mock = MockTransport::new();
    mock.on_resource::<Volume>(Verb::Delete).reply(Reply::job("j1"));
    let recorder = Arc::new(Recorder {
        refuse: Some("outside the change window"),
        ..Default::default()
    });
    let conn = mock.connection_builder().interceptor(recorder.clone()).build().unwrap();

    let err = volume("v1").delete(&conn).await.unwrap_err();
    assert!(matches!(err, Error::Interceptor { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(err.to_string().contains("outside the change window"), "{err}");
    assert!(mock.requests().is_empty(), "nothing is sent");
    // Its after_attempt still sees the refusal, once: a refusal is not retried.
    assert_eq!(*recorder.seen.lock().unwrap(), ["DELETE /storage/volumes/{uuid} #1 -"]);
}

#[tokio::test]
async fn a_login_header_set_by_an_interceptor_is_refused() {
    let mock = MockTransport::new();
    mock.on(http::Method::GET, "/cluster")
        .reply(Reply::ok(json!({"name": "c1"})));
    let conn = mock.connection_builder().build().unwrap().with_interceptor(Recorder {
        set_header: Some(("authorization", "Basic c3RvbGVuOmNyZWRz")),
        ..Default::default()
    });
    let err = conn
        .execute(&RequestSpec::new(http::Method::GET, "/cluster", &Query::new()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("login header `authorization`"), "{err}");
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn a_post_that_fails_is_seen_once_whatever_the_interceptor() {
    let mock = MockTransport::new();
    mock.on_resource::<Volume>(Verb::Post)
        .reply(Reply::error(503, "2", "busy"));
    let recorder = Arc::new(Recorder::default());
    let conn = mock.connection().with_interceptor(recorder.clone());
    let mut vol = Volume {
        name: Some("vol1".into()),
        ..Default::default()
    };
    let err = vol.post(&conn).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(*recorder.seen.lock().unwrap(), ["POST /storage/volumes #1 503"]);
    assert_eq!(mock.requests().len(), 1, "a POST is never sent twice");
}

#[tokio::test]
async fn an_interceptor_reads_the_body_with_its_secrets_masked() {
    let mock = MockTransport::new();
    mock.on_resource::<SoftwarePackageDownload>(Verb::Post)
        .reply(Reply::json(201, json!({})));
    let recorder = Arc::new(Recorder::default());
    let conn = mock.connection().with_interceptor(recorder.clone());
    let mut download = SoftwarePackageDownload {
        url: Some("http://packages/ops.tgz".into()),
        username: Some("ops".into()),
        password: Some("Hunter2-very-secret".into()),
        ..Default::default()
    };
    download.post(&conn).await.unwrap();
    let bodies = recorder.bodies.lock().unwrap();
    let body = bodies[0].as_deref().expect("a JSON body");
    assert!(body.contains("\"ops\"") && !body.contains("Hunter2"), "{body}");
    // The transport itself got the real value.
    assert_eq!(mock.requests()[0].json().unwrap()["password"], "Hunter2-very-secret");
}

#[tokio::test]
async fn a_handles_interceptor_runs_for_that_handle_only() {
    let mock = MockTransport::new();
    mock.on(http::Method::GET, "/cluster")
        .reply(Reply::ok(json!({"name": "c1"})));
    let conn = mock.connection();
    let recorder = Arc::new(Recorder::default());
    let audited = conn.with_interceptor(recorder.clone());
    let spec = RequestSpec::new(http::Method::GET, "/cluster", &Query::new());
    conn.execute(&spec).await.unwrap();
    audited.execute(&spec).await.unwrap();
    assert_eq!(recorder.seen.lock().unwrap().len(), 1);
    let requests = mock.requests();
    assert!(requests[0].headers.get("x-audit").is_none());
    assert_eq!(requests[1].headers["x-audit"], "nightly");
}

#[tokio::test]
async fn the_mock_drives_a_post_through_its_job_to_success() {
    let mock = MockTransport::new();
    mock.on_resource::<Volume>(Verb::Post).reply(Reply::job("j1"));
    mock.job("j1")
        .running("Creating")
        .running("Creating")
        .success("Complete");
    let conn = mock.connection();
    let mut vol = Volume {
        name: Some("vol1".into()),
        ..Default::default()
    };
    let response = vol.post(&conn).await.unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let status = response.job_status().expect("the job's last state");
    assert_eq!(status.message.as_deref(), Some("Complete"));
    let requests = mock.requests();
    assert_eq!(requests[0].method, http::Method::POST);
    assert_eq!(requests[0].json().unwrap()["name"], "vol1");
    let job_reads = requests
        .iter()
        .filter(|r| r.path_and_query.starts_with("/cluster/jobs"))
        .count();
    assert_eq!(job_reads, 3, "{requests:?}");
}

#[tokio::test]
async fn the_mock_plays_a_failed_job_as_a_typed_error() {
    let mock = MockTransport::new();
    mock.on_resource::<Volume>(Verb::Delete).reply(Reply::job("j2"));
    mock.job("j2").failure(917_927, "volume is busy");
    let err = volume("v1").delete(&mock.connection()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Job);
    assert_eq!(err.ontap_code_number(), Some(917_927));
    assert_eq!(err.message(), Some("volume is busy"));
}

#[tokio::test]
async fn an_unmatched_request_is_a_transport_error_naming_it() {
    let mock = MockTransport::new();
    let err = Volume::fetch(&mock.connection(), "v9").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string().contains("no mock rule answers GET /storage/volumes/v9"),
        "{err}"
    );
    assert_eq!(mock.requests().len(), 1, "not retried: no connection failure");
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_read() {
    let mock = MockTransport::new();
    mock.on(http::Method::GET, "/cluster")
        .reply(Reply::refused())
        .reply(Reply::ok(json!({"name": "c1"})));
    let conn = mock.connection();
    let spec = RequestSpec::new(http::Method::GET, "/cluster", &Query::new());
    assert_eq!(conn.execute(&spec).await.unwrap().json().unwrap()["name"], "c1");
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn a_transport_of_ones_own_is_held_to_the_connections_limits() {
    // A transport that never answers: the connection's time-out ends the request.
    let conn = HostConnection::builder("cluster")
        .release(ontap::Release::new(9, 19, 1))
        .request_timeout(Duration::from_millis(100))
        .retry(ontap::RetryPolicy::none())
        .transport(|_request: http::Request<Body>| async {
            futures::future::pending::<Result<http::Response<Body>, TransportError>>().await
        })
        .build()
        .unwrap();
    let spec = RequestSpec::new(http::Method::GET, "/cluster", &Query::new());
    let err = tokio::time::timeout(Duration::from_secs(10), conn.execute(&spec))
        .await
        .expect("the request time-out ends it")
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // A body longer than the limit is refused, whoever sends it.
    let conn = HostConnection::builder("cluster")
        .max_body_bytes(16)
        .transport(|_request: http::Request<Body>| async {
            Ok::<_, TransportError>(http::Response::new(Body::from(vec![b' '; 64])))
        })
        .build()
        .unwrap();
    let err = conn.execute(&spec).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn settings_of_reqwests_connections_are_refused_with_a_transport() {
    let err = MockTransport::new()
        .connection_builder()
        .verify(false)
        .proxy("http://proxy.example.com:3128")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("verify, proxy"), "{text}");
    assert!(!text.contains("proxy.example.com"), "the proxy URL is a secret: {text}");
}
