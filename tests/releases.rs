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

mod guard {
    use std::time::Duration;

    use futures::TryStreamExt;
    use ontap::prelude::*;
    use ontap::resources::{Volume, VolumeAggressiveReadaheadMode};
    use ontap::{CallOptions, Error, HostConnection, Query, Release, ReleaseGuard};
    use ontap_sim::{Fault, Simulator};

    use super::common::volume;

    async fn at(release: &str, guard: ReleaseGuard) -> (Simulator, HostConnection) {
        let sim = Simulator::builder()
            .tls(false)
            .cluster_version(release)
            .job_duration(Duration::from_millis(20))
            .start()
            .await
            .unwrap();
        let addr = sim.addr();
        let conn = HostConnection::builder(addr.ip().to_string())
            .port(addr.port())
            .scheme(ontap::Scheme::Http)
            .basic_auth(sim.username(), sim.password())
            .poll_interval(Duration::from_millis(20))
            .release_guard(guard)
            .build()
            .unwrap();
        (sim, conn)
    }

    fn sent(sim: &Simulator, method: &str, path: &str) -> usize {
        sim.requests()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(path))
            .count()
    }

    fn readahead(name: &str, mode: VolumeAggressiveReadaheadMode) -> Volume {
        Volume {
            aggressive_readahead_mode: Some(mode),
            ..volume(name)
        }
    }

    fn unsupported(err: &Error) -> (String, Release, Release) {
        match err {
            Error::Unsupported {
                what, since, cluster, ..
            } => (what.clone(), *since, *cluster),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_body_field_the_release_lacks_is_refused_before_sending() {
        let (sim, conn) = at("9.8", ReleaseGuard::Refuse).await;
        let err = readahead("v1", VolumeAggressiveReadaheadMode::FilePrefetch)
            .post(&conn)
            .await
            .unwrap_err();
        let (what, since, cluster) = unsupported(&err);
        assert_eq!(what, "field `aggressive_readahead_mode`");
        assert_eq!((since, cluster), (Release::new(9, 13, 0), Release::new(9, 8, 0)));
        assert!(
            err.to_string().contains("came with ONTAP 9.13; the cluster runs 9.8"),
            "{err}"
        );
        assert_eq!(sent(&sim, "POST", "/api/storage/volumes"), 0);
        // What 9.8 has goes through.
        volume("v2").post(&conn).await.expect("a 9.8 volume");
    }

    #[tokio::test]
    async fn an_enum_value_the_release_lacks_is_refused() {
        let (sim, conn) = at("9.15.1", ReleaseGuard::Refuse).await;
        let err = readahead("v1", VolumeAggressiveReadaheadMode::CrossFileSequentialRead)
            .post(&conn)
            .await
            .unwrap_err();
        let (what, since, _) = unsupported(&err);
        assert_eq!(
            what,
            "value `cross_file_sequential_read` of `aggressive_readahead_mode`"
        );
        assert_eq!(since, Release::new(9, 16, 0));
        assert_eq!(sent(&sim, "POST", "/api/storage/volumes"), 0);
        readahead("v2", VolumeAggressiveReadaheadMode::FilePrefetch)
            .post(&conn)
            .await
            .expect("a value 9.15.1 has");
    }

    #[tokio::test]
    async fn fields_filters_and_parameters_the_release_lacks_are_refused() {
        let (sim, conn) = at("9.10.1", ReleaseGuard::Refuse).await;
        let fields = Query::new().fields(["name", "aggressive_readahead_mode"]);
        let err = Volume::get_collection(&conn, fields)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_eq!(unsupported(&err).0, "field `aggressive_readahead_mode` in `fields`");
        let filter = Query::new().filter("aggressive_readahead_mode", "none");
        let err = Volume::count_collection(&conn, filter).await.unwrap_err();
        assert_eq!(unsupported(&err).0, "filter `aggressive_readahead_mode`");
        assert_eq!(sent(&sim, "GET", "/api/storage/volumes"), 0);

        let mut v = volume("v1");
        v.post(&conn).await.unwrap();
        let err = v
            .delete_with(&conn, CallOptions::default().param("force", true))
            .await
            .unwrap_err();
        assert_eq!(
            unsupported(&err),
            (
                "parameter `force`".into(),
                Release::new(9, 11, 0),
                "9.10.1".parse().unwrap()
            )
        );
        assert_eq!(sent(&sim, "DELETE", "/api/storage/volumes"), 0);
        v.delete(&conn).await.expect("a delete 9.10.1 has");
    }

    /// With the guard off, the request is sent and the cluster answers as ONTAP does: a
    /// body field or a parameter the release lacks 262179, a name in `fields` or an enum
    /// value 262197.
    #[tokio::test]
    async fn with_the_guard_off_the_cluster_answers_its_code() {
        let (sim, conn) = at("9.8", ReleaseGuard::Off).await;
        let err = readahead("v1", VolumeAggressiveReadaheadMode::FilePrefetch)
            .post(&conn)
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262179"), "{err:?}");
        assert_eq!(sent(&sim, "POST", "/api/storage/volumes"), 1);
        // A name in `fields`: 262197.
        let fields = Query::new().fields(["name", "aggressive_readahead_mode"]);
        let err = Volume::get_collection(&conn, fields)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262197"), "{err:?}");
        assert_eq!(conn.known_release(), None, "the guard off reads no release");
        assert_eq!(sent(&sim, "GET", "/api/cluster"), 0);
        // An operation parameter: 262179, and nothing deleted (the job read of the
        // create learns the release, for the job's fields).
        let mut v = volume("v2");
        v.post(&conn).await.expect("a 9.8 volume");
        let err = v
            .delete_with(&conn, CallOptions::default().param("force", true))
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262179"), "{err:?}");
        assert_eq!(sent(&sim, "DELETE", "/api/storage/volumes"), 1);
        v.get(&conn).await.expect("still there");

        // An enum value of a later release: 262197.
        let (sim, conn) = at("9.15.1", ReleaseGuard::Off).await;
        let err = readahead("v1", VolumeAggressiveReadaheadMode::CrossFileSequentialRead)
            .post(&conn)
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262197"), "{err:?}");
        assert_eq!(sent(&sim, "POST", "/api/storage/volumes"), 1);
    }

    /// A 403 on the version read: the release stays unknown and calls go unguarded.
    #[tokio::test]
    async fn a_refused_version_read_leaves_calls_unguarded() {
        let (sim, conn) = at("9.8", ReleaseGuard::Refuse).await;
        sim.inject(Fault::status(403).path("/api/cluster").method("GET").times(1));
        let err = readahead("v1", VolumeAggressiveReadaheadMode::FilePrefetch)
            .post(&conn)
            .await
            .unwrap_err();
        assert_eq!(err.ontap_code(), Some("262179"), "{err:?}");
        volume("v2").post(&conn).await.expect("calls still work");
    }
}
