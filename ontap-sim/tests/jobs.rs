//! The job collection (paging, fields, filters), single jobs, actions on jobs that do not
//! support them, and the purge.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Api, bounded};
use ontap_sim::Simulator;
use reqwest::StatusCode;
use serde_json::Value;

const SEEDED: usize = 23;

async fn seeded() -> (Simulator, Api) {
    let sim = Simulator::builder().tls(false).seed_jobs(SEEDED).start().await.unwrap();
    let api = Api::new(&sim);
    (sim, api)
}

fn uuids(records: &Value) -> Vec<String> {
    records
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["uuid"].as_str().expect("uuid").to_owned())
        .collect()
}

/// Follows `_links.next` verbatim from `first`; returns every page.
async fn all_pages(api: &Api, first: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    let mut seen = HashSet::new();
    while let Some(href) = next {
        assert!(seen.insert(href.clone()), "next link repeats: {href}");
        assert!(pages.len() < 100, "too many pages");
        let r = api.get(&href).await;
        assert_eq!(r.status, StatusCode::OK, "{href}: {}", r.text);
        next = r.json["_links"]["next"]["href"].as_str().map(str::to_owned);
        if let Some(n) = &next {
            assert!(n.starts_with("/api/cluster/jobs?"), "{n}");
            assert!(n.contains("start.uuid="), "{n}");
            let link = r.headers["link"].to_str().unwrap();
            assert_eq!(link, format!("<{n}>; rel=\"next\""));
        }
        pages.push(r.json);
    }
    pages
}

#[tokio::test]
async fn paging_returns_every_record_once_in_order() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let full = api.get("/api/cluster/jobs").await;
        assert_eq!(full.json["num_records"], SEEDED);
        assert!(full.json["_links"].get("next").is_none());
        assert_eq!(full.json["_links"]["self"]["href"], "/api/cluster/jobs");
        let expected = uuids(&full.json["records"]);
        assert_eq!(expected.len(), SEEDED);
        let mut sorted = expected.clone();
        sorted.sort();
        assert_eq!(expected, sorted, "the collection is ordered by uuid");

        for page_size in [1usize, 5, 7, 23, 50] {
            let pages = all_pages(&api, &format!("/api/cluster/jobs?max_records={page_size}")).await;
            let mut got = Vec::new();
            for (i, p) in pages.iter().enumerate() {
                let recs = uuids(&p["records"]);
                assert_eq!(p["num_records"], recs.len());
                assert!(recs.len() <= page_size);
                if i + 1 < pages.len() {
                    assert_eq!(recs.len(), page_size, "only the last page may be short");
                }
                got.extend(recs);
            }
            assert_eq!(got, expected, "max_records={page_size}");
            assert_eq!(pages.len(), SEEDED.div_ceil(page_size));
        }

        // Descending order pages too.
        let pages = all_pages(&api, "/api/cluster/jobs?order_by=uuid%20desc&max_records=4").await;
        let got: Vec<String> = pages.iter().flat_map(|p| uuids(&p["records"])).collect();
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(got, reversed);
    })
    .await;
}

