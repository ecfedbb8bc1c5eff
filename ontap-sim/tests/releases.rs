//! The simulator as an older release: it reports the release and serves that release's
//! API, answering what a later release introduced as ONTAP answers what it lacks.

mod common;

use common::{Api, bounded, records};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::json;

async fn at(release: &str) -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .cluster_version(release)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

#[tokio::test]
async fn the_default_release_is_the_one_it_reports() {
    bounded(async {
        let (sim, api) = at("9.19.1").await;
        let (default, default_api) = {
            let s = Simulator::builder().tls(false).start().await.unwrap();
            let a = Api::new(&s);
            (s, a)
        };
        assert_eq!(default.cluster_version(), "9.19.1");
        let v = default_api.get("/api/cluster?fields=version").await.json["version"].clone();
        assert_eq!(
            (v["generation"].as_u64(), v["major"].as_u64(), v["minor"].as_u64()),
            (Some(9), Some(19), Some(1))
        );
        // The whole model is served: the newest fields and paths answer.
        let jobs = default_api.get("/api/cluster/jobs?fields=state,error,node,svm").await;
        assert_eq!(jobs.status, StatusCode::OK, "{}", jobs.text);
        let cgs = api.get("/api/application/consistency-groups").await;
        assert_eq!(cgs.status, StatusCode::OK, "{}", cgs.text);
        drop(sim);
    })
    .await;
}

#[tokio::test]
async fn a_release_reports_itself_everywhere_a_cluster_does() {
    bounded(async {
        let (sim, api) = at("9.8").await;
        assert_eq!(sim.cluster_version(), "9.8");
        let v = api.get("/api/cluster?fields=version").await.json["version"].clone();
        assert_eq!(
            (v["generation"].as_u64(), v["major"].as_u64(), v["minor"].as_u64()),
            (Some(9), Some(8), Some(0))
        );
        assert!(v["full"].as_str().unwrap().starts_with("NetApp Release 9.8:"), "{v}");
        let sw = api.get("/api/cluster/software?fields=version,nodes").await.json;
        assert_eq!(sw["version"], "9.8");
        assert!(
            sw["nodes"].as_array().unwrap().iter().all(|n| n["version"] == "9.8"),
            "{sw}"
        );
    })
    .await;
}

/// The job's `error` came with 9.9: a job poll that names it fails on 9.8 with 262197,
/// the fields 9.8 has answer, and `*` leaves out what 9.8 lacks.
#[tokio::test]
async fn a_job_field_named_before_its_release_answers_262197() {
    bounded(async {
        let (_sim, api) = at("9.8").await;
        let refused = api.get("/api/cluster/jobs?fields=state,message,code,error").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.error_code(), "262197");
        assert_eq!(refused.error_target(), Some("fields"));
        let filter = api.get("/api/cluster/jobs?error.code=1").await;
        assert_eq!(filter.status, StatusCode::BAD_REQUEST, "{}", filter.text);
        assert_eq!(filter.error_code(), "262179");

        let ok = api
            .get("/api/cluster/jobs?fields=state,message,code,svm,description&max_records=1")
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        let all = api.get("/api/cluster/jobs?fields=*").await;
        for job in records(&all.json) {
            assert!(job.get("error").is_none() && job.get("node").is_none(), "{job}");
        }
        // 9.9.1 has `error`, not `node` (9.11).
        let (_sim, api) = at("9.9.1").await;
        assert_eq!(api.get("/api/cluster/jobs?fields=error").await.status, StatusCode::OK);
        assert_eq!(api.get("/api/cluster/jobs?fields=node").await.error_code(), "262197");
    })
    .await;
}

