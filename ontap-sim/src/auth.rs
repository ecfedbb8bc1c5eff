//! Logins: HTTP Basic, bearer tokens with an expiry (issued by
//! [`Simulator::issue_token`](crate::Simulator::issue_token) or `POST /sim/tokens`), and
//! client certificates signed by the simulator's own CA (ONTAP's `cert` method).
//!
//! A request's login is decided once, when its head has arrived
//! ([`Logins::authenticate`]): the connection's verified certificate first, then the
//! `Authorization` header (Basic or Bearer).

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use ring::rand::{SecureRandom as _, SystemRandom};
use rustls::pki_types::CertificateDer;

use crate::error::{Refusal, codes};
use crate::http::json_response;
use crate::state::lock;

/// A client certificate and its private key, issued by the simulator's CA for one user
/// (see [`Simulator::issue_client_certificate`](crate::Simulator::issue_client_certificate)).
///
/// Its `Debug` output shows the certificate's length and hides the key.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
/// let cert = sim.issue_client_certificate("admin").expect("the login is on");
/// assert!(cert.certificate_pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// assert!(cert.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
/// assert!(!format!("{cert:?}").contains("PRIVATE KEY"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate (PEM): subject CN = the user, signed by the simulator's CA, for
    /// client authentication.
    pub certificate_pem: String,
    /// Its private key, PKCS#8 in PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_key_pem: String,
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field(
                "certificate_pem",
                &format_args!("<{} bytes>", self.certificate_pem.len()),
            )
            .field("private_key_pem", &format_args!(".."))
            .finish()
    }
}

/// How a request logged in, as the request log records it
/// ([`RecordedRequest::auth`](crate::RecordedRequest::auth)).
///
/// When a request could log in more than one way, the first that holds in this order is
/// recorded: the connection's client certificate, then the `Authorization` header (which
/// is either a bearer token or Basic credentials).
///
/// Its `Display` form is the one `GET /sim/requests` and the request log file use:
/// `basic`, `bearer#3`, `certificate:admin`.
///
/// ```
/// use ontap_sim::Login;
///
/// assert_eq!(Login::Basic.to_string(), "basic");
/// assert_eq!(Login::Bearer { token: 3 }.to_string(), "bearer#3");
/// assert_eq!(Login::Certificate { user: "admin".into() }.to_string(), "certificate:admin");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Login {
    /// HTTP Basic with the configured username and password.
    Basic,
    /// `Authorization: Bearer` with a token the simulator issued and that was still valid.
    Bearer {
        /// Which token: 1 for the first one the simulator issued, 2 for the second, ...
        /// (the token itself is a secret and is never recorded).
        token: u64,
    },
    /// A TLS client certificate the simulator issued for its configured user.
    Certificate {
        /// The certificate's user (its subject CN).
        user: String,
    },
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Login::Basic => f.write_str("basic"),
            Login::Bearer { token } => write!(f, "bearer#{token}"),
            Login::Certificate { user } => write!(f, "certificate:{user}"),
        }
    }
}

/// An accepted login, cheap to copy into the request log (a [`Login`] when read).
#[derive(Debug, Clone)]
pub(crate) enum Accepted {
    Basic,
    Bearer(u64),
    Certificate(Arc<str>),
}

impl Accepted {
    pub fn login(&self) -> Login {
        match self {
            Accepted::Basic => Login::Basic,
            Accepted::Bearer(token) => Login::Bearer { token: *token },
            Accepted::Certificate(user) => Login::Certificate { user: user.to_string() },
        }
    }
}

/// Why a request did not log in, hence which 401 it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// No valid credentials (none, wrong Basic credentials, another scheme).
    Basic,
    /// A bearer token that is unknown, expired or revoked.
    InvalidToken,
}

impl Refused {
    /// 401 with no body and the `WWW-Authenticate` challenge that fits.
    pub fn response(self) -> Response {
        match self {
            Refused::Basic => unauthorized(),
            Refused::InvalidToken => {
                let mut resp = unauthorized();
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                resp
            }
        }
    }
}

/// 401 with `WWW-Authenticate: Basic realm="ONTAP"` and no body, as ONTAP may answer.
pub(crate) fn unauthorized() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"ONTAP\""),
    );
    resp
}

