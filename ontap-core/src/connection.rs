//! The connection to one cluster, and the one layer that sends requests.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use crate::Secret;
use crate::error::{ApiError, Error, RAW_BODY_LIMIT, RawBody, TransportError};
use crate::request::RequestSpec;
use crate::response::Response;

/// How this library names itself in `X-Dot-Client-App` and `User-Agent`.
pub const CLIENT_APP: &str = concat!("ontap-rs/", env!("CARGO_PKG_VERSION"));

/// How many times an idempotent request is sent again after a retryable failure.
const MAX_RETRIES: u32 = 2;
/// The longest `Retry-After` that is honoured; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
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
}

pub(crate) struct Inner {
    client: reqwest::Client,
    /// `https://host:port/api`
    base: String,
    request_timeout: Duration,
    poll_interval: Duration,
    poll_timeout: Duration,
    max_body_bytes: usize,
    /// The password and the Basic token: masked in every body an error keeps.
    credentials: Vec<Secret>,
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
    username: Option<String>,
    password: Option<Secret>,
    verify: bool,
    root_certificates: Vec<Vec<u8>>,
    headers: Vec<(String, String)>,
    connect_timeout: Duration,
    request_timeout: Duration,
    poll_interval: Duration,
    poll_timeout: Duration,
    max_body_bytes: usize,
    max_in_flight: usize,
    return_timeout: u32,
}