#[tokio::test]
async fn order_by_other_fields_pages_each_job_once() {
    bounded(async {
        let (_sim, api) = seeded().await;
        for order in ["description", "state%20desc", "code", "end_time%20desc"] {
            let pages = all_pages(
                &api,
                &format!("/api/cluster/jobs?order_by={order}&fields=*&max_records=4"),
            )
            .await;
            let recs: Vec<Value> = pages
                .iter()
                .flat_map(|p| p["records"].as_array().unwrap().clone())
                .collect();
            assert_eq!(recs.len(), SEEDED, "{order}");
            let ids: HashSet<&str> = recs.iter().map(|r| r["uuid"].as_str().unwrap()).collect();
            assert_eq!(ids.len(), SEEDED, "{order}: each job once");
            let field = order.split('%').next().unwrap();
            let desc = order.ends_with("desc");
            for w in recs.windows(2) {
                let (a, b) = (&w[0][field], &w[1][field]);
                let ordered = match (a.as_i64(), b.as_i64()) {
                    (Some(x), Some(y)) => {
                        if desc {
                            x >= y
                        } else {
                            x <= y
                        }
                    }
                    _ => {
                        let (x, y) = (a.as_str().unwrap().to_lowercase(), b.as_str().unwrap().to_lowercase());
                        if desc { x >= y } else { x <= y }
                    }
                };
                assert!(ordered, "{order}: {a} then {b}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn next_link_carries_fields_and_filters() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let pages = all_pages(&api, "/api/cluster/jobs?state=success&fields=state,code&max_records=4").await;
        let mut n = 0;
        for p in &pages {
            for r in p["records"].as_array().unwrap() {
                assert_eq!(r["state"], "success");
                assert_eq!(r["code"], 0);
                assert!(r.get("description").is_none());
                n += 1;
            }
        }
        let failures = (0..SEEDED).filter(|i| i % 5 == 4).count();
        assert_eq!(n, SEEDED - failures);
        assert!(pages.len() > 1);
    })
    .await;
}

#[tokio::test]
async fn return_records_false_counts_only() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let r = api.get("/api/cluster/jobs?return_records=false").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json["num_records"], SEEDED);
        assert!(r.json.get("records").is_none(), "{}", r.text);
        let r = api.get("/api/cluster/jobs?return_records=false&state=failure").await;
        assert_eq!(r.json["num_records"], (0..SEEDED).filter(|i| i % 5 == 4).count());
        let r = api.get("/api/cluster/jobs?return_records=true&max_records=2").await;
        assert_eq!(r.json["records"].as_array().unwrap().len(), 2);
    })
    .await;
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn fields_select_what_is_returned() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let r = api.get("/api/cluster/jobs?max_records=1").await;
        assert_eq!(keys(&r.json["records"][0]), ["_links", "uuid"]);

        let r = api.get("/api/cluster/jobs?fields=state&max_records=1").await;
        assert_eq!(keys(&r.json["records"][0]), ["_links", "state", "uuid"]);

        let r = api.get("/api/cluster/jobs?fields=*&max_records=1").await;
        assert_eq!(
            keys(&r.json["records"][0]),
            [
                "_links",
                "code",
                "description",
                "end_time",
                "message",
                "node",
                "start_time",
                "state",
                "svm",
                "uuid"
            ]
        );
        let r2 = api.get("/api/cluster/jobs?fields=**&max_records=1").await;
        assert_eq!(r.json["records"], r2.json["records"]);

        let uuid = r.json["records"][0]["uuid"].as_str().unwrap().to_owned();
        let path = format!("/api/cluster/jobs/{uuid}");
        let all = api.get(&path).await;
        assert_eq!(keys(&all.json), keys(&r.json["records"][0]));

        let some = api.get(&format!("{path}?fields=state,code")).await;
        assert_eq!(keys(&some.json), ["_links", "code", "state", "uuid"]);

        let nested = api.get(&format!("{path}?fields=svm.name,node")).await;
        assert_eq!(keys(&nested.json), ["_links", "node", "svm", "uuid"]);
        assert_eq!(keys(&nested.json["svm"]), ["name"]);

        let bad = api.get(&format!("{path}?fields=state,colour")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.error_code(), "262197");
        assert_eq!(bad.error_target(), Some("fields"));
        let bad = api.get("/api/cluster/jobs?fields=svm.colour").await;
        assert_eq!(bad.error_code(), "262197");

        // A failed seeded job carries error{message, code (string), arguments}.
        let failed = api
            .get("/api/cluster/jobs?state=failure&fields=error,code&max_records=1")
            .await;
        let rec = &failed.json["records"][0];
        assert!(rec["code"].is_i64());
        assert!(rec["error"]["code"].is_string());
        assert!(rec["error"]["message"].is_string());
        assert!(rec["error"]["arguments"].is_array());
    })
    .await;
}

