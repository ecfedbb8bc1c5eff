//! The software download end to end: success, failures with ONTAP codes, return_timeout,
//! pause/resume/cancel.

mod common;

use std::time::{Duration, Instant};

use common::{Api, bounded, column, package_bytes, records, sha256_hex};
use ontap_sim::{PackageServer, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DOWNLOAD: &str = "/api/cluster/software/download";
const PACKAGES: &str = "/api/cluster/software/packages";
const WAIT: Duration = Duration::from_secs(30);

fn is_ontap_time(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    // 2024-11-26T19:46:42+00:00
    s.len() == 25 && s.as_bytes()[10] == b'T' && s.ends_with("+00:00") && !s.contains('Z')
}

#[tokio::test]
async fn download_succeeds_over_https_with_trusted_certificate_and_package_auth() {
    bounded(async {
        let body = package_bytes(3 * 1024 * 1024 + 17, 1);
        let packages = PackageServer::start([("ontap-9.16.1.tgz", body.clone())], Some(("web", "s3cret")))
            .await
            .unwrap();
        let sim = Simulator::builder().start().await.unwrap();
        let pem = sim.certificate_pem().unwrap().to_owned();
        let api = Api::with_client(&sim, common::trusting_client(&pem));

        let uuid = api
            .start_download(json!({
                "url": packages.url("ontap-9.16.1.tgz"),
                "username": "web",
                "password": "s3cret",
            }))
            .await;
        let job = api.wait_job(&uuid, WAIT).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(job["message"], "success");
        assert_eq!(job["code"], 0);
        assert_eq!(job["uuid"], uuid.as_str());
        assert_eq!(job["description"], "POST /api/cluster/software/download");
        assert_eq!(job["_links"]["self"]["href"], format!("/api/cluster/jobs/{uuid}"));
        assert!(is_ontap_time(&job["start_time"]), "{job}");
        assert!(is_ontap_time(&job["end_time"]), "{job}");
        assert!(job.get("error").is_none());
        assert!(job["node"]["name"].is_string());
        assert!(job["svm"]["uuid"].is_string());

        let status = api.get(DOWNLOAD).await;
        assert_eq!(status.status, StatusCode::OK);
        assert_eq!(status.json["state"], "success");
        assert_eq!(status.json["code"], 0);
        assert_eq!(status.json["_links"]["self"]["href"], DOWNLOAD);

        let got = sim.packages();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "ontap-9.16.1.tgz");
        assert_eq!(got[0].size, body.len() as u64);
        assert_eq!(got[0].sha256, sha256_hex(&body));
    })
    .await;
}

#[tokio::test]
async fn download_succeeds_over_plain_http_without_package_auth() {
    bounded(async {
        let body = package_bytes(100_000, 2);
        let packages = PackageServer::start([("ontap-9.16.1-image.tgz", body.clone())], None::<(&str, &str)>)
            .await
            .unwrap();
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        let uuid = api
            .start_download(json!({"url": packages.url("ontap-9.16.1-image.tgz")}))
            .await;
        let job = api.wait_job(&uuid, WAIT).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(api.get(DOWNLOAD).await.json["state"], "success");
        assert_eq!(sim.packages()[0].sha256, sha256_hex(&body));
    })
    .await;
}