impl HostConnection {
    /// Starts the settings for `host`: a DNS name, an IPv4 address, or an
    /// IPv6 address (with or without brackets).
    pub fn builder(host: impl Into<String>) -> HostConnectionBuilder {
        HostConnectionBuilder {
            host: host.into(),
            port: None,
            scheme: Scheme::Https,
            username: None,
            password: None,
            verify: true,
            root_certificates: Vec::new(),
            headers: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
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
    /// [`Error::Api`] or [`Error::Http`]. Idempotent requests are sent again
    /// (at most twice more) after a connection failure, a time-out, 429, 502,
    /// 503 or 504; others are sent once. A certificate that fails
    /// verification is final at once: it is not sent again.
    ///
    /// A body is read up to [`HostConnectionBuilder::max_body_bytes`]; a
    /// longer one is [`Error::BodyTooLarge`]. An error body is read only as
    /// far as the error keeps it (2 KiB, or 64 KiB of JSON for ONTAP's error
    /// object). Every body an error keeps has the connection's password and
    /// Basic token, and the secrets of the request's body, masked.
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
        let mut attempt = 0;
        loop {
            let result = self.send_once(spec).await;
            let delay = match &result {
                Err(err)
                    if spec.is_idempotent()
                        && attempt < MAX_RETRIES
                        && err.is_retryable()
                        && !is_certificate_failure(err) =>
                {
                    retry_delay(attempt, result.as_ref().err().and_then(Error::retry_after))
                }
                _ => None,
            };
            match delay {
                Some(delay) => {
                    tracing::debug!(
                        method = %spec.method(),
                        path = spec.path_and_query(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                None => return result,
            }
        }
    }

    /// Sends `spec` once, when a slot is free: no retry.
    pub(crate) async fn send_once(&self, spec: &RequestSpec) -> Result<Response, Error> {
        let slot = self.slot().await;
        self.send_in(slot, spec).await
    }

    /// Sends `spec` once in `slot`, which is given back when the answer has
    /// been read.
    pub(crate) async fn send_in(&self, slot: Slot, spec: &RequestSpec) -> Result<Response, Error> {
        let method = spec.method().clone();
        let path = spec.path_and_query();
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self.inner.client.request(method.clone(), &url);
        if let Some(seconds) = spec.return_timeout() {
            // The server may hold the answer for `return_timeout` seconds.
            request = request.timeout(self.inner.request_timeout + Duration::from_secs(seconds.into()));
        }
        if let Some(body) = spec.body() {
            let bytes = serde_json::to_vec(body).map_err(|e| Error::Encode(e.into()))?;
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
        drop(slot);
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
        let secrets = Secrets::new(&self.inner.credentials, spec.body());
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
/// password and Basic token, and the secrets of the request's body (the
/// string values of its fields named like `password`, `passphrase`,
/// `secret`, `token`, `key` or `community`, at any depth), each also as
/// written inside a JSON string.
struct Secrets {
    /// Longest first, so that a secret inside another is not half masked.
    values: Vec<String>,
    /// The ones whose presence in a successful answer shows it is an
    /// echo: the Basic token, and the request's secrets of 8 characters
    /// or more (a short password could be part of real data).
    evidence: Vec<usize>,
}

/// The shortest start of a secret masked at the end of a body cut short.
const MIN_SECRET_PREFIX: usize = 3;

impl Secrets {
    fn new(credentials: &[Secret], body: Option<&serde_json::Value>) -> Secrets {
        let mut found: Vec<(String, bool)> = Vec::new();
        for (i, credential) in credentials.iter().enumerate() {
            // The token (the second credential) is evidence of an echo.
            found.push((credential.expose().to_owned(), i == 1));
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

/// The pause before retry number `attempt + 1`, or `None` to stop: the
/// server's `Retry-After` when it gave one (up to 10 s), else 250 ms, 500 ms.
fn retry_delay(attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
    match retry_after {
        Some(wait) if wait > MAX_RETRY_AFTER => None,
        Some(wait) => Some(wait),
        None => Some(Duration::from_millis(250 << attempt)),
    }
}

impl HostConnectionBuilder {
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

    /// HTTP Basic credentials, sent with every request.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// Whether to verify the server's TLS certificate (true by default).
    /// `false` accepts a self-signed certificate, as NetApp's Python
    /// examples do with `verify=False`.
    pub fn verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// Trusts one more certificate authority (PEM), e.g. the cluster's own
    /// self-signed certificate, while keeping verification on. A PEM that
    /// holds no certificate (empty, a key alone) makes
    /// [`build`](HostConnectionBuilder::build) fail.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// An extra header sent with every request (`X-Dot-SVM-Name`, say).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// How long to wait for a TCP and TLS connection (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all (60 s by default; a request
    /// with `return_timeout=N` gets N seconds more).
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
    /// TLS uses rustls with the ring crypto provider, installed as rustls'
    /// process-wide default when the application has not installed one.
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
        for (name, value) in &self.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| Error::Config(format!("the value of header `{name}` is not valid")))?;
            headers.insert(name, value);
        }
        let mut credentials = Vec::new();
        if let Some(username) = &self.username {
            let password = self.password.as_ref().map_or("", Secret::expose);
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
            credentials = vec![Secret::from(password), Secret::from(token.as_str())];
            let mut value = HeaderValue::try_from(format!("Basic {token}"))
                .map_err(|_| Error::Config("the credentials cannot be sent in a header".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }

        install_crypto_provider();
        let mut client = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tls_danger_accept_invalid_certs(!self.verify);
        if !self.root_certificates.is_empty() {
            let mut certs = Vec::new();
            for (i, pem) in self.root_certificates.iter().enumerate() {
                let found = reqwest::Certificate::from_pem_bundle(pem)
                    .map_err(|e| Error::Config(format!("a root certificate is not valid PEM: {e}")))?;
                if found.is_empty() {
                    return Err(Error::Config(format!(
                        "root certificate #{} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
                        i + 1
                    )));
                }
                certs.extend(found);
            }
            client = client.tls_certs_merge(certs);
        }
        let client = client
            .build()
            .map_err(|e| Error::Config(format!("cannot open the connection pool: {e}")))?;
        Ok(HostConnection {
            inner: Arc::new(Inner {
                client,
                base,
                request_timeout: self.request_timeout,
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

/// reqwest is built without a TLS crypto provider of its own; ring is
/// installed as the process default unless the application chose one.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An `Err` means another thread installed one first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
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
    fn retry_delays_back_off_and_honour_retry_after() {
        assert_eq!(retry_delay(0, None), Some(Duration::from_millis(250)));
        assert_eq!(retry_delay(1, None), Some(Duration::from_millis(500)));
        assert_eq!(
            retry_delay(0, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(retry_delay(0, Some(Duration::from_secs(60))), None);
    }

    #[test]
    fn secrets_are_masked_whole_escaped_and_cut() {
        let credentials = [Secret::from("pa\"ss-word"), Secret::from("dG9rZW4tdG9rZW4=")];
        let body = serde_json::json!({
            "url": "http://server/p",
            "password": "download-secret",
            "nested": {"auth": [{"passphrase": "phrase1"}], "name": "n"},
            "community": "",
        });
        let secrets = Secrets::new(&credentials, Some(&body));
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
}
