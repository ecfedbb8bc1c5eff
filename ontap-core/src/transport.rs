//! The layer under the client: the [`Transport`] that sends one HTTP request and
//! returns its answer, the [`Body`] both carry, and the [`Interceptor`]s that a
//! connection or a handle runs around each attempt.
//!
//! A connection sends through reqwest unless the builder is given a transport of
//! one's own ([`HostConnectionBuilder::transport`]): a test double
//! ([`crate::mock::MockTransport`]), a recorder, another HTTP stack. Whatever
//! sends, the connection keeps its guarantees above it: retries (a POST is never
//! sent twice), the in-flight bound, logins, time-outs, body limits and the
//! masking of secrets.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use http::{HeaderMap, Method, StatusCode};

use crate::auth::BoxError;
use crate::error::{Error, TransportError};
use crate::response::Response;
#[cfg(doc)]
use crate::{HostConnection, HostConnectionBuilder};

/// A future that is `Send`, boxed: what a [`Transport`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The body of a request or of an answer: bytes in memory, or a stream of them
/// read as they come (an upload, an answer from the network).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use ontap_core::Body;
/// let mut body = Body::from(r#"{"num_records":0}"#);
/// assert_eq!(body.as_bytes().unwrap().len(), 17);
/// let piece = body.chunk().await.unwrap().unwrap();
/// assert_eq!(&piece[..], br#"{"num_records":0}"#);
/// assert!(body.chunk().await.is_none());
///
/// let streamed = Body::from_stream(futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("ab"))]));
/// assert!(streamed.as_bytes().is_none());
/// # }
/// ```
pub struct Body(Kind);

