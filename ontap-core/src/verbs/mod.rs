//! The verbs. `#[derive(Resource)]` implements a marker trait for each verb
//! the resource supports ([`Get`], [`Post`], ...); the methods live once, in
//! [`ResourceExt`], each available only where its marker is implemented, so
//! `job.post(...)` on a resource without POST fails to compile with a message
//! that says so.
//!
//! This file holds the marker traits and what the verbs share: the span of
//! an operation and the shapes of an answer's `records` and `num_records`.
//! [`ResourceExt`] is in `resource_ext`, the options of a call
//! ([`CallOptions`], [`QueryParams`]) in `options`, the requests on one
//! object in `single`, reading by keys ([`IntoKeys`]) in `keys`, the bulk
//! verbs ([`BulkResponse`]) in `bulk`, and the paging of a collection
//! ([`Page`]) in `pages`.

mod bulk;
mod keys;
mod options;
mod pages;
mod resource_ext;
mod single;

pub use bulk::{BulkJob, BulkResponse};
pub use keys::IntoKeys;
pub use options::{CallOptions, NoParams, QueryParams};
pub use pages::Page;
pub(crate) use pages::{pages_from, records};
pub use resource_ext::ResourceExt;
pub(crate) use single::wait_for_started_job;
pub use single::{ActionBody, action};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::resource::Resource;

/// Marks a resource that ONTAP reads with `GET`; gives it [`ResourceExt::get`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read with GET",
    label = "ONTAP does not read this object with GET",
    note = "a resource supports GET when the struct says `#[resource(get)]` or one of its fields is marked `#[get]`"
)]
pub trait Get: Resource {}

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
