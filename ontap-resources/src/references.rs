//! Small references to other objects, embedded in many resources.

use ontap::Links;
use serde::{Deserialize, Serialize};

/// A reference to an SVM (storage virtual machine): its name and uuid.
///
/// ```
/// let svm: ontap_resources::SvmReference =
///     serde_json::from_str(r#"{"name": "svm1", "uuid": "02c9e252"}"#).unwrap();
/// assert_eq!(svm.name.as_deref(), Some("svm1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct SvmReference {
    /// The SVM's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The SVM's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The SVM's HAL links.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
}

/// A reference to a cluster node, by name.
///
/// ```
/// let node: ontap_resources::NodeReference = serde_json::from_str(r#"{"name": "node1"}"#).unwrap();
/// assert_eq!(node.name.as_deref(), Some("node1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct NodeReference {
    /// The node's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A reference to an aggregate (a pool of disks): its name and uuid.
///
/// ```
/// let a: ontap_resources::AggregateReference = serde_json::from_str(r#"{"name": "aggr1"}"#).unwrap();
/// assert_eq!(a.name.as_deref(), Some("aggr1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct AggregateReference {
    /// The aggregate's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The aggregate's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

/// A reference to a volume: its uuid and name.
///
/// ```
/// let v: ontap_resources::VolumeReference = serde_json::from_str(r#"{"uuid": "u1", "name": "vol1"}"#).unwrap();
/// assert_eq!(v.uuid.as_deref(), Some("u1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct VolumeReference {
    /// The volume's uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The volume's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
