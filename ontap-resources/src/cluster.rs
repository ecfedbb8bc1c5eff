//! `/cluster`: the cluster itself.

use ontap::{Links, Resource};
use serde::{Deserialize, Serialize};

/// The cluster's ONTAP version, whole and in parts.
///
/// ```
/// let v: ontap_resources::ClusterVersion =
///     serde_json::from_str(r#"{"full": "NetApp Release 9.15.1", "generation": 9, "major": 15, "minor": 1}"#).unwrap();
/// assert_eq!((v.generation, v.major, v.minor), (Some(9), Some(15), Some(1)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ClusterVersion {
    /// The full release text, e.g. `NetApp Release 9.15.1: ...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    /// The first number of the version (9 in 9.15.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u32>,
    /// The second number (15 in 9.15.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major: Option<u32>,
    /// The third number (1 in 9.15.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor: Option<u32>,
}

/// The cluster, a singleton at `/api/cluster`: its name, identity, version
/// and contact details.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap_resources::Cluster;
/// let mut cluster = Cluster::default();
/// cluster.get(&conn).await?;
/// println!("{:?}", cluster.version.and_then(|v| v.full));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster")]
pub struct Cluster {
    /// The cluster's name (string, read by GET, changed by PATCH).
    #[get]
    #[patch]
    pub name: Option<String>,
    /// The cluster's identifier (uuid string, read by GET).
    #[get]
    pub uuid: Option<String>,
    /// The ONTAP version the cluster runs (read by GET; an upgrade changes it).
    #[get]
    pub version: Option<ClusterVersion>,
    /// Where the cluster stands, free text (string, read by GET, changed by PATCH).
    #[get]
    #[patch]
    pub location: Option<String>,
    /// Whom to contact about the cluster, free text (string, read by GET,
    /// changed by PATCH).
    #[get]
    #[patch]
    pub contact: Option<String>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
