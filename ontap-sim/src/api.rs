//! The routes under `/api` and their handlers.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::download::{self, DownloadRequest};
use crate::error::{ApiError, codes};
use crate::jobs::{Command, Filter, FilterField, JobState, JobView, Projection};
use crate::state::{Shared, lock};
use crate::util::{QueryParam, parse_bool, parse_query};

const JOBS_PATH: &str = "/api/cluster/jobs";
const DOWNLOAD_PATH: &str = "/api/cluster/software/download";
const HAL_JSON: &str = "application/hal+json";
const JSON: &str = "application/json";

/// The router of the simulated API.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(DOWNLOAD_PATH, get(get_download).post(post_download))
        .route(JOBS_PATH, get(get_jobs))
        .route("/api/cluster/jobs/{uuid}", get(get_job).patch(patch_job))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
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

/// True when the client accepts `application/hal+json`.
pub(crate) fn wants_hal(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.contains(HAL_JSON)))
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these types cannot fail (string keys, no maps with non-string keys).
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// Per-request context: content negotiation and whether `_links` are written.
#[derive(Clone, Copy)]
struct Negotiated {
    hal: bool,
    links: bool,
}

impl Negotiated {
    fn new(shared: &Shared, headers: &HeaderMap) -> Self {
        let hal = wants_hal(headers);
        Negotiated {
            hal,
            links: hal || !shared.config.strict_hal_links,
        }
    }

    fn ok<T: Serialize>(self, status: StatusCode, value: &T) -> Response {
        json_response(status, to_json(value), self.hal)
    }
}

/// Parses `return_timeout` (0..=120): 262197 otherwise.
fn parse_return_timeout(v: &str) -> Result<u64, ApiError> {
    match v.trim().parse::<u64>() {
        Ok(n) if n <= 120 => Ok(n),
        _ => Err(ApiError::bad_request(
            codes::OUT_OF_RANGE,
            format!(
                "The value \"{v}\" is invalid for field \"return_timeout\": it must be an integer between 0 and 120."
            ),
        )
        .target("return_timeout")),
    }
}

fn parse_return_records(v: &str) -> Result<bool, ApiError> {
    parse_bool(v).ok_or_else(|| {
        ApiError::bad_request(
            codes::OUT_OF_RANGE,
            format!("The value \"{v}\" is invalid for field \"return_records\": it must be true or false."),
        )
        .target("return_records")
    })
}

fn parse_fields(v: &str) -> Result<Projection, ApiError> {
    Projection::parse(v).map_err(|bad| {
        ApiError::bad_request(
            codes::OUT_OF_RANGE,
            format!("The value \"{bad}\" is invalid for field \"fields\"."),
        )
        .target("fields")
    })
}

fn invalid_json(detail: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(codes::INVALID, format!("Invalid JSON in the request body: {detail}."))
}

/// Parses an optional JSON object body; an empty body is `{}`.
fn json_object(body: Result<Bytes, BytesRejection>) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    let body = body.map_err(|e| invalid_json(e.body_text()))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_json("expected a JSON object")),
        Err(e) => Err(invalid_json(e)),
    }
}

// ---------------------------------------------------------------------------------------
// /api/cluster/jobs/{uuid}

async fn get_job(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    get_job_inner(&shared, path, req.uri().query(), neg).unwrap_or_else(|e| e.response(neg.hal))
}

fn get_job_inner(
    shared: &Shared,
    path: Result<Path<String>, PathRejection>,
    query: Option<&str>,
    neg: Negotiated,
) -> Result<Response, ApiError> {
    let Path(uuid) = path.map_err(|_| ApiError::job_not_found())?;
    let mut fields = Projection::ALL;
    for p in parse_query(query) {
        match p.key.as_str() {
            "fields" => fields = parse_fields(&p.value)?,
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            other => return Err(ApiError::unexpected_argument(other)),
        }
    }
    let body = shared
        .jobs
        .with(&uuid, |e| {
            to_json(&JobView {
                job: &e.job,
                fields,
                links: neg.links,
            })
        })
        .ok_or_else(ApiError::job_not_found)?;
    Ok(json_response(StatusCode::OK, body, neg.hal))
}

async fn patch_job(
    State(shared): State<Arc<Shared>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    match patch_job_inner(&shared, path, query.as_deref(), body).await {
        Ok(()) => neg.ok(StatusCode::OK, &serde_json::Map::new()),
        Err(e) => e.response(neg.hal),
    }
}

