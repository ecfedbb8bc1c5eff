//! `/storage/volumes/{volume.uuid}/snapshots`: point-in-time copies of a volume.

use ontap::{Links, OpenEnum, Resource, Timestamp};

use crate::references::VolumeReference;

/// Whether a snapshot is usable.
///
/// ```
/// assert_eq!(ontap_resources::SnapshotState::Valid.as_str(), "valid");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum SnapshotState {
    /// Complete and usable.
    Valid,
    /// Not usable.
    Invalid,
    /// Partly complete.
    Partial,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

/// A snapshot of a volume. Its path holds its volume's uuid: set `volume`
/// on the struct, or give `Query::parent("volume.uuid", ...)` to the
/// collection calls.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection, volume_uuid: String) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::{CallOptions, Query};
/// use ontap_resources::{Snapshot, VolumeReference};
/// let mut snapshot = Snapshot {
///     volume: Some(VolumeReference { uuid: Some(volume_uuid.clone()), ..Default::default() }),
///     name: Some("before-upgrade".into()),
///     ..Default::default()
/// };
/// snapshot.post(&conn, CallOptions::default()).await?;
/// let count = Snapshot::count_collection(&conn, Query::new().parent("volume.uuid", &volume_uuid)).await?;
/// println!("{count} snapshots");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/storage/volumes/{volume.uuid}/snapshots", collection, delete)]
pub struct Snapshot {
    /// The volume the snapshot belongs to; its uuid fills the path (read by GET).
    #[get]
    pub volume: Option<VolumeReference>,
    /// The snapshot's identifier (uuid string, read by GET; the key of its path).
    #[get]
    #[key]
    pub uuid: Option<String>,
    /// The snapshot's name, unique in its volume (string, read by GET, sent
    /// by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub name: Option<String>,
    /// When the snapshot was taken, with its UTC offset (timestamp, read by GET).
    #[get]
    pub create_time: Option<Timestamp>,
    /// Free text (string, read by GET, sent by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub comment: Option<String>,
    /// When the snapshot may be deleted, with its UTC offset (timestamp,
    /// read by GET, sent by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub expiry_time: Option<Timestamp>,
    /// Whether the snapshot is usable (read by GET).
    #[get]
    pub state: Option<SnapshotState>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
