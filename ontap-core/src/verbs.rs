//! The verbs. `#[derive(Resource)]` implements a marker trait for each verb
//! the resource supports ([`Get`], [`Post`], ...); the methods live once, in
//! [`ResourceExt`], each available only where its marker is implemented, so
//! `job.post(...)` on a resource without POST fails to compile with a message
//! that says so.

use std::time::Duration;

use async_trait::async_trait;
use http::Method;

use crate::connection::HostConnection;
use crate::error::Error;
use crate::job::{JobStatus, PollOptions};
use crate::request::{self, Query, RequestSpec};
use crate::resource::{Resource, Verb};
use crate::response::Response;

/// Marks a resource that ONTAP reads with `GET`; gives it [`ResourceExt::get`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read with GET",
    label = "ONTAP does not read this object with GET",
    note = "a resource supports GET when one of its fields is marked `#[get]`"
)]
pub trait Get: Resource {}

/// GETs `resource` and merges the answer into it.
async fn refresh<R: Resource>(resource: &mut R, conn: &HostConnection, query: &Query) -> Result<Response, Error> {
    let spec = RequestSpec::new(Method::GET, &request::instance_path(resource)?, query);
    let response = conn.execute(&spec).await?;
    let fresh: R = response.decode()?;
    resource.merge(fresh);
    Ok(response)
}

/// Options of [`ResourceExt::post`], with the Python library's meanings.
///
/// ```
/// use std::time::Duration;
/// use ontap_core::PostOptions;
/// let options = PostOptions::default()
///     .hydrate(true)
///     .return_timeout(0)
///     .poll_interval(Duration::from_secs(1))
///     .on_progress(|status| println!("{:?}", status.message));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PostOptions {
    hydrate: bool,
    poll: bool,
    poll_options: PollOptions,
    query: Query,
}

impl Default for PostOptions {
    fn default() -> Self {
        PostOptions {
            hydrate: false,
            poll: true,
            poll_options: PollOptions::default(),
            query: Query::new(),
        }
    }
}

impl PostOptions {
    /// After success, GET the object and merge its fields into `self`
    /// (false by default).
    pub fn hydrate(mut self, hydrate: bool) -> Self {
        self.hydrate = hydrate;
        self
    }

    /// Wait for the job the server started (true by default). When false, the
    /// job is in [`Response::job`] for the caller to wait on.
    pub fn poll(mut self, poll: bool) -> Self {
        self.poll = poll;
        self
    }

    /// Time between polls of the job.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_options = self.poll_options.interval(interval);
        self
    }

    /// How long to wait for the job.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_options = self.poll_options.timeout(timeout);
        self
    }

    /// Called with each new state or message of the job.
    pub fn on_progress(mut self, callback: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        self.poll_options = self.poll_options.on_progress(callback);
        self
    }

    /// Asks the server to hold its answer up to `seconds` (0..=120) for the
    /// job to finish.
    pub fn return_timeout(self, seconds: u32) -> Self {
        self.param("return_timeout", seconds)
    }

    /// Any other query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push(name, value);
        self
    }
}

/// Marks a resource that ONTAP creates with `POST`; gives it [`ResourceExt::post`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support POST",
    label = "ONTAP cannot create this object with POST",
    note = "a resource supports POST when one of its fields is marked `#[post]`"
)]
pub trait Post: Resource {}

/// Marks a resource that ONTAP modifies with `PATCH`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support PATCH",
    label = "ONTAP cannot modify this object with PATCH",
    note = "a resource supports PATCH when one of its fields is marked `#[patch]`"
)]
pub trait Patch: Resource {}

/// Marks a resource that ONTAP deletes with `DELETE`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support DELETE",
    label = "ONTAP cannot delete this object",
    note = "declare it on the struct with `#[resource(delete)]` when ONTAP deletes this object"
)]
pub trait Delete: Resource {}

/// Marks a resource whose objects ONTAP lists with `GET` on the collection path.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no collection to list",
    label = "ONTAP has no collection of these objects",
    note = "declare it on the struct with `#[resource(collection)]` when ONTAP lists these objects"
)]
pub trait Collection: Resource {}

/// The methods of every resource: `get`, `post`, ... Each needs the verb's
/// marker trait, which `#[derive(Resource)]` implements for the verbs the
/// resource supports. Bring it into scope with `use ontap::prelude::*;`.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use ontap_core::prelude::*;
/// use ontap_core::{PostOptions, Secret};
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/cluster/software/download")]
/// struct Download {
///     #[get]
///     state: Option<String>,
///     #[post]
///     url: Option<String>,
/// }
/// let mut download = Download { url: Some("http://server/package".into()), ..Default::default() };
/// download.post(&conn, PostOptions::default().return_timeout(0)).await?;
/// download.get(&conn).await?;
/// println!("{download}");
/// # Ok(()) }
/// ```
#[async_trait]
pub trait ResourceExt: Resource {
    /// Fetches the object (`GET` on its instance path) and sets every field
    /// the server returned; the fields it did not return keep their values.
    async fn get(&mut self, conn: &HostConnection) -> Result<Response, Error>
    where
        Self: Get,
    {
        refresh(self, conn, &Query::new()).await
    }

    /// [`ResourceExt::get`] with query parameters (`fields`, say).
    async fn get_with(&mut self, conn: &HostConnection, query: &Query) -> Result<Response, Error>
    where
        Self: Get,
    {
        refresh(self, conn, query).await
    }

    /// Creates the object: `POST` on the collection path with the fields
    /// that are set and allowed for POST. With a job in the answer and
    /// `poll` on (the default), waits for it: a failed, timed-out or
    /// vanished job is an error. With `hydrate`, GETs the object afterwards.
    ///
    /// A POST is never retried: a second one could start a second download
    /// or create a second volume.
    async fn post(&mut self, conn: &HostConnection, options: PostOptions) -> Result<Response, Error>
    where
        Self: Post,
    {
        let body = request::body(self, Verb::Post)?;
        let spec = RequestSpec::new(Method::POST, &request::collection_path(self)?, &options.query)
            .with_body(serde_json::Value::Object(body));
        let mut response = conn.execute(&spec).await?;
        if options.poll
            && let Some(job) = response.job().cloned()
        {
            let status = job.wait(conn, &options.poll_options).await?.into_result(&job.uuid)?;
            response.set_job_status(status);
        }
        if options.hydrate {
            refresh(self, conn, &Query::new()).await?;
        }
        Ok(response)
    }
}

impl<R: Resource> ResourceExt for R {}
