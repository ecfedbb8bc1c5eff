//! A volume exported over NFS: an export policy with a rule that lets one
//! client subnet mount read-write, a volume created with that policy at a
//! junction path, then what the cluster holds, read back.
//!
//! With no arguments it runs against a simulator started in-process (SVM
//! `vs0`, clients `192.0.2.0/24`). Against a real cluster:
//!
//! ```text
//! cargo run --example nfs_export --features protocols-nfs -- --host cluster.example.com \
//!     --username admin --password '...' --svm vs1 --clients 10.1.0.0/16 --volume projects --insecure
//! ```
//!
//! The idiom to copy: typed resources from `ontap::resources` built with only
//! the fields to send; `find` with a `Query` so that a second run reuses what
//! the first made; a nested collection (the policy's rules) addressed with
//! `CallOptions::parent`; `post_with(.., hydrate(true))`, which waits for the
//! create job and reads the new object back. The simulator keeps the policy,
//! rule and volume as ONTAP would; no NFS client can mount from it.

mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use ontap::prelude::*;
use ontap::resources::{
    ExportClients, ExportPolicy, ExportPolicyReference, ExportRoRule, ExportRule, ExportRwRule, ExportSuperuser,
    SvmReference, Volume, VolumeNas,
};
use ontap::{CallOptions, Query};

/// Create an NFS export on an ONTAP cluster (or on a simulator started
/// in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "nfs_export")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The SVM that serves NFS.
    #[arg(long, default_value = "vs0")]
    svm: String,
    /// The volume to create.
    #[arg(long, default_value = "nfs_data")]
    volume: String,
    /// The volume's size in GiB.
    #[arg(long, default_value_t = 1)]
    size_gib: i64,
    /// The export policy (created unless it exists).
    #[arg(long, default_value = "nfs_clients")]
    policy: String,
    /// The clients allowed to mount: a subnet, a host or a netgroup.
    #[arg(long, default_value = "192.0.2.0/24")]
    clients: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse()).await.map(|_| ()))
}

/// Creates the export; returns the volume and the policy's rules as the
/// cluster holds them at the end (and the target, to keep a simulator alive).
async fn run(args: Args) -> Result<(Volume, Vec<ExportRule>, Target), BoxError> {
    let target = Target::new(args.cluster, |sim| sim).await?;
    let conn = &target.conn;
    let svm = SvmReference {
        name: Some(args.svm.clone()),
        ..Default::default()
    };

    // 1. The export policy, found by SVM and name, or created (its id comes back).
    let named = Query::new().filter("svm.name", &args.svm).filter("name", &args.policy);
    let policy = match ExportPolicy::find(conn, named).await? {
        Some(policy) => policy,
        None => {
            let mut policy = ExportPolicy {
                name: Some(args.policy.clone()),
                svm: Some(svm.clone()),
                ..Default::default()
            };
            policy.post(conn).await?; // learns the new policy's id
            policy
        }
    };
    let id = policy.id.ok_or("the cluster did not say the policy's id")?;
    println!("Export policy {} (id {id})", args.policy);

    // 2. A rule for the clients, unless the policy has one: read-write over
    // AUTH_SYS, root squashed.
    let rules_of = || Query::new().parent("policy.id", id);
    let for_clients = rules_of().filter("clients.match", &args.clients);
    if ExportRule::find(conn, for_clients).await?.is_none() {
        let mut rule = ExportRule {
            clients: Some(vec![ExportClients {
                match_: Some(args.clients.clone()),
            }]),
            protocols: Some(vec!["nfs".into()]),
            ro_rule: Some(vec![ExportRoRule::Sys]),
            rw_rule: Some(vec![ExportRwRule::Sys]),
            superuser: Some(vec![ExportSuperuser::None]),
            ..Default::default()
        };
        rule.post_with(conn, CallOptions::default().parent("policy.id", id))
            .await?;
        println!("Rule {} for {}", rule.index.unwrap_or_default(), args.clients);
    }

    // 3. The volume, mounted at /<name> with the policy; the create is a job.
    let volume_named = || Query::new().filter("svm.name", &args.svm).filter("name", &args.volume);
    if Volume::find(conn, volume_named()).await?.is_none() {
        let export_policy = ExportPolicyReference {
            name: Some(args.policy.clone()),
            ..Default::default()
        };
        let mut volume = Volume {
            name: Some(args.volume.clone()),
            svm: Some(svm),
            size: Some(args.size_gib << 30),
            nas: Some(VolumeNas {
                path: Some(format!("/{}", args.volume)),
                export_policy: Some(export_policy),
                ..Default::default()
            }),
            ..Default::default()
        };
        volume.post_with(conn, CallOptions::default().hydrate(true)).await?;
        println!("Created volume {} ({})", args.volume, volume.uuid.unwrap_or_default());
    }

    // 4. What the cluster holds now.
    let volume = Volume::find(conn, volume_named().fields(["size", "state", "nas"]))
        .await?
        .ok_or("the volume is not there after its create")?;
    println!("{volume}");
    let rules: Vec<ExportRule> = ExportRule::get_collection(conn, rules_of().fields(["*"]))
        .try_collect()
        .await?;
    for rule in &rules {
        println!("{rule}");
    }
    Ok((volume, rules, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_exports_the_volume_to_the_subnet() {
        let args = Args::try_parse_from(["nfs_export", "--timeout", "30"]).unwrap();
        let (volume, rules, target) = run(args).await.expect("the offline export succeeds");
        let nas = volume.nas.expect("the volume reads back its NAS settings");
        assert_eq!(nas.path.as_deref(), Some("/nfs_data"));
        assert_eq!(nas.export_policy.and_then(|p| p.name).as_deref(), Some("nfs_clients"));
        assert_eq!(volume.size, Some(1 << 30));
        let clients: Vec<_> = rules
            .iter()
            .flat_map(|r| r.clients.clone().unwrap_or_default())
            .collect();
        assert_eq!(clients[0].match_.as_deref(), Some("192.0.2.0/24"));
        assert_eq!(clients.len(), 1);

        // A second run finds everything in place and changes nothing.
        let mut again = Args::try_parse_from(["nfs_export"]).unwrap();
        let (sim, _) = target.simulator.as_ref().unwrap();
        again.cluster.host = Some(sim.addr().ip().to_string());
        again.cluster.port = Some(sim.addr().port());
        again.cluster.password = Some(sim.password().into());
        again.cluster.insecure = true;
        let (_, rules_again, _) = run(again).await.expect("a second run succeeds");
        assert_eq!(rules_again, rules);
        let volumes = Volume::count_collection(&target.conn, Query::new().filter("name", "nfs_data"))
            .await
            .unwrap();
        assert_eq!(volumes, 1);
    }
}
