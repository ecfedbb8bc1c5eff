//! `/cluster/jobs`: the asynchronous operations of a cluster.

use ontap::{ApiError, JobState, Links, Resource, Timestamp};

use crate::references::{NodeReference, SvmReference};

/// An asynchronous operation: what a POST, PATCH or DELETE starts when the
/// work takes longer than one request. Read-only: ONTAP creates jobs, clients
/// read them (and, for some, pause, resume or cancel them). ONTAP deletes a
/// finished job about five minutes after it ends.
///
/// ```no_run
/// # extern crate ontap_core as ontap;
/// # async fn run(conn: ontap::HostConnection) -> Result<(), ontap::Error> {
/// use ontap::prelude::*;
/// use ontap_resources::Job;
///
/// let mut job = Job { uuid: Some("f587d316-5feb-11e8-b0e0-005056956dfc".into()), ..Default::default() };
/// job.get(&conn).await?;
/// println!("{job}");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Resource)]
#[resource(path = "/cluster/jobs", collection)]
pub struct Job {
    /// The job's identifier (uuid string, read by GET; the key of its path
    /// `/cluster/jobs/{uuid}`).
    #[get]
    #[key]
    pub uuid: Option<String>,
    /// What the job does, often the request that started it, e.g.
    /// `POST /api/cluster/software/download` (string, read by GET).
    #[get]
    pub description: Option<String>,
    /// Where the job stands; only `success` and `failure` are final, and only
    /// this field tells completion (read by GET).
    #[get]
    pub state: Option<JobState>,
    /// Progress or result text (string, read by GET). It can read "complete"
    /// while the job still runs: trust `state`.
    #[get]
    pub message: Option<String>,
    /// A number identifying the message (integer, read by GET); it can be
    /// non-zero while the job runs normally.
    #[get]
    pub code: Option<i64>,
    /// When the job started, with its UTC offset (timestamp, read by GET).
    #[get]
    pub start_time: Option<Timestamp>,
    /// When the job ended, with its UTC offset (timestamp, read by GET;
    /// absent while it runs).
    #[get]
    pub end_time: Option<Timestamp>,
    /// The SVM the job runs for, if any (name and uuid, read by GET).
    #[get]
    pub svm: Option<SvmReference>,
    /// The node the job runs on (name, read by GET).
    #[get]
    pub node: Option<NodeReference>,
    /// Why the job failed: ONTAP's code (a string of digits), message and
    /// arguments (read by GET on failure, newer releases).
    #[get]
    pub error: Option<ApiError>,
    /// HAL links; `self` points at the job (read by GET).
    #[get]
    #[resource(rename = "_links")]
    pub links: Option<Links>,
}

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
