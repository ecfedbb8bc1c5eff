//! Jobs: the model, the store, field projection (`fields=`), filters, and synthetic jobs.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::collection::{Listing, Scalar, ScalarKind};
use crate::json::JsonOut;
use crate::state::Shared;
use crate::util::{UuidGen, format_time, now_string};

/// A job's state. `queued`, `running`, `paused` are not terminal; `success`, `failure` are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobState {
    Queued,
    Running,
    Paused,
    Success,
    Failure,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Paused => "paused",
            JobState::Success => "success",
            JobState::Failure => "failure",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Success | JobState::Failure)
    }
}

/// `error` of a failed job: `code` is a string, as in ONTAP.
#[derive(Debug, Clone)]
pub(crate) struct JobError {
    pub message: String,
    pub code: String,
    pub arguments: Vec<(String, String)>,
}

/// `svm` of a job.
#[derive(Debug, Clone)]
pub(crate) struct Svm {
    pub name: String,
    pub uuid: String,
}

/// One job as `GET /api/cluster/jobs/{uuid}` shows it.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub uuid: String,
    pub description: String,
    pub state: JobState,
    pub message: String,
    pub code: i64,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub svm: Option<Svm>,
    pub node: Option<String>,
    pub error: Option<JobError>,
}

/// Commands a running job receives from `PATCH /api/cluster/jobs/{uuid}?action=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Run,
    Pause,
    Cancel,
}

/// The handle of a running job: it can be waited on and, when `actions` is true, paused,
/// resumed and cancelled.
#[derive(Debug)]
pub(crate) struct JobControl {
    pub cmd: watch::Sender<Command>,
    pub done: watch::Sender<bool>,
    pub actions: bool,
}

impl JobControl {
    /// A job that supports pause, resume and cancel.
    pub fn new() -> Arc<Self> {
        Arc::new(JobControl {
            cmd: watch::Sender::new(Command::Run),
            done: watch::Sender::new(false),
            actions: true,
        })
    }

    /// A job that can only be waited on.
    pub fn waitable() -> Arc<Self> {
        Arc::new(JobControl {
            cmd: watch::Sender::new(Command::Run),
            done: watch::Sender::new(false),
            actions: false,
        })
    }

    /// Waits until the job reached a terminal state, or `limit` passed. True when done.
    pub async fn wait_done(&self, limit: Duration) -> bool {
        let mut rx = self.done.subscribe();
        matches!(tokio::time::timeout(limit, rx.wait_for(|d| *d)).await, Ok(Ok(_)))
    }
}

/// A stored job with its bookkeeping.
#[derive(Debug)]
pub(crate) struct Entry {
    pub job: Job,
    /// When the job reached a terminal state (purge clock).
    pub finished: Option<Instant>,
    /// Present for jobs that support actions and can be waited on.
    pub control: Option<Arc<JobControl>>,
}

/// All jobs, ordered by UUID (the collection order and the paging cursor).
#[derive(Debug, Default)]
pub(crate) struct JobStore {
    map: RwLock<BTreeMap<String, Entry>>,
}

impl JobStore {
    pub fn insert(&self, job: Job, control: Option<Arc<JobControl>>) {
        let finished = job.state.is_terminal().then(Instant::now);
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        map.insert(job.uuid.clone(), Entry { job, finished, control });
    }

    /// Read access for one job (no await while held).
    pub fn with<R>(&self, uuid: &str, f: impl FnOnce(&Entry) -> R) -> Option<R> {
        let map = self.map.read().unwrap_or_else(PoisonError::into_inner);
        map.get(uuid).map(f)
    }

    /// Changes one job; starts its purge clock when it becomes terminal.
    pub fn update<R>(&self, uuid: &str, f: impl FnOnce(&mut Job) -> R) -> Option<R> {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        let entry = map.get_mut(uuid)?;
        let r = f(&mut entry.job);
        if entry.job.state.is_terminal() && entry.finished.is_none() {
            entry.finished = Some(Instant::now());
        }
        Some(r)
    }

    /// Write access to one job and its control.
    pub fn with_entry_mut<R>(&self, uuid: &str, f: impl FnOnce(&mut Entry) -> R) -> Option<R> {
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        map.get_mut(uuid).map(f)
    }

