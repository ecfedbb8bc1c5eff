//! The accept loop: TCP (with TCP_NODELAY), optional TLS (with an optional client
//! certificate), HTTP/1.1, then per request the transport limits, the login, the
//! endpoints under `/sim` (`/sim/requests`, `/sim/connections`, `/sim/tokens`), the request
//! log, the fault injector, the refusal of requests that did not log in, and the router.
//! The accept loop counts connections ([`Connections`]).
//!
//! # Transport limits
//!
//! | What | Limit | Answer |
//! | --- | --- | --- |
//! | the request head (request line and headers) | [`DEFAULT_HEADER_TIMEOUT`] (10 s) from the moment the connection waits for a request, idle keep-alive time included | the connection is closed; first a 408 with an ONTAP body when part of a request had arrived |
//! | a pause while the body arrives | [`DEFAULT_BODY_TIMEOUT`] (30 s) between two pieces | 408 with an ONTAP body, connection closed |
//! | the request target (URI) | [`MAX_URI_LEN`] (8 KiB) | 414 with an ONTAP body |
//! | the header fields, together | [`MAX_HEADER_BYTES`] (64 KiB) | 431 with an ONTAP body |
//! | the body | [`BODY_LIMIT`] (2 MiB); a multipart form (an upload) [`UPLOAD_LIMIT`] (64 MiB) | 400 code `2` |
//!
//! The ONTAP bodies are `{"error": {"message", "code": "2"}}`, 2-space indented.
//!
//! # What hyper answers itself
//!
//! hyper parses the request head and answers what it cannot parse before any service
//! sees the request, with an empty body: a malformed request line or header field (400),
//! a URI over 65,534 bytes (414), a head larger than its buffer ([`HYPER_MAX_BUF`],
//! 256 KiB) or with more than 100 header fields (431). hyper 1 offers no hook for those
//! answers (`Server::on_error` in its h1 role writes them straight into the connection,
//! then ends it with the parse error), and replacing them would take a parser of our own
//! in front of hyper's, which this module deliberately does not have. The limits of the
//! table sit below hyper's, so that a realistic oversized request gets the ONTAP body;
//! hyper's 100-field limit stays because raising it makes hyper allocate the header
//! array on the heap for every request.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::auth::{Accepted, ClientCa, Refused, fingerprint};
use crate::error::{Refusal, codes, error_body};
use crate::faults::FaultAction;
use crate::http::{json_response, wants_hal};
use crate::requests::{RequestFile, json_array};
use crate::state::Shared;

/// How long the request head may take by default (see [`Options::read_timeout`]).
pub(crate) const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest pause while a request body arrives, by default.
pub(crate) const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest request target (path and query, as sent) answered normally; a longer one
/// gets 414 with an ONTAP body. Common servers' limit (Apache's is 8,190).
pub(crate) const MAX_URI_LEN: usize = 8 * 1024;

/// The largest header section (every `name: value` line with its CRLF) answered normally;
/// a larger one gets 431 with an ONTAP body.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;

/// hyper's read buffer limit: above it hyper answers 431 itself (empty body), so it sits
/// well above [`MAX_URI_LEN`] + [`MAX_HEADER_BYTES`] (hyper's default is about 400 KiB).
pub(crate) const HYPER_MAX_BUF: usize = 256 * 1024;

/// The request log endpoint, outside `/api` (see [`RecordedRequest`](crate::RecordedRequest)).
const REQUEST_LOG_PATH: &str = "/sim/requests";

/// The connection statistics endpoint, outside `/api` (see [`ConnectionStats`]).
const CONNECTIONS_PATH: &str = "/sim/connections";

/// The token endpoint, outside `/api` (see [`Simulator::issue_token`](crate::Simulator::issue_token)).
const TOKENS_PATH: &str = "/sim/tokens";

