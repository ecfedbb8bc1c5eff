//! Many waits on one connection, the bound on requests in flight, held
//! answers, the status stream, waits on a resource's state, and collections
//! read one page ahead: what the simulator's request log shows of each.

use std::time::Duration;

mod common;

use common::volume;
use futures::{StreamExt, TryStreamExt};
use ontap::prelude::*;
use ontap::resources::{SoftwarePackageDownload, Volume, VolumeState};
use ontap::{CallOptions, Error, HostConnection, JobLink, JobOutcome, JobState, PollOptions, Query};
use ontap_sim::{RecordedRequest, Simulator};

/// Every test ends well within this.
const LIMIT: Duration = Duration::from_secs(60);

/// A simulator whose jobs run `job`, and a connection polling every 100 ms.
async fn start(job: Duration) -> (Simulator, HostConnection) {
    let sim = Simulator::builder()
        .tls(false)
        .job_duration(job)
        .request_log(100_000)
        .start()
        .await
        .unwrap();
    let conn = connect(&sim, |b| b);
    (sim, conn)
}

fn connect(
    sim: &Simulator,
    settings: impl FnOnce(ontap::HostConnectionBuilder) -> ontap::HostConnectionBuilder,
) -> HostConnection {
    let addr = sim.addr();
    let builder = HostConnection::builder(addr.ip().to_string())
        .port(addr.port())
        .scheme(ontap::Scheme::Http)
        .basic_auth(sim.username(), sim.password())
        .poll_interval(Duration::from_millis(100))
        .poll_timeout(Duration::from_secs(30));
    settings(builder).build().unwrap()
}

/// The reads of jobs: one job by its path, or several by a filter.
fn job_reads(requests: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/cluster/jobs"))
        .collect()
}

/// Starts `n` volume jobs without waiting for them.
async fn start_jobs(conn: &HostConnection, n: usize) -> Vec<JobLink> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut links = Vec::with_capacity(n);
    for _ in 0..n {
        let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut v = volume(&format!("vol_{i:04}"));
        let response = v.post_with(conn, CallOptions::default().poll(false)).await.unwrap();
        links.push(response.job().expect("a job").clone());
    }
    links
}