    /// Every job as JSON, with every field.
    pub fn json_records(&self) -> Vec<serde_json::Map<String, serde_json::Value>> {
        self.read()
            .values()
            .filter_map(|entry| {
                let view = JobView {
                    job: &entry.job,
                    fields: Projection::ALL,
                    links: false,
                };
                match serde_json::to_value(view) {
                    Ok(serde_json::Value::Object(map)) => Some(map),
                    _ => None,
                }
            })
            .collect()
    }

    pub fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.map.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the jobs that finished more than `retention` ago; returns how many.
    pub fn purge(&self, retention: Duration) -> usize {
        let now = Instant::now();
        let expired = |e: &Entry| e.finished.is_some_and(|t| now.duration_since(t) >= retention);
        {
            let map = self.read();
            if !map.values().any(expired) {
                return 0;
            }
        }
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        let before = map.len();
        map.retain(|_, e| !expired(e));
        before - map.len()
    }

    /// The soonest moment a finished job expires, if any job is finished.
    pub fn next_expiry(&self, retention: Duration) -> Option<Instant> {
        self.read()
            .values()
            .filter_map(|e| e.finished)
            .min()
            .map(|t| t + retention)
    }
}

/// Why a job failed: its ONTAP code (also in `error.code`) and message.
#[derive(Debug, Clone)]
pub(crate) struct JobFailure {
    pub code: u64,
    pub message: String,
}

impl JobFailure {
    pub fn new(code: u64, message: impl Into<String>) -> Self {
        JobFailure {
            code,
            message: message.into(),
        }
    }
}

/// Ends a job: `success` (message "success", code 0) or `failure` with the code and message.
pub(crate) fn complete(jobs: &JobStore, uuid: &str, outcome: Result<(), JobFailure>) {
    let end = now_string();
    jobs.update(uuid, |j| {
        j.end_time = Some(end);
        match outcome {
            Ok(()) => {
                j.state = JobState::Success;
                j.message = "success".to_owned();
                j.code = 0;
            }
            Err(f) => {
                j.state = JobState::Failure;
                j.code = i64::try_from(f.code).unwrap_or(i64::MAX);
                j.error = Some(JobError {
                    message: f.message.clone(),
                    code: f.code.to_string(),
                    arguments: Vec::new(),
                });
                j.message = f.message;
            }
        }
    });
}

/// What a create, modify or delete job is: its description (`POST /api/storage/volumes`),
/// its SVM, and the message it shows while running.
pub(crate) struct JobSpec {
    pub description: String,
    pub svm: Option<Svm>,
    pub running_message: String,
}

/// Registers a `queued` job and runs it in the background: `running` after a quarter of
/// the configured job duration, then `apply` at the end, whose result ends the job. The
/// job supports no actions.
pub(crate) fn spawn_job<F>(shared: &Arc<Shared>, spec: JobSpec, apply: F) -> (String, Arc<JobControl>)
where
    F: FnOnce(&Shared) -> Result<(), JobFailure> + Send + 'static,
{
    let uuid = shared.engine.uuids.next_uuid();
    let control = JobControl::waitable();
    shared.jobs.insert(
        Job {
            uuid: uuid.clone(),
            description: spec.description,
            state: JobState::Queued,
            message: "Queued".to_owned(),
            code: 0,
            start_time: Some(now_string()),
            end_time: None,
            // A job on an SVM's object names the SVM and no node (a recorded 9.12.1 SVM
            // create job); one on the cluster's, the node that runs it.
            node: spec.svm.is_none().then(|| shared.config.node_names[0].clone()),
            svm: spec.svm,
            error: None,
        },
        Some(control.clone()),
    );
    let task_shared = shared.clone();
    let task_uuid = uuid.clone();
    let task_control = control.clone();
    let running = spec.running_message;
    shared.spawn(async move {
        let total = task_shared.config.job_duration;
        tokio::time::sleep(total / 4).await;
        task_shared.jobs.update(&task_uuid, |j| {
            j.state = JobState::Running;
            j.message = running;
        });
        tokio::time::sleep(total - total / 4).await;
        let outcome = apply(&task_shared);
        complete(&task_shared.jobs, &task_uuid, outcome);
        task_control.done.send_replace(true);
    });
    (uuid, control)
}

// ---------------------------------------------------------------------------------------
// fields= projection

