//! The runtime of ontap-rs: the connection to a cluster, the resource
//! traits that `#[derive(Resource)]` implements, errors, and job polling.
//!
//! Most users depend on the `ontap` facade, which re-exports this crate.
//! Requests are built without I/O ([`collection_path`], [`instance_path`],
//! [`body`], [`RequestSpec`]) and sent by [`HostConnection::execute`].
#![warn(missing_docs)]

extern crate self as ontap;

mod connection;
mod display;
mod error;
mod hal;
mod job;
mod request;
mod resource;
mod secret;
mod verbs;

pub use connection::{CLIENT_APP, HostConnection, HostConnectionBuilder, Scheme};
pub use error::{ApiError, Error, ErrorArgument, RawBody};
pub use hal::{Href, Links, Timestamp};
pub use http;
pub use job::{JobLink, JobOutcome, JobState, JobStatus, PollOptions, ProgressFn};
pub use ontap_derive::{OpenEnum, Resource};
pub use request::{
    Order, Query, RequestSpec, body, body_changes, collection_path, collection_path_with, encode_component, filter,
    instance_path, instance_path_with,
};
pub use resource::{FieldMeta, Resource, Verb, Verbs};
pub use response::Response;
pub use secret::{MASK, Secret};
pub use verbs::{CallOptions, Collection, Delete, Get, Patch, Post, ResourceExt};

mod response;

/// The traits a user of resources needs in scope: `use ontap::prelude::*;`.
pub mod prelude {
    pub use crate::resource::Resource;
    pub use crate::verbs::{Collection, Delete, Get, Patch, Post, ResourceExt};
}

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    pub use crate::display::fmt_resource;

    /// Implemented only by [`crate::Secret`]: `#[secret]` asserts it.
    #[diagnostic::on_unimplemented(
        message = "`#[secret]` needs a field of type `Option<ontap::Secret>`, found `Option<{Self}>`",
        label = "not a `Secret`",
        note = "declare the field as `Option<Secret>` so that it prints as `*********`"
    )]
    pub trait SecretField {}
    impl SecretField for crate::Secret {}

    /// Compiles only when `T` is [`crate::Secret`].
    pub const fn assert_secret<T: SecretField>() {}
}
