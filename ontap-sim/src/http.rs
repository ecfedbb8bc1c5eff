//! The HTTP layer: the routes under `/api`, and what every handler shares. A handler
//! takes a [`Call`] (the request read once: content negotiation, query, headers, body)
//! and returns `Result<Answer, Refusal>`; both turn into responses here, and the
//! [`negotiate`] layer gives every answer the content type the client asked for. The
//! handlers are the engine's ([`crate::engine`]), and for the jobs and the software
//! download [`crate::handlers`] and [`crate::software`]; none of them routes or builds an
//! HTTP response.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use crate::error::{Refusal, codes};
use crate::jobs::JobControl;
use crate::state::Shared;
use crate::util::{QueryParam, parse_bool, parse_query};
use crate::{handlers, software};

pub(crate) const JOBS_PATH: &str = "/api/cluster/jobs";
pub(crate) const DOWNLOAD_PATH: &str = "/api/cluster/software/download";
const HAL_JSON: &str = "application/hal+json";
const JSON: &str = "application/json";

/// The router of the simulated API. The jobs and the software have handlers of their
/// own where the cluster's release has them; the engine answers the rest (and what the
/// release lacks, as ONTAP does).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let has = |path: &str, verb: fn(&crate::engine::schema::Res) -> bool| {
        let engine = &shared.engine;
        engine.resource(path).is_some_and(|r| verb(&engine.cat.resources[r]))
    };
    let mut router = Router::new();
    if has("/cluster/jobs", |r| r.get_collection.is_some()) {
        router = router.route(JOBS_PATH, get(handlers::get_jobs)).route(
            "/api/cluster/jobs/{uuid}",
            get(handlers::get_job).patch(handlers::patch_job),
        );
    }
    if has(crate::inventory::SOFTWARE, |r| r.patch.is_some()) {
        router = router.route("/api/cluster/software", patch(software::patch_software));
    }
    // 9.6 has the download's POST, its GET came with 9.7.
    match (
        has("/cluster/software/download", |r| r.get.is_some()),
        has("/cluster/software/download", |r| r.post.is_some()),
    ) {
        (true, true) => router = router.route(DOWNLOAD_PATH, get(handlers::get_download).post(handlers::post_download)),
        (false, true) => router = router.route(DOWNLOAD_PATH, axum::routing::post(handlers::post_download)),
        (true, false) => router = router.route(DOWNLOAD_PATH, get(handlers::get_download)),
        (false, false) => {}
    }
    if has(crate::inventory::PACKAGES, |r| r.delete.is_some()) {
        router = router.route(
            "/api/cluster/software/packages/{version}",
            delete(software::delete_package),
        );
    }
    let engine = &shared.engine;
    if engine
        .cat
        .actions
        .iter()
        .any(|a| a.path.text == "/cluster/software/upload")
    {
        router = router.route(
            crate::transfer::UPLOAD_PATH,
            axum::routing::post(crate::transfer::post_upload),
        );
    }
    if engine.resource("/storage/volumes/{volume.uuid}/files").is_some() {
        router = router.route(
            crate::transfer::FILE_PATH,
            get(crate::transfer::get_file)
                .post(crate::transfer::post_file)
                .patch(crate::transfer::patch_file),
        );
    }
    router
        .fallback(crate::engine::handle)
        .method_not_allowed_fallback(crate::engine::handle)
        .layer(axum::middleware::from_fn(negotiate))
        .with_state(shared)
}

/// Gives an answer the content type its request negotiated: answers are written as
/// `application/hal+json`, and a client that accepts only `application/json` gets that
/// ([`wants_hal`]).
async fn negotiate(req: Request, next: Next) -> Response {
    let hal = wants_hal(req.headers());
    let mut resp = next.run(req).await;
    if !hal && resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == HAL_JSON) {
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    }
    resp
}

/// A request as every handler takes it: read once, its body whole (at most
/// [`crate::server::BODY_LIMIT`]; the server has bounded it already).
pub(crate) struct Call {
    pub neg: Negotiated,
    pub method: Method,
    /// The path (`/api/...`), still percent-encoded.
    pub path: String,
    query: Option<String>,
    pub headers: HeaderMap,
    body: Result<Bytes, String>,
}

