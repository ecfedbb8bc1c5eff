//! A health check of several clusters at once, on one runtime: each
//! cluster's name and version, its nodes that are not up, and its failed
//! jobs, one line per cluster as the checks finish. At most `--concurrency`
//! clusters are checked at a time (`buffer_unordered`); a cluster that cannot
//! be checked (a wrong password, an unreachable address) is reported with the
//! kind of failure, and the others go on. The exit status is a failure when
//! any cluster could not be checked or has a node down.
//!
//! With no arguments it starts three simulators in-process (on 9.19.1,
//! 9.16.1 and 9.13.1, with some failed jobs) and checks them, plus the first
//! with a wrong password and a closed port, which fail on purpose. Against
//! real clusters (the same account on each):
//!
//! ```text
//! cargo run --example fleet_check -- --host cluster1.example.com --host cluster2.example.com \
//!     --username admin --password '...' --insecure
//! ONTAP_HOSTS=cluster1,cluster2,cluster3 cargo run --example fleet_check -- --password '...'
//! ```
//!
//! The idiom to copy: one `HostConnection` per cluster, each call bounded by
//! `with_deadline`; a stream of checks run with `buffer_unordered`; the typed
//! error's `kind()` to say why a cluster failed.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::{StreamExt, TryStreamExt};
use ontap::prelude::*;
use ontap::resources::{Cluster, Job, Node, NodeState};
use ontap::{HostConnection, Query};

/// Check the health of several ONTAP clusters (or of simulators started
/// in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "fleet_check")]
struct Args {
    /// The clusters' management addresses: `--host` given several times, or a
    /// comma-separated list.
    #[arg(long = "host", env = "ONTAP_HOSTS", value_delimiter = ',')]
    hosts: Vec<String>,
    /// The clusters' HTTPS port.
    #[arg(long, env = "ONTAP_PORT")]
    port: Option<u16>,
    /// The user, the same on every cluster.
    #[arg(long, env = "ONTAP_USERNAME", default_value = "admin")]
    username: String,
    /// The user's password.
    #[arg(long, env = "ONTAP_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Accept the clusters' certificates without verifying them.
    #[arg(long, env = "ONTAP_INSECURE")]
    insecure: bool,
    /// How many clusters to check at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The longest one request may take, retries included, in seconds.
    #[arg(long, default_value_t = 30)]
    deadline: u64,
}

/// What one cluster says about itself.
#[derive(Debug)]
struct Health {
    name: String,
    version: String,
    nodes: usize,
    nodes_not_up: Vec<String>,
    failed_jobs: u64,
}

/// Reads one cluster's name, version, nodes and failed jobs.
async fn check(conn: &HostConnection) -> Result<Health, ontap::Error> {
    let mut cluster = Cluster::default();
    cluster
        .get_with(conn, &Query::new().fields(["name", "version"]))
        .await?;
    let nodes: Vec<Node> = Node::get_collection(conn, Query::new().fields(["name", "state"]))
        .try_collect()
        .await?;
    let failed_jobs = Job::count_collection(conn, Query::new().filter("state", "failure")).await?;
    let not_up = nodes.iter().filter(|n| n.state != Some(NodeState::Up));
    Ok(Health {
        name: cluster.name.unwrap_or_default(),
        version: cluster.version.and_then(|v| v.full).unwrap_or_default(),
        nodes: nodes.len(),
        nodes_not_up: not_up.filter_map(|n| n.name.clone()).collect(),
        failed_jobs,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse()).await.and_then(|(results, _)| {
        let bad = results
            .iter()
            .filter(|(_, r)| r.as_ref().map_or(true, |h| !h.nodes_not_up.is_empty()));
        match bad.count() {
            0 => Ok(()),
            n => Err(format!("{n} of {} clusters failed their check", results.len()).into()),
        }
    }))
}

/// A target to check: a label and a connection.
type Check = (String, HostConnection);

