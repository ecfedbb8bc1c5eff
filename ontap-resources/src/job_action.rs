//! The actions a running job may take: cancel, pause, resume.

use crate::Job;

/// What [`Job::action`] asks of a running job.
///
/// ```
/// assert_eq!(ontap_resources::JobAction::Cancel.as_str(), "cancel");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobAction {
    /// Stop the job for good; it ends in `failure`.
    Cancel,
    /// Hold the job; `resume` continues it.
    Pause,
    /// Continue a paused job.
    Resume,
}

impl JobAction {
    /// The value of the `action` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            JobAction::Cancel => "cancel",
            JobAction::Pause => "pause",
            JobAction::Resume => "resume",
        }
    }
}

impl Job {
    /// Cancels, pauses or resumes the job: `PATCH /cluster/jobs/{uuid}?action=...`
    /// with an empty body. Only some jobs support it; ONTAP answers 458762
    /// when the job has already finished, 458783 or 458784 when the job
    /// does not support the action.
    ///
    /// ```no_run
    /// # extern crate ontap_core as ontap;
    /// # async fn run(conn: ontap::HostConnection, uuid: String) -> Result<(), ontap::Error> {
    /// use ontap_resources::{Job, JobAction};
    /// let job = Job { uuid: Some(uuid), ..Default::default() };
    /// job.action(&conn, JobAction::Cancel).await?;
    /// # Ok(()) }
    /// ```
    pub async fn action(
        &self,
        conn: &ontap::HostConnection,
        action: JobAction,
    ) -> Result<ontap::Response, ontap::Error> {
        let query = ontap::Query::new().param("action", action.as_str());
        let spec = ontap::RequestSpec::new(ontap::http::Method::PATCH, &ontap::instance_path(self)?, &query)
            .with_body(serde_json::Value::Object(serde_json::Map::new()));
        conn.execute(&spec).await
    }
}