impl Call {
    /// The raw query, if any.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The body as it arrived (a multipart form, say).
    pub fn raw_body(&self) -> Result<&Bytes, Refusal> {
        self.body.as_ref().map_err(|e| {
            Refusal::bad_request(
                codes::INVALID_ARGUMENT,
                format!("The request body could not be read: {e}."),
            )
        })
    }

    /// The body as a JSON object, read as every path reads it ([`read_body`]).
    pub fn doc(&self) -> Result<Doc, Refusal> {
        read_body(self.body.as_deref().map_err(Clone::clone))
    }
}

impl<S: Send + Sync> FromRequest<S> for Call {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let neg = Negotiated::new(req.headers());
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, crate::server::body_limit(&parts.headers))
            .await
            .map_err(|e| e.to_string());
        Ok(Call {
            neg,
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
        })
    }
}

/// What a handler answers when it succeeds: a status, a JSON body, and the headers ONTAP
/// sends with it (`Location`, a page's `Link`).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    body: Vec<u8>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Answer {
    /// `value` as the body.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Self {
        Answer::bytes(status, to_json(value))
    }

    /// A body already written as JSON.
    pub fn bytes(status: StatusCode, body: Vec<u8>) -> Self {
        Answer {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// 200 with `{}` (a change that needed no job).
    pub fn empty() -> Self {
        Answer::json(StatusCode::OK, &serde_json::Map::new())
    }

    /// The answer to a request that started a job: `{"job": {"uuid", "_links"?}}`.
    pub fn job(neg: Negotiated, status: StatusCode, uuid: &str) -> Self {
        let href = format!("{JOBS_PATH}/{uuid}");
        let body = JobLinkBody {
            job: JobLinkInner {
                uuid,
                links: neg.links.then_some(Links {
                    this: &href,
                    next: None,
                    with_self: true,
                }),
            },
        };
        Answer::json(status, &body)
    }

    /// Adds a header (a value that is no valid header value is left out).
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, self.body, true);
        resp.headers_mut().extend(self.headers);
        resp
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        self.response(true)
    }
}

/// A JSON response with the content type the client negotiated.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>, hal: bool) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if hal { HAL_JSON } else { JSON }),
    );
    resp
}

/// True when the client accepts `application/hal+json`: named, or through `*/*` or
/// `application/*` (ONTAP's default type); only an `Accept` limited to other types (such
/// as `application/json`) gets plain JSON.
pub(crate) fn wants_hal(headers: &HeaderMap) -> bool {
    let mut any = false;
    for v in headers.get_all(header::ACCEPT) {
        any = true;
        let Ok(s) = v.to_str() else { continue };
        for range in s.split(',') {
            let media = range.split(';').next().unwrap_or("").trim();
            if media.eq_ignore_ascii_case(HAL_JSON) || media == "*/*" || media.eq_ignore_ascii_case("application/*") {
                return true;
            }
        }
    }
    !any
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these types cannot fail (string keys, no maps with non-string keys).
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// What content negotiation decides for the body: `application/hal+json` is written
/// with `_links`, plain JSON without them (but for a page's `next`), as ONTAP answers.
/// (The content type itself is [`negotiate`]'s.)
#[derive(Clone, Copy)]
pub(crate) struct Negotiated {
    pub links: bool,
}

impl Negotiated {
    pub fn new(headers: &HeaderMap) -> Self {
        Negotiated {
            links: wants_hal(headers),
        }
    }
}

/// `_links` of an answer: `self` and, on a collection page, `next`.
pub(crate) struct Links<'a> {
    pub this: &'a str,
    pub next: Option<&'a str>,
    pub with_self: bool,
}

impl Links<'_> {
    pub fn is_empty(&self) -> bool {
        !self.with_self && self.next.is_none()
    }
}

struct Href<'a>(&'a str);

impl Serialize for Href<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("href", self.0)?;
        m.end()
    }
}

