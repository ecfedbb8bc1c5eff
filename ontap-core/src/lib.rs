//! The runtime of ontap-rs: the connection to a cluster, the resource
//! traits that `#[derive(Resource)]` implements, errors, and job polling.
//!
//! Most users depend on the `ontap` facade, which re-exports this crate.
//! Requests are built without I/O ([`collection_path`], [`instance_path`],
//! [`body`], [`RequestSpec`]) and sent by [`HostConnection::execute`].
//! [`to_json`] gives the JSON of a resource as it prints, secrets masked.
//!
//! A connection logs in with Basic credentials, a client certificate or
//! bearer tokens (fixed, or from a [`TokenProvider`]); verifies TLS with
//! the system's roots and any added, optionally without the host name, or
//! trusts pinned certificates; retries as its [`RetryPolicy`] says; and
//! reports each operation, attempt and job wait as a `tracing` span. See
//! [`HostConnectionBuilder`].
//!
//! Users' code plugs in around each attempt as an [`Interceptor`], and a
//! [`Transport`] of one's own replaces reqwest under the connection
//! ([`mock::MockTransport`] for unit tests without a server). With the `metrics`
//! feature, requests, retries, slot waits and job waits are recorded through the
//! `metrics` facade; the `ring` (default) and `aws-lc-rs` features choose the
//! cryptography under TLS.
#![warn(missing_docs)]

extern crate self as ontap;

mod auth;
mod batch;
mod cli;
mod connection;
mod display;
mod error;
mod guard;
mod hal;
mod job;
mod measure;
pub mod mock;
mod request;
mod resource;
mod retry;
mod secret;
mod tls;
mod transfer;
mod transport;
mod verbs;
mod wire;

pub use async_trait::async_trait;
pub use auth::{BoxError, Token, TokenProvider};
pub use bytes;
pub use cli::{Cli, PrivilegeLevel};
pub use connection::{
    CLIENT_APP, DEFAULT_MAX_IN_FLIGHT, DEFAULT_RETURN_TIMEOUT, HostConnection, HostConnectionBuilder, Scheme,
};
pub use error::{ApiError, Error, ErrorArgument, ErrorKind, RawBody, TransportError, codes};
pub use guard::ReleaseGuard;
pub use hal::{Href, Links, Timestamp};
pub use http;
pub use job::{JobLink, JobOutcome, JobState, JobStatus, PollOptions, ProgressFn};
pub use ontap_derive::{Model, OpenEnum, Resource};
pub use ontap_model::{Release, ReleaseError};
pub use request::{
    Order, Query, RequestSpec, body, body_changes, collection_path, collection_path_with, encode_component, filter,
    instance_path, instance_path_with,
};
pub use resource::{FieldMeta, Resource, Verb, Verbs, to_json, to_request_json};
pub use response::Response;
pub use retry::{NOT_PERFORMED_CODES, RetryPolicy};
pub use rustls;
pub use secret::{MASK, Secret};
pub use transfer::{MAX_FILE_RANGE, Upload, UploadProgress, VolumeFile};
pub use transport::{AttemptOutcome, AttemptRequest, Body, BoxFuture, Interceptor, Transport};
pub use verbs::{
    ActionBody, BulkJob, BulkResponse, CallOptions, Collection, Delete, DeleteCollection, Get, IntoKeys, NoParams,
    Page, Patch, PatchCollection, Post, QueryParams, ResourceExt,
};

mod response;

/// The traits a user of resources needs in scope: `use ontap::prelude::*;`.
pub mod prelude {
    pub use crate::resource::Resource;
    pub use crate::verbs::{Collection, Delete, DeleteCollection, Get, Patch, PatchCollection, Post, ResourceExt};
}

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    pub use crate::display::fmt_resource;
    pub use crate::verbs::action;
    pub use crate::wire::{
        Fields, OpenValue, buckets, deserialize_fields, deserialize_open, merge_field, parse_open, read_field,
        serialize_fields, serialize_open, write_field,
    };

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
