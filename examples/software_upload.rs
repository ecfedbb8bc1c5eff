//! A software package uploaded to the cluster's repository, for a cluster that
//! cannot reach a web server to download it from: the package file is sent in
//! a multipart form as it is read (never whole in memory), with a progress bar
//! of the bytes sent; then the upload's job is waited for and the repository
//! listed.
//!
//! With no arguments it writes a 24 MiB package file to a temporary directory
//! and uploads it to a simulator started in-process (a cluster on 9.15.1).
//! Against a real cluster:
//!
//! ```text
//! cargo run --example software_upload -- --host cluster.example.com --username admin \
//!     --password '...' --file ./ontap-9.16.1-image.tgz --insecure
//! ```

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use ontap::prelude::*;
use ontap::resources::SoftwarePackage;
use ontap::{Query, Upload};

/// Upload a software package to an ONTAP cluster (or to a simulator started
/// in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "software_upload")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// The package file to upload (offline: a generated one).
    #[arg(long, env = "ONTAP_PACKAGE_FILE")]
    file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse(), true).await.map(|_| ()))
}

/// Uploads the package; returns the versions in the repository at the end.
async fn run(args: Args, show_progress: bool) -> Result<Vec<String>, BoxError> {
    let offline = args.cluster.host.is_none();
    let target = Target::new(args.cluster, |sim| sim.cluster_version("9.15.1")).await?;
    // An upload of a large package takes longer than one ordinary request.
    let conn = target.conn.with_timeout(Duration::from_secs(3600));

    let scratch = std::env::temp_dir().join(format!("ontap-upload-{}", std::process::id()));
    let file = match args.file {
        Some(file) => file,
        None if offline => {
            std::fs::create_dir_all(&scratch)?;
            let file = scratch.join(common::PACKAGE_NAME);
            std::fs::write(&file, common::package_bytes())?;
            file
        }
        None => return Err("--file (or ONTAP_PACKAGE_FILE) is needed with --host: the package to upload".into()),
    };
    let size = std::fs::metadata(&file)?.len();

    let bar = if show_progress {
        ProgressBar::new(size)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    )?);
    bar.set_message(format!("uploading {}", file.display()));
    let sent = bar.clone();
    let result = Upload::post("/cluster/software/upload")
        .on_progress(move |bytes| sent.set_position(bytes))
        .send_file(&conn, &file)
        .await;
    let _ = std::fs::remove_dir_all(&scratch);
    match &result {
        Ok(_) => bar.finish_with_message("uploaded; the cluster processed the package"),
        Err(_) => bar.abandon(),
    }
    let response = result?;
    if let Some(status) = response.job_status() {
        println!("Job: {}", status.message.as_deref().unwrap_or("done"));
    }

    let packages: Vec<SoftwarePackage> = SoftwarePackage::get_collection(&conn, Query::new().fields(["version"]))
        .try_collect()
        .await?;
    let versions: Vec<String> = packages.into_iter().filter_map(|p| p.version).collect();
    println!("In the repository: {}", versions.join(", "));
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_uploads_the_package() {
        let args = Args::try_parse_from(["software_upload"]).unwrap();
        let versions = run(args, false).await.expect("the offline upload succeeds");
        assert!(versions.iter().any(|v| v == "9.16.1"), "{versions:?}");
    }
}
