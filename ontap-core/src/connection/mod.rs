//! The connection to one cluster, and the one layer that sends requests.
//!
//! This file holds what a connection is: the [`HostConnection`] handle, its
//! call settings and shared state, and the settings a
//! [`HostConnectionBuilder`] gathers. The handle's methods (its variants,
//! accessors, slots and holds) are in `handle`, the builder's setters in
//! `builder`, the checks and the opening of the pool in `open`, the sending
//! of a request and the reading of its answer in `send`, the masking of
//! secrets in what an error keeps in `secrets`, and the cluster's release in
//! `release`.

mod builder;
mod handle;
mod open;
mod release;
mod secrets;
mod send;

pub(crate) use release::{job_fields, note_lacking_job_error};
pub(crate) use send::{Streamed, is_certificate_failure};

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

use crate::Secret;
use crate::auth::{TokenCache, TokenProvider};
use crate::retry::RetryPolicy;
use crate::tls::TlsSettings;
use crate::transport::{Interceptor, Transport};

/// How this library names itself in `X-Dot-Client-App` and `User-Agent`.
pub const CLIENT_APP: &str = concat!("ontap-rs/", env!("CARGO_PKG_VERSION"));

/// The largest body read by default: far above the largest real page (a
/// `fields=**` page of 1,000 volumes is a few MB).
const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;
/// How long a connection is waited for by default.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many requests a connection has in flight at once by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;
/// How long, by default, the server may hold the answer of a request that
/// starts a job until the job ends (`return_timeout`, in seconds).
pub const DEFAULT_RETURN_TIMEOUT: u32 = 5;

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
#[derive(Clone)]
struct CallSettings {
    timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    /// Headers this handle's requests carry beside the connection's
    /// ([`HostConnection::with_header`]).
    headers: http::HeaderMap,
    /// Interceptors this handle's requests run after the connection's
    /// ([`HostConnection::with_interceptor`]).
    interceptors: Vec<Arc<dyn Interceptor>>,
}

/// The path of the API's root on a cluster.
const API_ROOT: &str = "/api";

pub(crate) struct Inner {
    /// What sends: reqwest's client, unless the builder was given another.
    transport: Arc<dyn Transport>,
    /// The headers every request carries (`Accept`, the client's name, the
    /// builder's), the login aside.
    headers: http::HeaderMap,
    /// The login headers (`Authorization` and the like), added after the
    /// interceptors have run.
    login: http::HeaderMap,
    /// `headers` with `login`: what a request without headers of its handle
    /// or interceptors carries.
    sendable: http::HeaderMap,
    /// The connection's interceptors, run around each attempt.
    interceptors: Vec<Arc<dyn Interceptor>>,
    /// The longest wait for the next piece of an answer.
    read_timeout: Option<Duration>,
    /// `https://host:port/api`
    base: String,
    /// The base's scheme and authority (`host:port`), parsed once.
    origin: (http::uri::Scheme, http::uri::Authority),
    /// The host and port, as OpenTelemetry's `server.address` and `server.port`.
    pub(crate) server: (String, u16),
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
    /// The credentials as [`secrets::Secrets`], made once: what a request
    /// without a body or a provider's token masks.
    secrets: secrets::Secrets,
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
    /// The cluster's release, stated or learned.
    release: release::KnownRelease,
    /// What the release guard does.
    release_guard: crate::ReleaseGuard,
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
    read_timeout: Option<Duration>,
    request_timeout: Duration,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    poll_interval: Duration,
    poll_timeout: Duration,
    max_body_bytes: usize,
    max_in_flight: usize,
    return_timeout: u32,
    release: Option<crate::Release>,
    release_guard: crate::ReleaseGuard,
    /// A transport of the caller's, in place of reqwest's.
    transport: Option<Arc<dyn Transport>>,
    interceptors: Vec<Arc<dyn Interceptor>>,
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
