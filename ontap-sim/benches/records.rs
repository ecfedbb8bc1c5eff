//! Memory per stored record and the time to serve collections over many records.
//!
//! Starts the simulator with N seeded volumes (1,000,000 by default, `RECORDS_N` changes
//! it) and measures the resident memory it added over a simulator with none, per volume;
//! then the time to count them with a filter and to read pages of 1,000 with default
//! fields and with `fields=*`, over plain HTTP on loopback: with the client's JSON decode
//! (into a `serde_json::Value`), and the same pages again received as bytes only, which is
//! the server's time to serve a page plus the loopback transfer. The pages with a decode
//! also pay, in the client, for the previous page's `Value` (some 60,000 allocations for
//! a `fields=*` page): once it is freed, glibc sorts those chunks on the next request's
//! first allocations, milliseconds that belong to neither the server nor the decode.
//!
//! `cargo bench -p ontap-sim --bench records`. Without `--bench` (as under
//! `cargo test --benches`) it runs a short smoke pass over 2,000 volumes.

use std::time::{Duration, Instant};

use ontap_sim::Simulator;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The resident set size of this process in bytes (Linux), 0 when unknown.
fn rss() -> u64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0);
    pages * 4096
}

/// The time to receive a page as bytes (no JSON decode), and its size.
async fn time_bytes(client: &reqwest::Client, sim: &Simulator, path: &str) -> (Duration, usize) {
    let start = Instant::now();
    let bytes = client
        .get(format!("{}{path}", sim.base_url()))
        .basic_auth(sim.username(), Some(sim.password()))
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body");
    (start.elapsed(), bytes.len())
}

/// The time to GET and decode a page, the decode's share of it, and the page.
async fn time_get(client: &reqwest::Client, sim: &Simulator, path: &str) -> (Duration, Duration, serde_json::Value) {
    let start = Instant::now();
    let text = client
        .get(format!("{}{path}", sim.base_url()))
        .basic_auth(sim.username(), Some(sim.password()))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let received = Instant::now();
    let body: serde_json::Value = serde_json::from_str(&text).expect("json");
    (start.elapsed(), received.elapsed(), body)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = if benching {
        env_or("RECORDS_N", 1_000_000)
    } else {
        2_000
    };

    let empty = Simulator::builder().tls(false).start().await.expect("simulator");
    let before = rss();
    let started = Instant::now();
    let sim = Simulator::builder()
        .tls(false)
        .seed_volumes(n)
        .start()
        .await
        .expect("simulator");
    let seeded = started.elapsed();
    let after = rss();
    drop(empty);
    let per_record = after.saturating_sub(before) as f64 / n as f64;
    println!(
        "records: {n} volumes seeded in {:.2} s; resident memory {:.1} MiB more, {per_record:.0} bytes per volume",
        seeded.as_secs_f64(),
        after.saturating_sub(before) as f64 / (1 << 20) as f64,
    );

    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let (t, _, body) = time_get(&client, &sim, "/api/storage/volumes?state=offline&return_records=false").await;
    println!(
        "records: count with a filter ({} match): {:.1} ms",
        body["num_records"],
        t.as_secs_f64() * 1000.0
    );
    for fields in ["", "&fields=*"] {
        let pages = if benching { 20 } else { 2 };
        let mut next = Some(format!("/api/storage/volumes?max_records=1000{fields}"));
        let mut times = Vec::new();
        let mut decodes = Vec::new();
        let mut paths = Vec::new();
        let mut records = 0;
        while let Some(path) = next.take() {
            if times.len() == pages {
                break;
            }
            let (t, decode, body) = time_get(&client, &sim, &path).await;
            records += body["num_records"].as_u64().unwrap_or(0);
            times.push(t);
            decodes.push(decode);
            next = body["_links"]["next"]["href"].as_str().map(str::to_owned);
            paths.push(path);
        }
        times.sort();
        let median = times[times.len() / 2];
        decodes.sort();
        let decode_median = decodes[decodes.len() / 2];
        // The same pages again, as bytes only.
        let mut raw = Vec::new();
        let mut bytes = 0;
        for path in &paths {
            let (t, len) = time_bytes(&client, &sim, path).await;
            raw.push(t);
            bytes += len;
        }
        raw.sort();
        let raw_median = raw[raw.len() / 2];
        println!(
            "records: pages of 1,000{}: median {:.1} ms ({:.0} records/s), {records} records read",
            if fields.is_empty() {
                " (default fields)"
            } else {
                " (fields=*)"
            },
            median.as_secs_f64() * 1000.0,
            1000.0 / median.as_secs_f64(),
        );
        println!(
            "records:   of which the client's decode: median {:.1} ms; the same pages as bytes only (served and sent, no decode): median {:.1} ms, {:.0} KiB a page",
            decode_median.as_secs_f64() * 1000.0,
            raw_median.as_secs_f64() * 1000.0,
            bytes as f64 / paths.len() as f64 / 1024.0,
        );
    }
    sim.shutdown().await;
}