/// How many TCP connections the simulator accepted and how many are open, as
/// [`Simulator::connections`](crate::Simulator::connections) returns them: so that a test
/// or a benchmark can check that a client reuses its connections (keep-alive) or opens no
/// more than it should.
///
/// A connection counts from the moment it is accepted until the simulator is done with it
/// (the client or the server closed it, or the TLS handshake failed), whether it carried
/// one request, many, or none. The counts are kept with atomic counters: reading them
/// costs nothing the server notices, and they may be read while connections come and go.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// use ontap_sim::{ConnectionStats, Simulator};
///
/// let sim = Simulator::builder().tls(false).start().await?;
/// assert_eq!(sim.connections(), ConnectionStats::default());
/// let http = reqwest::Client::new();
/// http.get(format!("{}/api/cluster", sim.base_url()))
///     .basic_auth(sim.username(), Some(sim.password()))
///     .send()
///     .await?
///     .text()
///     .await?;
/// // The client keeps its connection open (keep-alive) for the next request.
/// assert_eq!(sim.connections(), ConnectionStats { accepted: 1, open: 1, peak_open: 1 });
/// # Ok(())
/// # }
/// ```
///
/// # From outside the process
///
/// With the same logins as the API (401 without one):
///
/// - `GET /sim/connections` answers 200 with `{"accepted", "open", "peak_open"}` (the
///   connection that carries this request is one of them);
/// - `DELETE /sim/connections` answers the same object, then sets `accepted` to 0 and
///   `peak_open` to the number of connections open now (so "read and reset" is one step).
///
/// As for `/sim/requests`: any query parameter answers 400 code `262179`, another method
/// 405 code `3` (with `Allow: GET, DELETE`); these requests are not recorded in the
/// request log and no [`Fault`](crate::Fault) applies to them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
/// let http = reqwest::Client::new();
/// let url = format!("{}/sim/connections", sim.base_url());
/// let text = http.get(&url).basic_auth(sim.username(), Some(sim.password())).send().await?.text().await?;
/// let stats: serde_json::Value = serde_json::from_str(&text)?;
/// assert_eq!(stats, serde_json::json!({"accepted": 1, "open": 1, "peak_open": 1}));
/// http.delete(&url).basic_auth(sim.username(), Some(sim.password())).send().await?;
/// assert_eq!(sim.connections().accepted, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ConnectionStats {
    /// The connections accepted since the start (or the last `DELETE /sim/connections`).
    pub accepted: u64,
    /// The connections open now.
    pub open: u64,
    /// The most connections open at the same time since the start (or since the last
    /// `DELETE /sim/connections`, which restarts it at the number open then).
    pub peak_open: u64,
}

/// The connection counters of one simulator (see [`ConnectionStats`]).
#[derive(Debug, Default)]
pub(crate) struct Connections {
    accepted: AtomicU64,
    open: AtomicU64,
    peak_open: AtomicU64,
}

impl Connections {
    /// Counts a connection just accepted; it stays open until the guard is dropped.
    fn opened(shared: &Arc<Shared>) -> OpenConnection {
        let c = &shared.connections;
        c.accepted.fetch_add(1, Ordering::Relaxed);
        let open = c.open.fetch_add(1, Ordering::Relaxed) + 1;
        c.peak_open.fetch_max(open, Ordering::Relaxed);
        OpenConnection(shared.clone())
    }

    /// The counts now.
    pub fn stats(&self) -> ConnectionStats {
        let open = self.open.load(Ordering::Relaxed);
        ConnectionStats {
            accepted: self.accepted.load(Ordering::Relaxed),
            open,
            // A connection counted open but not yet in the peak is a peak already.
            peak_open: self.peak_open.load(Ordering::Relaxed).max(open),
        }
    }

    /// Sets `accepted` to 0 and the peak to the connections open now; answers the counts
    /// before.
    pub fn reset(&self) -> ConnectionStats {
        let open = self.open.load(Ordering::Relaxed);
        ConnectionStats {
            accepted: self.accepted.swap(0, Ordering::Relaxed),
            open,
            peak_open: self.peak_open.swap(open, Ordering::Relaxed).max(open),
        }
    }
}

/// One open connection: counted as closed when its task drops it (at its end, or when it
/// is aborted).
struct OpenConnection(Arc<Shared>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The transport settings of the builder ([`SimulatorBuilder::read_timeout`] and
/// [`SimulatorBuilder::request_log_file`]), before start.
///
/// [`SimulatorBuilder::read_timeout`]: crate::SimulatorBuilder::read_timeout
/// [`SimulatorBuilder::request_log_file`]: crate::SimulatorBuilder::request_log_file
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// How long the request head may take; zero: no limit.
    pub header_timeout: Duration,
    /// The longest pause while a body arrives; zero: no limit.
    pub body_timeout: Duration,
    /// The file every request is appended to, one JSON line each.
    pub request_log_file: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            request_log_file: None,
        }
    }
}

