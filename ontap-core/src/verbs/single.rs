//! The requests of the verbs on one object: a GET merged into the object,
//! and the POST, PATCH and DELETE that ask for a held answer, wait for the
//! job they start and refresh the object when asked.

use http::Method;
use serde_json::Value;
use tracing::Instrument as _;

use super::options::Call;
use super::{CallOptions, Post, Records};
use crate::connection::{Hold, HostConnection};
use crate::error::Error;
use crate::guard::{self, Op};
use crate::request::{self, Query, RequestSpec};
use crate::resource::{Resource, Verb, Verbs};
use crate::response::Response;

/// GETs `resource` and merges the answer into it.
pub(super) async fn refresh<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    query: &Query,
) -> Result<Response, Error> {
    read_into(resource, conn, query, true).await
}

/// GETs `resource`, retried as any GET when `retry`, else sent once, and
/// merges the answer into it.
pub(super) async fn read_into<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    query: &Query,
    retry: bool,
) -> Result<Response, Error> {
    let spec = RequestSpec::new(Method::GET, &request::instance_path_with(resource, query)?, query)
        .with_route(request::instance_route::<R>());
    guard::check::<R>(conn, Op::Get, query, None).await?;
    let response = if retry {
        conn.execute(&spec).await?
    } else {
        conn.send_once(&spec).await?
    };
    let fresh: R = response.decode()?;
    resource.merge(fresh);
    Ok(response)
}

/// Asks the server to hold the answer of a request that may start a job
/// until the job ends ([`HostConnectionBuilder::return_timeout`]): when the
/// call waits for the job, sets no `return_timeout` of its own, the
/// resource's operation may be held, and a hold is free. Adds
/// `return_timeout` to `query` and returns the hold, to keep until the
/// answer is in.
///
/// [`HostConnectionBuilder::return_timeout`]: crate::HostConnectionBuilder::return_timeout
fn hold<'c>(conn: &'c HostConnection, call: &Call, allowed: Verbs, verb: Verb, query: &mut Query) -> Option<Hold<'c>> {
    if !call.poll || !allowed.contains(verb) || query.get("return_timeout").is_some() {
        return None;
    }
    let hold = conn.hold()?;
    query.push("return_timeout", hold.seconds);
    Some(hold)
}

/// What a job-starting call does after the server's answer: wait for the
/// job, then refresh the object when asked.
async fn finish<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    response: &mut Response,
    call: &Call,
) -> Result<(), Error> {
    wait_for_job(conn, response, call).await?;
    if call.hydrate {
        refresh(resource, conn, &hydrating(call)).await?;
    }
    Ok(())
}

/// The query of a hydrating read: the call's parent keys, and every field
/// (`fields=*`), as NetApp's client hydrates.
fn hydrating(call: &Call) -> Query {
    call.query.parents_only().fields(["*"])
}

/// POSTs `resource` and waits for its job as `options` say.
pub(super) async fn send_post<R: Post>(
    resource: &mut R,
    conn: &HostConnection,
    options: CallOptions<<R as Post>::Params>,
) -> Result<Response, Error> {
    let body = request::body(resource, Verb::Post)?;
    let call = options.into_call();
    let mut query = call.query.clone();
    if !R::KEYS.is_empty() && query.get("return_records").is_none() {
        // The answer then holds the new object's keys, which a later
        // GET, PATCH or DELETE needs.
        query.push("return_records", true);
    }
    let body = Value::Object(body);
    guard::check::<R>(conn, Op::Post, &query, Some(&body)).await?;
    let hold = hold(conn, &call, R::HOLD, Verb::Post, &mut query);
    let spec = RequestSpec::new(Method::POST, &request::collection_path_with(resource, &query)?, &query)
        .with_body(body)
        .with_route(request::collection_route::<R>());
    let mut response = conn.execute(&spec).await?;
    drop(hold);
    response.started_job()?;
    if !response.is_empty_body()
        && let Some(created) = response.decode::<Records<R>>()?.records.into_iter().next()
    {
        // With `return_records=true`, the answer holds the new object and its keys.
        resource.merge(created);
    }
    finish(resource, conn, &mut response, &call).await?;
    Ok(response)
}

/// POSTs `records` in one record-based create (`{"records": [...]}`), never retried,
/// and waits for its job as `options` say; each record takes the keys the answer
/// gives, in order.
pub(super) async fn send_post_records<R: Post>(
    records: &mut [R],
    conn: &HostConnection,
    options: CallOptions<<R as Post>::Params>,
) -> Result<Response, Error> {
    let Some(first) = records.first() else {
        return Err(Error::Config(format!(
            "post_collection of {} needs at least one record",
            R::NAME
        )));
    };
    let call = options.into_call();
    let mut query = call.query.clone();
    if !R::KEYS.is_empty() && query.get("return_records").is_none() {
        query.push("return_records", true);
    }
    let path = request::collection_path_with(first, &query)?;
    let mut bodies = Vec::with_capacity(records.len());
    for record in records.iter() {
        if request::collection_path_with(record, &query)? != path {
            return Err(Error::Config(format!(
                "post_collection of {}: every record goes to {path}; one names other parent keys",
                R::NAME
            )));
        }
        bodies.push(Value::Object(request::body(record, Verb::Post)?));
    }
    let body = serde_json::json!({ "records": bodies });
    guard::check::<R>(conn, Op::Post, &query, Some(&body)).await?;
    let hold = hold(conn, &call, R::HOLD, Verb::Post, &mut query);
    let spec = RequestSpec::new(Method::POST, &path, &query)
        .with_body(body)
        .with_route(request::collection_route::<R>());
    let mut response = conn.execute(&spec).await?;
    drop(hold);
    response.started_job()?;
    if !response.is_empty_body() {
        let created = response.decode::<Records<R>>()?.records;
        // The answer lists the new records in the order they were sent.
        if created.len() == records.len() {
            for (record, answered) in records.iter_mut().zip(created) {
                record.merge(answered);
            }
        }
    }
    wait_for_job(conn, &mut response, &call).await?;
    if call.hydrate {
        for record in records.iter_mut() {
            refresh(record, conn, &hydrating(&call)).await?;
        }
    }
    Ok(response)
}

