//! Fault injection: latency, forced statuses, dropped connections, truncated bodies.

mod common;

use std::time::{Duration, Instant};

use common::{Api, bounded};
use ontap_sim::{Fault, Simulator};
use reqwest::StatusCode;

#[tokio::test]
async fn latency_is_added_to_matching_requests_only() {
    bounded(async {
        let sim = Simulator::builder()
            .tls(false)
            .fault(Fault::latency(Duration::from_millis(300)).path("/api/cluster/jobs"))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let t0 = Instant::now();
        assert_eq!(api.get("/api/cluster/jobs").await.status, StatusCode::OK);
        assert!(t0.elapsed() >= Duration::from_millis(300), "{:?}", t0.elapsed());
        let t0 = Instant::now();
        assert_eq!(api.get("/api/cluster/software/download").await.status, StatusCode::OK);
        assert!(t0.elapsed() < Duration::from_millis(250), "{:?}", t0.elapsed());
        sim.clear_faults();
        let t0 = Instant::now();
        api.get("/api/cluster/jobs").await;
        assert!(t0.elapsed() < Duration::from_millis(250));
    })
    .await;
}

#[tokio::test]
async fn forced_status_with_ontap_body_and_retry_after() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        sim.inject(Fault::status(503).method("GET").times(2));
        for _ in 0..2 {
            let r = api.get("/api/cluster/jobs").await;
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(r.error_code(), "503");
        }
        assert_eq!(api.get("/api/cluster/jobs").await.status, StatusCode::OK);

        sim.inject(Fault::status(429).retry_after(3).times(1));
        let r = api.get("/api/cluster/jobs").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers["retry-after"], "3");
        assert_eq!(api.get("/api/cluster/jobs").await.status, StatusCode::OK);

        sim.inject(
            Fault::status(409)
                .ontap_error("2621573", "Vserver temporarily locked")
                .times(1),
        );
        let r = api.get("/api/cluster/jobs").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "2621573");

        sim.inject(
            Fault::status(502)
                .raw_body("text/html", "<html>Bad Gateway</html>")
                .times(1),
        );
        let r = api.get("/api/cluster/jobs").await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY);
        assert_eq!(r.content_type(), "text/html");
        assert!(r.text.contains("Bad Gateway"));

        // Faults apply before authentication, as a proxy would.
        sim.inject(Fault::status(500).times(1));
        let r = api.send(api.client.get(api.url("/api/cluster/jobs"))).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    })
    .await;
}

#[tokio::test]
async fn dropped_connection_and_truncated_body() {
    bounded(async {
        let sim = Simulator::builder().tls(false).seed_jobs(3).start().await.unwrap();
        let api = Api::new(&sim);
        sim.inject(Fault::drop_connection().times(1));
        let err = api
            .client
            .get(api.url("/api/cluster/jobs"))
            .basic_auth(&api.user, Some(&api.pass))
            .send()
            .await;
        assert!(err.is_err(), "the connection must close without an answer");
        assert_eq!(api.get("/api/cluster/jobs").await.status, StatusCode::OK);

        sim.inject(Fault::truncate_body().path("/api/cluster/jobs").times(1));
        let r = api.get("/api/cluster/jobs?fields=*").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text.is_empty());
        assert!(
            serde_json::from_str::<serde_json::Value>(&r.text).is_err(),
            "{}",
            r.text
        );
        let whole = api.get("/api/cluster/jobs?fields=*").await;
        assert_eq!(whole.text.len() / 2, r.text.len());
    })
    .await;
}