#[tokio::test]
async fn many_waits_on_one_connection_share_their_reads() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(600)).await;
        let links = start_jobs(&conn, 300).await;
        sim.clear_requests();
        let options = PollOptions::default();
        let outcomes = futures::future::join_all(links.iter().map(|link| link.wait(&conn, &options))).await;
        for outcome in &outcomes {
            assert!(matches!(outcome, Ok(JobOutcome::Success(_))), "{outcome:?}");
        }
        let requests = sim.requests();
        let reads = job_reads(&requests);
        let together = reads
            .iter()
            .filter(|r| r.query_param("uuid").is_some_and(|uuids| uuids.contains('|')))
            .count();
        // Each job is read a few times (at once, after 50, 100, 200 ms...):
        // alone, that would be well over 1,000 requests.
        assert!(reads.len() <= 60, "{} reads for 300 waits", reads.len());
        assert!(together > 0, "the jobs were read together");
        for read in reads.iter().filter(|r| r.path == "/api/cluster/jobs") {
            let uuids = read.query_param("uuid").unwrap();
            assert!(uuids.split('|').count() <= 100, "at most 100 jobs a request");
            assert_eq!(read.query_param("fields").as_deref(), Some("state,message,code,error"));
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_lone_wait_reads_its_job_by_its_own_path_starting_fast() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(400)).await;
        let link = start_jobs(&conn, 1).await.remove(0);
        sim.clear_requests();
        let started = std::time::Instant::now();
        let outcome = link.wait(&conn, &PollOptions::default()).await.unwrap();
        assert!(matches!(outcome, JobOutcome::Success(_)), "{outcome:?}");
        let requests = sim.requests();
        let reads = job_reads(&requests);
        assert!(
            reads
                .iter()
                .all(|r| r.path == format!("/api/cluster/jobs/{}", link.uuid)),
            "{reads:?}"
        );
        // At once, after 50, 100, 100 (the interval), ...: a 400 ms job is
        // seen within one interval of its end, in a handful of reads.
        assert!((4..=8).contains(&reads.len()), "{} reads", reads.len());
        assert!(
            started.elapsed() < Duration::from_millis(400 + 100 + 150),
            "{:?}",
            started.elapsed()
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn more_calls_than_slots_never_open_more_connections_than_slots() {
    tokio::time::timeout(LIMIT, async {
        let (sim, _) = start(Duration::from_millis(20)).await;
        let conn = connect(&sim, |b| b.max_in_flight(3));
        assert_eq!(conn.max_in_flight(), 3);
        let before = sim.connections();
        let reads = (0..60).map(|_| Volume::count_collection(&conn, Query::new()));
        let counts = futures::future::join_all(reads).await;
        assert!(counts.iter().all(Result::is_ok), "{counts:?}");
        let after = sim.connections();
        assert!(after.accepted - before.accepted <= 3, "{before:?} -> {after:?}");
        assert!(after.peak_open <= 3, "{after:?}");
        assert!(
            HostConnection::builder("h").max_in_flight(0).build().is_err(),
            "no slot at all is refused"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_short_job_is_held_by_the_server_and_done_in_two_requests() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(300)).await;
        // The release is read once per connection; the count is of the create's own.
        conn.release().await;
        sim.clear_requests();
        let mut v = volume("vol_held");
        let response = v.post(&conn).await.unwrap();
        assert_eq!(response.status().as_u16(), 201, "answered when the job ended");
        let requests = sim.requests();
        assert_eq!(requests.len(), 2, "the POST and one read of its job: {requests:?}");
        assert_eq!(requests[0].query_param("return_timeout").as_deref(), Some("5"));
        assert_eq!(
            response.job_status().and_then(|s| s.state.clone()),
            Some(JobState::Success)
        );

        // The caller's own return_timeout wins; no hold without a wait.
        sim.clear_requests();
        let mut v = volume("vol_not_held");
        v.post_with(&conn, CallOptions::default().poll(false)).await.unwrap();
        assert_eq!(sim.requests()[0].query_param("return_timeout"), None);
        let mut v = volume("vol_own");
        v.post_with(&conn, CallOptions::default().return_timeout(0))
            .await
            .unwrap();
        let last_post = sim.requests().into_iter().rfind(|r| r.method == "POST").unwrap();
        assert_eq!(last_post.query_param("return_timeout").as_deref(), Some("0"));

        // A connection that holds nothing sends none.
        let unheld = connect(&sim, |b| b.return_timeout(0));
        sim.clear_requests();
        volume("vol_unheld").post(&unheld).await.unwrap();
        assert_eq!(sim.requests()[0].query_param("return_timeout"), None);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_software_download_is_never_held() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(20)).await;
        sim.clear_requests();
        let mut download = SoftwarePackageDownload {
            url: Some("http://127.0.0.1:9/9171_q_image.tgz".into()),
            ..Default::default()
        };
        // The download fails (nothing serves the package); the request is what counts.
        let _ = download.post(&conn).await;
        let post = sim.requests().into_iter().find(|r| r.method == "POST").unwrap();
        assert_eq!(post.query_param("return_timeout"), None);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_status_stream_yields_each_change_and_ends_after_the_final_state() {
    tokio::time::timeout(LIMIT, async {
        let (_sim, conn) = start(Duration::from_millis(400)).await;
        let link = start_jobs(&conn, 1).await.remove(0);
        let options = PollOptions::default().interval(Duration::from_millis(20));
        let statuses: Vec<_> = link.watch(&conn, &options).try_collect().await.unwrap();
        let states: Vec<_> = statuses.iter().map(|s| s.state.clone().unwrap()).collect();
        assert_eq!(states.last(), Some(&JobState::Success));
        assert!(states.len() >= 2, "a state before the end: {states:?}");
        for pair in statuses.windows(2) {
            assert!(
                pair[0].state != pair[1].state || pair[0].message != pair[1].message,
                "only changes: {statuses:?}"
            );
        }

        // It ends with the deadline as an error, and composes with timeout.
        let link = start_jobs(&conn, 1).await.remove(0);
        let short = PollOptions::default().timeout(Duration::from_millis(60));
        let items: Vec<_> = link.watch(&conn, &short).collect().await;
        assert!(
            matches!(items.last(), Some(Err(Error::PollTimeout { .. }))),
            "{items:?}"
        );
        let mut stream = std::pin::pin!(link.watch(&conn, &PollOptions::default()));
        let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap();
        assert!(first.unwrap().is_ok());

        // A job that does not exist ends the stream as vanished.
        let gone = JobLink {
            uuid: "0b9e7a43-5f1b-11e8-b0e0-005056956dfc".into(),
            links: None,
        };
        let items: Vec<_> = gone.watch(&conn, &options).collect().await;
        assert!(
            matches!(items.as_slice(), [Err(Error::JobVanished { .. })]),
            "{items:?}"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_wait_on_a_resource_ends_when_its_condition_holds_or_at_the_deadline() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start(Duration::from_millis(300)).await;
        let mut v = volume("vol_state");
        v.post(&conn).await.unwrap();
        let mut offline = Volume {
            uuid: v.uuid.clone(),
            state: Some(VolumeState::Offline),
            ..Default::default()
        };
        offline
            .patch_with(&conn, CallOptions::default().poll(false).return_timeout(0))
            .await
            .unwrap();
        sim.clear_requests();
        let mut watched = Volume {
            uuid: v.uuid.clone(),
            ..Default::default()
        };
        let options = PollOptions::default().interval(Duration::from_millis(50));
        watched
            .wait_until(&conn, &options, |v| v.state == Some(VolumeState::Offline))
            .await
            .unwrap();
        assert_eq!(watched.state, Some(VolumeState::Offline), "it keeps what it read");
        let reads = sim.requests().len();
        assert!((2..=12).contains(&reads), "{reads} reads for a 300 ms change");

        // A condition that never holds ends at the deadline, typed.
        let short = PollOptions::default().timeout(Duration::from_millis(200));
        let err = watched
            .wait_until(&conn, &short, |v| v.state == Some(VolumeState::Restricted))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::WaitTimeout { resource: "Volume", .. }), "{err:?}");

        // A 404 cannot heal: it ends the wait at once.
        let mut missing = Volume {
            uuid: Some("0b9e7a43-5f1b-11e8-b0e0-005056956dfc".into()),
            ..Default::default()
        };
        let err = missing.wait_until(&conn, &options, |_| true).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_collection_is_read_one_page_ahead_and_no_more() {
    tokio::time::timeout(LIMIT, async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_volumes(50)
            .request_log(1_000)
            .start()
            .await
            .unwrap();
        let conn = connect(&sim, |b| b);
        let total = Volume::count_collection(&conn, Query::new()).await.unwrap() as usize;
        assert!(total > 40, "{total}");
        sim.clear_requests();
        let pages = || {
            sim.requests()
                .iter()
                .filter(|r| r.method == "GET" && r.path == "/api/storage/volumes")
                .count()
        };
        let mut volumes = Volume::get_collection(&conn, Query::new().max_records(10));
        volumes.try_next().await.unwrap().expect("a volume");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(pages(), 2, "the first page, and the next one read ahead");
        let rest: Vec<Volume> = volumes.try_collect().await.unwrap();
        assert_eq!(rest.len(), total - 1);
        assert_eq!(pages(), total.div_ceil(10), "pages of ten, nothing past the last");
    })
    .await
    .unwrap();
}
