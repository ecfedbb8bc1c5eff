//! A cluster upgrade, end to end: download a package, confirm it is in the
//! cluster's repository, validate it, start the upgrade, wait for its job
//! with a progress bar and for the software to settle, and print the new
//! version.
//!
//! With no arguments it runs against a simulator started in-process (a
//! cluster on 9.15.1, upgraded to 9.16.1; `--simulated-release 9.8` starts it
//! on another release). Against a real cluster:
//!
//! ```text
//! cargo run --example upgrade -- --host cluster.example.com --username admin \
//!     --password '...' --url http://server/image.tgz --version 9.16.1 --insecure
//! ```

mod common;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use ontap::prelude::*;
use ontap::resources::{
    Cluster, Software, SoftwarePackage, SoftwarePackageDownload, SoftwareState, SoftwareValidationStatus,
};
use ontap::{CallOptions, Error, PollOptions, Query};

/// Upgrade an ONTAP cluster to a downloaded package (or a simulator started
/// in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "upgrade")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The version the package holds, e.g. 9.16.1.
    #[arg(long = "version", env = "ONTAP_VERSION", default_value = "9.16.1")]
    target_version: String,
    /// Skip the download when the package is already in the repository.
    #[arg(long)]
    skip_download: bool,
    /// The release the in-process simulator runs before the upgrade (without
    /// `--host`), e.g. 9.8.
    #[arg(long, default_value = "9.15.1")]
    simulated_release: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse(), true).await.map(|_| ()))
}

/// Runs the upgrade; returns the version the cluster runs at the end.
async fn run(args: Args, show_progress: bool) -> Result<String, BoxError> {
    let version = args.target_version;
    let simulated = args.simulated_release;
    let target = Target::new(args.cluster, |sim| {
        sim.cluster_version(simulated).upgrade_duration(Duration::from_secs(4))
    })
    .await?;
    let conn = &target.conn;

    let mut cluster = Cluster::default();
    cluster.get(conn).await?;
    let running = cluster
        .version
        .as_ref()
        .and_then(|v| v.full.clone())
        .unwrap_or_default();
    println!("Cluster {} runs {running}", cluster.name.as_deref().unwrap_or("?"));

    // 1. Download the package, unless it is there already.
    let in_repository = || Query::new().filter("version", &version);
    if args.skip_download && SoftwarePackage::find(conn, in_repository()).await?.is_some() {
        println!("Package {version} is already in the repository");
    } else {
        let mut download = SoftwarePackageDownload {
            url: Some(target.package_url()?),
            username: target.package_username.clone(),
            password: target.package_password.clone().map(Into::into),
            ..Default::default()
        };
        let bar = common::progress_bar(show_progress)?;
        let result = download
            .post_with(
                conn,
                CallOptions::default()
                    .return_timeout(0)
                    .on_progress(common::follow(&bar)),
            )
            .await;
        bar.finish_and_clear();
        result?;
        println!("Downloaded {}", target.package_url()?);
    }

    // 2. Confirm it is listed.
    let package = SoftwarePackage::find(conn, in_repository())
        .await?
        .ok_or_else(|| format!("package {version} is not in the cluster's repository after the download"))?;
    println!("{package}");

    // 3. Validate: the checks run as a job; their findings are on the software.
    let mut software = Software {
        version: Some(version.clone()),
        ..Default::default()
    };
    software
        .patch_with(conn, CallOptions::default().param("validate_only", true))
        .await?;
    let mut checked = Software::default();
    checked.get(conn).await?;
    for result in checked.validation_results.iter().flatten() {
        let issue = result.issue.as_ref().and_then(|i| i.message.as_deref()).unwrap_or("");
        println!(
            "  {}: {}: {issue}",
            result.update_check.as_deref().unwrap_or("check"),
            result.status.as_ref().map_or("?", |s| s.as_str()),
        );
    }
    let errors = checked
        .validation_results
        .iter()
        .flatten()
        .filter(|r| r.status == Some(SoftwareValidationStatus::Error))
        .count();
    if errors > 0 {
        return Err(format!("validation found {errors} error(s); not upgrading").into());
    }

    // 4. Start the upgrade (warnings were read above) and wait for it.
    let bar = common::progress_bar(show_progress)?;
    let upgrade = CallOptions::default()
        .param("skip_warnings", true)
        .on_progress(common::follow(&bar));
    let result = software.patch_with(conn, upgrade).await;
    bar.finish_and_clear();
    match result {
        Ok(_) => {}
        Err(Error::PollTimeout { .. }) => {
            return Err("the upgrade is still running; follow it with GET /api/cluster/software".into());
        }
        Err(err) => return Err(err.into()),
    }

    // 5. The upgrade goes on after its job: nodes install and reboot in
    // turn. Read the software until it settles; reads that fail while a
    // node reboots are ridden out.
    let mut settled = Software::default();
    let options = PollOptions::default().on_retry(|err| eprintln!("  still upgrading ({err})"));
    settled
        .wait_until(conn, &options, |s| {
            matches!(
                s.state,
                Some(
                    SoftwareState::Completed
                        | SoftwareState::Failed
                        | SoftwareState::Canceled
                        | SoftwareState::PausedOnError
                )
            )
        })
        .await?;
    if settled.state != Some(SoftwareState::Completed) {
        return Err(format!("the upgrade ended {:?}", settled.state).into());
    }

    // 6. The new version.
    let mut upgraded = Cluster::default();
    upgraded.get(conn).await?;
    let now = upgraded
        .version
        .as_ref()
        .and_then(|v| v.full.clone())
        .unwrap_or_default();
    println!("Cluster {} now runs {now}", upgraded.name.as_deref().unwrap_or("?"));
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_upgrades_the_simulated_cluster() {
        let args = Args::try_parse_from(["upgrade", "--timeout", "60"]).unwrap();
        let version = run(args, false).await.expect("the offline upgrade succeeds");
        assert!(version.contains("9.16.1"), "{version}");
    }

    /// From 9.8, a release without job errors: every job is waited on with the
    /// fields 9.8 has, and nothing the flow sends is newer than the cluster.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_upgrades_a_simulated_9_8_cluster() {
        let args = Args::try_parse_from(["upgrade", "--timeout", "60", "--simulated-release", "9.8"]).unwrap();
        let version = run(args, false).await.expect("the offline upgrade from 9.8 succeeds");
        assert!(version.contains("9.16.1"), "{version}");
    }
}
