//! One error type for every failure, keeping the evidence.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::job::JobStatus;

/// How much of an undecodable body an error keeps.
pub(crate) const RAW_BODY_LIMIT: usize = 2048;

/// What kind of failure an [`Error`] is ([`Error::kind`]), the same way across its
/// variants: for a program's own handling (retry later, log in again, create it,
/// give up), where the variant is detail.
///
/// ```
/// use ontap_core::{Error, ErrorKind};
/// fn advice(err: &Error) -> &'static str {
///     match err.kind() {
///         ErrorKind::Timeout | ErrorKind::Unavailable | ErrorKind::Transport => "try again later",
///         ErrorKind::Auth => "check the account",
///         ErrorKind::NotFound => "nothing there",
///         _ => "see the error",
///     }
/// }
/// assert_eq!(advice(&Error::Config("port 0".into())), "see the error");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A time limit passed: a request's time-out (or the server's 408), the
    /// operation's deadline, a job's poll timeout, a wait's deadline.
    Timeout,
    /// The login or the role was refused: 401, 403, ONTAP's code 6, or no token to send.
    Auth,
    /// The object does not exist: 404, or ONTAP's code 4 (in an answer or a failed job).
    NotFound,
    /// The cluster refused the request as it is: another 4xx (a bad field, a duplicate).
    Rejected,
    /// The cluster failed or is busy: 5xx or 429.
    Unavailable,
    /// The request did not complete: no connection, a TLS failure (a refused certificate).
    Transport,
    /// A job the request started failed (with another code than 4) or is gone.
    Job,
    /// The cluster's release lacks what the call needs ([`Error::Unsupported`]).
    Unsupported,
    /// The call could not be sent as given: a setting, a key, a body.
    Invalid,
    /// The answer could not be used: not decodable, too large, a link that leaves
    /// the API, empty pages without end, several objects where one was expected.
    Answer,
}

