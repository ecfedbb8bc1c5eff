//! Record-based verbs against the simulator: many objects in one request
//! (`{"records": [...]}`), each learning its keys, all or nothing, never retried.

use std::time::Duration;

use crate::common::{simulated, volume};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::Volume;
use ontap::{CallOptions, Error, Query};
use ontap_sim::{Fault, Simulator};

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

fn posts(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/storage/volumes")
        .count()
}

async fn named(conn: &ontap::HostConnection, pattern: &str) -> Vec<Volume> {
    Volume::get_collection(conn, Query::new().filter("name", pattern).fields(["name", "comment"]))
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn post_collection_creates_every_record_in_one_request_and_each_learns_its_keys() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let mut volumes: Vec<Volume> = ["many1", "many2", "many3"].map(volume).into();
        let response = Volume::post_collection(&conn, &mut volumes, CallOptions::default())
            .await
            .expect("created");
        assert!(response.job_status().is_some(), "the job was waited for");
        assert_eq!(posts(&sim), 1);
        let sent = sim.requests().into_iter().find(|r| r.method == "POST").unwrap();
        assert_eq!(sent.body.unwrap()["records"].as_array().map(Vec::len), Some(3));
        let listed = named(&conn, "many*").await;
        assert_eq!(listed.len(), 3);
        for v in &volumes {
            let uuid = v.uuid.as_deref().expect("each record learned its uuid");
            let there = listed.iter().find(|l| l.uuid.as_deref() == Some(uuid)).expect("listed");
            assert_eq!(there.name, v.name, "in order");
        }

        // hydrate reads each one back.
        let mut more: Vec<Volume> = ["hyd1", "hyd2"].map(volume).into();
        Volume::post_collection(&conn, &mut more, CallOptions::default().hydrate(true))
            .await
            .unwrap();
        assert!(more.iter().all(|v| v.state.is_some() && v.uuid.is_some()), "{more:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn post_collection_is_all_or_nothing_and_never_retried() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        volume("taken").post(&conn).await.unwrap();
        // A name that exists refuses them all.
        let mut volumes: Vec<Volume> = ["fresh1", "taken", "fresh2"].map(volume).into();
        let err = Volume::post_collection(&conn, &mut volumes, CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("1"), "{err:?}");
        assert!(named(&conn, "fresh*").await.is_empty());
        assert!(volumes.iter().all(|v| v.uuid.is_none()));

        // A 503 is not retried: the POST may have reached the server.
        sim.clear_requests();
        sim.inject(Fault::status(503).path("/api/storage/volumes").method("POST").times(1));
        let mut volumes: Vec<Volume> = ["again1", "again2"].map(volume).into();
        let err = Volume::post_collection(&conn, &mut volumes, CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        assert_eq!(posts(&sim), 1);

        // No record at all is refused before any request.
        sim.clear_requests();
        let err = Volume::post_collection(&conn, &mut [], CallOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_eq!(posts(&sim), 0);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn patch_records_changes_each_record_its_own_way_and_delete_records_removes_them() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = simulated(Simulator::builder()).await;
        let mut volumes: Vec<Volume> = ["rec1", "rec2", "rec3"].map(volume).into();
        Volume::post_collection(&conn, &mut volumes, CallOptions::default())
            .await
            .unwrap();
        let uuid = |i: usize| volumes[i].uuid.clone();

        // Two of the three, each with its own comment, in one PATCH without a filter.
        sim.clear_requests();
        let changes: Vec<Volume> = [(0, "first"), (2, "third")]
            .map(|(i, comment)| Volume {
                uuid: uuid(i),
                comment: Some(comment.into()),
                ..Default::default()
            })
            .into();
        let done = Volume::patch_records(&conn, &changes, CallOptions::default())
            .await
            .expect("patched");
        assert!(done.all_succeeded());
        assert_eq!(done.num_records(), Some(2));
        let sent: Vec<_> = sim.requests().into_iter().filter(|r| r.method == "PATCH").collect();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].path, "/api/storage/volumes");
        assert_eq!(sent[0].query, None, "selected by the records, not by a filter");
        assert_eq!(
            sent[0].body,
            Some(serde_json::json!({"records": [
                {"uuid": uuid(0), "comment": "first"},
                {"uuid": uuid(2), "comment": "third"},
            ]}))
        );
        let comments: Vec<(Option<String>, Option<String>)> = named(&conn, "rec*")
            .await
            .into_iter()
            .map(|v| (v.name, v.comment))
            .collect();
        assert!(
            comments.contains(&(Some("rec1".into()), Some("first".into()))),
            "{comments:?}"
        );
        assert!(
            comments.contains(&(Some("rec3".into()), Some("third".into()))),
            "{comments:?}"
        );
        assert!(
            !comments
                .iter()
                .any(|(n, c)| n.as_deref() == Some("rec2") && c.is_some()),
            "{comments:?}"
        );

        // Delete two by their keys.
        let gone = [0, 1].map(|i| Volume {
            uuid: uuid(i),
            ..Default::default()
        });
        let done = Volume::delete_records(&conn, &gone, CallOptions::default())
            .await
            .expect("deleted");
        assert!(done.all_succeeded());
        let left: Vec<Option<String>> = named(&conn, "rec*").await.into_iter().map(|v| v.name).collect();
        assert_eq!(left, [Some("rec3".to_owned())]);

        // No record, or one without its key, is refused before any request.
        sim.clear_requests();
        let err = Volume::delete_records(&conn, &[], CallOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let keyless = [Volume {
            comment: Some("x".into()),
            ..Default::default()
        }];
        let err = Volume::patch_records(&conn, &keyless, CallOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::MissingKey { .. }), "{err:?}");
        assert!(sim.requests().is_empty());

        // A record that names nothing refuses the request: nothing changes.
        let stale = [
            Volume {
                uuid: uuid(2),
                comment: Some("changed".into()),
                ..Default::default()
            },
            Volume {
                uuid: uuid(0),
                comment: Some("gone".into()),
                ..Default::default()
            },
        ];
        let err = Volume::patch_records(&conn, &stale, CallOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
        let third = named(&conn, "rec3").await;
        assert_eq!(third[0].comment.as_deref(), Some("third"));
    })
    .await
    .unwrap();
}
