//! The connection to one cluster, and the one layer that sends requests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use crate::Secret;
use crate::auth::{Authorization, TokenCache, TokenProvider};
use crate::error::{ApiError, Error, RAW_BODY_LIMIT, RawBody, TransportError};
use crate::request::RequestSpec;
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::tls::TlsSettings;

/// How this library names itself in `X-Dot-Client-App` and `User-Agent`.
pub const CLIENT_APP: &str = concat!("ontap-rs/", env!("CARGO_PKG_VERSION"));

/// The largest body read by default: far above the largest real page (a
/// `fields=**` page of 1,000 volumes is a few MB).
const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// How many requests a connection has in flight at once by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
/// How long, by default, the server may hold the answer of a request that
/// starts a job until the job ends (`return_timeout`, in seconds).
pub const DEFAULT_RETURN_TIMEOUT: u32 = 5;
/// The most read of an error body that looks like JSON, so that an ONTAP
/// error object with long arguments is still read whole; any other error
/// body is read only as far as [`RawBody`] keeps it.
const ERROR_JSON_LIMIT: usize = 64 << 10;

/// `http` or `https`.
///
/// ```
/// assert_eq!(ontap_core::Scheme::Https.as_str(), "https");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// TLS, as every real cluster serves.
    #[default]
    Https,
    /// Plain HTTP, for simulators and test servers.
    Http,
}

impl Scheme {
    /// The URL scheme.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// A connection to one ONTAP cluster: its address, credentials, TLS policy,
/// time-outs and one shared connection pool. Cheap to clone; share it across
/// tasks.
///
/// ```no_run
/// # async fn run() -> Result<(), ontap_core::Error> {
/// use ontap_core::HostConnection;
/// let conn = HostConnection::builder("cluster.example.com")
///     .basic_auth("admin", "password")
///     .verify(false)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HostConnection {
    inner: Arc<Inner>,
    /// The time-out, deadline and retry policy of this handle's calls
    /// ([`HostConnection::with_timeout`] and the like).
    call: Arc<CallSettings>,
}

/// What a handle of a connection changes for its calls.
#[derive(Debug, Clone)]
struct CallSettings {
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
}

pub(crate) struct Inner {
    client: reqwest::Client,
    /// `https://host:port/api`
    base: String,
    /// The connection's own call settings.
    defaults: Arc<CallSettings>,
    poll_interval: Duration,
    poll_timeout: Duration,
    max_body_bytes: usize,
    /// The password, the Basic token, a fixed bearer token, an
    /// `Authorization` header given by hand, the proxy's password: masked in
    /// every body an error keeps. The flag says whether its presence in a
    /// successful answer shows an echo of the request.
    credentials: Vec<(Secret, bool)>,
    /// The bearer tokens of a token provider.
    tokens: Option<TokenCache>,
    max_in_flight: usize,
    /// One permit per request in flight.
    slots: Arc<Semaphore>,
    /// One permit per request whose answer the server may hold
    /// (`return_timeout`), so that held answers never take every slot.
    holds: Semaphore,
    /// The `return_timeout` of a request that may start a job, when the
    /// call sets none; 0 holds nothing.
    return_timeout: u32,
    /// The job waits of this connection, polled together.
    pub(crate) jobs: crate::batch::JobBatcher,
}

/// The right to have one request in flight on a connection.
pub(crate) type Slot = OwnedSemaphorePermit;

/// The right to ask the server to hold one answer until its job ends
/// ([`HostConnection::hold`]): the value to send as `return_timeout`, while
/// the permit lives.
pub(crate) struct Hold<'a> {
    pub(crate) seconds: u32,
    _permit: SemaphorePermit<'a>,
}

impl std::fmt::Debug for HostConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConnection")
            .field("base", &self.inner.base)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`HostConnection`].
///
/// ```
/// use std::time::Duration;
/// let conn = ontap_core::HostConnection::builder("10.0.0.5")
///     .port(8443)
///     .basic_auth("admin", "secret")
///     .connect_timeout(Duration::from_secs(5))
///     .poll_interval(Duration::from_secs(2))
///     .build()
///     .unwrap();
/// assert_eq!(conn.base_url(), "https://10.0.0.5:8443/api");
/// ```
#[must_use]
pub struct HostConnectionBuilder {
    host: String,
    port: Option<u16>,
    scheme: Scheme,
    /// Every login method given; at most one may be.
    logins: Vec<Login>,
    tls: TlsSettings,
    proxy: Option<Secret>,
    headers: Vec<(String, String)>,
    connect_timeout: Duration,
    request_timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    poll_interval: Duration,
    poll_timeout: Duration,
    max_body_bytes: usize,
    max_in_flight: usize,
    return_timeout: u32,
}

/// A way to log in that sends an `Authorization` header.
enum Login {
    Basic { username: String, password: Secret },
    Bearer(Secret),
    Provider(Arc<dyn TokenProvider>),
}

impl Login {
    fn name(&self) -> &'static str {
        match self {
            Login::Basic { .. } => "basic_auth",
            Login::Bearer(_) => "bearer_token",
            Login::Provider(_) => "token_provider",
        }
    }
}

