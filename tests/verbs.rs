//! Every verb and the collections, through the public API against the
//! simulator: get, post, patch (only what changed, checked at the server),
//! delete (waiting for its job), collections, count, find, parent keys, and
//! job actions.

mod common;

use std::time::Duration;

use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{
    Cluster, Job, JobAction, Snapshot, SoftwarePackageDownload, Svm, SvmReference, Volume, VolumeReference, VolumeState,
};
use ontap::{CallOptions, Error, HostConnection, JobState, Order, Query, Scheme, filter};
use ontap_sim::{PackageServer, Simulator, SimulatorBuilder};
use serde_json::json;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

async fn start(builder: SimulatorBuilder) -> (Simulator, HostConnection) {
    let sim = builder
        .tls(false)
        .job_duration(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let addr = sim.addr();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .release(ontap::Release::new(9, 19, 1))
        .poll_interval(Duration::from_millis(20))
        .poll_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    (sim, conn)
}

/// The bodies of the requests the simulator received with `method`.
fn bodies(sim: &Simulator, method: &str) -> Vec<serde_json::Value> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .filter_map(|r| r.body)
        .collect()
}

fn vs0() -> Option<SvmReference> {
    Some(SvmReference {
        name: Some("vs0".into()),
        ..Default::default()
    })
}

