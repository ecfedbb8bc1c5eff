//! What the derives' shared serde runtime costs against serde's own derive: one
//! `fields=*` page of 1,000 volumes from the simulator, decoded into the same
//! family of structs (a volume with its space, efficiency, NAS, QoS, SVM,
//! aggregates and links: 60 fields in 14 structs) written twice, once with
//! `#[derive(ontap::Model)]` (one table-driven visitor shared by every type) and
//! once with `#[derive(serde::Deserialize)]` (a visitor generated per type). Both
//! skip the members they do not name, so they read the same bytes. Also the whole
//! generated `Volume` (every field of the model), as a collection decodes it.
//!
//! `cargo bench --bench decode`. Prints medians of repeated runs and the ratio.

use std::time::{Duration, Instant};

mod common;
use common::median;

use ontap::resources::Volume;
use ontap::{HostConnection, Query, RequestSpec, Scheme};
use ontap_sim::Simulator;

/// The same structs twice: `runtime` (ontap's derive) and `derived` (serde's).
macro_rules! twice {
    ($( struct $name:ident { $( $field:ident $(as $wire:literal)? : $ty:ty ),* $(,)? } )*) => {
        mod runtime {
            #![allow(dead_code)]
            $(
                #[derive(Debug, Default, ontap::Model)]
                pub struct $name { $( $(#[model(rename = $wire)])? pub $field: Option<$ty>, )* }
            )*
        }
        mod derived {
            #![allow(dead_code)]
            $(
                #[derive(Debug, Default, serde::Deserialize)]
                pub struct $name { $( $(#[serde(rename = $wire)])? pub $field: Option<$ty>, )* }
            )*
        }
    };
}

twice! {
    struct Href { href: String }
    struct SelfLink { self_ as "self": Href }
    struct Named { name: String, uuid: String, links as "_links": SelfLink }
    struct ExportPolicy { name: String, id: i64 }
    struct Nas { path: String, security_style: String, unix_permissions: i64, uid: i64, gid: i64, export_policy: ExportPolicy }
    struct LogicalSpace { enforcement: bool, reporting: bool, used: i64, used_percent: i64, available: i64 }
    struct SnapshotSpace { used: i64, reserve_percent: i64, autodelete_enabled: bool }
    struct Space {
        size: i64, available: i64, used: i64, percent_used: i64, over_provisioned: i64,
        logical_space: LogicalSpace, snapshot: SnapshotSpace, footprint: i64, afs_total: i64,
    }
    struct Efficiency { compression: String, compaction: String, dedupe: String, cross_volume_dedupe: String, state: String, policy: Named }
    struct Qos { policy: Named }
    struct Tiering { policy: String, min_cooling_days: i64 }
    struct Autosize { mode: String, maximum: i64, minimum: i64, grow_threshold: i64, shrink_threshold: i64 }
    struct Snaplock { type_ as "type": String }
    struct Volume {
        uuid: String, name: String, comment: String, create_time: String, language: String,
        size: i64, state: String, style: String, type_ as "type": String, snapshot_count: i64,
        svm: Named, aggregates: Vec<Named>, space: Space, efficiency: Efficiency, nas: Nas,
        qos: Qos, snapshot_policy: Named, tiering: Tiering, autosize: Autosize, snaplock: Snaplock,
        is_svm_root: bool, msid: i64, links as "_links": SelfLink,
    }
}

/// A page with its records as `R`: the page itself is decoded the same way for both.
#[derive(serde::Deserialize)]
#[serde(bound = "R: serde::de::DeserializeOwned")]
struct Page<R> {
    records: Vec<R>,
}

/// The median time to decode `body` as a page of `R`, over `runs` runs.
fn time<R: serde::de::DeserializeOwned>(body: &[u8], runs: usize) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                let page: Page<R> = serde_json::from_slice(body).unwrap();
                let elapsed = started.elapsed();
                assert_eq!(page.records.len(), 1000);
                elapsed
            })
            .collect(),
    )
}

fn main() {
    // Under `cargo test --benches` a short pass; under `cargo bench` the full one.
    let runs: usize = if std::env::args().any(|a| a == "--bench") {
        101
    } else {
        3
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_volumes(1000)
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
        let spec = RequestSpec::new(
            ontap::http::Method::GET,
            "/storage/volumes",
            &Query::new().fields(["*"]).max_records(1000),
        );
        conn.execute(&spec).await.unwrap().body().to_vec()
    });

    // The two families read the same values.
    let ours: Page<runtime::Volume> = serde_json::from_slice(&body).unwrap();
    let theirs: Page<derived::Volume> = serde_json::from_slice(&body).unwrap();
    assert_eq!(format!("{:?}", ours.records[7]), format!("{:?}", theirs.records[7]));
    assert!(ours.records[7].space.as_ref().and_then(|s| s.size).is_some());

    // Alternated, so that neither side has the warmer caches throughout.
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs.div_ceil(10) {
        a.push(time::<runtime::Volume>(&body, 10));
        b.push(time::<derived::Volume>(&body, 10));
    }
    let (ours, theirs) = (median(a), median(b));
    let whole = time::<Volume>(&body, runs);
    println!(
        "one fields=* page of 1,000 volumes ({} KiB), 60 fields in 14 structs: ontap's runtime {:.2} ms, serde's derive {:.2} ms ({:.2}x); the whole generated Volume {:.2} ms",
        body.len() / 1024,
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3,
        ours.as_secs_f64() / theirs.as_secs_f64(),
        whole.as_secs_f64() * 1e3,
    );
}
