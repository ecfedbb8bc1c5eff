//! A scripted HTTP server on 127.0.0.1 for the tests that need an exact
//! sequence of answers (a job running twice, then failing; a 503, then a
//! 200): each mock matches requests and answers them, in the order mounted,
//! for as many times as it is allowed. Unmatched requests get 404.
//!
//! ```ignore
//! Mock::given(method("GET")).and(path("/api/cluster/jobs/1"))
//!     .respond_with(ResponseTemplate::new(200).set_body_json(json!({"state": "running"})))
//!     .up_to_n_times(2)
//!     .expect(2)
//!     .mount(&server)
//!     .await;
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What a mock matches on.
#[derive(Debug, Clone)]
pub enum Matcher {
    Method(Method),
    Path(String),
    QueryParam(String, String),
    Header(String, String),
    BodyJson(Value),
}

impl Matcher {
    fn matches(&self, request: &Request) -> bool {
        match self {
            Matcher::Method(m) => request.method == *m,
            Matcher::Path(p) => request.path == *p,
            Matcher::QueryParam(name, value) => request.query.iter().any(|(n, v)| n == name && v == value),
            Matcher::Header(name, value) => request.headers.get(name).is_some_and(|v| v == value.as_str()),
            Matcher::BodyJson(expected) => serde_json::from_slice::<Value>(&request.body).is_ok_and(|v| v == *expected),
        }
    }
}

pub fn method(m: &str) -> Matcher {
    Matcher::Method(Method::from_bytes(m.as_bytes()).expect("an HTTP method"))
}

pub fn path(p: impl Into<String>) -> Matcher {
    Matcher::Path(p.into())
}

pub fn query_param(name: &str, value: &str) -> Matcher {
    Matcher::QueryParam(name.into(), value.into())
}

pub fn header(name: &str, value: &str) -> Matcher {
    Matcher::Header(name.into(), value.into())
}

pub fn body_json(value: Value) -> Matcher {
    Matcher::BodyJson(value)
}

/// An answer.
#[derive(Debug, Clone)]
pub struct ResponseTemplate {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl ResponseTemplate {
    pub fn new(status: u16) -> Self {
        ResponseTemplate {
            status: StatusCode::from_u16(status).expect("a status"),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn set_body_json(self, body: Value) -> Self {
        self.set_body_raw(body.to_string(), "application/json")
    }

    pub fn set_body_raw(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = body.into();
        self.insert_header("content-type", content_type)
    }

    pub fn insert_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A mock being built: matchers, an answer, and how often it may answer.
#[derive(Debug)]
pub struct Mock {
    matchers: Vec<Matcher>,
    response: Option<ResponseTemplate>,
    limit: Option<usize>,
    expected: Option<usize>,
}

impl Mock {
    pub fn given(matcher: Matcher) -> Self {
        Mock {
            matchers: vec![matcher],
            response: None,
            limit: None,
            expected: None,
        }
    }

    pub fn and(mut self, matcher: Matcher) -> Self {
        self.matchers.push(matcher);
        self
    }

    pub fn respond_with(mut self, response: ResponseTemplate) -> Self {
        self.response = Some(response);
        self
    }

    /// Answers at most `n` requests; later ones fall through to the next mock.
    pub fn up_to_n_times(mut self, n: usize) -> Self {
        self.limit = Some(n);
        self
    }

    /// Must answer exactly `n` requests by the time the server is dropped.
    pub fn expect(mut self, n: usize) -> Self {
        self.expected = Some(n);
        self
    }

    pub async fn mount(self, server: &MockServer) {
        let response = self.response.expect("respond_with before mount");
        let mounted = Mounted {
            matchers: self.matchers,
            response,
            limit: self.limit,
            expected: self.expected,
            hits: 0,
        };
        lock(&server.state).mocks.push(mounted);
    }
}

#[derive(Debug)]
struct Mounted {
    matchers: Vec<Matcher>,
    response: ResponseTemplate,
    limit: Option<usize>,
    expected: Option<usize>,
    hits: usize,
}

#[derive(Debug, Default)]
struct State {
    mocks: Vec<Mounted>,
    received: Vec<Request>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The server; stops, and checks every `expect`, when dropped.
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    pub async fn start() -> MockServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { answer(&state, method, uri, headers, body) }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockServer { addr, state, task }
    }

    pub fn address(&self) -> &SocketAddr {
        &self.addr
    }

    /// Every request received so far, in order.
    pub async fn received_requests(&self) -> Option<Vec<Request>> {
        Some(lock(&self.state).received.clone())
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
        if std::thread::panicking() {
            return;
        }
        for (index, mock) in lock(&self.state).mocks.iter().enumerate() {
            if let Some(expected) = mock.expected {
                assert_eq!(
                    mock.hits, expected,
                    "mock #{index} {:?} answered {} requests",
                    mock.matchers, mock.hits
                );
            }
        }
    }
}

fn answer(state: &Mutex<State>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let query = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect();
    let request = Request {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body,
    };
    let mut state = lock(state);
    state.received.push(request.clone());
    let found = state
        .mocks
        .iter_mut()
        .find(|m| m.limit.is_none_or(|limit| m.hits < limit) && m.matchers.iter().all(|x| x.matches(&request)));
    let Some(mock) = found else {
        return StatusCode::NOT_FOUND.into_response();
    };
    mock.hits += 1;
    let template = mock.response.clone();
    let mut response = (template.status, template.body).into_response();
    for (name, value) in template.headers {
        let name = HeaderName::try_from(name).expect("a header name");
        response
            .headers_mut()
            .insert(name, HeaderValue::try_from(value).expect("a header value"));
    }
    response
}