const F_UUID: u16 = 1;
const F_DESCRIPTION: u16 = 1 << 1;
const F_STATE: u16 = 1 << 2;
const F_MESSAGE: u16 = 1 << 3;
const F_CODE: u16 = 1 << 4;
const F_START: u16 = 1 << 5;
const F_END: u16 = 1 << 6;
const F_SVM: u16 = 1 << 7;
const F_NODE: u16 = 1 << 8;
const F_ERROR: u16 = 1 << 9;
const F_ALL: u16 = (1 << 10) - 1;

const S_NAME: u8 = 1;
const S_UUID: u8 = 1 << 1;
const S_LINKS: u8 = 1 << 2;
const E_MESSAGE: u8 = 1;
const E_CODE: u8 = 1 << 1;
const E_ARGUMENTS: u8 = 1 << 2;
const SUB_ALL: u8 = u8::MAX;

/// Which job fields a response carries. `uuid` and `_links` are always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Projection {
    top: u16,
    svm: u8,
    node: u8,
    error: u8,
}

impl Projection {
    /// Every field (instance GET default, `fields=*`, `fields=**`).
    pub const ALL: Projection = Projection {
        top: F_ALL,
        svm: SUB_ALL,
        node: SUB_ALL,
        error: SUB_ALL,
    };

    /// Only the key and the links (collection GET default).
    pub const KEYS: Projection = Projection {
        top: F_UUID,
        svm: 0,
        node: 0,
        error: 0,
    };

    /// The fields a job has at the cluster's release (`svm` since 9.8, `error` since
    /// 9.9, `node` since 9.11, as the model marks them).
    pub fn of_release(cat: &crate::engine::schema::Catalog) -> Projection {
        let Some(jobs) = cat.resources.iter().find(|r| r.path.text == "/cluster/jobs") else {
            return Projection::ALL;
        };
        let mut p = Projection::ALL;
        for (name, flag) in [("svm", F_SVM), ("node", F_NODE), ("error", F_ERROR)] {
            if cat.resolve(jobs.ty, name).is_none() {
                p.top &= !flag;
            }
        }
        p
    }

    /// Parses a `fields` value against the fields the release has (`known`). `Err`
    /// names the first unknown field.
    pub fn parse(fields: &str, known: Projection) -> Result<Projection, String> {
        let mut p = Projection::KEYS;
        for raw in fields.split(',') {
            let name = raw.trim();
            if name.is_empty() {
                continue;
            }
            let (head, rest) = match name.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None => (name, None),
            };
            let unknown = || Err(name.to_owned());
            match (head, rest) {
                ("*" | "**", None) => p = known,
                ("uuid", None) => p.top |= F_UUID,
                ("description", None) => p.top |= F_DESCRIPTION,
                ("state", None) => p.top |= F_STATE,
                ("message", None) => p.top |= F_MESSAGE,
                ("code", None) => p.top |= F_CODE,
                ("start_time", None) => p.top |= F_START,
                ("end_time", None) => p.top |= F_END,
                ("_links", None) | ("_links", Some("self")) => {}
                ("svm", sub) => {
                    p.top |= F_SVM;
                    p.svm |= match sub {
                        None => SUB_ALL,
                        Some("name") => S_NAME,
                        Some("uuid") => S_UUID,
                        Some("_links") => S_LINKS,
                        Some(_) => return unknown(),
                    };
                }
                ("node", sub) => {
                    p.top |= F_NODE;
                    p.node |= match sub {
                        None | Some("name") => SUB_ALL,
                        Some(_) => return unknown(),
                    };
                }
                ("error", sub) => {
                    p.top |= F_ERROR;
                    p.error |= match sub {
                        None => SUB_ALL,
                        Some("message") => E_MESSAGE,
                        Some("code") => E_CODE,
                        Some("arguments" | "arguments.code" | "arguments.message") => E_ARGUMENTS,
                        Some(_) => return unknown(),
                    };
                }
                _ => return unknown(),
            }
            if p.top & !known.top != 0 {
                return unknown();
            }
        }
        Ok(p)
    }

    fn has(&self, f: u16) -> bool {
        self.top & f != 0
    }
}

/// A job serialized through a projection (ONTAP's key order), with or without `_links`.
pub(crate) struct JobView<'a> {
    pub job: &'a Job,
    pub fields: Projection,
    pub links: bool,
}

struct Href<'a>(&'a str, &'a str);

