//! The accept loop: TCP (with TCP_NODELAY), optional TLS, HTTP/1.1, then per request the
//! fault injector, Basic authentication and the router.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::api::{json_response, wants_hal};
use crate::error::{ApiError, codes, error_body};
use crate::faults::FaultAction;
use crate::state::Shared;

/// Creates the self-signed certificate (for `localhost`, `127.0.0.1`, `::1` and the
/// listening address) and the TLS acceptor. Returns the certificate as PEM.
pub(crate) fn self_signed_tls(listen: IpAddr) -> io::Result<(TlsAcceptor, String)> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if !listen.is_unspecified() && !listen.is_loopback() {
        names.push(listen.to_string());
    }
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let cert_der = certified.cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), certified.cert.pem()))
}

/// Checks `Authorization: Basic ...` against the configured credentials.
#[derive(Debug, Clone)]
pub(crate) struct BasicAuth {
    expected: HeaderValue,
    username: String,
    password: String,
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
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return false;
        };
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

/// 401 with `WWW-Authenticate` and no body, as ONTAP may answer.
pub(crate) fn unauthorized() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"ONTAP\""),
    );
    resp
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
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Reads the body (when there is one) and records the request in the request log.
async fn record(shared: &Shared, req: Request<Incoming>) -> Result<Request<Body>, Response> {
    let (parts, body) = req.into_parts();
    let bytes = if body.is_end_stream() {
        Bytes::new()
    } else {
        match axum::body::to_bytes(Body::new(body), BODY_LIMIT).await {
            Ok(b) => b,
            Err(e) => {
                shared.requests.record(&parts.method, &parts.uri, b"");
                let err = ApiError::bad_request(
                    codes::INVALID,
                    format!("Invalid JSON in the request body: Failed to buffer the request body: {e}."),
                );
                return Err(err.response(wants_hal(&parts.headers)));
            }
        }
    };
    shared.requests.record(&parts.method, &parts.uri, &bytes);
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Serves one request: the request log, faults, then authentication, then the router.
async fn handle(
    shared: Arc<Shared>,
    auth: Arc<BasicAuth>,
    mut router: Router,
    req: Request<Incoming>,
) -> Result<Response, DroppedConnection> {
    let req = if shared.requests.enabled() {
        match record(&shared, req).await {
            Ok(r) => r,
            Err(resp) => return Ok(resp),
        }
    } else {
        req.map(Body::new)
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

    if !auth.check(req.headers()) {
        return Ok(unauthorized());
    }

    let resp = match router.call(req).await {
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
) {
    let auth = Arc::new(BasicAuth::new(&shared.config.username, &shared.config.password));
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
                let _ = stream.set_nodelay(true);
                let conn = ConnCtx {
                    shared: shared.clone(),
                    auth: auth.clone(),
                    router: router.clone(),
                    shutdown: shutdown.clone(),
                };
                match tls.clone() {
                    None => { conns.spawn(conn.serve(stream)); }
                    Some(acceptor) => {
                        conns.spawn(async move {
                            match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                Ok(Ok(tls_stream)) => conn.serve(tls_stream).await,
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
    shared: Arc<Shared>,
    auth: Arc<BasicAuth>,
    router: Router,
    shutdown: watch::Receiver<bool>,
}

impl ConnCtx {
    fn serve<IO>(self, io: IO) -> impl Future<Output = ()> + Send + 'static
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let ConnCtx {
            shared,
            auth,
            router,
            mut shutdown,
        } = self;
        async move {
            let service =
                hyper::service::service_fn(move |req| handle(shared.clone(), auth.clone(), router.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(io), service);
            tokio::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::trace!(error = %e, "connection ended with an error");
                    }
                }
                _ = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        }
    }
}
