//! A [`Transport`] that answers from rules, for unit tests without a server.
//!
//! [`MockTransport`] answers each request from the first rule that matches its
//! method and path (a path template, `{...}` matching one segment), in the order
//! the rule's replies were given (the last one repeats); it plays jobs step by step,
//! as single reads and batched ones; and it keeps every request it saw, for
//! assertions. The connection above it is the real one: retries, job waits,
//! paging, the release guard, errors and masking run as against a cluster.
//!
//! **When to use which.** A mock answers what the test says, instantly and with
//! no port: for a unit test of one's own code around a call (a retry through a
//! 503, a failed job, an error code handled). The simulator (`ontap-sim`)
//! answers as ONTAP does, with state across calls (a volume created is then
//! listed): for integration tests of a whole flow, and for what the test author
//! does not know ONTAP's answer to.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ontap_core::Error> {
//! use http::Method;
//! use ontap_core::mock::{MockTransport, Reply};
//! use ontap_core::{Query, RequestSpec};
//!
//! let mock = MockTransport::new();
//! mock.on(Method::GET, "/storage/volumes/{uuid}")
//!     .reply(Reply::error(503, "2", "busy"))
//!     .reply(Reply::ok(serde_json::json!({"uuid": "v1", "name": "vol1"})));
//! let conn = mock.connection();
//!
//! let read = RequestSpec::new(Method::GET, "/storage/volumes/v1", &Query::new());
//! let answer = conn.execute(&read).await?;          // retried through the 503
//! assert_eq!(answer.json()?["name"], "vol1");
//! assert_eq!(mock.requests().len(), 2);
//! # Ok(()) }
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use crate::connection::{HostConnection, HostConnectionBuilder};
use crate::error::TransportError;
use crate::resource::{Resource, Verb};
use crate::transport::{Body, BoxFuture, Transport};

/// The largest request body a mock keeps.
const SEEN_BODY_LIMIT: usize = 64 << 20;

/// A transport answering from rules, keeping the requests it saw. Cheap to clone:
/// clones share their rules and their record.
///
/// ```
/// use ontap_core::mock::{MockTransport, Reply};
/// let mock = MockTransport::new();
/// mock.on(http::Method::GET, "/cluster").reply(Reply::ok(serde_json::json!({"name": "c1"})));
/// let conn = mock.connection();
/// assert_eq!(conn.base_url(), "https://cluster.mock/api");
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    /// Each job's steps by uuid: each read answers the next; the last repeats.
    jobs: HashMap<String, VecDeque<Value>>,
    seen: Vec<SeenRequest>,
}

struct Rule {
    method: Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    replies: VecDeque<Reply>,
}