/// Everything that can go wrong talking to ONTAP.
///
/// Whatever the variant, the helpers read what the server said: the HTTP
/// [`status`](Error::status), ONTAP's [`code`](Error::ontap_code) (to compare
/// with the constants of [`codes`], or with [`Error::has_code`]), its
/// [`message`](Error::message) and [`target`](Error::target), and whether
/// the object [was not found](Error::is_not_found). They read a failed job's
/// code and message the same way as an error answer's.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ontap_core::{Error, Query, RequestSpec, codes};
///
/// fn explain(err: &Error) -> String {
///     if err.has_code(codes::DUPLICATE) {
///         return format!("already there: {}", err.message().unwrap_or("no message"));
///     }
///     match err.ontap_code() {
///         Some(code) => format!("ONTAP said {code}: {err}"),
///         None => err.to_string(),
///     }
/// }
///
/// # async fn answering(status: u16, body: &'static str) -> ontap_core::HostConnection {
/// #     use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// #     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// #     let port = listener.local_addr().unwrap().port();
/// #     tokio::spawn(async move {
/// #         let (mut socket, _) = listener.accept().await.unwrap();
/// #         let mut head = Vec::new();
/// #         while !head.windows(4).any(|w| w == b"\r\n\r\n") {
/// #             let mut chunk = [0; 1024];
/// #             match socket.read(&mut chunk).await {
/// #                 Ok(0) | Err(_) => break,
/// #                 Ok(n) => head.extend_from_slice(&chunk[..n]),
/// #             }
/// #         }
/// #         let answer = format!(
/// #             "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
/// #             body.len()
/// #         );
/// #         socket.write_all(answer.as_bytes()).await.unwrap();
/// #     });
/// #     let conn = ontap_core::HostConnection::builder("127.0.0.1").scheme(ontap_core::Scheme::Http).port(port);
/// #     conn.build().unwrap()
/// # }
/// let conn = answering(409, r#"{"error": {"message": "duplicate entry", "code": "1", "target": "name"}}"#).await;
/// let create = RequestSpec::new(http::Method::POST, "/storage/volumes", &Query::new());
/// let err = conn.execute(&create).await.unwrap_err();
/// assert_eq!(explain(&err), "already there: duplicate entry");
/// assert_eq!(err.target(), Some("name"));
///
/// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
/// assert_eq!(explain(&err), "invalid connection setting: port 0 is not a usable port");
/// # }
/// ```
///
/// Errors are cheap to clone (their large parts are shared), so that one
/// failure can be handed to every wait it ends, as the job watcher does.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// ONTAP answered with an error body (`{"error": {...}}`).
    #[error("{method} {path}: HTTP {status}: {error}")]
    #[non_exhaustive]
    Api {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// What ONTAP said.
        error: Box<ApiError>,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// An HTTP error status without an ONTAP error body: a 401 with no body,
    /// an HTML page from a proxy.
    #[error("{method} {path}: HTTP {status}{}: {body}", hint(*status))]
    #[non_exhaustive]
    Http {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// The body as received, cut to a sane length.
        body: Box<RawBody>,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },
    /// The request did not complete: connection refused, TLS failure, time-out.
    #[error("{method} {path}: {source}")]
    #[non_exhaustive]
    Transport {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// The underlying failure.
        #[source]
        source: TransportError,
    },
    /// An [`Interceptor`](crate::Interceptor) refused the request before it was sent,
    /// or set a login header: nothing was sent.
    #[error("{method} {path}: not sent: {source}")]
    #[non_exhaustive]
    Interceptor {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// Why.
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// A successful status whose body could not be decoded.
    #[error("{method} {path}: HTTP {status}: could not decode the body ({source}): {body}")]
    #[non_exhaustive]
    Decode {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// Why decoding failed.
        #[source]
        source: Arc<serde_json::Error>,
        /// The body as received, cut to a sane length.
        body: Box<RawBody>,
    },
    /// A key that the path needs is not set on the resource.
    #[error("{resource} needs `{key}` set to build its path")]
    #[non_exhaustive]
    MissingKey {
        /// The resource's name.
        resource: &'static str,
        /// The key's wire name (`uuid`, `volume.uuid`).
        key: String,
    },
    /// [`ResourceExt::fetch`](crate::ResourceExt::fetch) was given another
    /// number of keys than the instance path holds. Refused before any
    /// request.
    #[error("{}", key_count_text(resource, keys, *given))]
    #[non_exhaustive]
    KeyCount {
        /// The resource's name.
        resource: &'static str,
        /// The keys the instance path holds, in the order `fetch` takes
        /// them: the parent keys of the collection path, then
        /// [`Resource::KEYS`](crate::Resource::KEYS).
        keys: Vec<&'static str>,
        /// How many keys were given.
        given: usize,
    },
    /// The server accepted the request, but its job ended in failure.
    #[error("job {uuid} failed: {}", failure_text(code.as_deref(), message.as_deref()))]
    #[non_exhaustive]
    JobFailed {
        /// The job's uuid.
        uuid: String,
        /// ONTAP's failure code, as a string of digits.
        code: Option<String>,
        /// ONTAP's failure message.
        message: Option<String>,
        /// The job as last read.
        status: Box<JobStatus>,
    },
    /// The job was still running when the poll timeout ran out.
    #[error("job {uuid} did not finish within {waited:?}{}", last_text(last.as_deref()))]
    #[non_exhaustive]
    PollTimeout {
        /// The job's uuid.
        uuid: String,
        /// How long the wait lasted.
        waited: Duration,
        /// The job as last read, if it was read at all.
        last: Option<Box<JobStatus>>,
    },
    /// The job no longer exists: ONTAP deletes finished jobs a few minutes
    /// after they end, so a late poller finds nothing.
    #[error(
        "job {uuid} no longer exists on the server (ONTAP purges finished jobs after about 300 s){}",
        last_text(last.as_deref())
    )]
    #[non_exhaustive]
    JobVanished {
        /// The job's uuid.
        uuid: String,
        /// The job as last read before it disappeared, if it was read.
        last: Option<Box<JobStatus>>,
    },
    /// The server started a job, but reading it failed (after the retries
    /// a GET gets); the job may still be running: wait on it again with
    /// `JobLink { uuid, links: None }.wait(...)`.
    #[error("job {uuid} was started, but reading its state failed: {source}")]
    #[non_exhaustive]
    Polling {
        /// The job's uuid.
        uuid: String,
        /// Why reading it failed.
        #[source]
        source: Box<Error>,
    },
    /// A wait for an object's state
    /// ([`ResourceExt::wait_until`](crate::ResourceExt::wait_until)) reached
    /// its deadline before the condition held; the object keeps what was
    /// read last.
    #[error("{resource} at {path} did not reach the awaited state within {waited:?}")]
    #[non_exhaustive]
    WaitTimeout {
        /// The resource's name.
        resource: &'static str,
        /// Its instance path.
        path: String,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// The operation's deadline ([`HostConnection::with_deadline`](crate::HostConnection::with_deadline))
    /// passed: during an attempt, which was cut, or before the retry that
    /// would have come next. `last` is the failure of the attempt before,
    /// if there was one. A POST, PATCH or DELETE cut this way may have
    /// reached the server and been done: read the object to know.
    #[error("{method} {path}: the deadline of {deadline:?} passed after {attempts} attempt(s){}", deadline_text(last.as_deref()))]
    #[non_exhaustive]
    Deadline {
        /// The request's method.
        method: Method,
        /// The path and query.
        path: String,
        /// The deadline, counted from the start of the operation.
        deadline: Duration,
        /// How many times the request was sent.
        attempts: u32,
        /// The failure of the attempt before the deadline passed.
        #[source]
        last: Option<Box<Error>>,
    },
    /// No bearer token to send: the
    /// [`TokenProvider`](crate::TokenProvider) failed, did not answer in
    /// time (the connection's request time-out), or gave a token that
    /// cannot be sent in a header. Nothing was sent.
    #[error("{reason}{}", source.as_ref().map(|s| format!(": {s}")).unwrap_or_default())]
    #[non_exhaustive]
    Token {
        /// What went wrong.
        reason: String,
        /// The provider's error.
        #[source]
        source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// More than one object matched a query that should find one.
    #[error("more than one {resource} matches `{query}`")]
    #[non_exhaustive]
    NotUnique {
        /// The resource's name.
        resource: &'static str,
        /// The query, as sent.
        query: String,
    },
    /// A link from the server does not point into `/api/` on the same host,
    /// so it is not followed (it would carry the credentials elsewhere).
    #[error("the server's link `{href}` does not point into /api/ on this host; not followed")]
    #[non_exhaustive]
    UnexpectedLink {
        /// The link as the server wrote it.
        href: String,
    },
    /// A connection setting is not usable.
    #[error("invalid connection setting: {0}")]
    Config(String),
    /// A field could not be encoded as JSON.
    #[error("could not encode the request body: {0}")]
    Encode(#[source] Arc<serde_json::Error>),
    /// A key value that cannot be a path segment: `.` or `..` is a dot
    /// segment, which URL parsers resolve (written `%2E` as well), so the
    /// request would reach the collection or its parent instead of the
    /// object. Refused before any request.
    #[error("{resource}'s `{key}` is `{value}`, a dot segment that would change the request's path; not sent")]
    #[non_exhaustive]
    InvalidKey {
        /// The resource's name.
        resource: &'static str,
        /// The key's wire name (`uuid`, `volume.uuid`).
        key: String,
        /// The value, as given.
        value: String,
    },
    /// The cluster's release lacks part of the request (a verb, a field, a
    /// parameter or an enum value that a later release brought): refused by
    /// the release guard before any request
    /// ([`crate::HostConnectionBuilder::release_guard`]).
    #[error("{resource}: the {what} came with ONTAP {since}; the cluster runs {cluster}; not sent")]
    #[non_exhaustive]
    Unsupported {
        /// The resource's name.
        resource: &'static str,
        /// What the release lacks (`field \`aggressive_readahead_mode\``).
        what: String,
        /// The release that brought it.
        since: crate::Release,
        /// The cluster's release.
        cluster: crate::Release,
    },
    /// A collection kept answering empty pages, each with a new `next`
    /// link: the stream stops instead of following it for ever (see
    /// [`crate::Query::max_empty_pages`]).
    #[error("{path}: {pages} empty pages in a row, each with a new `next` link (last `{next}`); not followed further")]
    #[non_exhaustive]
    EmptyPages {
        /// The path and query of the collection's first page.
        path: String,
        /// How many empty pages were read in a row.
        pages: u32,
        /// The `next` link of the last empty page, not followed.
        next: String,
    },
    /// The server's answer is larger than the connection reads
    /// ([`crate::HostConnectionBuilder::max_body_bytes`], 64 MiB by
    /// default): the client stopped reading it, at once when the server
    /// announced the length, and kept none of it.
    #[error(
        "{method} {path}: HTTP {status}: the body is larger than the limit of {limit} bytes{}; not read further",
        announced.map_or(String::new(), |n| format!(" (announced: {n} bytes)"))
    )]
    #[non_exhaustive]
    BodyTooLarge {
        /// The request's method.
        method: Method,
        /// The request's path and query below `/api`.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// The limit, in bytes.
        limit: usize,
        /// The length the server announced (`Content-Length`), if it did.
        announced: Option<u64>,
    },
}

