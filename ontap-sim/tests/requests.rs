//! The request log: what clients sent, secrets masked, bounded.

mod common;

use std::time::Duration;

use common::{Api, bounded};
use ontap_sim::{Fault, Simulator};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_patch_is_logged_with_exactly_the_fields_sent() {
    bounded(async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_volumes(2)
            .job_duration(Duration::from_millis(10))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let uuid = api.get("/api/storage/volumes?name=vol00001").await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        sim.clear_requests();
        let path = format!("/api/storage/volumes/{uuid}");
        api.job_ok(
            api.patch(&format!("{path}?return_timeout=0"), r#"{"comment": "only this"}"#)
                .await,
        )
        .await;
        let log = sim.requests();
        let patch = log.iter().find(|r| r.method == "PATCH").expect("the PATCH is logged");
        assert_eq!(patch.path, path);
        assert_eq!(patch.query.as_deref(), Some("return_timeout=0"));
        assert_eq!(patch.query_param("return_timeout").as_deref(), Some("0"));
        assert_eq!(patch.body, Some(json!({"comment": "only this"})));
        // The job polls are there too, in order, without bodies.
        assert_eq!(log[0].method, "PATCH");
        assert!(log[1..].iter().all(|r| r.method == "GET" && r.body.is_none()));
        assert!(log[1].path.starts_with("/api/cluster/jobs/"));
    })
    .await;
}

#[tokio::test]
async fn passwords_are_masked_everywhere() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        let r = api
            .post(
                "/api/cluster/software/download?password=inquery",
                &json!({"url": "http://127.0.0.1:9/ontap-9.16.1.tgz", "username": "web", "password": "s3cret"})
                    .to_string(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "the unknown query parameter is refused"
        );
        api.post(
            "/api/security/accounts",
            r#"{"name": "u", "password": "p4ss", "nested": {"new_password": "n3w"}}"#,
        )
        .await;
        api.post("/api/x", r#"{"password": "hunter2"#).await;
        let log = sim.requests();
        assert_eq!(log.len(), 3);
        let text = format!("{log:?}");
        for secret in ["s3cret", "inquery", "p4ss", "n3w", "hunter2"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(
            log[0].body,
            Some(json!({"url": "http://127.0.0.1:9/ontap-9.16.1.tgz", "username": "web", "password": "*********"}))
        );
        assert_eq!(log[0].query.as_deref(), Some("password=*********"));
        assert_eq!(log[1].body.as_ref().unwrap()["nested"]["new_password"], "*********");
    })
    .await;
}

#[tokio::test]
async fn the_log_is_bounded_and_sees_refused_requests() {
    bounded(async {
        let sim = Simulator::builder().tls(false).request_log(5).start().await.unwrap();
        let api = Api::new(&sim);
        for i in 0..8 {
            api.get(&format!("/api/cluster/jobs?max_records={}", i + 1)).await;
        }
        let log = sim.requests();
        assert_eq!(log.len(), 5);
        assert_eq!(log[0].query.as_deref(), Some("max_records=4"));
        assert_eq!(log[4].query.as_deref(), Some("max_records=8"));

        sim.clear_requests();
        // Without credentials (401) and answered by a fault: both are logged.
        api.send(api.client.get(api.url("/api/cluster"))).await;
        sim.inject(Fault::status(503).times(1));
        assert_eq!(api.get("/api/cluster").await.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(sim.requests().len(), 2);

        let off = Simulator::builder().tls(false).request_log(0).start().await.unwrap();
        let api = Api::new(&off);
        api.get("/api/cluster").await;
        assert!(off.requests().is_empty());
    })
    .await;
}
