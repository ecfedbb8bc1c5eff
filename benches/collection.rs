//! Reading a collection of 10,000 volumes from the simulator: the whole
//! stream through `get_collection`, and the decoding of one page alone,
//! typed (what `get_collection` does) against untyped-then-typed JSON (what a
//! client built on `serde_json::Value` does).
//!
//! It also measures what one call costs over raw reqwest: `GET /api/cluster`
//! through `HostConnection::execute` (slots, retry policy, spans, secret
//! masking, body limits) against the same request sent with a bare
//! `reqwest::Client`, and what the release guard adds to a typed GET of one
//! volume with five names in `fields` (the guard on against off).
//!
//! Run with `cargo bench --bench collection`. Prints medians of repeated runs.

use std::time::Instant;

mod common;
use common::median;

use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::Volume;
use ontap::{HostConnection, Query, ReleaseGuard, RequestSpec, Scheme};
use ontap_sim::Simulator;

const VOLUMES: usize = 10_000;
const RUNS: usize = 15;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_volumes(VOLUMES)
            .request_log(0)
            .start()
            .await
            .unwrap();
        let addr = sim.addr();
        let conn = HostConnection::builder(addr.ip().to_string())
            .port(addr.port())
            .scheme(Scheme::Http)
            .basic_auth(sim.username(), sim.password())
            .build()
            .unwrap();

        for page in [100u32, 1000] {
            let query = Query::new().fields(["*"]).max_records(page);
            let mut samples = Vec::new();
            for _ in 0..RUNS {
                let started = Instant::now();
                let count = Volume::get_collection(&conn, query.clone())
                    .try_fold(0usize, |n, _| async move { Ok(n + 1) })
                    .await
                    .unwrap();
                samples.push(started.elapsed());
                assert!(count >= VOLUMES);
            }
            let m = median(samples);
            println!(
                "get_collection, {VOLUMES} volumes, max_records={page}: median {:.1} ms ({:.0} records/s)",
                m.as_secs_f64() * 1e3,
                VOLUMES as f64 / m.as_secs_f64()
            );
        }

        // One page of 1,000 records, decoded without the network.
        let spec = RequestSpec::new(
            ontap::http::Method::GET,
            "/storage/volumes",
            &Query::new().fields(["*"]).max_records(1000),
        );
        let body = conn.execute(&spec).await.unwrap().body().to_vec();
        let records = |v: &serde_json::Value| v["records"].as_array().map(|a| a.len()).unwrap_or(0);
        assert_eq!(records(&serde_json::from_slice(&body).unwrap()), 1000);

        #[derive(serde::Deserialize)]
        struct Page {
            records: Vec<Volume>,
        }
        let typed = median(
            (0..RUNS * 4)
                .map(|_| {
                    let started = Instant::now();
                    let page: Page = serde_json::from_slice(&body).unwrap();
                    assert_eq!(page.records.len(), 1000);
                    started.elapsed()
                })
                .collect(),
        );
        let untyped = median(
            (0..RUNS * 4)
                .map(|_| {
                    let started = Instant::now();
                    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let page: Vec<Volume> = serde_json::from_value(value["records"].clone()).unwrap();
                    assert_eq!(page.len(), 1000);
                    started.elapsed()
                })
                .collect(),
        );
        println!(
            "decode one page of 1,000 volumes ({} KiB): typed median {:.2} ms, via serde_json::Value {:.2} ms ({:.1}x)",
            body.len() / 1024,
            typed.as_secs_f64() * 1e3,
            untyped.as_secs_f64() * 1e3,
            untyped.as_secs_f64() / typed.as_secs_f64()
        );
        // One small GET, ontap against raw reqwest, alternating batches.
        const CALLS: usize = 500;
        // reqwest is built without a crypto provider of its own, and ontap
        // installs none: this program chooses ring for the bare client.
        let _ = ontap::rustls::crypto::ring::default_provider().install_default();
        let raw = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build().unwrap();
        let url = format!("{}/api/cluster", sim.base_url());
        let cluster = RequestSpec::new(ontap::http::Method::GET, "/cluster", &Query::new());
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let started = Instant::now();
            for _ in 0..CALLS {
                let answer = conn.execute(&cluster).await.unwrap();
                assert_eq!(answer.status().as_u16(), 200);
            }
            ours.push(started.elapsed() / CALLS as u32);
            let started = Instant::now();
            for _ in 0..CALLS {
                let answer = raw
                    .get(&url)
                    .basic_auth(sim.username(), Some(sim.password()))
                    .header("accept", "application/hal+json")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status().as_u16(), 200);
                let _ = answer.bytes().await.unwrap();
            }
            theirs.push(started.elapsed() / CALLS as u32);
        }
        let (ours, theirs) = (median(ours), median(theirs));
        println!(
            "GET /api/cluster: ontap median {:.1} µs per call, raw reqwest {:.1} µs ({:+.1} %)",
            ours.as_secs_f64() * 1e6,
            theirs.as_secs_f64() * 1e6,
            (ours.as_secs_f64() / theirs.as_secs_f64() - 1.0) * 100.0
        );
        // One typed GET with the release guard on (the release read once
        // before) and off, alternating batches.
        // Two fresh connections alike but for the guard.
        let addr = sim.addr();
        let with_guard = |guard| {
            HostConnection::builder(addr.ip().to_string())
                .port(addr.port())
                .scheme(Scheme::Http)
                .basic_auth(sim.username(), sim.password())
                .release_guard(guard)
                .build()
                .unwrap()
        };
        let (guarded, unguarded) = (with_guard(ReleaseGuard::Refuse), with_guard(ReleaseGuard::Off));
        guarded.release().await.expect("the simulator tells its release");
        let one = Volume::find(&conn, Query::new().filter("name", "vol00001"))
            .await
            .unwrap()
            .expect("vol00001");
        let fields = Query::new().fields(["name", "size", "state", "svm.name", "space.used"]);
        let (mut on, mut off) = (Vec::new(), Vec::new());
        for run in 0..RUNS * 2 {
            // Which goes first alternates from run to run.
            let mut pair = [(&mut on, &guarded), (&mut off, &unguarded)];
            if run % 2 == 1 {
                pair.reverse();
            }
            for (sink, conn) in pair {
                let started = Instant::now();
                for _ in 0..CALLS {
                    let mut v = one.clone();
                    v.get_with(conn, &fields).await.unwrap();
                }
                sink.push(started.elapsed() / CALLS as u32);
            }
        }
        let (on, off) = (median(on), median(off));
        println!(
            "typed GET of one volume, 5 fields: guard on median {:.1} µs per call, off {:.1} µs ({:+.2} %)",
            on.as_secs_f64() * 1e6,
            off.as_secs_f64() * 1e6,
            (on.as_secs_f64() / off.as_secs_f64() - 1.0) * 100.0
        );
        sim.shutdown().await;
    });
}
