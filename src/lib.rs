//! # ontap
//!
//! A typed, async client for NetApp ONTAP's REST API. A resource is a small
//! annotated struct; `#[derive(Resource)]` gives it the verbs ONTAP supports
//! for it, and the methods come from the traits in [`prelude`].
//!
//! ```no_run
//! use ontap::prelude::*;
//! use ontap::resources::{Job, SoftwarePackageDownload};
//! use ontap::{HostConnection, CallOptions};
//!
//! # async fn run() -> Result<(), ontap::Error> {
//! let conn = HostConnection::builder("cluster.example.com")
//!     .basic_auth("admin", "password")
//!     .verify(false)
//!     .build()?;
//!
//! let mut download = SoftwarePackageDownload {
//!     url: Some("http://server/package".into()),
//!     username: Some("admin".into()),
//!     password: Some("secret".into()),
//!     ..Default::default()
//! };
//! let response = download.post_with(&conn, CallOptions::default().hydrate(true).return_timeout(0)).await?;
//! println!("{download}");
//!
//! let mut job = Job { uuid: response.job().map(|j| j.uuid.clone()), ..Default::default() };
//! job.get(&conn).await?;
//! println!("{job}");
//! # Ok(()) }
//! ```

//!
//! # Every resource of the API
//!
//! All 331 resources of ONTAP's REST API are generated from its model, each
//! area behind a cargo feature (`cluster`, `storage` and `svm` by default,
//! `full` for all). Each operation's own query parameters are typed, and
//! the bulk verbs wait for every job they start:
//!
//! ```no_run
//! # #[cfg(all(feature = "network", feature = "cluster", feature = "storage"))]
//! # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
//! use ontap::prelude::*;
//! use ontap::{CallOptions, Query};
//! use ontap::resources::{IpInfo, IpInterface, IpInterfaceLocation, NodeReference, SvmReference};
//! use ontap::resources::{Software, SoftwarePatchParams, Volume, VolumeDeleteParams};
//!
//! // An IP interface (the `network` feature): never written by hand.
//! let mut lif = IpInterface {
//!     name: Some("data1".into()),
//!     svm: Some(SvmReference { name: Some("vs0".into()), ..Default::default() }),
//!     ip: Some(IpInfo { address: Some("192.0.2.10".into()), netmask: Some("24".into()), ..Default::default() }),
//!     location: Some(IpInterfaceLocation {
//!         home_node: Some(NodeReference { name: Some("node1".into()), ..Default::default() }),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! lif.post_with(&conn, CallOptions::default().hydrate(true)).await?;
//!
//! // Bulk: one PATCH of every interface the query selects; each job's outcome is reported.
//! let down = IpInterface { enabled: Some(false), ..Default::default() };
//! let done = down.patch_collection(&conn, Query::new().filter("svm.name", "vs0"), CallOptions::default()).await?;
//! for (job, err) in done.failures() { eprintln!("{}: {err}", job.uuid); }
//!
//! // Each operation's own query parameters are typed: a misspelled one does not compile.
//! let mut software = Software { version: Some("9.16.1".into()), ..Default::default() };
//! software.patch_with(&conn, CallOptions::with(SoftwarePatchParams { validate_only: Some(true), ..Default::default() })).await?;
//! let old = Volume { uuid: Some("a1b2".into()), ..Default::default() };
//! old.delete_with(&conn, CallOptions::with(VolumeDeleteParams { force: Some(true) })).await?;
//! # Ok(()) }
//! ```

pub use ontap_core::*;

/// The resources: one struct per kind of ONTAP object.
pub mod resources {
    pub use ontap_resources::*;
}

/// The README's examples, compiled as doc tests so that they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
