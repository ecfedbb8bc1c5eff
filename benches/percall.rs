//! What one call costs the client beyond the network: a job GET through
//! `Job::fetch` on a connection whose transport answers at once with a job's
//! body, against decoding the same body with `serde_json::from_slice`, and
//! against `HostConnection::execute` alone (the request, its span, timer and
//! slot, the answer's read; no decode). No server and no socket, so the figures
//! are the library's own work, without the network's noise.
//!
//! `cargo bench --bench percall`. Prints medians of repeated runs.

use std::time::{Duration, Instant};

mod common;
use common::median;

use ontap::prelude::*;
use ontap::resources::Job;
use ontap::{Body, BoxFuture, HostConnection, Query, Release, RequestSpec, TransportError, http};

const UUID: &str = "2f0f5d1c-4a4e-11ee-be56-0242ac120002";

/// A finished job's body, as ONTAP sends it for `GET /cluster/jobs/{uuid}`.
fn job_body() -> &'static str {
    String::leak(
        serde_json::json!({
            "uuid": UUID,
            "description": "POST /api/storage/volumes/2f0f5d1c-4a4e-11ee-be56-0242ac120003",
            "state": "success",
            "message": "success",
            "code": 0,
            "start_time": "2026-12-07T10:00:00+00:00",
            "end_time": "2026-12-07T10:00:02+00:00",
            "svm": {"name": "svm1", "uuid": "2f0f5d1c-4a4e-11ee-be56-0242ac120004",
                    "_links": {"self": {"href": "/api/svm/svms/2f0f5d1c-4a4e-11ee-be56-0242ac120004"}}},
            "_links": {"self": {"href": format!("/api/cluster/jobs/{UUID}")}}
        })
        .to_string(),
    )
}

fn connection(body: &'static str) -> HostConnection {
    HostConnection::builder("cluster.bench")
        .basic_auth("admin", "bench-password")
        .release(Release::new(9, 19, 1))
        .transport(move |_request: http::Request<Body>| {
            Box::pin(async move {
                let mut response = http::Response::new(Body::from(body));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/hal+json"),
                );
                response
                    .headers_mut()
                    .insert(http::header::CONTENT_LENGTH, body.len().into());
                Ok(response)
            }) as BoxFuture<'static, Result<http::Response<Body>, TransportError>>
        })
        .build()
        .unwrap()
}

fn main() {
    const CALLS: u32 = 20_000;
    const RUNS: usize = 15;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let body = job_body();
    let conn = connection(body);
    let path = format!("/cluster/jobs/{UUID}");
    let only: Option<usize> = std::env::var("PERCALL_ONLY").ok().and_then(|v| v.parse().ok());
    let mut samples: [Vec<Duration>; 3] = Default::default();
    runtime.block_on(async {
        for run in 0..RUNS * 3 {
            let side = only.unwrap_or(run % 3);
            let started = Instant::now();
            for _ in 0..CALLS {
                let job = match side {
                    0 => Job::fetch(&conn, UUID).await.unwrap(),
                    1 => {
                        let response = conn
                            .execute(&RequestSpec::new(http::Method::GET, &path, &Query::new()))
                            .await
                            .unwrap();
                        serde_json::from_slice::<Job>(response.body()).unwrap()
                    }
                    _ => serde_json::from_slice::<Job>(std::hint::black_box(body.as_bytes())).unwrap(),
                };
                assert!(job.state.is_some());
            }
            samples[side].push(started.elapsed() / CALLS);
        }
    });
    if only.is_some() {
        return;
    }
    let [fetch, execute, decode] = samples.map(median);
    println!(
        "per call, no network: Job::fetch {fetch:.2?}; execute + serde_json {execute:.2?}; serde_json alone {decode:.2?}"
    );
}