#[tokio::test]
async fn throttled_download_shows_progress_and_running_status() {
    bounded(async {
        let size = 400_000usize;
        let packages = PackageServer::start(
            [("ontap-9.16.1-slow.tgz", package_bytes(size, 3))],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder().download_rate(Some(500_000)).start().await.unwrap();
        let api = Api::new(&sim);
        let started = Instant::now();
        let uuid = api
            .start_download(json!({"url": packages.url("ontap-9.16.1-slow.tgz")}))
            .await;

        let running = api
            .wait_until(&uuid, WAIT, |j| {
                j["state"] == "running" && j["message"].as_str().unwrap_or("").contains('%')
            })
            .await;
        let msg = running["message"].as_str().unwrap();
        assert!(msg.contains(&format!("of {size} bytes")), "{msg}");
        assert!(running.get("end_time").is_none());

        let status = api.get(DOWNLOAD).await;
        assert_eq!(status.json["state"], "running");
        assert_eq!(status.json["message"], "Package download in progress");
        assert_eq!(status.json["code"], 10551382);

        let job = api.wait_job(&uuid, WAIT).await;
        assert_eq!(job["state"], "success");
        // 400 kB at 500 kB/s takes about 0.8 s.
        assert!(
            started.elapsed() >= Duration::from_millis(700),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

async fn expect_job_failure(api: &Api, url: String, extra: Value, code: i64) -> Value {
    let mut body = json!({"url": url});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let uuid = api.start_download(body).await;
    let job = api.wait_job(&uuid, WAIT).await;
    assert_eq!(job["state"], "failure", "{job}");
    assert_eq!(job["code"], code, "{job}");
    assert_eq!(job["error"]["code"], code.to_string(), "{job}");
    assert_eq!(job["error"]["message"], job["message"]);
    assert!(is_ontap_time(&job["end_time"]));
    let status = api.get(DOWNLOAD).await;
    assert_eq!(status.json["state"], "failure");
    assert_eq!(status.json["code"], code);
    assert_eq!(status.json["message"], job["message"]);
    job
}

#[tokio::test]
async fn failures_report_ontap_codes() {
    bounded(async {
        let packages = PackageServer::start([("p.tgz", vec![1u8; 1000])], Some(("web", "pw")))
            .await
            .unwrap();
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);

        // HTTP 404 from the package server.
        let job = expect_job_failure(
            &api,
            packages.url("missing.tgz"),
            json!({"username": "web", "password": "pw"}),
            10551381,
        )
        .await;
        assert!(job["message"].as_str().unwrap().contains("404"), "{job}");

        // Wrong credentials for the package server.
        let job = expect_job_failure(
            &api,
            packages.url("p.tgz"),
            json!({"username": "web", "password": "nope"}),
            10551381,
        )
        .await;
        assert!(job["message"].as_str().unwrap().contains("401"), "{job}");

        // Nothing listens on the port.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let job = expect_job_failure(&api, format!("http://127.0.0.1:{port}/p.tgz"), json!({}), 10551381).await;
        assert!(job["message"].as_str().unwrap().contains("cannot reach"), "{job}");

        // FTP is an accepted scheme, but this simulator cannot fetch it.
        let job = expect_job_failure(&api, "ftp://127.0.0.1/p.tgz".into(), json!({}), 10551381).await;
        assert!(job["message"].as_str().unwrap().contains("FTP"), "{job}");

        assert!(sim.packages().is_empty());
    })
    .await;
}

#[tokio::test]
async fn url_errors_are_rejected_at_post_time() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        let cases = [
            ("not a url", "39387137"),
            ("http://", "39387137"),
            ("scp://server/p.tgz", "39387138"),
            ("file:///etc/passwd", "39387138"),
            ("http://server/", "10551885"),
        ];
        for (url, code) in cases {
            let r = api.post(DOWNLOAD, &json!({"url": url}).to_string()).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.text);
            assert_eq!(r.error_code(), code, "{url}: {}", r.text);
            assert_eq!(r.error_target(), Some("url"), "{url}");
        }
        assert_eq!(api.get(DOWNLOAD).await.json["state"], "not_started");
        assert_eq!(api.get("/api/cluster/jobs").await.json["num_records"], 0);
    })
    .await;
}

