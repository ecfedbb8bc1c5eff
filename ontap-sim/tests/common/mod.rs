//! Helpers shared by the integration tests: a plain reqwest client and polling.
#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ontap_sim::Simulator;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Every test body runs under this bound.
pub const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Runs a test body with a time bound.
pub async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("test took longer than its time bound");
}

/// A reqwest client that accepts the simulator's self-signed certificate.
pub fn insecure_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A reqwest client that trusts only the given PEM certificate (verification on).
pub fn trusting_client(pem: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem");
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// An answer: status, headers, raw body, and the body as JSON (Null when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// The ONTAP error code (a string), panicking with the body when absent.
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error.code in {}", self.text))
    }

    pub fn error_target(&self) -> Option<&str> {
        self.json["error"]["target"].as_str()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A client bound to one simulator, with its credentials.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub user: String,
    pub pass: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(sim: &Simulator) -> Api {
        Api {
            base: sim.base_url().to_owned(),
            user: sim.username().to_owned(),
            pass: sim.password().to_owned(),
            client: insecure_client(),
        }
    }

    pub fn with_client(sim: &Simulator, client: reqwest::Client) -> Api {
        Api {
            client,
            ..Api::new(sim)
        }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request failed");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base, path_and_query)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            self.client
                .get(self.url(path))
                .basic_auth(&self.user, Some(&self.pass))
                .header("Accept", "application/hal+json"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .basic_auth(&self.user, Some(&self.pass))
                .header("Accept", "application/hal+json")
                .header("Content-Type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: &str) -> Reply {
        self.send(
            self.client
                .patch(self.url(path))
                .basic_auth(&self.user, Some(&self.pass))
                .header("Accept", "application/hal+json")
                .header("Content-Type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(
            self.client
                .delete(self.url(path))
                .basic_auth(&self.user, Some(&self.pass))
                .header("Accept", "application/hal+json"),
        )
        .await
    }

    /// Expects a 202 job answer and waits for the job to succeed; returns the job.
    pub async fn job_ok(&self, r: Reply) -> Value {
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let uuid = r.json["job"]["uuid"].as_str().expect("job.uuid").to_owned();
        let job = self.wait_job(&uuid, Duration::from_secs(20)).await;
        assert_eq!(job["state"], "success", "{job}");
        job
    }

    /// Follows `_links.next` verbatim from `first` (checking the `Link` header and that
    /// links never repeat); returns every page.
    pub async fn all_pages(&self, first: &str) -> Vec<Value> {
        let path = first.split('?').next().unwrap_or_default().to_owned();
        let mut pages = Vec::new();
        let mut next = Some(first.to_owned());
        let mut seen = std::collections::HashSet::new();
        while let Some(href) = next {
            assert!(seen.insert(href.clone()), "next link repeats: {href}");
            assert!(pages.len() < 1000, "too many pages");
            let r = self.get(&href).await;
            assert_eq!(r.status, StatusCode::OK, "{href}: {}", r.text);
            next = r.json["_links"]["next"]["href"].as_str().map(str::to_owned);
            if let Some(n) = &next {
                assert!(n.starts_with(&format!("{path}?")), "{n}");
                let link = r.headers["link"].to_str().unwrap();
                assert_eq!(link, format!("<{n}>; rel=\"next\""));
            }
            pages.push(r.json);
        }
        pages
    }

    /// POSTs a download and returns the job UUID (expects 202).
    pub async fn start_download(&self, body: Value) -> String {
        let r = self.post("/api/cluster/software/download", &body.to_string()).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let uuid = r.json["job"]["uuid"].as_str().expect("job.uuid").to_owned();
        assert_eq!(
            r.json["job"]["_links"]["self"]["href"],
            format!("/api/cluster/jobs/{uuid}")
        );
        uuid
    }

    /// Polls a job until it is terminal (or panics after `limit`).
    pub async fn wait_job(&self, uuid: &str, limit: Duration) -> Value {
        let start = Instant::now();
        loop {
            let r = self.get(&format!("/api/cluster/jobs/{uuid}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let state = r.json["state"].as_str().unwrap_or_default().to_owned();
            if state == "success" || state == "failure" {
                return r.json;
            }
            assert!(
                start.elapsed() < limit,
                "job {uuid} still {state} after {limit:?}: {}",
                r.text
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls a job until `pred` holds on its body.
    pub async fn wait_until(&self, uuid: &str, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let r = self.get(&format!("/api/cluster/jobs/{uuid}")).await;
            if pred(&r.json) {
                return r.json;
            }
            assert!(start.elapsed() < limit, "condition not reached: {}", r.text);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The `records` of a collection page.
pub fn records(page: &Value) -> Vec<Value> {
    page["records"].as_array().expect("records").clone()
}

/// A string field of each record.
pub fn column(records: &[Value], field: &str) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r[field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field} in {r}"))
                .to_owned()
        })
        .collect()
}

/// Deterministic pseudo-random bytes (a package body).
pub fn package_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// SHA-256 as lowercase hex, computed independently of the simulator.
pub fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh path in the temporary directory for a request log file named after `name`.
pub fn temp_file(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!("ontap-sim-{name}-{}-{nanos}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// The JSON lines of a request log file.
pub fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("the log file")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect()
}

/// Logged requests (a JSON array, or one object) without their `at_ms`, which must be a
/// number that never decreases.
pub fn without_at(mut v: Value) -> Value {
    let mut last = 0.0;
    let mut strip = |o: &mut Value| {
        let at = o
            .as_object_mut()
            .and_then(|o| o.remove("at_ms"))
            .and_then(|a| a.as_f64());
        let at = at.unwrap_or_else(|| panic!("no at_ms in {o}"));
        assert!(at >= last, "at_ms went back from {last} to {at}");
        last = at;
    };
    match &mut v {
        Value::Array(items) => items.iter_mut().for_each(&mut strip),
        other => strip(other),
    }
    v
}