impl HostConnection {
    /// Starts the settings for `host`: a DNS name, an IPv4 address, or an
    /// IPv6 address (with or without brackets).
    pub fn builder(host: impl Into<String>) -> HostConnectionBuilder {
        HostConnectionBuilder {
            host: host.into(),
            port: None,
            scheme: Scheme::Https,
            logins: Vec::new(),
            tls: TlsSettings::default(),
            proxy: None,
            headers: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            deadline: None,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(2),
            poll_timeout: Duration::from_secs(600),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            return_timeout: DEFAULT_RETURN_TIMEOUT,
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// This connection with its own call settings, whatever the handle's:
    /// for work shared by the calls of several handles (job reads).
    pub(crate) fn base(&self) -> HostConnection {
        HostConnection {
            inner: self.inner.clone(),
            call: self.inner.defaults.clone(),
        }
    }

    fn with_call(&self, change: impl FnOnce(&mut CallSettings)) -> HostConnection {
        let mut call = (*self.call).clone();
        change(&mut call);
        HostConnection {
            inner: self.inner.clone(),
            call: Arc::new(call),
        }
    }

    /// A handle of this connection (the same pool, slots, login and job
    /// watcher) whose requests may each take up to `timeout`, instead of
    /// the connection's [`request_timeout`](HostConnectionBuilder::request_timeout):
    /// for one large `fields=**` collection, say. A request with
    /// `return_timeout=N` gets N seconds more.
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let patient = conn.with_timeout(Duration::from_secs(600));
    /// assert_eq!(patient.request_timeout(), Duration::from_secs(600));
    /// assert_eq!(conn.request_timeout(), Duration::from_secs(60));
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> HostConnection {
        self.with_call(|call| call.timeout = timeout)
    }

    /// A handle of this connection whose every request, its retries and
    /// their pauses included, ends by `deadline` after it starts: an
    /// attempt still running then is cut, and a retry that would start
    /// later is not made; either way the request is [`Error::Deadline`].
    /// A job's wait is bounded by its own
    /// [`poll_timeout`](HostConnectionBuilder::poll_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let hurried = conn.with_deadline(Duration::from_secs(5));
    /// assert_eq!(hurried.deadline(), Some(Duration::from_secs(5)));
    /// assert_eq!(conn.deadline(), None);
    /// ```
    pub fn with_deadline(&self, deadline: Duration) -> HostConnection {
        self.with_call(|call| call.deadline = Some(deadline))
    }

    /// A handle of this connection whose requests are retried by `policy`.
    ///
    /// ```
    /// use ontap_core::RetryPolicy;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let once = conn.with_retry(RetryPolicy::none());
    /// assert_eq!(once.retry_policy().max_attempts(), 1);
    /// assert_eq!(conn.retry_policy().max_attempts(), 3);
    /// ```
    pub fn with_retry(&self, policy: RetryPolicy) -> HostConnection {
        self.with_call(|call| call.retry = policy)
    }

    /// How long one request may take ([`HostConnection::with_timeout`]).
    pub fn request_timeout(&self) -> Duration {
        self.call.timeout
    }

    /// How long a request and its retries may take in all, if bounded
    /// ([`HostConnection::with_deadline`]).
    pub fn deadline(&self) -> Option<Duration> {
        self.call.deadline
    }

    /// Which failed requests are sent again ([`HostConnection::with_retry`]).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.call.retry
    }

    /// The API root, e.g. `https://cluster.example.com/api`.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// How often a job is polled unless a call says otherwise.
    pub fn poll_interval(&self) -> Duration {
        self.inner.poll_interval
    }

    /// How long a job is waited for unless a call says otherwise.
    pub fn poll_timeout(&self) -> Duration {
        self.inner.poll_timeout
    }

    /// The largest response body read ([`HostConnectionBuilder::max_body_bytes`]).
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// How many requests may be in flight at once
    /// ([`HostConnectionBuilder::max_in_flight`]).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// assert_eq!(conn.max_in_flight(), ontap_core::DEFAULT_MAX_IN_FLIGHT);
    /// ```
    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    /// The `return_timeout` sent with a request that may start a job when
    /// the call sets none ([`HostConnectionBuilder::return_timeout`]).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").return_timeout(0).build().unwrap();
    /// assert_eq!(conn.return_timeout(), 0);
    /// ```
    pub fn return_timeout(&self) -> u32 {
        self.inner.return_timeout
    }

    /// The right to have the server hold an answer until its job ends, when
    /// the connection holds answers and fewer than half of its slots hold
    /// one already; `None` sends the request without a hold.
    pub(crate) fn hold(&self) -> Option<Hold<'_>> {
        if self.inner.return_timeout == 0 {
            return None;
        }
        let permit = self.inner.holds.try_acquire().ok()?;
        Some(Hold {
            seconds: self.inner.return_timeout,
            _permit: permit,
        })
    }

    /// Waits for a free slot: at most [`HostConnection::max_in_flight`]
    /// requests are in flight at once.
    pub(crate) async fn slot(&self) -> Slot {
        match self.inner.slots.clone().acquire_owned().await {
            Ok(slot) => slot,
            // The semaphore is never closed.
            Err(_) => unreachable!("the slots of a connection are never closed"),
        }
    }