impl Serialize for Links<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if self.with_self {
            m.serialize_entry("self", &Href(self.this))?;
        }
        if let Some(next) = self.next {
            m.serialize_entry("next", &Href(next))?;
        }
        m.end()
    }
}

/// `{"self": {"href": ...}}`.
pub(crate) struct SelfLink<'a>(pub &'a str);

impl Serialize for SelfLink<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("self", &Href(self.0))?;
        m.end()
    }
}

#[derive(Serialize)]
struct JobLinkBody<'a> {
    job: JobLinkInner<'a>,
}

#[derive(Serialize)]
struct JobLinkInner<'a> {
    uuid: &'a str,
    #[serde(rename = "_links", skip_serializing_if = "Option::is_none")]
    links: Option<Links<'a>>,
}

/// Parses `return_timeout` (0..=120): 262197 otherwise.
pub(crate) fn parse_return_timeout(v: &str) -> Result<u64, Refusal> {
    match v.trim().parse::<u64>() {
        Ok(n) if n <= 120 => Ok(n),
        _ => Err(Refusal::bad_request(
            codes::INVALID_VALUE,
            format!(
                "The value \"{v}\" is invalid for field \"return_timeout\": it must be an integer between 0 and 120."
            ),
        )
        .target("return_timeout")),
    }
}

/// Parses a boolean query parameter: 262197 (target: the parameter) unless true or false.
pub(crate) fn parse_bool_param(name: &str, v: &str) -> Result<bool, Refusal> {
    parse_bool(v).ok_or_else(|| {
        Refusal::bad_request(
            codes::INVALID_VALUE,
            format!("The value \"{v}\" is invalid for field \"{name}\": it must be true or false."),
        )
        .target(name)
    })
}

pub(crate) fn parse_return_records(v: &str) -> Result<bool, Refusal> {
    parse_bool_param("return_records", v)
}

/// 262197 for an unknown name in `fields`.
pub(crate) fn parse_fields_error(bad: &str) -> Refusal {
    Refusal::bad_request(
        codes::INVALID_VALUE,
        format!("The value \"{bad}\" is invalid for field \"fields\"."),
    )
    .target("fields")
}

/// A JSON object body.
pub(crate) type Doc = serde_json::Map<String, Value>;

/// Reads a request body as every path does: an empty body is `{}`; not JSON, 262199; not
/// an object, 262255; dotted keys are the nested fields they name (`{"svm.name": "vs0"}`
/// is `{"svm": {"name": "vs0"}}`), as ONTAP reads them.
pub(crate) fn read_body(body: Result<&[u8], String>) -> Result<Doc, Refusal> {
    let body = body
        .map_err(|e| Refusal::bad_request(codes::INVALID_JSON, format!("The request body could not be read: {e}.")))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Doc::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(undot(map)),
        Ok(_) => Err(Refusal::bad_request(
            codes::NOT_AN_OBJECT,
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(Refusal::bad_request(
            codes::INVALID_JSON,
            format!("Invalid JSON in the request body: {e}."),
        )),
    }
}

/// Reads dotted keys as the nested fields they name, at every depth, as ONTAP does:
/// `{"svm.name": "vs0", "guarantee.type": "none"}` is `{"svm": {"name": "vs0"},
/// "guarantee": {"type": "none"}}`. A dotted key and an object for the same field merge;
/// where both set the same field, the later key wins.
fn undot(map: Doc) -> Doc {
    fn nested(value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(undot(map)),
            Value::Array(items) => Value::Array(items.into_iter().map(nested).collect()),
            other => other,
        }
    }
    fn put(map: &mut Doc, key: &str, value: Value) {
        match key.split_once('.') {
            Some((head, rest)) if !head.is_empty() && !rest.is_empty() => {
                let slot = map.entry(head.to_owned()).or_insert_with(|| Value::Object(Doc::new()));
                if !slot.is_object() {
                    // `"svm": "vs0"` beside `"svm.uuid"`: the dotted key wins.
                    *slot = Value::Object(Doc::new());
                }
                if let Value::Object(inner) = slot {
                    put(inner, rest, value);
                }
            }
            _ => match (map.get_mut(key), value) {
                (Some(Value::Object(have)), Value::Object(more)) => have.extend(more),
                (_, value) => {
                    map.insert(key.to_owned(), value);
                }
            },
        }
    }
    if !map.keys().any(|k| k.contains('.')) && !map.values().any(|v| v.is_object() || v.is_array()) {
        return map;
    }
    let mut out = Doc::with_capacity(map.len());
    for (key, value) in map {
        put(&mut out, &key, nested(value));
    }
    out
}

