//! `/cluster/software`: the cluster's software version, and upgrading it.

use ontap::{Links, OpenEnum, Resource};
use serde::{Deserialize, Serialize};

/// Where an upgrade stands.
///
/// ```
/// use ontap_resources::UpgradeState;
/// assert_eq!("in_progress".parse::<UpgradeState>().unwrap(), UpgradeState::InProgress);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum UpgradeState {
    /// The upgrade runs.
    InProgress,
    /// Waiting for a step, e.g. a node's takeover.
    Waiting,
    /// Paused by a user.
    PausedByUser,
    /// Paused by an error that needs attention.
    PausedOnError,
    /// The upgrade finished.
    Completed,
    /// A user canceled the upgrade.
    Canceled,
    /// The upgrade failed.
    Failed,
    /// A pause was asked for and is not yet effective.
    PausePending,
    /// A cancel was asked for and is not yet effective.
    CancelPending,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

/// One pre-upgrade check and what it found.
///
/// ```
/// let r: ontap_resources::ValidationResult = serde_json::from_str(
///     r#"{"update_check": "Manual checks", "status": "warning", "issue": {"message": "Check the LIFs."}}"#,
/// ).unwrap();
/// assert_eq!(r.status.as_deref(), Some("warning"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ValidationResult {
    /// What was checked, e.g. "Manual checks".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_check: Option<String>,
    /// `ok`, `warning` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// What the check found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<ValidationMessage>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ValidationMessage>,
}

/// A message of a [`ValidationResult`], with its code when it has one.
///
/// ```
/// let m: ontap_resources::ValidationMessage = serde_json::from_str(r#"{"message": "ok", "code": 0}"#).unwrap();
/// assert_eq!(m.code, Some(0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ValidationMessage {
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A number identifying the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
}

/// A node and the version it runs.
///
/// ```
/// let n: ontap_resources::NodeSoftware = serde_json::from_str(r#"{"name": "n1", "version": "9.15.1"}"#).unwrap();
/// assert_eq!(n.version.as_deref(), Some("9.15.1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct NodeSoftware {
    /// The node's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The version the node runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The cluster's software, a singleton at `/api/cluster/software`. GET it for
/// the running version and the state of an upgrade; PATCH `version` to
/// validate a downloaded package (query `validate_only=true`) or to start
/// the upgrade to it, which runs as a job.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::CallOptions;
/// use ontap_resources::Software;
/// let mut software = Software { version: Some("9.16.1".into()), ..Default::default() };
/// software.patch(&conn, CallOptions::default().param("validate_only", true)).await?;
/// software.patch(&conn, CallOptions::default().param("skip_warnings", true)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster/software")]
pub struct Software {
    /// The version the cluster runs (string, read by GET); in a PATCH, the
    /// version to upgrade to, which must be among the downloaded packages.
    #[get]
    #[patch]
    pub version: Option<String>,
    /// The version an upgrade in progress moves to (string, read by GET).
    #[get]
    pub pending_version: Option<String>,
    /// Where the last or current upgrade stands (read by GET).
    #[get]
    pub state: Option<UpgradeState>,
    /// The pre-upgrade checks and their findings (read by GET).
    #[get]
    pub validation_results: Option<Vec<ValidationResult>>,
    /// The steps of the upgrade, node by node (read by GET; shapes vary by
    /// release, so they are kept as JSON).
    #[get]
    pub status_details: Option<Vec<serde_json::Value>>,
    /// The nodes and the versions they run (read by GET).
    #[get]
    pub nodes: Option<Vec<NodeSoftware>>,
    /// Minutes to let each node settle before the next one is upgraded
    /// (integer, sent by PATCH).
    #[patch]
    pub stabilize_minutes: Option<u32>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