#[tokio::test]
async fn what_a_later_release_introduced_is_answered_as_missing() {
    bounded(async {
        let (_sim, api) = at("9.8").await;
        // A path of 9.10: ONTAP answers 404 code 3, as for any API it does not have.
        let path = api.get("/api/application/consistency-groups").await;
        assert_eq!(path.status, StatusCode::NOT_FOUND, "{}", path.text);
        assert_eq!(path.error_code(), "3");
        // A body field of 9.13 (`aggressive_readahead_mode`): unexpected.
        let body = json!({"name": "v1", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr1"}],
                          "size": 1073741824, "aggressive_readahead_mode": "file_prefetch"});
        let field = api.post("/api/storage/volumes", &body.to_string()).await;
        assert_eq!(field.status, StatusCode::BAD_REQUEST, "{}", field.text);
        assert_eq!(field.error_code(), "262179");
        assert_eq!(field.error_target(), Some("aggressive_readahead_mode"));
        // A name in `fields` of 9.9 (`constituents`): invalid.
        let fields = api.get("/api/storage/volumes?fields=constituents").await;
        assert_eq!(fields.error_code(), "262197");
        // An operation parameter of 9.11 (`force` on a volume DELETE): unexpected.
        let uuid = records(&api.get("/api/storage/volumes?name=vs0_root").await.json)[0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let param = api.delete(&format!("/api/storage/volumes/{uuid}?force=true")).await;
        assert_eq!(param.status, StatusCode::BAD_REQUEST, "{}", param.text);
        assert_eq!(param.error_code(), "262179");
        // An enum value of 9.9 (`amqp` among an account's applications): invalid.
        let account = json!({"name": "user1", "role": {"name": "admin"}, "password": "netapp1!23",
                             "applications": [{"application": "amqp", "authentication_methods": ["password"]}]});
        let value = api.post("/api/security/accounts", &account.to_string()).await;
        assert_eq!(value.status, StatusCode::BAD_REQUEST, "{}", value.text);
        assert_eq!(value.error_code(), "262197");

        // The same requests are the API of 9.19.1.
        let (_sim, api) = at("9.19.1").await;
        assert_eq!(
            api.get("/api/application/consistency-groups").await.status,
            StatusCode::OK
        );
        assert_eq!(
            api.get("/api/storage/volumes?fields=constituents").await.status,
            StatusCode::OK
        );
        let ok = api.post("/api/security/accounts", &account.to_string()).await;
        assert!(ok.status.is_success(), "{}", ok.text);
    })
    .await;
}

/// The software download's POST is in 9.6, its GET came with 9.7: a 9.6 cluster answers
/// the GET 405, a 9.7 one its status.
#[tokio::test]
async fn the_software_download_is_served_where_the_release_has_it() {
    bounded(async {
        let (_sim, api) = at("9.6").await;
        let missing = api.get("/api/cluster/software/download").await;
        assert_eq!(missing.status, StatusCode::METHOD_NOT_ALLOWED, "{}", missing.text);
        let post = api.post("/api/cluster/software/download", "{}").await;
        assert_eq!(post.error_code(), "262212", "{}", post.text);
        let (_sim, api) = at("9.7").await;
        let there = api.get("/api/cluster/software/download").await;
        assert_eq!(there.status, StatusCode::OK, "{}", there.text);
    })
    .await;
}

/// Before 9.13 a DNS configuration has no `uuid` of its own: its path names the SVM
/// (`/name-services/dns/{svm.uuid}`), and so does the simulator's.
#[tokio::test]
async fn before_9_13_an_svm_dns_configuration_is_addressed_by_the_svm() {
    bounded(async {
        let (_sim, api) = at("9.8").await;
        let svm = api.get("/api/svm/svms?name=vs0").await;
        let svm_uuid = records(&svm.json)[0]["uuid"].as_str().expect("vs0's uuid").to_owned();
        let created = api
            .post(
                "/api/name-services/dns",
                r#"{"svm":{"name":"vs0"},"domains":["example.com"],"servers":["10.0.0.1"]}"#,
            )
            .await;
        api.job_ok(created).await;
        let read = api.get(&format!("/api/name-services/dns/{svm_uuid}")).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.json["svm"]["uuid"], svm_uuid.as_str());
        assert_eq!(read.json["domains"], json!(["example.com"]));
        assert!(read.json.get("uuid").is_none(), "9.8 has no dns uuid: {}", read.text);
        let link = read.json["_links"]["self"]["href"].as_str().unwrap_or_default();
        assert!(link.ends_with(&svm_uuid), "{link}");
    })
    .await;
}