/// Why a request did not complete: no connection, a time-out, a TLS
/// failure, a connection dropped mid-answer. Opaque, so that the HTTP stack
/// underneath is not part of this crate's API; its [`source`] chain holds
/// the details (a `rustls::Error`, an `std::io::Error`).
///
/// [`source`]: std::error::Error::source
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ontap_core::{Error, HostConnection, Query, RequestSpec, Scheme};
/// // Nothing listens on port 9 of the loopback address.
/// let conn = HostConnection::builder("127.0.0.1").scheme(Scheme::Http).port(9).build().unwrap();
/// let spec = RequestSpec::new(http::Method::GET, "/cluster", &Query::new());
/// match conn.execute(&spec).await {
///     Err(Error::Transport { source, .. }) => assert!(source.is_connect()),
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Arc<dyn std::error::Error + Send + Sync>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportErrorKind {
    Connect,
    Timeout,
    Other,
}

impl TransportError {
    /// No connection could be made: refused, unreachable, a TLS handshake that
    /// failed. A [`Transport`](crate::Transport) of one's own says so with this.
    ///
    /// ```
    /// let err = ontap_core::TransportError::connect("connection refused");
    /// assert!(err.is_connect() && !err.is_timeout());
    /// assert_eq!(err.to_string(), "connection refused");
    /// ```
    pub fn connect(source: impl Into<crate::BoxError>) -> Self {
        Self::classified(TransportErrorKind::Connect, source.into())
    }

    /// A time limit ended the request: connecting, a stalled answer, the whole request.
    ///
    /// ```
    /// let err = ontap_core::TransportError::timeout("no answer within 60 s");
    /// assert!(err.is_timeout());
    /// ```
    pub fn timeout(source: impl Into<crate::BoxError>) -> Self {
        Self::classified(TransportErrorKind::Timeout, source.into())
    }

