//! The job watcher: the job waits of one connection, polled together.
//!
//! Each wait asks for one read of its job within a window of time (as
//! early as `earliest`, at the latest at `latest`). One task per
//! connection, alive while reads are pending, sends them when the first is
//! due, together with every other pending read whose window has opened, a
//! hundred to a request: `GET /cluster/jobs?uuid=a|b|c&fields=...`. While
//! the connection's slots are all busy, more reads join the next request,
//! so a crowd of waits costs a few requests and a lone wait is read on
//! time, with its job's own GET. A job missing from the answer is read with its own GET before it
//! is taken for gone; a wait that is dropped leaves its read behind, and
//! the read is skipped.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use http::Method;
use serde::Deserialize;
use tokio::sync::{Notify, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::connection::{HostConnection, Slot};
use crate::error::Error;
use crate::job::{JobLink, JobStatus, may_heal};
use crate::request::{Query, RequestSpec};
use tracing::Instrument as _;

/// How many jobs one request reads: 100 uuids keep the URL near 4 KB, half
/// of what ONTAP's web server takes.
pub(crate) const CHUNK: usize = 100;
/// How many pending reads are looked at for one request, beyond those due.
const SCAN: usize = 4 * CHUNK;

/// When a read may happen: not before `earliest`, not after `latest`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) earliest: Instant,
    pub(crate) latest: Instant,
}

impl Window {
    /// A read at `at` exactly.
    pub(crate) fn at(at: Instant) -> Window {
        Window {
            earliest: at,
            latest: at,
        }
    }
}

/// The pending reads of one connection's job waits.
#[derive(Default)]
pub(crate) struct JobBatcher {
    state: Mutex<State>,
    /// Wakes the task when a read is due before the one it sleeps for.
    wake: Notify,
    /// Whether the server refused a request for several jobs: each is then
    /// read alone.
    alone: AtomicBool,
}

#[derive(Default)]
struct State {
    /// By `latest`, then by arrival.
    pending: BTreeMap<(Instant, u64), Read>,
    arrivals: u64,
    /// Whether the task runs.
    running: bool,
    /// The time the task sleeps until.
    planned: Option<Instant>,
}

/// One wait's read of its job.
struct Read {
    uuid: String,
    earliest: Instant,
    reply: oneshot::Sender<Result<JobStatus, Error>>,
    /// The wait's span (`ontap.job_wait`): a read for this wait alone
    /// happens in it.
    span: tracing::Span,
}

