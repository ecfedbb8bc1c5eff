//! `/storage/volumes`: volumes.

use ontap::{Links, OpenEnum, Resource, Timestamp};
use serde::{Deserialize, Serialize};

use crate::references::{AggregateReference, SvmReference};

/// Whether a volume serves data.
///
/// ```
/// assert_eq!("offline".parse::<ontap_resources::VolumeState>().unwrap(), ontap_resources::VolumeState::Offline);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum VolumeState {
    /// Serving reads and writes.
    Online,
    /// Not serving data.
    Offline,
    /// Serving no data, but open to some operations such as restores.
    Restricted,
    /// Its constituents are in different states.
    Mixed,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

/// A volume's space, in bytes.
///
/// ```
/// let s: ontap_resources::VolumeSpace = serde_json::from_str(r#"{"size": 100, "available": 60, "used": 40}"#).unwrap();
/// assert_eq!(s.used, Some(40));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct VolumeSpace {
    /// The total size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The space still free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<u64>,
    /// The space in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
}

/// A volume: a unit of storage owned by an SVM and placed on aggregates.
/// Created, changed and deleted through jobs.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::CallOptions;
/// use ontap_resources::{SvmReference, Volume};
/// let mut volume = Volume {
///     name: Some("vol1".into()),
///     svm: Some(SvmReference { name: Some("vs0".into()), ..Default::default() }),
///     size: Some(1 << 30),
///     ..Default::default()
/// };
/// volume.post(&conn, CallOptions::default().param("return_records", true)).await?;
/// volume.delete(&conn, CallOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/storage/volumes", collection, delete)]
pub struct Volume {
    /// The volume's identifier (uuid string, read by GET; the key of its path).
    #[get]
    #[key]
    pub uuid: Option<String>,
    /// The volume's name, unique in its SVM (string, read by GET, sent by
    /// POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub name: Option<String>,
    /// The SVM that owns the volume, by name or uuid (read by GET, sent by POST).
    #[get]
    #[post]
    pub svm: Option<SvmReference>,
    /// The aggregates the volume lives on (read by GET, sent by POST).
    #[get]
    #[post]
    pub aggregates: Option<Vec<AggregateReference>>,
    /// The volume's size in bytes (integer, read by GET, sent by POST and
    /// PATCH).
    #[get]
    #[post]
    #[patch]
    pub size: Option<u64>,
    /// Whether the volume serves data (read by GET, sent by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub state: Option<VolumeState>,
    /// The kind of volume: `rw` (read-write), `dp` (data protection) or `ls`
    /// (load-sharing) (string, read by GET, sent by POST).
    #[get]
    #[post]
    pub r#type: Option<String>,
    /// The volume's layout, e.g. `flexvol` or `flexgroup` (string, read by
    /// GET, sent by POST).
    #[get]
    #[post]
    pub style: Option<String>,
    /// Free text (string, read by GET, sent by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub comment: Option<String>,
    /// Size, free and used space (read by GET).
    #[get]
    pub space: Option<VolumeSpace>,
    /// When the volume was created, with its UTC offset (timestamp, read by GET).
    #[get]
    pub create_time: Option<Timestamp>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
