//! Paths that escape where they should stay, and collections that never
//! end, produced by the simulator's faults and checked in its request log.
//!
//! A key `.` or `..`, a job link's uuid too, is refused before any request (percent-encoding it
//! would not help: URL parsers resolve `%2E` as a dot too). A `next` or job
//! link that leaves `/api/` once its dot segments are resolved is not
//! followed. A collection that answers empty pages, each with a new `next`
//! link, ends with `Error::EmptyPages` after `Query::max_empty_pages`.

use std::time::Duration;

use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{Snapshot, Volume, VolumeReference};
use ontap::{Error, HostConnection, Query, Scheme};
use ontap_sim::{Fault, Simulator};
use serde_json::json;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

async fn start() -> (Simulator, HostConnection) {
    let sim = Simulator::builder()
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
        .poll_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (sim, conn)
}

/// The paths of the requests the simulator received.
fn paths(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn is_invalid_key(err: &Error, wanted: &str, dots: &str) -> bool {
    matches!(err, Error::InvalidKey { key, value, .. } if key == wanted && value == dots)
}

#[tokio::test]
async fn dot_segment_keys_are_refused_before_any_request() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for dots in ["..", "."] {
            sim.clear_requests();
            let volume = Volume {
                uuid: Some(dots.into()),
                ..Default::default()
            };
            let err = volume.delete(&conn).await.unwrap_err();
            assert!(is_invalid_key(&err, "uuid", dots), "{dots}: {err:?}");
            assert!(err.to_string().contains("dot segment"), "{err}");

            let mut read = volume.clone();
            let err = read.get(&conn).await.unwrap_err();
            assert!(is_invalid_key(&err, "uuid", dots), "{dots}: {err:?}");

            let mut changed = Volume {
                uuid: Some(dots.into()),
                comment: Some("x".into()),
                ..Default::default()
            };
            let err = changed.patch(&conn).await.unwrap_err();
            assert!(is_invalid_key(&err, "uuid", dots), "{dots}: {err:?}");

            // A parent key, from the resource or from the query.
            let snapshot = Snapshot {
                volume: Some(VolumeReference {
                    uuid: Some(dots.into()),
                    ..Default::default()
                }),
                uuid: Some("s1".into()),
                ..Default::default()
            };
            let err = snapshot.delete(&conn).await.unwrap_err();
            assert!(is_invalid_key(&err, "volume.uuid", dots), "{dots}: {err:?}");
            let err = Snapshot::get_collection(&conn, Query::new().parent("volume.uuid", dots))
                .try_next()
                .await
                .unwrap_err();
            assert!(is_invalid_key(&err, "volume.uuid", dots), "{dots}: {err:?}");

            // A job link without a `self` link reads `/cluster/jobs/{uuid}`.
            let job = ontap::JobLink {
                uuid: dots.into(),
                links: None,
            };
            let err = job.wait(&conn, &ontap::PollOptions::default()).await.unwrap_err();
            assert!(is_invalid_key(&err, "uuid", dots), "{dots}: {err:?}");
            let err = job.status(&conn).await.unwrap_err();
            assert!(is_invalid_key(&err, "uuid", dots), "{dots}: {err:?}");

            assert_eq!(paths(&sim), Vec::<String>::new(), "{dots}: nothing was sent");
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn dotted_names_that_are_no_dot_segments_are_sent_encoded() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        for (key, sent) in [
            ("...", "/api/storage/volumes/..."),
            ("a..b", "/api/storage/volumes/a..b"),
        ] {
            let mut volume = Volume {
                uuid: Some(key.into()),
                ..Default::default()
            };
            // No such volume: whatever the answer, it is about this path.
            let _ = volume.get(&conn).await;
            assert_eq!(paths(&sim).last().map(String::as_str), Some(&*format!("GET {sent}")));
        }
    })
    .await
    .unwrap();
}

/// A page of volumes with one record and a `next` link.
fn page_with_next(href: &str) -> String {
    json!({
        "records": [{"uuid": "0b9e7a43-5f1b-11e8-b0e0-005056956dfc", "name": "vol1"}],
        "num_records": 1,
        "_links": {"next": {"href": href}}
    })
    .to_string()
}

