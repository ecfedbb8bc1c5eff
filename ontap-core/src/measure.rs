//! The metrics the client records with the `metrics` feature, through the
//! [`metrics`](https://docs.rs/metrics) facade: whatever recorder the application
//! installs (Prometheus, OpenTelemetry, StatsD...) receives them. Without the
//! feature these functions do nothing and cost nothing.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `ontap_request_duration_seconds` | histogram | `server`, `method`, `route`, `status` |
//! | `ontap_request_retries_total` | counter | `server`, `method`, `route` |
//! | `ontap_slot_wait_seconds` | histogram | `server` |
//! | `ontap_job_waits_total` | counter | `server`, `outcome` |
//! | `ontap_job_wait_duration_seconds` | histogram | `server`, `outcome` |
//!
//! `status` is the answer's code (`200`, `503`), or for an attempt without one the
//! error's kind (`timeout`, `transport`, `invalid`). `route` is the path template
//! (`/storage/volumes/{uuid}`), never a path with its keys, so that the labels
//! stay few; a raw request without one is `-`. `outcome` is `success`, `failure`,
//! `timeout`, `vanished` or `error`.

use std::time::Duration;

use http::Method;

use crate::error::Error;
use crate::job::JobOutcome;
use crate::response::Response;

/// The `route` label of a request: its template, or `-`.
#[cfg(feature = "metrics")]
fn route_label(route: Option<&str>) -> String {
    route.unwrap_or("-").to_owned()
}

/// One attempt, ended: its duration by answer or error.
#[cfg(feature = "metrics")]
pub(crate) fn attempt(
    server: &str,
    method: &Method,
    route: Option<&str>,
    result: &Result<Response, Error>,
    elapsed: Duration,
) {
    let status = match result {
        Ok(response) => response.status().as_str().to_owned(),
        Err(err) => match err.status() {
            Some(status) => status.as_str().to_owned(),
            None => format!("{:?}", err.kind()).to_lowercase(),
        },
    };
    metrics::histogram!(
        "ontap_request_duration_seconds",
        "server" => server.to_owned(),
        "method" => method.to_string(),
        "route" => route_label(route),
        "status" => status,
    )
    .record(elapsed.as_secs_f64());
}

/// A request about to be sent again.
#[cfg(feature = "metrics")]
pub(crate) fn retry(server: &str, method: &Method, route: Option<&str>) {
    metrics::counter!(
        "ontap_request_retries_total",
        "server" => server.to_owned(),
        "method" => method.to_string(),
        "route" => route_label(route),
    )
    .increment(1);
}

/// The wait for a slot to send in.
#[cfg(feature = "metrics")]
pub(crate) fn slot_wait(server: &str, waited: Duration) {
    metrics::histogram!("ontap_slot_wait_seconds", "server" => server.to_owned()).record(waited.as_secs_f64());
}

/// A job wait, ended.
#[cfg(feature = "metrics")]
pub(crate) fn job_wait(server: &str, outcome: &Result<JobOutcome, Error>, waited: Duration) {
    let outcome = match outcome {
        Ok(JobOutcome::Success(_)) => "success",
        Ok(JobOutcome::Failure(_)) => "failure",
        Ok(JobOutcome::Timeout { .. }) => "timeout",
        Ok(JobOutcome::Vanished { .. }) => "vanished",
        Err(_) => "error",
    };
    metrics::counter!("ontap_job_waits_total", "server" => server.to_owned(), "outcome" => outcome).increment(1);
    metrics::histogram!("ontap_job_wait_duration_seconds", "server" => server.to_owned(), "outcome" => outcome)
        .record(waited.as_secs_f64());
}

#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn attempt(_: &str, _: &Method, _: Option<&str>, _: &Result<Response, Error>, _: Duration) {}

#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn retry(_: &str, _: &Method, _: Option<&str>) {}

#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn slot_wait(_: &str, _: Duration) {}

#[cfg(not(feature = "metrics"))]
#[inline(always)]
pub(crate) fn job_wait(_: &str, _: &Result<JobOutcome, Error>, _: Duration) {}
