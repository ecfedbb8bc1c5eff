//! The cluster's release: stated when the connection is built
//! ([`HostConnectionBuilder::release`]) or learned on first need with one read
//! (`GET /cluster?fields=version`), and shared by every handle of the
//! connection. What the library sends by itself (job reads) fits it.

use http::Method;
use tokio::sync::OnceCell;

use super::{HostConnection, HostConnectionBuilder};
use crate::Release;
use crate::error::Error;
use crate::request::{Query, RequestSpec};

/// What a connection knows of its cluster's release.
#[derive(Debug, Default)]
pub(crate) struct KnownRelease {
    /// Stated by the user, or learned: `Some(None)` once the cluster refused to
    /// say (a role without the right to read `/cluster` gets 403).
    cell: OnceCell<Option<Release>>,
}

impl KnownRelease {
    pub(crate) fn stated(release: Option<Release>) -> KnownRelease {
        KnownRelease {
            cell: match release {
                Some(r) => OnceCell::new_with(Some(Some(r))),
                None => OnceCell::new(),
            },
        }
    }
}

/// The fields a job read asks for at `release`: the job's `error` came with 9.9,
/// and ONTAP answers a `fields` naming a field it lacks with 400 (262197). An
/// unknown release is read as a current one.
pub(crate) fn job_fields(release: Option<Release>) -> &'static str {
    match release {
        Some(r) if r < Release::new(9, 9, 0) => "state,message,code",
        _ => crate::job::POLL_FIELDS,
    }
}

impl HostConnectionBuilder {
    /// States the cluster's release, so that the connection never reads it
    /// (as Ansible's `force_ontap_version` does): what the library sends by
    /// itself then fits this release.
    ///
    /// ```
    /// # async fn run() -> Result<(), ontap_core::Error> {
    /// let conn = ontap_core::HostConnection::builder("10.0.0.5")
    ///     .release("9.8".parse().unwrap())
    ///     .build()?;
    /// assert_eq!(conn.known_release(), Some(ontap_core::Release::new(9, 8, 0)));
    /// assert_eq!(conn.release().await, Some("9.8".parse().unwrap()));
    /// # Ok(()) }
    /// ```
    pub fn release(mut self, release: Release) -> Self {
        self.release = Some(release);
        self
    }
}

impl HostConnection {
    /// The cluster's release: as stated to the builder, or read once per
    /// connection (`GET /cluster?fields=version`, which every handle then
    /// shares). `None` when the cluster does not say: the read was refused
    /// (remembered: it is not asked again) or failed (asked again next time).
    /// A failed read never fails the connection; it leaves a trace event.
    ///
    /// ```no_run
    /// # async fn run(conn: ontap_core::HostConnection) {
    /// if let Some(release) = conn.release().await {
    ///     println!("the cluster runs ONTAP {release}");
    /// }
    /// # }
    /// ```
    pub async fn release(&self) -> Option<Release> {
        self.learn_release().await.ok().flatten()
    }

    /// [`HostConnection::release`], with the error of a read that failed
    /// (and is asked again next time); a refusal is `Ok(None)`.
    pub(crate) async fn learn_release(&self) -> Result<Option<Release>, Error> {
        let known = &self.inner().release;
        let read = known.cell.get_or_try_init(|| async {
            let spec = RequestSpec::new(Method::GET, "/cluster", &Query::new().param("fields", "version"));
            match self.base().execute(&spec).await.and_then(|r| r.json()) {
                Ok(body) => {
                    let release = Release::from_json(&body["version"]);
                    tracing::debug!(release = ?release.map(|r| r.to_string()), "cluster release read");
                    Ok(release)
                }
                Err(err) if refused(&err) => {
                    tracing::info!(error = %err, "the cluster's release could not be read; calls go unguarded");
                    Ok(None)
                }
                Err(err) => {
                    tracing::debug!(error = %err, "reading the cluster's release failed; it is asked again later");
                    Err(err)
                }
            }
        });
        read.await.copied()
    }

    /// The cluster's release if already known (stated or read), without a
    /// request.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("10.0.0.5").build().unwrap();
    /// assert_eq!(conn.known_release(), None);
    /// ```
    pub fn known_release(&self) -> Option<Release> {
        self.inner().release.cell.get().copied().flatten()
    }
}

/// An answer that will not change by asking again: the server refused the read
/// (403 for a role without the right), or answered what is no JSON.
fn refused(err: &Error) -> bool {
    matches!(err, Error::Decode { .. }) || err.status().is_some_and(|s| s.is_client_error())
}
