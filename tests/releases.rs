//! The cluster's release: stated, or learned with one read shared by the connection, and
//! what the library sends by itself fits it (job reads ask for `error` from 9.9 on only).

mod common;

use common::{simulated, volume};
use ontap::prelude::*;
use ontap::{HostConnection, JobOutcome, PollOptions, Release};
use ontap_sim::{Fault, Simulator};

fn version_reads(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/api/cluster")
        .count()
}

fn job_reads(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/cluster/jobs"))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect()
}

/// On 9.8 a job read that names `error` is refused (262197); the waits ask only for what
/// 9.8 has, and the connection reads the release once for all of them.
#[tokio::test]
async fn job_waits_on_a_9_8_cluster_ask_only_for_its_fields() {
    let (sim, conn) = simulated(Simulator::builder().cluster_version("9.8")).await;
    assert_eq!(conn.known_release(), None);
    let waits = (0..5).map(|i| {
        let conn = conn.clone();
        async move { volume(&format!("v{i}")).post(&conn).await.map(|_| ()) }
    });
    for created in futures::future::join_all(waits).await {
        created.expect("the volume is created and its job waited on");
    }
    assert_eq!(conn.known_release(), Some(Release::new(9, 8, 0)));
    assert_eq!(version_reads(&sim), 1, "{:?}", sim.requests());
    let reads = job_reads(&sim);
    assert!(!reads.is_empty());
    for query in &reads {
        assert!(
            query.contains("fields=state%2Cmessage%2Ccode") || query.contains("fields=state,message,code"),
            "{query}"
        );
        assert!(!query.contains("error"), "{query}");
    }
    // A lone status read too.
    let link = ontap::JobLink {
        uuid: sim
            .requests()
            .iter()
            .rev()
            .find_map(|r| r.path.strip_prefix("/api/cluster/jobs/").map(str::to_owned))
            .unwrap_or_default(),
        links: None,
    };
    if !link.uuid.is_empty() {
        let status = link.status(&conn).await.expect("a 9.8 job read");
        assert!(status.state.is_some());
    }
}

/// From 9.9 on, job reads carry `error`, so a failure's details come with the read.
#[tokio::test]
async fn job_waits_on_a_current_cluster_ask_for_the_error_too() {
    let (sim, conn) = simulated(Simulator::builder()).await;
    let mut v = volume("v1");
    v.post(&conn).await.expect("created");
    assert_eq!(conn.known_release(), Some("9.19.1".parse().unwrap()));
    let reads = job_reads(&sim);
    assert!(reads.iter().all(|q| q.contains("error")), "{reads:?}");
}

/// A stated release is never read.
#[tokio::test]
async fn a_stated_release_is_not_read() {
    let (sim, simulated_conn) = simulated(Simulator::builder().cluster_version("9.8")).await;
    let addr = sim.addr();
    let conn = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(ontap::Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .poll_interval(std::time::Duration::from_millis(20))
        .release("9.8P5".parse().unwrap())
        .build()
        .unwrap();
    drop(simulated_conn);
    let mut v = volume("v1");
    v.post(&conn).await.expect("created");
    assert_eq!(conn.release().await, Some("9.8P5".parse().unwrap()));
    assert_eq!(version_reads(&sim), 0);
}

/// A role that may not read `/cluster` gets 403: the release stays unknown (asked once),
/// and calls go on, unguarded.
#[tokio::test]
async fn a_refused_version_read_leaves_the_release_unknown() {
    let (sim, conn) = simulated(Simulator::builder()).await;
    sim.inject(Fault::status(403).path("/api/cluster").method("GET").times(1));
    assert_eq!(conn.release().await, None);
    assert_eq!(conn.release().await, None, "a refusal is remembered");
    assert_eq!(version_reads(&sim), 1);
    let mut v = volume("v1");
    v.post(&conn).await.expect("created");
    let job = ontap::JobLink {
        uuid: "none".into(),
        links: None,
    };
    assert!(matches!(
        job.wait(&conn, &PollOptions::default()).await,
        Ok(JobOutcome::Vanished { .. }) | Err(_)
    ));
    assert_eq!(version_reads(&sim), 1);
    assert!(job_reads(&sim).iter().all(|q| q.contains("error")));
}