async fn count(api: &Api, query: &str) -> usize {
    let r = api.get(&format!("/api/cluster/jobs?{query}&fields=*")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    r.json["num_records"].as_u64().unwrap() as usize
}

#[tokio::test]
async fn filters_match_like_ontap_queries() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let all = api.get("/api/cluster/jobs?fields=*").await.json["records"].clone();
        let all = all.as_array().unwrap();
        let expect = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|r| pred(r)).count();

        let failures = expect(&|r| r["state"] == "failure");
        assert!(failures > 0 && failures < SEEDED);
        assert_eq!(count(&api, "state=failure").await, failures);
        assert_eq!(count(&api, "state=FAILURE").await, failures);
        assert_eq!(count(&api, "state=!failure").await, SEEDED - failures);
        assert_eq!(count(&api, "state=success|failure").await, SEEDED);
        assert_eq!(count(&api, "code=!0").await, failures);
        assert_eq!(count(&api, "code=>0").await, failures);
        assert_eq!(count(&api, "code=0").await, SEEDED - failures);
        assert_eq!(count(&api, "error.code=917927").await, failures);

        let posts = expect(&|r| r["description"].as_str().unwrap().starts_with("POST "));
        assert!(posts > 0);
        assert_eq!(count(&api, "description=POST*").await, posts);
        assert_eq!(
            count(&api, "description=POST%20%2Fapi%2Fstorage%2Fvolumes").await,
            expect(&|r| r["description"] == "POST /api/storage/volumes")
        );
        let snap = expect(&|r| r["description"].as_str().unwrap().contains("Snapshot"));
        assert_eq!(count(&api, "description=*Snapshot*").await, snap);
        assert_eq!(count(&api, "message=success").await, SEEDED - failures);

        let uuid = all[3]["uuid"].as_str().unwrap();
        assert_eq!(count(&api, &format!("uuid={uuid}")).await, 1);
        let node = all[0]["node"]["name"].as_str().unwrap();
        assert_eq!(
            count(&api, &format!("node.name={node}")).await,
            expect(&|r| r["node"]["name"] == node)
        );
        assert_eq!(
            count(&api, "svm.name=vs0").await,
            expect(&|r| r["svm"]["name"] == "vs0")
        );
        assert_eq!(count(&api, "state=running").await, 0);

        // Combined filters are ANDed.
        assert_eq!(
            count(&api, "state=failure&svm.name=vs0").await,
            expect(&|r| r["state"] == "failure" && r["svm"]["name"] == "vs0")
        );
    })
    .await;
}

#[tokio::test]
async fn seeded_jobs_support_no_actions() {
    bounded(async {
        let (_sim, api) = seeded().await;
        let r = api.get("/api/cluster/jobs?max_records=1").await;
        let uuid = r.json["records"][0]["uuid"].as_str().unwrap().to_owned();
        let path = format!("/api/cluster/jobs/{uuid}");
        let r = api.patch(&format!("{path}?action=pause"), "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "458783");
        let r = api.patch(&format!("{path}?action=resume"), "{}").await;
        assert_eq!(r.error_code(), "458783");
        let r = api.patch(&format!("{path}?action=cancel"), "{}").await;
        assert_eq!(r.error_code(), "458784");
        let r = api.patch(&path, "{}").await;
        assert_eq!(r.status, StatusCode::OK, "an empty PATCH changes nothing");
        let r = api.patch(&path, r#"{"state": "failure"}"#).await;
        assert_eq!(r.error_code(), "262179");
    })
    .await;
}

#[tokio::test]
async fn finished_jobs_are_purged_after_the_retention() {
    bounded(async {
        let retention = Duration::from_millis(1500);
        let sim = Simulator::builder()
            .tls(false)
            .seed_jobs(3)
            .job_retention(retention)
            .start()
            .await
            .unwrap();
        let started = Instant::now();
        let api = Api::new(&sim);
        let r = api.get("/api/cluster/jobs").await;
        let ids = uuids(&r.json["records"]);
        assert_eq!(ids.len(), 3);
        let path = format!("/api/cluster/jobs/{}", ids[0]);
        assert_eq!(api.get(&path).await.status, StatusCode::OK);

        let gone = loop {
            let r = api.get(&path).await;
            if r.status == StatusCode::NOT_FOUND {
                break r;
            }
            assert!(started.elapsed() < retention * 4, "not purged");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(started.elapsed() >= retention - Duration::from_millis(100));
        assert_eq!(
            gone.json,
            serde_json::json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}})
        );
        assert_eq!(api.get("/api/cluster/jobs").await.json["num_records"], 0);
    })
    .await;
}

#[tokio::test]
async fn plain_json_answers_carry_no_links_but_next() {
    bounded(async {
        let sim = Simulator::builder().tls(false).seed_jobs(5).start().await.unwrap();
        let api = Api::new(&sim);
        let plain = api
            .send(
                api.client
                    .get(api.url("/api/cluster/jobs?max_records=2"))
                    .basic_auth(&api.user, Some(&api.pass))
                    .header("Accept", "application/json"),
            )
            .await;
        assert!(plain.json["records"][0].get("_links").is_none(), "{}", plain.text);
        assert!(plain.json["_links"].get("self").is_none());
        assert!(plain.json["_links"]["next"]["href"].is_string());
        let hal = api.get("/api/cluster/jobs?max_records=2").await;
        assert!(hal.json["records"][0]["_links"]["self"].is_object());
        assert!(hal.json["_links"]["self"].is_object());
    })
    .await;
}