    /// Sends `spec` and returns the server's answer; an error status becomes
    /// [`Error::Api`] or [`Error::Http`]. A failed request is sent again as
    /// the handle's [`RetryPolicy`] says (by default, an idempotent request
    /// at most twice more after a connection failure, a time-out, 429, 502,
    /// 503, 504 or ONTAP's "temporarily locked"; a POST never). A
    /// certificate that fails verification is final at once. With a
    /// [deadline](HostConnection::with_deadline), the request and its
    /// retries end by then.
    ///
    /// A body is read up to [`HostConnectionBuilder::max_body_bytes`]; a
    /// longer one is [`Error::BodyTooLarge`]. An error body is read only as
    /// far as the error keeps it (2 KiB, or 64 KiB of JSON for ONTAP's error
    /// object). Every body an error keeps has the connection's credentials
    /// and tokens, and the secrets of the request's body, masked.
    ///
    /// Each attempt is a `tracing` span `ontap.attempt` (method, path,
    /// attempt, status), with the request and response bodies at trace
    /// level, their secrets masked.
    ///
    /// ```no_run
    /// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
    /// use ontap_core::{Query, RequestSpec};
    /// let spec = RequestSpec::new(http::Method::GET, "/cluster", &Query::new().fields(["version"]));
    /// let response = conn.execute(&spec).await?;
    /// println!("{}", response.status());
    /// # Ok(()) }
    /// ```
    pub async fn execute(&self, spec: &RequestSpec) -> Result<Response, Error> {
        let started = tokio::time::Instant::now();
        let deadline = self.call.deadline;
        let ends = deadline.map(|d| started + d);
        let policy = &self.call.retry;
        let mut sent = 0;
        loop {
            sent += 1;
            let attempt = self.send_once_as(spec, sent);
            let result = match ends {
                Some(ends) => match tokio::time::timeout_at(ends, attempt).await {
                    Ok(result) => result,
                    Err(_) => return Err(self.deadline_error(spec, sent, None)),
                },
                None => attempt.await,
            };
            let err = match result {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            let Some(delay) = policy.next_delay(spec.is_idempotent(), sent, &err) else {
                return Err(err);
            };
            if ends.is_some_and(|ends| tokio::time::Instant::now() + delay >= ends) {
                return Err(self.deadline_error(spec, sent, Some(err)));
            }
            tracing::debug!(
                method = %spec.method(),
                path = spec.path_and_query(),
                attempt = sent,
                delay_ms = delay.as_millis() as u64,
                error = %err,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn deadline_error(&self, spec: &RequestSpec, attempts: u32, last: Option<Error>) -> Error {
        Error::Deadline {
            method: spec.method().clone(),
            path: spec.path_and_query().to_owned(),
            deadline: self.call.deadline.unwrap_or_default(),
            attempts,
            last: last.map(Box::new),
        }
    }

    /// Sends `spec` once, when a slot is free: no retry.
    pub(crate) async fn send_once(&self, spec: &RequestSpec) -> Result<Response, Error> {
        self.send_once_as(spec, 1).await
    }

    /// Sends `spec` once, as attempt number `attempt`, when a slot is free.
    async fn send_once_as(&self, spec: &RequestSpec, attempt: u32) -> Result<Response, Error> {
        let slot = self.slot().await;
        self.send_in_as(slot, spec, attempt).await
    }

    /// Sends `spec` once in `slot`, which is given back when the answer has
    /// been read.
    pub(crate) async fn send_in(&self, slot: Slot, spec: &RequestSpec) -> Result<Response, Error> {
        self.send_in_as(slot, spec, 1).await
    }

    /// Sends `spec` in `slot` as attempt number `attempt`, in its span. A
    /// provider's token that the server refuses (401) is replaced and the
    /// request sent once more: a 401 proves the server did nothing.
    async fn send_in_as(&self, slot: Slot, spec: &RequestSpec, attempt: u32) -> Result<Response, Error> {
        let span = tracing::debug_span!(
            "ontap.attempt",
            method = %spec.method(),
            path = spec.path_and_query(),
            attempt,
            status = tracing::field::Empty,
        );
        async move {
            let auth = self.authorization().await?;
            let result = self.transmit(&slot, spec, auth.as_ref()).await;
            let refused = matches!(&result, Err(err) if err.status() == Some(http::StatusCode::UNAUTHORIZED));
            let result = match (&self.inner.tokens, auth) {
                (Some(tokens), Some(auth)) if refused => {
                    // The token is replaced, unless another request did so
                    // already; either way this one is sent with the new one.
                    tokens.refused(auth.generation).await;
                    tracing::debug!(token = auth.generation, "token refused; sending again with a new one");
                    let auth = self.authorization().await?;
                    self.transmit(&slot, spec, auth.as_ref()).await
                }
                _ => result,
            };
            drop(slot);
            let status = match &result {
                Ok(response) => Some(response.status()),
                Err(err) => err.status(),
            };
            if let Some(status) = status {
                tracing::Span::current().record("status", status.as_u16());
            }
            result
        }
        .instrument(span)
        .await
    }

    /// The provider's current token as a header, if the connection logs in
    /// with a token provider.
    async fn authorization(&self) -> Result<Option<Authorization>, Error> {
        match &self.inner.tokens {
            Some(tokens) => tokens.current(self.call.timeout).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sends `spec` once, with `auth` when given, and reads its answer.
    async fn transmit(
        &self,
        _slot: &Slot,
        spec: &RequestSpec,
        auth: Option<&Authorization>,
    ) -> Result<Response, Error> {
        let method = spec.method().clone();
        let path = spec.path_and_query();
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self.inner.client.request(method.clone(), &url);
        // The server may hold the answer for `return_timeout` seconds.
        let held = Duration::from_secs(spec.return_timeout().unwrap_or(0).into());
        request = request.timeout(self.call.timeout + held);
        if let Some(auth) = auth {
            request = request.header(AUTHORIZATION, auth.header.clone());
        }
        let secrets = Secrets::new(&self.inner.credentials, auth.map(|a| &a.secret), spec.body());
        if let Some(body) = spec.body() {
            let bytes = serde_json::to_vec(body).map_err(|e| Error::Encode(e.into()))?;
            if tracing::enabled!(tracing::Level::TRACE) {
                tracing::trace!(body = %secrets.mask(&String::from_utf8_lossy(&bytes), false), "request body");
            }
            request = request.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let started = Instant::now();
        let transport = |source| Error::Transport {
            method: method.clone(),
            path: path.to_owned(),
            source: TransportError::new(source),
        };
        let mut reply = match request.send().await {
            Ok(reply) => reply,
            Err(source) => {
                tracing::debug!(%method, path, error = %source, "request failed");
                return Err(transport(source));
            }
        };
        let status = reply.status();
        let headers = reply.headers().clone();
        let announced = reply.content_length();
        let success = status.is_success();
        let limit = if success {
            self.inner.max_body_bytes
        } else {
            ERROR_JSON_LIMIT.min(self.inner.max_body_bytes)
        };
        if success && announced.is_some_and(|n| n > limit as u64) {
            tracing::debug!(%method, path, status = status.as_u16(), announced, "body larger than the limit");
            return Err(Error::BodyTooLarge {
                method,
                path: path.to_owned(),
                status,
                limit,
                announced,
            });
        }
        let capacity = announced.map_or(0, |n| n.min(limit as u64) as usize).min(1 << 20);
        let mut body = BytesMut::with_capacity(capacity);
        let mut complete = false;
        while body.len() <= limit {
            // An error body that is not JSON is read only as far as it is kept.
            if !success && body.len() > RAW_BODY_LIMIT && !looks_like_json(&body) {
                break;
            }
            match reply.chunk().await.map_err(transport)? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => {
                    complete = true;
                    break;
                }
            }
        }
        if !complete && announced == Some(body.len() as u64) {
            // Read to the end, though its end was not waited for.
            complete = true;
        }
        // Dropping an unfinished reply closes its connection.
        drop(reply);
        tracing::debug!(
            %method,
            path,
            status = status.as_u16(),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "ontap request"
        );
        if success && !complete {
            return Err(Error::BodyTooLarge {
                method,
                path: path.to_owned(),
                status,
                limit,
                announced,
            });
        }
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(body = %secrets.mask(&String::from_utf8_lossy(&body), !complete), "response body");
        }
        if success {
            // An echo of the request (the Basic token, or a secret of the
            // body, is in it) is no real answer: masked before anything,
            // a decode error included, can keep it.
            let body = if secrets.found_echo(&body) {
                Bytes::from(secrets.mask(&String::from_utf8_lossy(&body), false).into_bytes())
            } else {
                body.freeze()
            };
            return Ok(Response::new(method, path.to_owned(), status, headers, body));
        }
        let announced = announced.and_then(|n| usize::try_from(n).ok());
        let kept = Kept {
            body: &body,
            complete,
            announced,
        };
        Err(error_from_reply(
            method,
            path.to_owned(),
            status,
            &headers,
            kept,
            &secrets,
        ))
    }
}

/// Whether an error body, by its first character, may be ONTAP's JSON.
fn looks_like_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// As much of an error body as was read.
struct Kept<'a> {
    body: &'a [u8],
    /// Whether it was read to its end.
    complete: bool,
    /// Its `Content-Length`, if the server sent one.
    announced: Option<usize>,
}

/// Turns an error status into the most precise error its body allows.
fn error_from_reply(
    method: http::Method,
    path: String,
    status: http::StatusCode,
    headers: &HeaderMap,
    kept: Kept<'_>,
    secrets: &Secrets,
) -> Error {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: ApiError,
    }
    if kept.complete
        && let Ok(Envelope { mut error }) = serde_json::from_slice::<Envelope>(kept.body)
    {
        secrets.mask_api_error(&mut error);
        return Error::Api {
            method,
            path,
            status,
            error: Box::new(error),
            retry_after: retry_after(headers),
        };
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = RawBody::kept(content_type, kept.body, kept.complete, kept.announced, |text, cut| {
        secrets.mask(&text, cut)
    });
    Error::Http {
        method,
        path,
        status,
        body: Box::new(body),
        retry_after: retry_after(headers),
    }
}

/// The secrets a body kept in an error must not show: the connection's
/// credentials, the request's token, and the secrets of the request's body (the
/// string values of its fields named like `password`, `passphrase`,
/// `secret`, `token`, `key` or `community`, at any depth), each also as
/// written inside a JSON string.
struct Secrets {
    /// Longest first, so that a secret inside another is not half masked.
    values: Vec<String>,
    /// The ones whose presence in a successful answer shows it is an
    /// echo: the Basic token, a bearer token, and the request's secrets of
    /// 8 characters or more (a short password could be part of real data).
    evidence: Vec<usize>,
}

/// The shortest start of a secret masked at the end of a body cut short.
const MIN_SECRET_PREFIX: usize = 3;

impl Secrets {
    fn new(credentials: &[(Secret, bool)], token: Option<&Secret>, body: Option<&serde_json::Value>) -> Secrets {
        let mut found: Vec<(String, bool)> = Vec::new();
        for (credential, evidence) in credentials.iter().chain(token.map(|t| (t.clone(), true)).as_ref()) {
            found.push((credential.expose().to_owned(), *evidence));
        }
        if let Some(body) = body {
            collect_body_secrets(body, false, &mut found);
        }
        let mut values: Vec<(String, bool)> = Vec::new();
        for (value, evidence) in found {
            if value.is_empty() {
                continue;
            }
            // As written inside a JSON string: `"` and `\` escaped.
            let escaped = serde_json::to_string(&value)
                .ok()
                .and_then(|quoted| Some(quoted.strip_prefix('"')?.strip_suffix('"')?.to_owned()));
            if let Some(escaped) = escaped.filter(|escaped| *escaped != value) {
                values.push((escaped, evidence));
            }
            values.push((value, evidence));
        }
        values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        values.dedup_by(|a, b| {
            let same = a.0 == b.0;
            if same {
                b.1 |= a.1;
            }
            same
        });
        let evidence = values
            .iter()
            .enumerate()
            .filter(|(_, (_, evidence))| *evidence)
            .map(|(i, _)| i)
            .collect();
        Secrets {
            values: values.into_iter().map(|(value, _)| value).collect(),
            evidence,
        }
    }

    /// Whether a successful answer repeats what only the request held.
    fn found_echo(&self, body: &[u8]) -> bool {
        if self.evidence.is_empty() {
            return false;
        }
        let text = String::from_utf8_lossy(body);
        self.evidence.iter().any(|&i| text.contains(self.values[i].as_str()))
    }

    /// `text` with every secret masked; when the text was `cut`, also the
    /// start of a secret it ends with.
    fn mask(&self, text: &str, cut: bool) -> String {
        let mut text = text.to_owned();
        for secret in &self.values {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), crate::MASK);
            }
        }
        if cut {
            for secret in &self.values {
                let longest = (1..secret.len())
                    .rev()
                    .filter(|&n| n >= MIN_SECRET_PREFIX.min(secret.len()) && secret.is_char_boundary(n))
                    .find(|&n| text.ends_with(&secret[..n]));
                if let Some(n) = longest {
                    text.truncate(text.len() - n);
                    text.push_str(crate::MASK);
                }
            }
        }
        text
    }

    /// An ONTAP error object with every secret masked.
    fn mask_api_error(&self, error: &mut ApiError) {
        let fields = [&mut error.message, &mut error.code, &mut error.target];
        let arguments = error
            .arguments
            .iter_mut()
            .flat_map(|argument| [&mut argument.code, &mut argument.message]);
        for text in fields.into_iter().chain(arguments).flatten() {
            *text = self.mask(text, false);
        }
    }
}

/// Whether a field of a request body is named like a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "secret", "token", "key", "credential", "community"]
        .iter()
        .any(|word| name.contains(word))
}

