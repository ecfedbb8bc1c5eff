//! Logins, TLS, the retry policy, time-outs and spans, against the simulator.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::volume;
use ontap::prelude::*;
use ontap::resources::Volume;
use ontap::{Error, HostConnection, HostConnectionBuilder, Query, RequestSpec, RetryPolicy, Token, http::Method};
use ontap_sim::{Fault, Login, RecordedRequest, Simulator};

const LIMIT: Duration = Duration::from_secs(60);

async fn tls_sim(settings: impl FnOnce(ontap_sim::SimulatorBuilder) -> ontap_sim::SimulatorBuilder) -> Simulator {
    settings(Simulator::builder().job_duration(Duration::from_millis(20)))
        .start()
        .await
        .expect("the simulator starts")
}

async fn http_sim() -> Simulator {
    Simulator::builder()
        .tls(false)
        .job_duration(Duration::from_millis(20))
        .start()
        .await
        .expect("the simulator starts")
}

/// A connection to `sim` without a login; `settings` adds one.
fn to(sim: &Simulator, settings: impl FnOnce(HostConnectionBuilder) -> HostConnectionBuilder) -> HostConnection {
    let addr = sim.addr();
    let scheme = if sim.certificate_pem().is_some() {
        ontap::Scheme::Https
    } else {
        ontap::Scheme::Http
    };
    let builder = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(scheme)
        .poll_interval(Duration::from_millis(20));
    settings(builder).build().expect("the connection builds")
}

fn trusting(sim: &Simulator) -> impl FnOnce(HostConnectionBuilder) -> HostConnectionBuilder + '_ {
    move |b| b.add_root_certificate_pem(sim.certificate_pem().unwrap())
}

async fn cluster(conn: &HostConnection) -> Result<ontap::Response, Error> {
    conn.execute(&RequestSpec::new(Method::GET, "/cluster", &Query::new()))
        .await
}

fn last_api(sim: &Simulator) -> RecordedRequest {
    sim.requests()
        .into_iter()
        .rfind(|r| r.path.starts_with("/api/"))
        .expect("a request reached the simulator")
}

