//! The verbs. `#[derive(Resource)]` implements a marker trait for each verb
//! the resource supports ([`Get`], [`Post`], ...); the methods live once, in
//! [`ResourceExt`], each available only where its marker is implemented, so
//! `job.post(...)` on a resource without POST fails to compile with a message
//! that says so.

use std::collections::{HashSet, VecDeque};
use std::fmt::Display;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::connection::Hold;
use crate::connection::HostConnection;
use crate::error::Error;
use crate::hal::Links;
use crate::job::{JobLink, JobStatus, PollOptions, Poller};
use crate::request::{self, Query, RequestSpec, is_dot_segment};
use crate::resource::{Resource, Verb, Verbs};
use crate::response::Response;
use tracing::Instrument as _;

/// Marks a resource that ONTAP reads with `GET`; gives it [`ResourceExt::get`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read with GET",
    label = "ONTAP does not read this object with GET",
    note = "a resource supports GET when the struct says `#[resource(get)]` or one of its fields is marked `#[get]`"
)]
pub trait Get: Resource {}

/// The span of one operation on `R` (`ontap.operation`): the resource, the
/// verb and the path, computed only when debug events may be wanted.
fn operation_span<R: Resource>(verb: &'static str, path: impl FnOnce() -> Result<String, Error>) -> tracing::Span {
    let path = if tracing::level_enabled!(tracing::Level::DEBUG) {
        path().ok()
    } else {
        None
    };
    tracing::debug_span!("ontap.operation", resource = R::NAME, verb, path = path.as_deref())
}

/// GETs `resource` and merges the answer into it.
async fn refresh<R: Resource>(resource: &mut R, conn: &HostConnection, query: &Query) -> Result<Response, Error> {
    read_into(resource, conn, query, true).await
}

/// GETs `resource`, retried as any GET when `retry`, else sent once, and
/// merges the answer into it.
async fn read_into<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    query: &Query,
    retry: bool,
) -> Result<Response, Error> {
    let spec = RequestSpec::new(Method::GET, &request::instance_path_with(resource, query)?, query);
    let response = if retry {
        conn.execute(&spec).await?
    } else {
        conn.send_once(&spec).await?
    };
    let fresh: R = response.decode()?;
    resource.merge(fresh);
    Ok(response)
}

/// The typed query parameters of one operation: `ontap-codegen` writes a
/// struct of them for each operation that has its own (`validate_only` of
/// `PATCH /cluster/software`, `force` of `DELETE /storage/volumes/{uuid}`),
/// and each verb's marker trait names the struct its operation takes, so a
/// misspelled parameter, or one of another operation, does not compile.
///
/// ```
/// use ontap_core::{Query, QueryParams};
///
/// #[derive(Debug, Clone, Default)]
/// struct Force {
///     force: Option<bool>,
/// }
///
/// impl QueryParams for Force {
///     fn append_to(&self, query: &mut Query) {
///         if let Some(value) = &self.force {
///             query.push("force", value);
///         }
///     }
/// }
///
/// let mut query = Query::new();
/// Force { force: Some(true) }.append_to(&mut query);
/// assert_eq!(query.encode(), "force=true");
/// ```
pub trait QueryParams: std::fmt::Debug + Clone + Default + Send + Sync + 'static {
    /// Adds the parameters that are set to `query`.
    fn append_to(&self, query: &mut Query);
}

/// The parameters of an operation that has none of its own: only the
/// shared ones of [`CallOptions`] (`return_timeout`, ...) apply.
///
/// ```
/// use ontap_core::{NoParams, Query, QueryParams};
/// let mut query = Query::new();
/// NoParams.append_to(&mut query);
/// assert!(query.is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoParams;

impl QueryParams for NoParams {
    fn append_to(&self, _: &mut Query) {}
}

/// Options of [`ResourceExt::post_with`], [`ResourceExt::patch_with`],
/// [`ResourceExt::patch_changes_with`], [`ResourceExt::delete_with`] and
/// the bulk verbs, with the Python library's meanings, and the operation's
/// typed query parameters `P` (see [`QueryParams`]); the verb infers `P`,
/// so `CallOptions::default()` fits every call. `post`, `patch`,
/// `patch_changes` and `delete` are their `_with` form with
/// `CallOptions::default()`.
///
/// ```
/// use std::time::Duration;
/// use ontap_core::CallOptions;
/// let options: CallOptions = CallOptions::default()
///     .hydrate(true)
///     .return_timeout(0)
///     .poll_interval(Duration::from_secs(1))
///     .on_progress(|status| println!("{:?}", status.message));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct CallOptions<P = NoParams> {
    hydrate: bool,
    poll: bool,
    poll_options: PollOptions,
    query: Query,
    params: P,
}

impl<P: Default> Default for CallOptions<P> {
    fn default() -> Self {
        CallOptions {
            hydrate: false,
            poll: true,
            poll_options: PollOptions::default(),
            query: Query::new(),
            params: P::default(),
        }
    }
}

impl<P: QueryParams> CallOptions<P> {
    /// Options with the operation's typed query parameters.
    ///
    /// ```
    /// # use ontap_core::{CallOptions, Query, QueryParams};
    /// # #[derive(Debug, Clone, Default)]
    /// # struct SoftwarePatchParams { validate_only: Option<bool> }
    /// # impl QueryParams for SoftwarePatchParams {
    /// #     fn append_to(&self, query: &mut Query) {
    /// #         if let Some(v) = &self.validate_only { query.push("validate_only", v); }
    /// #     }
    /// # }
    /// let options = CallOptions::with(SoftwarePatchParams { validate_only: Some(true) }).return_timeout(0);
    /// assert_eq!(options.query().encode(), "return_timeout=0&validate_only=true");
    /// ```
    pub fn with(params: P) -> Self {
        CallOptions {
            params,
            ..CallOptions::default()
        }
    }

    /// Replaces the typed query parameters.
    pub fn params(mut self, params: P) -> Self {
        self.params = params;
        self
    }

    /// Every query parameter the call sends: the untyped ones, then the
    /// typed ones that are set.
    pub fn query(&self) -> Query {
        let mut query = self.query.clone();
        self.params.append_to(&mut query);
        query
    }
}

impl<P> CallOptions<P> {
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

    /// Any other query parameter, untyped (for one the model does not list).
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push(name, value);
        self
    }

    /// The key of an enclosing object that the path needs, when the
    /// resource does not carry it (see [`Query::parent`]).
    pub fn parent(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query = self.query.parent(key, value);
        self
    }
}

/// Marks a resource that ONTAP creates with `POST`; gives it [`ResourceExt::post`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support POST",
    label = "ONTAP cannot create this object with POST",
    note = "a resource supports POST when the struct says `#[resource(post)]` or one of its fields is marked `#[post]`"
)]
pub trait Post: Resource {
    /// The operation's typed query parameters ([`NoParams`] when it has
    /// none of its own).
    type Params: QueryParams;
}