#[tokio::test]
async fn next_links_that_leave_api_are_refused() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        for href in [
            "/api/../../etc/passwd",
            "/api/%2e%2e/%2e%2e/secret",
            "/api/%2E%2E/secret",
            "/api/storage/volumes/.%2e/.%2E/../secret",
            "/api/..\\..\\secret",
            "/api/.\t./secret",
        ] {
            sim.clear_requests();
            sim.inject(
                Fault::status(200)
                    .raw_body("application/hal+json", page_with_next(href))
                    .path("/api/storage/volumes")
                    .method("GET")
                    .times(1),
            );
            let mut volumes = Volume::get_collection(&conn, Query::new());
            let first = volumes.try_next().await.unwrap().expect("the first page's record");
            assert_eq!(first.name.as_deref(), Some("vol1"));
            let err = volumes.try_next().await.unwrap_err();
            assert!(
                matches!(&err, Error::UnexpectedLink { href: got, .. } if got == href),
                "{href:?}: {err:?}"
            );
            assert_eq!(
                paths(&sim),
                vec!["GET /api/storage/volumes".to_owned()],
                "{href:?} was not followed"
            );
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_next_link_that_stays_below_api_is_followed() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        sim.inject(
            Fault::status(200)
                .raw_body(
                    "application/hal+json",
                    page_with_next("/api/cluster/../storage/volumes?name=vol_none"),
                )
                .path("/api/storage/volumes")
                .method("GET")
                .times(1),
        );
        let all: Vec<Volume> = Volume::get_collection(&conn, Query::new()).try_collect().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(paths(&sim).len(), 2, "{:?}", paths(&sim));
        assert!(
            paths(&sim).iter().all(|p| p.starts_with("GET /api/")),
            "{:?}",
            paths(&sim)
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_job_link_that_leaves_api_is_not_polled() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        let uuid = "5e4c7a43-5f1b-11e8-b0e0-005056956dfc";
        for href in ["/api/../../etc/passwd", "/api/%2e%2e/%2e%2e/secret"] {
            sim.clear_requests();
            sim.inject(
                Fault::status(202)
                    .raw_body(
                        "application/hal+json",
                        json!({"job": {"uuid": uuid, "_links": {"self": {"href": href}}}}).to_string(),
                    )
                    .path("/api/storage/volumes")
                    .method("DELETE")
                    .times(1),
            );
            sim.inject(
                Fault::status(200)
                    .raw_body(
                        "application/hal+json",
                        json!({"uuid": uuid, "state": "success", "message": "done"}).to_string(),
                    )
                    .path(format!("/api/cluster/jobs/{uuid}"))
                    .method("GET")
                    .times(1),
            );
            let volume = Volume {
                uuid: Some("0b9e7a43-5f1b-11e8-b0e0-005056956dfc".into()),
                ..Default::default()
            };
            // However the wait ends, it never reads outside /api/.
            let _ = volume.delete(&conn).await;
            let sent = paths(&sim);
            assert!(sent.iter().all(|p| p.contains(" /api/")), "{href:?}: {sent:?}");
            sim.clear_faults();
        }
    })
    .await
    .unwrap();
}

/// An empty page of volumes whose `next` link is new each time.
fn empty_page(cursor: usize) -> String {
    json!({
        "records": [],
        "num_records": 0,
        "_links": {"next": {"href": format!("/api/storage/volumes?start.uuid=cursor-{cursor}")}}
    })
    .to_string()
}

/// Makes the next `pages` volume GETs answer empty pages with new cursors.
fn inject_empty_pages(sim: &Simulator, pages: usize) {
    for cursor in 1..=pages {
        sim.inject(
            Fault::status(200)
                .raw_body("application/hal+json", empty_page(cursor))
                .path("/api/storage/volumes")
                .method("GET")
                .times(1),
        );
    }
}

#[tokio::test]
async fn empty_pages_with_new_cursors_end_with_a_typed_error() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        inject_empty_pages(&sim, 50);
        let err = Volume::get_collection(&conn, Query::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        let Error::EmptyPages { path, pages, next, .. } = &err else {
            panic!("expected EmptyPages, got {err:?}")
        };
        assert_eq!(*pages, 10);
        assert_eq!(path, "/storage/volumes");
        assert_eq!(next, "/api/storage/volumes?start.uuid=cursor-10");
        assert_eq!(sim.requests().len(), 10, "{:?}", paths(&sim));
        assert!(err.to_string().contains("10 empty pages in a row"), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_empty_page_limit_is_set_on_the_query() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        inject_empty_pages(&sim, 50);
        let query = Query::new().fields(["name"]).max_empty_pages(3);
        let err = Volume::get_collection(&conn, query)
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::EmptyPages { pages: 3, .. }), "{err:?}");
        assert_eq!(sim.requests().len(), 3);
        // The limit is not sent.
        assert!(
            sim.requests()[0].query.as_deref() == Some("fields=name"),
            "{:?}",
            sim.requests()[0]
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_page_with_records_resets_the_count_of_empty_pages() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        // 9 empty pages, one with a record, 9 empty pages, then the end.
        for cursor in 1..=9 {
            sim.inject(
                Fault::status(200)
                    .raw_body("application/hal+json", empty_page(cursor))
                    .path("/api/storage/volumes")
                    .method("GET")
                    .times(1),
            );
        }
        sim.inject(
            Fault::status(200)
                .raw_body(
                    "application/hal+json",
                    page_with_next("/api/storage/volumes?start.uuid=cursor-10"),
                )
                .path("/api/storage/volumes")
                .method("GET")
                .times(1),
        );
        for cursor in 11..=19 {
            sim.inject(
                Fault::status(200)
                    .raw_body("application/hal+json", empty_page(cursor))
                    .path("/api/storage/volumes")
                    .method("GET")
                    .times(1),
            );
        }
        sim.inject(
            Fault::status(200)
                .raw_body("application/hal+json", r#"{"records": [], "num_records": 0}"#)
                .path("/api/storage/volumes")
                .method("GET")
                .times(1),
        );
        let all: Vec<Volume> = Volume::get_collection(&conn, Query::new()).try_collect().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(sim.requests().len(), 20);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_repeating_next_link_still_ends_the_stream() {
    tokio::time::timeout(LIMIT, async {
        let (sim, conn) = start().await;
        sim.clear_requests();
        sim.inject(
            Fault::status(200)
                .raw_body(
                    "application/hal+json",
                    page_with_next("/api/storage/volumes?start.uuid=again"),
                )
                .path("/api/storage/volumes")
                .method("GET"),
        );
        let all: Vec<Volume> = Volume::get_collection(&conn, Query::new()).try_collect().await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(sim.requests().len(), 2);
    })
    .await
    .unwrap();
}