/// The string values of `value` that are, or are below, fields named like secrets.
fn collect_body_secrets(value: &serde_json::Value, secret: bool, found: &mut Vec<(String, bool)>) {
    match value {
        serde_json::Value::String(text) if secret => found.push((text.clone(), text.len() >= 8)),
        serde_json::Value::Object(map) => {
            for (name, value) in map {
                collect_body_secrets(value, secret || is_secret_name(name), found);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_body_secrets(item, secret, found);
            }
        }
        _ => {}
    }
}

/// Whether `err` is a TLS certificate that failed verification (or no
/// certificate at all): sending again cannot change it.
pub(crate) fn is_certificate_failure(err: &Error) -> bool {
    let Error::Transport { source, .. } = err else {
        return false;
    };
    let is_certificate = |tls: &rustls::Error| {
        matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::InvalidCertRevocationList(_)
        )
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
    while let Some(current) = cause {
        if current.downcast_ref::<rustls::Error>().is_some_and(is_certificate) {
            return true;
        }
        // `io::Error::source` skips the error it wraps: step into it.
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    false
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

impl HostConnectionBuilder {
    /// Adds a login method, in place of an earlier one of the same kind.
    fn login(mut self, login: Login) -> Self {
        self.logins.retain(|given| given.name() != login.name());
        self.logins.push(login);
        self
    }

    /// The TCP port; 443 for HTTPS and 80 for HTTP when unset.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// `https` (the default) or `http`.
    pub fn scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// HTTP Basic credentials, sent with every request; a second call
    /// replaces the first. One login method per connection: with [`bearer_token`](Self::bearer_token),
    /// [`token_provider`](Self::token_provider) or an `Authorization`
    /// [`header`](Self::header) as well, [`build`](Self::build) fails.
    /// A [client certificate](Self::client_certificate_pem) may go with any.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").basic_auth("admin", "secret").build().unwrap();
    /// # let _ = conn;
    /// ```
    pub fn basic_auth(self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.login(Login::Basic {
            username: username.into(),
            password: password.into(),
        })
    }

    /// Logs in with a fixed OAuth 2.0 access token (ONTAP 9.14.1 and
    /// later), sent as `Authorization: Bearer <token>`. When the token
    /// expires, requests fail with 401: use a
    /// [`token_provider`](Self::token_provider) to have tokens renewed.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").bearer_token("eyJhbGciOi...").build().unwrap();
    /// # let _ = conn;
    /// ```
    pub fn bearer_token(self, token: impl Into<Secret>) -> Self {
        self.login(Login::Bearer(token.into()))
    }

    /// Logs in with bearer tokens from `provider`, which the connection
    /// asks for a token before the first request, again before each token
    /// expires, and once more after the cluster refuses one (401), then
    /// sends the refused request again; see [`TokenProvider`].
    ///
    /// ```
    /// use ontap_core::Token;
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .token_provider(|| async { Ok(Token::new("eyJhbGciOi...")) })
    ///     .build()
    ///     .unwrap();
    /// # let _ = conn;
    /// ```
    pub fn token_provider(self, provider: impl TokenProvider) -> Self {
        self.login(Login::Provider(Arc::new(provider)))
    }

    /// Logs in with a client certificate (ONTAP's `cert` authentication
    /// method): the certificate, or its chain, as PEM, and its private key
    /// as PEM (PKCS#8, PKCS#1 or SEC1). ONTAP takes the account name from
    /// the certificate's common name and trusts the certificate when the
    /// CA that signed it is installed on the cluster as `client-ca`. The
    /// key never prints; a certificate or key that cannot be read makes
    /// [`build`](Self::build) fail.
    ///
    /// ```no_run
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .client_certificate_pem(std::fs::read("admin.pem")?, std::fs::read_to_string("admin.key")?)
    ///     .build()?;
    /// # let _ = conn;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_certificate_pem(mut self, certificate: impl Into<Vec<u8>>, key: impl Into<Secret>) -> Self {
        self.tls.identity = Some((certificate.into(), key.into()));
        self
    }

    /// Whether to verify the server's TLS certificate (true by default).
    /// `false` accepts any certificate, as NetApp's Python examples do
    /// with `verify=False`; prefer
    /// [`verify_host_name(false)`](Self::verify_host_name) with the
    /// cluster's certificate as a root, or
    /// [`pin_certificate_sha256`](Self::pin_certificate_sha256).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").verify(false).build().unwrap();
    /// # let _ = conn;
    /// ```
    pub fn verify(mut self, verify: bool) -> Self {
        self.tls.accept_any = !verify;
        self
    }

    /// Whether the certificate must name the host dialled (true by
    /// default). `false` still verifies the chain to a trusted root
    /// (the system's, or one [added](Self::add_root_certificate_pem)),
    /// its dates and the server's key, but not the name: ONTAP's
    /// self-signed certificates often name the cluster and not the
    /// address a client dials.
    ///
    /// ```no_run
    /// let conn = ontap_core::HostConnection::builder("10.0.0.5")
    ///     .add_root_certificate_pem(std::fs::read("cluster1.pem")?)
    ///     .verify_host_name(false)
    ///     .build()?;
    /// # let _ = conn;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_host_name(mut self, verify: bool) -> Self {
        self.tls.skip_host_name = !verify;
        self
    }

    /// Trusts exactly the certificate whose SHA-256 fingerprint is
    /// `fingerprint` (64 hex digits, `:` between pairs allowed, as
    /// `openssl x509 -noout -fingerprint -sha256` prints it), as SSH's
    /// known hosts do: whoever issued it, whatever names and dates it
    /// carries; the server must still prove it holds its key. Any other
    /// certificate is refused. Call it again to trust several (a
    /// certificate and its renewal). A fingerprint that cannot be read
    /// makes [`build`](Self::build) fail, as does `verify(false)` with a pin.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .pin_certificate_sha256("5E:9C:0A:1D:36:5B:27:8F:7D:4E:2A:11:90:3C:6B:4F:AA:01:BB:02:CC:03:DD:04:EE:05:FF:06:10:07:20:08")
    ///     .build()
    ///     .unwrap();
    /// # let _ = conn;
    /// ```
    pub fn pin_certificate_sha256(mut self, fingerprint: impl Into<String>) -> Self {
        self.tls.pins.push(fingerprint.into());
        self
    }

    /// The rustls crypto provider for this connection's TLS. Without one,
    /// the process default is used when the application installed one, and
    /// else ring's; the process's default is never changed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let conn = ontap_core::HostConnection::builder("cluster").crypto_provider(provider).build().unwrap();
    /// # let _ = conn;
    /// ```
    pub fn crypto_provider(mut self, provider: Arc<rustls::crypto::CryptoProvider>) -> Self {
        self.tls.provider = Some(provider);
        self
    }

    /// Sends every request through the proxy at `url` (`http://` or
    /// `https://`, with `user:password@` for a proxy that asks for a login).
    /// Off by default: no proxy, and the `HTTP_PROXY`-style environment
    /// variables are ignored. The URL is a secret: its password never
    /// prints, and neither does the URL in errors.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .proxy("http://proxy.example.com:3128")
    ///     .build()
    ///     .unwrap();
    /// # let _ = conn;
    /// ```
    pub fn proxy(mut self, url: impl Into<Secret>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Trusts one more certificate authority (PEM), e.g. the cluster's own
    /// self-signed certificate, while keeping verification on. A PEM that
    /// holds no certificate (empty, a key alone) makes
    /// [`build`](HostConnectionBuilder::build) fail.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.roots.push(pem.into());
        self
    }

    /// An extra header sent with every request (`X-Dot-SVM-Name`, say).
    /// An `Authorization` (or `Proxy-Authorization`, `Cookie`) header given
    /// here is sensitive like any login: it never prints, and it is masked
    /// in what an error keeps.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Which failed requests are sent again, how often and after how long
    /// ([`RetryPolicy::default`] unless set); a handle may change it for
    /// some calls ([`HostConnection::with_retry`]).
    ///
    /// ```
    /// use ontap_core::RetryPolicy;
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .retry(RetryPolicy::default().attempts(5).resend_not_performed(true))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(conn.retry_policy().max_attempts(), 5);
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long a request and its retries may take in all (unbounded by
    /// default); see [`HostConnection::with_deadline`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster").deadline(Duration::from_secs(30)).build().unwrap();
    /// assert_eq!(conn.deadline(), Some(Duration::from_secs(30)));
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// How long to wait for a TCP and TLS connection (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all (60 s by default; a request
    /// with `return_timeout=N` gets N seconds more); a handle may change it
    /// for some calls ([`HostConnection::with_timeout`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How often jobs are polled (2 s by default).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// How long jobs are waited for (600 s by default).
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout;
        self
    }

    /// The largest response body read, in bytes (64 MiB by default, far
    /// above the largest real page); a longer one is
    /// [`Error::BodyTooLarge`], at once when the server announces its
    /// length. Error bodies are read only as far as the error keeps them.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .max_body_bytes(8 << 20)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(conn.max_body_bytes(), 8 << 20);
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How many requests may be in flight at once on this connection (8 by
    /// default). A request beyond it waits for a free slot before it is
    /// sent (its time-out starts then); a retry's pause and a poll's
    /// interval hold no slot. Connections are opened only as slots need
    /// them, so the server sees at most this many at once.
    ///
    /// ONTAP serves a client's requests a few at a time and refuses more
    /// when its queue is full; eight keep a cluster busy without that, and
    /// job waits share slots: they are polled together, a hundred to a
    /// request ([`JobLink::wait`](crate::JobLink::wait)).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .max_in_flight(32)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(conn.max_in_flight(), 32);
    /// ```
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests;
        self
    }

    /// The `return_timeout` (in seconds, 0 to 120; 5 by default) sent with a
    /// POST, PATCH or DELETE that may start a job, when the call sets none
    /// and waits for the job: ONTAP then holds its answer until the job
    /// ends, up to that long, so a short job is done in one request. A job
    /// still running then is polled as usual. Only the resources whose
    /// operation allows it are held ([`Resource::HOLD`](crate::Resource::HOLD);
    /// never the software download, which ONTAP has answered 500 when held),
    /// and at most half of the slots hold an answer at once: a request
    /// beyond them is sent without a hold. 0 holds nothing.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .return_timeout(30)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(conn.return_timeout(), 30);
    /// ```
    pub fn return_timeout(mut self, seconds: u32) -> Self {
        self.return_timeout = seconds;
        self
    }

    /// Checks the settings and opens the connection pool (no request is sent).
    ///
    /// TLS uses rustls with the [crypto provider](Self::crypto_provider)
    /// given, else the process default, else ring's, without installing
    /// any as the default.
    pub fn build(self) -> Result<HostConnection, Error> {
        let host = normalize_host(&self.host)?;
        let port = match self.port {
            Some(0) => return Err(Error::Config("port 0 is not a usable port".into())),
            Some(port) => format!(":{port}"),
            None => String::new(),
        };
        let base = format!("{}://{host}{port}/api", self.scheme.as_str());
        reqwest::Url::parse(&base).map_err(|e| Error::Config(format!("`{}` is not a usable host: {e}", self.host)))?;
        if self.poll_interval.is_zero() {
            return Err(Error::Config("poll_interval must be above zero".into()));
        }
        if self.max_body_bytes == 0 {
            return Err(Error::Config("max_body_bytes must be above zero".into()));
        }
        if self.max_in_flight == 0 || self.max_in_flight > Semaphore::MAX_PERMITS {
            return Err(Error::Config(format!(
                "max_in_flight must be between 1 and {}",
                Semaphore::MAX_PERMITS
            )));
        }
        if self.return_timeout > 120 {
            return Err(Error::Config(format!(
                "return_timeout is {} s; ONTAP takes 0 to 120",
                self.return_timeout
            )));
        }

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/hal+json"));
        headers.insert(
            HeaderName::from_static("x-dot-client-app"),
            HeaderValue::from_static(CLIENT_APP),
        );
        headers.insert(USER_AGENT, HeaderValue::from_static(CLIENT_APP));
        let mut credentials: Vec<(Secret, bool)> = Vec::new();
        let mut logins: Vec<&'static str> = self.logins.iter().map(Login::name).collect();
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
            let mut value = HeaderValue::try_from(value.as_str())
                .map_err(|_| Error::Config(format!("the value of header `{name}` is not valid")))?;
            if is_sensitive_header(&name) {
                value.set_sensitive(true);
                if let Ok(text) = value.to_str() {
                    // The whole value, and its credentials after the scheme.
                    credentials.push((Secret::from(text), true));
                    if let Some((_, token)) = text.split_once(' ') {
                        credentials.push((Secret::from(token.trim()), true));
                    }
                }
                // A second Authorization header replaces the first, as
                // any header does.
                if name == AUTHORIZATION && !logins.contains(&"an Authorization header") {
                    logins.push("an Authorization header");
                }
            }
            headers.insert(name, value);
        }
        if logins.len() > 1 {
            return Err(Error::Config(format!(
                "one login method per connection; given: {}",
                logins.join(", ")
            )));
        }
        let mut tokens = None;
        match self.logins.into_iter().next() {
            None => {}
            Some(Login::Basic { username, password }) => {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", password.expose()));
                let mut value = HeaderValue::try_from(format!("Basic {token}"))
                    .map_err(|_| Error::Config("the credentials cannot be sent in a header".into()))?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
                credentials.push((password, false));
                credentials.push((Secret::from(token), true));
            }
            Some(Login::Bearer(token)) => {
                let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
                    .map_err(|_| Error::Config("the token cannot be sent in a header".into()))?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
                credentials.push((token, true));
            }
            Some(Login::Provider(provider)) => tokens = Some(TokenCache::new(provider)),
        }

        let tls = self.tls.client_config()?;
        let mut client = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls);
        client = match &self.proxy {
            None => client.no_proxy(),
            Some(url) => {
                let parsed = reqwest::Url::parse(url.expose())
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| Error::Config("the proxy is not an http:// or https:// URL with a host".into()))?;
                if let Some(password) = parsed.password() {
                    credentials.push((Secret::from(password), false));
                }
                credentials.push((url.clone(), false));
                let proxy =
                    reqwest::Proxy::all(parsed).map_err(|_| Error::Config("the proxy URL cannot be used".into()))?;
                client.proxy(proxy)
            }
        };
        let client = client
            .build()
            .map_err(|e| Error::Config(format!("cannot open the connection pool: {e}")))?;
        let defaults = Arc::new(CallSettings {
            timeout: self.request_timeout,
            deadline: self.deadline,
            retry: self.retry,
        });
        Ok(HostConnection {
            call: defaults.clone(),
            inner: Arc::new(Inner {
                client,
                base,
                defaults,
                tokens,
                poll_interval: self.poll_interval,
                poll_timeout: self.poll_timeout,
                max_body_bytes: self.max_body_bytes,
                credentials,
                max_in_flight: self.max_in_flight,
                slots: Arc::new(Semaphore::new(self.max_in_flight)),
                holds: Semaphore::new(self.max_in_flight.div_ceil(2)),
                return_timeout: self.return_timeout,
                jobs: crate::batch::JobBatcher::default(),
            }),
        })
    }
}

