//! The bulk verbs: one PATCH or DELETE of the collection path for the
//! objects a query selects, every job it starts waited for, and what they
//! answer ([`BulkResponse`], [`BulkJob`]).

use http::Method;
use serde_json::Value;

use super::Count;
use super::options::Call;
use crate::connection::HostConnection;
use crate::error::Error;
use crate::job::{JobLink, JobStatus};
use crate::request::{self, Query, RequestSpec};
use crate::resource::Resource;
use crate::response::Response;

/// What a bulk PATCH or DELETE did: the server's answer, and each job it
/// started with that job's outcome.
#[derive(Debug)]
pub struct BulkResponse {
    response: Response,
    jobs: Vec<BulkJob>,
}

/// One job of a bulk PATCH or DELETE.
#[derive(Debug)]
pub struct BulkJob {
    /// The job, as the answer named it.
    pub link: JobLink,
    /// How it ended: its final status, or why it did not succeed (a
    /// failure with ONTAP's code, a timeout, a vanished job, a poll that
    /// failed). `None` when the call did not wait (`poll(false)`).
    pub outcome: Option<Result<JobStatus, Error>>,
}

impl BulkResponse {
    /// The server's answer.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// Every job the answer named, in its order, with its outcome.
    pub fn jobs(&self) -> &[BulkJob] {
        &self.jobs
    }

    /// How many objects the answer says the call selected (`num_records`),
    /// when it says.
    pub fn num_records(&self) -> Option<u64> {
        self.response.decode::<Count>().ok().and_then(|count| count.num_records)
    }

    /// Whether every job that was waited for succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.jobs.iter().all(|job| !matches!(job.outcome, Some(Err(_))))
    }

    /// The jobs that did not succeed, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&JobLink, &Error)> {
        self.jobs.iter().filter_map(|job| match &job.outcome {
            Some(Err(err)) => Some((&job.link, err)),
            _ => None,
        })
    }
}

/// What a bulk PATCH or DELETE touches.
pub(super) enum Select {
    /// The objects a query's filters select.
    Query(Query),
    /// The objects a `{"records": [...]}` body names by their keys.
    Records,
}

pub(super) async fn send_bulk<R: Resource>(
    resource: &R,
    conn: &HostConnection,
    method: Method,
    select: Select,
    body: Option<Value>,
    call: Call,
) -> Result<BulkResponse, Error> {
    let (query, by_records) = match select {
        Select::Query(query) => (query, false),
        Select::Records => (Query::new(), true),
    };
    // Only a filter selects: `return_timeout` or `fields` alone would
    // still touch every object.
    let selects = query.iter().any(|(name, _)| {
        !matches!(
            name,
            "return_timeout" | "return_records" | "max_records" | "fields" | "order_by"
        )
    });
    if !selects && !by_records {
        return Err(Error::Config(format!(
            "a bulk {method} of {} needs a query that selects objects: an empty one would touch \
             every object; to mean all of them, filter on a field such as `name=*`",
            R::NAME
        )));
    }
    let mut full = query;
    full.extend(&call.query);
    let path = request::collection_path_with(resource, &full)?;
    let op = if method == Method::PATCH {
        crate::guard::Op::PatchCollection
    } else {
        crate::guard::Op::DeleteCollection
    };
    crate::guard::check::<R>(conn, op, &full, body.as_ref()).await?;
    let mut spec = RequestSpec::new(method, &path, &full).with_route(request::collection_route::<R>());
    if let Some(body) = body {
        spec = spec.with_body(body);
    }
    let response = conn.execute(&spec).await?;
    let links = response.jobs()?;
    let jobs = if call.poll {
        let waits = links.iter().map(|link| {
            let poll = &call.poll_options;
            async move {
                match link.wait(conn, poll).await {
                    Ok(outcome) => outcome.into_result(&link.uuid),
                    Err(source) => Err(Error::Polling {
                        uuid: link.uuid.clone(),
                        source: Box::new(source),
                    }),
                }
            }
        });
        let outcomes = futures::future::join_all(waits).await;
        links
            .into_iter()
            .zip(outcomes)
            .map(|(link, outcome)| BulkJob {
                link,
                outcome: Some(outcome),
            })
            .collect()
    } else {
        links.into_iter().map(|link| BulkJob { link, outcome: None }).collect()
    };
    Ok(BulkResponse { response, jobs })
}
