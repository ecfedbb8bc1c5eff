//! The settings of a [`HostConnectionBuilder`]: port and scheme, the login
//! (Basic, bearer token, token provider, client certificate), TLS
//! verification and pins, proxy, headers, retries, time-outs and limits.

use std::sync::Arc;
use std::time::Duration;

#[cfg(doc)]
use super::HostConnection;
use super::{HostConnectionBuilder, Login, Scheme};
use crate::Secret;
use crate::auth::TokenProvider;
#[cfg(doc)]
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::transport::{Interceptor, Transport};

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
    /// else the built-in one: ring's, or aws-lc-rs's with the `aws-lc-rs`
    /// feature; the process's default is never changed.
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

    /// An extra header sent with every request (`X-Dot-SVM-Name`, say;
    /// [`HostConnection::with_header`] sets one for some calls only). A header
    /// the library sets is replaced: `X-Dot-Client-App`, the client's name
    /// that the cluster's audit log shows (`ontap-rs/<version>` by default),
    /// names your tool this way.
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

    /// How long an answer may stall: the longest wait for the next piece of it
    /// once the request is sent, whatever the request's whole time-out; a stall
    /// ends the request as a time-out ([`Error::is_timeout`](crate::Error::is_timeout)).
    /// Off by default: a held answer (`return_timeout`) sends nothing for up to its
    /// seconds, so a read time-out shorter than the holds would cut them.
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster")
    ///     .return_timeout(0)
    ///     .read_timeout(Duration::from_secs(20))
    ///     .build()
    ///     .unwrap();
    /// # let _ = conn;
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
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

    /// Sends through `transport` instead of reqwest: a test double
    /// ([`MockTransport`](crate::mock::MockTransport)), a recorder, another HTTP
    /// stack. The connection's guarantees stay above it: retries, the in-flight
    /// bound, logins, time-outs, body limits, masking. The settings of reqwest's
    /// connections (TLS verification, roots, pins, the client certificate, the
    /// crypto provider, the proxy, the connect time-out) are then the transport's
    /// own: given with a transport, [`build`](Self::build) refuses them.
    ///
    /// ```
    /// use ontap_core::{Body, HostConnection, TransportError};
    /// let conn = HostConnection::builder("cluster")
    ///     .transport(|_request: http::Request<Body>| async {
    ///         Err::<http::Response<Body>, _>(TransportError::connect("no network in this test"))
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = conn;
    /// ```
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Runs `interceptor` around each attempt of every request of the
    /// connection, after those added before it; a handle adds its own with
    /// [`HostConnection::with_interceptor`]. See [`Interceptor`].
    ///
    /// ```
    /// use ontap_core::{AttemptRequest, BoxError, Interceptor};
    /// struct ChangeTicket(&'static str);
    /// #[ontap_core::async_trait]
    /// impl Interceptor for ChangeTicket {
    ///     async fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), BoxError> {
    ///         if !request.is_idempotent() {
    ///             request.headers_mut().insert("x-change-ticket", self.0.parse()?);
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// let conn = ontap_core::HostConnection::builder("cluster").interceptor(ChangeTicket("CHG-1042")).build().unwrap();
    /// # let _ = conn;
    /// ```
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }
}