impl Options {
    /// Sets both timeouts (zero turns both off).
    pub fn read_timeout(&mut self, timeout: Duration) {
        self.header_timeout = timeout;
        self.body_timeout = timeout;
    }

    /// Opens the request log file, if any: the settings [`serve`] runs with.
    pub fn open(self) -> io::Result<Transport> {
        // Zero: no limit; above a year, a year (hyper adds it to `Instant::now()`).
        let nonzero = |d: Duration| (!d.is_zero()).then(|| d.min(Duration::from_secs(365 * 86_400)));
        Ok(Transport {
            header_timeout: nonzero(self.header_timeout),
            body_timeout: nonzero(self.body_timeout),
            file: self.request_log_file.as_deref().map(RequestFile::open).transpose()?,
        })
    }
}

/// The transport settings in force (from [`Options::open`]).
#[derive(Debug)]
pub(crate) struct Transport {
    header_timeout: Option<Duration>,
    body_timeout: Option<Duration>,
    file: Option<RequestFile>,
}

/// The server's TLS settings and certificate, from [`self_signed_tls`].
pub(crate) struct Tls {
    pub acceptor: TlsAcceptor,
    pub certificate_pem: String,
    /// The SHA-256 of the certificate's DER, as `AA:BB:...`.
    pub certificate_sha256: String,
}

/// Whether a certificate can name this: an IP address, or a DNS name (a leading `*.`
/// wildcard label allowed).
fn valid_certificate_name(name: &str) -> bool {
    let host = name.strip_prefix("*.").unwrap_or(name);
    name.parse::<IpAddr>().is_ok() || rustls::pki_types::DnsName::try_from(host).is_ok()
}

/// Creates the self-signed certificate and the TLS acceptor.
///
/// The certificate names `names` (subject alternative names) with its first name as CN,
/// as ONTAP's self-signed certificates name the cluster; without `names`, `localhost`,
/// `127.0.0.1`, `::1` and the listening address, with rcgen's default subject. With
/// `client_ca`, the server asks clients for a certificate signed by it (optional: clients
/// without one are let in).
pub(crate) fn self_signed_tls(
    listen: IpAddr,
    names: Option<&[String]>,
    client_ca: Option<&ClientCa>,
) -> io::Result<Tls> {
    let params = match names {
        Some(names) => {
            if let Some(bad) = names.iter().find(|n| !valid_certificate_name(n)) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("\"{bad}\" is neither an IP address nor a DNS name, so no certificate can name it"),
                ));
            }
            let mut params = rcgen::CertificateParams::new(names.to_vec())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("invalid certificate name: {e}")))?;
            if let Some(first) = names.first() {
                params.distinguished_name = rcgen::DistinguishedName::new();
                params
                    .distinguished_name
                    .push(rcgen::DnType::CommonName, first.as_str());
            }
            params
        }
        None => {
            let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
            if !listen.is_unspecified() && !listen.is_loopback() {
                names.push(listen.to_string());
            }
            rcgen::CertificateParams::new(names).map_err(io::Error::other)?
        }
    };
    let key = rcgen::KeyPair::generate().map_err(io::Error::other)?;
    let cert = params.self_signed(&key).map_err(io::Error::other)?;
    let cert_der = cert.der().clone();
    let key_der =
        rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?;
    let builder = match client_ca {
        Some(ca) => builder.with_client_cert_verifier(ca.verifier(provider)?),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(vec![cert_der.clone()], key_der)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_pem: cert.pem(),
        certificate_sha256: fingerprint(&cert_der),
    })
}

/// The error that makes hyper close a connection without answering (injected fault).
#[derive(Debug)]
pub(crate) struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// The largest request body the simulator reads (as axum's default limit).
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest multipart form (an upload) the simulator reads.
pub(crate) const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// The most the simulator reads of a request with these headers: [`UPLOAD_LIMIT`] for a
/// multipart form, else [`BODY_LIMIT`].
pub(crate) fn body_limit(headers: &HeaderMap) -> usize {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if multipart { UPLOAD_LIMIT } else { BODY_LIMIT }
}

