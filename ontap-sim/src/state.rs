//! The state one simulator shares between its connections and background tasks.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::task::JoinSet;

use crate::auth::Logins;
use crate::download::DownloadStatus;
use crate::faults::Faults;
use crate::inventory::Locked;
use crate::jobs::JobStore;
use crate::requests::RequestLog;
use crate::server::Connections;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub username: String,
    pub password: String,
    pub retention: Duration,
    pub download_rate: Option<u64>,
    pub download_time_limit: Duration,
    pub cluster_name: String,
    /// The two nodes; downloads and jobs run on the first.
    pub node_names: [String; 2],
    pub cluster_svm_uuid: String,
    /// How long a create, modify or delete job runs.
    pub job_duration: Duration,
    /// How long a software upgrade runs.
    pub upgrade_duration: Duration,
    /// The version of a downloaded package whose file name has none; `None`: the release
    /// after the one the cluster runs at the time.
    pub next_version: Option<crate::version::Release>,
}

/// Everything the request handlers and the jobs share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    pub jobs: JobStore,
    /// The records of every resource the hand-written handlers do not serve.
    pub engine: crate::engine::Engine,
    pub download: Mutex<DownloadStatus>,
    pub inventory: Locked,
    pub requests: RequestLog,
    /// The ways in: Basic, the bearer tokens issued, the client certificates' CA.
    pub logins: Logins,
    /// The connection counters of the accept loop.
    pub connections: Connections,
    pub faults: Faults,
    pub http: reqwest::Client,
    /// Background work (downloads, the purger): aborted when the simulator stops.
    pub tasks: Mutex<JoinSet<()>>,
    /// The contents of volume files written through the API, by volume UUID and path.
    pub files: Mutex<std::collections::HashMap<(String, String), Vec<u8>>>,
}

/// Locks a mutex, ignoring poisoning (a panicking task must not take the simulator down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Spawns background work that stops with the simulator.
    pub fn spawn<F>(&self, fut: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(fut);
    }

    /// Stops all background work.
    pub fn abort_tasks(&self) {
        lock(&self.tasks).abort_all();
    }
}
