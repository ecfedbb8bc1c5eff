//! Opening a connection, [`HostConnectionBuilder::build`]: checks the
//! settings, turns the login and headers into the default headers and the
//! secrets to mask, and opens the connection pool.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine as _;
use http::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use tokio::sync::Semaphore;

use super::{CLIENT_APP, CallSettings, DEFAULT_CONNECT_TIMEOUT, HostConnection, HostConnectionBuilder, Inner, Login};
use crate::Secret;
use crate::auth::TokenCache;
use crate::error::Error;
use crate::transport::{ReqwestTransport, Transport};

impl HostConnectionBuilder {
    /// Checks the settings and opens the connection pool (no request is sent).
    ///
    /// TLS uses rustls with the [crypto provider](Self::crypto_provider)
    /// given, else the process default, else the built-in one (ring's, or
    /// aws-lc-rs's with the `aws-lc-rs` feature), without installing any as
    /// the default.
    pub fn build(self) -> Result<HostConnection, Error> {
        let host = normalize_host(&self.host)?;
        let port = match self.port {
            Some(0) => return Err(Error::Config("port 0 is not a usable port".into())),
            Some(port) => format!(":{port}"),
            None => String::new(),
        };
        let base = format!("{}://{host}{port}{}", self.scheme.as_str(), super::API_ROOT);
        let url = reqwest::Url::parse(&base)
            .map_err(|e| Error::Config(format!("`{}` is not a usable host: {e}", self.host)))?;
        let origin = (
            http::uri::Scheme::try_from(self.scheme.as_str())
                .map_err(|e| Error::Config(format!("`{}` is not a usable scheme: {e}", self.scheme.as_str())))?,
            http::uri::Authority::try_from(format!("{host}{port}"))
                .map_err(|e| Error::Config(format!("`{}` is not a usable host: {e}", self.host)))?,
        );
        let server = (
            url.host_str().unwrap_or_default().to_owned(),
            url.port_or_known_default().unwrap_or_default(),
        );
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
        // The login headers, apart: interceptors never see them.
        let mut login = HeaderMap::new();
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
                login.insert(name, value);
                continue;
            }
            headers.insert(name, value);
        }
        if logins.len() > 1 {
            return Err(Error::Config(format!(
                "one login method per connection; given: {}",
                logins.join(", ")
            )));
        }
        let transport: Arc<dyn Transport> = match self.transport.clone() {
            Some(transport) => {
                let given = self.reqwest_settings();
                if !given.is_empty() {
                    return Err(Error::Config(format!(
                        "{} set how reqwest connects, and this connection sends through a transport of its own",
                        given.join(", ")
                    )));
                }
                transport
            }
            None => Arc::new(ReqwestTransport::new(
                self.reqwest_client(&mut credentials)?,
                url.clone(),
            )),
        };
        let mut tokens = None;
        match self.logins.into_iter().next() {
            None => {}
            Some(Login::Basic { username, password }) => {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{username}:{}", password.expose()));
                let mut value = HeaderValue::try_from(format!("Basic {token}"))
                    .map_err(|_| Error::Config("the credentials cannot be sent in a header".into()))?;
                value.set_sensitive(true);
                login.insert(AUTHORIZATION, value);
                credentials.push((password, false));
                credentials.push((Secret::from(token), true));
            }
            Some(Login::Bearer(token)) => {
                let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
                    .map_err(|_| Error::Config("the token cannot be sent in a header".into()))?;
                value.set_sensitive(true);
                login.insert(AUTHORIZATION, value);
                credentials.push((token, true));
            }
            Some(Login::Provider(provider)) => tokens = Some(TokenCache::new(provider)),
        }

        let defaults = Arc::new(CallSettings {
            timeout: self.request_timeout,
            deadline: self.deadline,
            retry: self.retry,
            headers: HeaderMap::new(),
            interceptors: Vec::new(),
        });
        let mut sendable = headers.clone();
        for (name, value) in &login {
            sendable.insert(name, value.clone());
        }
        Ok(HostConnection {
            call: defaults.clone(),
            inner: Arc::new(Inner {
                transport,
                headers,
                login,
                sendable,
                interceptors: self.interceptors,
                read_timeout: self.read_timeout,
                base,
                origin,
                server,
                defaults,
                tokens,
                poll_interval: self.poll_interval,
                poll_timeout: self.poll_timeout,
                max_body_bytes: self.max_body_bytes,
                secrets: super::secrets::Secrets::new(&credentials, None, None),
                credentials,
                max_in_flight: self.max_in_flight,
                slots: Arc::new(Semaphore::new(self.max_in_flight)),
                holds: Semaphore::new(self.max_in_flight.div_ceil(2)),
                return_timeout: self.return_timeout,
                jobs: crate::batch::JobBatcher::default(),
                release: super::release::KnownRelease::stated(self.release),
                release_guard: self.release_guard,
            }),
        })
    }
}

impl HostConnectionBuilder {
    /// The settings given that only reqwest's connections use.
    fn reqwest_settings(&self) -> Vec<&'static str> {
        let tls = &self.tls;
        let mut given = Vec::new();
        let named = [
            (tls.accept_any, "verify"),
            (tls.skip_host_name, "verify_host_name"),
            (!tls.roots.is_empty(), "add_root_certificate_pem"),
            (!tls.pins.is_empty(), "pin_certificate_sha256"),
            (tls.identity.is_some(), "client_certificate_pem"),
            (tls.provider.is_some(), "crypto_provider"),
            (self.proxy.is_some(), "proxy"),
            (self.connect_timeout != DEFAULT_CONNECT_TIMEOUT, "connect_timeout"),
        ];
        for (set, name) in named {
            if set {
                given.push(name);
            }
        }
        given
    }

    /// The reqwest client these settings describe: TLS, proxy (whose password
    /// joins `credentials`), connect time-out, no redirects. The request and read
    /// time-outs are the connection's, whatever the transport.
    fn reqwest_client(&self, credentials: &mut Vec<(Secret, bool)>) -> Result<reqwest::Client, Error> {
        let tls = self.tls.client_config()?;
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls);
        let client = match &self.proxy {
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
        client
            .build()
            .map_err(|e| Error::Config(format!("cannot open the connection pool: {e}")))
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
pub(super) fn is_sensitive_header(name: &HeaderName) -> bool {
    *name == AUTHORIZATION || *name == http::header::PROXY_AUTHORIZATION || *name == http::header::COOKIE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Scheme;

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
