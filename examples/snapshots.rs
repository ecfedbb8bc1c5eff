//! Snapshots of a volume: take a few, list them oldest first, restore the
//! volume to the newest, delete the oldest, and list what is left.
//!
//! The restore is ONTAP's: a PATCH of the volume with the query parameter
//! `restore_to.snapshot.name` (typed as `VolumePatchParams`). It replaces the
//! volume's contents with the snapshot's, so the example works on a volume of
//! its own, created when missing (`--volume`, `snap_demo` by default).
//!
//! With no arguments it runs against a simulator started in-process. Against a
//! real cluster:
//!
//! ```text
//! cargo run --example snapshots -- --host cluster.example.com --username admin \
//!     --password '...' --svm vs1 --volume snap_demo --insecure
//! ```
//!
//! The idiom to copy: a nested collection (`Snapshot`, below its volume)
//! addressed with `CallOptions::parent` / `Query::parent`; an operation's
//! typed query parameters in `CallOptions::with`; a job started with
//! `poll(false)` and waited on through the handle the answer carries; a typed
//! error (`is_not_found`) where a missing object is an answer, not a failure.
//!
//! The simulator accepts the restore and runs its job, but nothing in it
//! changes: it holds no file data to roll back.

mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{Snapshot, SvmReference, Volume, VolumePatchParams};
use ontap::{CallOptions, Order, PollOptions, Query};

/// Take, list, restore and delete snapshots of a volume on an ONTAP cluster
/// (or on a simulator started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "snapshots")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The volume's SVM.
    #[arg(long, default_value = "vs0")]
    svm: String,
    /// The volume (created when missing); it is restored to a snapshot.
    #[arg(long, default_value = "snap_demo")]
    volume: String,
    /// How many snapshots to take.
    #[arg(long, default_value_t = 3)]
    count: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse()).await.map(|_| ()))
}

/// Runs the flow; returns the volume's UUID, the names of the snapshots
/// taken (oldest first) and the target, whose simulator lives on with it.
async fn run(args: Args) -> Result<(String, Vec<String>, Target), BoxError> {
    let target = Target::new(args.cluster, |sim| sim).await?;
    let conn = &target.conn;

    let named = Query::new().filter("svm.name", &args.svm).filter("name", &args.volume);
    let volume = match Volume::find(conn, named).await? {
        Some(volume) => volume,
        None => {
            let svm = SvmReference {
                name: Some(args.svm.clone()),
                ..Default::default()
            };
            let mut volume = Volume {
                name: Some(args.volume.clone()),
                svm: Some(svm),
                size: Some(1 << 30),
                ..Default::default()
            };
            volume.post(conn).await?;
            volume
        }
    };
    let uuid = volume.uuid.clone().ok_or("the cluster did not say the volume's UUID")?;

    // 1. Take the snapshots: each create is a job, waited for.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let mut taken = Vec::new();
    for i in 1..=args.count {
        let mut snapshot = Snapshot {
            name: Some(format!("demo_{stamp}_{i}")),
            comment: Some("taken by the snapshots example".into()),
            ..Default::default()
        };
        snapshot
            .post_with(conn, CallOptions::default().parent("volume.uuid", &uuid))
            .await?;
        taken.extend(snapshot.name);
    }

    // 2. List them, oldest first.
    let listed = Query::new()
        .parent("volume.uuid", &uuid)
        .fields(["name", "create_time"]);
    let snapshots: Vec<Snapshot> = Snapshot::get_collection(conn, listed.clone().order_by("create_time", Order::Asc))
        .try_collect()
        .await?;
    for s in &snapshots {
        let created = s.create_time.as_ref().map(ToString::to_string).unwrap_or_default();
        println!("{:<32} {created}", s.name.as_deref().unwrap_or("?"));
    }

    // 3. Restore the volume to the newest snapshot taken; the PATCH's job is
    // handed back and waited on here.
    let newest = taken.last().ok_or("no snapshot was taken (--count 0)")?;
    let restore = VolumePatchParams {
        restore_to_snapshot_name: Some(newest.clone()),
        ..Default::default()
    };
    let mut restoring = Volume {
        uuid: Some(uuid.clone()),
        ..Default::default()
    };
    let response = restoring
        .patch_with(conn, CallOptions::with(restore).poll(false))
        .await?;
    if let Some(job) = response.job() {
        let outcome = job.wait(conn, &PollOptions::default()).await?;
        outcome.into_result(&job.uuid)?;
    }
    println!("Restored {} to {newest}", args.volume);

    // 4. Delete the oldest snapshot taken, then ask for it: a 404 is the answer wanted.
    let oldest = snapshots.iter().find(|s| s.name.as_ref() == taken.first());
    let oldest = oldest.ok_or("the first snapshot taken is not listed")?;
    oldest
        .delete_with(conn, CallOptions::default().parent("volume.uuid", &uuid))
        .await?;
    let snapshot_uuid = oldest.uuid.clone().unwrap_or_default();
    match Snapshot::fetch(conn, [uuid.as_str(), snapshot_uuid.as_str()]).await {
        Err(err) if err.is_not_found() => println!("Deleted {}", taken[0]),
        Err(err) => return Err(err.into()),
        Ok(_) => return Err(format!("{} is still there after its delete", taken[0]).into()),
    }
    let left = Snapshot::count_collection(conn, listed).await?;
    println!("{left} snapshot(s) left on {}", args.volume);
    Ok((uuid, taken, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_takes_restores_and_deletes() {
        let args = Args::try_parse_from(["snapshots", "--timeout", "30"]).unwrap();
        let (uuid, taken, target) = run(args).await.expect("the offline flow succeeds");
        assert_eq!(taken.len(), 3);
        let left: Vec<Snapshot> = Snapshot::get_collection(&target.conn, Query::new().parent("volume.uuid", &uuid))
            .try_collect()
            .await
            .unwrap();
        let mut names: Vec<&str> = left.iter().filter_map(|s| s.name.as_deref()).collect();
        names.sort();
        assert_eq!(names, [&taken[1], &taken[2]], "the oldest is gone, the others stay");
        let restored = target
            .simulator
            .as_ref()
            .unwrap()
            .0
            .requests()
            .into_iter()
            .find(|r| r.method == "PATCH");
        let query = restored.expect("the restore was sent").query.unwrap_or_default();
        assert!(
            query.contains(&format!("restore_to.snapshot.name={}", taken[2])),
            "{query}"
        );
    }
}
