//! `/cluster/software/download`: fetching a software or firmware package
//! onto the cluster, and the status of that download.

use ontap::{Links, OpenEnum, Resource, Secret};

/// Where a package download stands.
///
/// ```
/// use ontap_resources::DownloadState;
/// assert_eq!("not_started".parse::<DownloadState>().unwrap(), DownloadState::NotStarted);
/// assert_eq!(DownloadState::Running.to_string(), "running");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, OpenEnum)]
pub enum DownloadState {
    /// No download has been started.
    NotStarted,
    /// A download is in progress.
    Running,
    /// The last download finished and the package is on the cluster.
    Success,
    /// The last download failed; `message` and `code` say why.
    Failure,
    /// A state this version does not know.
    #[open_enum(other)]
    Unknown(String),
}

/// A software or firmware package download, a singleton at
/// `/api/cluster/software/download`.
///
/// POST it with `url` (and `username`/`password` when the package server
/// asks for them) to start a download; ONTAP answers with a job. GET it to
/// read the status of the current or last download.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap::CallOptions;
/// use ontap_resources::SoftwarePackageDownload;
///
/// let mut download = SoftwarePackageDownload {
///     url: Some("http://server/package".into()),
///     username: Some("admin".into()),
///     password: Some("secret".into()),
///     ..Default::default()
/// };
/// download.post(&conn, CallOptions::default().hydrate(true).return_timeout(0)).await?;
/// println!("{download}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster/software/download")]
pub struct SoftwarePackageDownload {
    /// A number identifying the status message (integer, read by GET).
    /// While a download runs ONTAP reports 10551382 (10551760 on older
    /// releases): look at `state`, not at this code, to tell progress.
    #[get]
    pub code: Option<i64>,
    /// Progress or result text, e.g. "Package download in progress"
    /// (string, read by GET).
    #[get]
    pub message: Option<String>,
    /// Where the download stands (read by GET).
    #[get]
    pub state: Option<DownloadState>,
    /// The HTTP, HTTPS or FTP address of the package (string, sent by POST;
    /// required to start a download).
    #[post]
    pub url: Option<String>,
    /// The user name for the package server, when it asks for one (string,
    /// sent by POST).
    #[post]
    pub username: Option<String>,
    /// The password for the package server (secret string, sent by POST;
    /// printed as `*********` everywhere else).
    #[post]
    pub password: Option<Secret>,
    /// HAL links; `self` points back at this resource (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}
