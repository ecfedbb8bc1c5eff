//! The software download, end to end: the three flows of NetApp's
//! documentation page for `/cluster/software/download`.
//!
//! 1. POST the download (url, username, password) and wait for its job,
//!    with a progress bar, then print the resource;
//! 2. read the job by its uuid and print it;
//! 3. read the download status and print it.
//!
//! With no arguments it starts an ONTAP simulator (HTTPS, its self-signed
//! certificate trusted explicitly) and a package server on 127.0.0.1, so
//! it runs offline. With `--host` it runs against a real cluster:
//!
//! ```text
//! cargo run --example software_download -- --host cluster.example.com \
//!     --username admin --password '...' --url http://server/image.tgz --insecure
//! ```
//!
//! Every option also reads an environment variable (`ONTAP_HOST`,
//! `ONTAP_USERNAME`, `ONTAP_PASSWORD`, `ONTAP_URL`, `ONTAP_INSECURE`, ...).

mod common;

use std::process::ExitCode;

use clap::Parser;
use common::{BoxError, ClusterArgs, Target};
use ontap::CallOptions;
use ontap::prelude::*;
use ontap::resources::{Job, SoftwarePackageDownload};

/// Download a software package onto an ONTAP cluster (or onto a simulator
/// started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "software_download")]
struct Args {
    #[command(flatten)]
    cluster: ClusterArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit(run(Args::parse(), true).await)
}

/// The three flows. `show_progress` draws the bar.
async fn run(args: Args, show_progress: bool) -> Result<(), BoxError> {
    let target = Target::new(args.cluster, |sim| sim).await?;
    let conn = &target.conn;

    // Flow 1: start the download, wait for its job, print the resource.
    let mut download = SoftwarePackageDownload {
        url: Some(target.package_url()?),
        username: target.package_username.clone(),
        password: target.package_password.clone().map(Into::into),
        ..Default::default()
    };
    let bar = common::progress_bar(show_progress)?;
    let options = CallOptions::default()
        .hydrate(true)
        .return_timeout(0)
        .on_progress(common::follow(&bar));
    let result = download.post_with(conn, options).await;
    match &result {
        Ok(_) => bar.finish_with_message("download finished"),
        Err(_) => bar.abandon(),
    }
    let response = result?;
    println!("{download}");

    // Flow 2: read the job by its uuid.
    let uuid = response
        .job()
        .map(|job| job.uuid.clone())
        .ok_or("the server started no job")?;
    let mut job = Job {
        uuid: Some(uuid),
        ..Default::default()
    };
    job.get(conn).await?;
    println!("{job}");

    // Flow 3: read the download status.
    let mut status = SoftwarePackageDownload::default();
    status.get(conn).await?;
    println!("{status}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ontap_sim::Simulator;

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["software_download"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).expect("valid arguments")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_offline_run_downloads_through_the_simulator() {
        run(args(&["--timeout", "60"]), false)
            .await
            .expect("the offline run succeeds");
    }

    #[tokio::test]
    async fn an_unreachable_host_is_one_clear_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let argv = [
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--password",
            "x",
            "--url",
            "http://s/p.tgz",
        ];
        let text = common::chain(run(args(&argv), false).await.unwrap_err().as_ref());
        assert!(text.starts_with("POST /cluster/software/download"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[tokio::test]
    async fn a_wrong_password_and_a_bad_url_are_one_clear_error_each() {
        let sim = Simulator::builder().tls(true).start().await.unwrap();
        let port = sim.addr().port().to_string();
        let cluster = ["--host", "127.0.0.1", "--port", &port, "--insecure"];

        let wrong = [
            &cluster[..],
            &["--password", "not-the-password", "--url", "http://s/p.tgz"],
        ]
        .concat();
        let text = common::chain(run(args(&wrong), false).await.unwrap_err().as_ref());
        assert!(
            text.contains("HTTP 401") && text.contains("credentials were refused"),
            "{text}"
        );
        assert!(!text.contains("not-the-password"), "{text}");

        let bad_url = [
            &cluster[..],
            &["--password", sim.password(), "--url", "http//server/p.tgz"],
        ]
        .concat();
        let text = common::chain(run(args(&bad_url), false).await.unwrap_err().as_ref());
        assert!(text.contains("HTTP 400") && text.contains("39387137"), "{text}");
    }

    #[tokio::test]
    async fn a_missing_password_with_a_host_is_refused_before_any_request() {
        let err = run(args(&["--host", "cluster"]), false).await.unwrap_err();
        assert_eq!(err.to_string(), "--password (or ONTAP_PASSWORD) is needed with --host");
    }
}
