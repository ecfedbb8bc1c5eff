//! Reading an object by its keys (`fetch`), the verbs without options, the stream
//! of pages, and the error helpers with ONTAP's codes, against the simulator.

mod common;

use std::time::Duration;

use common::simulated;
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{
    Cluster, Qtree, Snapshot, SoftwarePackageDownload, SvmReference, Volume, VolumeReference, VolumeState,
};
use ontap::{CallOptions, Error, Query, codes};
use ontap_sim::Simulator;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

fn vs0() -> Option<SvmReference> {
    Some(SvmReference {
        name: Some("vs0".into()),
        ..Default::default()
    })
}

async fn new_volume(conn: &ontap::HostConnection, name: &str) -> Volume {
    let mut volume = Volume {
        name: Some(name.into()),
        svm: vs0(),
        size: Some(1 << 30),
        ..Default::default()
    };
    volume.post(conn).await.unwrap();
    assert!(volume.uuid.is_some(), "the new volume's uuid came back");
    volume
}

#[tokio::test]
async fn a_volume_is_fetched_by_its_uuid_and_can_be_deleted_at_once() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let created = new_volume(&conn, "vol_fetched").await;
        let uuid = created.uuid.clone().unwrap();

        sim.clear_requests();
        let volume = Volume::fetch(&conn, uuid.as_str()).await.unwrap();
        assert_eq!(volume.uuid.as_deref(), Some(uuid.as_str()));
        assert_eq!(volume.name.as_deref(), Some("vol_fetched"));
        assert_eq!(volume.state, Some(VolumeState::Online));
        let requests = sim.requests();
        assert_eq!(requests.len(), 1, "one GET");
        assert_eq!(
            (requests[0].method.as_str(), requests[0].path.as_str()),
            ("GET", format!("/api/storage/volumes/{uuid}").as_str())
        );

        // A String, a &String and a one-element array are one key as well.
        for again in [
            Volume::fetch(&conn, uuid.clone()).await.unwrap(),
            Volume::fetch(&conn, &uuid).await.unwrap(),
            Volume::fetch(&conn, [uuid.as_str()]).await.unwrap(),
        ] {
            assert_eq!(again.name.as_deref(), Some("vol_fetched"));
        }

        // With query parameters: only what `fields` asks for, and the key.
        sim.clear_requests();
        let named = Volume::fetch_with(&conn, &uuid, &Query::new().fields(["name"]))
            .await
            .unwrap();
        assert_eq!(named.name.as_deref(), Some("vol_fetched"));
        assert_eq!(named.uuid.as_deref(), Some(uuid.as_str()));
        assert_eq!(sim.requests()[0].query.as_deref(), Some("fields=name"));

        volume.delete(&conn).await.unwrap();
        let err = Volume::fetch(&conn, &uuid).await.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert!(err.has_code(codes::NOT_FOUND));
        assert_eq!(err.ontap_code_number(), Some(codes::NOT_FOUND));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_nested_object_is_fetched_by_its_parents_key_then_its_own() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let volume = new_volume(&conn, "vol_nested").await;
        let volume_uuid = volume.uuid.clone().unwrap();
        let mut snapshot = Snapshot {
            volume: Some(VolumeReference {
                uuid: Some(volume_uuid.clone()),
                ..Default::default()
            }),
            name: Some("hourly 0".into()),
            ..Default::default()
        };
        snapshot.post(&conn).await.unwrap();
        let snapshot_uuid = snapshot.uuid.clone().unwrap();

        sim.clear_requests();
        let mut fetched = Snapshot::fetch(&conn, [volume_uuid.as_str(), snapshot_uuid.as_str()])
            .await
            .unwrap();
        assert_eq!(
            sim.requests()[0].path,
            format!("/api/storage/volumes/{volume_uuid}/snapshots/{snapshot_uuid}")
        );
        assert_eq!(fetched.name.as_deref(), Some("hourly 0"));
        // Both keys are set, from the answer or from the call: the object
        // can be changed and deleted as it is.
        assert_eq!(
            ontap::instance_path(&fetched).unwrap(),
            format!("/storage/volumes/{volume_uuid}/snapshots/{snapshot_uuid}")
        );
        let before = fetched.clone();
        fetched.comment = Some("fetched".into());
        fetched.patch_changes(&conn, &before).await.unwrap();
        fetched.delete(&conn).await.unwrap();
        let gone = Snapshot::fetch(&conn, vec![volume_uuid.clone(), snapshot_uuid.clone()])
            .await
            .unwrap_err();
        assert!(gone.is_not_found(), "{gone:?}");

        // Only the volume's key: the count is wrong, nothing is sent.
        sim.clear_requests();
        let err = Snapshot::fetch(&conn, snapshot_uuid.as_str()).await.unwrap_err();
        let Error::KeyCount {
            resource, keys, given, ..
        } = &err
        else {
            panic!("expected KeyCount, got {err:?}")
        };
        assert_eq!(
            (*resource, keys.as_slice(), *given),
            ("Snapshot", &["volume.uuid", "uuid"][..], 1)
        );
        assert_eq!(
            err.to_string(),
            "Snapshot is read by 2 keys, `volume.uuid` then `uuid`; 1 given"
        );
        assert!(sim.requests().is_empty(), "refused before any request");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_object_with_two_keys_one_an_integer_is_fetched_by_both() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let volume = new_volume(&conn, "vol_qtrees").await;
        let volume_uuid = volume.uuid.clone().unwrap();
        let mut qtree = Qtree {
            volume: Some(VolumeReference {
                uuid: Some(volume_uuid.clone()),
                ..Default::default()
            }),
            svm: vs0(),
            name: Some("projects".into()),
            ..Default::default()
        };
        qtree.post(&conn).await.unwrap();
        let id = qtree.id.expect("the qtree's id came back");

        sim.clear_requests();
        let fetched = Qtree::fetch(&conn, [volume_uuid.clone(), id.to_string()])
            .await
            .unwrap();
        assert_eq!(
            sim.requests()[0].path,
            format!("/api/storage/qtrees/{volume_uuid}/{id}")
        );
        assert_eq!(fetched.name.as_deref(), Some("projects"));
        assert_eq!(fetched.id, Some(id));
        assert_eq!(
            fetched.volume.as_ref().and_then(|v| v.uuid.as_deref()),
            Some(volume_uuid.as_str())
        );

        // Three keys for two.
        let err = Qtree::fetch(&conn, [volume_uuid.as_str(), "1", "2"]).await.unwrap_err();
        assert!(matches!(err, Error::KeyCount { given: 3, .. }), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_singleton_is_fetched_without_keys() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let cluster = Cluster::fetch(&conn, ()).await.unwrap();
        assert!(cluster.name.is_some() && cluster.version.is_some());
        assert_eq!(sim.requests()[0].path, "/api/cluster");

        let err = Cluster::fetch(&conn, "extra").await.unwrap_err();
        assert_eq!(err.to_string(), "Cluster is read by no key; 1 given");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn keys_that_cannot_be_path_segments_are_refused_before_any_request() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        // The release is read once per connection; the log is of the fetches alone.
        conn.release().await;
        sim.clear_requests();
        let err = Volume::fetch(&conn, "..").await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKey { key, value, .. } if key == "uuid" && value == ".."),
            "{err:?}"
        );
        let err = Snapshot::fetch(&conn, [".", "a"]).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKey { key, .. } if key == "volume.uuid"),
            "{err:?}"
        );
        let err = Volume::fetch(&conn, "").await.unwrap_err();
        assert!(
            matches!(&err, Error::MissingKey { key, .. } if key == "uuid"),
            "{err:?}"
        );
        assert!(sim.requests().is_empty());

        // A key is percent-encoded as given: a slash stays in its segment.
        let err = Volume::fetch(&conn, "a/b c").await.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(sim.requests()[0].path, "/api/storage/volumes/a%2Fb%20c");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_verbs_without_options_create_change_and_delete() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let mut volume = Volume {
            name: Some("vol_short".into()),
            svm: vs0(),
            size: Some(1 << 30),
            ..Default::default()
        };
        let created = volume.post(&conn).await.unwrap();
        assert!(created.job_status().is_some(), "the job was waited for");
        let uuid = volume.uuid.clone().unwrap();

        let mut resize = Volume {
            uuid: Some(uuid.clone()),
            size: Some(2 << 30),
            ..Default::default()
        };
        resize.patch(&conn).await.unwrap();
        assert_eq!(Volume::fetch(&conn, &uuid).await.unwrap().size, Some(2 << 30));

        // `_with` takes the options.
        let mut renamed = Volume::fetch(&conn, &uuid).await.unwrap();
        let before = renamed.clone();
        renamed.comment = Some("short forms".into());
        renamed
            .patch_changes_with(&conn, &before, CallOptions::default().hydrate(true))
            .await
            .unwrap();
        assert_eq!(renamed.comment.as_deref(), Some("short forms"));
        let unchanged = renamed.clone();
        assert!(renamed.patch_changes(&conn, &unchanged).await.unwrap().is_none());

        let mut other = Volume {
            name: Some("vol_short_2".into()),
            svm: vs0(),
            ..Default::default()
        };
        let started = other
            .post_with(&conn, CallOptions::default().poll(false))
            .await
            .unwrap();
        let job = started.job().expect("a job").clone();
        job.wait(&conn, &Default::default()).await.unwrap();

        renamed.delete(&conn).await.unwrap();
        other.delete_with(&conn, CallOptions::default()).await.unwrap();
        let left = Volume::count_collection(&conn, Query::new().filter("name", "vol_short*"))
            .await
            .unwrap();
        assert_eq!(left, 0);
        assert!(sim.requests().iter().any(|r| r.method == "DELETE"));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_pages_of_a_collection_are_a_stream_and_flatten_to_its_items() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = simulated(Simulator::builder().seed_volumes(25)).await;
        let query = || Query::new().filter("name", "vol0*").fields(["name"]).max_records(10);
        let pages: Vec<ontap::Page<Volume>> = Volume::get_pages(&conn, query()).try_collect().await.unwrap();
        let sizes: Vec<usize> = pages.iter().map(|p| p.records.len()).collect();
        assert_eq!(sizes, [10, 10, 5]);
        for page in &pages {
            assert_eq!(page.num_records, Some(page.records.len() as u64));
        }
        let links: Vec<bool> = pages.iter().map(|p| p.next.is_some()).collect();
        assert_eq!(links, [true, true, false]);
        assert!(pages[0].next.as_deref().unwrap().starts_with("/api/storage/volumes?"));

        let from_pages: Vec<Option<String>> = pages.into_iter().flat_map(|p| p.records).map(|v| v.name).collect();
        let items: Vec<Option<String>> = Volume::get_collection(&conn, query())
            .map_ok(|v| v.name)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(from_pages, items);
        assert_eq!(items.len(), 25);

        // Counting only: one page, no records, the count in `num_records`.
        let counted: Vec<ontap::Page<Volume>> =
            Volume::get_pages(&conn, Query::new().filter("name", "vol0*").return_records(false))
                .try_collect()
                .await
                .unwrap();
        assert_eq!(counted.len(), 1);
        assert!(counted[0].records.is_empty());
        assert_eq!(counted[0].num_records, Some(25));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_error_helpers_read_ontaps_code_message_and_target() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = simulated(Simulator::builder()).await;
        new_volume(&conn, "vol_taken").await;

        // A name that is taken.
        let mut twin = Volume {
            name: Some("vol_taken".into()),
            svm: vs0(),
            ..Default::default()
        };
        let err = twin.post(&conn).await.unwrap_err();
        assert!(err.has_code(codes::DUPLICATE), "{err:?}");
        assert!(!err.is_not_found());
        assert!(err.message().is_some_and(|m| !m.is_empty()), "{err:?}");

        // A value out of range, with the field it is about.
        let mut huge = Volume {
            name: Some("vol_huge".into()),
            svm: vs0(),
            size: Some(1 << 60),
            ..Default::default()
        };
        let err = huge.post(&conn).await.unwrap_err();
        assert!(err.has_code(codes::INVALID_VALUE), "{err:?}");
        assert_eq!(err.target(), Some("size"), "{err:?}");

        // An unknown query parameter.
        let err = Volume::fetch_with(&conn, "x", &Query::new().param("no_such_parameter", 1))
            .await
            .unwrap_err();
        assert!(err.has_code(codes::UNEXPECTED_ARGUMENT), "{err:?}");
        assert_eq!(err.target(), Some("no_such_parameter"), "{err:?}");

        // A job that fails: its message and code.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut download = SoftwarePackageDownload {
            url: Some(format!("http://127.0.0.1:{port}/p-9.1.tgz")),
            ..Default::default()
        };
        let err = download.post(&conn).await.unwrap_err();
        assert!(matches!(err, Error::JobFailed { .. }), "{err:?}");
        assert!(err.has_code(10551381), "{err:?}");
        assert!(err.message().is_some_and(|m| !m.is_empty()), "{err:?}");
        assert!(!err.is_not_found());

        // Errors ONTAP did not write have none of it.
        let err = ontap::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
        assert_eq!((err.message(), err.target(), err.ontap_code()), (None, None, None));
        assert!(!err.is_not_found() && !err.has_code(codes::NOT_FOUND));
    })
    .await
    .unwrap();
}
