//! Waiting on a job through faults: slow polls, failed polls that heal,
//! failures that do not, and job codes that are not integers.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::mock::{Mock, MockServer, ResponseTemplate, method, path};
use common::{JOB_UUID, connect, job_body};
use ontap::prelude::*;
use ontap::{CallOptions, Error, HostConnection, JobLink, JobOutcome, JobState, PollOptions, Scheme};
use ontap_sim::{Fault, Simulator};
use serde_json::json;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

const JOBS: &str = "/api/cluster/jobs";

/// A simulator whose jobs run for `job_duration`, and a connection to it.
async fn start(job_duration: Duration) -> (Arc<Simulator>, HostConnection) {
    let sim = Simulator::builder()
        .tls(false)
        .job_duration(job_duration)
        .start()
        .await
        .unwrap();
    let addr = sim.addr();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .poll_interval(Duration::from_millis(50))
        .poll_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    (Arc::new(sim), conn)
}

/// Starts a volume creation and returns its job, unwaited.
async fn start_job(conn: &HostConnection, name: &str) -> JobLink {
    let response = common::volume(name)
        .post_with(conn, CallOptions::default().poll(false))
        .await
        .unwrap();
    response.job().expect("a volume creation starts a job").clone()
}

/// How many times the job was read.
fn job_gets(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(JOBS))
        .count()
}

// --- Defect 3: the poll timeout bounds a poll in flight ----------------------

#[tokio::test]
async fn a_slow_poll_is_cut_at_the_poll_timeout() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_secs(600)).await;
        let link = start_job(&conn, "vol_slow").await;
        // The first poll is answered at once; every later one would take 30 s.
        let slow = sim.clone();
        let options = PollOptions::default()
            .interval(Duration::from_millis(100))
            .timeout(Duration::from_secs(1))
            .on_progress(move |_| {
                slow.inject(Fault::latency(Duration::from_secs(30)).path(JOBS).method("GET"));
            });
        let started = Instant::now();
        let outcome = tokio::time::timeout(Duration::from_secs(15), link.wait(&conn, &options))
            .await
            .expect("the wait ends near its poll timeout, not after the slow poll");
        let outcome = outcome.expect("a slow poll is no error");
        let JobOutcome::Timeout { last, waited } = &outcome else {
            panic!("expected Timeout, got {outcome:?}")
        };
        let last = last.as_ref().expect("the first poll was read");
        assert!(
            matches!(last.state, Some(JobState::Queued | JobState::Running)),
            "{last:?}"
        );
        assert!(*waited >= Duration::from_secs(1), "{waited:?}");
        assert!(started.elapsed() < Duration::from_secs(15));
    })
    .await
    .unwrap();
}

// --- Defect 4: transient failures do not end a wait ---------------------------