async fn patch_job_inner(
    shared: &Shared,
    path: Result<Path<String>, PathRejection>,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(), ApiError> {
    let Path(uuid) = path.map_err(|_| ApiError::job_not_found())?;
    let mut action = None;
    for p in parse_query(query) {
        match p.key.as_str() {
            "action" => action = Some(p.value),
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            other => return Err(ApiError::unexpected_argument(other)),
        }
    }
    let body = json_object(body)?;
    if let Some(key) = body.keys().next() {
        return Err(ApiError::unexpected_argument(key));
    }
    let action = match action.as_deref() {
        None => {
            // Nothing to change: ONTAP answers 200 to an empty PATCH.
            return shared.jobs.with(&uuid, |_| ()).ok_or_else(ApiError::job_not_found);
        }
        Some("pause") => Command::Pause,
        Some("resume") => Command::Run,
        Some("cancel") => Command::Cancel,
        Some(other) => {
            return Err(ApiError::bad_request(
                codes::INVALID,
                format!("The value \"{other}\" is invalid for field \"action\" (pause, resume, cancel)."),
            )
            .target("action"));
        }
    };
    let verb = match action {
        Command::Pause => "pause",
        Command::Run => "resume",
        Command::Cancel => "cancel",
    };
    let control = shared
        .jobs
        .with_entry_mut(&uuid, |entry| {
            let Some(control) = entry.control.clone() else {
                let code = if action == Command::Cancel {
                    codes::JOB_NO_CANCEL
                } else {
                    codes::JOB_NO_PAUSE
                };
                return Err(ApiError::bad_request(
                    code,
                    format!("This job does not support {verb}."),
                ));
            };
            let state = entry.job.state;
            if state.is_terminal() {
                return Err(ApiError::bad_request(
                    codes::JOB_TERMINAL,
                    "Job is already in a terminal state.",
                ));
            }
            match action {
                Command::Pause if state == JobState::Paused => Err(ApiError::bad_request(
                    codes::JOB_NOT_RUNNING,
                    "The specified job is not currently running.",
                )),
                Command::Run if state != JobState::Paused => Err(ApiError::bad_request(
                    codes::JOB_RUNNING,
                    "The specified job is running.",
                )),
                Command::Pause => {
                    entry.job.state = JobState::Paused;
                    control.cmd.send_replace(Command::Pause);
                    Ok(None)
                }
                Command::Run => {
                    entry.job.state = JobState::Running;
                    control.cmd.send_replace(Command::Run);
                    Ok(None)
                }
                Command::Cancel => {
                    control.cmd.send_replace(Command::Cancel);
                    Ok(Some(control))
                }
            }
        })
        .ok_or_else(ApiError::job_not_found)??;
    if let Some(control) = control {
        // The job ends within moments; answer once it has, so a GET sees the failure.
        control.wait_done(Duration::from_secs(5)).await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// /api/cluster/jobs

struct Links<'a> {
    this: &'a str,
    next: Option<&'a str>,
    with_self: bool,
}

impl Serialize for Links<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Href<'a>(&'a str);
        impl Serialize for Href<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("href", self.0)?;
                m.end()
            }
        }
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

#[derive(Serialize)]
struct Collection<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<Vec<JobView<'a>>>,
    num_records: usize,
    #[serde(rename = "_links", skip_serializing_if = "links_empty")]
    links: Links<'a>,
}

fn links_empty(l: &Links<'_>) -> bool {
    !l.with_self && l.next.is_none()
}

struct CollectionQuery {
    fields: Projection,
    max_records: Option<usize>,
    return_records: bool,
    descending: bool,
    start: Option<String>,
    filters: Vec<Filter>,
    /// The raw parameters other than the cursor, carried into `_links.next`.
    carried: Vec<String>,
}