/// An ONTAP error body for a transport-level refusal; the connection closes after it.
fn refuse(status: StatusCode, message: String, headers: &HeaderMap) -> Response {
    let mut resp = Refusal::new(status, codes::INVALID_ARGUMENT, message).response(wants_hal(headers));
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// 414 or 431 with an ONTAP body when the request target or the header section is over
/// its limit ([`MAX_URI_LEN`], [`MAX_HEADER_BYTES`]).
fn check_head(req: &Request<Incoming>) -> Option<Response> {
    let uri = req.uri();
    let uri_len = uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URI_LEN {
        let message = format!("The request URI is {uri_len} bytes long; the limit is {MAX_URI_LEN} bytes.");
        return Some(refuse(StatusCode::URI_TOO_LONG, message, req.headers()));
    }
    // Each field as sent: name, ": ", value, CRLF.
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        let message =
            format!("The request header fields are {header_bytes} bytes long; the limit is {MAX_HEADER_BYTES} bytes.");
        return Some(refuse(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            message,
            req.headers(),
        ));
    }
    None
}

/// Why a request body could not be read.
enum BodyError {
    /// Nothing arrived for this long.
    Timeout(Duration),
    /// Over [`BODY_LIMIT`].
    TooLarge,
    /// The client broke the transfer.
    Broken(hyper::Error),
}

impl BodyError {
    fn response(&self, headers: &HeaderMap) -> Response {
        let message = match self {
            BodyError::Timeout(idle) => {
                let message = format!("The request body stopped arriving: nothing received for {idle:?}.");
                return refuse(StatusCode::REQUEST_TIMEOUT, message, headers);
            }
            BodyError::TooLarge => "length limit exceeded".to_owned(),
            BodyError::Broken(e) => e.to_string(),
        };
        Refusal::bad_request(
            codes::INVALID_ARGUMENT,
            format!("Invalid JSON in the request body: Failed to buffer the request body: {message}."),
        )
        .response(wants_hal(headers))
    }
}

/// Reads the whole body, at most `limit`, each piece within `idle`.
async fn read_body(mut body: Incoming, idle: Option<Duration>, limit: usize) -> Result<Bytes, BodyError> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut len = 0;
    loop {
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        let frame = match idle {
            Some(idle) => tokio::time::timeout(idle, next)
                .await
                .map_err(|_| BodyError::Timeout(idle))?,
            None => next.await,
        };
        match frame {
            None => break,
            Some(Err(e)) => return Err(BodyError::Broken(e)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    len += data.len();
                    if len > limit {
                        return Err(BodyError::TooLarge);
                    }
                    chunks.push(data);
                }
            }
        }
    }
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => Bytes::from(chunks.concat()),
    })
}

