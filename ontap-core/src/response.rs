//! What the server answered.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Error, RawBody};
use crate::job::{JobLink, JobStatus};

/// A successful answer: status, headers and body, plus the job the server
/// started, if it started one.
///
/// ```no_run
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use ontap_core::{Query, RequestSpec};
/// let spec = RequestSpec::new(http::Method::GET, "/cluster/software/download", &Query::new());
/// let response = conn.execute(&spec).await?;
/// let body: serde_json::Value = response.json()?;
/// println!("{} {body}", response.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response {
    method: Method,
    path: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    job: Option<JobLink>,
    job_status: Option<JobStatus>,
}

impl Response {
    pub(crate) fn new(method: Method, path: String, status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let job = if method == Method::GET { None } else { find_job(&body) };
        Response {
            method,
            path,
            status,
            headers,
            body,
            job,
            job_status: None,
        }
    }

    /// The HTTP status: 200, 201 or 202.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (`Location` after some creations).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The job the request started, whatever the status (200, 201 and 202
    /// all carry one).
    pub fn job(&self) -> Option<&JobLink> {
        self.job.as_ref()
    }

    /// Every job the answer names: its `job`, and the `jobs` array a bulk
    /// PATCH or DELETE answers with. An empty body names none; a body that
    /// is not JSON is an [`Error::Decode`] keeping the raw body.
    ///
    /// ```
    /// # use ontap_core::Response;
    /// # fn show(response: &Response) -> Result<(), ontap_core::Error> {
    /// for job in response.jobs()? {
    ///     println!("{}", job.href());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn jobs(&self) -> Result<Vec<JobLink>, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        let found: WithJobs = self.decode()?;
        Ok(found
            .job
            .into_iter()
            .chain(found.jobs)
            .filter(|job| !job.uuid.is_empty())
            .collect())
    }

    /// The job as it ended, when the call waited for it.
    pub fn job_status(&self) -> Option<&JobStatus> {
        self.job_status.as_ref()
    }

    pub(crate) fn set_job_status(&mut self, status: JobStatus) {
        self.job_status = Some(status);
    }

    /// Decodes the body as `T`; an empty body decodes as `null`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let bytes: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        serde_json::from_slice(bytes).map_err(|source| Error::Decode {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            source,
            body: Box::new(RawBody::new(
                self.headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                &self.body,
            )),
        })
    }

    /// The body as untyped JSON.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        self.decode()
    }
}

/// The `job` object of a body, if it has one.
/// The jobs an answer names: `job`, and the `jobs` of a bulk PATCH or DELETE.
#[derive(serde::Deserialize)]
struct WithJobs {
    #[serde(default)]
    job: Option<JobLink>,
    #[serde(default)]
    jobs: Vec<JobLink>,
}

fn find_job(body: &[u8]) -> Option<JobLink> {
    serde_json::from_slice::<WithJobs>(body)
        .ok()?
        .job
        .filter(|job| !job.uuid.is_empty())
}