impl JobBatcher {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements: a panic elsewhere
        // cannot leave it half changed.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Whether so many reads are pending that a wait should not start fast:
/// with a crowd of waits, fast reads cost requests and win little.
pub(crate) fn crowded(conn: &HostConnection) -> bool {
    conn.inner().jobs.lock().pending.len() >= CHUNK
}

/// Whether a job is read with the others: its link is the usual
/// `/api/cluster/jobs/{uuid}`, and its uuid holds nothing a filter would
/// read as an operator.
fn batchable(link: &JobLink) -> bool {
    let plain = !link.uuid.is_empty()
        && link.uuid.len() <= 64
        && link.uuid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plain && link.href() == format!("/api/cluster/jobs/{}", link.uuid)
}

/// Reads the job of `link` once within `window`, with the other waits of
/// `conn` where it can. A cluster of unknown release that refuses the job's
/// `error` is asked again without it.
pub(crate) async fn read(conn: &HostConnection, link: &JobLink, window: Window) -> Result<JobStatus, Error> {
    match read_once(conn, link, window).await {
        Err(err) if crate::connection::note_lacking_job_error(conn, &err) => read_alone(conn, link).await,
        answer => answer,
    }
}

async fn read_once(conn: &HostConnection, link: &JobLink, window: Window) -> Result<JobStatus, Error> {
    // The fields asked for depend on the release, read once per connection. A
    // refused certificate ends the wait as the job read itself would; any
    // other failure leaves the release unknown.
    if let Err(err) = conn.learn_release().await
        && crate::connection::is_certificate_failure(&err)
    {
        return Err(err);
    }
    let batcher = &conn.inner().jobs;
    if !batchable(link) || batcher.alone.load(Ordering::Relaxed) {
        sleep_until(window.latest).await;
        return read_alone(conn, link).await;
    }
    let (reply, answer) = oneshot::channel();
    let (start, wake) = {
        let mut state = batcher.lock();
        let arrival = state.arrivals;
        state.arrivals += 1;
        state.pending.insert(
            (window.latest, arrival),
            Read {
                uuid: link.uuid.clone(),
                earliest: window.earliest,
                reply,
                span: tracing::Span::current(),
            },
        );
        let start = !state.running;
        state.running = true;
        let wake = state.planned.is_some_and(|planned| window.latest < planned);
        (start, wake)
    };
    if start {
        tokio::spawn(run(conn.base()));
    } else if wake {
        batcher.wake.notify_one();
    }
    match answer.await {
        Ok(result) => result,
        // The task is gone (the runtime is shutting down): read it here.
        Err(_) => read_alone(conn, link).await,
    }
}

/// Reads one job with its own GET.
async fn read_alone(conn: &HostConnection, link: &JobLink) -> Result<JobStatus, Error> {
    conn.send_once(&link.poll_request_with(crate::connection::job_fields(conn))?)
        .await?
        .decode()
}

/// The task: sends the pending reads as they fall due, until none is left.
async fn run(conn: HostConnection) {
    let batcher = &conn.inner().jobs;
    loop {
        let next = {
            let mut state = batcher.lock();
            while let Some(entry) = state.pending.first_entry() {
                if !entry.get().reply.is_closed() {
                    break;
                }
                entry.remove();
            }
            match state.pending.keys().next() {
                Some(&(latest, _)) => {
                    state.planned = Some(latest);
                    latest
                }
                None => {
                    state.running = false;
                    state.planned = None;
                    return;
                }
            }
        };
        tokio::select! {
            () = sleep_until(next) => {}
            () = batcher.wake.notified() => continue,
        }
        // Reads that fall due while every slot is busy join this request.
        let slot = conn.slot().await;
        let reads = take(&mut batcher.lock(), Instant::now());
        if !reads.is_empty() {
            tokio::spawn(send(conn.clone(), slot, reads));
        }
    }
}

/// Takes up to [`CHUNK`] reads whose windows are open at `now`, the most
/// urgent first, and drops those whose waits are gone.
fn take(state: &mut State, now: Instant) -> Vec<Read> {
    let mut keys = Vec::new();
    let mut gone = Vec::new();
    for (key, read) in state.pending.iter().take(SCAN) {
        if read.reply.is_closed() {
            gone.push(*key);
        } else if read.earliest <= now {
            keys.push(*key);
            if keys.len() == CHUNK {
                break;
            }
        }
    }
    for key in gone {
        state.pending.remove(&key);
    }
    keys.iter().filter_map(|key| state.pending.remove(key)).collect()
}

/// Answers `read` with its job's own GET, on a task of its own.
fn answer_alone(conn: &HostConnection, read: Read) {
    if read.reply.is_closed() {
        return;
    }
    let link = JobLink {
        uuid: read.uuid,
        links: None,
    };
    let conn = conn.clone();
    tokio::spawn(
        async move {
            let _ = read.reply.send(read_alone(&conn, &link).await);
        }
        .instrument(read.span),
    );
}

/// A page of `GET /cluster/jobs`, as far as a poll needs it.
#[derive(Deserialize)]
struct JobPage {
    #[serde(default)]
    records: Vec<JobStatus>,
}

/// Sends one request for `reads` in `slot`, and answers each. A read alone
/// is sent as its job's own GET, as a wait by itself would send it.
async fn send(conn: HostConnection, slot: Slot, mut reads: Vec<Read>) {
    if reads.len() == 1
        && let Some(read) = reads.pop()
    {
        let link = JobLink {
            uuid: read.uuid,
            links: None,
        };
        let status = match link.poll_request_with(crate::connection::job_fields(&conn)) {
            Ok(request) => conn
                .send_in(slot, &request)
                .instrument(read.span)
                .await
                .and_then(|r| r.decode()),
            Err(err) => Err(err),
        };
        let _ = read.reply.send(status);
        return;
    }
    // One read for several waits: its span follows from each of theirs.
    let span = tracing::debug_span!("ontap.job_reads", jobs = reads.len());
    for read in &reads {
        span.follows_from(&read.span);
    }
    let uuids: Vec<&str> = reads.iter().map(|read| read.uuid.as_str()).collect();
    let query = Query::new()
        .param("uuid", uuids.join("|"))
        .param("fields", crate::connection::job_fields(&conn))
        .param("max_records", reads.len());
    let spec = RequestSpec::new(Method::GET, "/cluster/jobs", &query).with_route("/cluster/jobs");
    let page = conn
        .send_in(slot, &spec)
        .instrument(span)
        .await
        .and_then(|r| r.decode::<JobPage>());
    tracing::trace!(jobs = reads.len(), ok = page.is_ok(), "jobs read together");
    let page = match page {
        Ok(page) => page,
        Err(err) if may_heal(&err) => {
            // The waits ride it out together, each by its own schedule.
            for read in reads {
                let _ = read.reply.send(Err(err.clone()));
            }
            return;
        }
        Err(err) => {
            // Not a failure of the jobs: the server does not take the
            // request (an older release, a proxy). Each job is read with
            // its own GET, and, when the request itself is refused, from
            // now on.
            if matches!(err.status().map(|s| s.as_u16()), Some(400 | 404 | 405)) {
                tracing::debug!(error = %err, "jobs cannot be read together here; reading each alone");
                conn.inner().jobs.alone.store(true, Ordering::Relaxed);
            }
            for read in reads {
                answer_alone(&conn, read);
            }
            return;
        }
    };
    let mut found: HashMap<String, JobStatus> = HashMap::with_capacity(page.records.len());
    for status in page.records {
        if let Some(uuid) = status.uuid.clone() {
            found.insert(uuid, status);
        }
    }
    for read in reads {
        match found.get(&read.uuid) {
            Some(status) => {
                let _ = read.reply.send(Ok(status.clone()));
            }
            // Not listed: gone, or not listed for another reason. Its own
            // GET tells (404 is gone).
            None => answer_alone(&conn, read),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(uuid: &str, earliest: Instant) -> (Read, oneshot::Receiver<Result<JobStatus, Error>>) {
        let (reply, answer) = oneshot::channel();
        (
            Read {
                uuid: uuid.into(),
                earliest,
                reply,
                span: tracing::Span::none(),
            },
            answer,
        )
    }

    #[test]
    fn open_windows_are_taken_most_urgent_first_and_dropped_waits_skipped() {
        let now = Instant::now();
        let later = now + std::time::Duration::from_secs(5);
        let mut state = State::default();
        let mut answers = Vec::new();
        for (i, (uuid, earliest, latest)) in [
            ("b", now, later),
            ("a", now, now),
            ("closed", now, now),
            ("not-yet", later, later),
        ]
        .into_iter()
        .enumerate()
        {
            let (read, answer) = read(uuid, earliest);
            state.pending.insert((latest, i as u64), read);
            answers.push(answer);
        }
        drop(answers.remove(2));
        let taken: Vec<String> = take(&mut state, now).into_iter().map(|r| r.uuid).collect();
        assert_eq!(taken, ["a", "b"]);
        assert_eq!(
            state.pending.len(),
            1,
            "the dropped wait is gone, the closed window stays"
        );
    }

    #[test]
    fn only_plain_job_links_are_read_together() {
        let link = |uuid: &str, href: Option<&str>| {
            let links = href.map(|href| format!(r#","_links":{{"self":{{"href":"{href}"}}}}"#));
            serde_json::from_str::<JobLink>(&format!(r#"{{"uuid":"{uuid}"{}}}"#, links.unwrap_or_default())).unwrap()
        };
        assert!(batchable(&link("0b9e-11ef", None)));
        assert!(batchable(&link("0b9e", Some("/api/cluster/jobs/0b9e"))));
        assert!(!batchable(&link("a|b", None)), "a filter operator");
        assert!(!batchable(&link("a*", None)));
        assert!(!batchable(&link("0b9e", Some("/api/other/jobs/0b9e"))));
        assert!(!batchable(&link("", None)));
    }
}
