//! The cluster, its software packages, validation and upgrade: the whole
//! download → package → validate → upgrade → new version path, and its error codes.

mod common;

use std::time::{Duration, Instant};

use common::{Api, bounded, column, package_bytes, records};
use ontap_sim::{PackageServer, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);
const SOFTWARE: &str = "/api/cluster/software";
const PACKAGES: &str = "/api/cluster/software/packages";

#[tokio::test]
async fn cluster_get_and_patch() {
    bounded(async {
        let sim = Simulator::builder()
            .tls(false)
            .cluster_version("9.14.1P3")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let c = api.get("/api/cluster").await;
        assert_eq!(c.status, StatusCode::OK);
        assert_eq!(c.json["name"], "sim-cluster");
        assert!(c.json["uuid"].is_string());
        let full = c.json["version"]["full"].as_str().unwrap();
        assert!(full.starts_with("NetApp Release 9.14.1P3: "), "{full}");
        assert_eq!(c.json["version"]["generation"], 9);
        assert_eq!(c.json["version"]["major"], 14);
        assert_eq!(c.json["version"]["minor"], 1);
        assert_eq!(c.json["_links"]["self"]["href"], "/api/cluster");
        assert!(c.json.get("location").is_none());

        // ONTAP applies a cluster PATCH through a job.
        let r = api
            .patch("/api/cluster", r#"{"name": "lab", "location": "rack 4", "contact": "ops@example.com"}"#)
            .await;
        let job = api.job_ok(r).await;
        assert_eq!(job["description"], "PATCH /api/cluster");
        let c = api.get("/api/cluster?fields=name,location,contact").await.json;
        assert_eq!(
            c,
            json!({"name": "lab", "location": "rack 4", "contact": "ops@example.com", "_links": {"self": {"href": "/api/cluster"}}})
        );
        for (body, code, target) in [
            (r#"{"colour": "red"}"#, "262179", "colour"),
            // Read-only fields: 262196, a wrong type 262197, as on every engine path.
            (r#"{"uuid": "x"}"#, "262196", "uuid"),
            (r#"{"version": {"full": "x"}}"#, "262196", "version"),
            (r#"{"name": [5]}"#, "262197", "name"),
            (r#"{"name": "two words"}"#, "2", "name"),
        ] {
            let r = api.patch("/api/cluster", body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
            assert_eq!(r.error_code(), code, "{body}: {}", r.text);
            assert_eq!(r.error_target(), Some(target), "{body}");
        }
        let r = api.send(api.client.delete(api.url("/api/cluster")).basic_auth(&api.user, Some(&api.pass))).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers["allow"], "GET, POST, PATCH", "the model's methods");
        let r = api.get("/api/cluster?fields=colour").await;
        assert_eq!(r.error_code(), "262197");
    })
    .await;
}

async fn download(api: &Api, url: String) -> Value {
    let uuid = api.start_download(json!({"url": url})).await;
    api.wait_job(&uuid, WAIT).await
}

#[tokio::test]
async fn download_validate_upgrade_changes_the_version() {
    bounded(async {
        let packages = PackageServer::start(
            [("ontap-9.16.1-image.tgz", package_bytes(50_000, 1))],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let upgrade = Duration::from_millis(1200);
        let sim = Simulator::builder()
            .cluster_version("9.15.1")
            .tls(false)
            .job_duration(Duration::from_millis(50))
            .upgrade_duration(upgrade)
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        assert_eq!(sim.cluster_version(), "9.15.1");
        let sw = api.get(SOFTWARE).await.json;
        assert_eq!(sw["version"], "9.15.1");
        assert_eq!(column(sw["nodes"].as_array().unwrap(), "version"), ["9.15.1", "9.15.1"]);
        assert!(sw.get("state").is_none() && sw.get("pending_version").is_none());
        assert_eq!(api.get(PACKAGES).await.json["num_records"], 0);

        // Download: the package appears, its version read from the file name.
        let job = download(&api, packages.url("ontap-9.16.1-image.tgz")).await;
        assert_eq!(job["state"], "success", "{job}");
        let list = api.get(&format!("{PACKAGES}?fields=*")).await.json;
        assert_eq!(list["num_records"], 1);
        let pkg = &list["records"][0];
        assert_eq!(pkg["version"], "9.16.1");
        assert!(pkg["create_time"].as_str().unwrap().ends_with("+00:00"));
        assert_eq!(pkg["_links"]["self"]["href"], format!("{PACKAGES}/9.16.1"));
        let one = api.get(&format!("{PACKAGES}/9.16.1")).await;
        assert_eq!(&one.json, pkg);
        assert_eq!(sim.packages()[0].version, "9.16.1");

        // Validate only: a job that succeeds, fills validation_results, changes nothing.
        let r = api
            .patch(&format!("{SOFTWARE}?validate_only=true"), r#"{"version": "9.16.1"}"#)
            .await;
        let job = api.job_ok(r).await;
        assert_eq!(job["description"], "PATCH /api/cluster/software");
        let sw = api.get(SOFTWARE).await.json;
        let checks = sw["validation_results"].as_array().unwrap();
        assert!(!checks.is_empty());
        for c in checks {
            assert!(c["update_check"].is_string() && c["status"].is_string());
            assert!(c["issue"]["message"].is_string() && c["action"]["message"].is_string());
        }
        assert_eq!(sw["version"], "9.15.1");
        assert!(sw.get("pending_version").is_none());

        // The upgrade: visible progress, node by node, then the new version everywhere.
        let started = Instant::now();
        let r = api
            .patch(
                &format!("{SOFTWARE}?skip_warnings=true"),
                r#"{"version": "9.16.1", "stabilize_minutes": 5}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let uuid = r.json["job"]["uuid"].as_str().unwrap().to_owned();
        let again = api.patch(SOFTWARE, r#"{"version": "9.16.1"}"#).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert_eq!(again.error_code(), "10551357");
        let during = api.get(SOFTWARE).await.json;
        assert_eq!(during["state"], "in_progress");
        assert_eq!(during["pending_version"], "9.16.1");
        assert_eq!(during["version"], "9.15.1");
        assert_eq!(during["update_details"].as_array().unwrap().len(), 2);
        assert!(during["estimated_duration"].is_u64());

        let mut messages = Vec::new();
        let job = loop {
            let j = api.get(&format!("/api/cluster/jobs/{uuid}")).await.json;
            let state = j["state"].as_str().unwrap().to_owned();
            if state == "success" || state == "failure" {
                break j;
            }
            assert_eq!(state, "running", "{j}");
            let m = j["message"].as_str().unwrap().to_owned();
            if messages.last() != Some(&m) {
                messages.push(m);
            }
            assert!(started.elapsed() < WAIT);
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        assert_eq!(job["state"], "success", "{job}");
        assert!(
            started.elapsed() >= upgrade - Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
        assert!(messages.len() >= 4, "progress shows, node by node: {messages:?}");
        assert!(messages.iter().any(|m| m.contains("sim-cluster-01")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("sim-cluster-02")), "{messages:?}");

        let c = api.get("/api/cluster").await.json;
        assert!(
            c["version"]["full"]
                .as_str()
                .unwrap()
                .starts_with("NetApp Release 9.16.1: ")
        );
        assert_eq!(c["version"]["major"], 16);
        assert_eq!(c["version"]["minor"], 1);
        let sw = api.get(SOFTWARE).await.json;
        assert_eq!(sw["version"], "9.16.1");
        assert_eq!(sw["state"], "completed");
        assert!(sw.get("pending_version").is_none());
        assert_eq!(column(sw["nodes"].as_array().unwrap(), "version"), ["9.16.1", "9.16.1"]);
        let details = sw["status_details"].as_array().unwrap();
        assert!(details.len() >= 2);
        assert!(
            details
                .iter()
                .all(|d| d["issue"]["code"] == 0 && d["node"]["name"].is_string())
        );
        assert_eq!(sim.cluster_version(), "9.16.1");

        // Now at 9.16.1: the same package is not newer; a new upgrade may start again later.
        let r = api.patch(SOFTWARE, r#"{"version": "9.16.1"}"#).await;
        assert_eq!(r.error_code(), "2");
        assert_eq!(r.error_target(), Some("version"));
    })
    .await;
}

#[tokio::test]
async fn software_patch_rejections() {
    bounded(async {
        let sim = Simulator::builder()
            .cluster_version("9.15.1")
            .tls(false)
            .seed_package("9.14.1")
            .seed_package("9.16.1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        for (query, body, code, target) in [
            ("", r#"{}"#, "262212", "version"),
            ("", r#"{"version": "nine"}"#, "2", "version"),
            ("", r#"{"version": 9}"#, "262197", "version"),
            ("", r#"{"version": "9.17.1"}"#, "10551325", "version"),
            ("?validate_only=true", r#"{"version": "9.17.1"}"#, "10551325", "version"),
            ("", r#"{"version": "9.14.1"}"#, "2", "version"),
            (
                "?validate_only=maybe",
                r#"{"version": "9.16.1"}"#,
                "262197",
                "validate_only",
            ),
            (
                "?skip_warnings=1",
                r#"{"version": "9.16.1"}"#,
                "262197",
                "skip_warnings",
            ),
            (
                "?stabilize_minutes=0",
                r#"{"version": "9.16.1"}"#,
                "262197",
                "stabilize_minutes",
            ),
            (
                "",
                r#"{"version": "9.16.1", "stabilize_minutes": 61}"#,
                "262197",
                "stabilize_minutes",
            ),
            ("", r#"{"version": "9.16.1", "state": "completed"}"#, "262196", "state"),
            ("", r#"{"version": "9.16.1", "colour": 1}"#, "262179", "colour"),
            ("?colour=1", r#"{"version": "9.16.1"}"#, "262179", "colour"),
            ("?action=pause", r#"{"version": "9.16.1"}"#, "2", "action"),
        ] {
            let r = api.patch(&format!("{SOFTWARE}{query}"), body).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query} {body}: {}", r.text);
            assert_eq!(r.error_code(), code, "{query} {body}: {}", r.text);
            assert_eq!(r.error_target(), Some(target), "{query} {body}");
        }
        assert_eq!(api.get(SOFTWARE).await.json["version"], "9.15.1");
        assert_eq!(
            api.get("/api/cluster/jobs").await.json["num_records"],
            0,
            "no job started"
        );
    })
    .await;
}

#[tokio::test]
async fn package_versions_come_from_file_names() {
    bounded(async {
        let packages = PackageServer::start(
            [
                ("image.tgz", vec![1u8; 100]),
                ("9.16.1P2_q_image.tgz", vec![2u8; 100]),
                ("other-9.16.1P2.tgz", vec![3u8; 100]),
            ],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder()
            .cluster_version("9.15.1")
            .tls(false)
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        // No version in the name: the release after the cluster's 9.15.1.
        let job = download(&api, packages.url("image.tgz")).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(column(&records(&api.get(PACKAGES).await.json), "version"), ["9.16.1"]);

        let job = download(&api, packages.url("9.16.1P2_q_image.tgz")).await;
        assert_eq!(job["state"], "success", "{job}");
        // Another file with the same version.
        let job = download(&api, packages.url("other-9.16.1P2.tgz")).await;
        assert_eq!(job["state"], "failure");
        assert_eq!(job["code"], 10551327);
        let list = records(&api.get(PACKAGES).await.json);
        assert_eq!(column(&list, "version"), ["9.16.1", "9.16.1P2"]);
    })
    .await;
}

#[tokio::test]
async fn package_delete_is_a_job() {
    bounded(async {
        let sim = Simulator::builder()
            .cluster_version("9.15.1")
            .tls(false)
            .seed_package("9.16.1")
            .seed_package("9.17.1")
            .job_duration(Duration::from_millis(200))
            .upgrade_duration(Duration::from_secs(30))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let r = api.delete(&format!("{PACKAGES}/9.17.1")).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        // Still listed until the job ends.
        assert_eq!(api.get(&format!("{PACKAGES}/9.17.1")).await.status, StatusCode::OK);
        let job = api.job_ok(r).await;
        assert_eq!(job["description"], "DELETE /api/cluster/software/packages/9.17.1");
        let r = api.get(&format!("{PACKAGES}/9.17.1")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "4");
        assert_eq!(r.error_target(), Some("version"));
        let r = api.delete(&format!("{PACKAGES}/9.17.1")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "4");
        assert_eq!(sim.packages().len(), 1);

        // The package an upgrade is installing cannot go.
        let r = api.patch(SOFTWARE, r#"{"version": "9.16.1"}"#).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        let r = api.delete(&format!("{PACKAGES}/9.16.1")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "10551347");
        let r = api
            .send(
                api.client
                    .post(api.url(PACKAGES))
                    .basic_auth(&api.user, Some(&api.pass)),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers["allow"], "GET, DELETE", "the model's methods");
    })
    .await;
}

#[tokio::test]
async fn packages_collection_pages_and_filters() {
    bounded(async {
        let mut b = Simulator::builder().cluster_version("9.15.1").tls(false);
        for minor in 0..12 {
            b = b.seed_package(format!("9.{minor}.1"));
        }
        let sim = b.start().await.unwrap();
        let api = Api::new(&sim);
        let pages = api.all_pages(&format!("{PACKAGES}?max_records=5")).await;
        assert_eq!(pages.len(), 3);
        let versions: Vec<String> = pages.iter().flat_map(|p| column(&records(p), "version")).collect();
        assert_eq!(versions.len(), 12);
        assert!(
            pages[0]["_links"]["next"]["href"]
                .as_str()
                .unwrap()
                .contains("start.version=")
        );
        let r = api.get(&format!("{PACKAGES}?version=9.1*&return_records=false")).await;
        assert_eq!(r.json["num_records"], 3, "9.1.1, 9.10.1, 9.11.1");
        let desc = api.get(&format!("{PACKAGES}?order_by=version%20desc")).await;
        let v = column(&records(&desc.json), "version");
        let mut sorted = v.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(v, sorted);
    })
    .await;
}
