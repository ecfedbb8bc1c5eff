//! Every resource of ONTAP's REST API, generated from the vendored model
//! (`spec/ontap-9.19.1.json`) by `ontap-codegen`: one `#[derive(Resource)]`
//! struct per resource, in a file named after its path, the objects they
//! nest as `#[derive(Model)]` structs, and every enumerated field as an open
//! enum.
//!
//! The methods come from the verb traits: `use ontap::prelude::*;`.
//!
//! # Features
//! Each area of the API is a cargo feature named after the first segment
//! of its paths (`cluster`, `storage`, `svm`, `network`, `security`,
//! `name-services`, `snapmirror`, `support`, `application`, ...); below
//! `/protocols` each protocol has its own (`protocols-nfs`, `protocols-cifs`,
//! `protocols-san`, `protocols-s3`, ...), and `protocols` turns them all on.
//! A nested object is compiled when any feature that needs it is on. The
//! default set is `cluster`, `storage` and `svm`: the software download and
//! upgrade flows, jobs, volumes, snapshots, aggregates, disks, SVMs; `full`
//! turns on every area.
//!
//! # How resources grow
//! Every field is a public `Option`, so a newer model adds fields in a minor
//! release without breaking code that builds resources with
//! `..Default::default()`:
//!
//! ```
//! use ontap_resources::{SvmReference, Volume};
//! let volume = Volume {
//!     name: Some("vol1".into()),
//!     svm: Some(SvmReference { name: Some("vs0".into()), ..Default::default() }),
//!     ..Default::default()
//! };
//! assert!(volume.uuid.is_none());
//! ```
//!
//! Every enum is open and `#[non_exhaustive]`: a value this version does
//! not know arrives as `Unknown`, and a newer model may add variants in a
//! minor release, so a `match` on one needs a wildcard arm:
//!
//! ```
//! use ontap_resources::VolumeState;
//! fn describe(state: &VolumeState) -> &str {
//!     match state {
//!         VolumeState::Online => "serving data",
//!         VolumeState::Offline => "not serving data",
//!         _ => state.as_str(),
//!     }
//! }
//! assert_eq!(describe(&VolumeState::Online), "serving data");
//! ```
#![warn(missing_docs)]

extern crate ontap_core as ontap;

mod generated;
#[cfg(feature = "cluster")]
mod job_action;

pub use generated::*;
#[cfg(feature = "cluster")]
pub use job_action::JobAction;
pub use ontap_core::JobState;