#[tokio::test]
async fn patch_sends_only_what_changed_and_nothing_when_nothing_did() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder()).await;
        let mut cluster = Cluster::default();
        cluster.get(&conn).await.unwrap();
        assert!(cluster.name.is_some() && cluster.version.is_some());

        let before = cluster.clone();
        cluster.location = Some("rack 7, row B".into());
        sim.clear_requests();
        let response = cluster.patch_changes(&conn, &before).await.unwrap();
        assert!(response.is_some());
        assert_eq!(bodies(&sim, "PATCH"), vec![json!({"location": "rack 7, row B"})]);

        sim.clear_requests();
        let unchanged = cluster.clone();
        assert!(cluster.patch_changes(&conn, &unchanged).await.unwrap().is_none());
        assert!(sim.requests().is_empty(), "nothing changed, nothing sent");

        let mut fresh = Cluster::default();
        fresh.get(&conn).await.unwrap();
        assert_eq!(fresh.location.as_deref(), Some("rack 7, row B"));
        assert_eq!(fresh.name, before.name);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_volume_is_created_changed_and_deleted_through_its_jobs() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder()).await;
        let mut volume = Volume {
            name: Some("vol_app".into()),
            svm: vs0(),
            size: Some(1 << 30),
            ..Default::default()
        };
        let created = volume
            .post_with(&conn, CallOptions::default().hydrate(true))
            .await
            .unwrap();
        assert_eq!(created.job_status().unwrap().state, Some(JobState::Success));
        let uuid = volume.uuid.clone().expect("the new volume's uuid came back");
        // The hydrating read asks for every field, as NetApp's client does.
        let hydrating = sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path == format!("/api/storage/volumes/{uuid}"))
            .filter_map(|r| r.query)
            .collect::<Vec<_>>();
        assert_eq!(hydrating, ["fields=%2A"], "fields=* encoded");
        assert_eq!(volume.state, Some(VolumeState::Online));
        assert_eq!(volume.svm.as_ref().and_then(|s| s.name.as_deref()), Some("vs0"));

        // A duplicate name in the same SVM is refused at once.
        let mut twin = Volume {
            name: Some("vol_app".into()),
            svm: vs0(),
            ..Default::default()
        };
        let err = twin.post(&conn).await.unwrap_err();
        assert_eq!(
            (err.status().map(|s| s.as_u16()), err.ontap_code()),
            (Some(409), Some("1"))
        );

        // Change the size only; the server sees only the size.
        let before = volume.clone();
        volume.size = Some(2 << 30);
        sim.clear_requests();
        let patched = volume
            .patch_changes_with(&conn, &before, CallOptions::default().hydrate(true))
            .await
            .unwrap();
        assert_eq!(patched.unwrap().job_status().unwrap().state, Some(JobState::Success));
        assert_eq!(bodies(&sim, "PATCH"), vec![json!({"size": 2u64 << 30})]);
        assert_eq!(volume.size, Some(2 << 30));

        // A patch built from the keys and the new values sends just those.
        let mut offline = Volume {
            uuid: Some(uuid.clone()),
            state: Some(VolumeState::Offline),
            ..Default::default()
        };
        sim.clear_requests();
        offline.patch(&conn).await.unwrap();
        assert_eq!(bodies(&sim, "PATCH"), vec![json!({"state": "offline"})]);

        // Delete waits for its job: the volume is gone when it returns.
        let deleted = volume.delete(&conn).await.unwrap();
        assert_eq!(deleted.job_status().unwrap().state, Some(JobState::Success));
        let mut gone = Volume {
            uuid: Some(uuid),
            ..Default::default()
        };
        assert!(gone.get_opt(&conn).await.unwrap().is_none());
        let err = gone.get(&conn).await.unwrap_err();
        assert_eq!(
            (err.status().map(|s| s.as_u16()), err.ontap_code()),
            (Some(404), Some("4"))
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_missing_key_is_a_typed_error_before_any_request() {
    let (sim, conn) = start(Simulator::builder()).await;
    sim.clear_requests();
    let err = Volume::default().get(&conn).await.unwrap_err();
    assert!(
        matches!(&err, Error::MissingKey { resource: "Volume", key, .. } if key == "uuid"),
        "{err:?}"
    );
    let err = Snapshot {
        uuid: Some("s1".into()),
        ..Default::default()
    }
    .delete(&conn)
    .await;
    assert!(
        matches!(&err, Err(Error::MissingKey { key, .. }) if key == "volume.uuid"),
        "{err:?}"
    );
    let mut listed = Snapshot::get_collection(&conn, Query::new());
    let err = listed.try_next().await.unwrap_err();
    assert_eq!(err.to_string(), "Snapshot needs `volume.uuid` set to build its path");
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn snapshots_live_under_their_volume() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder()).await;
        let mut volume = Volume {
            name: Some("vol_snap".into()),
            svm: vs0(),
            ..Default::default()
        };
        volume.post(&conn).await.unwrap();
        let volume_uuid = volume.uuid.clone().unwrap();
        let parent = || {
            Some(VolumeReference {
                uuid: Some(volume_uuid.clone()),
                ..Default::default()
            })
        };

        for name in ["hourly.0", "hourly.1", "daily 0"] {
            let mut snapshot = Snapshot {
                volume: parent(),
                name: Some(name.into()),
                ..Default::default()
            };
            snapshot.post(&conn).await.unwrap();
            assert!(snapshot.uuid.is_some());
        }
        let posted: Vec<_> = sim
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .map(|r| r.path)
            .collect();
        assert_eq!(
            posted.last().unwrap(),
            &format!("/api/storage/volumes/{volume_uuid}/snapshots")
        );

        let in_volume = || Query::new().parent("volume.uuid", &volume_uuid);
        let names: Vec<String> =
            Snapshot::get_collection(&conn, in_volume().fields(["name"]).order_by("name", Order::Asc))
                .map_ok(|s| s.name.unwrap())
                .try_collect()
                .await
                .unwrap();
        assert_eq!(names, ["daily 0", "hourly.0", "hourly.1"]);
        assert_eq!(
            Snapshot::count_collection(&conn, in_volume().filter("name", "hourly*"))
                .await
                .unwrap(),
            2
        );

        let mut daily = Snapshot::find(&conn, in_volume().filter("name", "daily 0"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            daily.volume.as_ref().and_then(|v| v.uuid.as_deref()),
            Some(volume_uuid.as_str())
        );
        let before = daily.clone();
        daily.comment = Some("kept for audit".into());
        daily
            .patch_changes_with(&conn, &before, CallOptions::default().hydrate(true))
            .await
            .unwrap();
        assert_eq!(daily.comment.as_deref(), Some("kept for audit"));
        daily.delete(&conn).await.unwrap();
        assert_eq!(Snapshot::count_collection(&conn, in_volume()).await.unwrap(), 2);

        // The parent key can come with the call instead of the struct.
        let hourly = Snapshot::find(&conn, in_volume().filter("name", "hourly.1"))
            .await
            .unwrap()
            .unwrap();
        let by_key_only = Snapshot {
            uuid: hourly.uuid.clone(),
            ..Default::default()
        };
        let options = CallOptions::default().parent("volume.uuid", &volume_uuid);
        by_key_only.delete_with(&conn, options).await.unwrap();
        assert_eq!(Snapshot::count_collection(&conn, in_volume()).await.unwrap(), 1);

        // A duplicate name in the volume, and a volume that does not exist.
        let mut twin = Snapshot {
            volume: parent(),
            name: Some("hourly.0".into()),
            ..Default::default()
        };
        assert_eq!(twin.post(&conn).await.unwrap_err().ontap_code(), Some("1"));
        let nowhere = Query::new().parent("volume.uuid", "00000000-0000-0000-0000-000000000000");
        let err = Snapshot::count_collection(&conn, nowhere).await.unwrap_err();
        assert_eq!(
            (err.status().map(|s| s.as_u16()), err.ontap_code()),
            (Some(404), Some("4"))
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn ten_thousand_volumes_are_read_in_pages_each_exactly_once_in_order() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder().seed_volumes(10_000)).await;
        let total = Volume::count_collection(&conn, Query::new()).await.unwrap();
        assert!(total >= 10_000, "{total}");

        sim.clear_requests();
        let query = Query::new()
            .fields(["name"])
            .order_by("name", Order::Asc)
            .max_records(100);
        let names: Vec<String> = Volume::get_collection(&conn, query)
            .map_ok(|v| v.name.unwrap())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names.len() as u64, total);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "in order and each once");
        let seeded: Vec<_> = names.iter().filter(|n| n.starts_with("vol")).collect();
        assert_eq!(seeded.len(), 10_000);
        // One request per page of 100.
        let pages = sim.requests().iter().filter(|r| r.method == "GET").count() as u64;
        assert_eq!(pages, total.div_ceil(100));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn count_and_find_use_ontaps_filters() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = start(Simulator::builder().seed_volumes(200)).await;
        let first_names = |name: &str| Query::new().filter("name", name);
        assert_eq!(
            Volume::count_collection(&conn, first_names("vol0001*")).await.unwrap(),
            10
        );
        assert_eq!(
            Volume::count_collection(&conn, first_names(&filter::any_of(["vol00001", "vol00002"])))
                .await
                .unwrap(),
            2
        );
        let found = Volume::find(&conn, first_names("vol00042")).await.unwrap().unwrap();
        assert_eq!(found.name.as_deref(), Some("vol00042"));
        assert!(found.uuid.is_some());
        assert!(
            Volume::find(&conn, first_names("no-such-volume"))
                .await
                .unwrap()
                .is_none()
        );
        let err = Volume::find(&conn, first_names("vol0004*")).await.unwrap_err();
        assert_eq!(err.to_string(), "more than one Volume matches `name=vol0004%2A`");
        let svms = Svm::get_collection(&conn, Query::new().fields(["name", "state"]))
            .try_collect::<Vec<_>>()
            .await;
        assert!(svms.unwrap().iter().any(|s| s.name.as_deref() == Some("vs0")));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_download_job_can_be_paused_resumed_and_cancelled() {
    tokio::time::timeout(LIMIT, async {
        let packages = PackageServer::start([("x-9.16.1.tgz", vec![1u8; 1 << 20])], None::<(&str, &str)>)
            .await
            .unwrap();
        let (_sim, conn) = start(Simulator::builder().download_rate(Some(128 * 1024))).await;
        let mut download = SoftwarePackageDownload {
            url: Some(packages.url("x-9.16.1.tgz")),
            ..Default::default()
        };
        let response = download
            .post_with(&conn, CallOptions::default().poll(false))
            .await
            .unwrap();
        let mut job = Job {
            uuid: Some(response.job().unwrap().uuid.clone()),
            ..Default::default()
        };

        job.action(&conn, JobAction::Pause).await.unwrap();
        job.get(&conn).await.unwrap();
        assert_eq!(job.state, Some(JobState::Paused));
        job.action(&conn, JobAction::Resume).await.unwrap();
        job.action(&conn, JobAction::Cancel).await.unwrap();
        job.get(&conn).await.unwrap();
        assert_eq!(job.state, Some(JobState::Failure));
        let err = job.action(&conn, JobAction::Pause).await.unwrap_err();
        assert_eq!(err.ontap_code(), Some("458762"), "{err}");
    })
    .await
    .unwrap();
}