    /// Any other failure: a connection dropped mid-answer, a protocol error. An
    /// error of the HTTP stack underneath keeps its own class (a reqwest error
    /// that is a time-out stays one).
    ///
    /// ```
    /// let err = ontap_core::TransportError::other("connection reset");
    /// assert!(!err.is_connect() && !err.is_timeout());
    /// ```
    pub fn other(source: impl Into<crate::BoxError>) -> Self {
        let source = source.into();
        let source = match source.downcast::<TransportError>() {
            Ok(error) => return *error,
            Err(source) => source,
        };
        let source = match source.downcast::<reqwest::Error>() {
            Ok(error) => return Self::new(*error),
            Err(source) => source,
        };
        Self::classified(TransportErrorKind::Other, source)
    }

    fn classified(kind: TransportErrorKind, source: crate::BoxError) -> Self {
        TransportError {
            kind,
            source: Arc::from(source),
        }
    }

    pub(crate) fn new(error: reqwest::Error) -> Self {
        let kind = if error.is_timeout() {
            TransportErrorKind::Timeout
        } else if error.is_connect() {
            TransportErrorKind::Connect
        } else {
            TransportErrorKind::Other
        };
        Self::classified(kind, Box::new(error))
    }

    /// The failure this wraps.
    pub(crate) fn inner(&self) -> &(dyn std::error::Error + 'static) {
        &*self.source
    }

    /// Whether no connection could be made (refused, unreachable, a TLS
    /// handshake that failed).
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// Whether a time-out ended the request: connecting, a stalled answer
    /// ([`crate::HostConnectionBuilder::read_timeout`]), or the whole
    /// request ([`crate::HostConnectionBuilder::request_timeout`]).
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // Its text is the wrapped error's: its causes come next.
        self.source.source()
    }
}

fn hint(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => " (the credentials were refused)",
        StatusCode::FORBIDDEN => " (permission denied)",
        _ => "",
    }
}

fn failure_text(code: Option<&str>, message: Option<&str>) -> String {
    match (code, message) {
        (Some(code), Some(message)) => format!("{message} (code {code})"),
        (None, Some(message)) => message.to_owned(),
        (Some(code), None) => format!("code {code}"),
        (None, None) => "no message".to_owned(),
    }
}

fn key_count_text(resource: &str, keys: &[&str], given: usize) -> String {
    let names: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    let takes = match names.len() {
        0 => "no key".to_owned(),
        1 => format!("1 key, {}", names[0]),
        n => format!("{n} keys, {}", names.join(" then ")),
    };
    format!("{resource} is read by {takes}; {given} given")
}

fn deadline_text(last: Option<&Error>) -> String {
    last.map(|err| format!("; the last attempt failed: {err}"))
        .unwrap_or_default()
}

fn last_text(last: Option<&JobStatus>) -> String {
    let Some(last) = last else {
        return String::new();
    };
    let state = last.state.as_ref().map_or("unknown", |s| s.as_str());
    match &last.message {
        Some(message) => format!("; last state {state}: {message}"),
        None => format!("; last state {state}"),
    }
}

