//! The simulator answers as ONTAP does where users would otherwise be misled: one test per
//! behaviour, each named after it. Transport limits are in `protocol.rs`, package names in
//! `download.rs`.

mod common;

use std::time::Duration;

use common::{Api, bounded};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const VOLUMES: &str = "/api/storage/volumes";

async fn sim(volumes: usize) -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .job_duration(Duration::from_millis(20))
        .seed_volumes(volumes)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

fn records(page: &Value) -> &Vec<Value> {
    page["records"].as_array().expect("records")
}

fn names(page: &Value) -> Vec<&str> {
    records(page)
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default())
        .collect()
}

async fn uuid_of(api: &Api, name: &str) -> String {
    let r = api.get(&format!("{VOLUMES}?name={name}")).await;
    records(&r.json)[0]["uuid"].as_str().expect("uuid").to_owned()
}

#[tokio::test]
async fn every_field_of_the_model_can_be_asked_for_and_set_fields_come_back() {
    bounded(async {
        let (_sim, api) = sim(0).await;
        let body = json!({
            "name": "rich", "svm": {"name": "vs0"}, "size": 1073741824u64,
            "comment": "c", "language": "c.utf_8", "snapshot_directory_access_enabled": true,
            "autosize": {"mode": "grow", "maximum": 2147483648u64},
            "nas": {"path": "/rich", "security_style": "unix"},
            "guarantee": {"type": "none"}, "tiering": {"policy": "snapshot_only"},
        });
        api.job_ok(api.post(VOLUMES, &body.to_string()).await).await;
        let uuid = uuid_of(&api, "rich").await;
        let v = api.get(&format!("{VOLUMES}/{uuid}?fields=**")).await.json;
        /// Every field of `sent` is in `got` with its value (`got` may have more).
        fn holds(got: &Value, sent: &Value) -> bool {
            match (got, sent) {
                (Value::Object(g), Value::Object(s)) => s.iter().all(|(k, v)| g.get(k).is_some_and(|gv| holds(gv, v))),
                _ => got == sent,
            }
        }
        for (field, value) in body.as_object().unwrap() {
            if field != "svm" {
                assert!(holds(&v[field], value), "{field} reads back: {v}");
            }
        }
        // Fields that a real monitoring query names, set or not: never a 400.
        let r = api
            .get(&format!(
                "{VOLUMES}?name=rich&fields=anti_ransomware.state,statistics.iops_raw,efficiency.compression,space.logical_space.used,nas.path"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let rec = &records(&r.json)[0];
        assert_eq!(rec["nas"], json!({"path": "/rich"}));
        assert!(rec.get("efficiency").is_none(), "an unset field is absent");
        let r = api.get(&format!("{VOLUMES}?fields=not_a_field")).await;
        assert_eq!((r.status, r.error_code()), (StatusCode::BAD_REQUEST, "262197"));
    })
    .await;
}

#[tokio::test]
async fn patch_cluster_starts_a_job() {
    bounded(async {
        let (_sim, api) = sim(0).await;
        let r = api.patch("/api/cluster", r#"{"location": "lab 2"}"#).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        api.job_ok(r).await;
        assert_eq!(api.get("/api/cluster?fields=location").await.json["location"], "lab 2");
    })
    .await;
}

#[tokio::test]
async fn an_asynchronous_create_answers_location_as_a_query() {
    bounded(async {
        let (_sim, api) = sim(0).await;
        let r = api.post(VOLUMES, r#"{"name": "vol1", "svm": {"name": "vs0"}}"#).await;
        assert_eq!(r.headers["location"], "/api/storage/volumes/?name=vol1");
        api.job_ok(r).await;
        // The Location, as ONTAP writes it (a trailing slash, then the query), works.
        let r = api.get("/api/storage/volumes/?name=vol1").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(names(&r.json), ["vol1"]);
        // A synchronous create answers 201 and the new record's own path.
        let r = api.post("/api/security/roles", r#"{"name": "auditor"}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let location = r.headers["location"].to_str().unwrap().to_owned();
        assert_eq!(api.get(&location).await.json["name"], "auditor");
    })
    .await;
}

#[tokio::test]
async fn trailing_slashes_are_accepted() {
    bounded(async {
        let (_sim, api) = sim(3).await;
        let r = api.get("/api/storage/volumes/").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["num_records"], 4, "3 and vs0's root volume");
        let uuid = uuid_of(&api, "vol00001").await;
        let r = api.get(&format!("{VOLUMES}/{uuid}/")).await;
        assert_eq!(r.json["name"], "vol00001");
        for path in [
            "/api/cluster",
            "/api/cluster/jobs",
            "/api/cluster/software",
            "/api/svm/svms",
            "/api/network/ip/interfaces",
        ] {
            let plain = api.get(path).await;
            let slashed = api.get(&format!("{path}/")).await;
            assert_eq!(slashed.status, StatusCode::OK, "{path}/: {}", slashed.text);
            let without_links = |v: &Value| {
                let mut v = v.clone();
                v.as_object_mut().unwrap().remove("_links");
                v
            };
            assert_eq!(without_links(&slashed.json), without_links(&plain.json), "{path}/");
        }
    })
    .await;
}

#[tokio::test]
async fn validation_errors_carry_ontaps_codes() {
    bounded(async {
        let (_sim, api) = sim(1).await;
        let uuid = uuid_of(&api, "vol00001").await;
        let one = format!("{VOLUMES}/{uuid}");
        for (body, code, target) in [
            (r#"{"uuid": "x"}"#, "262196", Some("uuid")),
            (r#"{"space": {"used": 5}}"#, "262196", Some("space.used")),
            (r#"{"name": "#, "262199", None),
            (r#"[{"name": "x"}]"#, "262255", None),
            (r#"{"colour": "red"}"#, "262179", Some("colour")),
            (r#"{"state": "sleepy"}"#, "262197", Some("state")),
            (r#"{"size": "big"}"#, "262197", Some("size")),
        ] {
            let r = api.patch(&one, body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(r.error_code(), code, "{body}: {}", r.text);
            assert_eq!(r.error_target(), target, "{body}");
        }
        let r = api.get(&format!("{VOLUMES}?order_by=colour")).await;
        assert_eq!((r.error_code(), r.error_target()), ("262268", Some("order_by")));
    })
    .await;
}

#[tokio::test]
async fn null_filters_exclusions_groups_and_several_order_by_fields() {
    bounded(async {
        let (_sim, api) = sim(30).await;
        let count = |q: &'static str| {
            let api = api.clone();
            async move {
                let r = api.get(&format!("{VOLUMES}?{q}&return_records=false")).await;
                assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
                r.json["num_records"].as_u64().unwrap()
            }
        };
        // Every tenth seeded volume has a comment (vs0's root volume none).
        assert_eq!(count("comment=null").await, 28);
        assert_eq!(count("comment=!null").await, 3);
        assert_eq!(count("comment=!null&name=vol00011").await, 1);

        let r = api
            .get(&format!(
                "{VOLUMES}?name=vol00001&fields=svm.{{name,uuid}},space.{{size,used}}"
            ))
            .await;
        let rec = &records(&r.json)[0];
        assert_eq!(rec["svm"].as_object().unwrap().len(), 2);
        assert_eq!(rec["space"].as_object().unwrap().len(), 2);
        let r = api
            .get(&format!("{VOLUMES}?name=vol00001&fields=*,!space,!svm.uuid"))
            .await;
        let rec = &records(&r.json)[0];
        assert!(rec.get("space").is_none() && rec.get("size").is_some(), "{rec}");
        assert_eq!(rec["svm"], json!({"name": "vs0"}));

        // Sizes repeat every 100 volumes; here all differ, so state then size orders.
        let r = api
            .get(&format!(
                "{VOLUMES}?order_by=state desc,size asc&fields=state,size&max_records=30"
            ))
            .await;
        let recs = records(&r.json);
        let keys: Vec<(String, u64)> = recs
            .iter()
            .map(|r| (r["state"].as_str().unwrap().to_owned(), r["size"].as_u64().unwrap()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(keys, sorted);
        assert_eq!(keys[0].0, "restricted");
    })
    .await;
}

#[tokio::test]
async fn any_accept_gets_hal_json_and_the_svm_header_scopes_collections() {
    bounded(async {
        let sim = Simulator::builder().tls(false).seed_svms(1).start().await.unwrap();
        let api = Api::new(&sim);
        api.job_ok(api.post(VOLUMES, r#"{"name": "in_vs1", "svm": {"name": "vs1"}}"#).await)
            .await;
        api.job_ok(api.post(VOLUMES, r#"{"name": "in_vs0", "svm": {"name": "vs0"}}"#).await)
            .await;
        let get = |accept: &'static str, svm: Option<&'static str>| {
            let mut req = api
                .client
                .get(api.url(VOLUMES))
                .basic_auth(&api.user, Some(&api.pass))
                .header("Accept", accept);
            if let Some(svm) = svm {
                req = req.header("X-Dot-SVM-Name", svm);
            }
            api.send(req)
        };
        let r = get("*/*", None).await;
        assert_eq!(r.content_type(), "application/hal+json");
        assert_eq!(r.json["num_records"], 4, "and the SVMs' root volumes: {}", r.text);
        let r = get("application/json", Some("vs1")).await;
        assert_eq!(r.content_type(), "application/json");
        let mut in_vs1 = names(&r.json);
        in_vs1.sort_unstable();
        assert_eq!(in_vs1, ["in_vs1", "vs1_root"]);
    })
    .await;
}
