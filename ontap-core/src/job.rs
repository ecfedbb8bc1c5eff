//! Jobs: the handle a request returns, and waiting on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use futures::Stream;
use tracing::Instrument as _;

use crate::batch::{self, Window};
use crate::connection::{HostConnection, is_certificate_failure};
use crate::error::{ApiError, Error};
use crate::hal::Links;
use crate::request::{Query, RequestSpec, encode_component};

/// The fields every poll asks for, so that a failure's code and error come
/// with the same request that sees it.
pub(crate) const POLL_FIELDS: &str = "state,message,code,error";
/// The time a poll gets at the least, even at or after the deadline: the
/// final check at the deadline is not cut before it could be answered.
const FINAL_CHECK: Duration = Duration::from_secs(1);
/// The longest pause between polls after failed ones, unless the interval
/// itself is longer.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(30);

/// The state of an ONTAP job. Only `success` and `failure` are final; a
/// value unknown to this version is kept in `Unknown` and treated as not final.
/// A later version may know more states, so a `match` needs a wildcard arm.
///
/// ```
/// use ontap_core::JobState;
/// let state: JobState = serde_json::from_str(r#""paused""#).unwrap();
/// assert!(!state.is_terminal());
/// let newer: JobState = "stalled".parse().unwrap();
/// assert_eq!(newer, JobState::Unknown("stalled".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, crate::OpenEnum)]
#[non_exhaustive]
pub enum JobState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Paused; it may be resumed.
    Paused,
    /// Finished successfully.
    Success,
    /// Finished with an error.
    Failure,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

impl JobState {
    /// Whether the job has finished (`success` or `failure`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobState::Success | JobState::Failure)
    }
}

/// A job as a poll reads it: state, message, code and error. It may gain
/// fields: read it from the server, or build one with `JobStatus::default()`
/// and set its fields.
///
/// ```
/// let status: ontap_core::JobStatus = serde_json::from_str(
///     r#"{"uuid": "u1", "state": "failure", "message": "no route", "code": 10551381}"#,
/// ).unwrap();
/// assert_eq!(status.failure(), (Some("10551381".to_string()), Some("no route")));
/// // A code that is no integer does not hide the state.
/// let odd: ontap_core::JobStatus = serde_json::from_str(r#"{"state": "success", "code": 1.5}"#).unwrap();
/// assert_eq!((odd.state, odd.code), (Some(ontap_core::JobState::Success), None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// The job's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The state; the only authoritative sign of completion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    /// Progress or result text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A numeric code; non-zero while running does not mean failure. A
    /// code that is no integer in range (`1.5`, `1e30`, beyond `i64`, an
    /// object) reads as `None`, so that the state still decides; an
    /// integral float (`3.0`) or a string of digits reads as that integer.
    #[serde(default, deserialize_with = "lenient_code", skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The error of a failed job (newer releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// A job's `code` when it is an integer (or written as one), else `None`.
fn lenient_code<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    use serde_json::Value;
    // Two to the 63rd: the first float beyond `i64`.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (-LIMIT..LIMIT).contains(f))
                .map(|f| f as i64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

impl JobStatus {
    /// The failure's code (as ONTAP's string of digits) and message: those of
    /// `error` when present, else the job's own `code` and `message`.
    pub fn failure(&self) -> (Option<String>, Option<&str>) {
        let error = self.error.as_ref();
        let code = error
            .and_then(|e| e.code.clone())
            .or_else(|| self.code.filter(|c| *c != 0).map(|c| c.to_string()));
        let message = error.and_then(|e| e.message.as_deref()).or(self.message.as_deref());
        (code, message)
    }
}

/// The job a request started: its uuid and link.
///
/// ```
/// let link: ontap_core::JobLink = serde_json::from_str(
///     r#"{"uuid": "f587d316", "_links": {"self": {"href": "/api/cluster/jobs/f587d316"}}}"#,
/// ).unwrap();
/// assert_eq!(link.href(), "/api/cluster/jobs/f587d316");
/// let bare: ontap_core::JobLink = serde_json::from_str(r#"{"uuid": "a b"}"#).unwrap();
/// assert_eq!(bare.href(), "/api/cluster/jobs/a%20b");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct JobLink {
    /// The job's uuid.
    pub uuid: String,
    /// HAL links; `self` points at the job.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
}