/// Marks a resource that ONTAP modifies with `PATCH`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support PATCH",
    label = "ONTAP cannot modify this object with PATCH",
    note = "a resource supports PATCH when the struct says `#[resource(patch)]` or one of its fields is marked `#[patch]`"
)]
pub trait Patch: Resource {
    /// The operation's typed query parameters ([`NoParams`] when it has
    /// none of its own).
    type Params: QueryParams;
}

/// Marks a resource that ONTAP deletes with `DELETE`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support DELETE",
    label = "ONTAP cannot delete this object",
    note = "declare it on the struct with `#[resource(delete)]` when ONTAP deletes this object"
)]
pub trait Delete: Resource {
    /// The operation's typed query parameters ([`NoParams`] when it has
    /// none of its own).
    type Params: QueryParams;
}

/// Marks a resource whose objects ONTAP lists with `GET` on the collection path.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no collection to list",
    label = "ONTAP has no collection of these objects",
    note = "declare it on the struct with `#[resource(collection)]` when ONTAP lists these objects"
)]
pub trait Collection: Resource {}

/// Marks a resource whose objects ONTAP modifies in bulk: one `PATCH` of the
/// collection path changes every object a query selects.
///
/// Declared on the struct with `#[resource(patch_collection)]`:
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::PatchCollection;
///
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes", collection, patch_collection)]
/// struct Volume {
///     #[resource(get, patch)]
///     comment: Option<String>,
/// }
///
/// fn bulk_modifiable<R: PatchCollection>() {}
/// bulk_modifiable::<Volume>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support PATCH on its collection",
    label = "ONTAP cannot modify these objects in bulk",
    note = "declare it on the struct with `#[resource(patch_collection)]` when ONTAP modifies the objects a query selects with one PATCH"
)]
pub trait PatchCollection: Resource {
    /// The operation's typed query parameters ([`NoParams`] when it has
    /// none of its own).
    type Params: QueryParams;
}

/// Marks a resource whose objects ONTAP deletes in bulk: one `DELETE` of the
/// collection path removes every object a query selects.
///
/// Declared on the struct with `#[resource(delete_collection)]`:
///
/// ```
/// # extern crate ontap_core as ontap;
/// use ontap_core::DeleteCollection;
///
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection, delete, delete_collection)]
/// struct Snapshot {
///     #[get]
///     volume: Option<serde_json::Value>,
///     #[get]
///     #[key]
///     uuid: Option<String>,
/// }
///
/// fn bulk_deletable<R: DeleteCollection>() {}
/// bulk_deletable::<Snapshot>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support DELETE on its collection",
    label = "ONTAP cannot delete these objects in bulk",
    note = "declare it on the struct with `#[resource(delete_collection)]` when ONTAP deletes the objects a query selects with one DELETE"
)]
pub trait DeleteCollection: Resource {
    /// The operation's typed query parameters ([`NoParams`] when it has
    /// none of its own).
    type Params: QueryParams;
}

