//! The ONTAP resources of ontap-rs, one annotated struct per file, each file
//! named after the resource's REST path.
//!
//! The methods come from the verb traits: `use ontap::prelude::*;`.
#![warn(missing_docs)]

extern crate ontap_core as ontap;

mod cluster;
mod cluster_jobs;
mod cluster_software;
mod cluster_software_download;
mod cluster_software_packages;
mod references;
mod storage_volumes;
mod storage_volumes_snapshots;
mod svm_svms;

pub use cluster::{Cluster, ClusterVersion};
pub use cluster_jobs::{Job, JobAction};
pub use cluster_software::{NodeSoftware, Software, UpgradeState, ValidationMessage, ValidationResult};
pub use cluster_software_download::{DownloadState, SoftwarePackageDownload};
pub use cluster_software_packages::SoftwarePackage;
pub use ontap_core::JobState;
pub use references::{AggregateReference, NodeReference, SvmReference, VolumeReference};
pub use storage_volumes::{Volume, VolumeSpace, VolumeState};
pub use storage_volumes_snapshots::{Snapshot, SnapshotState};
pub use svm_svms::{Svm, SvmState};
