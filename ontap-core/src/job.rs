//! Jobs: the handle a request returns, and waiting on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::connection::HostConnection;
use crate::error::{ApiError, Error};
use crate::hal::Links;
use crate::request::{Query, RequestSpec, encode_component};

/// The fields every poll asks for, so that a failure's code and error come
/// with the same request that sees it.
const POLL_FIELDS: &str = "state,message,code,error";

/// The state of an ONTAP job. Only `success` and `failure` are final; a
/// value unknown to this version is kept in `Unknown` and treated as not final.
///
/// ```
/// use ontap_core::JobState;
/// let state: JobState = serde_json::from_str(r#""paused""#).unwrap();
/// assert!(!state.is_terminal());
/// let newer: JobState = "stalled".parse().unwrap();
/// assert_eq!(newer, JobState::Unknown("stalled".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, crate::OpenEnum)]
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

/// A job as a poll reads it: state, message, code and error.
///
/// ```
/// let status: ontap_core::JobStatus = serde_json::from_str(
///     r#"{"uuid": "u1", "state": "failure", "message": "no route", "code": 10551381}"#,
/// ).unwrap();
/// assert_eq!(status.failure(), (Some("10551381".to_string()), Some("no route")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
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
    /// A numeric code; non-zero while running does not mean failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
    /// The error of a failed job (newer releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
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

    /// The request one poll sends.
    pub fn poll_request(&self) -> RequestSpec {
        let href = self.href();
        let path = match RequestSpec::from_href(&href) {
            Some(spec) if !spec.path_and_query().contains('?') => spec.path_and_query().to_owned(),
            _ => format!("/cluster/jobs/{}", encode_component(&self.uuid)),
        };
        RequestSpec::new(Method::GET, &path, &Query::new().param("fields", POLL_FIELDS))
    }

    /// Reads the job once.
    pub async fn status(&self, conn: &HostConnection) -> Result<JobStatus, Error> {
        conn.execute(&self.poll_request()).await?.decode()
    }

    /// Waits until the job finishes, the poll timeout runs out, or the job
    /// disappears. Transport and server errors are `Err`; every way the
    /// job itself can end is an `Ok` [`JobOutcome`]. Dropping the future
    /// stops the wait.
    ///
    /// The wait has a deadline on a monotonic clock; the last poll happens
    /// at the deadline, so a job that finished just in time is seen.
    ///
    /// ```no_run
    /// # async fn run(conn: ontap_core::HostConnection, link: ontap_core::JobLink) -> Result<(), ontap_core::Error> {
    /// use std::time::Duration;
    /// use ontap_core::{JobOutcome, PollOptions};
    /// let options = PollOptions::default()
    ///     .interval(Duration::from_secs(1))
    ///     .on_progress(|status| println!("{:?}: {:?}", status.state, status.message));
    /// match link.wait(&conn, &options).await? {
    ///     JobOutcome::Success(status) => println!("done: {:?}", status.message),
    ///     other => println!("did not succeed: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait(&self, conn: &HostConnection, options: &PollOptions) -> Result<JobOutcome, Error> {
        let interval = options.interval.unwrap_or(conn.poll_interval());
        let timeout = options.timeout.unwrap_or(conn.poll_timeout());
        let started = Instant::now();
        let deadline = started + timeout;
        let request = self.poll_request();
        let mut last: Option<JobStatus> = None;
        loop {
            let status: JobStatus = match conn.execute(&request).await.and_then(|r| r.decode()) {
                Ok(status) => status,
                Err(err) if err.status() == Some(http::StatusCode::NOT_FOUND) => {
                    return Ok(JobOutcome::Vanished { last });
                }
                Err(err) => return Err(err),
            };
            let changed = last
                .as_ref()
                .is_none_or(|prev| prev.state != status.state || prev.message != status.message);
            if changed && let Some(callback) = &options.on_progress {
                callback(&status);
            }
            match status.state {
                Some(JobState::Success) => return Ok(JobOutcome::Success(status)),
                Some(JobState::Failure) => return Ok(JobOutcome::Failure(status)),
                _ => {}
            }
            last = Some(status);
            let now = Instant::now();
            if now >= deadline {
                return Ok(JobOutcome::Timeout {
                    last,
                    waited: now - started,
                });
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
        }
    }
}

/// How a job ended, as far as the wait could tell.
///
/// ```
/// use ontap_core::{JobOutcome, JobStatus};
/// let outcome = JobOutcome::Vanished { last: None };
/// assert!(outcome.into_result("u1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
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
            .finish()
    }
}