impl JobLink {
    /// Where the job is read: the server's `self` link, or
    /// `/api/cluster/jobs/{uuid}` when there is none.
    pub fn href(&self) -> String {
        match self.links.as_ref().and_then(|l| l.self_link.as_ref()) {
            Some(link) => link.href.clone(),
            None => format!("/api/cluster/jobs/{}", encode_component(&self.uuid)),
        }
    }

    /// The request one poll sends to a cluster of ONTAP 9.9 or later (the
    /// job's `error` came with 9.9; [`JobLink::status`] and the waits ask
    /// for the fields the connection's release has).
    ///
    /// A uuid that is a dot segment (`.`, `..`), which would read another path, is
    /// refused with [`Error::InvalidKey`], as the keys of resources are.
    ///
    /// ```
    /// let link = ontap_core::JobLink { uuid: "1d7d6a50".into(), links: None };
    /// let request = link.poll_request().unwrap();
    /// assert_eq!(request.path_and_query(), "/cluster/jobs/1d7d6a50?fields=state%2Cmessage%2Ccode%2Cerror");
    /// let up = ontap_core::JobLink { uuid: "..".into(), links: None };
    /// assert!(matches!(up.poll_request(), Err(ontap_core::Error::InvalidKey { .. })));
    /// ```
    pub fn poll_request(&self) -> Result<RequestSpec, Error> {
        self.poll_request_with(POLL_FIELDS)
    }

    /// The request one poll sends, asking for `fields`.
    pub(crate) fn poll_request_with(&self, fields: &str) -> Result<RequestSpec, Error> {
        crate::request::check_segment("Job", "uuid", &self.uuid)?;
        let href = self.href();
        let path = match RequestSpec::from_href(&href) {
            Some(spec) if !spec.path_and_query().contains('?') => spec.path_and_query().to_owned(),
            _ => format!("/cluster/jobs/{}", encode_component(&self.uuid)),
        };
        Ok(
            RequestSpec::new(Method::GET, &path, &Query::new().param("fields", fields))
                .with_route("/cluster/jobs/{uuid}"),
        )
    }

    /// Reads the job once, asking for the fields the cluster's release has
    /// ([`HostConnection::release`]).
    pub async fn status(&self, conn: &HostConnection) -> Result<JobStatus, Error> {
        conn.release().await;
        let fields = crate::connection::job_fields(conn);
        match conn.execute(&self.poll_request_with(fields)?).await {
            Err(err) if crate::connection::note_lacking_job_error(conn, &err) => conn
                .execute(&self.poll_request_with(crate::connection::job_fields(conn))?)
                .await?
                .decode(),
            answer => answer?.decode(),
        }
    }