impl Error {
    /// The HTTP status, when the server answered.
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Http { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// ONTAP's error code, as sent (a string of digits), from an error body
    /// or a failed job.
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.ontap_code(), None);
    /// ```
    pub fn ontap_code(&self) -> Option<&str> {
        match self {
            Error::Api { error, .. } => error.code.as_deref(),
            Error::JobFailed { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// ONTAP's error code as a number.
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.ontap_code_number(), None);
    /// ```
    pub fn ontap_code_number(&self) -> Option<u64> {
        self.ontap_code()?.parse().ok()
    }

    /// How long the server asked to wait before trying again (`Retry-After`).
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later, by the
    /// default [`RetryPolicy`](crate::RetryPolicy): connection failures,
    /// time-outs, 429, 502, 503, 504 and ONTAP's "temporarily locked"
    /// ([`codes::VSERVER_LOCKED`]). Only idempotent requests are sent again
    /// for these.
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert!(!err.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        crate::RetryPolicy::default().is_transient(self)
    }

    /// Whether the answer says the object does not exist: HTTP 404, or
    /// ONTAP's code 4 ([`codes::NOT_FOUND`]) in an error answer or a failed
    /// job. A job that is gone is [`Error::JobVanished`] instead. A 404 also
    /// answers a path this ONTAP release does not have (with code 3,
    /// [`codes::NOT_SUPPORTED`]): check [`Error::has_code`] to tell the two
    /// apart.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ontap_core::{Query, RequestSpec};
    /// # async fn answering(status: u16, body: &'static str) -> ontap_core::HostConnection {
    /// #     use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// #     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// #     let port = listener.local_addr().unwrap().port();
    /// #     tokio::spawn(async move {
    /// #         let (mut socket, _) = listener.accept().await.unwrap();
    /// #         let mut head = Vec::new();
    /// #         while !head.windows(4).any(|w| w == b"\r\n\r\n") {
    /// #             let mut chunk = [0; 1024];
    /// #             match socket.read(&mut chunk).await {
    /// #                 Ok(0) | Err(_) => break,
    /// #                 Ok(n) => head.extend_from_slice(&chunk[..n]),
    /// #             }
    /// #         }
    /// #         let answer = format!(
    /// #             "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
    /// #             body.len()
    /// #         );
    /// #         socket.write_all(answer.as_bytes()).await.unwrap();
    /// #     });
    /// #     let conn = ontap_core::HostConnection::builder("127.0.0.1").scheme(ontap_core::Scheme::Http).port(port);
    /// #     conn.build().unwrap()
    /// # }
    /// let conn = answering(404, r#"{"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}}"#).await;
    /// let read = RequestSpec::new(http::Method::GET, "/storage/volumes/028baa66", &Query::new());
    /// let err = conn.execute(&read).await.unwrap_err();
    /// assert!(err.is_not_found());
    ///
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert!(!err.is_not_found());
    /// # }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// What kind of failure this is, the same way for every variant (a job read
    /// that failed, [`Error::Polling`], is of its cause's kind).
    ///
    /// ```
    /// use ontap_core::ErrorKind;
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Invalid);
    /// assert!(!err.is_timeout() && !err.is_auth() && !err.is_not_found());
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api { status, .. } | Error::Http { status, .. } => {
                if *status == StatusCode::NOT_FOUND || self.has_code(codes::NOT_FOUND) {
                    ErrorKind::NotFound
                } else if matches!(status.as_u16(), 401 | 403) || self.has_code(codes::PERMISSION_DENIED) {
                    ErrorKind::Auth
                } else if *status == StatusCode::REQUEST_TIMEOUT {
                    ErrorKind::Timeout
                } else if status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS {
                    ErrorKind::Unavailable
                } else {
                    ErrorKind::Rejected
                }
            }
            Error::JobFailed { .. } if self.has_code(codes::NOT_FOUND) => ErrorKind::NotFound,
            Error::JobFailed { .. } | Error::JobVanished { .. } => ErrorKind::Job,
            Error::Transport { source, .. } if source.is_timeout() => ErrorKind::Timeout,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::PollTimeout { .. } | Error::WaitTimeout { .. } | Error::Deadline { .. } => ErrorKind::Timeout,
            Error::Polling { source, .. } => source.kind(),
            Error::Token { .. } => ErrorKind::Auth,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::MissingKey { .. }
            | Error::KeyCount { .. }
            | Error::Config(_)
            | Error::Interceptor { .. }
            | Error::Encode(_)
            | Error::InvalidKey { .. } => ErrorKind::Invalid,
            Error::Decode { .. }
            | Error::BodyTooLarge { .. }
            | Error::UnexpectedLink { .. }
            | Error::EmptyPages { .. }
            | Error::NotUnique { .. } => ErrorKind::Answer,
        }
    }

    /// Whether a time limit passed ([`ErrorKind::Timeout`]): a request's time-out
    /// (or the server's 408), the operation's deadline, a job's poll timeout, a
    /// wait's deadline.
    ///
    /// ```
    /// let err = ontap_core::Error::Config("x".into());
    /// assert!(!err.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// Whether the login or the role was refused ([`ErrorKind::Auth`]): 401, 403,
    /// ONTAP's code 6, or no bearer token to send.
    ///
    /// ```
    /// let err = ontap_core::Error::Config("x".into());
    /// assert!(!err.is_auth());
    /// ```
    pub fn is_auth(&self) -> bool {
        self.kind() == ErrorKind::Auth
    }

    /// Whether ONTAP's code, in an error answer or a failed job, is `code`
    /// (one of [`codes`], or any other number ONTAP documents).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ontap_core::{Query, RequestSpec, codes};
    /// # async fn answering(status: u16, body: &'static str) -> ontap_core::HostConnection {
    /// #     use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// #     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// #     let port = listener.local_addr().unwrap().port();
    /// #     tokio::spawn(async move {
    /// #         let (mut socket, _) = listener.accept().await.unwrap();
    /// #         let mut head = Vec::new();
    /// #         while !head.windows(4).any(|w| w == b"\r\n\r\n") {
    /// #             let mut chunk = [0; 1024];
    /// #             match socket.read(&mut chunk).await {
    /// #                 Ok(0) | Err(_) => break,
    /// #                 Ok(n) => head.extend_from_slice(&chunk[..n]),
    /// #             }
    /// #         }
    /// #         let answer = format!(
    /// #             "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
    /// #             body.len()
    /// #         );
    /// #         socket.write_all(answer.as_bytes()).await.unwrap();
    /// #     });
    /// #     let conn = ontap_core::HostConnection::builder("127.0.0.1").scheme(ontap_core::Scheme::Http).port(port);
    /// #     conn.build().unwrap()
    /// # }
    /// let conn = answering(400, r#"{"error": {"message": "The value \"121\" is out of range.", "code": "262197", "target": "return_timeout"}}"#).await;
    /// let read = RequestSpec::new(http::Method::GET, "/cluster", &Query::new().return_timeout(121));
    /// let err = conn.execute(&read).await.unwrap_err();
    /// assert!(err.has_code(codes::INVALID_VALUE));
    /// assert!(!err.has_code(codes::NOT_FOUND));
    /// # }
    /// ```
    pub fn has_code(&self, code: u64) -> bool {
        self.ontap_code_number() == Some(code)
    }

    /// ONTAP's message: the `message` of an error answer, or the failure
    /// message of a job (its `error.message`, else its `message`). `None`
    /// for the errors ONTAP did not explain (a transport failure, an HTML
    /// page, a local refusal); their `Display` says what happened.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ontap_core::{Query, RequestSpec};
    /// # async fn answering(status: u16, body: &'static str) -> ontap_core::HostConnection {
    /// #     use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// #     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// #     let port = listener.local_addr().unwrap().port();
    /// #     tokio::spawn(async move {
    /// #         let (mut socket, _) = listener.accept().await.unwrap();
    /// #         let mut head = Vec::new();
    /// #         while !head.windows(4).any(|w| w == b"\r\n\r\n") {
    /// #             let mut chunk = [0; 1024];
    /// #             match socket.read(&mut chunk).await {
    /// #                 Ok(0) | Err(_) => break,
    /// #                 Ok(n) => head.extend_from_slice(&chunk[..n]),
    /// #             }
    /// #         }
    /// #         let answer = format!(
    /// #             "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
    /// #             body.len()
    /// #         );
    /// #         socket.write_all(answer.as_bytes()).await.unwrap();
    /// #     });
    /// #     let conn = ontap_core::HostConnection::builder("127.0.0.1").scheme(ontap_core::Scheme::Http).port(port);
    /// #     conn.build().unwrap()
    /// # }
    /// let conn = answering(403, r#"{"error": {"message": "not authorized for that command", "code": "6"}}"#).await;
    /// let read = RequestSpec::new(http::Method::GET, "/security/accounts", &Query::new());
    /// let err = conn.execute(&read).await.unwrap_err();
    /// assert_eq!(err.message(), Some("not authorized for that command"));
    ///
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert_eq!(err.message(), None);
    /// # }
    /// ```
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { error, .. } => error.message.as_deref(),
            Error::JobFailed { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    /// The field or parameter ONTAP's error is about (`target`), in an
    /// error answer or a failed job's `error`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ontap_core::{Query, RequestSpec};
    /// # async fn answering(status: u16, body: &'static str) -> ontap_core::HostConnection {
    /// #     use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// #     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// #     let port = listener.local_addr().unwrap().port();
    /// #     tokio::spawn(async move {
    /// #         let (mut socket, _) = listener.accept().await.unwrap();
    /// #         let mut head = Vec::new();
    /// #         while !head.windows(4).any(|w| w == b"\r\n\r\n") {
    /// #             let mut chunk = [0; 1024];
    /// #             match socket.read(&mut chunk).await {
    /// #                 Ok(0) | Err(_) => break,
    /// #                 Ok(n) => head.extend_from_slice(&chunk[..n]),
    /// #             }
    /// #         }
    /// #         let answer = format!(
    /// #             "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
    /// #             body.len()
    /// #         );
    /// #         socket.write_all(answer.as_bytes()).await.unwrap();
    /// #     });
    /// #     let conn = ontap_core::HostConnection::builder("127.0.0.1").scheme(ontap_core::Scheme::Http).port(port);
    /// #     conn.build().unwrap()
    /// # }
    /// let conn = answering(400, r#"{"error": {"message": "Unexpected argument \"sise\".", "code": "262179", "target": "sise"}}"#).await;
    /// let read = RequestSpec::new(http::Method::GET, "/storage/volumes", &Query::new().filter("sise", 1));
    /// let err = conn.execute(&read).await.unwrap_err();
    /// assert_eq!(err.target(), Some("sise"));
    /// # }
    /// ```
    pub fn target(&self) -> Option<&str> {
        match self {
            Error::Api { error, .. } => error.target.as_deref(),
            Error::JobFailed { status, .. } => status.error.as_ref()?.target.as_deref(),
            _ => None,
        }
    }
}