/// Checks every cluster; returns each one's outcome in the order they
/// finished (and the simulators, kept alive with their targets).
async fn run(args: Args) -> Result<(Vec<(String, Result<Health, ontap::Error>)>, Vec<Target>), BoxError> {
    let (targets, simulators) = if args.hosts.is_empty() {
        simulated(&args).await?
    } else {
        real(&args).await?
    };
    let deadline = Duration::from_secs(args.deadline);
    let mut checks = futures::stream::iter(targets)
        .map(|(label, conn)| async move { (label, check(&conn.with_deadline(deadline)).await) })
        .buffer_unordered(args.concurrency.max(1));
    let mut results = Vec::new();
    while let Some((label, result)) = checks.next().await {
        match &result {
            Ok(h) if h.nodes_not_up.is_empty() => println!(
                "{label}: {} runs {}; {} nodes up; {} failed jobs",
                h.name, h.version, h.nodes, h.failed_jobs
            ),
            Ok(h) => println!("{label}: {}: nodes not up: {}", h.name, h.nodes_not_up.join(", ")),
            Err(err) => println!("{label}: not checked ({:?}): {}", err.kind(), common::chain(err)),
        }
        results.push((label, result));
    }
    Ok((results, simulators))
}

/// One connection per host, with the shared options.
async fn real(args: &Args) -> Result<(Vec<Check>, Vec<Target>), BoxError> {
    let mut targets = Vec::new();
    for host in &args.hosts {
        let cluster = cluster_args(Some(host.clone()), args);
        targets.push((host.clone(), Target::new(cluster, |sim| sim).await?.conn));
    }
    Ok((targets, Vec::new()))
}

/// The options of one cluster, as the other examples take them.
fn cluster_args(host: Option<String>, args: &Args) -> ClusterArgs {
    ClusterArgs {
        host,
        port: args.port,
        username: args.username.clone(),
        password: args.password.clone(),
        url: None,
        package_username: None,
        package_password: None,
        insecure: args.insecure,
        timeout: args.deadline,
    }
}

/// Three simulators, then two targets that fail on purpose.
async fn simulated(args: &Args) -> Result<(Vec<Check>, Vec<Target>), BoxError> {
    let (mut targets, mut simulators) = (Vec::new(), Vec::new());
    for (i, release) in ["9.19.1", "9.16.1", "9.13.1"].into_iter().enumerate() {
        let cluster = cluster_args(None, args);
        let target = Target::new(cluster, |sim| sim.cluster_version(release).seed_jobs(10 * i)).await?;
        targets.push((format!("simulator {}", i + 1), target.conn.clone()));
        simulators.push(target);
    }
    let (first, _) = simulators[0].simulator.as_ref().ok_or("no simulator")?;
    let wrong = common::simulator_connection(
        first,
        first.username(),
        "not-the-password",
        Duration::from_secs(args.deadline),
    )?;
    targets.push(("simulator 1, wrong password".into(), wrong));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port(); // closed once dropped
    let nobody = HostConnection::builder("127.0.0.1").port(closed).build()?;
    targets.push((format!("127.0.0.1:{closed}, nothing listening"), nobody));
    Ok((targets, simulators))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ontap::ErrorKind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_cluster_is_reported_and_failures_do_not_stop_the_others() {
        let args = Args::try_parse_from(["fleet_check", "--concurrency", "2"]).unwrap();
        let (results, simulators) = run(args).await.expect("the run itself succeeds");
        assert_eq!(results.len(), 5);
        let outcome = |label: &str| &results.iter().find(|(l, _)| l.starts_with(label)).unwrap().1;
        for (i, target) in simulators.iter().enumerate() {
            let health = outcome(&format!("simulator {}", i + 1))
                .as_ref()
                .expect("a simulator is checked");
            let mut cluster = Cluster::default();
            cluster.get(&target.conn).await.unwrap();
            assert_eq!(Some(&health.version), cluster.version.and_then(|v| v.full).as_ref());
            let failures = Job::count_collection(&target.conn, Query::new().filter("state", "failure"));
            assert_eq!(health.failed_jobs, failures.await.unwrap());
            let nodes = Node::count_collection(&target.conn, Query::new().filter("state", "up"));
            assert_eq!(health.nodes as u64, nodes.await.unwrap());
        }
        let wrong = outcome("simulator 1, wrong password").as_ref().unwrap_err();
        assert_eq!(wrong.kind(), ErrorKind::Auth);
        let nobody = outcome("127.0.0.1:").as_ref().unwrap_err();
        assert_eq!(nobody.kind(), ErrorKind::Transport);
    }
}
