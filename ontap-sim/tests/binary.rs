//! The `ontap-sim` binary: flags, the start line, the certificate file, the request log
//! file and the read timeout. Built only with the `cli` feature
//! (`cargo test -p ontap-sim --features cli --test binary`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{bounded, json_lines, temp_file, without_at};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The child process, killed when the test ends (even on failure).
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and returns it with the base URL read from its start line.
fn start(args: &[&str]) -> (Sim, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ontap-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn ontap-sim");
    let stdout = child.stdout.take().expect("stdout");
    let sim = Sim(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("start line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (sim, url)
}

#[tokio::test]
async fn binary_serves_plain_http_with_the_given_flags() {
    bounded(async {
        let (_sim, url) = start(&[
            "--http",
            "--listen",
            "127.0.0.1:0",
            "--username",
            "ops",
            "--password",
            "pw",
            "--seed-jobs",
            "4",
            "--job-retention",
            "60",
        ]);
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let client = common::insecure_client();
        let r = client
            .get(format!("{url}/api/cluster/jobs"))
            .basic_auth("ops", Some("pw"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["num_records"], 4);
        let r = client
            .get(format!("{url}/api/cluster/jobs"))
            .basic_auth("admin", Some("netapp1!"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn binary_seeds_the_cluster() {
    bounded(async {
        let (_sim, url) = start(&[
            "--http",
            "--listen",
            "127.0.0.1:0",
            "--seed-volumes",
            "7",
            "--seed-svms",
            "2",
            "--seed-package",
            "9.16.1",
            "--seed-package",
            "9.17.1",
            "--cluster-version",
            "9.14.1",
            "--upgrade-duration",
            "0.2",
        ]);
        let client = common::insecure_client();
        let get = |path: &'static str| {
            let client = client.clone();
            let url = url.clone();
            async move {
                let r = client
                    .get(format!("{url}{path}"))
                    .basic_auth("admin", Some("netapp1!"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{path}");
                serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap()
            }
        };
        assert_eq!(get("/api/storage/volumes?is_svm_root=!true").await["num_records"], 7);
        assert_eq!(
            get("/api/storage/volumes").await["num_records"],
            10,
            "and the root volumes of vs0, vs1 and vs2"
        );
        assert_eq!(get("/api/svm/svms").await["num_records"], 3);
        assert_eq!(get("/api/cluster/software/packages").await["num_records"], 2);
        assert_eq!(get("/api/cluster/software").await["version"], "9.14.1");
    })
    .await;
}

#[test]
fn binary_refuses_a_bad_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_ontap-sim"))
        .args(["--http", "--listen", "127.0.0.1:0", "--cluster-version", "nine"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nine"));
}

#[tokio::test]
async fn binary_serves_https_and_writes_its_certificate() {
    bounded(async {
        let dir = std::env::temp_dir().join(format!("ontap-sim-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("cert.pem");
        let (_sim, url) = start(&["--listen", "127.0.0.1:0", "--cert-out", cert.to_str().unwrap()]);
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        // The file is written before the start line is printed.
        let pem = std::fs::read_to_string(&cert).unwrap();
        let client = common::trusting_client(&pem);
        let r = client
            .get(format!("{url}/api/cluster/software/download"))
            .basic_auth("admin", Some("netapp1!"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["state"], "not_started");
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[test]
fn help_documents_the_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_ontap-sim"))
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--username",
        "--password",
        "--http",
        "--cert-out",
        "--job-retention",
        "--download-rate",
        "--seed-jobs",
        "--seed-volumes",
        "--seed-svms",
        "--seed-package",
        "--cluster-version",
        "--job-duration-ms",
        "--upgrade-duration",
        "--request-log",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

#[tokio::test]
async fn the_binary_takes_request_log_file_and_read_timeout() {
    bounded(async {
        let path = temp_file("bin");
        let (_sim, url) = start(&[
            "--http",
            "--listen",
            "127.0.0.1:0",
            "--read-timeout",
            "0.3",
            "--request-log-file",
            path.to_str().expect("a UTF-8 temporary path"),
        ]);
        let addr = url.trim_start_matches("http://").to_owned();
        let client = common::insecure_client();
        let r = client
            .get(format!("{url}/api/cluster/jobs"))
            .basic_auth("admin", Some("netapp1!"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = client
            .get(format!("{url}/sim/requests"))
            .basic_auth("admin", Some("netapp1!"))
            .send()
            .await
            .unwrap();
        let log: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(json_lines(&path), log.as_array().unwrap().clone());
        assert_eq!(
            without_at(log),
            json!([{"method": "GET", "path": "/api/cluster/jobs", "query": null, "body": null, "auth": "basic"}])
        );
        // --read-timeout 0.3: a half-sent request is answered 408 and closed.
        let start = Instant::now();
        let mut conn = TcpStream::connect(&addr).await.unwrap();
        conn.write_all(b"GET /api/cl").await.unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).await.expect("read");
        assert!(start.elapsed() < Duration::from_secs(5));
        let answer = String::from_utf8_lossy(&bytes);
        assert!(answer.starts_with("HTTP/1.1 408 "), "no 408: {answer:?}");
        let _ = std::fs::remove_file(&path);
    })
    .await;
}