    /// Waits until the job finishes, the poll timeout runs out, or the job
    /// disappears. Every way the job itself can end is an `Ok`
    /// [`JobOutcome`]. Dropping the future stops the wait. This is
    /// [`JobLink::watch`] read to its end, with each status it yields given
    /// to [`PollOptions::on_progress`].
    ///
    /// The job is read at once, then after 50 ms, and after pauses that
    /// double up to the poll interval (2 s by default): a short job is seen
    /// soon after it ends, a long one costs a read per interval. While a
    /// hundred reads or more are pending on the connection, a wait reads at
    /// the interval without the fast start: a crowd of fast reads would
    /// cost requests and win little. The waits
    /// of one connection are read together, up to a hundred jobs to a
    /// request (`GET /cluster/jobs?uuid=a|b|c`), each read a little early
    /// (by at most a quarter of its pause) to share a request, never late;
    /// a lone wait is read on time. A job missing from such an answer is
    /// read with its own GET before it counts as gone.
    ///
    /// The wait has a deadline on a monotonic clock; the last poll happens
    /// at the deadline, so a job that finished just in time is seen. A poll
    /// in flight is cut when the deadline passes (a poll is given at least
    /// 1 s, so that the final check can be answered): the outcome is then
    /// [`JobOutcome::Timeout`] with the status last read, and the wait
    /// lasts at most the poll timeout and 1 s.
    ///
    /// A failed poll that may heal (no connection, a time-out, a dropped
    /// connection, 5xx, 429 or 408) does not end the wait: polling goes on
    /// after a pause that doubles with each failure in a row (from the
    /// interval up to 30 s, or the server's `Retry-After`, never past the
    /// deadline), and [`PollOptions::on_retry`] is told. When the poll at
    /// the deadline fails too, the wait ends with that failure as `Err`.
    /// What cannot heal ends it at once as `Err`: 401, 403, another 4xx
    /// (404 is [`JobOutcome::Vanished`]), a certificate that fails
    /// verification, a body too large, a success that cannot be decoded.
    ///
    /// ```no_run
    /// # async fn run(conn: ontap_core::HostConnection, link: ontap_core::JobLink) -> Result<(), ontap_core::Error> {
    /// use std::time::Duration;
    /// use ontap_core::{JobOutcome, PollOptions};
    /// let options = PollOptions::default()
    ///     .interval(Duration::from_secs(1))
    ///     .on_progress(|status| println!("{:?}: {:?}", status.state, status.message))
    ///     .on_retry(|err| eprintln!("poll failed, trying again: {err}"));
    /// match link.wait(&conn, &options).await? {
    ///     JobOutcome::Success(status) => println!("done: {:?}", status.message),
    ///     other => println!("did not succeed: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait(&self, conn: &HostConnection, options: &PollOptions) -> Result<JobOutcome, Error> {
        let started = std::time::Instant::now();
        let outcome = self.wait_unmeasured(conn, options).await;
        crate::measure::job_wait(&conn.inner().server.0, &outcome, started.elapsed());
        outcome
    }

    /// [`JobLink::wait`], without its metrics.
    async fn wait_unmeasured(&self, conn: &HostConnection, options: &PollOptions) -> Result<JobOutcome, Error> {
        let mut watch = JobWatch::new(conn.clone(), self.clone(), options);
        while let Some(item) = watch.next().await {
            match item {
                Ok(status) => {
                    if let Some(callback) = &options.on_progress {
                        callback(&status);
                    }
                    match status.state {
                        Some(JobState::Success) => return Ok(JobOutcome::Success(status)),
                        Some(JobState::Failure) => return Ok(JobOutcome::Failure(status)),
                        _ => {}
                    }
                }
                Err(Error::PollTimeout { waited, last, .. }) => {
                    return Ok(JobOutcome::Timeout {
                        last: last.map(|last| *last),
                        waited,
                    });
                }
                Err(Error::JobVanished { last, .. }) => {
                    return Ok(JobOutcome::Vanished {
                        last: last.map(|last| *last),
                    });
                }
                Err(err) => return Err(err),
            }
        }
        // A watch always ends with a final item; this is its timeout.
        Ok(JobOutcome::Timeout {
            last: watch.last,
            waited: watch.poller.started.elapsed(),
        })
    }

    /// The job's statuses as they change: the first one read, then each
    /// whose state or message differs from the one before, ending after a
    /// final state (`success` or `failure`). The job is read as
    /// [`JobLink::wait`] reads it (the same schedule, shared requests,
    /// deadline and tolerance of failures that may heal); the stream's
    /// last item is an `Err` when the wait ends otherwise:
    /// [`Error::PollTimeout`] at the deadline, [`Error::JobVanished`] when
    /// the job is gone, or the failure that ended it. Dropping the stream
    /// stops the polling. [`PollOptions::on_progress`] is not called: the
    /// items are the progress.
    ///
    /// The stream is `Send` and `'static`, so it composes with `select!`,
    /// `tokio::time::timeout` and stream combinators.
    ///
    /// ```no_run
    /// # async fn run(conn: ontap_core::HostConnection, link: ontap_core::JobLink) -> Result<(), ontap_core::Error> {
    /// use futures::StreamExt;
    /// use ontap_core::{JobState, PollOptions};
    /// let mut statuses = std::pin::pin!(link.watch(&conn, &PollOptions::default()));
    /// while let Some(status) = statuses.next().await {
    ///     let status = status?;
    ///     println!("{:?}: {}", status.state, status.message.as_deref().unwrap_or(""));
    ///     if status.state == Some(JobState::Failure) {
    ///         eprintln!("failed: {:?}", status.failure());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn watch(
        &self,
        conn: &HostConnection,
        options: &PollOptions,
    ) -> impl Stream<Item = Result<JobStatus, Error>> + Send + 'static {
        let watch = JobWatch::new(conn.clone(), self.clone(), options);
        futures::stream::unfold(watch, |mut watch| async move {
            let item = watch.next().await?;
            Some((item, watch))
        })
    }
}

