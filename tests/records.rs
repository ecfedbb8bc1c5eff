//! Record-based verbs against the simulator: many objects in one request
//! (`{"records": [...]}`), each learning its keys, all or nothing, never retried.

mod common;

use std::time::Duration;

use common::{simulated, volume};
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
    Volume::get_collection(conn, Query::new().filter("name", pattern))
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
