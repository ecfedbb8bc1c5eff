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
//! let response = download.post(&conn, CallOptions::default().hydrate(true).return_timeout(0)).await?;
//! println!("{download}");
//!
//! let mut job = Job { uuid: response.job().map(|j| j.uuid.clone()), ..Default::default() };
//! job.get(&conn).await?;
//! println!("{job}");
//! # Ok(()) }
//! ```

pub use ontap_core::*;

/// The resources: one struct per kind of ONTAP object.
pub mod resources {
    pub use ontap_resources::*;
}
