//! `/svm/svms`: storage virtual machines.

use ontap::{Links, OpenEnum, Resource};

/// Where an SVM stands.
///
/// ```
/// assert_eq!(ontap_resources::SvmState::Running.to_string(), "running");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum SvmState {
    /// Serving data.
    Running,
    /// Stopped.
    Stopped,
    /// Starting.
    Starting,
    /// Stopping.
    Stopping,
    /// Being set up.
    Initializing,
    /// Being deleted.
    Deleting,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

/// A storage virtual machine (SVM): the tenant that owns volumes and serves
/// data. Created and deleted through jobs.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::Query;
/// use ontap_resources::Svm;
/// let vs0 = Svm::find(&conn, Query::new().filter("name", "vs0")).await?;
/// println!("{vs0:?}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/svm/svms", collection, delete)]
pub struct Svm {
    /// The SVM's identifier (uuid string, read by GET; the key of its path).
    #[get]
    #[key]
    pub uuid: Option<String>,
    /// The SVM's name, unique in the cluster (string, read by GET, sent by
    /// POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub name: Option<String>,
    /// Where the SVM stands (read by GET, changed by PATCH to start or stop it).
    #[get]
    #[patch]
    pub state: Option<SvmState>,
    /// The kind of SVM, e.g. `default` (string, read by GET, sent by POST).
    #[get]
    #[post]
    pub subtype: Option<String>,
    /// The default language of its volumes, e.g. `c.utf_8` (string, read by
    /// GET, sent by POST).
    #[get]
    #[post]
    pub language: Option<String>,
    /// Free text (string, read by GET, sent by POST and PATCH).
    #[get]
    #[post]
    #[patch]
    pub comment: Option<String>,
    /// HAL links (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