enum Kind {
    Full(Option<Bytes>),
    Stream(BoxStream<'static, Result<Bytes, TransportError>>),
}

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body(Kind::Full(None))
    }

    /// A body read from `stream` as it yields its pieces; an error ends it, as
    /// [`TransportError::other`] classes it.
    pub fn from_stream<S, E>(stream: S) -> Body
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Body(Kind::Stream(
            stream.map(|piece| piece.map_err(TransportError::other)).boxed(),
        ))
    }

    /// The whole body, when it is in memory (not a stream, not yet read); an
    /// empty body is empty bytes.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        static EMPTY: Bytes = Bytes::new();
        match &self.0 {
            Kind::Full(bytes) => Some(bytes.as_ref().unwrap_or(&EMPTY)),
            Kind::Stream(_) => None,
        }
    }

    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, TransportError>> {
        match &mut self.0 {
            Kind::Full(bytes) => bytes.take().filter(|b| !b.is_empty()).map(Ok),
            Kind::Stream(stream) => stream.next().await,
        }
    }

    /// The whole body, read to its end; a body longer than `limit` bytes is an error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let body = ontap_core::Body::from("twelve bytes");
    /// assert!(body.collect(4).await.is_err());
    /// assert_eq!(ontap_core::Body::from("ok").collect(4).await.unwrap(), "ok");
    /// # }
    /// ```
    pub async fn collect(mut self, limit: usize) -> Result<Bytes, TransportError> {
        if let Kind::Full(bytes) = &mut self.0 {
            let bytes = bytes.take().unwrap_or_default();
            return match bytes.len() <= limit {
                true => Ok(bytes),
                false => Err(TransportError::other(format!("a body of more than {limit} bytes"))),
            };
        }
        let mut all = bytes::BytesMut::new();
        while let Some(piece) = self.chunk().await {
            let piece = piece?;
            if all.len() + piece.len() > limit {
                return Err(TransportError::other(format!("a body of more than {limit} bytes")));
            }
            all.extend_from_slice(&piece);
        }
        Ok(all.freeze())
    }

    /// The body as reqwest sends it.
    fn into_reqwest(self) -> reqwest::Body {
        match self.0 {
            Kind::Full(bytes) => reqwest::Body::from(bytes.unwrap_or_default()),
            Kind::Stream(stream) => reqwest::Body::wrap_stream(stream),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Full(bytes) => write!(f, "Body({} bytes)", bytes.as_ref().map_or(0, Bytes::len)),
            Kind::Stream(_) => f.write_str("Body(stream)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body(Kind::Full(Some(bytes)))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from(Bytes::from(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from(Bytes::from(text))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body::from(Bytes::from_static(text.as_bytes()))
    }
}

/// What sends one HTTP request and returns its answer, its body read as it comes.
///
/// The request is whole: its URL (`https://host/api/...`), its headers (the
/// login among them) and its body. The connection above does the rest: it retries
/// (only what may be sent again), bounds the requests in flight, times the
/// request out ([`HostConnectionBuilder::request_timeout`],
/// [`read_timeout`](HostConnectionBuilder::read_timeout)), reads the body within
/// its limit and turns an error status into [`Error`]. A transport reports only
/// what kept an answer from coming, as a [`TransportError`]
/// ([`connect`](TransportError::connect) and [`timeout`](TransportError::timeout)
/// ones are retried for idempotent requests).
///
/// A closure taking the request and returning a future is a transport:
///
/// ```
/// use ontap_core::{Body, HostConnection, TransportError};
/// let conn = HostConnection::builder("cluster")
///     .transport(|request: http::Request<Body>| async move {
///         assert_eq!(request.uri().path(), "/api/cluster");
///         Ok::<_, TransportError>(http::Response::new(Body::from(r#"{"name":"c1"}"#)))
///     })
///     .build()
///     .unwrap();
/// # let _ = conn;
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` and returns the answer's status, headers and body.
    fn send(&self, request: http::Request<Body>) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>>;
}

impl<F, Fut> Transport for F
where
    F: Fn(http::Request<Body>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<http::Response<Body>, TransportError>> + Send + 'static,
{
    fn send(&self, request: http::Request<Body>) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        Box::pin(self(request))
    }
}

/// The transport a connection has unless given another: a reqwest client with its
/// pool, TLS and proxy.
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
    /// The connection's API root, parsed once: a request to it only changes its
    /// path and query.
    base: reqwest::Url,
    /// The base's scheme and authority as a request's URI has them.
    origin: (String, String),
}

impl ReqwestTransport {
    pub(crate) fn new(client: reqwest::Client, base: reqwest::Url) -> ReqwestTransport {
        let text = base.as_str();
        let (scheme, rest) = text.split_once("://").unwrap_or((text, ""));
        let authority = rest.split('/').next().unwrap_or(rest);
        let origin = (scheme.to_owned(), authority.to_owned());
        ReqwestTransport { client, base, origin }
    }

    /// The URL of `uri`: the base with its path and query, when it is the base's origin.
    fn url(&self, uri: &http::Uri) -> Result<reqwest::Url, TransportError> {
        let same_origin = uri.scheme_str() == Some(self.origin.0.as_str())
            && uri.authority().map(http::uri::Authority::as_str) == Some(self.origin.1.as_str());
        if !same_origin {
            return reqwest::Url::parse(&uri.to_string()).map_err(TransportError::other);
        }
        let mut url = self.base.clone();
        url.set_path(uri.path());
        url.set_query(uri.query());
        Ok(url)
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: http::Request<Body>) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let client = self.client.clone();
        let url = self.url(request.uri());
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut request = reqwest::Request::new(parts.method, url?);
            *request.headers_mut() = parts.headers;
            // No body is sent as none (a GET), not as an empty one.
            if body.as_bytes().is_none_or(|bytes| !bytes.is_empty()) {
                *request.body_mut() = Some(body.into_reqwest());
            }
            let reply = client.execute(request).await.map_err(TransportError::new)?;
            let mut reply = reply;
            let status = reply.status();
            let headers = std::mem::take(reply.headers_mut());
            let mut answer = http::Response::new(Body::from_stream(reply.bytes_stream()));
            *answer.status_mut() = status;
            *answer.headers_mut() = headers;
            Ok(answer)
        })
    }
}

/// Code a connection, or a handle, runs around each attempt of its requests:
/// before it is sent, with its headers to change or the request to refuse; after
/// it, with its outcome. For audit logs, extra headers, request-rate limits,
/// metrics of one's own.
///
/// An interceptor cannot send, nor make the connection send again: retries stay
/// the connection's, and a POST is sent at most once whatever it does. It never
/// sees the login: the `Authorization` header is added after it, and a login
/// header it sets is refused ([`Error::Interceptor`]). A request's body it reads
/// only with its secrets masked ([`AttemptRequest::body_masked`]).
///
/// Each attempt calls it, a retry and a request sent again with a renewed token
/// included; an attempt cut by a deadline ends without [`after_attempt`](Self::after_attempt).
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::sync::Arc;
/// use ontap_core::{AttemptOutcome, AttemptRequest, BoxError, HostConnection, Interceptor};
///
/// #[derive(Default)]
/// struct Audit {
///     attempts: AtomicU32,
/// }
///
/// #[ontap_core::async_trait]
/// impl Interceptor for Audit {
///     async fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), BoxError> {
///         request.headers_mut().insert("x-request-origin", "nightly-report".parse()?);
///         Ok(())
///     }
///     fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
///         self.attempts.fetch_add(1, Ordering::Relaxed);
///         println!("{} {} -> {:?} in {:?}", outcome.method(), outcome.route(), outcome.status(), outcome.elapsed());
///     }
/// }
///
/// let audit = Arc::new(Audit::default());
/// let conn = HostConnection::builder("cluster").interceptor(audit.clone()).build().unwrap();
/// # let _ = conn;
/// ```
#[async_trait::async_trait]
pub trait Interceptor: Send + Sync + 'static {
    /// Before an attempt is sent (after its slot is taken): may change its
    /// headers, wait (a rate limit), or refuse it with an error, which ends the
    /// request as [`Error::Interceptor`], unsent and not retried.
    async fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), BoxError> {
        let _ = request;
        Ok(())
    }

    /// After an attempt: its answer or its error.
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = outcome;
    }
}

