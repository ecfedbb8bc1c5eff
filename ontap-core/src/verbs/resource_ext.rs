//! [`ResourceExt`]: the methods of every resource, each available where
//! its verb's marker trait is implemented. One trait, so one file; the
//! requests the methods make are built in the sibling modules.

use async_trait::async_trait;
use futures::stream::{BoxStream, TryStreamExt};
use http::{Method, StatusCode};
use serde_json::Value;
use tracing::Instrument as _;

use super::bulk::{Select, send_bulk};
use super::keys::fetch_by_keys;
use super::pages::pages;
use super::single::{read_into, refresh, send_delete, send_patch, send_post, send_post_records};
use super::{
    BulkResponse, CallOptions, Collection, Count, Delete, DeleteCollection, Get, IntoKeys, Page, Patch,
    PatchCollection, Post, operation_span,
};
use crate::connection::HostConnection;
use crate::error::Error;
use crate::job::{PollOptions, Poller};
use crate::request::{self, Query, RequestSpec};
use crate::resource::{Resource, Verb};
use crate::response::Response;

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
    fn fetch<'c, K: IntoKeys>(
        conn: &'c HostConnection,
        keys: K,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'c
    where
        Self: Get,
    {
        fetch_by_keys::<Self>(conn, keys.into_keys(), Query::new())
    }

    /// [`ResourceExt::fetch`] with query parameters (`fields`, say). The
    /// keys fill the whole path: the query's [`Query::parent`] keys are not
    /// used.
    fn fetch_with<'c, K: IntoKeys>(
        conn: &'c HostConnection,
        keys: K,
        query: &Query,
    ) -> impl Future<Output = Result<Self, Error>> + Send + 'c
    where
        Self: Get,
    {
        fetch_by_keys::<Self>(conn, keys.into_keys(), query.clone())
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

    /// Creates several objects with one record-based `POST` of the collection
    /// (`{"records": [...]}`, ONTAP's create of many; NetApp's client calls it
    /// `post_collection`), each body built as [`ResourceExt::post`] builds it. The
    /// server creates all of them or none; with the keys it answers
    /// (`return_records=true`, as for one), each record learns its own, in
    /// order. The job is waited for as `options` say, and `hydrate` reads each
    /// record back. Never retried: the POST may have reached the server. Every
    /// record must go to the same collection (the same parent keys); none at
    /// all is [`Error::Config`].
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
    ///     #[resource(get, post)]
    ///     size: Option<u64>,
    /// }
    ///
    /// let mut volumes: Vec<Volume> = ["app1", "app2", "app3"]
    ///     .map(|name| Volume { name: Some(name.into()), size: Some(1 << 30), ..Default::default() })
    ///     .into();
    /// Volume::post_collection(&conn, &mut volumes, CallOptions::default()).await?;
    /// for v in &volumes {
    ///     println!("{:?} is {:?}", v.name, v.uuid);
    /// }
    /// # Ok(()) }
    /// ```
    async fn post_collection(
        conn: &HostConnection,
        records: &mut [Self],
        options: CallOptions<<Self as Post>::Params>,
    ) -> Result<Response, Error>
    where
        Self: Post,
    {
        let span = operation_span::<Self>("post_collection", || match records.first() {
            Some(first) => request::collection_path(first),
            None => Ok(String::new()),
        });
        send_post_records(records, conn, options).instrument(span).await
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
            Select::Query(query),
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
        send_bulk(
            &resource,
            conn,
            Method::DELETE,
            Select::Query(query),
            None,
            options.into_call(),
        )
        .instrument(span)
        .await
    }

    /// Modifies the objects `records` name, each in its own way, with one
    /// record-based `PATCH` of the collection (`{"records": [...]}`, as
    /// NetApp's client sends `patch_collection(records=...)`): each record
    /// carries its own keys, which select it, and the fields that are set and
    /// allowed for PATCH. Jobs are waited for as in
    /// [`ResourceExt::patch_collection`]; the request is never retried. No
    /// record is [`Error::Config`]; a record without its keys is
    /// [`Error::MissingKey`]; both are refused before any request. Nested
    /// collections take their parent keys from the options
    /// ([`CallOptions::parent`]) or from the first record.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    /// use ontap::CallOptions;
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
    /// let changes = [("1cd8a442", "db data"), ("28f3b1e5", "db logs")].map(|(uuid, comment)| Volume {
    ///     uuid: Some(uuid.into()),
    ///     comment: Some(comment.into()),
    ///     ..Default::default()
    /// });
    /// let done = Volume::patch_records(&conn, &changes, CallOptions::default()).await?;
    /// assert!(done.all_succeeded());
    /// # Ok(()) }
    /// ```
    async fn patch_records(
        conn: &HostConnection,
        records: &[Self],
        options: CallOptions<<Self as PatchCollection>::Params>,
    ) -> Result<BulkResponse, Error>
    where
        Self: PatchCollection,
    {
        let body = records_body(records, true)?;
        let first = &records[0];
        let span = operation_span::<Self>("patch_records", || request::collection_path(first));
        send_bulk(
            first,
            conn,
            Method::PATCH,
            Select::Records,
            Some(body),
            options.into_call(),
        )
        .instrument(span)
        .await
    }

    /// Deletes the objects `records` name by their keys, with one
    /// record-based `DELETE` of the collection (`{"records": [{keys}, ...]}`),
    /// waiting for every job like [`ResourceExt::patch_records`], under the
    /// same rules.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
    /// use ontap::prelude::*;
    /// use ontap::CallOptions;
    ///
    /// #[derive(Debug, Clone, Default, ontap::Resource)]
    /// #[resource(path = "/storage/volumes", collection, delete_collection)]
    /// struct Volume {
    ///     #[resource(get, key)]
    ///     uuid: Option<String>,
    /// }
    ///
    /// let old = ["1cd8a442", "28f3b1e5"].map(|uuid| Volume { uuid: Some(uuid.into()), ..Default::default() });
    /// let done = Volume::delete_records(&conn, &old, CallOptions::default()).await?;
    /// println!("{} deleted", done.jobs().len());
    /// # Ok(()) }
    /// ```
    async fn delete_records(
        conn: &HostConnection,
        records: &[Self],
        options: CallOptions<<Self as DeleteCollection>::Params>,
    ) -> Result<BulkResponse, Error>
    where
        Self: DeleteCollection,
    {
        let body = records_body(records, false)?;
        let first = &records[0];
        let span = operation_span::<Self>("delete_records", || request::collection_path(first));
        send_bulk(
            first,
            conn,
            Method::DELETE,
            Select::Records,
            Some(body),
            options.into_call(),
        )
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
        super::pages::decoded(pages::<Self>(conn.clone(), query))
    }

    /// Lists the objects: a stream that reads the collection page by page
    /// (the records of [`ResourceExt::get_pages`], one by one), following
    /// `_links.next` as the server wrote it and holding one page in memory
    /// at a time, as its body: each record is decoded as the stream yields it,
    /// and one that cannot be is an [`Error::Decode`] after the records before
    /// it, which ends the stream. It stops where there is no `next` link, or where a
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
        super::pages::records(pages::<Self>(conn.clone(), query))
    }

    /// Lists the objects as [`ResourceExt::get_collection`] does (the same
    /// paging, page read ahead, loop and empty-page guards, body limit and
    /// release guard), each record decoded into `T` instead of `Self`:
    /// `serde_json::Value` for every field the cluster sends, those a newer
    /// release has and the model lacks included, or a type of your own.
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
    /// }
    ///
    /// let mut raw = Volume::get_collection_as::<serde_json::Value>(&conn, Query::new().fields(["*"]));
    /// while let Some(record) = raw.try_next().await? {
    ///     println!("{} {}", record["name"], record["space"]["used"]);
    /// }
    /// # Ok(()) }
    /// ```
    fn get_collection_as<T>(conn: &HostConnection, query: Query) -> BoxStream<'static, Result<T, Error>>
    where
        Self: Collection,
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        super::pages::records(pages::<Self>(conn.clone(), query))
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
        crate::guard::check::<Self>(conn, crate::guard::Op::Collection, &query, None).await?;
        let response = conn
            .execute(&RequestSpec::new(Method::GET, &path, &query).with_route(request::collection_route::<Self>()))
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

/// The `{"records": [...]}` body of a record-based PATCH (`patch`) or DELETE.
fn records_body<R: Resource>(records: &[R], patch: bool) -> Result<Value, Error> {
    if records.is_empty() {
        let verb = if patch { "patch_records" } else { "delete_records" };
        return Err(Error::Config(format!(
            "{verb} of {} needs at least one record",
            R::NAME
        )));
    }
    let records = records
        .iter()
        .map(|r| request::record_body(r, patch).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(serde_json::json!({ "records": records }))
}