/// Reads the body and records the request in the request log (and its file), with the
/// login it made (`None`: refused).
async fn read(
    shared: &Shared,
    transport: &Transport,
    req: Request<Incoming>,
    login: Option<&Accepted>,
) -> Result<Request<Body>, Response> {
    let (parts, body) = req.into_parts();
    let file = transport.file.as_ref();
    let recording = shared.requests.enabled() || file.is_some();
    match read_body(body, transport.body_timeout, body_limit(&parts.headers)).await {
        Ok(bytes) => {
            if recording {
                shared.requests.record(file, &parts.method, &parts.uri, &bytes, login);
            }
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        Err(e) => {
            if recording {
                shared.requests.record(file, &parts.method, &parts.uri, b"", login);
            }
            Err(e.response(&parts.headers))
        }
    }
}

/// The answers of the endpoints under `/sim`.
enum SimEndpoint {
    /// `/sim/requests`: `GET` (the log as a JSON array) and `DELETE` (empties it, answering
    /// what it held).
    Requests,
    /// `/sim/connections`: `GET` (the counts) and `DELETE` (resets them, answering the
    /// counts before).
    Connections,
    /// `/sim/tokens`: `POST` issues a bearer token, for the Basic credentials only.
    Tokens,
}

impl SimEndpoint {
    fn of(path: &str) -> Option<SimEndpoint> {
        match path {
            REQUEST_LOG_PATH => Some(SimEndpoint::Requests),
            CONNECTIONS_PATH => Some(SimEndpoint::Connections),
            TOKENS_PATH => Some(SimEndpoint::Tokens),
            _ => None,
        }
    }

    fn path(&self) -> &'static str {
        match self {
            SimEndpoint::Requests => REQUEST_LOG_PATH,
            SimEndpoint::Connections => CONNECTIONS_PATH,
            SimEndpoint::Tokens => TOKENS_PATH,
        }
    }

    /// The methods it serves, as `Allow` names them.
    fn allow(&self) -> &'static str {
        match self {
            SimEndpoint::Requests | SimEndpoint::Connections => "GET, DELETE",
            SimEndpoint::Tokens => "POST",
        }
    }

    /// Answers a request: `GET` (or `HEAD`) and `DELETE` with any login the API takes,
    /// `POST /sim/tokens` with the Basic credentials only; no faults, not recorded.
    async fn respond(
        &self,
        shared: &Shared,
        transport: &Transport,
        login: Result<Accepted, Refused>,
        req: Request<Incoming>,
    ) -> Response {
        let tokens = matches!(self, SimEndpoint::Tokens);
        if tokens {
            if !shared.logins.basic(req.headers()) {
                return Refused::Basic.response();
            }
        } else if let Err(refused) = login {
            return refused.response();
        }
        let hal = wants_hal(req.headers());
        let query = req.uri().query().unwrap_or_default();
        if let Some((name, _)) = url::form_urlencoded::parse(query.as_bytes()).next() {
            return Refusal::unexpected_argument(&name).response(hal);
        }
        let method = req.method().clone();
        let delete = match (&method, tokens) {
            (&Method::GET | &Method::HEAD, false) => false,
            (&Method::DELETE, false) => true,
            (&Method::POST, true) => {
                let (parts, body) = req.into_parts();
                return match read_body(body, transport.body_timeout, BODY_LIMIT).await {
                    Ok(bytes) => shared.logins.token_endpoint(&bytes, hal),
                    Err(e) => e.response(&parts.headers),
                };
            }
            (method, _) => {
                let mut resp = Refusal::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    codes::NOT_SUPPORTED,
                    format!("The \"{method}\" method is not supported for \"{}\".", self.path()),
                )
                .response(hal);
                resp.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(self.allow()));
                return resp;
            }
        };
        let body = match (self, delete) {
            (SimEndpoint::Requests, false) => json_array(&shared.requests.snapshot()),
            (SimEndpoint::Requests, true) => json_array(&shared.requests.take()),
            (SimEndpoint::Connections, false) => to_pretty(&shared.connections.stats()),
            (SimEndpoint::Connections, true) => to_pretty(&shared.connections.reset()),
            (SimEndpoint::Tokens, _) => Vec::new(),
        };
        json_response(StatusCode::OK, body, false)
    }
}