#[tokio::test]
async fn failed_polls_that_heal_do_not_end_the_wait() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(300)).await;
        let link = start_job(&conn, "vol_heals").await;
        for fault in [
            Fault::status(503).times(2),
            Fault::drop_connection().times(2),
            Fault::status(429).retry_after(1).times(1),
            Fault::status(500).times(1),
            Fault::status(504)
                .raw_body("text/html", "<html>Gateway Timeout</html>")
                .times(1),
        ] {
            sim.inject(fault.path(JOBS).method("GET"));
        }
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = told.clone();
        let options = PollOptions::default()
            .interval(Duration::from_millis(20))
            .on_retry(move |err| sink.lock().unwrap().push(err.status().map(|s| s.as_u16())));
        let outcome = link.wait(&conn, &options).await.expect("the failures healed");
        assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
        assert!(job_gets(&sim) >= 8, "{} polls", job_gets(&sim));
        // The observer was told of each failure, in order; a dropped
        // connection has no status.
        assert_eq!(
            *told.lock().unwrap(),
            [Some(503), Some(503), None, None, Some(429), Some(500), Some(504)]
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_server_that_comes_up_late_is_waited_for() {
    tokio::time::timeout(LIMIT, async {
        // Nothing listens on the port at first: connections are refused.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let body = json!({"uuid": JOB_UUID, "state": "success", "message": "done"}).to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        let conn = HostConnection::builder("127.0.0.1")
            .port(port)
            .scheme(Scheme::Http)
            .build()
            .unwrap();
        let link = JobLink {
            uuid: JOB_UUID.into(),
            links: None,
        };
        let options = PollOptions::default()
            .interval(Duration::from_millis(50))
            .timeout(Duration::from_secs(60));
        let outcome = link.wait(&conn, &options).await.expect("the server came up");
        assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn failures_until_the_deadline_end_the_wait_with_the_last_one() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_secs(600)).await;
        let link = start_job(&conn, "vol_down").await;
        sim.inject(Fault::status(503).path(JOBS).method("GET"));
        let told = Arc::new(Mutex::new(0));
        let sink = told.clone();
        let options = PollOptions::default()
            .interval(Duration::from_millis(20))
            .timeout(Duration::from_millis(1500))
            .on_retry(move |_| *sink.lock().unwrap() += 1);
        let err = link.wait(&conn, &options).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
        // Polled on with backoff until the deadline, not given up after one
        // request and its two retries.
        let polls = job_gets(&sim);
        assert!((4..=40).contains(&polls), "{polls} polls");
        // Told of each failure but the last, which is the outcome.
        assert_eq!(*told.lock().unwrap() + 1, polls);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn what_cannot_heal_ends_the_wait_at_once() {
    tokio::time::timeout(LIMIT, async {
        for (fault, expect) in [
            (Fault::status(401).raw_body("text/plain", ""), "401"),
            (Fault::status(403), "403"),
            (Fault::truncate_body(), "decode"),
        ] {
            let (sim, conn) = start(Duration::from_secs(600)).await;
            let link = start_job(&conn, "vol_final").await;
            sim.inject(fault.path(JOBS).method("GET"));
            let options = PollOptions::default()
                .interval(Duration::from_millis(20))
                .timeout(Duration::from_secs(60));
            let err = tokio::time::timeout(Duration::from_secs(30), link.wait(&conn, &options))
                .await
                .expect("the wait ends at once")
                .unwrap_err();
            match expect {
                "decode" => assert!(matches!(err, Error::Decode { .. }), "{err:?}"),
                status => assert_eq!(err.status().map(|s| s.as_u16().to_string()).as_deref(), Some(status)),
            }
            assert_eq!(job_gets(&sim), 1, "{expect}: one poll only");
        }
    })
    .await
    .unwrap();
}

// --- Defect 7: a job code that is not an integer ------------------------------

#[tokio::test]
async fn a_job_code_that_is_not_an_integer_does_not_hide_the_state() {
    for (code, state, expected) in [
        (json!(1.5), "success", None),
        (json!(3.0), "success", Some(3)),
        (json!(1e30), "failure", None),
        (json!(18446744073709551615u64), "failure", None),
        (json!(-7), "failure", Some(-7)),
        (json!("10551381"), "failure", Some(10551381)),
        (json!(null), "success", None),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{JOBS}/{JOB_UUID}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"uuid": JOB_UUID, "state": state, "message": "m", "code": code})),
            )
            .mount(&server)
            .await;
        let link: JobLink = serde_json::from_value(job_body(JOB_UUID)["job"].clone()).unwrap();
        let outcome = link
            .wait(&connect(&server), &PollOptions::default())
            .await
            .unwrap_or_else(|err| panic!("code {code}: {err:?}"));
        let status = match (&outcome, state) {
            (JobOutcome::Success(status), "success") | (JobOutcome::Failure(status), "failure") => status,
            _ => panic!("code {code}: {outcome:?}"),
        };
        assert_eq!(status.code, expected, "code {code}");
    }
}
