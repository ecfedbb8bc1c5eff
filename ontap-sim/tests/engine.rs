//! The generic engine: paths the model has and no hand-written handler serves.

mod common;

use common::{Api, bounded};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn sim() -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .job_duration(std::time::Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

fn names(page: &Value) -> Vec<String> {
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_resource_without_a_handler_is_created_read_patched_listed_and_deleted() {
    bounded(async {
        let (_sim, api) = sim().await;
        // Synchronous create: 201 with the instance's path in Location.
        let r = api
            .post(
                "/api/security/roles?return_records=true",
                r#"{"name": "ops", "privileges": [{"path": "/api/storage", "access": "readonly"}]}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let location = r.headers["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/api/security/roles/"), "{location}");
        assert_eq!(r.json["num_records"], 1);
        assert_eq!(r.json["records"][0]["name"], "ops");

        let r = api.get(&location).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["name"], "ops");
        assert_eq!(r.json["_links"]["self"]["href"], location);

        let r = api.get("/api/security/roles?name=ops&fields=privileges.access").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["num_records"], 1);
        assert_eq!(r.json["records"][0]["privileges"][0], json!({"access": "readonly"}));

        let r = api.delete(&location).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(api.get(&location).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn an_asynchronous_create_answers_a_job_and_a_query_location() {
    bounded(async {
        let (_sim, api) = sim().await;
        let r = api.post("/api/network/ipspaces", r#"{"name": "ips1"}"#).await;
        println!("{} {}", r.status, r.text);
        let r = api
            .post(
                "/api/storage/qos/policies",
                r#"{"name": "gold", "svm": {"name": "vs0"}}"#,
            )
            .await;
        println!("{} {} {:?}", r.status, r.text, r.headers.get("location"));
        let r = api.get("/api/storage/qos/policies?fields=*").await;
        println!("{} {}", r.status, r.text);
        let _ = names;
    })
    .await;
}