/// Checks `Authorization: Basic ...` against the configured credentials.
#[derive(Clone)]
pub(crate) struct BasicAuth {
    expected: HeaderValue,
    username: String,
    password: String,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl BasicAuth {
    pub fn new(username: &str, password: &str) -> Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        BasicAuth {
            expected: HeaderValue::from_str(&format!("Basic {token}")).unwrap_or_else(|_| HeaderValue::from_static("")),
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    pub fn check(&self, headers: &HeaderMap) -> bool {
        headers.get(header::AUTHORIZATION).is_some_and(|v| self.check_value(v))
    }

    fn check_value(&self, value: &HeaderValue) -> bool {
        if value == self.expected {
            return true;
        }
        let Some((scheme, token)) = value.to_str().ok().and_then(|v| v.trim().split_once(' ')) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            return false;
        };
        match std::str::from_utf8(&decoded).ok().and_then(|s| s.split_once(':')) {
            Some((u, p)) => u == self.username && p == self.password,
            None => false,
        }
    }
}

/// The SHA-256 of some bytes.
fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// The SHA-256 of a certificate's DER as `openssl x509 -fingerprint -sha256` prints it:
/// uppercase hex pairs joined by `:`.
pub(crate) fn fingerprint(der: &[u8]) -> String {
    let mut out = String::with_capacity(32 * 3);
    for (i, b) in sha256(der).iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(&format!("{b:02X}"));
    }
    out
}

/// One issued token, stored under the SHA-256 of its text (the text itself is not kept).
#[derive(Debug, Clone, Copy)]
struct Token {
    /// 1 for the first token issued.
    seq: u64,
    /// `None`: a lifetime too long for the clock, never expires.
    expires: Option<Instant>,
}

impl Token {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|t| now < t)
    }
}

/// The bearer tokens issued and not revoked.
pub(crate) struct Tokens {
    rng: SystemRandom,
    issued: AtomicU64,
    live: Mutex<HashMap<[u8; 32], Token>>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: no token (nor its digest) is ever printed.
        f.debug_struct("Tokens")
            .field("issued", &self.issued.load(Ordering::Relaxed))
            .field("live", &lock(&self.live).len())
            .finish()
    }
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            rng: SystemRandom::new(),
            issued: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
        }
    }
}

impl Tokens {
    /// A new token valid for `lifetime` from now, and its sequence number; `None` when the
    /// system's random generator fails.
    pub fn issue(&self, lifetime: Duration) -> Option<(String, u64)> {
        let mut bytes = [0u8; 32];
        self.rng.fill(&mut bytes).ok()?;
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = Instant::now();
        let mut live = lock(&self.live);
        // Under the lock, so that the numbers follow the order the tokens are stored in.
        let seq = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        live.retain(|_, t| t.live(now));
        live.insert(
            sha256(text.as_bytes()),
            Token {
                seq,
                expires: now.checked_add(lifetime),
            },
        );
        Some((text, seq))
    }

    /// The sequence number of a token that is known and unexpired.
    fn check(&self, text: &str) -> Option<u64> {
        let key = sha256(text.as_bytes());
        let mut live = lock(&self.live);
        let token = *live.get(&key)?;
        if token.live(Instant::now()) {
            Some(token.seq)
        } else {
            live.remove(&key);
            None
        }
    }

    /// Forgets every token issued so far (the numbers keep counting up).
    pub fn revoke_all(&self) {
        lock(&self.live).clear();
    }
}

/// The simulator's own CA for client certificates, and the users of the certificates it
/// issued (by the SHA-256 of their DER).
pub(crate) struct ClientCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
    issued: Mutex<HashMap<[u8; 32], Arc<str>>>,
}

impl fmt::Debug for ClientCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCa")
            .field("issued", &lock(&self.issued).len())
            .finish_non_exhaustive()
    }
}