/// ONTAP's error codes that callers branch on, as numbers, for
/// [`Error::has_code`] and [`Error::ontap_code_number`]. ONTAP has
/// thousands of codes, most of them particular to one operation (the
/// operation's documentation lists them); these are the general ones. The
/// names are this crate's; the numbers and their meanings are ONTAP's,
/// from the error table of NetApp's "Getting started with the ONTAP REST
/// API" and, for the job actions, the answers of `PATCH /cluster/jobs`.
///
/// ```
/// use ontap_core::{Error, codes};
///
/// fn locked(err: &Error) -> bool {
///     err.has_code(codes::VSERVER_LOCKED)
/// }
///
/// fn explain(err: &Error) -> &'static str {
///     match err.ontap_code_number() {
///         Some(codes::DUPLICATE) => "it exists already",
///         Some(codes::NOT_FOUND) => "it does not exist",
///         Some(codes::PERMISSION_DENIED) => "the account may not do this",
///         Some(codes::INVALID_VALUE) => "a value is out of range",
///         Some(_) => "ONTAP refused",
///         None => "no answer from ONTAP",
///     }
/// }
///
/// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
/// assert_eq!(explain(&err), "no answer from ONTAP");
/// assert!(!locked(&err));
/// ```
#[doc(inline)]
pub use ontap_model::codes;