/// Brackets IPv6 addresses and refuses what is not a host.
fn normalize_host(host: &str) -> Result<String, Error> {
    let host = host.trim();
    if host.is_empty() {
        return Err(Error::Config("the host is empty".into()));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inner.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => Ok(host.to_owned()),
            _ => Err(Error::Config(format!("`{host}` is not an IPv6 address"))),
        };
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(addr)) => return Ok(format!("[{addr}]")),
        Ok(IpAddr::V4(addr)) => return Ok(addr.to_string()),
        Err(_) => {}
    }
    let valid = host.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !valid {
        return Err(Error::Config(format!(
            "`{host}` is not a host name or IP address (give the host alone, without scheme, port or path)"
        )));
    }
    Ok(host.to_owned())
}

/// Whether a header carries a login: its value never prints.
fn is_sensitive_header(name: &HeaderName) -> bool {
    *name == AUTHORIZATION || *name == http::header::PROXY_AUTHORIZATION || *name == http::header::COOKIE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("::1").unwrap(), "[::1]");
        assert_eq!(normalize_host("[fe80::1]").unwrap(), "[fe80::1]");
        assert_eq!(normalize_host("10.1.2.3").unwrap(), "10.1.2.3");
        assert_eq!(
            normalize_host("cluster-1.example.com").unwrap(),
            "cluster-1.example.com"
        );
        assert!(normalize_host("https://cluster").is_err());
        assert!(normalize_host("cluster:443").is_err());
        assert!(normalize_host("").is_err());
        assert!(normalize_host("[10.0.0.1]").is_err());
    }

    #[test]
    fn base_url_brackets_ipv6_and_keeps_scheme() {
        let conn = HostConnection::builder("::1")
            .scheme(Scheme::Http)
            .port(8080)
            .build()
            .unwrap();
        assert_eq!(conn.base_url(), "http://[::1]:8080/api");
    }

    #[test]
    fn secrets_are_masked_whole_escaped_and_cut() {
        let credentials = [
            (Secret::from("pa\"ss-word"), false),
            (Secret::from("dG9rZW4tdG9rZW4="), true),
        ];
        let body = serde_json::json!({
            "url": "http://server/p",
            "password": "download-secret",
            "nested": {"auth": [{"passphrase": "phrase1"}], "name": "n"},
            "community": "",
        });
        let secrets = Secrets::new(&credentials, None, Some(&body));
        let text =
            r#"Basic dG9rZW4tdG9rZW4= {"password":"download-secret","x":"pa\"ss-word","p":"phrase1","name":"n"}"#;
        assert_eq!(
            secrets.mask(text, false),
            r#"Basic ********* {"password":"*********","x":"*********","p":"*********","name":"n"}"#
        );
        // A body cut inside a secret: its start is masked too.
        assert_eq!(secrets.mask("token: dG9rZW4t", true), "token: *********");
        assert_eq!(secrets.mask("token: dG9rZW4t", false), "token: dG9rZW4t");
        assert_eq!(
            secrets.mask("ends in dG", true),
            "ends in dG",
            "two characters are no secret"
        );
        // The Basic token and long body secrets show an echo; data does not.
        assert!(secrets.found_echo(b"authorization: Basic dG9rZW4tdG9rZW4="));
        assert!(secrets.found_echo(br#"{"password": "download-secret"}"#));
        assert!(!secrets.found_echo(br#"{"name": "phrase1 is short", "x": "pa\"ss-word"}"#));

        let mut error = ApiError {
            message: Some("bad value download-secret".into()),
            target: Some("password=download-secret".into()),
            arguments: vec![crate::ErrorArgument {
                code: None,
                message: Some("download-secret".into()),
            }],
            ..Default::default()
        };
        secrets.mask_api_error(&mut error);
        assert_eq!(error.message.as_deref(), Some("bad value *********"));
        assert_eq!(error.target.as_deref(), Some("password=*********"));
        assert_eq!(error.arguments[0].message.as_deref(), Some("*********"));
    }

    #[test]
    fn builder_refuses_bad_headers() {
        let err = HostConnection::builder("h")
            .header("bad header", "x")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("bad header"), "{err}");
    }

    #[test]
    fn one_login_method_per_connection_and_a_second_call_replaces_the_first() {
        let built = |b: HostConnectionBuilder| b.build().map(|_| ()).map_err(|e| e.to_string());
        let b = || HostConnection::builder("cluster");
        assert!(built(b().basic_auth("a", "1").basic_auth("b", "2")).is_ok());
        assert!(built(b().bearer_token("t1").bearer_token("t2")).is_ok());
        assert!(
            built(
                b().header("Authorization", "Bearer a")
                    .header("Authorization", "Bearer b")
            )
            .is_ok()
        );
        let err = built(b().basic_auth("a", "1").header("authorization", "Bearer t")).unwrap_err();
        assert!(err.contains("basic_auth, an Authorization header"), "{err}");
        let err = built(
            b().bearer_token("t")
                .token_provider(|| async { Ok(crate::Token::new("u")) }),
        )
        .unwrap_err();
        assert!(err.contains("bearer_token, token_provider"), "{err}");
    }
}