impl ClientCa {
    /// A new CA with a fresh key.
    pub fn new() -> io::Result<Self> {
        let key = rcgen::KeyPair::generate().map_err(io::Error::other)?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "ontap-sim client CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).map_err(io::Error::other)?;
        Ok(ClientCa {
            der: cert.der().clone(),
            pem: cert.pem(),
            issuer: rcgen::Issuer::new(params, key),
            issued: Mutex::new(HashMap::new()),
        })
    }

    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The TLS verifier that asks every client for a certificate of this CA, and lets
    /// clients without one in too.
    pub fn verifier(
        &self,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> io::Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).map_err(io::Error::other)?;
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .allow_unauthenticated()
            .build()
            .map_err(io::Error::other)
    }

    /// A new key and certificate for `user` (subject CN), for client authentication.
    pub fn issue(&self, user: &str) -> Result<crate::ClientCertificate, rcgen::Error> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, user);
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        lock(&self.issued).insert(sha256(cert.der()), user.into());
        Ok(ClientCertificate {
            certificate_pem: cert.pem(),
            private_key_pem: key.serialize_pem(),
        })
    }

    /// The user of a certificate this CA issued. The TLS handshake has verified it, so it
    /// is one of ours (only the simulator holds the CA's key).
    fn user_of(&self, der: &[u8]) -> Option<Arc<str>> {
        lock(&self.issued).get(&sha256(der)).cloned()
    }
}

/// Every way a request can log in, and the tokens and certificates issued.
#[derive(Debug)]
pub(crate) struct Logins {
    basic: BasicAuth,
    username: Arc<str>,
    pub tokens: Tokens,
    /// Only with [`SimulatorBuilder::client_certificate_login`](crate::SimulatorBuilder::client_certificate_login) and TLS.
    pub client_ca: Option<ClientCa>,
    /// The lifetime of a token from `POST /sim/tokens` without `expires_in`.
    pub token_lifetime: Duration,
}

impl Logins {
    pub fn new(username: &str, password: &str, client_ca: Option<ClientCa>, token_lifetime: Duration) -> Self {
        Logins {
            basic: BasicAuth::new(username, password),
            username: username.into(),
            tokens: Tokens::default(),
            client_ca,
            token_lifetime,
        }
    }

    /// The user of a connection's verified client certificate (the first of the chain),
    /// when the simulator issued it.
    pub fn certificate_user(&self, chain: Option<&[CertificateDer<'_>]>) -> Option<Arc<str>> {
        let ca = self.client_ca.as_ref()?;
        ca.user_of(chain?.first()?)
    }

    /// Whether the request carries the configured Basic credentials.
    pub fn basic(&self, headers: &HeaderMap) -> bool {
        self.basic.check(headers)
    }

    /// How a request logs in: the connection's certificate when it names the configured
    /// user, else its `Authorization` header.
    pub fn authenticate(&self, headers: &HeaderMap, certificate_user: Option<&Arc<str>>) -> Result<Accepted, Refused> {
        if let Some(user) = certificate_user
            && **user == *self.username
        {
            return Ok(Accepted::Certificate(user.clone()));
        }
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(Refused::Basic);
        };
        if self.basic.check_value(value) {
            return Ok(Accepted::Basic);
        }
        let bearer = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"));
        match bearer {
            Some((_, token)) => self
                .tokens
                .check(token.trim())
                .map(Accepted::Bearer)
                .ok_or(Refused::InvalidToken),
            None => Err(Refused::Basic),
        }
    }