impl Serialize for Href<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Inner<'a>(&'a str, &'a str);
        impl Serialize for Inner<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("href", &format_args!("{}{}", self.0, self.1))?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("self", &Inner(self.0, self.1))?;
        m.end()
    }
}

struct SvmView<'a>(&'a Svm, u8, bool);

impl Serialize for SvmView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let SvmView(svm, mask, links) = *self;
        let mut m = s.serialize_map(None)?;
        if mask & S_NAME != 0 {
            m.serialize_entry("name", &svm.name)?;
        }
        if mask & S_UUID != 0 {
            m.serialize_entry("uuid", &svm.uuid)?;
        }
        if links && mask & S_LINKS != 0 {
            m.serialize_entry("_links", &Href("/api/svm/svms/", &svm.uuid))?;
        }
        m.end()
    }
}

struct Arguments<'a>(&'a [(String, String)]);

impl Serialize for Arguments<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Arg<'a> {
            code: &'a str,
            message: &'a str,
        }
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (code, message) in self.0 {
            seq.serialize_element(&Arg { code, message })?;
        }
        seq.end()
    }
}

struct ErrorView<'a>(&'a JobError, u8);

impl Serialize for ErrorView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ErrorView(err, mask) = *self;
        let mut m = s.serialize_map(None)?;
        if mask & E_MESSAGE != 0 {
            m.serialize_entry("message", &err.message)?;
        }
        if mask & E_CODE != 0 {
            m.serialize_entry("code", &err.code)?;
        }
        if mask & E_ARGUMENTS != 0 {
            m.serialize_entry("arguments", &Arguments(&err.arguments))?;
        }
        m.end()
    }
}

struct NodeView<'a>(&'a str);

impl Serialize for NodeView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("name", self.0)?;
        m.end()
    }
}

impl Serialize for JobView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let j = self.job;
        let p = &self.fields;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("uuid", &j.uuid)?;
        if p.has(F_DESCRIPTION) {
            m.serialize_entry("description", &j.description)?;
        }
        if p.has(F_STATE) {
            m.serialize_entry("state", j.state.as_str())?;
        }
        if p.has(F_MESSAGE) {
            m.serialize_entry("message", &j.message)?;
        }
        if p.has(F_CODE) {
            m.serialize_entry("code", &j.code)?;
        }
        if p.has(F_START)
            && let Some(t) = &j.start_time
        {
            m.serialize_entry("start_time", t)?;
        }
        if p.has(F_END)
            && let Some(t) = &j.end_time
        {
            m.serialize_entry("end_time", t)?;
        }
        if p.has(F_SVM)
            && let Some(svm) = &j.svm
        {
            m.serialize_entry("svm", &SvmView(svm, p.svm, self.links))?;
        }
        if p.has(F_NODE)
            && let Some(node) = &j.node
        {
            m.serialize_entry("node", &NodeView(node))?;
        }
        if p.has(F_ERROR)
            && let Some(err) = &j.error
        {
            m.serialize_entry("error", &ErrorView(err, p.error))?;
        }
        if self.links {
            m.serialize_entry("_links", &Href("/api/cluster/jobs/", &j.uuid))?;
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------------------
// the collection: the fields filters and order_by can name

/// The job fields a query can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterField {
    Uuid,
    Description,
    State,
    Message,
    Code,
    StartTime,
    EndTime,
    SvmName,
    SvmUuid,
    NodeName,
    ErrorMessage,
    ErrorCode,
}

impl FilterField {
    pub fn parse(name: &str) -> Option<FilterField> {
        Some(match name {
            "uuid" => FilterField::Uuid,
            "description" => FilterField::Description,
            "state" => FilterField::State,
            "message" => FilterField::Message,
            "code" => FilterField::Code,
            "start_time" => FilterField::StartTime,
            "end_time" => FilterField::EndTime,
            "svm.name" => FilterField::SvmName,
            "svm.uuid" => FilterField::SvmUuid,
            "node.name" => FilterField::NodeName,
            "error.message" => FilterField::ErrorMessage,
            "error.code" => FilterField::ErrorCode,
            _ => return None,
        })
    }
}

impl FilterField {
    /// The type of the field's values.
    pub fn kind(self) -> ScalarKind {
        match self {
            FilterField::Code => ScalarKind::Int,
            _ => ScalarKind::Str,
        }
    }
}