fn to_pretty<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Plain structs with string keys: serializing cannot fail.
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// The request with its path's trailing slash removed (`/api/storage/volumes/?name=v1`
/// is `/api/storage/volumes?name=v1`), as ONTAP's own `Location` headers use it.
fn without_trailing_slash<B>(mut req: Request<B>) -> Request<B> {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = rebuilt.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Serves one request: the transport limits, the login (decided now, refused later),
/// the endpoints under `/sim`, the request log, faults, then the refusal of a request
/// that did not log in, then the router. `certificate_user` is the user of the
/// connection's verified client certificate.
async fn handle(
    shared: Arc<Shared>,
    certificate_user: Option<Arc<str>>,
    transport: Arc<Transport>,
    mut router: Router,
    req: Request<Incoming>,
) -> Result<Response, DroppedConnection> {
    if let Some(resp) = check_head(&req) {
        return Ok(resp);
    }
    let login = shared.logins.authenticate(req.headers(), certificate_user.as_ref());
    if let Some(endpoint) = SimEndpoint::of(req.uri().path()) {
        return Ok(endpoint.respond(&shared, &transport, login, req).await);
    }
    let req = match read(&shared, &transport, req, login.as_ref().ok()).await {
        Ok(r) => r,
        Err(resp) => return Ok(resp),
    };
    let mut truncate = false;
    if let Some(fault) = shared.faults.pick(req.method().as_str(), req.uri().path()) {
        if let Some(latency) = fault.latency {
            tokio::time::sleep(latency).await;
        }
        match fault.action {
            FaultAction::Pass => {}
            FaultAction::Drop => return Err(DroppedConnection),
            FaultAction::Truncate => truncate = true,
            FaultAction::Respond {
                status,
                retry_after,
                code,
                message,
                raw,
            } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut resp = match raw {
                    Some((content_type, body)) => {
                        let mut r = Response::new(Body::from(body));
                        *r.status_mut() = status;
                        if let Ok(v) = HeaderValue::from_str(&content_type) {
                            r.headers_mut().insert(header::CONTENT_TYPE, v);
                        }
                        r
                    }
                    None => json_response(status, error_body(&message, &code, None), wants_hal(req.headers())),
                };
                if let Some(secs) = retry_after {
                    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                return Ok(resp);
            }
        }
    }

    if let Err(refused) = login {
        return Ok(refused.response());
    }

    let resp = match router.call(without_trailing_slash(req)).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    if !truncate {
        return Ok(resp);
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2))))
}

/// Runs the accept loop until `shutdown` turns true; then closes connections gracefully
/// (idle ones at once, busy ones after their response, at most 2 s).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    transport: Transport,
) {
    let transport = Arc::new(transport);
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // E.g. too many open files: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let open = Connections::opened(&shared);
                let _ = stream.set_nodelay(true);
                let mut conn = ConnCtx {
                    open,
                    shared: shared.clone(),
                    certificate_user: None,
                    transport: transport.clone(),
                    router: router.clone(),
                    shutdown: shutdown.clone(),
                };
                match tls.clone() {
                    None => { conns.spawn(conn.serve(stream)); }
                    Some(acceptor) => {
                        conns.spawn(async move {
                            match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                Ok(Ok(tls_stream)) => {
                                    // Verified by the handshake against the simulator's CA.
                                    let chain = tls_stream.get_ref().1.peer_certificates();
                                    conn.certificate_user = conn.shared.logins.certificate_user(chain);
                                    conn.serve(tls_stream).await
                                }
                                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                                Err(_) => tracing::debug!("TLS handshake timed out"),
                            }
                        });
                    }
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(2), drain).await.is_err() {
        conns.abort_all();
    }
}

struct ConnCtx {
    /// Counts the connection open until the task that serves it ends (or is aborted).
    open: OpenConnection,
    shared: Arc<Shared>,
    /// The user of the client certificate the TLS handshake verified, if the simulator
    /// issued it.
    certificate_user: Option<Arc<str>>,
    transport: Arc<Transport>,
    router: Router,
    shutdown: watch::Receiver<bool>,
}

impl ConnCtx {
    fn serve<IO>(self, io: IO) -> impl Future<Output = ()> + Send + 'static
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let ConnCtx {
            open,
            shared,
            certificate_user,
            transport,
            router,
            mut shutdown,
        } = self;
        async move {
            let _open = open;
            let header_timeout = transport.header_timeout;
            let service = hyper::service::service_fn(move |req| {
                handle(
                    shared.clone(),
                    certificate_user.clone(),
                    transport.clone(),
                    router.clone(),
                    req,
                )
            });
            let clock = HeaderClock::default();
            let mut conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .timer(clock.clone())
                .header_read_timeout(header_timeout)
                .max_buf_size(HYPER_MAX_BUF)
                .serve_connection(TokioIo::new(io), service);
            let watchdog = clock.watchdog(header_timeout);
            tokio::pin!(watchdog);
            // The connection is `Unpin` (hyper boxes the request future), so it can be
            // taken apart after a header timeout to answer on its socket. The watchdog runs
            // in this task beside it (see `HeaderClock`).
            let res = tokio::select! {
                res = &mut conn => res,
                never = &mut watchdog => match never {},
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                    Pin::new(&mut conn).graceful_shutdown();
                    tokio::select! {
                        res = &mut conn => res,
                        never = &mut watchdog => match never {},
                    }
                }
            };
            match res {
                Ok(()) => {}
                Err(e) if e.is_timeout() => {
                    let parts = conn.into_parts();
                    header_timeout_answer(parts.io.into_inner(), &parts.read_buf, header_timeout).await;
                }
                Err(e) => tracing::trace!(error = %e, "connection ended with an error"),
            }
        }
    }
}

