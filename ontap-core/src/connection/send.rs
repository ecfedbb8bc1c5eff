//! Sending a request: [`HostConnection::execute`] with its retries and
//! deadline, one attempt in its slot and `tracing` span (with a provider's
//! refused token replaced), the reading of the answer within its limits,
//! and the error an error status becomes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

#[cfg(doc)]
use super::HostConnectionBuilder;
use super::secrets::Secrets;
use super::{HostConnection, Slot};
use crate::auth::Authorization;
use crate::error::{ApiError, Error, RAW_BODY_LIMIT, RawBody, TransportError};
use crate::request::RequestSpec;
use crate::response::Response;
#[cfg(doc)]
use crate::retry::RetryPolicy;
use crate::transport::{AttemptOutcome, AttemptRequest, Body, BoxFuture};

/// The most read of an error body that looks like JSON, so that an ONTAP
/// error object with long arguments is still read whole; any other error
/// body is read only as far as [`RawBody`] keeps it.
const ERROR_JSON_LIMIT: usize = 64 << 10;

impl HostConnection {
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
    /// attempt, status, and OpenTelemetry's HTTP client fields: `otel.kind`,
    /// `otel.name`, `http.request.method`, `server.address`, `server.port`,
    /// `url.full`, `http.request.resend_count`, `http.response.status_code`,
    /// `error.type`), with the request and response bodies at trace level,
    /// their secrets masked.
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
        let ends = self.call.deadline.map(|d| tokio::time::Instant::now() + d);
        let policy = &self.call.retry;
        let mut sent = 0;
        loop {
            sent += 1;
            let err = match ends {
                Some(ends) => match tokio::time::timeout_at(ends, self.send_once_as(spec, sent)).await {
                    Ok(Ok(response)) => return Ok(response),
                    Ok(Err(err)) => err,
                    Err(_) => return Err(self.deadline_error(spec, sent, None)),
                },
                None => match self.send_once_as(spec, sent).await {
                    Ok(response) => return Ok(response),
                    Err(err) => err,
                },
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
            crate::measure::retry(&self.inner.server.0, spec.method(), spec.route());
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
    fn send_in_as<'a>(
        &'a self,
        slot: Slot,
        spec: &'a RequestSpec,
        attempt: u32,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        let span = self.attempt_span(spec, attempt);
        let traced = !span.is_disabled();
        async move {
            let auth = self.authorization().await?;
            let mut result = self.transmit(&slot, spec, attempt, auth.as_ref(), None).await;
            let refused = matches!(&result, Err(err) if err.status() == Some(http::StatusCode::UNAUTHORIZED));
            if let (Some(tokens), Some(auth), true) = (&self.inner.tokens, auth, refused) {
                // Rare: its state kept apart, so that every request's is smaller.
                result = Box::pin(self.send_with_new_token(tokens, auth.generation, &slot, spec, attempt)).await;
            }
            drop(slot);
            if traced {
                record_outcome(&result);
            }
            result
        }
        .instrument(span)
    }

    /// Sends `spec` again after the server refused the token of `generation`: the
    /// token is replaced, unless another request did so already; either way this
    /// one is sent with the new one.
    async fn send_with_new_token(
        &self,
        tokens: &crate::auth::TokenCache,
        generation: u64,
        slot: &Slot,
        spec: &RequestSpec,
        attempt: u32,
    ) -> Result<Response, Error> {
        tokens.refused(generation).await;
        tracing::debug!(token = generation, "token refused; sending again with a new one");
        let auth = self.authorization().await?;
        self.transmit(slot, spec, attempt, auth.as_ref(), None).await
    }

    /// The span of one attempt: `ontap.attempt` with ontap's fields (method, path,
    /// attempt, status) and OpenTelemetry's HTTP client ones (`otel.kind`,
    /// `otel.name` as the method and the path template, else the path without its
    /// query, `http.request.method`,
    /// `server.address`, `server.port`, `url.full`, `http.request.resend_count` from
    /// the second attempt, `http.response.status_code` and `error.type` once known).
    fn attempt_span(&self, spec: &RequestSpec, attempt: u32) -> tracing::Span {
        let path = spec.path_and_query();
        let route = spec.route_or_path();
        let span = tracing::debug_span!(
            "ontap.attempt",
            method = %spec.method(),
            path,
            attempt,
            status = tracing::field::Empty,
            otel.kind = "client",
            otel.name = %format_args!("{} {route}", spec.method()),
            http.request.method = %spec.method(),
            server.address = %self.inner.server.0,
            server.port = self.inner.server.1,
            url.full = %format_args!("{}{path}", self.inner.base),
            http.request.resend_count = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        if attempt > 1 {
            span.record("http.request.resend_count", attempt - 1);
        }
        span
    }

    /// The provider's current token as a header, if the connection logs in
    /// with a token provider.
    async fn authorization(&self) -> Result<Option<Authorization>, Error> {
        match &self.inner.tokens {
            Some(tokens) => tokens.current(self.call.timeout).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sends `spec` once with `body` streamed as it is read (an upload), in a slot and
    /// its span, within the handle's deadline. Never retried, nor sent again with a new
    /// token: the body is gone once read.
    pub(crate) async fn send_streamed(&self, spec: &RequestSpec, body: Streamed) -> Result<Response, Error> {
        let slot = self.slot().await;
        let span = self.attempt_span(spec, 1);
        let attempt = async move {
            let auth = self.authorization().await?;
            let result = self.transmit(&slot, spec, 1, auth.as_ref(), Some(Box::new(body))).await;
            drop(slot);
            record_outcome(&result);
            result
        }
        .instrument(span);
        match self.call.deadline {
            Some(deadline) => tokio::time::timeout(deadline, attempt)
                .await
                .unwrap_or_else(|_| Err(self.deadline_error(spec, 1, None))),
            None => attempt.await,
        }
    }

    /// Sends `spec` once as attempt number `attempt`, with `auth` when given, and
    /// reads its answer; with `streamed`, its body instead of the spec's JSON. The
    /// interceptors run around it.
    async fn transmit(
        &self,
        _slot: &Slot,
        spec: &RequestSpec,
        attempt: u32,
        auth: Option<&Authorization>,
        streamed: Option<Box<Streamed>>,
    ) -> Result<Response, Error> {
        let method = spec.method();
        let path = spec.path_and_query();
        // Most requests (reads) have no body and no provider's token: the
        // connection's own secrets, made once, are theirs.
        let fresh;
        let secrets = match (auth, spec.body()) {
            (None, None) => &self.inner.secrets,
            (auth, body) => {
                fresh = Secrets::new(&self.inner.credentials, auth.map(|a| &a.secret), body);
                &fresh
            }
        };
        let interceptors = || self.inner.interceptors.iter().chain(&self.call.interceptors);
        let intercepted = !self.inner.interceptors.is_empty() || !self.call.interceptors.is_empty();
        // Most requests carry the connection's headers alone, its login
        // included, made once; the others add the login after their own
        // headers and the interceptors.
        let plain = !intercepted && self.call.headers.is_empty();
        let mut headers = if plain {
            self.inner.sendable.clone()
        } else {
            let mut headers = self.inner.headers.clone();
            for (name, value) in &self.call.headers {
                headers.insert(name, value.clone());
            }
            headers
        };
        let json = match spec.body() {
            Some(body) => {
                let bytes = Bytes::from(serde_json::to_vec(body).map_err(|e| Error::Encode(e.into()))?);
                if tracing::enabled!(tracing::Level::TRACE) {
                    tracing::trace!(body = %secrets.mask(&String::from_utf8_lossy(&bytes), false), "request body");
                }
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(bytes)
            }
            None => None,
        };
        let body = match streamed {
            Some(streamed) => {
                let content_type = HeaderValue::try_from(streamed.content_type)
                    .map_err(|_| Error::Config("the upload's content type is not a valid header".into()))?;
                headers.insert(CONTENT_TYPE, content_type);
                if let Some(length) = streamed.length {
                    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
                }
                Outgoing::Streamed(streamed.body)
            }
            None => Outgoing::Json(json.clone()),
        };

        let mut refused = None;
        if intercepted {
            let masked = || {
                json.as_ref()
                    .map_or_else(String::new, |b| secrets.mask(&String::from_utf8_lossy(b), false))
            };
            let mut request = AttemptRequest {
                method,
                path,
                route: spec.route_or_path(),
                attempt,
                idempotent: spec.is_idempotent(),
                headers: &mut headers,
                body: json.as_ref().map(|_| &masked as &(dyn Fn() -> String + Sync)),
            };
            for interceptor in interceptors() {
                if let Err(source) = interceptor.before_attempt(&mut request).await {
                    refused = Some(source);
                    break;
                }
            }
            if refused.is_none()
                && let Some(name) = headers.keys().find(|name| super::open::is_sensitive_header(name))
            {
                refused =
                    Some(format!("an interceptor set the login header `{name}`, which is the connection's").into());
            }
        }
        // Read only for what measures the attempt.
        let started = (intercepted || cfg!(feature = "metrics")).then(Instant::now);
        let elapsed = || started.map_or(Duration::ZERO, |started| started.elapsed());
        let result = match refused {
            Some(source) => {
                tracing::debug!(%method, path, error = %source, "refused by an interceptor");
                Err(Error::Interceptor {
                    method: method.clone(),
                    path: path.to_owned(),
                    source: Arc::from(source),
                })
            }
            None => {
                if !plain {
                    for (name, value) in &self.inner.login {
                        headers.insert(name, value.clone());
                    }
                }
                if let Some(auth) = auth {
                    headers.insert(AUTHORIZATION, auth.header.clone());
                }
                // The server may hold the answer for `return_timeout` seconds.
                let held = Duration::from_secs(spec.return_timeout().unwrap_or(0).into());
                let limit = self.call.timeout + held;
                let streamed = matches!(body, Outgoing::Streamed(_));
                let sending = self
                    .request(method, path, headers, body)
                    .map(|request| self.inner.transport.send(request));
                match sending {
                    Err(err) => Err(err),
                    Ok(sending) => {
                        let exchange = self.exchange(method, path, sending, streamed, secrets);
                        // The timer is set before the request goes out: the wake-up that
                        // sends it then also serves the timer's registration (set after,
                        // it costs each request one more wake-up of the runtime's driver).
                        let deadline = tokio::time::sleep(limit);
                        tokio::select! {
                            biased;
                            () = deadline => Err(Error::Transport {
                                method: method.clone(),
                                path: path.to_owned(),
                                source: TransportError::timeout(format!("no whole answer within {limit:?}")),
                            }),
                            result = exchange => result,
                        }
                    }
                }
            }
        };
        if !matches!(result, Err(Error::Interceptor { .. })) {
            crate::measure::attempt(&self.inner.server.0, method, spec.route(), &result, elapsed());
        }
        if intercepted {
            let outcome = AttemptOutcome {
                method,
                path,
                route: spec.route_or_path(),
                attempt,
                elapsed: elapsed(),
                result: result.as_ref(),
            };
            for interceptor in interceptors() {
                interceptor.after_attempt(&outcome);
            }
        }
        result
    }

    /// The request to send: `method` to `path` below the base, with `headers`
    /// and `body`.
    fn request(
        &self,
        method: &http::Method,
        path: &str,
        headers: HeaderMap,
        body: Outgoing,
    ) -> Result<http::Request<Body>, Error> {
        let body = match body {
            Outgoing::Json(Some(bytes)) => Body::from(bytes),
            Outgoing::Json(None) => Body::empty(),
            Outgoing::Streamed(body) => body,
        };
        let mut request = http::Request::new(body);
        *request.method_mut() = method.clone();
        // The base's scheme and authority, parsed once; the path after the base's.
        let (scheme, authority) = &self.inner.origin;
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(scheme.clone());
        uri.authority = Some(authority.clone());
        let unusable = |e: &dyn std::fmt::Display| Error::Config(format!("`{path}` cannot be sent as a URL: {e}"));
        uri.path_and_query = Some(
            http::uri::PathAndQuery::from_maybe_shared(Bytes::from([super::API_ROOT, path].concat()))
                .map_err(|e| unusable(&e))?,
        );
        *request.uri_mut() = http::Uri::from_parts(uri).map_err(|e| unusable(&e))?;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// Awaits the answer to a request being sent (`sending`) and reads it within
    /// the body limit and the read time-out (which does not apply to the wait for
    /// the answer to a `streamed` upload).
    async fn exchange(
        &self,
        method: &http::Method,
        path: &str,
        sending: BoxFuture<'static, Result<http::Response<Body>, TransportError>>,
        streamed: bool,
        secrets: &Secrets,
    ) -> Result<Response, Error> {
        let transport = |source: TransportError| Error::Transport {
            method: method.clone(),
            path: path.to_owned(),
            source,
        };
        let stalled = |read: Duration| transport(TransportError::timeout(format!("the answer stalled for {read:?}")));
        let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        // An upload's answer comes after its body, however long that takes to send.
        let (http::response::Parts { status, headers, .. }, mut reply) = {
            let sent = match self.inner.read_timeout.filter(|_| !streamed) {
                Some(read) => tokio::time::timeout(read, sending).await.map_err(|_| stalled(read))?,
                None => sending.await,
            };
            match sent {
                Ok(reply) => reply.into_parts(),
                Err(source) => {
                    tracing::debug!(%method, path, error = %source, "request failed");
                    return Err(transport(source));
                }
            }
        };
        let announced: Option<u64> = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .or_else(|| reply.as_bytes().map(|b| b.len() as u64));
        let success = status.is_success();
        let limit = if success {
            self.inner.max_body_bytes
        } else {
            ERROR_JSON_LIMIT.min(self.inner.max_body_bytes)
        };
        if success && announced.is_some_and(|n| n > limit as u64) {
            tracing::debug!(%method, path, status = status.as_u16(), announced, "body larger than the limit");
            return Err(Error::BodyTooLarge {
                method: method.clone(),
                path: path.to_owned(),
                status,
                limit,
                announced,
            });
        }
        let capacity = announced.map_or(0, |n| n.min(limit as u64) as usize).min(1 << 20);
        let mut body = BytesMut::new();
        // A body that comes in one piece is kept as it came, not copied.
        let mut whole: Option<Bytes> = None;
        let mut complete = false;
        while body.len() + whole.as_ref().map_or(0, Bytes::len) <= limit {
            // An error body that is not JSON is read only as far as it is kept.
            let read = whole.as_deref().unwrap_or(&body[..]);
            if !success && read.len() > RAW_BODY_LIMIT && !looks_like_json(read) {
                break;
            }
            let piece = match self.inner.read_timeout {
                Some(read) => tokio::time::timeout(read, reply.chunk())
                    .await
                    .map_err(|_| stalled(read))?,
                None => reply.chunk().await,
            };
            match piece {
                Some(chunk) => {
                    let chunk = chunk.map_err(transport)?;
                    if body.is_empty() && whole.is_none() {
                        whole = Some(chunk);
                        continue;
                    }
                    if let Some(first) = whole.take() {
                        body.reserve(capacity.max(first.len() + chunk.len()));
                        body.extend_from_slice(&first);
                    }
                    body.extend_from_slice(&chunk);
                }
                None => {
                    complete = true;
                    break;
                }
            }
        }
        let body = match whole {
            Some(first) => first,
            None => body.freeze(),
        };
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
            duration_ms = started.map_or(0.0, |started| started.elapsed().as_secs_f64() * 1000.0),
            "ontap request"
        );
        if success && !complete {
            return Err(Error::BodyTooLarge {
                method: method.clone(),
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
                body
            };
            return Ok(Response::new(method.clone(), path.to_owned(), status, headers, body));
        }
        let announced = announced.and_then(|n| usize::try_from(n).ok());
        let kept = Kept {
            body: &body,
            complete,
            announced,
        };
        Err(error_from_reply(
            method.clone(),
            path.to_owned(),
            status,
            &headers,
            kept,
            secrets,
        ))
    }
}

/// A request's body before it is sent: its JSON, or an upload's stream.
enum Outgoing {
    Json(Option<Bytes>),
    Streamed(Body),
}

/// Records an attempt's outcome on the current span: its status (ontap's `status` and
/// OpenTelemetry's `http.response.status_code`), and on failure `error.type` (the
/// status code, or the error's kind for what had none).
fn record_outcome(result: &Result<Response, Error>) {
    let status = match result {
        Ok(response) => Some(response.status()),
        Err(err) => err.status(),
    };
    let span = tracing::Span::current();
    if let Some(status) = status {
        span.record("status", status.as_u16());
        span.record("http.response.status_code", status.as_u16());
    }
    if let Err(err) = result {
        match status {
            Some(status) => span.record("error.type", status.as_u16().to_string()),
            None => span.record("error.type", format!("{:?}", err.kind()).to_lowercase()),
        };
    }
}

/// A request body sent as it is read: its content type and, when known, its length.
pub(crate) struct Streamed {
    pub(crate) body: Body,
    pub(crate) content_type: String,
    pub(crate) length: Option<u64>,
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
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.inner());
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