/// The first pause between two reads of a job that is still running; each
/// later one doubles, up to the poll interval.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// The schedule of a wait that reads something until it is done: when to
/// read next, the deadline, and what a failed read does. Job waits and
/// [`ResourceExt::wait_for`](crate::ResourceExt::wait_for) share it.
pub(crate) struct Poller {
    interval: Duration,
    pub(crate) started: Instant,
    deadline: Instant,
    /// The pause after the next read that does not end the wait.
    pause: Duration,
    /// Failed reads in a row.
    failures: u32,
    on_retry: Option<RetryFn>,
    /// What is waited on, for the logs.
    subject: String,
}

impl Poller {
    pub(crate) fn new(conn: &HostConnection, options: &PollOptions, subject: String) -> Poller {
        let interval = options.interval.unwrap_or(conn.poll_interval());
        let started = Instant::now();
        Poller {
            interval,
            started,
            deadline: started + options.timeout.unwrap_or(conn.poll_timeout()),
            pause: FIRST_PAUSE.min(interval),
            failures: 0,
            on_retry: options.on_retry.clone(),
            subject,
        }
    }

    /// The first read: at once.
    pub(crate) fn first(&self) -> Window {
        Window::at(Instant::now())
    }

    /// When a read in `window` is cut: at the deadline, but never less than
    /// 1 s after the read is due, so that the final check can be answered.
    pub(crate) fn cutoff(&self, window: Window) -> Instant {
        self.deadline.max(window.latest + FINAL_CHECK)
    }

    /// After a read that did not end the wait: the next read's window, a
    /// quarter of the pause wide so that reads can share a request, or
    /// `None` when the deadline has passed.
    pub(crate) fn after_read(&mut self) -> Option<Window> {
        self.failures = 0;
        let now = Instant::now();
        if now >= self.deadline {
            return None;
        }
        let pause = self.pause;
        self.pause = self.pause.saturating_mul(2).min(self.interval);
        let latest = (now + pause).min(self.deadline);
        Some(Window {
            earliest: (latest - pause / 4).max(now),
            latest,
        })
    }

    /// Reads at the interval from now on, without the fast start.
    pub(crate) fn slow_down(&mut self) {
        self.pause = self.interval;
    }

    /// After a failed read: the next read's window when the failure may
    /// heal and time is left ([`PollOptions::on_retry`] is told), else the
    /// failure.
    pub(crate) fn after_failure(&mut self, err: Error) -> Result<Window, Error> {
        if !may_heal(&err) {
            return Err(err);
        }
        self.failures += 1;
        let now = Instant::now();
        if now >= self.deadline {
            return Err(err);
        }
        let pause = failure_pause(self.interval, self.failures, err.retry_after()).min(self.deadline - now);
        tracing::debug!(
            subject = %self.subject,
            failures = self.failures,
            pause_ms = pause.as_millis() as u64,
            error = %err,
            "read failed; polling on"
        );
        if let Some(callback) = &self.on_retry {
            callback(&err);
        }
        Ok(Window::at(now + pause))
    }
}

/// What a job watch does next.
enum Next {
    Read(Window),
    /// The deadline passed after the last read.
    TimedOut,
    Done,
}

/// A job wait in progress: [`JobLink::watch`] and [`JobLink::wait`].
struct JobWatch {
    conn: HostConnection,
    link: JobLink,
    poller: Poller,
    next: Next,
    last: Option<JobStatus>,
    /// `ontap.job_wait`, with the job's uuid: each read happens in it.
    span: tracing::Span,
}