impl Job {
    fn field(&self, f: FilterField) -> Option<Scalar<'_>> {
        Some(match f {
            FilterField::Uuid => Scalar::Str(&self.uuid),
            FilterField::Description => Scalar::Str(&self.description),
            FilterField::State => Scalar::Str(self.state.as_str()),
            FilterField::Message => Scalar::Str(&self.message),
            FilterField::Code => Scalar::Int(self.code),
            FilterField::StartTime => Scalar::Str(self.start_time.as_deref()?),
            FilterField::EndTime => Scalar::Str(self.end_time.as_deref()?),
            FilterField::SvmName => Scalar::Str(&self.svm.as_ref()?.name),
            FilterField::SvmUuid => Scalar::Str(&self.svm.as_ref()?.uuid),
            FilterField::NodeName => Scalar::Str(self.node.as_deref()?),
            FilterField::ErrorMessage => Scalar::Str(&self.error.as_ref()?.message),
            FilterField::ErrorCode => Scalar::Str(&self.error.as_ref()?.code),
        })
    }
}

/// The job collection (`/api/cluster/jobs`), ordered by UUID, with the fields the
/// cluster's release has.
pub(crate) struct JobListing(pub Projection);

impl Listing for JobListing {
    type Record = Entry;
    type Field = FilterField;
    type Fields = Projection;

    fn key_name(&self) -> &str {
        "uuid"
    }

    fn field(&self, name: &str) -> Option<(FilterField, ScalarKind)> {
        FilterField::parse(name)
            .filter(|f| {
                let mut p = Projection::KEYS;
                self.include(&mut p, *f);
                p.top & !self.0.top == 0
            })
            .map(|f| (f, f.kind()))
    }

    fn any_value(&self, record: &Entry, field: FilterField, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        record.job.field(field).is_some_and(visit)
    }

