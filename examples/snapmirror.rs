//! A SnapMirror relationship between two volumes: a source volume and a
//! data-protection (`dp`) destination created when missing, the relationship
//! created, initialized (its baseline transfer) and updated, then its state
//! and transfers read back.
//!
//! With no arguments it runs against a simulator started in-process (both
//! volumes in SVM `vs0`). Against a real cluster, run it on the destination's
//! cluster; a source on another cluster needs its cluster and SVM peered first:
//!
//! ```text
//! cargo run --example snapmirror --features snapmirror -- --host cluster.example.com \
//!     --username admin --password '...' --source vs1:app_data --destination vs1_dr:app_data_dst --insecure
//! ```
//!
//! The idiom to copy: endpoints named by path (`svm:volume`); the initialize
//! started with `poll(false)` and its job waited on through the handle the
//! answer carries, with progress; `wait_until` to read the relationship until
//! it is idle before the next transfer.
//!
//! What the simulator does not do that ONTAP does: it stores the relationship
//! as given, so a new one has no state until the initialize sets
//! `snapmirrored` (ONTAP shows `uninitialized`, then `transferring`); it copies
//! no data, its transfers never progress (no `state`, no bytes), and it reports
//! neither `healthy` nor `lag_time`. It does not check that the destination is
//! a `dp` volume or that the SVMs are peered.

mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{
    SnapmirrorEndpoint, SnapmirrorRelationship, SnapmirrorRelationshipState, SnapmirrorSourceEndpoint,
    SnapmirrorTransfer, SvmReference, TransferState, Volume, VolumeType,
};
use ontap::{CallOptions, PollOptions, Query};

/// Mirror a volume with SnapMirror on an ONTAP cluster (or on a simulator
/// started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "snapmirror")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The source, `svm:volume` (created when missing).
    #[arg(long, default_value = "vs0:sm_source")]
    source: String,
    /// The destination, `svm:volume` (created as a `dp` volume when missing).
    #[arg(long, default_value = "vs0:sm_source_dst")]
    destination: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse()).await.map(|_| ()))
}

/// Creates a volume `svm:name` of `kind` unless it exists.
async fn ensure_volume(conn: &ontap::HostConnection, path: &str, kind: VolumeType) -> Result<(), BoxError> {
    let (svm, name) = path.split_once(':').ok_or("an endpoint is svm:volume")?;
    if Volume::find(conn, Query::new().filter("svm.name", svm).filter("name", name))
        .await?
        .is_none()
    {
        let mut volume = Volume {
            name: Some(name.into()),
            svm: Some(SvmReference {
                name: Some(svm.into()),
                ..Default::default()
            }),
            size: Some(1 << 30),
            type_: Some(kind),
            ..Default::default()
        };
        volume.post(conn).await?;
        println!("Created volume {path}");
    }
    Ok(())
}

/// Runs the flow; returns the relationship as read at the end (and the
/// target, whose simulator lives on with it).
async fn run(args: Args) -> Result<(SnapmirrorRelationship, Target), BoxError> {
    let target = Target::new(args.cluster, |sim| sim).await?;
    let conn = &target.conn;
    ensure_volume(conn, &args.source, VolumeType::Rw).await?;
    ensure_volume(conn, &args.destination, VolumeType::Dp).await?;

    // 1. The relationship, found by its destination or created (a job).
    let to_destination = Query::new().filter("destination.path", &args.destination);
    let mut relationship = match SnapmirrorRelationship::find(conn, to_destination).await? {
        Some(existing) => existing,
        None => {
            let mut created = SnapmirrorRelationship {
                source: Some(SnapmirrorSourceEndpoint {
                    path: Some(args.source.clone()),
                    ..Default::default()
                }),
                destination: Some(SnapmirrorEndpoint {
                    path: Some(args.destination.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            };
            created.post(conn).await?;
            created
        }
    };
    let uuid = relationship
        .uuid
        .clone()
        .ok_or("the cluster did not say the relationship's UUID")?;
    println!("Relationship {} -> {} ({uuid})", args.source, args.destination);

    // 2. Initialize: a PATCH to `snapmirrored`; its job is handed back and followed.
    let snapmirrored = Some(SnapmirrorRelationshipState::Snapmirrored);
    let waits = PollOptions::default().on_progress(|job| println!("  {}", job.message.as_deref().unwrap_or("")));
    if relationship.state != snapmirrored {
        let mut initialize = SnapmirrorRelationship {
            uuid: Some(uuid.clone()),
            state: snapmirrored.clone(),
            ..Default::default()
        };
        let response = initialize.patch_with(conn, CallOptions::default().poll(false)).await?;
        if let Some(job) = response.job() {
            job.wait(conn, &waits).await?.into_result(&job.uuid)?;
        }
    }
    // The baseline goes on after the job: read the relationship until it is
    // mirrored and no transfer is queued or running.
    let idle = |r: &SnapmirrorRelationship| {
        let transfer = r.transfer.as_ref().and_then(|t| t.state.as_ref());
        r.state == snapmirrored && !matches!(transfer, Some(TransferState::Queued | TransferState::Transferring))
    };
    relationship.wait_until(conn, &waits, idle).await?;

    // 3. An update: a transfer of what changed since the last one.
    let mut update = SnapmirrorTransfer::default();
    update
        .post_with(conn, CallOptions::default().parent("relationship.uuid", &uuid))
        .await?;
    relationship.wait_until(conn, &waits, idle).await?;

    // 4. What the cluster says now.
    let fields = ["source.path", "destination.path", "state", "healthy", "lag_time"];
    let relationship = SnapmirrorRelationship::fetch_with(conn, uuid.as_str(), &Query::new().fields(fields)).await?;
    println!("{relationship}");
    let transfers = Query::new()
        .parent("relationship.uuid", &uuid)
        .fields(["state", "bytes_transferred"]);
    let mut transfers = SnapmirrorTransfer::get_collection(conn, transfers);
    while let Some(transfer) = transfers.try_next().await? {
        println!("  {transfer}");
    }
    Ok((relationship, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_mirrors_the_volume() {
        let args = Args::try_parse_from(["snapmirror", "--timeout", "30"]).unwrap();
        let (relationship, target) = run(args).await.expect("the offline flow succeeds");
        let conn = &target.conn;
        assert_eq!(relationship.state, Some(SnapmirrorRelationshipState::Snapmirrored));
        assert_eq!(
            relationship.source.and_then(|s| s.path).as_deref(),
            Some("vs0:sm_source")
        );
        assert_eq!(
            relationship.destination.and_then(|d| d.path).as_deref(),
            Some("vs0:sm_source_dst")
        );
        let uuid = relationship.uuid.unwrap();
        let transfers = Query::new().parent("relationship.uuid", &uuid);
        assert_eq!(SnapmirrorTransfer::count_collection(conn, transfers).await.unwrap(), 1);
        let destination = Query::new().filter("name", "sm_source_dst").fields(["type"]);
        let destination = Volume::find(conn, destination).await.unwrap().unwrap();
        assert_eq!(destination.type_, Some(VolumeType::Dp));
        let relationships = SnapmirrorRelationship::count_collection(conn, Query::new())
            .await
            .unwrap();
        assert_eq!(relationships, 1);
    }
}
