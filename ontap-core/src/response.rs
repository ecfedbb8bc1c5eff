//! What the server answered.

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};

use crate::error::{Error, RawBody};
use crate::job::{JobLink, JobStatus};
use crate::request::is_dot_segment;

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
    /// Whether the body could be read for the jobs it names (always true
    /// for a GET, whose body is not read for a job).
    jobs_readable: bool,
    job_status: Option<Box<JobStatus>>,
}

impl Response {
    pub(crate) fn new(method: Method, path: String, status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let mut response = Response {
            method,
            path,
            status,
            headers,
            body,
            job: None,
            jobs_readable: true,
            job_status: None,
        };
        if response.method != Method::GET {
            match response.named_jobs() {
                Ok(found) => response.job = found.job,
                Err(_) => response.jobs_readable = false,
            }
        }
        response
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
    /// all carry one). `None` also when the body could not be read: to
    /// tell the two apart, use [`Response::started_job`].
    pub fn job(&self) -> Option<&JobLink> {
        self.job.as_ref()
    }

    /// The job the request started, checked: `Ok(None)` when the answer
    /// names none (an empty body, or an object without `job`), an
    /// [`Error::Decode`] keeping the raw body when the body cannot be read
    /// (not a JSON object: truncated, malformed, an HTML page, not UTF-8),
    /// so whether a job started is unknown, and also when a `202 Accepted`
    /// names no job (ONTAP always sends one with a 202). The verbs call it
    /// before they wait, so an unreadable success is never taken for done.
    /// A GET names no job.
    ///
    /// ```
    /// # use ontap_core::Response;
    /// # fn show(response: &Response) -> Result<(), ontap_core::Error> {
    /// if let Some(job) = response.started_job()? {
    ///     println!("started {}", job.href());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn started_job(&self) -> Result<Option<&JobLink>, Error> {
        if self.method == Method::GET {
            return Ok(None);
        }
        if !self.jobs_readable {
            // Read again for the error: only on this failing path.
            self.named_jobs()?;
        }
        if self.job.is_none() && self.status == StatusCode::ACCEPTED {
            return Err(
                self.decode_error_text("HTTP 202 Accepted without a `job`: ONTAP always names the job it started")
            );
        }
        Ok(self.job.as_ref())
    }

    /// Every job the answer names: its `job`, and the `jobs` array a bulk
    /// PATCH or DELETE answers with. An empty body names none; a body that
    /// is not a JSON object is an [`Error::Decode`] keeping the raw body,
    /// and so is a `202 Accepted` that names no job.
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
        let found = self.named_jobs()?;
        let jobs: Vec<JobLink> = found.job.into_iter().chain(found.jobs).collect();
        if jobs.is_empty() && self.status == StatusCode::ACCEPTED {
            return Err(
                self.decode_error_text("HTTP 202 Accepted without a job: ONTAP always names the jobs it started")
            );
        }
        Ok(jobs)
    }

    /// The jobs the body names, read strictly: an empty body names none;
    /// anything else must be a JSON object whose `job` and `jobs` are job
    /// links. A link with an empty uuid names no job; one whose uuid is a
    /// dot segment (`.`, `..`) could not be polled at its own path, and is
    /// an error.
    fn named_jobs(&self) -> Result<WithJobs, Error> {
        if self.is_empty_body() {
            return Ok(WithJobs::default());
        }
        let ObjectOnly(mut found) =
            serde_json::from_slice::<ObjectOnly<WithJobs>>(&self.body).map_err(|source| self.decode_error(source))?;
        found.job = found.job.filter(|job| !job.uuid.is_empty());
        found.jobs.retain(|job| !job.uuid.is_empty());
        if let Some(job) = found
            .job
            .iter()
            .chain(&found.jobs)
            .find(|job| is_dot_segment(&job.uuid))
        {
            let text = format!("the job's uuid `{}` is a dot segment, not a job", job.uuid);
            return Err(self.decode_error_text(&text));
        }
        Ok(found)
    }

    /// Whether the body is empty (or only white space).
    pub(crate) fn is_empty_body(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The job as it ended, when the call waited for it.
    pub fn job_status(&self) -> Option<&JobStatus> {
        self.job_status.as_deref()
    }

    pub(crate) fn set_job_status(&mut self, status: JobStatus) {
        self.job_status = Some(Box::new(status));
    }

    /// Decodes the body as `T`; an empty body decodes as `null`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.decode_borrowed()
    }

    /// Decodes the body as `T`, which may borrow from it; an empty body decodes as `null`.
    pub(crate) fn decode_borrowed<'a, T: Deserialize<'a>>(&'a self) -> Result<T, Error> {
        let bytes: &[u8] = if self.is_empty_body() { b"null" } else { &self.body };
        serde_json::from_slice(bytes).map_err(|source| self.decode_error(source))
    }

    /// An [`Error::Decode`] of this answer, keeping its raw body.
    pub(crate) fn decode_error(&self, source: serde_json::Error) -> Error {
        Error::Decode {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            source: std::sync::Arc::new(source),
            body: Box::new(RawBody::new(
                self.headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                &self.body,
            )),
        }
    }

    /// An [`Error::Decode`] of a body that is JSON but not what it must be.
    pub(crate) fn decode_error_text(&self, why: &str) -> Error {
        self.decode_error(<serde_json::Error as de::Error>::custom(why))
    }

    /// The body as untyped JSON.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        self.decode()
    }
}

/// The jobs an answer names: `job`, and the `jobs` of a bulk PATCH or DELETE.
#[derive(Default, Deserialize)]
struct WithJobs {
    #[serde(default)]
    job: Option<JobLink>,
    #[serde(default)]
    jobs: Vec<JobLink>,
}

/// `T` read from a JSON object only: a derived struct also reads an array
/// (`[]` would be a body without jobs), which no ONTAP answer is.
struct ObjectOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData)).map(ObjectOnly)
    }
}