/// The whole chain of an error, for what it says.
fn chain(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(" / ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn basic_login_works_and_a_wrong_password_is_refused() {
    tokio::time::timeout(LIMIT, async {
        let sim = tls_sim(|b| b).await;
        let conn = to(&sim, |b| trusting(&sim)(b).basic_auth(sim.username(), sim.password()));
        assert_eq!(cluster(&conn).await.unwrap().status().as_u16(), 200);
        assert_eq!(last_api(&sim).auth, Some(Login::Basic));

        let wrong = to(&sim, |b| {
            trusting(&sim)(b).basic_auth(sim.username(), "not-the-password")
        });
        let err = cluster(&wrong).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
        assert!(!chain(&err).contains("not-the-password"));

        // One login method per connection.
        let addr = sim.addr();
        let err = HostConnection::builder(addr.ip().to_string())
            .basic_auth("admin", "pw")
            .bearer_token("t")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("one login method"), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_client_certificate_logs_in_without_a_password_and_others_are_refused() {
    tokio::time::timeout(LIMIT, async {
        let sim = tls_sim(|b| b.client_certificate_login(true)).await;
        let admin = sim.issue_client_certificate(sim.username()).unwrap();
        let conn = to(&sim, |b| {
            trusting(&sim)(b).client_certificate_pem(admin.certificate_pem.clone(), admin.private_key_pem.clone())
        });
        assert_eq!(cluster(&conn).await.unwrap().status().as_u16(), 200);
        assert_eq!(
            last_api(&sim).auth,
            Some(Login::Certificate {
                user: sim.username().to_owned()
            })
        );
        assert!(!format!("{conn:?}").contains("PRIVATE KEY"));

        // A certificate of an account the cluster does not have: 401.
        let stranger = sim.issue_client_certificate("intruder").unwrap();
        let refused = to(&sim, |b| {
            trusting(&sim)(b).client_certificate_pem(stranger.certificate_pem, stranger.private_key_pem)
        });
        let err = cluster(&refused).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");

        // A certificate from a CA the cluster does not trust: no handshake.
        let other = tls_sim(|b| b.client_certificate_login(true)).await;
        let foreign = other.issue_client_certificate(sim.username()).unwrap();
        let untrusted = to(&sim, |b| {
            trusting(&sim)(b).client_certificate_pem(foreign.certificate_pem, foreign.private_key_pem.clone())
        });
        let err = cluster(&untrusted).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(!chain(&err).contains(&foreign.private_key_pem));

        // A key that is not a key is refused at build, without showing it.
        let addr = sim.addr();
        let err = HostConnection::builder(addr.ip().to_string())
            .client_certificate_pem(admin.certificate_pem, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(!err.to_string().contains("bm90IGEga2V5"), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires_and_after_a_refusal_without_the_caller_noticing() {
    tokio::time::timeout(LIMIT, async {
        let sim = Arc::new(tls_sim(|b| b).await);
        let asked = Arc::new(AtomicU32::new(0));
        let provider = {
            let sim = sim.clone();
            let asked = asked.clone();
            move || {
                asked.fetch_add(1, Ordering::SeqCst);
                let lifetime = Duration::from_millis(600);
                let token = sim.issue_token(lifetime);
                async move { Ok(Token::new(token).expires_in(lifetime)) }
            }
        };
        let conn = to(&sim, |b| trusting(&sim)(b).token_provider(provider));
        sim.clear_requests();
        // Over 1.5 s of requests, the 600 ms token is renewed before it
        // ends: no request is refused.
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(1500) {
            cluster(&conn).await.expect("every request logs in");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tokens: Vec<u64> = sim
            .requests()
            .iter()
            .map(|r| match &r.auth {
                Some(Login::Bearer { token }) => *token,
                other => panic!("not a token login: {other:?}"),
            })
            .collect();
        assert_eq!(tokens.first(), Some(&1));
        assert!(*tokens.last().unwrap() >= 3, "renewed at least twice: {tokens:?}");
        assert!(tokens.windows(2).all(|w| w[0] <= w[1]), "{tokens:?}");
        let before = asked.load(Ordering::SeqCst);

        // The cluster refuses a token it issued (keys rotated): the
        // request is sent again with a new one.
        sim.revoke_tokens();
        cluster(&conn).await.expect("the refusal is not the caller's");
        assert_eq!(asked.load(Ordering::SeqCst), before + 1);

        // A fixed token that expires is refused, and says so.
        let fixed = to(&sim, |b| {
            trusting(&sim)(b).bearer_token(sim.issue_token(Duration::from_millis(100)))
        });
        cluster(&fixed).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let err = cluster(&fixed).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_certificate_without_the_host_name_passes_only_when_asked_and_trusted() {
    tokio::time::timeout(LIMIT, async {
        let sim = tls_sim(|b| b.certificate_names(["cluster1.example.invalid"])).await;
        let strict = to(&sim, trusting(&sim));
        let err = cluster(&strict).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert!(sim.requests().is_empty(), "refused before any request");

        let nameless = to(&sim, |b| trusting(&sim)(b).verify_host_name(false));
        let err = cluster(&nameless).await.unwrap_err();
        assert_eq!(
            err.status().map(|s| s.as_u16()),
            Some(401),
            "the handshake passed: {err}"
        );

        // Without the name check, the chain is still checked.
        let other = tls_sim(|b| b.certificate_names(["cluster2.example.invalid"])).await;
        let untrusted = to(&sim, |b| trusting(&other)(b).verify_host_name(false));
        let err = cluster(&untrusted).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_pinned_certificate_is_trusted_alone() {
    tokio::time::timeout(LIMIT, async {
        let sim = tls_sim(|b| b.certificate_names(["cluster1.example.invalid"])).await;
        let other = tls_sim(|b| b).await;
        let pinned = to(&sim, |b| {
            b.pin_certificate_sha256(sim.certificate_sha256().unwrap())
                .basic_auth(sim.username(), sim.password())
        });
        assert_eq!(cluster(&pinned).await.unwrap().status().as_u16(), 200);

        let wrong = to(&sim, |b| {
            b.pin_certificate_sha256(other.certificate_sha256().unwrap())
                .basic_auth(sim.username(), sim.password())
        });
        let err = cluster(&wrong).await.unwrap_err();
        assert!(chain(&err).contains("not a pinned certificate"), "{}", chain(&err));
        assert!(!err.is_retryable(), "a certificate is final");

        let err = HostConnection::builder("cluster")
            .pin_certificate_sha256("AB:CD")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_connection_changes_no_global_tls_state() {
    let before = ontap::rustls::crypto::CryptoProvider::get_default().is_some();
    let sim = tls_sim(|b| b).await;
    let conn = to(&sim, |b| trusting(&sim)(b).basic_auth(sim.username(), sim.password()));
    cluster(&conn).await.unwrap();
    assert_eq!(ontap::rustls::crypto::CryptoProvider::get_default().is_some(), before);
}

/// The gaps between the requests the simulator logged.
fn gaps(requests: &[RecordedRequest]) -> Vec<Duration> {
    requests.windows(2).map(|w| w[1].at - w[0].at).collect()
}

#[tokio::test]
async fn the_retry_policy_decides_attempts_and_waits() {
    tokio::time::timeout(LIMIT, async {
        let sim = http_sim().await;
        let policy = RetryPolicy::default()
            .attempts(3)
            .backoff(Duration::from_millis(150), Duration::from_secs(1))
            .jitter(false);
        let conn = to(&sim, |b| {
            b.basic_auth(sim.username(), sim.password()).retry(policy.clone())
        });

        // A GET: three attempts, 150 ms then 300 ms apart.
        sim.inject(Fault::status(503).path("/api/cluster").method("GET").times(5));
        let err = cluster(&conn).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        let requests = sim.requests();
        assert_eq!(requests.len(), 3, "{requests:?}");
        let waits = gaps(&requests);
        assert!(
            waits[0] >= Duration::from_millis(150) && waits[1] >= Duration::from_millis(300),
            "{waits:?}"
        );
        sim.clear_faults();
        sim.clear_requests();

        // Retry-After is honoured.
        sim.inject(Fault::status(503).retry_after(1).path("/api/cluster").times(1));
        cluster(&conn).await.unwrap();
        let waits = gaps(&sim.requests());
        assert!(waits[0] >= Duration::from_secs(1), "{waits:?}");
        sim.clear_requests();

        // A POST is not sent again after a 503: the server may have done it.
        sim.inject(Fault::status(503).path("/api/storage/volumes").method("POST").times(1));
        let err = volume("v_503").post(&conn).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        let posts = |sim: &Simulator| sim.requests().into_iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts(&sim), 1);
        sim.clear_faults();
        sim.clear_requests();

        // Nor after "temporarily locked", unless the policy allows it.
        sim.inject(Fault::locked().path("/api/storage/volumes").method("POST").times(1));
        let err = volume("v_locked").post(&conn).await.unwrap_err();
        assert!(err.has_code(ontap::codes::VSERVER_LOCKED), "{err}");
        assert_eq!(posts(&sim), 1);
        sim.clear_requests();

        let resend = conn.with_retry(policy.resend_not_performed(true));
        sim.inject(Fault::locked().path("/api/storage/volumes").method("POST").times(1));
        let mut created = volume("v_resent");
        created.post(&resend).await.expect("sent again, then created");
        assert!(created.uuid.is_some());
        assert_eq!(posts(&sim), 2, "{:?}", sim.requests());
        sim.clear_requests();
        sim.inject(Fault::status(503).path("/api/storage/volumes").method("POST").times(1));
        volume("v_503_again").post(&resend).await.unwrap_err();
        assert_eq!(posts(&sim), 1, "a 503 proves nothing: not sent again");
        sim.clear_faults();

        // Nor a PATCH or a DELETE: a second PATCH may start a second job, a second DELETE
        // of what the first deleted answers 404 for a call that succeeded.
        let mut target = volume("v_changes");
        target.post(&conn).await.unwrap();
        for method in ["PATCH", "DELETE"] {
            sim.clear_requests();
            sim.inject(Fault::status(503).path("/api/storage/volumes/").method(method).times(1));
            let keyed = Volume {
                uuid: target.uuid.clone(),
                comment: (method == "PATCH").then(|| "changed".into()),
                ..Default::default()
            };
            let err = match method {
                "PATCH" => keyed.clone().patch(&conn).await.unwrap_err(),
                _ => keyed.delete(&conn).await.unwrap_err(),
            };
            assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{method}");
            let sent = sim.requests().into_iter().filter(|r| r.method == method).count();
            assert_eq!(sent, 1, "{method} sent once");
            sim.clear_faults();
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_call_may_have_its_own_timeout_and_a_deadline_over_its_retries() {
    tokio::time::timeout(LIMIT, async {
        let sim = http_sim().await;
        let conn = to(&sim, |b| b.basic_auth(sim.username(), sim.password()));

        // One slow answer: a short time-out fails it, the connection's does not.
        sim.inject(Fault::latency(Duration::from_millis(600)).path("/api/cluster"));
        let hurried = conn
            .with_timeout(Duration::from_millis(200))
            .with_retry(RetryPolicy::none());
        let err = cluster(&hurried).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { source, .. } if source.is_timeout()),
            "{err:?}"
        );
        assert!(err.is_timeout() && err.kind() == ontap::ErrorKind::Timeout, "{err:?}");
        cluster(&conn).await.expect("60 s is enough");
        sim.clear_faults();
        sim.clear_requests();

        // A deadline ends the retries: 503 again and again, 300 ms pauses,
        // 500 ms in all: a third attempt would start after it.
        sim.inject(Fault::status(503).path("/api/cluster"));
        let bounded = conn
            .with_retry(
                RetryPolicy::default()
                    .attempts(10)
                    .backoff(Duration::from_millis(300), Duration::from_millis(300))
                    .jitter(false),
            )
            .with_deadline(Duration::from_millis(500));
        let started = std::time::Instant::now();
        let err = cluster(&bounded).await.unwrap_err();
        let Error::Deadline { attempts, last, .. } = &err else {
            panic!("not a deadline: {err:?}");
        };
        assert!(err.is_timeout(), "a deadline is a time-out: {err:?}");
        assert_eq!(*attempts, 2, "{err}");
        assert_eq!(last.as_ref().and_then(|e| e.status()).map(|s| s.as_u16()), Some(503));
        assert!(
            started.elapsed() < Duration::from_millis(350),
            "it stops before a useless pause"
        );
        assert_eq!(sim.requests().len(), 2);
        sim.clear_faults();

        // A deadline cuts an attempt that runs past it.
        sim.inject(Fault::latency(Duration::from_secs(2)).path("/api/cluster"));
        let err = cluster(&conn.with_deadline(Duration::from_millis(300)))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Deadline {
                    attempts: 1,
                    last: None,
                    ..
                }
            ),
            "{err:?}"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_proxy_is_used_only_when_given() {
    tokio::time::timeout(LIMIT, async {
        let sim = http_sim().await;
        // A host no resolver knows: only the proxy can reach "it".
        let through = HostConnection::builder("cluster1.example.invalid")
            .scheme(ontap::Scheme::Http)
            .basic_auth(sim.username(), sim.password())
            .proxy(format!("http://{}", sim.addr()))
            .build()
            .unwrap();
        assert_eq!(cluster(&through).await.unwrap().status().as_u16(), 200);
        let direct = HostConnection::builder("cluster1.example.invalid")
            .scheme(ontap::Scheme::Http)
            .basic_auth(sim.username(), sim.password())
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        assert!(matches!(cluster(&direct).await, Err(Error::Transport { .. })));
        let err = HostConnection::builder("c")
            .proxy("ftp://user:proxy-pw@p")
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("proxy-pw"), "{err}");
    })
    .await
    .unwrap();
}

/// Every span and event of one thread, as text: name, then its fields.
///
/// It is the process's default subscriber, not a thread's: tracing caches
/// whether a span or event is wanted per call site, for every thread, and a
/// thread's own subscriber can miss call sites another test reached first.
/// Every test of this file runs on a current-thread runtime, so the thread
/// of the capturing test sees its requests, the simulator and the job
/// watcher, and no other test's.
#[derive(Default)]
struct Captured {
    lines: Mutex<Vec<String>>,
    thread: Mutex<Option<std::thread::ThreadId>>,
}

impl Captured {
    fn push(&self, line: String) {
        if *self.thread.lock().unwrap() == Some(std::thread::current().id()) {
            self.lines.lock().unwrap().push(line);
        }
    }
}

/// The process's subscriber, installed once; it captures for the calling thread.
fn capture_this_thread() -> &'static Captured {
    use tracing_subscriber::layer::SubscriberExt as _;
    static CAPTURED: std::sync::OnceLock<&'static Captured> = std::sync::OnceLock::new();
    let captured = CAPTURED.get_or_init(|| {
        let captured: &'static Captured = Box::leak(Box::default());
        let subscriber = tracing_subscriber::registry().with(captured);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        captured
    });
    *captured.thread.lock().unwrap() = Some(std::thread::current().id());
    captured
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl<S> tracing_subscriber::Layer<S> for &'static Captured
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields(format!("span {}", attrs.metadata().name()));
        attrs.record(&mut fields);
        self.push(fields.0);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let name = ctx.span(id).map_or("?", |span| span.name());
        let mut fields = Fields(format!("record {name}"));
        values.record(&mut fields);
        self.push(fields.0);
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let scope: Vec<&str> = ctx
            .event_scope(event)
            .map(|scope| scope.map(|span| span.name()).collect())
            .unwrap_or_default();
        let mut fields = Fields(format!("event in {scope:?}"));
        event.record(&mut fields);
        self.push(fields.0);
    }
}

#[tokio::test]
async fn spans_name_the_operation_each_attempt_and_the_job_wait_and_show_no_secret() {
    let captured = capture_this_thread();

    let sim = Arc::new(tls_sim(|b| b).await);
    let issued = sim.issue_token(Duration::from_secs(600));
    let token = issued.clone();
    let conn = to(&sim, |b| {
        trusting(&sim)(b)
            .token_provider(move || {
                let token = token.clone();
                async move { Ok(Token::new(token)) }
            })
            .retry(RetryPolicy::default().backoff(Duration::from_millis(20), Duration::from_millis(20)))
    });
    sim.inject(Fault::status(503).path("/api/storage/volumes").method("GET").times(1));
    let mut created = volume("v_traced");
    created.post(&conn).await.unwrap();
    let mut read = Volume {
        uuid: created.uuid.clone(),
        ..Default::default()
    };
    read.get(&conn).await.unwrap();
    // A download carries a password in its body.
    let mut download = ontap::resources::SoftwarePackageDownload {
        url: Some("http://127.0.0.1:9/image.tgz".into()),
        username: Some("web".into()),
        password: Some("download-pass-phrase".into()),
        ..Default::default()
    };
    let _ = download.post(&conn).await;

    let lines = captured.lines.lock().unwrap().clone();
    let text = lines.join("\n");
    let uuid = created.uuid.clone().unwrap();
    let has = |needle: &[&str]| lines.iter().any(|line| needle.iter().all(|n| line.contains(n)));
    assert!(
        has(&[
            "span ontap.operation",
            "resource=\"Volume\"",
            "verb=\"post\"",
            "path=\"/storage/volumes\""
        ]),
        "{text}"
    );
    assert!(has(&["span ontap.attempt", "method=POST", "attempt=1"]), "{text}");
    assert!(has(&["span ontap.job_wait", "job="]), "{text}");
    assert!(
        has(&[
            "event in [\"ontap.attempt\", \"ontap.job_wait\", \"ontap.operation\"]",
            "GET",
            "/cluster/jobs/"
        ]),
        "the job's read is in its wait, in the operation: {text}"
    );
    assert!(has(&["record ontap.job_wait", "state=\"success\""]), "{text}");
    assert!(
        has(&[
            "span ontap.operation",
            "verb=\"get\"",
            &format!("path=\"/storage/volumes/{uuid}\"")
        ]),
        "{text}"
    );
    assert!(
        has(&["span ontap.attempt", "method=GET", "attempt=2"]),
        "the 503 was retried: {text}"
    );
    // OpenTelemetry's HTTP client fields, beside ontap's.
    assert!(
        has(&[
            "span ontap.attempt",
            "otel.kind=\"client\"",
            "otel.name=GET /storage/volumes/{uuid}",
            "http.request.method=GET",
            "server.address=",
            "server.port=",
            "url.full=https://",
        ]),
        "{text}"
    );
    assert!(
        has(&["span ontap.attempt", "otel.name=GET /cluster/jobs"]),
        "a job read is named by its template too: {text}"
    );
    assert!(has(&["record ontap.attempt", "http.request.resend_count=1"]), "{text}");
    assert!(
        has(&["record ontap.attempt", "http.response.status_code=503"]),
        "{text}"
    );
    assert!(has(&["record ontap.attempt", "error.type=\"503\""]), "{text}");
    assert!(
        has(&["record ontap.attempt", "http.response.status_code=200"]),
        "{text}"
    );
    assert!(has(&["event in", "ontap.attempt", "request body"]), "{text}");
    assert!(has(&["event in", "ontap.attempt", "response body"]), "{text}");
    for secret in [issued.as_str(), "download-pass-phrase", sim.password()] {
        assert!(!text.contains(secret), "`{secret}` in the spans:\n{text}");
    }
    assert!(text.contains(ontap::MASK), "the body's password shows masked: {text}");
}

/// The client's name (`X-Dot-Client-App`, which ONTAP's audit log shows) is set for the
/// whole connection with `header`, replacing the library's own; a handle's header rides
/// beside it on that handle's requests only.
#[tokio::test]
async fn the_client_name_and_a_handles_header_are_sent() {
    use common::mock::{Mock, MockServer, ResponseTemplate, method};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"records": [], "num_records": 0})))
        .mount(&server)
        .await;
    let addr = server.address();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(ontap::Scheme::Http)
        .release(ontap::Release::new(9, 19, 1))
        .basic_auth("admin", common::PASSWORD)
        .header("X-Dot-Client-App", "fleet-audit/2.1")
        .build()
        .unwrap();
    let list = RequestSpec::new(Method::GET, "/storage/volumes", &Query::new());
    conn.execute(&list).await.unwrap();
    conn.with_header("X-Dot-SVM-Name", "vs1")
        .unwrap()
        .execute(&list)
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_eq!(request.headers["x-dot-client-app"], "fleet-audit/2.1");
        assert_eq!(request.headers.get_all("x-dot-client-app").iter().count(), 1);
    }
    assert!(sent[0].headers.get("x-dot-svm-name").is_none());
    assert_eq!(sent[1].headers["x-dot-svm-name"], "vs1");
}
