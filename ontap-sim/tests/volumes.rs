//! Volumes and their nested snapshots: every verb, ONTAP's 409/404 codes, and collections
//! over 10,000 seeded volumes (paging, order_by, filters, fields).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Api, bounded, column, records};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

const VOLUMES: &str = "/api/storage/volumes";

async fn sim(job_duration_ms: u64) -> (Simulator, Api) {
    let sim = Simulator::builder()
        .tls(false)
        .seed_svms(1)
        .job_duration(Duration::from_millis(job_duration_ms))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

/// The UUID of the only volume with this name.
async fn uuid_of(api: &Api, name: &str) -> String {
    let r = api.get(&format!("{VOLUMES}?name={name}")).await;
    assert_eq!(r.json["num_records"], 1, "{}", r.text);
    r.json["records"][0]["uuid"].as_str().unwrap().to_owned()
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[tokio::test]
async fn create_read_modify_delete_through_jobs() {
    bounded(async {
        let (_sim, api) = sim(300).await;
        let r = api
            .post(
                VOLUMES,
                &json!({"name": "vol_a", "svm": {"name": "vs0"}, "size": 1073741824u64, "comment": "first"})
                    .to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let job_uuid = r.json["job"]["uuid"].as_str().unwrap().to_owned();
        // Not there before the job ends.
        assert_eq!(api.get(&format!("{VOLUMES}?name=vol_a")).await.json["num_records"], 0);
        let job = api.wait_job(&job_uuid, Duration::from_secs(10)).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(job["svm"]["name"], "vs0");
        assert!(
            job.get("node").is_none(),
            "a job on an SVM's object names no node: {job}"
        );

        let uuid = uuid_of(&api, "vol_a").await;
        assert_eq!(job["description"], format!("POST /api/storage/volumes/{uuid}"));
        let v = api.get(&format!("{VOLUMES}/{uuid}")).await;
        assert_eq!(v.status, StatusCode::OK);
        assert_eq!(
            keys(&v.json),
            [
                "_links",
                "aggregates",
                "clone",
                "comment",
                "create_time",
                "language",
                "name",
                "nas",
                "size",
                "snapshot_policy",
                "space",
                "state",
                "style",
                "svm",
                "tiering",
                "type",
                "uuid"
            ],
            "the fields set and the defaults, not the expensive ones (autosize, guarantee, ...)"
        );
        assert!(v.text.starts_with("{\n  \"uuid\""), "ONTAP's field order: {}", v.text);
        assert_eq!(v.json["svm"]["name"], "vs0");
        assert!(v.json["svm"]["uuid"].is_string());
        assert_eq!(v.json["aggregates"][0]["name"], "aggr1");
        assert_eq!(v.json["size"], 1073741824u64);
        assert_eq!(v.json["state"], "online");
        assert_eq!(v.json["type"], "rw");
        assert_eq!(v.json["style"], "flexvol");
        assert_eq!(v.json["comment"], "first");
        assert_eq!(v.json["space"]["size"], 1073741824u64);
        let used = v.json["space"]["used"].as_u64().unwrap();
        assert_eq!(v.json["space"]["available"].as_u64().unwrap() + used, 1073741824);
        assert_eq!(v.json["_links"]["self"]["href"], format!("{VOLUMES}/{uuid}"));

        // PATCH: size, comment, state, name, in one job.
        let r = api
            .patch(
                &format!("{VOLUMES}/{uuid}"),
                r#"{"size": 2147483648, "comment": "second", "state": "offline", "name": "vol_b"}"#,
            )
            .await;
        let job = api.job_ok(r).await;
        assert_eq!(job["description"], format!("PATCH /api/storage/volumes/{uuid}"));
        let v = api.get(&format!("{VOLUMES}/{uuid}")).await.json;
        assert_eq!(v["name"], "vol_b");
        assert_eq!(v["size"], 2147483648u64);
        assert_eq!(v["space"]["size"], 2147483648u64);
        assert_eq!(v["comment"], "second");
        assert_eq!(v["state"], "offline");
        // A null comment removes it.
        api.job_ok(api.patch(&format!("{VOLUMES}/{uuid}"), r#"{"comment": null}"#).await)
            .await;
        assert!(
            api.get(&format!("{VOLUMES}/{uuid}"))
                .await
                .json
                .get("comment")
                .is_none()
        );

        // DELETE: the volume stays until the job succeeds.
        let r = api.delete(&format!("{VOLUMES}/{uuid}")).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        assert_eq!(api.get(&format!("{VOLUMES}/{uuid}")).await.status, StatusCode::OK);
        let job = api
            .wait_job(r.json["job"]["uuid"].as_str().unwrap(), Duration::from_secs(10))
            .await;
        assert_eq!(job["state"], "success");
        let gone = api.get(&format!("{VOLUMES}/{uuid}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(
            gone.json,
            json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}})
        );
    })
    .await;
}

#[tokio::test]
async fn return_timeout_answers_201_or_200_when_the_job_ends_in_time() {
    bounded(async {
        let (_sim, api) = sim(50).await;
        let r = api
            .post(
                &format!("{VOLUMES}?return_timeout=10"),
                r#"{"name": "quick", "svm": {"name": "vs0"}}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert!(r.json["job"]["uuid"].is_string());
        let uuid = uuid_of(&api, "quick").await;
        let r = api
            .patch(&format!("{VOLUMES}/{uuid}?return_timeout=10"), r#"{"comment": "x"}"#)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = api.delete(&format!("{VOLUMES}/{uuid}?return_timeout=10")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            api.get(&format!("{VOLUMES}/{uuid}")).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn a_post_answers_the_new_keys_and_the_fields_given_with_return_records() {
    bounded(async {
        let (_sim, api) = sim(30).await;
        let r = api
            .post(
                &format!("{VOLUMES}?return_records=true"),
                r#"{"name": "keyed", "svm": {"name": "vs0"}}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        assert_eq!(r.json["num_records"], 1);
        let rec = &r.json["records"][0];
        assert_eq!(
            keys(rec),
            ["_links", "name", "svm", "uuid"],
            "the keys and the fields given"
        );
        let uuid = rec["uuid"].as_str().unwrap().to_owned();
        assert_eq!(rec["_links"]["self"]["href"], format!("{VOLUMES}/{uuid}"));
        // ONTAP's Location of an asynchronous create is a query on the collection.
        assert_eq!(r.headers["location"], "/api/storage/volumes/?name=keyed");
        let job_uuid = r.json["job"]["uuid"].as_str().unwrap();
        api.wait_job(job_uuid, Duration::from_secs(10)).await;
        assert_eq!(api.get(&format!("{VOLUMES}/{uuid}")).await.json["name"], "keyed");

        // Without return_records: only the job (and still Location).
        let r = api.post(VOLUMES, r#"{"name": "plain", "svm": {"name": "vs0"}}"#).await;
        assert!(r.json.get("records").is_none());
        assert!(
            r.headers["location"]
                .to_str()
                .unwrap()
                .starts_with("/api/storage/volumes/")
        );

        // Snapshots and SVMs too; a snapshot's keys include its volume.
        let r = api
            .post(
                &format!("{VOLUMES}/{uuid}/snapshots?return_records=true"),
                r#"{"name": "s"}"#,
            )
            .await;
        let snap = &r.json["records"][0];
        assert_eq!(keys(snap), ["_links", "name", "uuid", "volume"]);
        assert_eq!(snap["volume"]["uuid"], uuid.as_str());
        let r = api
            .post("/api/svm/svms?return_records=true", r#"{"name": "svm_k"}"#)
            .await;
        assert_eq!(r.json["records"][0]["name"], "svm_k");
        let r = api
            .post(
                &format!("{VOLUMES}?return_records=yes"),
                r#"{"name": "x", "svm": {"name": "vs0"}}"#,
            )
            .await;
        assert_eq!(r.error_code(), "262197");
    })
    .await;
}

#[tokio::test]
async fn duplicates_answer_409_and_missing_keys_404() {
    bounded(async {
        let (_sim, api) = sim(400).await;
        let body = r#"{"name": "dup", "svm": {"name": "vs0"}}"#;
        let first = api.post(VOLUMES, body).await;
        assert_eq!(first.status, StatusCode::ACCEPTED);
        // The first creation is still running: its name is taken already.
        let r = api.post(VOLUMES, body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.error_code(), "1");
        assert_eq!(r.error_target(), Some("name"));
        api.wait_job(first.json["job"]["uuid"].as_str().unwrap(), Duration::from_secs(10))
            .await;
        let r = api.post(VOLUMES, body).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "1");
        // The same name in another SVM is fine.
        api.job_ok(api.post(VOLUMES, r#"{"name": "dup", "svm": {"name": "vs1"}}"#).await)
            .await;
        // A rename onto a taken name, too.
        api.job_ok(api.post(VOLUMES, r#"{"name": "other", "svm": {"name": "vs0"}}"#).await)
            .await;
        let other = api.get(&format!("{VOLUMES}?name=other&svm.name=vs0")).await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = api.patch(&format!("{VOLUMES}/{other}"), r#"{"name": "dup"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "1");

        let missing = "00000000-0000-0000-0000-000000000000";
        for r in [
            api.get(&format!("{VOLUMES}/{missing}")).await,
            api.patch(&format!("{VOLUMES}/{missing}"), r#"{"comment": "x"}"#).await,
            api.delete(&format!("{VOLUMES}/{missing}")).await,
        ] {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
            assert_eq!(r.error_code(), "4");
            assert_eq!(r.error_target(), Some("uuid"));
        }
    })
    .await;
}

#[tokio::test]
async fn invalid_bodies_get_ontap_codes() {
    bounded(async {
        let (_sim, api) = sim(20).await;
        // Checked against the model first (262179 unknown, 262196 not settable, 262197 a
        // wrong type or value, 262199 bad JSON, 262255 not an object), then by the
        // volume's own rules.
        let cases: &[(&str, StatusCode, &str, &str)] = &[
            (r#"{"svm": {"name": "vs0"}}"#, StatusCode::BAD_REQUEST, "262212", "name"),
            (r#"{"name": "v"}"#, StatusCode::BAD_REQUEST, "262212", "svm"),
            (
                r#"{"name": "v-1", "svm": {"name": "vs0"}}"#,
                StatusCode::BAD_REQUEST,
                "917888",
                "name",
            ),
            (
                r#"{"name": "v", "svm": {"name": "nope"}}"#,
                StatusCode::BAD_REQUEST,
                "2621462",
                "svm.name",
            ),
            (
                r#"{"name": "v", "svm": {"uuid": "nope"}}"#,
                StatusCode::BAD_REQUEST,
                "2621462",
                "svm.uuid",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "size": 1}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "size",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "size": "big"}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "size",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "size": 1.5e9}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "size",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "state": "gone"}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "state",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "type": "sideways"}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "type",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "colour": "red"}"#,
                StatusCode::BAD_REQUEST,
                "262179",
                "colour",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0", "colour": "red"}}"#,
                StatusCode::BAD_REQUEST,
                "262179",
                "svm.colour",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "uuid": "x"}"#,
                StatusCode::BAD_REQUEST,
                "262196",
                "uuid",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "aggregates": [{"name": "aggr9"}]}"#,
                StatusCode::BAD_REQUEST,
                "2",
                "aggregates.name",
            ),
            (
                r#"{"name": "v", "svm": {"name": "vs0"}, "aggregates": "aggr1"}"#,
                StatusCode::BAD_REQUEST,
                "262197",
                "aggregates",
            ),
            (r#"{"name": "v", "svm": 7}"#, StatusCode::BAD_REQUEST, "262197", "svm"),
            (r#"[1, 2]"#, StatusCode::BAD_REQUEST, "262255", ""),
            (r#"{"name": "#, StatusCode::BAD_REQUEST, "262199", ""),
        ];
        for (body, status, code, target) in cases {
            let r = api.post(VOLUMES, body).await;
            assert_eq!(r.status, *status, "{body}: {}", r.text);
            assert_eq!(r.error_code(), *code, "{body}: {}", r.text);
            if !target.is_empty() {
                assert_eq!(r.error_target(), Some(*target), "{body}");
            }
        }
        let r = api
            .post(
                &format!("{VOLUMES}?colour=red"),
                r#"{"name": "v", "svm": {"name": "vs0"}}"#,
            )
            .await;
        assert_eq!(r.error_code(), "262179");
        let r = api
            .post(
                &format!("{VOLUMES}?return_timeout=500"),
                r#"{"name": "v", "svm": {"name": "vs0"}}"#,
            )
            .await;
        assert_eq!(r.error_code(), "262197");
        // Nothing was created by the rejected requests (the SVMs' root volumes are there).
        assert_eq!(
            api.get(&format!("{VOLUMES}?is_svm_root=!true")).await.json["num_records"],
            0
        );

        // Explicit aggregates by name or UUID; PATCH of read-only fields.
        let aggr2 = api.get("/api/storage/aggregates?name=aggr2").await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        api.job_ok(
            api.post(
                VOLUMES,
                &json!({"name": "on2", "svm": {"name": "vs0"}, "aggregates": [{"uuid": aggr2}]}).to_string(),
            )
            .await,
        )
        .await;
        let uuid = uuid_of(&api, "on2").await;
        let v = api.get(&format!("{VOLUMES}/{uuid}?fields=aggregates")).await.json;
        assert_eq!(v["aggregates"][0]["name"], "aggr2");
        for (body, code, target) in [
            (r#"{"svm": {"name": "vs1"}}"#, "262196", "svm"),
            (r#"{"space": {"used": 1}}"#, "262196", "space.used"),
            (r#"{"size": 5}"#, "262197", "size"),
            (r#"{"name": "a b"}"#, "917888", "name"),
            (r#"{"state": "asleep"}"#, "262197", "state"),
            (r#"{"colour": 1}"#, "262179", "colour"),
        ] {
            let r = api.patch(&format!("{VOLUMES}/{uuid}"), body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(r.error_code(), code, "{body}: {}", r.text);
            assert_eq!(r.error_target(), Some(target), "{body}");
        }
        // Verbs a path does not have.
        let r = api
            .send(api.client.put(api.url(VOLUMES)).basic_auth(&api.user, Some(&api.pass)))
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers["allow"], "GET, POST, PATCH, DELETE", "the model's methods");
        assert_eq!(r.error_code(), "3");
    })
    .await;
}

#[tokio::test]
async fn snapshots_live_under_their_volume() {
    bounded(async {
        let (_sim, api) = sim(30).await;
        api.job_ok(api.post(VOLUMES, r#"{"name": "data", "svm": {"name": "vs0"}}"#).await)
            .await;
        let vol = uuid_of(&api, "data").await;
        let snaps = format!("{VOLUMES}/{vol}/snapshots");
        assert_eq!(api.get(&snaps).await.json["num_records"], 0);

        let job = api
            .job_ok(
                api.post(
                    &snaps,
                    r#"{"name": "daily.1", "comment": "c", "expiry_time": "2030-01-02T03:04:05Z"}"#,
                )
                .await,
            )
            .await;
        let list = api.get(&format!("{snaps}?fields=*")).await;
        assert_eq!(list.json["num_records"], 1);
        assert_eq!(list.json["_links"]["self"]["href"], format!("{snaps}?fields=*"));
        let s = &list.json["records"][0];
        let uuid = s["uuid"].as_str().unwrap().to_owned();
        assert_eq!(job["description"], format!("POST {snaps}/{uuid}"));
        assert_eq!(s["name"], "daily.1");
        assert_eq!(s["volume"], json!({"uuid": vol, "name": "data"}));
        assert_eq!(s["state"], "valid");
        assert_eq!(s["comment"], "c");
        assert_eq!(s["expiry_time"], "2030-01-02T03:04:05+00:00");
        assert!(s["create_time"].as_str().unwrap().ends_with("+00:00"));
        assert_eq!(s["_links"]["self"]["href"], format!("{snaps}/{uuid}"));
        let one = api.get(&format!("{snaps}/{uuid}")).await;
        assert_eq!(one.status, StatusCode::OK);
        assert_eq!(&one.json, s);

        // Duplicate name in the same volume: 409; in another volume: fine.
        let r = api.post(&snaps, r#"{"name": "daily.1"}"#).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "1");
        api.job_ok(api.post(VOLUMES, r#"{"name": "data2", "svm": {"name": "vs0"}}"#).await)
            .await;
        let vol2 = uuid_of(&api, "data2").await;
        api.job_ok(
            api.post(&format!("{VOLUMES}/{vol2}/snapshots"), r#"{"name": "daily.1"}"#)
                .await,
        )
        .await;

        // PATCH name, comment, expiry_time.
        api.job_ok(
            api.patch(
                &format!("{snaps}/{uuid}"),
                r#"{"name": "weekly.1", "comment": "kept", "expiry_time": "2031-01-01T00:00:00+02:00"}"#,
            )
            .await,
        )
        .await;
        let s = api.get(&format!("{snaps}/{uuid}")).await.json;
        assert_eq!(s["name"], "weekly.1");
        assert_eq!(s["comment"], "kept");
        assert_eq!(s["expiry_time"], "2031-01-01T00:00:00+02:00");
        let r = api
            .patch(&format!("{snaps}/{uuid}"), r#"{"expiry_time": "soon"}"#)
            .await;
        assert_eq!(r.error_code(), "2");
        let r = api.patch(&format!("{snaps}/{uuid}"), r#"{"state": "invalid"}"#).await;
        assert_eq!(r.error_code(), "262196", "state is read-only");
        assert_eq!(r.error_target(), Some("state"));

        // Renaming the volume shows in its snapshots.
        api.job_ok(api.patch(&format!("{VOLUMES}/{vol}"), r#"{"name": "renamed"}"#).await)
            .await;
        assert_eq!(
            api.get(&format!("{snaps}/{uuid}?fields=volume.name")).await.json["volume"]["name"],
            "renamed"
        );

        // 404: unknown volume (code 4, target volume.uuid) and unknown snapshot.
        let nope = format!("{VOLUMES}/nope/snapshots");
        for r in [
            api.get(&nope).await,
            api.post(&nope, r#"{"name": "x"}"#).await,
            api.get(&format!("{nope}/{uuid}")).await,
            api.patch(&format!("{nope}/{uuid}"), "{}").await,
            api.delete(&format!("{nope}/{uuid}")).await,
        ] {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
            assert_eq!(r.error_code(), "4");
            assert_eq!(r.error_target(), Some("volume.uuid"));
        }
        let r = api.get(&format!("{snaps}/nope")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_target(), Some("uuid"));

        // DELETE one snapshot; deleting the volume takes the others with it.
        api.job_ok(api.delete(&format!("{snaps}/{uuid}")).await).await;
        assert_eq!(api.get(&format!("{snaps}/{uuid}")).await.status, StatusCode::NOT_FOUND);
        api.job_ok(api.post(&snaps, r#"{"name": "last"}"#).await).await;
        let last = api.get(&format!("{snaps}?name=last")).await.json["records"][0]["uuid"]
            .as_str()
            .unwrap()
            .to_owned();
        api.job_ok(api.delete(&format!("{VOLUMES}/{vol}")).await).await;
        let r = api.get(&format!("{snaps}/{last}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_target(), Some("volume.uuid"));
        // A new volume never sees them.
        assert_eq!(
            api.get(&format!("{VOLUMES}/{vol2}/snapshots")).await.json["num_records"],
            1
        );
    })
    .await;
}

const SEEDED: usize = 10_000;

async fn seeded() -> (Simulator, Api) {
    let started = std::time::Instant::now();
    let sim = Simulator::builder()
        .tls(false)
        .seed_volumes(SEEDED)
        .job_duration(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "seeding took {:?}",
        started.elapsed()
    );
    let api = Api::new(&sim);
    (sim, api)
}

#[tokio::test]
async fn ten_thousand_volumes_page_by_100_each_once_in_order() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let count = api.get(&format!("{VOLUMES}?return_records=false")).await;
        assert_eq!(count.json["num_records"], SEEDED + 1, "and vs0's root volume");
        assert!(count.json.get("records").is_none());

        // The seeded data volumes, without vs0's root volume.
        let full = api.get(&format!("{VOLUMES}?is_svm_root=!true")).await;
        assert!(full.json["_links"].get("next").is_none());
        let expected = column(&records(&full.json), "uuid");
        assert_eq!(expected.len(), SEEDED);

        let pages = api
            .all_pages(&format!("{VOLUMES}?is_svm_root=!true&max_records=100"))
            .await;
        assert_eq!(pages.len(), SEEDED / 100);
        let mut got = Vec::new();
        for p in &pages {
            let recs = records(p);
            assert_eq!(recs.len(), 100);
            assert_eq!(p["num_records"], 100);
            got.extend(column(&recs, "uuid"));
        }
        assert_eq!(got, expected, "every record once, in the collection's order");
        let unique: HashSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), SEEDED);
        let next = pages[0]["_links"]["next"]["href"].as_str().unwrap();
        assert!(next.contains("start.uuid="), "{next}");
        assert!(next.contains("max_records=100"), "{next}");
    })
    .await;
}

#[tokio::test]
async fn order_by_any_field_pages_stably_ascending_and_descending() {
    bounded(async {
        let (_sim, api) = seeded().await;
        // By name, descending, 100 at a time.
        let pages = api
            .all_pages(&format!(
                "{VOLUMES}?order_by=name%20desc&max_records=100&is_svm_root=!true"
            ))
            .await;
        let names: Vec<String> = pages.iter().flat_map(|p| column(&records(p), "name")).collect();
        assert_eq!(names.len(), SEEDED);
        let mut sorted = names.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(names, sorted);
        assert_eq!(names[0], format!("vol{SEEDED:05}"));

        // By size (a number, with many ties broken by the key), with fields and a filter
        // carried into every next link.
        let pages = api
            .all_pages(&format!(
                "{VOLUMES}?order_by=size&fields=size,state&state=online&max_records=300"
            ))
            .await;
        let recs: Vec<Value> = pages.iter().flat_map(records).collect();
        // The seeded ones that are online, and vs0's root volume.
        let online = (0..SEEDED).filter(|i| i % 50 != 49 && i % 50 != 24).count() + 1;
        assert_eq!(recs.len(), online);
        let sizes: Vec<u64> = recs.iter().map(|r| r["size"].as_u64().unwrap()).collect();
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "sizes ascend as numbers");
        assert!(recs.iter().all(|r| r["state"] == "online"));
        let unique: HashSet<&str> = recs.iter().map(|r| r["uuid"].as_str().unwrap()).collect();
        assert_eq!(unique.len(), online);
        let next = pages[0]["_links"]["next"]["href"].as_str().unwrap();
        assert!(next.contains("start.size=") && next.contains("start.uuid="), "{next}");

        // Changes between pages: nothing is returned twice or skipped among the records
        // that stay.
        let first = api.get(&format!("{VOLUMES}?order_by=name&max_records=5000")).await;
        let seen = column(&records(&first.json), "name");
        let gone = uuid_of(&api, "vol00001").await;
        api.job_ok(api.delete(&format!("{VOLUMES}/{gone}")).await).await;
        api.job_ok(
            api.post(VOLUMES, r#"{"name": "aaa_new", "svm": {"name": "vs0"}}"#)
                .await,
        )
        .await;
        let next = first.json["_links"]["next"]["href"].as_str().unwrap();
        let rest = api.all_pages(next).await;
        let later: Vec<String> = rest.iter().flat_map(|p| column(&records(p), "name")).collect();
        assert_eq!(seen.len() + later.len(), SEEDED + 1, "and vs0_root, last");
        assert!(later.iter().all(|n| !seen.contains(n)));
        assert_eq!(seen.last().unwrap(), "vol05000");
        assert_eq!(later[0], "vol05001");

        let bad = api.get(&format!("{VOLUMES}?order_by=colour")).await;
        assert_eq!(bad.error_code(), "262268");
        assert_eq!(bad.error_target(), Some("order_by"));
        let bad = api.get(&format!("{VOLUMES}?order_by=name%20sideways")).await;
        assert_eq!(bad.error_code(), "262268");
        let bad = api.get(&format!("{VOLUMES}?order_by=svm")).await;
        assert_eq!(bad.error_code(), "262268", "only simple fields order");
    })
    .await;
}

async fn count(api: &Api, query: &str) -> usize {
    let r = api.get(&format!("{VOLUMES}?{query}&return_records=false")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    r.json["num_records"].as_u64().unwrap() as usize
}

#[tokio::test]
async fn filters_use_ontap_operators_and_numbers_compare_as_numbers() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let all = records(&api.get(&format!("{VOLUMES}?fields=*")).await.json);
        let expect = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|r| pred(r)).count();
        let size = |r: &Value| r["size"].as_u64().unwrap();
        const GIB: u64 = 1 << 30;

        assert_eq!(count(&api, "name=vol00042").await, 1);
        assert_eq!(count(&api, "name=VOL00042").await, 1, "strings ignore case");
        assert_eq!(count(&api, "name=vol0001*").await, 10);
        assert_eq!(count(&api, "name=!vol0*").await, SEEDED - 9999 + 1, "and vs0_root");
        assert_eq!(count(&api, "name=vol00001|vol00002|nope").await, 2);
        assert_eq!(
            count(&api, &format!("size=>{}", 50 * GIB)).await,
            expect(&|r| size(r) > 50 * GIB)
        );
        assert_eq!(
            count(&api, &format!("size=>={}", 50 * GIB)).await,
            expect(&|r| size(r) >= 50 * GIB)
        );
        assert_eq!(
            count(&api, &format!("size=<{}", 10 * GIB)).await,
            expect(&|r| size(r) < 10 * GIB)
        );
        assert_eq!(
            count(&api, &format!("size=<={}", 9 * GIB)).await,
            expect(&|r| size(r) <= 9 * GIB),
            "9 GiB < 10 GiB as numbers, although \"9...\" > \"1...\" as text"
        );
        assert_eq!(
            count(&api, &format!("size={}..{}", 2 * GIB, 4 * GIB)).await,
            expect(&|r| (2 * GIB..=4 * GIB).contains(&size(r)))
        );
        assert_eq!(
            count(&api, "state=offline|restricted").await,
            expect(&|r| r["state"] != "online")
        );
        assert_eq!(count(&api, "comment=*").await, expect(&|r| r.get("comment").is_some()));
        assert_eq!(count(&api, "comment=!*").await, expect(&|r| r.get("comment").is_none()));
        assert_eq!(
            count(&api, "aggregates.name=aggr2").await,
            expect(&|r| r["aggregates"][0]["name"] == "aggr2")
        );
        assert_eq!(count(&api, "svm.name=vs0").await, SEEDED + 1);
        assert_eq!(
            count(&api, "space.used=<1000000000&state=online").await,
            expect(&|r| r["space"]["used"].as_u64().unwrap() < 1_000_000_000 && r["state"] == "online")
        );

        // Unknown filter fields and fields= names.
        let r = api.get(&format!("{VOLUMES}?colour=red")).await;
        assert_eq!(r.error_code(), "262179");
        assert_eq!(
            count(&api, "svm=vs0").await,
            SEEDED + 1,
            "a reference filters by its name"
        );
        let r = api.get(&format!("{VOLUMES}?space=1")).await;
        assert_eq!(r.error_code(), "262179", "other objects are not filters");
        let r = api.get(&format!("{VOLUMES}?fields=size,colour")).await;
        assert_eq!(r.error_code(), "262197");
        assert_eq!(r.error_target(), Some("fields"));

        // fields: keys and links always; nested selections.
        let r = api.get(&format!("{VOLUMES}?max_records=1")).await;
        assert_eq!(keys(&r.json["records"][0]), ["_links", "name", "uuid"]);
        let r = api
            .get(&format!("{VOLUMES}?max_records=1&fields=svm.name,space.used"))
            .await;
        let rec = &r.json["records"][0];
        assert_eq!(keys(rec), ["_links", "name", "space", "svm", "uuid"]);
        assert_eq!(keys(&rec["svm"]), ["name"]);
        assert_eq!(keys(&rec["space"]), ["used"]);
        let star = api.get(&format!("{VOLUMES}?max_records=1&fields=*")).await;
        assert_eq!(star.json["records"][0], all[0]);
    })
    .await;
}