/// The `error` object of an ONTAP error body.
///
/// ```
/// let body = r#"{"message": "entry doesn't exist", "code": "4", "target": "uuid"}"#;
/// let error: ontap_core::ApiError = serde_json::from_str(body).unwrap();
/// assert_eq!(error.code_number(), Some(4));
/// assert_eq!(error.to_string(), "entry doesn't exist (code 4, target uuid)");
/// // Some releases send the code as a number: it is kept as the same digits.
/// let numeric: ontap_core::ApiError = serde_json::from_str(r#"{"message": "m", "code": 4}"#).unwrap();
/// assert_eq!(numeric.code.as_deref(), Some("4"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ApiError {
    /// The human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// ONTAP's code, a string of digits (`"4"`, `"262197"`). Some releases
    /// and proxies send it as a JSON number (`4`); it is kept as the same
    /// string of digits.
    #[serde(default, deserialize_with = "code_text")]
    pub code: Option<String>,
    /// The field or parameter the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Further details, each with its own code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<ErrorArgument>,
}

impl ApiError {
    /// The code as a number, when it is one.
    ///
    /// ```
    /// let mut error = ontap_core::ApiError::default();
    /// error.code = Some("262197".into());
    /// assert_eq!(error.code_number(), Some(262197));
    /// ```
    pub fn code_number(&self) -> Option<u64> {
        self.code.as_deref()?.parse().ok()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or("no message"))?;
        match (&self.code, &self.target) {
            (Some(code), Some(target)) => write!(f, " (code {code}, target {target})"),
            (Some(code), None) => write!(f, " (code {code})"),
            (None, Some(target)) => write!(f, " (target {target})"),
            (None, None) => Ok(()),
        }
    }
}

/// An error code as ONTAP writes it: a string (`"262197"`), or on some
/// releases a number (`262197`), read as the same string of digits. An
/// integral float (`4.0`) reads as `"4"`; `null` as no code. Anything else
/// (`true`, an object) is not a code, and the body is not ONTAP's.
fn code_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct CodeVisitor;

    impl<'de> serde::de::Visitor<'de> for CodeVisitor {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an error code as a string or a number")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }

        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // `4.0` is the code 4; a fraction is kept as written.
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e18 {
                Ok(Some(format!("{}", v as i64)))
            } else {
                Ok(Some(v.to_string()))
            }
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(CodeVisitor)
        }
    }

    deserializer.deserialize_option(CodeVisitor)
}

/// One detail of an ONTAP error.
///
/// ```
/// let arg: ontap_core::ErrorArgument =
///     serde_json::from_str(r#"{"code": "1", "message": "why"}"#).unwrap();
/// assert_eq!(arg.message.as_deref(), Some("why"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ErrorArgument {
    /// The detail's code (a string, or a number read as its digits).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "code_text")]
    pub code: Option<String>,
    /// The detail's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A response body kept as evidence: its content type, its length, and its
/// text cut to at most 2 KiB. In the errors a connection makes, the
/// connection's credentials and the secrets of the request read `*********`.
///
/// ```
/// let raw = ontap_core::RawBody::new(Some("text/html".into()), b"<html>Bad Gateway</html>");
/// assert_eq!(raw.to_string(), "text/html body of 24 bytes: <html>Bad Gateway</html>");
/// assert!(!raw.is_truncated() && raw.is_len_exact());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The length in bytes: the whole body's, or, when the client stopped
    /// reading before the end, the length the server announced
    /// (`Content-Length`), else as much as was read (see
    /// [`RawBody::is_len_exact`]).
    pub len: usize,
    /// The start of the body, as text (lossy UTF-8).
    pub text: String,
    /// Whether `text` is only the start of the body.
    truncated: bool,
    /// Whether `len` is the body's length rather than a lower bound.
    len_exact: bool,
}

impl RawBody {
    /// Keeps the start of `bytes`, the whole body.
    pub fn new(content_type: Option<String>, bytes: &[u8]) -> Self {
        RawBody::kept(content_type, bytes, true, None, |text, _| text)
    }