    /// `POST /sim/tokens`: a body that is empty or `{"expires_in": <seconds>}`; answers
    /// 201 `{"access_token", "token_type": "Bearer", "expires_in"}`.
    pub fn token_endpoint(&self, body: &[u8], hal: bool) -> Response {
        let lifetime = match requested_lifetime(body) {
            Ok(lifetime) => lifetime.unwrap_or(self.token_lifetime),
            Err(e) => return e.response(hal),
        };
        let Some((token, _)) = self.tokens.issue(lifetime) else {
            return Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INVALID_ARGUMENT,
                "The system's random number generator failed.",
            )
            .response(hal);
        };
        let answer = serde_json::json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
        });
        let mut resp = json_response(
            StatusCode::CREATED,
            serde_json::to_vec_pretty(&answer).unwrap_or_default(),
            false,
        );
        // As RFC 6749 asks of a token endpoint's answers.
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// The `expires_in` of a token request body, if any.
fn requested_lifetime(body: &[u8]) -> Result<Option<Duration>, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Refusal::bad_request(codes::INVALID_JSON, format!("Invalid JSON in the request body: {e}.")))?;
    let serde_json::Value::Object(fields) = value else {
        return Err(Refusal::bad_request(
            codes::NOT_AN_OBJECT,
            "The request body must be a JSON object.",
        ));
    };
    let mut lifetime = None;
    for (name, value) in &fields {
        if name != "expires_in" {
            return Err(Refusal::unexpected_argument(name));
        }
        let secs = value.as_u64().ok_or_else(|| {
            Refusal::bad_request(
                codes::INVALID_VALUE,
                format!("Invalid value \"{value}\" for \"expires_in\": a whole number of seconds is expected."),
            )
            .target("expires_in")
        })?;
        lifetime = Some(Duration::from_secs(secs));
    }
    Ok(lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_are_revoked_and_never_printed() {
        let tokens = Tokens::default();
        let (a, one) = tokens.issue(Duration::from_secs(60)).unwrap();
        let (b, two) = tokens.issue(Duration::ZERO).unwrap();
        let (c, three) = tokens.issue(Duration::MAX).unwrap();
        assert_eq!((one, two, three), (1, 2, 3));
        assert_eq!(a.len(), 43, "32 bytes, base64url without padding");
        assert!(!a.contains(['=', '+', '/']));
        assert_eq!(tokens.check(&a), Some(1));
        assert_eq!(tokens.check(&b), None, "expired at once");
        assert_eq!(tokens.check(&c), Some(3));
        assert_eq!(tokens.check("nope"), None);
        let debug = format!("{tokens:?}");
        assert!(!debug.contains(&a) && !debug.contains(&c), "{debug}");
        tokens.revoke_all();
        assert_eq!(tokens.check(&a), None);
        assert_eq!(tokens.issue(Duration::from_secs(1)).unwrap().1, 4);
    }

    #[test]
    fn the_token_request_body() {
        assert_eq!(requested_lifetime(b"").unwrap(), None);
        assert_eq!(requested_lifetime(b" {} ").unwrap(), None);
        assert_eq!(
            requested_lifetime(br#"{"expires_in": 5}"#).unwrap(),
            Some(Duration::from_secs(5))
        );
        let code = |body: &[u8]| requested_lifetime(body).unwrap_err().code;
        assert_eq!(code(b"{"), codes::INVALID_JSON);
        assert_eq!(code(b"[]"), codes::NOT_AN_OBJECT);
        assert_eq!(code(br#"{"scope": "x"}"#), codes::UNEXPECTED_ARGUMENT);
        assert_eq!(code(br#"{"expires_in": -1}"#), codes::INVALID_VALUE);
        assert_eq!(code(br#"{"expires_in": "60"}"#), codes::INVALID_VALUE);
    }

    #[test]
    fn logins_in_order_and_fingerprints() {
        let logins = Logins::new("admin", "pw", None, Duration::from_secs(60));
        let mut headers = HeaderMap::new();
        assert_eq!(logins.authenticate(&headers, None).unwrap_err(), Refused::Basic);
        let admin: Arc<str> = "admin".into();
        let other: Arc<str> = "other".into();
        assert!(matches!(
            logins.authenticate(&headers, Some(&admin)),
            Ok(Accepted::Certificate(u)) if &*u == "admin"
        ));
        assert_eq!(logins.authenticate(&headers, Some(&other)).unwrap_err(), Refused::Basic);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer nope"));
        assert_eq!(
            logins.authenticate(&headers, Some(&other)).unwrap_err(),
            Refused::InvalidToken
        );
        let (token, seq) = logins.tokens.issue(Duration::from_secs(60)).unwrap();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("bearer {token}")).unwrap(),
        );
        assert!(matches!(logins.authenticate(&headers, Some(&other)), Ok(Accepted::Bearer(n)) if n == seq));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic YWRtaW46cHc="));
        assert!(matches!(logins.authenticate(&headers, None), Ok(Accepted::Basic)));
        assert_eq!(
            fingerprint(b"abc"),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
    }
}
