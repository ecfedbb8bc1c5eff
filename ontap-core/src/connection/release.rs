//! The cluster's release: stated when the connection is built
//! ([`HostConnectionBuilder::release`]) or learned on first need with one read
//! (`GET /cluster?fields=version`), and shared by every handle of the
//! connection. What the library sends by itself (job reads) fits it.

use std::sync::atomic::{AtomicBool, Ordering};

use http::Method;
use tokio::sync::OnceCell;

use super::{HostConnection, HostConnectionBuilder};
use crate::error::Error;
use crate::request::{Query, RequestSpec};
use crate::{Release, ReleaseGuard};

/// What a connection knows of its cluster's release.
#[derive(Debug, Default)]
pub(crate) struct KnownRelease {
    /// Stated by the user, or learned: `Some(None)` once the cluster refused to
    /// say (a role without the right to read `/cluster` gets 403).
    cell: OnceCell<Option<Release>>,
    /// The cluster refused a job read that named the job's `error` (a release
    /// before 9.9 that the connection could not read).
    lacks_job_error: AtomicBool,
}

impl KnownRelease {
    pub(crate) fn stated(release: Option<Release>) -> KnownRelease {
        KnownRelease {
            cell: match release {
                Some(r) => OnceCell::new_with(Some(Some(r))),
                None => OnceCell::new(),
            },
            lacks_job_error: AtomicBool::new(false),
        }
    }
}

/// The fields a job read asks for on `conn`: the job's `error` came with 9.9, and
/// ONTAP answers a `fields` naming a field it lacks with 400 (262197). An unknown
/// release is read as a current one until a cluster refuses `error`
/// ([`note_lacking_job_error`]).
pub(crate) fn job_fields(conn: &HostConnection) -> &'static str {
    let old = conn.known_release().is_some_and(|r| r < Release::new(9, 9, 0));
    if old || conn.inner().release.lacks_job_error.load(Ordering::Relaxed) {
        "state,message,code"
    } else {
        crate::job::POLL_FIELDS
    }
}

/// Whether `err` is the cluster refusing a job read's `fields` (262197) while its
/// release is unknown (so the read named the job's `error`): the connection then
/// asks without it from now on, and the read is worth sending again.
pub(crate) fn note_lacking_job_error(conn: &HostConnection, err: &Error) -> bool {
    let refused = err.ontap_code_number() == Some(crate::codes::INVALID_VALUE)
        && matches!(err, Error::Api { error, .. } if error.target.as_deref() == Some("fields"));
    if refused && conn.known_release().is_none() {
        tracing::debug!("the cluster lacks the job's `error`; job reads go on without it");
        conn.inner().release.lacks_job_error.store(true, Ordering::Relaxed);
        return true;
    }
    false
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

    /// What the release guard does with a typed request whose verb, fields,
    /// parameters or enum values the cluster's release lacks: refuse it with
    /// [`Error::Unsupported`] before sending (the default), send it with a
    /// warning, or send it unchecked ([`ReleaseGuard`]). With the guard on,
    /// the first typed call of a connection reads the release
    /// ([`HostConnection::release`]); a release the cluster does not tell
    /// leaves every call unguarded.
    ///
    /// ```
    /// use ontap_core::{HostConnection, ReleaseGuard};
    /// let conn = HostConnection::builder("10.0.0.5").release_guard(ReleaseGuard::Off).build().unwrap();
    /// assert_eq!(conn.release_guard(), ReleaseGuard::Off);
    /// ```
    pub fn release_guard(mut self, guard: ReleaseGuard) -> Self {
        self.release_guard = guard;
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

    /// What the release guard does on this connection.
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("10.0.0.5").build().unwrap();
    /// assert_eq!(conn.release_guard(), ontap_core::ReleaseGuard::Refuse);
    /// ```
    pub fn release_guard(&self) -> ReleaseGuard {
        self.inner().release_guard
    }
}

/// An answer that will not change by asking again: the server refused the read
/// (403 for a role without the right), or answered what is no JSON.
fn refused(err: &Error) -> bool {
    matches!(err, Error::Decode { .. }) || err.status().is_some_and(|s| s.is_client_error())
}