/// hyper's timer for one connection, which hyper uses only for the header read timeout:
/// without a tokio timer per request.
///
/// hyper asks for a new sleep each time it waits for a request head and drops it when the
/// head is in, so with `hyper_util::rt::TokioTimer` every request allocated, registered
/// and removed a tokio timer: in `benches/job_get.rs` some 1,000 to 1,500 more instructions
/// per request (under callgrind), 3 to 8 % of a job GET's CPU time. Here a sleep is a
/// deadline that compares with the clock when polled and registers nothing; the
/// connection's task runs [`HeaderClock::watchdog`] beside the connection, one tokio timer
/// re-armed at most once per deadline, which wakes the task (hence polls hyper, hence the
/// sleep) once the latest deadline has passed. A sleep must therefore only be polled by
/// that task, which holds: hyper polls it inside the connection.
#[derive(Clone)]
struct HeaderClock(Arc<ClockState>);

struct ClockState {
    start: Instant,
    /// The latest deadline hyper asked for, in nanoseconds after `start`, plus 1; 0: none yet.
    deadline: AtomicU64,
}

impl Default for HeaderClock {
    fn default() -> Self {
        HeaderClock(Arc::new(ClockState {
            start: Instant::now(),
            deadline: AtomicU64::new(0),
        }))
    }
}

impl HeaderClock {
    fn deadline(&self) -> Option<Instant> {
        match self.0.deadline.load(Ordering::Relaxed) {
            0 => None,
            n => Some(self.0.start + Duration::from_nanos(n - 1)),
        }
    }

    /// Wakes the task when the latest deadline has passed; never ends (pending forever
    /// without a timeout).
    async fn watchdog(&self, timeout: Option<Duration>) -> std::convert::Infallible {
        let Some(timeout) = timeout else {
            return std::future::pending().await;
        };
        let mut next = Instant::now() + timeout;
        loop {
            tokio::time::sleep_until(next.into()).await;
            let now = Instant::now();
            // A deadline still ahead: wait for it. One passed: this wake-up let hyper see it
            // (if it still waits for a head; if not, a request is being served); either way
            // the next deadline is at least a timeout away.
            next = match self.deadline() {
                Some(deadline) if deadline > now => deadline,
                _ => now + timeout,
            };
        }
    }
}

impl hyper::rt::Timer for HeaderClock {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let nanos = deadline.saturating_duration_since(self.0.start).as_nanos();
        let nanos = u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1;
        self.0.deadline.store(nanos, Ordering::Relaxed);
        Box::pin(Deadline(deadline))
    }
}

/// A [`HeaderClock`] sleep: ready once the clock reaches it.
struct Deadline(Instant);

impl Future for Deadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        // No waker to register: the connection's watchdog wakes the task (see HeaderClock).
        if Instant::now() >= self.0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl hyper::rt::Sleep for Deadline {}

/// After hyper's header timeout (which closes without answering): a 408 with an ONTAP
/// body when part of a request had arrived, nothing on an idle keep-alive connection (a
/// client could take a stray answer there for the answer to its next request); then the
/// connection closes.
async fn header_timeout_answer<IO>(mut io: IO, unparsed: &[u8], timeout: Option<Duration>)
where
    IO: AsyncWrite + Unpin,
{
    let timeout = timeout.unwrap_or_default();
    let write = async {
        if unparsed.iter().any(|b| !b.is_ascii_whitespace()) {
            let body = Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                codes::INVALID_ARGUMENT,
                format!("The request headers did not arrive within {timeout:?}."),
            )
            .body_bytes();
            let head = format!(
                "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            io.write_all(head.as_bytes()).await?;
            io.write_all(&body).await?;
        }
        io.shutdown().await
    };
    if let Ok(Err(e)) = tokio::time::timeout(Duration::from_secs(1), write).await {
        tracing::trace!(error = %e, "cannot answer a header timeout");
    }
}