/// Runs the action `name` on `resource` (`POST <its path>/<name>`) with `body`; never
/// retried; the job it starts is waited for as `options` say. What the generated
/// action methods call.
pub async fn action<R: Resource>(
    resource: &R,
    conn: &HostConnection,
    name: &'static str,
    body: ActionBody<R>,
    options: CallOptions,
) -> Result<Response, Error> {
    let call = options.into_call();
    let query = call.query.clone();
    let object = request::instance_path_with(resource, &query)?;
    let body = match body {
        ActionBody::Typed(typed) => {
            let mut fields = request::body(&typed, Verb::Post)?;
            for meta in R::FIELDS.iter().filter(|f| f.key) {
                fields.remove(meta.wire);
            }
            Value::Object(fields)
        }
        ActionBody::Json(json @ Value::Object(_)) => json,
        ActionBody::Json(other) => {
            return Err(Error::Config(format!(
                "the body of {}'s `{name}` action is a JSON object, not {other}",
                R::NAME
            )));
        }
    };
    guard::check::<R>(conn, Op::Action(name), &query, Some(&body)).await?;
    let spec = RequestSpec::new(Method::POST, &format!("{object}/{name}"), &query)
        .with_body(body)
        .with_route(format!("{}/{name}", request::instance_route::<R>()));
    let span = super::operation_span::<R>(name, || Ok(object.clone()));
    async {
        let mut response = conn.execute(&spec).await?;
        wait_for_job(conn, &mut response, &call).await?;
        Ok(response)
    }
    .instrument(span)
    .await
}

/// The body of an action: the resource's own type, whose fields that a POST takes are
/// sent (its keys stay in the path), or a JSON object for the arguments the model does
/// not type (a certificate's `signing_request`). Either converts into it, so an action
/// method takes both.
///
/// ```
/// use ontap_core::ActionBody;
/// let json: ActionBody<()> = serde_json::json!({"signing_request": "-----BEGIN ..."}).into();
/// assert!(matches!(json, ActionBody::Json(_)));
/// ```
#[derive(Debug, Clone)]
pub enum ActionBody<R> {
    /// The fields of the resource's type that a POST takes.
    Typed(R),
    /// A JSON object, sent as it is.
    Json(Value),
}

impl<R: Resource> From<R> for ActionBody<R> {
    fn from(typed: R) -> Self {
        ActionBody::Typed(typed)
    }
}

impl<R> From<Value> for ActionBody<R> {
    fn from(json: Value) -> Self {
        ActionBody::Json(json)
    }
}

pub(super) async fn send_patch<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    body: serde_json::Map<String, Value>,
    call: &Call,
) -> Result<Response, Error> {
    let path = request::instance_path_with(resource, &call.query)?;
    let mut query = call.query.clone();
    let body = Value::Object(body);
    guard::check::<R>(conn, Op::Patch, &query, Some(&body)).await?;
    let hold = hold(conn, call, R::HOLD, Verb::Patch, &mut query);
    let spec = RequestSpec::new(Method::PATCH, &path, &query)
        .with_body(body)
        .with_route(request::instance_route::<R>());
    let mut response = conn.execute(&spec).await?;
    drop(hold);
    finish(resource, conn, &mut response, call).await?;
    Ok(response)
}

pub(super) async fn send_delete<R: Resource>(
    resource: &R,
    conn: &HostConnection,
    body: Option<Value>,
    call: &Call,
) -> Result<Response, Error> {
    let path = request::instance_path_with(resource, &call.query)?;
    let mut query = call.query.clone();
    guard::check::<R>(conn, Op::Delete, &query, body.as_ref()).await?;
    let hold = hold(conn, call, R::HOLD, Verb::Delete, &mut query);
    let mut spec = RequestSpec::new(Method::DELETE, &path, &query).with_route(request::instance_route::<R>());
    if let Some(body) = body {
        spec = spec.with_body(body);
    }
    let mut response = conn.execute(&spec).await?;
    drop(hold);
    wait_for_job(conn, &mut response, call).await?;
    Ok(response)
}

/// Waits for the job in `response`, when there is one and `poll` is on, and
/// keeps its final status there; a job that did not succeed is an error. A
/// body that cannot be read for its job is an error, `poll` on or off:
/// "no job" would read as done.
async fn wait_for_job(conn: &HostConnection, response: &mut Response, call: &Call) -> Result<(), Error> {
    wait_for_started_job(conn, response, call.poll, &call.poll_options).await
}

/// [`wait_for_job`] for the requests that are not verbs of resources (the CLI
/// passthrough, uploads): with `poll`, waits as `options` say.
pub(crate) async fn wait_for_started_job(
    conn: &HostConnection,
    response: &mut Response,
    poll: bool,
    options: &crate::job::PollOptions,
) -> Result<(), Error> {
    let job = response.started_job()?.cloned();
    if poll && let Some(job) = job {
        let outcome = job.wait(conn, options).await.map_err(|source| Error::Polling {
            uuid: job.uuid.clone(),
            source: Box::new(source),
        })?;
        response.set_job_status(outcome.into_result(&job.uuid)?);
    }
    Ok(())
}