fn parse_collection_query(params: Vec<QueryParam>) -> Result<CollectionQuery, ApiError> {
    let mut q = CollectionQuery {
        fields: Projection::KEYS,
        max_records: None,
        return_records: true,
        descending: false,
        start: None,
        filters: Vec::new(),
        carried: Vec::new(),
    };
    for p in params {
        match p.key.as_str() {
            "start.uuid" => {
                q.start = Some(p.value);
                continue;
            }
            "fields" => q.fields = parse_fields(&p.value)?,
            "max_records" => match p.value.trim().parse::<usize>() {
                Ok(n) if n > 0 => q.max_records = Some(n),
                _ => {
                    return Err(ApiError::bad_request(
                        codes::OUT_OF_RANGE,
                        format!(
                            "The value \"{}\" is invalid for field \"max_records\": it must be a positive integer.",
                            p.value
                        ),
                    )
                    .target("max_records"));
                }
            },
            "return_records" => q.return_records = parse_return_records(&p.value)?,
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            "order_by" => {
                let mut words = p.value.split_whitespace();
                let field = words.next().unwrap_or_default();
                let dir = words.next().unwrap_or("asc");
                match (field, dir, words.next()) {
                    ("uuid", "asc", None) => q.descending = false,
                    ("uuid", "desc", None) => q.descending = true,
                    _ => {
                        return Err(ApiError::bad_request(
                            codes::INVALID,
                            format!(
                                "order_by \"{}\" is not supported by the simulator: jobs can be ordered by \"uuid asc\" or \"uuid desc\".",
                                p.value
                            ),
                        )
                        .target("order_by"));
                    }
                }
            }
            key => match FilterField::parse(key) {
                Some(f) => q.filters.push(Filter::new(f, &p.value)),
                None => return Err(ApiError::unexpected_argument(key)),
            },
        }
        q.carried.push(p.raw);
    }
    Ok(q)
}

async fn get_jobs(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    get_jobs_inner(&shared, req.uri().query(), neg).unwrap_or_else(|e| e.response(neg.hal))
}

fn get_jobs_inner(shared: &Shared, raw_query: Option<&str>, neg: Negotiated) -> Result<Response, ApiError> {
    let q = parse_collection_query(parse_query(raw_query))?;
    let this = match raw_query {
        Some(r) if !r.is_empty() => format!("{JOBS_PATH}?{r}"),
        _ => JOBS_PATH.to_owned(),
    };
    let map = shared.jobs.read();
    let range: Box<dyn Iterator<Item = &crate::jobs::Entry>> = match (&q.start, q.descending) {
        (None, false) => Box::new(map.values()),
        (None, true) => Box::new(map.values().rev()),
        (Some(s), false) => Box::new(
            map.range::<str, _>((std::ops::Bound::Included(s.as_str()), std::ops::Bound::Unbounded))
                .map(|(_, e)| e),
        ),
        (Some(s), true) => Box::new(
            map.range::<str, _>((std::ops::Bound::Unbounded, std::ops::Bound::Included(s.as_str())))
                .rev()
                .map(|(_, e)| e),
        ),
    };
    let mut matching = range.filter(|e| q.filters.iter().all(|f| f.matches(&e.job)));

    if !q.return_records {
        let n = matching.count();
        let body = Collection {
            records: None,
            num_records: n,
            links: Links {
                this: &this,
                next: None,
                with_self: neg.links,
            },
        };
        return Ok(neg.ok(StatusCode::OK, &body));
    }

    let limit = q.max_records.unwrap_or(usize::MAX);
    let mut records = Vec::new();
    for e in matching.by_ref() {
        records.push(JobView {
            job: &e.job,
            fields: q.fields,
            links: neg.links,
        });
        if records.len() == limit {
            break;
        }
    }
    let next = if records.len() == limit {
        matching.next().map(|e| {
            let cursor: String = url::form_urlencoded::byte_serialize(e.job.uuid.as_bytes()).collect();
            let mut href = format!("{JOBS_PATH}?start.uuid={cursor}");
            for raw in &q.carried {
                href.push('&');
                href.push_str(raw);
            }
            href
        })
    } else {
        None
    };
    let body = Collection {
        num_records: records.len(),
        records: Some(records),
        links: Links {
            this: &this,
            next: next.as_deref(),
            with_self: neg.links,
        },
    };
    let mut resp = neg.ok(StatusCode::OK, &body);
    if let Some(next) = next
        && let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
    {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// /api/cluster/software/download

async fn get_download(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let neg = Negotiated::new(&shared, req.headers());
    get_download_inner(&shared, req.uri().query(), neg).unwrap_or_else(|e| e.response(neg.hal))
}

fn get_download_inner(shared: &Shared, query: Option<&str>, neg: Negotiated) -> Result<Response, ApiError> {
    let (mut state, mut message, mut code) = (true, true, true);
    for p in parse_query(query) {
        match p.key.as_str() {
            "fields" => {
                let mut sel = (false, false, false);
                for f in p.value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                    match f {
                        "*" | "**" => sel = (true, true, true),
                        "state" => sel.0 = true,
                        "message" => sel.1 = true,
                        "code" => sel.2 = true,
                        "_links" | "_links.self" => {}
                        bad => {
                            return Err(ApiError::bad_request(
                                codes::OUT_OF_RANGE,
                                format!("The value \"{bad}\" is invalid for field \"fields\"."),
                            )
                            .target("fields"));
                        }
                    }
                }
                (state, message, code) = sel;
            }
            "return_timeout" => {
                parse_return_timeout(&p.value)?;
            }
            "return_records" => {
                parse_return_records(&p.value)?;
            }
            // Listed by older specs for this GET; meaningless on a singleton.
            "max_records" | "order_by" => {}
            other => return Err(ApiError::unexpected_argument(other)),
        }
    }
    let status = lock(&shared.download).clone();

    struct View<'a> {
        s: &'a download::DownloadStatus,
        sel: (bool, bool, bool),
        links: bool,
    }
    impl Serialize for View<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(None)?;
            if self.sel.0 {
                m.serialize_entry("state", self.s.state.as_str())?;
            }
            if self.sel.1 {
                m.serialize_entry("message", &self.s.message)?;
            }
            if self.sel.2 {
                m.serialize_entry("code", &self.s.code)?;
            }
            if self.links {
                m.serialize_entry(
                    "_links",
                    &Links {
                        this: DOWNLOAD_PATH,
                        next: None,
                        with_self: true,
                    },
                )?;
            }
            m.end()
        }
    }
    Ok(neg.ok(
        StatusCode::OK,
        &View {
            s: &status,
            sel: (state, message, code),
            links: neg.links,
        },
    ))
}