    fn value<'r>(&self, record: &'r Entry, field: FilterField) -> Option<Scalar<'r>> {
        record.job.field(field)
    }

    fn parse_fields(&self, value: &str) -> Result<Projection, String> {
        Projection::parse(value, self.0)
    }

    fn default_fields(&self) -> Projection {
        Projection::KEYS
    }

    fn include(&self, fields: &mut Projection, field: FilterField) {
        fields.top |= match field {
            FilterField::Uuid => F_UUID,
            FilterField::Description => F_DESCRIPTION,
            FilterField::State => F_STATE,
            FilterField::Message => F_MESSAGE,
            FilterField::Code => F_CODE,
            FilterField::StartTime => F_START,
            FilterField::EndTime => F_END,
            FilterField::SvmName => {
                fields.svm |= S_NAME;
                F_SVM
            }
            FilterField::SvmUuid => {
                fields.svm |= S_UUID;
                F_SVM
            }
            FilterField::NodeName => {
                fields.node = SUB_ALL;
                F_NODE
            }
            FilterField::ErrorMessage => {
                fields.error |= E_MESSAGE;
                F_ERROR
            }
            FilterField::ErrorCode => {
                fields.error |= E_CODE;
                F_ERROR
            }
        };
    }

    fn write(&self, _key: &str, record: &Entry, fields: &Projection, links: bool, out: &mut JsonOut, depth: usize) {
        // A page holds few jobs: serde's pretty writer, re-indented.
        out.serialized(
            depth,
            &JobView {
                job: &record.job,
                fields: *fields,
                links,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// synthetic jobs

const SEED_DESCRIPTIONS: &[&str] = &[
    "POST /api/storage/volumes",
    "Vol Create",
    "PATCH /api/storage/volumes/{uuid}",
    "Cluster Backup Job",
    "DELETE /api/storage/volumes/{uuid}",
    "App Snapshot Job",
    "POST /api/snapmirror/relationships",
    "Snapshot Delete",
];

/// The admin SVM (named after the cluster) and a data SVM the synthetic jobs refer to.
pub(crate) struct SeedContext<'a> {
    pub cluster: &'a str,
    pub cluster_svm_uuid: &'a str,
    pub data_svm_name: &'a str,
    pub data_svm_uuid: &'a str,
    pub nodes: [&'a str; 2],
}

/// Creates `n` finished jobs: every fifth one (index 4, 9, ...) is a failure, the others
/// succeeded. Their times lie in the past, one job every 7 seconds.
pub(crate) fn seed(store: &JobStore, uuids: &UuidGen, n: usize, ctx: &SeedContext<'_>) {
    let now = OffsetDateTime::now_utc();
    for i in 0..n {
        let start = now
            .checked_sub(time::Duration::seconds(7 * (n - i) as i64 + 30))
            .unwrap_or(now);
        let end = start + time::Duration::seconds(1 + (i % 20) as i64);
        let description = SEED_DESCRIPTIONS[i % SEED_DESCRIPTIONS.len()];
        let failed = i % 5 == 4;
        let svm = if i % 2 == 0 {
            Svm {
                name: ctx.data_svm_name.to_owned(),
                uuid: ctx.data_svm_uuid.to_owned(),
            }
        } else {
            Svm {
                name: ctx.cluster.to_owned(),
                uuid: ctx.cluster_svm_uuid.to_owned(),
            }
        };
        let (state, message, code, error) = if failed {
            let message = format!("Failed to complete \"{description}\": aggregate \"aggr{i}\" is out of space.");
            let err = JobError {
                message: message.clone(),
                code: "917927".to_owned(),
                arguments: vec![("917927".to_owned(), format!("aggr{i}"))],
            };
            (JobState::Failure, message, 917_927, Some(err))
        } else {
            (JobState::Success, "success".to_owned(), 0, None)
        };
        let job = Job {
            uuid: uuids.next_uuid(),
            description: description.to_owned(),
            state,
            message,
            code,
            start_time: Some(format_time(start)),
            end_time: Some(format_time(end)),
            svm: Some(svm),
            node: Some(ctx.nodes[i % 2].to_owned()),
            error,
        };
        store.insert(job, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::Filter;

    fn job() -> Job {
        Job {
            uuid: "u1".into(),
            description: "POST /api/cluster/software/download".into(),
            state: JobState::Failure,
            message: "Package download failed".into(),
            code: 10551381,
            start_time: Some("2024-11-26T19:46:42+00:00".into()),
            end_time: None,
            svm: None,
            node: Some("n1".into()),
            error: Some(JobError {
                message: "m".into(),
                code: "10551381".into(),
                arguments: vec![],
            }),
        }
    }

    #[test]
    fn projection_parses_and_rejects() {
        assert_eq!(Projection::parse("*", Projection::ALL), Ok(Projection::ALL));
        assert_eq!(Projection::parse("**", Projection::ALL), Ok(Projection::ALL));
        assert!(Projection::parse("state,error.code,svm.name", Projection::ALL).is_ok());
        assert_eq!(
            Projection::parse("state,bogus", Projection::ALL),
            Err("bogus".to_owned())
        );
        assert_eq!(
            Projection::parse("svm.bogus", Projection::ALL),
            Err("svm.bogus".to_owned())
        );
    }

    #[test]
    fn view_keeps_order_and_keys() {
        let j = job();
        let p = Projection::parse("code,state", Projection::ALL).unwrap();
        let v = serde_json::to_string(&JobView {
            job: &j,
            fields: p,
            links: true,
        })
        .unwrap();
        assert_eq!(
            v,
            r#"{"uuid":"u1","state":"failure","code":10551381,"_links":{"self":{"href":"/api/cluster/jobs/u1"}}}"#
        );
        let p = Projection::parse("error.code", Projection::ALL).unwrap();
        let v = serde_json::to_string(&JobView {
            job: &j,
            fields: p,
            links: false,
        })
        .unwrap();
        assert_eq!(v, r#"{"uuid":"u1","error":{"code":"10551381"}}"#);
    }

    #[test]
    fn filters() {
        let j = job();
        let entry = Entry {
            job: j,
            finished: None,
            control: None,
        };
        let f = |field: &str, v: &str| {
            let (field, _) = JobListing(Projection::ALL).field(field).unwrap();
            Filter::new(field, v).matches(|field, visit| JobListing(Projection::ALL).any_value(&entry, field, visit))
        };
        assert!(f("state", "failure"));
        assert!(f("state", "FAILURE"));
        assert!(!f("state", "success"));
        assert!(f("state", "success|failure"));
        assert!(f("state", "!success"));
        assert!(f("description", "POST*"));
        assert!(f("code", ">10551380"));
        assert!(f("code", "10551381"));
        assert!(!f("code", "<10551381"));
        assert!(f("code", "10551300..10551400"));
        assert!(f("error.code", "10551381"));
        assert!(!f("end_time", "*"));
        assert!(f("end_time", "!*"));
        assert!(f("node.name", "n1"));
    }
}