impl JobWatch {
    fn new(conn: HostConnection, link: JobLink, options: &PollOptions) -> JobWatch {
        let poller = Poller::new(&conn, options, format!("job {}", link.uuid));
        let next = Next::Read(poller.first());
        let span = tracing::debug_span!("ontap.job_wait", job = %link.uuid, state = tracing::field::Empty);
        JobWatch {
            conn,
            link,
            poller,
            next,
            last: None,
            span,
        }
    }

    fn timed_out(&mut self) -> Error {
        self.next = Next::Done;
        tracing::debug!(uuid = %self.link.uuid, "job wait ended at the poll timeout");
        Error::PollTimeout {
            uuid: self.link.uuid.clone(),
            waited: self.poller.started.elapsed(),
            last: self.last.clone().map(Box::new),
        }
    }

    /// The next status that differs from the last, or the error that ends
    /// the watch; `None` after the end.
    async fn next(&mut self) -> Option<Result<JobStatus, Error>> {
        let span = self.span.clone();
        self.next_status().instrument(span).await
    }

    async fn next_status(&mut self) -> Option<Result<JobStatus, Error>> {
        loop {
            let window = match std::mem::replace(&mut self.next, Next::Done) {
                Next::Read(window) => window,
                Next::TimedOut => return Some(Err(self.timed_out())),
                Next::Done => return None,
            };
            let cutoff = self.poller.cutoff(window);
            let read = match tokio::time::timeout_at(cutoff, batch::read(&self.conn, &self.link, window)).await {
                Ok(read) => read,
                Err(_) => return Some(Err(self.timed_out())),
            };
            match read {
                Ok(status) => {
                    if let Some(state) = &status.state {
                        self.span.record("state", state.as_str());
                    }
                    let changed = self
                        .last
                        .as_ref()
                        .is_none_or(|prev| prev.state != status.state || prev.message != status.message);
                    self.last = Some(status.clone());
                    if status.state.as_ref().is_some_and(JobState::is_terminal) {
                        return Some(Ok(status));
                    }
                    if batch::crowded(&self.conn) {
                        self.poller.slow_down();
                    }
                    self.next = match self.poller.after_read() {
                        Some(window) => Next::Read(window),
                        None => Next::TimedOut,
                    };
                    if changed {
                        return Some(Ok(status));
                    }
                }
                Err(err) if err.status() == Some(http::StatusCode::NOT_FOUND) => {
                    return Some(Err(Error::JobVanished {
                        uuid: self.link.uuid.clone(),
                        last: self.last.clone().map(Box::new),
                    }));
                }
                Err(err) => match self.poller.after_failure(err) {
                    Ok(window) => self.next = Next::Read(window),
                    Err(err) => return Some(Err(err)),
                },
            }
        }
    }
}

/// Whether a failed poll may succeed later: a transport failure other than
/// a refused certificate (no connection, a time-out, a connection dropped
/// mid-answer), 5xx, 429 and 408.
pub(crate) fn may_heal(err: &Error) -> bool {
    match err {
        Error::Transport { .. } => !is_certificate_failure(err),
        Error::Api { status, .. } | Error::Http { status, .. } => {
            status.is_server_error() || matches!(status.as_u16(), 408 | 429)
        }
        _ => false,
    }
}

/// The pause after failed poll number `failures` in a row: the interval,
/// doubled for each further failure up to 30 s (or the interval, when
/// longer), and at least the server's `Retry-After`.
fn failure_pause(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let doubled = interval.saturating_mul(1 << failures.saturating_sub(1).min(20));
    doubled
        .min(MAX_FAILURE_BACKOFF.max(interval))
        .max(retry_after.unwrap_or_default())
}

/// How a job ended, as far as the wait could tell.
///
/// ```
/// use ontap_core::{JobOutcome, JobStatus};
/// let outcome = JobOutcome::Vanished { last: None };
/// assert!(outcome.into_result("u1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobOutcome {
    /// The job reached `success`.
    Success(JobStatus),
    /// The job reached `failure`; see [`JobStatus::failure`].
    Failure(JobStatus),
    /// The poll timeout ran out first.
    Timeout {
        /// The job as last read.
        last: Option<JobStatus>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// The job answered 404: ONTAP purged it (or it never existed).
    Vanished {
        /// The job as last read before it disappeared.
        last: Option<JobStatus>,
    },
}