async fn post_download(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let neg = Negotiated::new(&shared, &headers);
    match post_download_inner(&shared, query.as_deref(), body).await {
        Ok((status, uuid)) => {
            let href = format!("{JOBS_PATH}/{uuid}");
            let body = JobLinkBody {
                job: JobLinkInner {
                    uuid: &uuid,
                    links: neg.links.then_some(Links {
                        this: &href,
                        next: None,
                        with_self: true,
                    }),
                },
            };
            let mut resp = neg.ok(status, &body);
            resp.headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static(DOWNLOAD_PATH));
            resp
        }
        Err(e) => e.response(neg.hal),
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

async fn post_download_inner(
    shared: &Arc<Shared>,
    query: Option<&str>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, String), ApiError> {
    let mut return_timeout = 0;
    for p in parse_query(query) {
        match p.key.as_str() {
            "return_timeout" => return_timeout = parse_return_timeout(&p.value)?,
            "return_records" => {
                parse_return_records(&p.value)?;
            }
            other => return Err(ApiError::unexpected_argument(other)),
        }
    }
    let body = json_object(body)?;
    let mut url = None;
    let mut username = None;
    let mut password = None;
    for (key, value) in body {
        let slot = match key.as_str() {
            "url" => &mut url,
            "username" => &mut username,
            "password" => &mut password,
            _ => return Err(ApiError::unexpected_argument(&key)),
        };
        match value {
            serde_json::Value::String(s) => *slot = Some(s),
            serde_json::Value::Null => {}
            _ => {
                return Err(ApiError::bad_request(
                    codes::INVALID,
                    format!("Invalid value for field \"{key}\": expected a string."),
                )
                .target(key));
            }
        }
    }
    let Some(raw_url) = url else {
        return Err(ApiError::bad_request(codes::INVALID, "Missing value for required field \"url\".").target("url"));
    };
    let (url, file_name) = download::validate_url(&raw_url)?;
    let (uuid, control) = download::start(
        shared,
        DownloadRequest {
            url,
            username,
            password,
            file_name,
        },
    )?;
    let finished = return_timeout > 0 && control.wait_done(Duration::from_secs(return_timeout)).await;
    Ok((
        if finished {
            StatusCode::CREATED
        } else {
            StatusCode::ACCEPTED
        },
        uuid,
    ))
}

// ---------------------------------------------------------------------------------------
// fallbacks

async fn not_found(headers: HeaderMap) -> Response {
    ApiError::new(StatusCode::NOT_FOUND, codes::NOT_SUPPORTED, "API not found").response(wants_hal(&headers))
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let allow = if path == JOBS_PATH {
        "GET"
    } else if path == DOWNLOAD_PATH {
        "GET, POST"
    } else {
        "GET, PATCH"
    };
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::NOT_SUPPORTED,
        format!("The \"{method}\" method is not supported for \"{path}\"."),
    )
    .response(wants_hal(&headers));
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    resp
}