/// The methods of every resource. Each needs the verb's marker trait, which
/// `#[derive(Resource)]` implements for the verbs the resource supports:
/// calling `post` on a resource without POST does not compile. Bring it into
/// scope with `use ontap::prelude::*;`.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
/// use futures::TryStreamExt;
/// use ontap_core::prelude::*;
/// use ontap_core::{CallOptions, Query};
///
/// #[derive(Debug, Clone, Default, ontap::Resource)]
/// #[resource(path = "/storage/volumes", collection, delete)]
/// struct Volume {
///     #[get]
///     #[key]
///     uuid: Option<String>,
///     #[get]
///     #[post]
///     #[patch]
///     name: Option<String>,
///     #[get]
///     #[post]
///     #[patch]
///     size: Option<u64>,
/// }
///
/// let mut volume = Volume { name: Some("vol1".into()), size: Some(1 << 30), ..Default::default() };
/// volume.post_with(&conn, CallOptions::default().hydrate(true)).await?; // waits for the job
/// let before = volume.clone();
/// volume.size = Some(2 << 30);
/// volume.patch_changes(&conn, &before).await?;                         // sends {"size": ...}
/// let mut all = Volume::get_collection(&conn, Query::new().fields(["name", "size"]));
/// while let Some(v) = all.try_next().await? {
///     println!("{v}");
/// }
/// let again = Volume::fetch(&conn, volume.uuid.as_deref().unwrap()).await?; // GET by key
/// again.delete(&conn).await?;
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
        self.get_with(conn, &Query::new()).await
    }

    /// [`ResourceExt::get`] with query parameters (`fields`, say).
    async fn get_with(&mut self, conn: &HostConnection, query: &Query) -> Result<Response, Error>
    where
        Self: Get,
    {
        let span = operation_span::<Self>("get", || request::instance_path_with(self, query));
        refresh(self, conn, query).instrument(span).await
    }

    /// [`ResourceExt::get`], with a 404 answer as `Ok(None)` instead of an error.
    async fn get_opt(&mut self, conn: &HostConnection) -> Result<Option<Response>, Error>
    where
        Self: Get,
    {
        let span = operation_span::<Self>("get", || request::instance_path(self));
        match refresh(self, conn, &Query::new()).instrument(span).await {
            Ok(response) => Ok(Some(response)),
            Err(err) if err.status() == Some(StatusCode::NOT_FOUND) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Reads one object by its keys, in one call: `GET` on the instance
    /// path built from `keys`, decoded into a new `Self`. `keys` are the
    /// values of the instance path, in its order: the parent keys of the
    /// collection path's placeholders, then [`Resource::KEYS`]. One key is
    /// a string (or an integer); several are an array or a slice; a
    /// singleton, which has none, takes `()`:
    ///
    /// | path | `keys` |
    /// | --- | --- |
    /// | `/storage/volumes/{uuid}` | `"028baa66-41bd-11e9-81d5-00a0986138f7"` |
    /// | `/security/accounts/{owner.uuid}/{name}` | `[owner_uuid, "admin"]` |
    /// | `/storage/volumes/{volume.uuid}/snapshots/{uuid}` | `[volume_uuid, snapshot_uuid]` |
    /// | `/cluster` | `()` |
    ///
    /// The wrong number of keys is an [`Error::KeyCount`] naming the keys
    /// the path holds, an empty key an [`Error::MissingKey`], and a key of
    /// `.` or `..` an [`Error::InvalidKey`], all before any request. Each
    /// key is percent-encoded, as given. A key the answer does not carry is
    /// set from `keys`, so the object can be modified or deleted at once; a
    /// 404 is an error for which [`Error::is_not_found`] holds.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # #[derive(Debug, Clone, Default, PartialEq, ontap::Model)]
    /// # struct VolumeRef { uuid: Option<String>, name: Option<String> }
    /// # #[derive(Debug, Clone, Default, PartialEq, ontap::Model)]
    /// # struct OwnerRef { uuid: Option<String>, name: Option<String> }
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection, delete)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    ///     #[get]
    ///     name: Option<String>,
    /// }
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/security/accounts", collection)]
    /// struct Account {
    ///     #[resource(get, key = "uuid")]
    ///     owner: Option<OwnerRef>,
    ///     #[resource(get, key)]
    ///     name: Option<String>,
    /// }
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
    /// struct Snapshot {
    ///     #[get]
    ///     volume: Option<VolumeRef>,
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    /// }
    ///
    /// let volume = Volume::fetch(&conn, "028baa66-41bd-11e9-81d5-00a0986138f7").await?;
    /// println!("{volume}");
    /// let admin = Account::fetch(&conn, ["0a1b2c3d", "admin"]).await?;
    /// let snapshot = Snapshot::fetch(&conn, ["028baa66-41bd-11e9-81d5-00a0986138f7", "3c5d7e9f"]).await?;
    /// let named = Volume::fetch_with(&conn, "028baa66", &ontap::Query::new().fields(["name"])).await?;
    /// volume.delete(&conn).await?; // its key came back with it
    /// # let _ = (admin, snapshot, named);
    /// # Ok(()) }
    /// ```
    ///
    /// The count is checked first:
    ///
    /// ```
    /// # extern crate ontap_core as ontap;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use ontap::prelude::*;
    /// use ontap::{Error, HostConnection};
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection)]
    /// struct Snapshot {
    ///     #[get]
    ///     volume: Option<serde_json::Value>,
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    /// }
    ///
    /// let conn = HostConnection::builder("cluster.example.com").build().unwrap(); // not contacted
    /// let err = Snapshot::fetch(&conn, "3c5d7e9f").await.unwrap_err();
    /// assert!(matches!(&err, Error::KeyCount { given: 1, keys, .. } if keys == &["volume.uuid", "uuid"]));
    /// assert_eq!(err.to_string(), "Snapshot is read by 2 keys, `volume.uuid` then `uuid`; 1 given");
    /// # }
    /// ```
    fn fetch<'c, K: IntoKeys>(conn: &'c HostConnection, keys: K) -> BoxFuture<'c, Result<Self, Error>>
    where
        Self: Get,
    {
        fetch_by_keys::<Self>(conn, keys.into_keys(), Query::new()).boxed()
    }

    /// [`ResourceExt::fetch`] with query parameters (`fields`, say). The
    /// keys fill the whole path: the query's [`Query::parent`] keys are not
    /// used.
    fn fetch_with<'c, K: IntoKeys>(
        conn: &'c HostConnection,
        keys: K,
        query: &Query,
    ) -> BoxFuture<'c, Result<Self, Error>>
    where
        Self: Get,
    {
        fetch_by_keys::<Self>(conn, keys.into_keys(), query.clone()).boxed()
    }

    /// Reads the object ([`ResourceExt::get`]) until `condition` holds for
    /// it: a volume coming online, the software reaching `completed` during
    /// an upgrade. The object keeps what it read last, whatever the outcome.
    ///
    /// The reads follow a job wait's schedule and tolerance
    /// ([`JobLink::wait`](crate::JobLink::wait)): at once, then after
    /// pauses that double from 50 ms up to the poll interval; a read that
    /// fails in a way that may heal (no connection, a time-out, 5xx, 429:
    /// a node rebooting) is ridden out with [`PollOptions::on_retry`] told;
    /// what cannot heal (a 404, 401, 403) ends the wait as that error. At
    /// the deadline (the poll timeout) the wait ends with
    /// [`Error::WaitTimeout`].
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
    /// use std::time::Duration;
    /// use ontap_core::prelude::*;
    /// use ontap_core::PollOptions;
    ///
    /// #[derive(Debug, Clone, Default, PartialEq, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection)]
    /// struct Volume {
    ///     #[get]
    ///     #[key]
    ///     uuid: Option<String>,
    ///     #[get]
    ///     state: Option<String>,
    /// }
    ///
    /// let mut volume = Volume { uuid: Some("028baa66".into()), ..Default::default() };
    /// let options = PollOptions::default().timeout(Duration::from_secs(60));
    /// volume.wait_until(&conn, &options, |v| v.state.as_deref() == Some("online")).await?;
    /// # Ok(()) }
    /// ```
    async fn wait_until<F>(
        &mut self,
        conn: &HostConnection,
        options: &PollOptions,
        mut condition: F,
    ) -> Result<Response, Error>
    where
        Self: Get,
        F: FnMut(&Self) -> bool + Send,
    {
        let query = Query::new();
        let path = request::instance_path_with(self, &query)?;
        let span = operation_span::<Self>("wait_until", || Ok(path.clone()));
        let mut poller = Poller::new(conn, options, format!("{} {path}", Self::NAME));
        let mut window = poller.first();
        let timed_out = |poller: &Poller| Error::WaitTimeout {
            resource: Self::NAME,
            path: path.clone(),
            waited: poller.started.elapsed(),
        };
        loop {
            let read = async {
                tokio::time::sleep_until(window.latest).await;
                read_into(self, conn, &query, false).await
            }
            .instrument(span.clone());
            match tokio::time::timeout_at(poller.cutoff(window), read).await {
                Err(_) => return Err(timed_out(&poller)),
                Ok(Ok(response)) => {
                    if condition(self) {
                        return Ok(response);
                    }
                    match poller.after_read() {
                        Some(next) => window = next,
                        None => return Err(timed_out(&poller)),
                    }
                }
                Ok(Err(err)) => window = poller.after_failure(err)?,
            }
        }
    }

    /// Creates the object: `POST` on the collection path with the fields
    /// that are set and allowed for POST; [`ResourceExt::post_with`] with
    /// `CallOptions::default()`. With a job in the answer, waits for it: a
    /// failed, timed-out or vanished job is an error.
    ///
    /// For a resource with keys, `return_records=true` is sent unless the
    /// options say otherwise, and the record in the answer is merged into
    /// `self`, so that the new object's keys are known.
    ///
    /// A success status whose body cannot be read (not a JSON object, a
    /// `records` that does not decode, a job that is not a job link) is an
    /// [`Error::Decode`] keeping the raw body: whether a job started is
    /// then unknown, so it is not taken for done. So is a `202 Accepted`
    /// without a job. An empty body is a success without a job.
    ///
    /// A POST is never retried: a second one could start a second download
    /// or create a second volume.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    /// use ontap::CallOptions;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    ///     #[resource(get, post)]
    ///     name: Option<String>,
    /// }
    ///
    /// let mut volume = Volume { name: Some("vol1".into()), ..Default::default() };
    /// volume.post(&conn).await?;                                  // waits for the job
    /// println!("created {:?}", volume.uuid);                      // from the answer
    ///
    /// let mut other = Volume { name: Some("vol2".into()), ..Default::default() };
    /// let response = other.post_with(&conn, CallOptions::default().poll(false)).await?;
    /// println!("started {:?}", response.job());                   // not waited for
    /// # Ok(()) }
    /// ```
    async fn post(&mut self, conn: &HostConnection) -> Result<Response, Error>
    where
        Self: Post,
    {
        self.post_with(conn, CallOptions::default()).await
    }

    /// [`ResourceExt::post`] with options: `hydrate` (GET the object
    /// afterwards), `poll(false)` (hand the job back instead of waiting),
    /// `return_timeout`, the operation's typed query parameters
    /// ([`CallOptions::with`]), ...
    async fn post_with(
        &mut self,
        conn: &HostConnection,
        options: CallOptions<<Self as Post>::Params>,
    ) -> Result<Response, Error>
    where
        Self: Post,
    {
        let span = operation_span::<Self>("post", || request::collection_path(self));
        send_post(self, conn, options).instrument(span).await
    }

    /// Modifies the object: `PATCH` on its instance path with every field
    /// that is set and allowed for PATCH; [`ResourceExt::patch_with`] with
    /// `CallOptions::default()`. Build the resource with its keys and the
    /// fields to change only; to send just what changed since a GET, use
    /// [`ResourceExt::patch_changes`]. Waits for a job like `post`.
    async fn patch(&mut self, conn: &HostConnection) -> Result<Response, Error>
    where
        Self: Patch,
    {
        self.patch_with(conn, CallOptions::default()).await
    }

    /// [`ResourceExt::patch`] with options (`hydrate`, `poll`, the
    /// operation's typed query parameters, ...).
    async fn patch_with(
        &mut self,
        conn: &HostConnection,
        options: CallOptions<<Self as Patch>::Params>,
    ) -> Result<Response, Error>
    where
        Self: Patch,
    {
        let span = operation_span::<Self>("patch", || request::instance_path(self));
        let body = request::body(self, Verb::Patch)?;
        send_patch(self, conn, body, &options.into_call())
            .instrument(span)
            .await
    }

    /// Modifies the object with only the `#[patch]` fields whose values
    /// differ from `before` (the object as it was read). Sends nothing and
    /// answers `Ok(None)` when nothing changed.
    /// [`ResourceExt::patch_changes_with`] with `CallOptions::default()`.
    async fn patch_changes(&mut self, conn: &HostConnection, before: &Self) -> Result<Option<Response>, Error>
    where
        Self: Patch,
    {
        self.patch_changes_with(conn, before, CallOptions::default()).await
    }

    /// [`ResourceExt::patch_changes`] with options.
    async fn patch_changes_with(
        &mut self,
        conn: &HostConnection,
        before: &Self,
        options: CallOptions<<Self as Patch>::Params>,
    ) -> Result<Option<Response>, Error>
    where
        Self: Patch,
    {
        let body = request::body_changes(self, before, Verb::Patch)?;
        if body.is_empty() {
            return Ok(None);
        }
        let span = operation_span::<Self>("patch", || request::instance_path(self));
        send_patch(self, conn, body, &options.into_call())
            .instrument(span)
            .await
            .map(Some)
    }

    /// Deletes the object: `DELETE` on its instance path; waits for a job
    /// like `post`. [`ResourceExt::delete_with`] with
    /// `CallOptions::default()`.
    async fn delete(&self, conn: &HostConnection) -> Result<Response, Error>
    where
        Self: Delete,
    {
        self.delete_with(conn, CallOptions::default()).await
    }

    /// [`ResourceExt::delete`] with options: the operation's typed query
    /// parameters, `poll`, ...
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use std::time::Duration;
    /// use ontap::prelude::*;
    /// use ontap::CallOptions;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection, delete)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    /// }
    ///
    /// let volume = Volume { uuid: Some("028baa66".into()) };
    /// volume.delete_with(&conn, CallOptions::default().poll_timeout(Duration::from_secs(600))).await?;
    /// # Ok(()) }
    /// ```
    async fn delete_with(
        &self,
        conn: &HostConnection,
        options: CallOptions<<Self as Delete>::Params>,
    ) -> Result<Response, Error>
    where
        Self: Delete,
    {
        let span = operation_span::<Self>("delete", || request::instance_path(self));
        send_delete(self, conn, None, &options.into_call())
            .instrument(span)
            .await
    }

    /// [`ResourceExt::delete_with`] with a JSON body, for the deletions that
    /// take parameters in the body.
    async fn delete_with_body(
        &self,
        conn: &HostConnection,
        body: Value,
        options: CallOptions<<Self as Delete>::Params>,
    ) -> Result<Response, Error>
    where
        Self: Delete,
    {
        let span = operation_span::<Self>("delete", || request::instance_path(self));
        send_delete(self, conn, Some(body), &options.into_call())
            .instrument(span)
            .await
    }

    /// Modifies every object `query` selects with one `PATCH` of the
    /// collection path, sending the fields of `self` that are set and
    /// allowed for PATCH (build `self` with the changes only). ONTAP answers
    /// with a job per batch of objects; with `poll` on (the default) every
    /// job is waited for, and [`BulkResponse::jobs`] holds each one's
    /// outcome: a job that failed does not hide the others.
    ///
    /// `query` must select: an empty query, which would change every
    /// object, is refused before any request (`Error::Config`); to mean
    /// every object, say so with a filter such as `name=*`. The request is
    /// never retried.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    /// use ontap::{CallOptions, Query};
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection, patch_collection)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    ///     #[resource(get, patch)]
    ///     comment: Option<String>,
    /// }
    ///
    /// let changes = Volume { comment: Some("archived".into()), ..Default::default() };
    /// let done = changes.patch_collection(&conn, Query::new().filter("name", "old_*"), CallOptions::default()).await?;
    /// assert!(done.all_succeeded());
    /// # Ok(()) }
    /// ```
    async fn patch_collection(
        &self,
        conn: &HostConnection,
        query: Query,
        options: CallOptions<<Self as PatchCollection>::Params>,
    ) -> Result<BulkResponse, Error>
    where
        Self: PatchCollection,
    {
        let span = operation_span::<Self>("patch_collection", || request::collection_path(self));
        let body = request::body(self, Verb::Patch)?;
        send_bulk(
            self,
            conn,
            Method::PATCH,
            query,
            Some(Value::Object(body)),
            options.into_call(),
        )
        .instrument(span)
        .await
    }

    /// Deletes every object `query` selects with one `DELETE` of the
    /// collection path, waiting for every job like
    /// [`ResourceExt::patch_collection`]; an empty query is refused the
    /// same way. Nested collections take their parent keys from
    /// [`Query::parent`].
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    /// use ontap::{CallOptions, Query};
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection, delete_collection)]
    /// struct Snapshot {
    ///     #[get]
    ///     volume: Option<serde_json::Value>,
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    /// }
    ///
    /// let query = Query::new().parent("volume.uuid", "1cd8a442").filter("name", "hourly.*");
    /// let done = Snapshot::delete_collection(&conn, query, CallOptions::default()).await?;
    /// for job in done.jobs() {
    ///     let succeeded = matches!(job.outcome, Some(Ok(_)));
    ///     println!("{}: {}", job.link.uuid, if succeeded { "deleted" } else { "not deleted" });
    /// }
    /// # Ok(()) }
    /// ```
    async fn delete_collection(
        conn: &HostConnection,
        query: Query,
        options: CallOptions<<Self as DeleteCollection>::Params>,
    ) -> Result<BulkResponse, Error>
    where
        Self: DeleteCollection,
    {
        let resource = Self::default();
        let span = operation_span::<Self>("delete_collection", || request::collection_path(&resource));
        send_bulk(&resource, conn, Method::DELETE, query, None, options.into_call())
            .instrument(span)
            .await
    }

    /// Lists the objects page by page: a stream of the collection's pages,
    /// each with its records, its `num_records` and its `next` link, one
    /// request each. It reads the pages as [`ResourceExt::get_collection`]
    /// does (which is this stream, flattened), with the same ends and
    /// errors: the next page is read while one is consumed, never more than
    /// one ahead. Nested collections take their parent keys from
    /// [`Query::parent`]; `max_records` sets the size of a page.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use futures::TryStreamExt;
    /// use ontap::prelude::*;
    /// use ontap::Query;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    ///     #[get]
    ///     name: Option<String>,
    /// }
    ///
    /// let mut pages = Volume::get_pages(&conn, Query::new().fields(["name"]).max_records(500));
    /// while let Some(page) = pages.try_next().await? {
    ///     let names: Vec<_> = page.records.iter().filter_map(|v| v.name.as_deref()).collect();
    ///     println!("{} volumes: {}", names.len(), names.join(", "));
    ///     if page.next.is_none() {
    ///         println!("that was the last page");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    fn get_pages(conn: &HostConnection, query: Query) -> BoxStream<'static, Result<Page<Self>, Error>>
    where
        Self: Collection,
    {
        pages::<Self>(conn.clone(), query)
    }

    /// Lists the objects: a stream that reads the collection page by page
    /// (the records of [`ResourceExt::get_pages`], one by one), following
    /// `_links.next` as the server wrote it and holding one page in memory
    /// at a time. It stops where there is no `next` link, or where a
    /// link repeats one of the last 1,024 (remembered as hashes, so memory
    /// stays bounded however long the collection). Nested collections take
    /// their parent keys from [`Query::parent`].
    ///
    /// A page without `records` is an [`Error::Decode`] (unless the query
    /// says `return_records=false`); a `next` link outside `/api/` (dot
    /// segments resolved) is an [`Error::UnexpectedLink`], not followed,
    /// after the records of the page that holds it;
    /// [`Query::max_empty_pages`] empty pages in a row (10 by default),
    /// each with a new `next` link, end the stream with an
    /// [`Error::EmptyPages`].
    fn get_collection(conn: &HostConnection, query: Query) -> BoxStream<'static, Result<Self, Error>>
    where
        Self: Collection,
    {
        Self::get_pages(conn, query)
            .map_ok(|page| stream::iter(page.records.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Counts the objects that match `query` without reading them
    /// (`return_records=false`).
    async fn count_collection(conn: &HostConnection, query: Query) -> Result<u64, Error>
    where
        Self: Collection,
    {
        let query = query
            .without("return_records")
            .without("max_records")
            .return_records(false);
        let path = request::collection_path_with(&Self::default(), &query)?;
        let span = operation_span::<Self>("count_collection", || Ok(path.clone()));
        let response = conn
            .execute(&RequestSpec::new(Method::GET, &path, &query))
            .instrument(span)
            .await?;
        let count: Count = response.decode()?;
        Ok(count.num_records.unwrap_or(0))
    }

    /// The one object that matches `query`: `None` when none does, an
    /// [`Error::NotUnique`] when more than one does.
    async fn find(conn: &HostConnection, query: Query) -> Result<Option<Self>, Error>
    where
        Self: Collection,
    {
        let described = query.encode();
        let mut matches = Self::get_collection(conn, query.without("max_records").max_records(2));
        let Some(first) = matches.try_next().await? else {
            return Ok(None);
        };
        if matches.try_next().await?.is_some() {
            return Err(Error::NotUnique {
                resource: Self::NAME,
                query: described,
            });
        }
        Ok(Some(first))
    }
}

impl<R: Resource> ResourceExt for R {}

/// One page of a collection, as [`ResourceExt::get_pages`] reads it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<R> {
    /// The page's records, decoded, in the server's order; empty when the
    /// query says `return_records=false`.
    pub records: Vec<R>,
    /// The page's `num_records`, as the server sent it: how many records
    /// the page holds, or with `return_records=false`, how many objects
    /// match.
    pub num_records: Option<u64>,
    /// The page's `_links.next.href`, as the server wrote it; `None` on the
    /// last page. The stream follows it, unless it ends there with an
    /// error ([`Error::UnexpectedLink`], [`Error::EmptyPages`]) or the link
    /// repeats.
    pub next: Option<String>,
}

/// The keys [`ResourceExt::fetch`] reads an object by, in the order of its
/// instance path: the parent keys of the collection path's placeholders,
/// then [`Resource::KEYS`].
///
/// Implemented for one key (`&str`, `String`, `&String`, an integer), for
/// lists of keys (`[T; N]`, `&[T; N]`, `&[T]`, `Vec<T>` of any `T` that
/// displays as the key: `&str`, `String`, integers), and for `()`, the no
/// key of a singleton. Sealed: its method is not part of the API.
///
/// ```
/// fn takes_keys(_: impl ontap_core::IntoKeys) {}
/// takes_keys("028baa66");
/// takes_keys(["0a1b2c3d", "admin"]);
/// takes_keys(vec![String::from("policy"), String::from("rule")]);
/// takes_keys([7_i64, 1]);
/// takes_keys(());
/// ```
pub trait IntoKeys: sealed::Sealed {
    #[doc(hidden)]
    fn into_keys(self) -> Vec<String>;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! one_key {
    ($($key:ty),*) => {$(
        impl sealed::Sealed for $key {}
        impl IntoKeys for $key {
            fn into_keys(self) -> Vec<String> {
                vec![self.to_string()]
            }
        }
    )*};
}

one_key!(&str, String, &String, i32, i64, u32, u64);

impl sealed::Sealed for () {}
impl IntoKeys for () {
    fn into_keys(self) -> Vec<String> {
        Vec::new()
    }
}

impl<T: Display, const N: usize> sealed::Sealed for [T; N] {}
impl<T: Display, const N: usize> IntoKeys for [T; N] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display, const N: usize> sealed::Sealed for &[T; N] {}
impl<T: Display, const N: usize> IntoKeys for &[T; N] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display> sealed::Sealed for &[T] {}
impl<T: Display> IntoKeys for &[T] {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

impl<T: Display> sealed::Sealed for Vec<T> {}
impl<T: Display> IntoKeys for Vec<T> {
    fn into_keys(self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }
}

/// The keys of `R`'s instance path, in order: the placeholders of
/// [`Resource::PATH`], then [`Resource::KEYS`].
fn path_keys<R: Resource>() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = R::PATH
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    names.extend_from_slice(R::KEYS);
    names
}

/// The instance path of `R` with `keys` for `names`, refused before any
/// request when the count is wrong, a key empty or a dot segment.
fn keyed_path<R: Resource>(names: &[&'static str], keys: &[String]) -> Result<String, Error> {
    if keys.len() != names.len() {
        return Err(Error::KeyCount {
            resource: R::NAME,
            keys: names.to_vec(),
            given: keys.len(),
        });
    }
    for (name, value) in names.iter().zip(keys) {
        if value.is_empty() {
            return Err(Error::MissingKey {
                resource: R::NAME,
                key: (*name).to_owned(),
            });
        }
        if is_dot_segment(value) {
            return Err(Error::InvalidKey {
                resource: R::NAME,
                key: (*name).to_owned(),
                value: value.clone(),
            });
        }
    }
    let (parents, own) = keys.split_at(names.len() - R::KEYS.len());
    let query = names
        .iter()
        .zip(parents)
        .fold(Query::new(), |query, (name, value)| query.parent(*name, value));
    let mut path = request::collection_path_with(&R::default(), &query)?;
    for value in own {
        path.push('/');
        path.push_str(&request::encode_component(value));
    }
    Ok(path)
}

async fn fetch_by_keys<R: Resource>(conn: &HostConnection, keys: Vec<String>, query: Query) -> Result<R, Error> {
    let names = path_keys::<R>();
    let path = keyed_path::<R>(&names, &keys)?;
    let span = operation_span::<R>("get", || Ok(path.clone()));
    let response = conn
        .execute(&RequestSpec::new(Method::GET, &path, &query))
        .instrument(span)
        .await?;
    decode_keyed(&response, &names, &keys)
}

/// The object of an answer to a GET by keys, with each key the answer does
/// not carry set from `keys`: as text, or, when the field does not read
/// from text (an integer key), as the number the text is.
fn decode_keyed<R: Resource>(response: &Response, names: &[&str], keys: &[String]) -> Result<R, Error> {
    let json: Value = response.decode()?;
    let Value::Object(object) = &json else {
        return Err(response.decode_error_text("the answer to a GET of one object is not a JSON object"));
    };
    let missing: Vec<(&str, &str)> = names
        .iter()
        .zip(keys)
        .filter(|(name, _)| !has_key(object, name))
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    if missing.is_empty() {
        return serde_json::from_value(json).map_err(|err| response.decode_error(err));
    }
    let numeric = missing
        .iter()
        .any(|(_, text)| text.parse::<serde_json::Number>().is_ok());
    match serde_json::from_value(with_keys(json.clone(), &missing, false)) {
        Ok(resource) => Ok(resource),
        Err(err) if numeric => {
            serde_json::from_value(with_keys(json, &missing, true)).map_err(|_| response.decode_error(err))
        }
        Err(err) => Err(response.decode_error(err)),
    }
}

/// Whether `object` has a value at `key` (`uuid`, `owner.uuid`) that can
/// fill a path: a non-empty string, a number or a boolean.
fn has_key(object: &serde_json::Map<String, Value>, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(mut value) = parts.next().and_then(|first| object.get(first)) else {
        return false;
    };
    for part in parts {
        match value.get(part) {
            Some(inner) => value = inner,
            None => return false,
        }
    }
    match value {
        Value::String(text) => !text.is_empty(),
        Value::Number(_) | Value::Bool(_) => true,
        _ => false,
    }
}

/// `json` with each of `keys` set at its path, as a string, or as a number
/// when `numbers` and the text is one.
fn with_keys(mut json: Value, keys: &[(&str, &str)], numbers: bool) -> Value {
    for (key, text) in keys {
        let value = match text.parse::<serde_json::Number>() {
            Ok(number) if numbers => Value::Number(number),
            _ => Value::String((*text).to_owned()),
        };
        set_at(&mut json, key, value);
    }
    json
}

/// Sets the value at `key` (`owner.uuid`) when it is missing, null or
/// empty; a path through a value that is not an object is left alone.
fn set_at(json: &mut Value, key: &str, value: Value) {
    let mut slot = json;
    for part in key.split('.') {
        if slot.is_null() {
            *slot = Value::Object(serde_json::Map::new());
        }
        let Value::Object(object) = slot else {
            return;
        };
        slot = object.entry(part).or_insert(Value::Null);
    }
    if slot.is_null() || slot.as_str() == Some("") {
        *slot = value;
    }
}

/// What a call does around its request, with every query parameter it
/// sends (untyped and typed).
struct Call {
    hydrate: bool,
    poll: bool,
    poll_options: PollOptions,
    query: Query,
}

impl<P: QueryParams> CallOptions<P> {
    fn into_call(self) -> Call {
        let query = self.query();
        Call {
            hydrate: self.hydrate,
            poll: self.poll,
            poll_options: self.poll_options,
            query,
        }
    }
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
        refresh(resource, conn, &call.query.parents_only()).await?;
    }
    Ok(())
}

/// POSTs `resource` and waits for its job as `options` say.
async fn send_post<R: Post>(
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
    let hold = hold(conn, &call, R::HOLD, Verb::Post, &mut query);
    let spec = RequestSpec::new(Method::POST, &request::collection_path_with(resource, &query)?, &query)
        .with_body(Value::Object(body));
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

async fn send_patch<R: Resource>(
    resource: &mut R,
    conn: &HostConnection,
    body: serde_json::Map<String, Value>,
    call: &Call,
) -> Result<Response, Error> {
    let path = request::instance_path_with(resource, &call.query)?;
    let mut query = call.query.clone();
    let hold = hold(conn, call, R::HOLD, Verb::Patch, &mut query);
    let spec = RequestSpec::new(Method::PATCH, &path, &query).with_body(Value::Object(body));
    let mut response = conn.execute(&spec).await?;
    drop(hold);
    finish(resource, conn, &mut response, call).await?;
    Ok(response)
}

async fn send_delete<R: Resource>(
    resource: &R,
    conn: &HostConnection,
    body: Option<Value>,
    call: &Call,
) -> Result<Response, Error> {
    let path = request::instance_path_with(resource, &call.query)?;
    let mut query = call.query.clone();
    let hold = hold(conn, call, R::HOLD, Verb::Delete, &mut query);
    let mut spec = RequestSpec::new(Method::DELETE, &path, &query);
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
    let job = response.started_job()?.cloned();
    if call.poll
        && let Some(job) = job
    {
        let outcome = job
            .wait(conn, &call.poll_options)
            .await
            .map_err(|source| Error::Polling {
                uuid: job.uuid.clone(),
                source: Box::new(source),
            })?;
        response.set_job_status(outcome.into_result(&job.uuid)?);
    }
    Ok(())
}

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

async fn send_bulk<R: Resource>(
    resource: &R,
    conn: &HostConnection,
    method: Method,
    query: Query,
    body: Option<Value>,
    call: Call,
) -> Result<BulkResponse, Error> {
    // Only a filter selects: `return_timeout` or `fields` alone would
    // still touch every object.
    let selects = query.iter().any(|(name, _)| {
        !matches!(
            name,
            "return_timeout" | "return_records" | "max_records" | "fields" | "order_by"
        )
    });
    if !selects {
        return Err(Error::Config(format!(
            "a bulk {method} of {} needs a query that selects objects: an empty one would touch \
             every object; to mean all of them, filter on a field such as `name=*`",
            R::NAME
        )));
    }
    let mut full = query;
    full.extend(&call.query);
    let path = request::collection_path_with(resource, &full)?;
    let mut spec = RequestSpec::new(method, &path, &full);
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

/// The records of an answer that has them (`return_records=true`).
#[derive(Deserialize)]
#[serde(bound = "R: DeserializeOwned")]
struct Records<R> {
    #[serde(default = "Vec::new")]
    records: Vec<R>,
}

/// `num_records`, when the answer says.
#[derive(Deserialize)]
struct Count {
    #[serde(default)]
    num_records: Option<u64>,
}

/// How many of the last `next` links a collection stream remembers to see
/// a loop: a cycle of at most this many pages is caught.
const REMEMBERED_LINKS: usize = 1024;

/// The last [`REMEMBERED_LINKS`] links, as 64-bit hashes: a window, so its
/// memory is bounded however many pages a collection has.
struct RecentLinks {
    hasher: RandomState,
    order: VecDeque<u64>,
    set: HashSet<u64>,
    capacity: usize,
}

impl RecentLinks {
    fn new(capacity: usize) -> Self {
        RecentLinks {
            hasher: RandomState::new(),
            order: VecDeque::with_capacity(capacity.min(64)),
            set: HashSet::with_capacity(capacity.min(64)),
            capacity: capacity.max(1),
        }
    }

    /// Remembers `link`; false when it is one of the remembered ones.
    fn insert(&mut self, link: &str) -> bool {
        let hash = self.hasher.hash_one(link);
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

/// A page being read ahead, on its own task; dropping it stops the read.
struct Prefetch {
    task: tokio::task::JoinHandle<Result<Response, Error>>,
    conn: HostConnection,
    spec: RequestSpec,
}

impl Prefetch {
    fn start(conn: &HostConnection, spec: RequestSpec) -> Prefetch {
        let task = {
            let (conn, spec) = (conn.clone(), spec.clone());
            tokio::spawn(async move { conn.execute(&spec).await }.in_current_span())
        };
        Prefetch {
            task,
            conn: conn.clone(),
            spec,
        }
    }

    async fn answer(&mut self) -> Result<Response, Error> {
        match (&mut self.task).await {
            Ok(answer) => answer,
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            // Cancelled: the runtime that ran the task shut down. A GET can
            // be sent again, here.
            Err(_) => self.conn.execute(&self.spec).await,
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A page's `_links`, read before its records so that the next page can be
/// asked for while they are decoded; the records are only checked for.
#[derive(Deserialize)]
struct PageHead {
    #[serde(default)]
    records: Option<Counted>,
    #[serde(default)]
    num_records: Option<u64>,
    #[serde(rename = "_links", default)]
    links: Option<Links>,
}

/// How many elements a JSON array has, read without decoding them.
struct Counted(usize);

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Count;
        impl<'de> serde::de::Visitor<'de> for Count {
            type Value = Counted;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Counted, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Counted(n))
            }
        }
        deserializer.deserialize_seq(Count)
    }
}

/// Where a collection stream stands between two pages.
struct PageState {
    conn: HostConnection,
    /// The next page, not asked for yet (the first one).
    next: Option<RequestSpec>,
    /// The next page, being read.
    ahead: Option<Prefetch>,
    /// Why the stream ends after the page just yielded: its `next` link
    /// is not followed.
    stop: Option<Error>,
    seen: RecentLinks,
    /// Empty pages read in a row, each with a `next` link.
    empty_in_row: u32,
    max_empty: u32,
    /// The first page's path and query, for the error.
    first: String,
    /// `ontap.operation` of the whole stream: each page is read in it.
    span: tracing::Span,
    /// `return_records=false`: pages carry no `records`.
    records_optional: bool,
}

/// The pages of a collection, one request each.
fn pages<R: Resource>(conn: HostConnection, query: Query) -> BoxStream<'static, Result<Page<R>, Error>> {
    let first =
        request::collection_path_with(&R::default(), &query).map(|path| RequestSpec::new(Method::GET, &path, &query));
    let first = match first {
        Ok(spec) => spec,
        Err(err) => return stream::once(async move { Err(err) }).boxed(),
    };
    let mut seen = RecentLinks::new(REMEMBERED_LINKS);
    seen.insert(first.path_and_query());
    let span = operation_span::<R>("get_collection", || request::collection_path(&R::default()));
    let state = PageState {
        span,
        conn,
        first: first.path_and_query().to_owned(),
        next: Some(first),
        ahead: None,
        stop: None,
        seen,
        empty_in_row: 0,
        max_empty: query.get_max_empty_pages().max(1),
        records_optional: query.get("return_records") == Some("false"),
    };
    stream::try_unfold(state, |state| {
        let span = state.span.clone();
        next_page(state).instrument(span)
    })
    .boxed()
}

/// Reads the next page of a collection stream, and starts the one after.
async fn next_page<R: Resource>(mut state: PageState) -> Result<Option<(Page<R>, PageState)>, Error> {
    {
        if let Some(err) = state.stop.take() {
            return Err(err);
        }
        let mut fetch = match (state.ahead.take(), state.next.take()) {
            (Some(fetch), _) => fetch,
            (None, Some(spec)) => Prefetch::start(&state.conn, spec),
            (None, None) => return Ok(None),
        };
        let response = fetch.answer().await?;
        let head: PageHead = response.decode()?;
        let count = head.records.map(|Counted(n)| n);
        if count.is_none() && !state.records_optional {
            return Err(response.decode_error_text("a collection page without `records`"));
        }
        let href = head.links.and_then(|links| links.next).map(|link| link.href);
        let next = match href.clone() {
            None => None,
            Some(href) => match RequestSpec::from_href(&href) {
                Some(spec) if state.seen.insert(spec.path_and_query()) => {
                    state.empty_in_row = if count.unwrap_or(0) == 0 {
                        state.empty_in_row + 1
                    } else {
                        0
                    };
                    if state.empty_in_row >= state.max_empty {
                        // A new cursor each time, and nothing on any page.
                        state.stop = Some(Error::EmptyPages {
                            path: state.first.clone(),
                            pages: state.empty_in_row,
                            next: href,
                        });
                        None
                    } else {
                        Some(spec)
                    }
                }
                Some(_) => {
                    tracing::warn!(href, "the collection's next link repeats; stopping");
                    None
                }
                None => {
                    // The page's records are good; the stream ends after them.
                    state.stop = Some(Error::UnexpectedLink { href });
                    None
                }
            },
        };
        // The next page is read while this one is decoded and consumed:
        // one page ahead, no more.
        state.ahead = next.map(|spec| Prefetch::start(&state.conn, spec));
        let records = match count {
            Some(_) => response.decode::<Records<R>>()?.records,
            None => Vec::new(),
        };
        let page = Page {
            records,
            num_records: head.num_records,
            next: href,
        };
        Ok(Some((page, state)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Default, PartialEq, crate::Model)]
    struct Reference {
        uuid: Option<String>,
        name: Option<String>,
    }

    /// Two keys, the second an integer, the first a member of a field.
    #[derive(Debug, Clone, Default, PartialEq, crate::Resource)]
    #[resource(path = "/storage/qtrees", collection, delete)]
    struct Qtree {
        #[resource(get, key = "uuid")]
        volume: Option<Reference>,
        #[resource(get, key)]
        id: Option<i64>,
        #[get]
        name: Option<String>,
    }

    /// A parent key in the path, then its own.
    #[derive(Debug, Clone, Default, PartialEq, crate::Resource)]
    #[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection, delete)]
    struct Snapshot {
        #[get]
        volume: Option<Reference>,
        #[resource(get, key)]
        uuid: Option<String>,
        #[get]
        name: Option<String>,
    }

    fn answer(body: &str) -> Response {
        Response::new(
            Method::GET,
            "/x".into(),
            StatusCode::OK,
            http::HeaderMap::new(),
            bytes::Bytes::copy_from_slice(body.as_bytes()),
        )
    }

    fn keys(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn the_path_of_keys_fills_the_placeholders_then_appends_the_keys() {
        let names = path_keys::<Snapshot>();
        assert_eq!(names, ["volume.uuid", "uuid"]);
        assert_eq!(
            keyed_path::<Snapshot>(&names, &keys(&["v 1", "s/2"])).unwrap(),
            "/storage/volumes/v%201/snapshots/s%2F2"
        );
        let names = path_keys::<Qtree>();
        assert_eq!(names, ["volume.uuid", "id"]);
        assert_eq!(
            keyed_path::<Qtree>(&names, &keys(&["v", "7"])).unwrap(),
            "/storage/qtrees/v/7"
        );
        let err = keyed_path::<Qtree>(&names, &keys(&["v"])).unwrap_err();
        assert!(matches!(err, Error::KeyCount { given: 1, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "Qtree is read by 2 keys, `volume.uuid` then `id`; 1 given"
        );
        let err = keyed_path::<Qtree>(&names, &keys(&["v", ""])).unwrap_err();
        assert!(matches!(&err, Error::MissingKey { key, .. } if key == "id"), "{err:?}");
        let err = keyed_path::<Qtree>(&names, &keys(&["..", "1"])).unwrap_err();
        assert!(
            matches!(&err, Error::InvalidKey { key, .. } if key == "volume.uuid"),
            "{err:?}"
        );
    }

    #[test]
    fn the_keys_an_answer_leaves_out_are_set_from_the_call() {
        let names = path_keys::<Qtree>();
        // Neither key in the answer: a member of a field, and an integer.
        let qtree: Qtree = decode_keyed(&answer(r#"{"name": "q"}"#), &names, &keys(&["v1", "7"])).unwrap();
        assert_eq!(qtree.id, Some(7));
        assert_eq!(qtree.volume.as_ref().and_then(|v| v.uuid.as_deref()), Some("v1"));
        assert_eq!(crate::instance_path(&qtree).unwrap(), "/storage/qtrees/v1/7");
        // What the answer says wins; a parent object keeps its other members.
        let qtree: Qtree = decode_keyed(
            &answer(r#"{"volume": {"name": "vol1"}, "id": 8, "name": "q"}"#),
            &names,
            &keys(&["v1", "7"]),
        )
        .unwrap();
        assert_eq!(qtree.id, Some(8));
        assert_eq!(
            qtree.volume,
            Some(Reference {
                uuid: Some("v1".into()),
                name: Some("vol1".into())
            })
        );

        let names = path_keys::<Snapshot>();
        let snapshot: Snapshot = decode_keyed(
            &answer(r#"{"uuid": "s1", "volume": null}"#),
            &names,
            &keys(&["v1", "s1"]),
        )
        .unwrap();
        assert_eq!(
            crate::instance_path(&snapshot).unwrap(),
            "/storage/volumes/v1/snapshots/s1"
        );
        // A key that is a number as text stays text where the field is text.
        let snapshot: Snapshot = decode_keyed(&answer("{}"), &names, &keys(&["12", "34"])).unwrap();
        assert_eq!(snapshot.uuid.as_deref(), Some("34"));

        // An answer that is not one object is a decoding error.
        let err = decode_keyed::<Snapshot>(&answer("[]"), &names, &keys(&["v1", "s1"])).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    #[test]
    fn the_loop_check_remembers_a_bounded_window_of_links() {
        let mut seen = RecentLinks::new(4);
        for i in 0..10_000 {
            assert!(seen.insert(&format!("/storage/volumes?start={i}")));
            assert!(seen.len() <= 4);
        }
        // The last four repeat; older ones have been forgotten.
        assert!(!seen.insert("/storage/volumes?start=9999"));
        assert!(!seen.insert("/storage/volumes?start=9996"));
        assert!(seen.insert("/storage/volumes?start=9995"));
        assert_eq!(seen.len(), 4);
    }

    #[test]
    fn a_cycle_within_the_window_is_caught() {
        let mut seen = RecentLinks::new(REMEMBERED_LINKS);
        let cycle: Vec<String> = (0..REMEMBERED_LINKS).map(|i| format!("/x?c={i}")).collect();
        assert!(cycle.iter().all(|link| seen.insert(link)));
        assert!(!seen.insert(&cycle[0]));
        assert_eq!(seen.len(), REMEMBERED_LINKS);
    }
}