#[async_trait::async_trait]
impl<T: Interceptor + ?Sized> Interceptor for std::sync::Arc<T> {
    async fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), BoxError> {
        (**self).before_attempt(request).await
    }

    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        (**self).after_attempt(outcome)
    }
}

/// What an attempt is about to send, for [`Interceptor::before_attempt`].
pub struct AttemptRequest<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) route: &'a str,
    pub(crate) attempt: u32,
    pub(crate) idempotent: bool,
    pub(crate) headers: &'a mut HeaderMap,
    pub(crate) body: Option<&'a (dyn Fn() -> String + Sync)>,
}

impl AttemptRequest<'_> {
    /// The request's method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The path and query below `/api`, as sent.
    pub fn path_and_query(&self) -> &str {
        self.path
    }

    /// The path template the path fills (`/storage/volumes/{uuid}`), else the path
    /// without its query.
    pub fn route(&self) -> &str {
        self.route
    }

    /// 1 for the first attempt, 2 for the first retry...
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Whether the request may be sent again (GET and HEAD).
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The headers to send, the login aside.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The headers to send, to change; a login header set here is refused.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers
    }

    /// The JSON body, with the connection's credentials and the body's secret
    /// fields masked; `None` without a JSON body (an upload is a stream).
    pub fn body_masked(&self) -> Option<String> {
        self.body.map(|masked| masked())
    }
}

impl fmt::Debug for AttemptRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptRequest")
            .field("method", self.method)
            .field("path", &self.path)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// How an attempt ended, for [`Interceptor::after_attempt`].
pub struct AttemptOutcome<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) route: &'a str,
    pub(crate) attempt: u32,
    pub(crate) elapsed: Duration,
    pub(crate) result: Result<&'a Response, &'a Error>,
}

impl AttemptOutcome<'_> {
    /// The request's method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The path and query below `/api`, as sent.
    pub fn path_and_query(&self) -> &str {
        self.path
    }

    /// The path template the path fills, else the path without its query.
    pub fn route(&self) -> &str {
        self.route
    }

    /// 1 for the first attempt, 2 for the first retry...
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// From sending to the answer read, or to the failure.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The answer's status, when one came (an error status included).
    pub fn status(&self) -> Option<StatusCode> {
        match self.result {
            Ok(response) => Some(response.status()),
            Err(err) => err.status(),
        }
    }

    /// The answer, when its status is a success.
    pub fn response(&self) -> Option<&Response> {
        self.result.ok()
    }

    /// The error, when the attempt failed (an error status included).
    pub fn error(&self) -> Option<&Error> {
        self.result.err()
    }
}

impl fmt::Debug for AttemptOutcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptOutcome")
            .field("method", self.method)
            .field("path", &self.path)
            .field("attempt", &self.attempt)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}