/// The parameters every POST, PATCH and DELETE takes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Mutation {
    /// Seconds to wait for the job (0..=120).
    pub return_timeout: u64,
    /// A POST answers the new record's keys too.
    pub return_records: bool,
}

/// The query of a POST, PATCH or DELETE: `return_timeout`, `return_records`, and the
/// parameters `extra` knows (it returns false for the others, which answer 262179).
pub(crate) fn mutation_query(
    raw: Option<&str>,
    mut extra: impl FnMut(&QueryParam) -> Result<bool, Refusal>,
) -> Result<Mutation, Refusal> {
    let mut m = Mutation::default();
    for p in parse_query(raw) {
        match p.key.as_str() {
            "return_timeout" => m.return_timeout = parse_return_timeout(&p.value)?,
            "return_records" => m.return_records = parse_return_records(&p.value)?,
            other => {
                if !extra(&p)? {
                    return Err(Refusal::unexpected_argument(other));
                }
            }
        }
    }
    Ok(m)
}

/// A job a request started.
pub(crate) struct JobStart {
    pub uuid: String,
    pub control: Arc<JobControl>,
    pub query: Mutation,
}

impl JobStart {
    pub fn new(uuid: String, control: Arc<JobControl>, query: Mutation) -> Self {
        JobStart { uuid, control, query }
    }
}

/// A job a request started, or why none started.
pub(crate) type Started = Result<JobStart, Refusal>;

/// Answers a request that started a job (waiting up to its `return_timeout`: `done` when
/// the job ended in time, 202 otherwise), or failed to.
pub(crate) async fn answer_job(neg: Negotiated, started: Started, done: StatusCode) -> Result<Answer, Refusal> {
    let start = started?;
    let status = job_status(&start.control, start.query.return_timeout, done).await;
    Ok(Answer::job(neg, status, &start.uuid))
}

/// Waits up to `return_timeout` seconds for a job: `done` when it ended in time, 202
/// otherwise.
pub(crate) async fn job_status(control: &JobControl, return_timeout: u64, done: StatusCode) -> StatusCode {
    if return_timeout > 0 && control.wait_done(Duration::from_secs(return_timeout)).await {
        done
    } else {
        StatusCode::ACCEPTED
    }
}

/// The fields of a POST or PATCH body, taken one by one; [`Input::finish`] rejects the rest.
pub(crate) struct Input {
    map: Doc,
}

fn wrong_type(key: &str, what: &str) -> Refusal {
    Refusal::bad_request(
        codes::INVALID_VALUE,
        format!("Invalid value for field \"{key}\": expected {what}."),
    )
    .target(key)
}

impl Input {
    pub fn new(map: Doc) -> Self {
        Input { map }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>, Refusal> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(key, "a string")),
        }
    }

    pub fn int(&mut self, key: &str) -> Result<Option<i64>, Refusal> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(key, "an integer")),
            Some(_) => Err(wrong_type(key, "an integer")),
        }
    }

    /// Rejects the fields left: read-only ones with 262196, unknown ones with 262179, as
    /// the engine does.
    pub fn finish(self, readonly: &[&str]) -> Result<(), Refusal> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) if readonly.contains(&key.as_str()) => Err(Refusal::bad_request(
                codes::NOT_SETTABLE,
                format!("Field \"{key}\" cannot be set in this operation."),
            )
            .target(key.clone())),
            Some(key) => Err(Refusal::unexpected_argument(key)),
        }
    }
}
