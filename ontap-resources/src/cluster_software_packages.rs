//! `/cluster/software/packages`: the software packages downloaded onto the cluster.

use ontap::{Links, Resource, Timestamp};

/// A software package in the cluster's repository, ready to validate and
/// install; a download adds one. Listed, read by version, deleted.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::Query;
/// use ontap_resources::SoftwarePackage;
/// let found = SoftwarePackage::find(&conn, Query::new().filter("version", "9.16.1")).await?;
/// println!("{}", found.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster/software/packages", collection, delete)]
pub struct SoftwarePackage {
    /// The package's ONTAP version, e.g. `9.16.1` (string, read by GET; the
    /// key of its path `/cluster/software/packages/{version}`).
    #[get]
    #[key]
    pub version: Option<String>,
    /// When the package arrived, with its UTC offset (timestamp, read by GET).
    #[get]
    pub create_time: Option<Timestamp>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