#[tokio::test]
async fn same_package_name_twice_fails_with_10551327() {
    bounded(async {
        let packages = PackageServer::start(
            [
                ("9.16.1-dup.tgz", vec![5u8; 2048]),
                ("other/9.16.1-dup.tgz", vec![6u8; 10]),
            ],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        let first = api.start_download(json!({"url": packages.url("9.16.1-dup.tgz")})).await;
        assert_eq!(api.wait_job(&first, WAIT).await["state"], "success");
        // Same file name, another path on the server.
        let job = expect_job_failure(&api, packages.url("other/9.16.1-dup.tgz"), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("9.16.1-dup.tgz"));
        assert_eq!(sim.packages().len(), 1);
        assert_eq!(sim.packages()[0].size, 2048);
    })
    .await;
}

#[tokio::test]
async fn second_download_while_one_runs_is_rejected_with_10551357() {
    bounded(async {
        let packages = PackageServer::start(
            [
                ("9.16.1-big.tgz", vec![0u8; 2_000_000]),
                ("9.17.1-small.tgz", vec![1u8; 10]),
            ],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .download_rate(Some(1_000_000))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let first = api.start_download(json!({"url": packages.url("9.16.1-big.tgz")})).await;
        let r = api
            .post(DOWNLOAD, &json!({"url": packages.url("9.17.1-small.tgz")}).to_string())
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(r.error_code(), "10551357");
        // Only the first job exists, and it goes on.
        let jobs = api.get("/api/cluster/jobs").await;
        assert_eq!(jobs.json["num_records"], 1);
        assert_eq!(jobs.json["records"][0]["uuid"], first.as_str());
        let r = api
            .patch(&format!("/api/cluster/jobs/{first}?action=cancel"), "{}")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        // Once it ended, a new download is accepted.
        let second = api
            .start_download(json!({"url": packages.url("9.17.1-small.tgz")}))
            .await;
        assert_eq!(api.wait_job(&second, WAIT).await["state"], "success");
    })
    .await;
}

#[tokio::test]
async fn return_timeout_answers_201_when_done_in_time_else_202() {
    bounded(async {
        let packages = PackageServer::start(
            [
                ("9.16.1-fast.tgz", vec![0u8; 1000]),
                ("9.17.1-slow.tgz", vec![0u8; 1_000_000]),
            ],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .download_rate(Some(400_000))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);

        let r = api
            .post(
                &format!("{DOWNLOAD}?return_timeout=10"),
                &json!({"url": packages.url("9.16.1-fast.tgz")}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let uuid = r.json["job"]["uuid"].as_str().unwrap().to_owned();
        assert_eq!(
            r.json["job"]["_links"]["self"]["href"],
            format!("/api/cluster/jobs/{uuid}")
        );
        // 201 means the job had already ended.
        let job = api.get(&format!("/api/cluster/jobs/{uuid}")).await;
        assert_eq!(job.json["state"], "success");

        let t0 = Instant::now();
        let r = api
            .post(
                &format!("{DOWNLOAD}?return_timeout=1"),
                &json!({"url": packages.url("9.17.1-slow.tgz")}).to_string(),
            )
            .await;
        let waited = t0.elapsed();
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        assert!(waited >= Duration::from_millis(950), "{waited:?}");
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        let uuid = r.json["job"]["uuid"].as_str().unwrap().to_owned();
        let job = api.get(&format!("/api/cluster/jobs/{uuid}")).await;
        assert_eq!(job.json["state"], "running");

        // return_timeout=0 answers at once.
        let r = api
            .patch(&format!("/api/cluster/jobs/{uuid}?action=cancel"), "{}")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let t0 = Instant::now();
        let r = api
            .post(
                &format!("{DOWNLOAD}?return_timeout=0"),
                &json!({"url": packages.url("9.17.1-slow.tgz")}).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        assert!(t0.elapsed() < Duration::from_millis(500));
    })
    .await;
}

#[tokio::test]
async fn pause_resume_and_cancel_control_the_transfer() {
    bounded(async {
        let size = 3_000_000usize;
        let packages = PackageServer::start([("ontap-9.16.1.tgz", vec![9u8; size])], None::<(&str, &str)>)
            .await
            .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .download_rate(Some(1_000_000))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let uuid = api
            .start_download(json!({"url": packages.url("ontap-9.16.1.tgz")}))
            .await;
        let job_path = format!("/api/cluster/jobs/{uuid}");
        api.wait_until(&uuid, WAIT, |j| j["message"].as_str().unwrap_or("").contains('%'))
            .await;

        // Resume of a running job.
        let r = api.patch(&format!("{job_path}?action=resume"), "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "458771");

        let r = api.patch(&format!("{job_path}?action=pause"), "{}").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let paused = api
            .wait_until(&uuid, WAIT, |j| {
                j["state"] == "paused" && j["message"].as_str().unwrap_or("").contains("paused")
            })
            .await;
        // The transfer really stops: the byte count does not move while paused.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let still = api.get(&job_path).await;
        assert_eq!(still.json["state"], "paused");
        assert_eq!(still.json["message"], paused["message"]);
        // The download status has no paused state: it stays running.
        assert_eq!(api.get(DOWNLOAD).await.json["state"], "running");

        let r = api.patch(&format!("{job_path}?action=pause"), "").await;
        assert_eq!(r.error_code(), "458776");

        let r = api.patch(&format!("{job_path}?action=resume"), "{}").await;
        assert_eq!(r.status, StatusCode::OK);
        let resumed = api
            .wait_until(&uuid, WAIT, |j| {
                j["state"] == "running" && j["message"] != paused["message"]
            })
            .await;
        assert!(resumed["message"].as_str().unwrap().contains("Downloading"));

        let r = api.patch(&format!("{job_path}?action=cancel"), "{}").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json, json!({}));
        // Cancel answers once the job ended.
        let job = api.get(&job_path).await;
        assert_eq!(job.json["state"], "failure", "{}", job.text);
        assert_eq!(job.json["code"], 10551381);
        assert!(job.json["message"].as_str().unwrap().contains("cancelled"));
        assert_eq!(api.get(DOWNLOAD).await.json["state"], "failure");

        for action in ["cancel", "pause", "resume"] {
            let r = api.patch(&format!("{job_path}?action={action}"), "{}").await;
            assert_eq!(r.error_code(), "458762", "{action}");
        }
        let r = api.patch(&format!("{job_path}?action=explode"), "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "2");
        assert_eq!(r.error_target(), Some("action"));
        assert!(sim.packages().is_empty());
    })
    .await;
}

#[tokio::test]
async fn cancel_of_a_paused_download() {
    bounded(async {
        let packages = PackageServer::start([("p.tgz", vec![9u8; 2_000_000])], None::<(&str, &str)>)
            .await
            .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .download_rate(Some(500_000))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let uuid = api.start_download(json!({"url": packages.url("p.tgz")})).await;
        let job_path = format!("/api/cluster/jobs/{uuid}");
        assert_eq!(
            api.patch(&format!("{job_path}?action=pause"), "{}").await.status,
            StatusCode::OK
        );
        assert_eq!(
            api.patch(&format!("{job_path}?action=cancel"), "{}").await.status,
            StatusCode::OK
        );
        assert_eq!(api.get(&job_path).await.json["state"], "failure");
    })
    .await;
}

#[tokio::test]
async fn download_time_limit_fails_with_10551383() {
    bounded(async {
        let packages = PackageServer::start([("p.tgz", vec![0u8; 1_000_000])], None::<(&str, &str)>)
            .await
            .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .download_rate(Some(200_000))
            .download_time_limit(Duration::from_millis(500))
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        expect_job_failure(&api, packages.url("p.tgz"), json!({}), 10551383).await;
    })
    .await;
}

#[tokio::test]
async fn https_package_url_is_fetched_without_verification() {
    bounded(async {
        // The package server is another simulator on HTTPS with a self-signed certificate:
        // its package document is the "package" (file name "9.16.1": version 9.16.1).
        let origin = Simulator::builder()
            .credentials("pkg", "pkgpw")
            .seed_package("9.16.1")
            .start()
            .await
            .unwrap();
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);
        let url = format!("{}/api/cluster/software/packages/9.16.1", origin.base_url());
        let uuid = api
            .start_download(json!({"url": url, "username": "pkg", "password": "pkgpw"}))
            .await;
        let job = api.wait_job(&uuid, WAIT).await;
        assert_eq!(job["state"], "success", "{job}");
        let got = sim.packages();
        assert_eq!(got[0].name, "9.16.1");
        assert_eq!(got[0].version, "9.16.1");
        assert!(got[0].size > 20);
    })
    .await;
}

/// Downloads one package and returns the finished job.
async fn download(api: &Api, url: String) -> Value {
    let uuid = api.start_download(json!({ "url": url })).await;
    api.wait_job(&uuid, WAIT).await
}

/// The versions in GET /api/cluster/software/packages, sorted.
async fn package_versions(api: &Api) -> Vec<String> {
    let r = api.get(&format!("{PACKAGES}?fields=version")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut versions = column(&records(&r.json), "version");
    versions.sort();
    versions
}

#[tokio::test]
async fn netapp_image_names_give_their_version() {
    bounded(async {
        let packages = PackageServer::start(
            [
                ("9171_q_image.tgz", vec![1u8; 1000]),
                ("96P3_q_image.tgz", vec![2u8; 10]),
                ("9161P2_q_image.tgz", vec![3u8; 10]),
                ("9101_q_image.tgz", vec![4u8; 10]),
                ("ontap-9.17.1-image.tgz", vec![5u8; 10]),
                ("other/9171_q_image.tgz", vec![6u8; 10]),
            ],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = Api::new(&sim);

        let job = download(&api, packages.url("9171_q_image.tgz")).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(package_versions(&api).await, ["9.17.1"]);
        let one = api.get(&format!("{PACKAGES}/9.17.1")).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(one.json["version"], "9.17.1");
        let got = sim.packages();
        assert_eq!(
            (got[0].name.as_str(), got[0].version.as_str()),
            ("9171_q_image.tgz", "9.17.1")
        );

        for name in ["96P3_q_image.tgz", "9161P2_q_image.tgz", "9101_q_image.tgz"] {
            let job = download(&api, packages.url(name)).await;
            assert_eq!(job["state"], "success", "{name}: {job}");
        }
        assert_eq!(package_versions(&api).await, ["9.10.1", "9.16.1P2", "9.17.1", "9.6P3"]);

        // The same version spelt with dots, and the same file name from another path:
        // both are already in the repository.
        let job = expect_job_failure(&api, packages.url("ontap-9.17.1-image.tgz"), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("same version"), "{job}");
        let job = expect_job_failure(&api, packages.url("other/9171_q_image.tgz"), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("same name"), "{job}");
        assert_eq!(sim.packages().len(), 4);
    })
    .await;
}

#[tokio::test]
async fn package_without_a_version_gets_the_next_version() {
    bounded(async {
        let packages = PackageServer::start(
            [("package", vec![7u8; 5000]), ("other/package", vec![8u8; 10])],
            None::<(&str, &str)>,
        )
        .await
        .unwrap();
        let url = packages.url("/package");
        assert!(url.ends_with("/package"), "{url}");

        // By default: the release after the cluster's (9.15.1).
        let sim = Simulator::builder()
            .tls(false)
            .cluster_version("9.15.1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let job = download(&api, url.clone()).await;
        assert_eq!(job["state"], "success", "{job}");
        assert_eq!(package_versions(&api).await, ["9.16.1"]);
        assert_eq!(api.get(&format!("{PACKAGES}/9.16.1")).await.status, StatusCode::OK);
        let got = sim.packages();
        assert_eq!((got[0].name.as_str(), got[0].version.as_str()), ("package", "9.16.1"));
        assert_eq!(got[0].sha256, sha256_hex(&[7u8; 5000]));
        // The same file name again, from another path.
        let job = expect_job_failure(&api, packages.url("other/package"), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("same name"), "{job}");
        assert_eq!(package_versions(&api).await, ["9.16.1"]);

        // The release after the one the cluster runs.
        let sim = Simulator::builder()
            .tls(false)
            .cluster_version("9.16.1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        assert_eq!(download(&api, url.clone()).await["state"], "success");
        assert_eq!(package_versions(&api).await, ["9.17.1"]);

        // A configured next version.
        let sim = Simulator::builder()
            .tls(false)
            .next_version("9.18.1P1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        assert_eq!(download(&api, url.clone()).await["state"], "success");
        assert_eq!(package_versions(&api).await, ["9.18.1P1"]);

        // The next version is already in the repository.
        let sim = Simulator::builder()
            .tls(false)
            .cluster_version("9.15.1")
            .seed_package("9.16.1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let job = expect_job_failure(&api, url.clone(), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("next version"), "{job}");
        assert_eq!(package_versions(&api).await, ["9.16.1"]);

        let bad = Simulator::builder().tls(false).next_version("nine").start().await;
        assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    })
    .await;
}

#[tokio::test]
async fn seeded_package_name_downloaded_again_fails_with_10551327() {
    bounded(async {
        let packages = PackageServer::start([("9.16.1_image.tgz", vec![1u8; 10])], None::<(&str, &str)>)
            .await
            .unwrap();
        let sim = Simulator::builder()
            .tls(false)
            .seed_package("9.16.1")
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        let job = expect_job_failure(&api, packages.url("9.16.1_image.tgz"), json!({}), 10551327).await;
        assert!(job["message"].as_str().unwrap().contains("9.16.1_image.tgz"), "{job}");
        assert_eq!(sim.packages().len(), 1);
        assert_eq!(sim.packages()[0].size, 0);
    })
    .await;
}
