//! The ONTAP resources of ontap-rs, one annotated struct per file, each file
//! named after the resource's REST path.
//!
//! The methods come from the verb traits: `use ontap::prelude::*;`.
#![warn(missing_docs)]

extern crate ontap_core as ontap;

mod cluster_jobs;
mod cluster_software_download;
mod references;

pub use cluster_jobs::Job;
pub use cluster_software_download::{DownloadState, SoftwarePackageDownload};
pub use ontap_core::JobState;
pub use references::{NodeReference, SvmReference};