impl JobOutcome {
    /// The final status on success, else the matching [`Error`].
    pub fn into_result(self, uuid: &str) -> Result<JobStatus, Error> {
        let uuid = uuid.to_owned();
        match self {
            JobOutcome::Success(status) => Ok(status),
            JobOutcome::Failure(status) => {
                let (code, message) = status.failure();
                let message = message.map(str::to_owned);
                Err(Error::JobFailed {
                    uuid,
                    code,
                    message,
                    status: Box::new(status),
                })
            }
            JobOutcome::Timeout { last, waited } => Err(Error::PollTimeout {
                uuid,
                waited,
                last: last.map(Box::new),
            }),
            JobOutcome::Vanished { last } => Err(Error::JobVanished {
                uuid,
                last: last.map(Box::new),
            }),
        }
    }
}

/// A progress callback: called with the first status read and again each
/// time the state or message changes.
pub type ProgressFn = Arc<dyn Fn(&JobStatus) + Send + Sync>;

/// A callback told of each failed poll that the wait rides out
/// ([`PollOptions::on_retry`]).
pub(crate) type RetryFn = Arc<dyn Fn(&Error) + Send + Sync>;

/// How to wait for a job. Unset values come from the [`HostConnection`].
///
/// ```
/// use std::time::Duration;
/// let options = ontap_core::PollOptions::default()
///     .interval(Duration::from_millis(500))
///     .timeout(Duration::from_secs(120));
/// assert_eq!(options.get_timeout(), Some(Duration::from_secs(120)));
/// ```
#[derive(Clone, Default)]
pub struct PollOptions {
    interval: Option<Duration>,
    timeout: Option<Duration>,
    on_progress: Option<ProgressFn>,
    on_retry: Option<RetryFn>,
}

impl PollOptions {
    /// Time between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// How long to wait in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Called with each new state or message.
    pub fn on_progress(mut self, callback: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(callback));
        self
    }

    /// Called with each failed poll that the wait rides out (no
    /// connection, a time-out, 5xx, 429), before the pause and the next
    /// poll; see [`JobLink::wait`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let failed = Arc::new(AtomicUsize::new(0));
    /// let count = failed.clone();
    /// let options = ontap_core::PollOptions::default().on_retry(move |_err| {
    ///     count.fetch_add(1, Ordering::Relaxed);
    /// });
    /// # let _ = options;
    /// ```
    pub fn on_retry(mut self, callback: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(callback));
        self
    }

    /// The interval, if set.
    pub fn get_interval(&self) -> Option<Duration> {
        self.interval
    }

    /// The timeout, if set.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

impl fmt::Debug for PollOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollOptions")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("on_progress", &self.on_progress.as_ref().map(|_| "<callback>"))
            .field("on_retry", &self.on_retry.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_polls_back_off_up_to_a_bound_and_honour_retry_after() {
        let ms = Duration::from_millis;
        let pauses: Vec<_> = (1..=4).map(|n| failure_pause(ms(100), n, None)).collect();
        assert_eq!(pauses, [ms(100), ms(200), ms(400), ms(800)]);
        assert_eq!(failure_pause(ms(100), 40, None), MAX_FAILURE_BACKOFF);
        // A longer interval is never shortened, and Retry-After is a floor.
        assert_eq!(failure_pause(Duration::from_secs(60), 5, None), Duration::from_secs(60));
        assert_eq!(
            failure_pause(ms(100), 1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn a_job_code_is_kept_only_when_it_is_an_integer() {
        let code = |json: &str| {
            serde_json::from_str::<JobStatus>(&format!(r#"{{"code": {json}}}"#))
                .unwrap()
                .code
        };
        assert_eq!(code("42"), Some(42));
        assert_eq!(code("-1"), Some(-1));
        assert_eq!(code("3.0"), Some(3));
        assert_eq!(code(r#""10551381""#), Some(10551381));
        for odd in [
            "1.5",
            "1e30",
            "-9.3e18",
            "18446744073709551615",
            "null",
            "true",
            "{}",
            "[1]",
            r#""x""#,
        ] {
            assert_eq!(code(odd), None, "{odd}");
        }
        assert_eq!(serde_json::from_str::<JobStatus>("{}").unwrap().code, None);
    }
}