/// A handle with `X-Dot-SVM-Name` acts as that SVM on the connection's own pool: its
/// collections hold that SVM's volumes only, the connection's hold every one, and no
/// second TCP connection is opened.
#[tokio::test]
async fn a_handle_acts_as_an_svm_on_the_shared_connection() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder()).await;
        let mut vs1 = Svm {
            name: Some("vs1".into()),
            ..Default::default()
        };
        vs1.post(&conn).await.expect("a second SVM");
        for (name, svm) in [("a0", "vs0"), ("a1", "vs1")] {
            let mut v = common::volume(name);
            v.svm = Some(SvmReference {
                name: Some(svm.into()),
                ..Default::default()
            });
            v.post(&conn).await.expect("a volume");
        }
        let as_vs1 = conn.with_header("X-Dot-SVM-Name", "vs1").expect("a valid header");
        let names = |list: Vec<Volume>| -> Vec<String> { list.into_iter().filter_map(|v| v.name).collect() };
        let opened = sim.connections().accepted;
        let scoped: Vec<Volume> = Volume::get_collection(&as_vs1, Query::new().filter("name", "a*"))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(scoped), ["a1"]);
        let all: Vec<Volume> = Volume::get_collection(&conn, Query::new().filter("name", "a*"))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(all).len(), 2);
        assert_eq!(sim.connections().accepted, opened, "the handle shares the pool");

        // A login header is the connection's, and a bad one is a typed error.
        assert!(matches!(
            conn.with_header("Authorization", "Basic x"),
            Err(Error::Config(_))
        ));
        assert!(matches!(conn.with_header("bad name", "x"), Err(Error::Config(_))));
        assert!(conn.headers().is_empty());
    })
    .await
    .unwrap();
}