    /// Keeps the start of `bytes`, which is the whole body when `complete`,
    /// else as much as was read of a body of `announced` bytes (if the
    /// server said). `mask` gets the kept text, and whether it was cut,
    /// and returns it with its secrets masked.
    pub(crate) fn kept(
        content_type: Option<String>,
        bytes: &[u8],
        complete: bool,
        announced: Option<usize>,
        mask: impl FnOnce(String, bool) -> String,
    ) -> Self {
        let mut end = bytes.len().min(RAW_BODY_LIMIT);
        // Cut on a character boundary when the body is UTF-8.
        while end < bytes.len() && end > 0 && (bytes[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        let truncated = end < bytes.len() || !complete;
        let (len, len_exact) = match (complete, announced) {
            (true, _) => (bytes.len(), true),
            (false, Some(announced)) => (announced.max(bytes.len()), true),
            (false, None) => (bytes.len(), false),
        };
        RawBody {
            content_type,
            len,
            text: mask(String::from_utf8_lossy(&bytes[..end]).into_owned(), truncated),
            truncated,
            len_exact,
        }
    }

    /// Whether the text is cut short: the body was longer than what is
    /// kept, or was not read to its end.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Whether [`RawBody::len`] is the body's length; false when the
    /// client stopped reading a body of unannounced length, whose length
    /// is then at least `len`.
    pub fn is_len_exact(&self) -> bool {
        self.len_exact
    }
}

impl fmt::Display for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("empty body");
        }
        let kind = self.content_type.as_deref().unwrap_or("untyped");
        let at_least = if self.len_exact { "" } else { "at least " };
        write!(f, "{kind} body of {at_least}{} bytes: ", self.len)?;
        let flat: String = self
            .text
            .chars()
            .take(200)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        f.write_str(flat.trim())?;
        if self.text.chars().count() > 200 || self.is_truncated() {
            f.write_str("...")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_helpers_read_a_failed_jobs_code_message_and_target() {
        let status: JobStatus = serde_json::from_str(
            r#"{"uuid": "j1", "state": "failure", "message": "failed", "code": 4,
                "error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}}"#,
        )
        .unwrap();
        let err = Error::JobFailed {
            uuid: "j1".into(),
            code: Some("4".into()),
            message: Some("entry doesn't exist".into()),
            status: Box::new(status),
        };
        assert!(err.is_not_found() && err.has_code(codes::NOT_FOUND));
        assert_eq!(
            (err.message(), err.target()),
            (Some("entry doesn't exist"), Some("uuid"))
        );
        let vanished = Error::JobVanished {
            uuid: "j1".into(),
            last: None,
        };
        assert!(!vanished.is_not_found());
        assert_eq!(vanished.message(), None);
    }

    fn api(status: u16, code: &str) -> Error {
        Error::Api {
            method: Method::GET,
            path: "/storage/volumes".into(),
            status: StatusCode::from_u16(status).unwrap(),
            error: Box::new(ApiError {
                message: Some("m".into()),
                code: Some(code.into()),
                target: None,
                arguments: Vec::new(),
            }),
            retry_after: None,
        }
    }

    #[test]
    fn every_variant_has_a_kind_and_the_helpers_follow_it() {
        let cases = [
            (api(404, "4"), ErrorKind::NotFound),
            (api(400, "4"), ErrorKind::NotFound),
            (api(401, "0"), ErrorKind::Auth),
            (api(403, "6"), ErrorKind::Auth),
            (api(408, "2"), ErrorKind::Timeout),
            (api(429, "0"), ErrorKind::Unavailable),
            (api(503, "0"), ErrorKind::Unavailable),
            (api(409, "1"), ErrorKind::Rejected),
            (api(400, "262179"), ErrorKind::Rejected),
            (
                Error::Http {
                    method: Method::GET,
                    path: "/".into(),
                    status: StatusCode::UNAUTHORIZED,
                    body: Box::new(RawBody::new(None, b"")),
                    retry_after: None,
                },
                ErrorKind::Auth,
            ),
            (
                Error::PollTimeout {
                    uuid: "j".into(),
                    waited: Duration::from_secs(1),
                    last: None,
                },
                ErrorKind::Timeout,
            ),
            (
                Error::Deadline {
                    method: Method::GET,
                    path: "/".into(),
                    deadline: Duration::from_secs(1),
                    attempts: 1,
                    last: None,
                },
                ErrorKind::Timeout,
            ),
            (
                Error::Polling {
                    uuid: "j".into(),
                    source: Box::new(api(503, "0")),
                },
                ErrorKind::Unavailable,
            ),
            (
                Error::JobVanished {
                    uuid: "j".into(),
                    last: None,
                },
                ErrorKind::Job,
            ),
            (Error::Config("x".into()), ErrorKind::Invalid),
            (
                Error::InvalidKey {
                    resource: "Volume",
                    key: "uuid".into(),
                    value: "..".into(),
                },
                ErrorKind::Invalid,
            ),
            (
                Error::Unsupported {
                    resource: "Volume",
                    what: "x".into(),
                    since: crate::Release::new(9, 13, 0),
                    cluster: crate::Release::new(9, 8, 0),
                },
                ErrorKind::Unsupported,
            ),
        ];
        for (err, kind) in cases {
            assert_eq!(err.kind(), kind, "{err}");
            assert_eq!(err.is_timeout(), kind == ErrorKind::Timeout, "{err}");
            assert_eq!(err.is_auth(), kind == ErrorKind::Auth, "{err}");
            assert_eq!(err.is_not_found(), kind == ErrorKind::NotFound, "{err}");
        }
    }
}