impl MockTransport {
    /// A mock with no rules: every request is a transport error until one matches.
    pub fn new() -> MockTransport {
        MockTransport::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A rule for `method` on `path` (below `/api`, without query), where a
    /// `{...}` segment matches any one segment; give it its replies with
    /// [`RuleBuilder::reply`]. The first rule added that matches answers.
    #[must_use = "a rule without replies answers nothing: give it some with `reply`"]
    pub fn on(&self, method: Method, path: &str) -> RuleBuilder {
        let segments = path.trim_matches('/').split('/').map(str::to_owned).collect();
        let mut state = self.lock();
        state.rules.push(Rule {
            method,
            segments,
            query: Vec::new(),
            replies: VecDeque::new(),
        });
        RuleBuilder {
            mock: self.clone(),
            index: state.rules.len() - 1,
        }
    }

    /// A rule for `verb` on one object of `R`: its instance path, any keys (a
    /// POST: its collection path).
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection)]
    /// struct Volume {
    ///     #[get] #[key] uuid: Option<String>,
    /// }
    /// use ontap_core::mock::{MockTransport, Reply};
    /// let mock = MockTransport::new();
    /// mock.on_resource::<Volume>(ontap_core::Verb::Delete).reply(Reply::job("j1"));
    /// ```
    #[must_use = "a rule without replies answers nothing: give it some with `reply`"]
    pub fn on_resource<R: Resource>(&self, verb: Verb) -> RuleBuilder {
        let path = match verb {
            Verb::Post => crate::request::collection_route::<R>(),
            _ => crate::request::instance_route::<R>(),
        };
        let method = Method::from_bytes(verb.as_str().as_bytes()).unwrap_or(Method::GET);
        self.on(method, &path)
    }

    /// A job the mock plays, read by its uuid alone or with others
    /// (`GET /cluster/jobs/{uuid}` and `GET /cluster/jobs?uuid=a|b`): each read
    /// answers its next step, and the last step repeats.
    ///
    /// ```
    /// use ontap_core::mock::MockTransport;
    /// let mock = MockTransport::new();
    /// mock.job("1cd8a442").running("Creating").success("Complete");
    /// ```
    pub fn job(&self, uuid: &str) -> MockJob {
        self.lock().jobs.entry(uuid.to_owned()).or_default();
        MockJob {
            mock: self.clone(),
            uuid: uuid.to_owned(),
        }
    }

    /// A connection that sends through this mock, as `admin` to
    /// `https://cluster.mock/api`, with the release stated (9.19.1: no read of
    /// it) and jobs polled every millisecond.
    pub fn connection(&self) -> HostConnection {
        match self.connection_builder().build() {
            Ok(conn) => conn,
            // The settings above are all valid.
            Err(err) => unreachable!("the mock's connection settings are valid: {err}"),
        }
    }

    /// The settings of [`connection`](Self::connection), to change some (a
    /// release, a retry policy) before building.
    ///
    /// ```
    /// use ontap_core::mock::MockTransport;
    /// let mock = MockTransport::new();
    /// let conn = mock.connection_builder().release("9.8".parse().unwrap()).build().unwrap();
    /// assert_eq!(conn.known_release().unwrap().to_string(), "9.8");
    /// ```
    pub fn connection_builder(&self) -> HostConnectionBuilder {
        HostConnection::builder("cluster.mock")
            .basic_auth("admin", "mock-password")
            .release(crate::Release::new(9, 19, 1))
            .poll_interval(Duration::from_millis(1))
            .transport(self.clone())
    }

    /// Every request the mock saw, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.lock().seen.clone()
    }

    /// Answers one request.
    fn answer(&self, request: SeenRequest) -> Result<http::Response<Body>, TransportError> {
        let mut state = self.lock();
        let (path, query) = request
            .path_and_query
            .split_once('?')
            .unwrap_or((&request.path_and_query, ""));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let query = parse_query(query);
        let reply = if request.method == Method::GET && segments.starts_with(&["cluster", "jobs"]) {
            job_reply(&mut state.jobs, &segments, &query)
        } else {
            None
        };
        let reply = reply.or_else(|| {
            let rule = state.rules.iter_mut().find(|rule| {
                rule.method == request.method
                    && rule.segments.len() == segments.len()
                    && rule
                        .segments
                        .iter()
                        .zip(&segments)
                        .all(|(want, got)| (want.starts_with('{') && !got.is_empty()) || want == got)
                    && rule.query.iter().all(|(name, value)| query.get(name) == Some(value))
            })?;
            match rule.replies.len() {
                0 => None,
                1 => rule.replies.front().cloned(),
                _ => rule.replies.pop_front(),
            }
        });
        let described = format!("{} {}", request.method, request.path_and_query);
        state.seen.push(request);
        drop(state);
        match reply {
            Some(reply) => reply.into_response(),
            None => Err(TransportError::other(format!("no mock rule answers {described}"))),
        }
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MockTransport")
            .field("rules", &state.rules.len())
            .field("jobs", &state.jobs.len())
            .field("seen", &state.seen.len())
            .finish()
    }
}

impl Transport for MockTransport {
    fn send(&self, request: http::Request<Body>) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let mock = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect(SEEN_BODY_LIMIT).await?;
            let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let path_and_query = path_and_query.strip_prefix("/api").unwrap_or(path_and_query).to_owned();
            mock.answer(SeenRequest {
                method: parts.method,
                path_and_query,
                headers: parts.headers,
                body,
            })
        })
    }
}

/// The answer of a job read: the uuid's next step, or every uuid asked for.
fn job_reply(
    jobs: &mut HashMap<String, VecDeque<Value>>,
    segments: &[&str],
    query: &HashMap<String, String>,
) -> Option<Reply> {
    let mut next = |uuid: &str| {
        let steps = jobs.get_mut(uuid)?;
        match steps.len() {
            0 => None,
            1 => steps.front().cloned(),
            _ => steps.pop_front(),
        }
    };
    match segments {
        [_, _, uuid] => next(uuid).map(Reply::ok),
        [_, _] => {
            let uuids = query.get("uuid")?;
            let records: Vec<Value> = uuids.split('|').filter_map(&mut next).collect();
            if records.is_empty() {
                return None;
            }
            Some(Reply::ok(json!({"records": records, "num_records": records.len()})))
        }
        _ => None,
    }
}

fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| {
                percent_encoding::percent_decode_str(text)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(name), decode(value))
        })
        .collect()
}

/// A rule of a [`MockTransport`], to give its replies and narrow its match.
#[derive(Debug)]
pub struct RuleBuilder {
    mock: MockTransport,
    index: usize,
}

impl RuleBuilder {
    /// One more reply: the rule's replies answer in order, the last one repeats.
    pub fn reply(self, reply: Reply) -> RuleBuilder {
        self.mock.lock().rules[self.index].replies.push_back(reply);
        self
    }

    /// Matches only a request whose query has `name=value` (decoded).
    ///
    /// ```
    /// use ontap_core::mock::{MockTransport, Reply};
    /// let mock = MockTransport::new();
    /// mock.on(http::Method::GET, "/storage/volumes")
    ///     .query("name", "vol1")
    ///     .reply(Reply::ok(serde_json::json!({"records": [], "num_records": 0})));
    /// ```
    pub fn query(self, name: &str, value: &str) -> RuleBuilder {
        self.mock.lock().rules[self.index]
            .query
            .push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The steps of a job a [`MockTransport`] plays.
#[derive(Debug)]
pub struct MockJob {
    mock: MockTransport,
    uuid: String,
}

impl MockJob {
    fn step(self, state: &str, code: u64, message: &str) -> MockJob {
        let record = json!({
            "uuid": self.uuid,
            "state": state,
            "code": code,
            "message": message,
            "_links": {"self": {"href": format!("/api/cluster/jobs/{}", self.uuid)}},
        });
        self.mock
            .lock()
            .jobs
            .entry(self.uuid.clone())
            .or_default()
            .push_back(record);
        self
    }

    /// A read that finds the job running, with `message`.
    pub fn running(self, message: &str) -> MockJob {
        self.step("running", 0, message)
    }

    /// A read that finds the job succeeded.
    pub fn success(self, message: &str) -> MockJob {
        self.step("success", 0, message)
    }

    /// A read that finds the job failed with ONTAP's `code` and `message`.
    pub fn failure(self, code: u64, message: &str) -> MockJob {
        self.step("failure", code, message)
    }
}

/// One answer of a [`MockTransport`]'s rule.
///
/// ```
/// use ontap_core::mock::Reply;
/// let busy = Reply::error(503, "2", "busy").header("retry-after", "1");
/// # let _ = busy;
/// ```
#[derive(Debug, Clone)]
pub struct Reply {
    answer: Result<(StatusCode, HeaderMap, Bytes), TransportError>,
}

impl Reply {
    /// `status` with `body` as JSON.
    pub fn json(status: u16, body: Value) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/hal+json"),
        );
        Reply {
            answer: Ok((status_code(status), headers, Bytes::from(body.to_string()))),
        }
    }

    /// 200 with `body` as JSON.
    pub fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }

    /// `status` with ONTAP's error object: its `code` and `message`.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, json!({"error": {"code": code, "message": message}}))
    }

    /// 202 with the job `uuid` started, as ONTAP answers a request that starts one;
    /// play it with [`MockTransport::job`].
    pub fn job(uuid: &str) -> Reply {
        Reply::json(
            202,
            json!({"job": {"uuid": uuid, "_links": {"self": {"href": format!("/api/cluster/jobs/{uuid}")}}}}),
        )
    }

    /// `status` with no body.
    pub fn status(status: u16) -> Reply {
        Reply {
            answer: Ok((status_code(status), HeaderMap::new(), Bytes::new())),
        }
    }

    /// No answer: the connection was refused ([`TransportError::is_connect`]).
    pub fn refused() -> Reply {
        Reply {
            answer: Err(TransportError::connect("connection refused (mock)")),
        }
    }

    /// One more header on the answer; a name or value that is not valid is left out.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let (Ok((_, headers, _)), Ok(name), Ok(value)) = (
            &mut self.answer,
            HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            headers.insert(name, value);
        }
        self
    }

    fn into_response(self) -> Result<http::Response<Body>, TransportError> {
        let (status, headers, body) = self.answer?;
        let mut response = http::Response::new(Body::from(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A request a [`MockTransport`] saw.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// Its method.
    pub method: Method,
    /// Its path and query below `/api`.
    pub path_and_query: String,
    /// Its headers, the login among them (marked sensitive: it does not print).
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl SeenRequest {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