/// Untyped records come through the typed stream's paging: every page read, every
/// record as the cluster sent it.
#[tokio::test]
async fn a_raw_record_stream_reads_every_page() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Simulator::builder()).await;
        for i in 0..5 {
            common::volume(&format!("raw{i}")).post(&conn).await.expect("a volume");
        }
        sim.clear_requests();
        let query = Query::new().filter("name", "raw*").fields(["*"]).max_records(2);
        let raw: Vec<serde_json::Value> = Volume::get_collection_as(&conn, query.clone())
            .try_collect()
            .await
            .unwrap();
        let pages = sim
            .requests()
            .iter()
            .filter(|r| r.path == "/api/storage/volumes")
            .count();
        assert_eq!(pages, 3, "5 records, 2 a page");
        let names: Vec<&str> = raw.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(names, ["raw0", "raw1", "raw2", "raw3", "raw4"]);
        // As sent: the fields the typed stream decodes, and the HAL links too.
        let typed: Vec<Volume> = Volume::get_collection(&conn, query).try_collect().await.unwrap();
        for (raw, typed) in raw.iter().zip(&typed) {
            assert_eq!(raw["uuid"].as_str(), typed.uuid.as_deref());
            assert_eq!(raw["size"].as_i64(), typed.size);
            assert!(raw["_links"]["self"]["href"].is_string(), "{raw}");
        }
    })
    .await
    .unwrap();
}
