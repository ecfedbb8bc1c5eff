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

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use ontap::prelude::*;
use ontap::resources::{Job, SoftwarePackageDownload};
use ontap::{CallOptions, HostConnection, JobStatus};
use ontap_sim::{PackageServer, Simulator};

/// Download a software package onto an ONTAP cluster (or onto a simulator
/// started in-process when no host is given).
#[derive(Debug, Parser)]
#[command(name = "software_download")]
struct Args {
    /// The cluster's management address; without it, a simulator is started.
    #[arg(long, env = "ONTAP_HOST")]
    host: Option<String>,
    /// The cluster's HTTPS port.
    #[arg(long, env = "ONTAP_PORT")]
    port: Option<u16>,
    /// The cluster user.
    #[arg(long, env = "ONTAP_USERNAME", default_value = "admin")]
    username: String,
    /// The cluster user's password.
    #[arg(long, env = "ONTAP_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The package's HTTP, HTTPS or FTP address.
    #[arg(long, env = "ONTAP_URL")]
    url: Option<String>,
    /// The package server's user, if it asks for one.
    #[arg(long, env = "ONTAP_PACKAGE_USERNAME")]
    package_username: Option<String>,
    /// The package server's password.
    #[arg(long, env = "ONTAP_PACKAGE_PASSWORD", hide_env_values = true)]
    package_password: Option<String>,
    /// Accept the cluster's certificate without verifying it (a self-signed
    /// one), like `verify=False` in NetApp's Python examples.
    #[arg(long, env = "ONTAP_INSECURE")]
    insecure: bool,
    /// How long to wait for the download job, in seconds.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
}

/// The package the offline run serves and downloads.
const PACKAGE_NAME: &str = "ontap-9.16.1-image.tgz";
const PACKAGE_SIZE: usize = 24 * 1024 * 1024;
/// Slow enough to watch the progress bar, quick enough for a demo.
const SIMULATED_RATE: u64 = 6 * 1024 * 1024;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args, true).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", chain(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A target to download onto: a real cluster, or a simulator kept alive
/// for the run.
struct Target {
    conn: HostConnection,
    url: String,
    package_username: Option<String>,
    package_password: Option<String>,
    _simulator: Option<(Simulator, PackageServer)>,
}

async fn target(args: Args) -> Result<Target, BoxError> {
    let timeout = Duration::from_secs(args.timeout);
    let Some(host) = args.host else {
        return simulated(timeout).await;
    };
    let password = args
        .password
        .ok_or("--password (or ONTAP_PASSWORD) is needed with --host")?;
    let url = args
        .url
        .ok_or("--url (or ONTAP_URL) is needed with --host: the package's address")?;
    let mut builder = HostConnection::builder(host)
        .basic_auth(args.username, password)
        .verify(!args.insecure)
        .poll_interval(Duration::from_secs(5))
        .poll_timeout(timeout);
    if let Some(port) = args.port {
        builder = builder.port(port);
    }
    Ok(Target {
        conn: builder.build()?,
        url,
        package_username: args.package_username,
        package_password: args.package_password,
        _simulator: None,
    })
}

/// Starts a simulator and a package server on 127.0.0.1.
async fn simulated(timeout: Duration) -> Result<Target, BoxError> {
    let package: Vec<u8> = (0..PACKAGE_SIZE)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let packages = PackageServer::start([(PACKAGE_NAME, package)], Some(("pkg-user", "pkg-secret"))).await?;
    let simulator = Simulator::builder()
        .tls(true)
        .download_rate(Some(SIMULATED_RATE))
        .start()
        .await?;
    let address = simulator.addr();
    let certificate = simulator
        .certificate_pem()
        .ok_or("the simulator serves no certificate")?;
    println!("Simulated ONTAP cluster at {}", simulator.base_url());
    let conn = HostConnection::builder(address.ip().to_string())
        .port(address.port())
        .basic_auth(simulator.username(), simulator.password())
        // Verification stays on: the simulator's own certificate is trusted.
        .add_root_certificate_pem(certificate)
        .poll_interval(Duration::from_millis(250))
        .poll_timeout(timeout)
        .build()?;
    Ok(Target {
        conn,
        url: packages.url(PACKAGE_NAME),
        package_username: Some("pkg-user".into()),
        package_password: Some("pkg-secret".into()),
        _simulator: Some((simulator, packages)),
    })
}

/// The three flows. `show_progress` draws the bar (it hides itself when
/// the output is not a terminal).
async fn run(args: Args, show_progress: bool) -> Result<(), BoxError> {
    let target = target(args).await?;
    let conn = &target.conn;

    // Flow 1: start the download, wait for its job, print the resource.
    let mut download = SoftwarePackageDownload {
        url: Some(target.url.clone()),
        username: target.package_username.clone(),
        password: target.package_password.clone().map(Into::into),
        ..Default::default()
    };
    let bar = if show_progress {
        ProgressBar::new(100)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:40}] {pos:>3}% {msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(120));
    let progress = bar.clone();
    let options = CallOptions::default()
        .hydrate(true)
        .return_timeout(0)
        .on_progress(move |status: &JobStatus| {
            if let Some(percent) = status.message.as_deref().and_then(percent_of) {
                progress.set_position(percent);
            }
            let state = status.state.as_ref().map_or("unknown", |s| s.as_str());
            progress.set_message(format!("{state}: {}", status.message.as_deref().unwrap_or("")));
        });
    let result = download.post(conn, options).await;
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

/// The first `NN%` in a progress message.
fn percent_of(message: &str) -> Option<u64> {
    let end = message.find('%')?;
    let digits: String = message[..end].chars().rev().take_while(char::is_ascii_digit).collect();
    let percent: u64 = digits.chars().rev().collect::<String>().parse().ok()?;
    Some(percent.min(100))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            .port();
        let port = port.to_string();
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
        let err = run(args(&argv), false).await.unwrap_err();
        let text = chain(err.as_ref());
        assert!(text.starts_with("POST /cluster/software/download"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[tokio::test]
    async fn a_missing_password_with_a_host_is_refused_before_any_request() {
        let err = run(args(&["--host", "cluster"]), false).await.unwrap_err();
        assert_eq!(err.to_string(), "--password (or ONTAP_PASSWORD) is needed with --host");
    }

    #[test]
    fn percentages_are_read_from_progress_messages() {
        assert_eq!(percent_of("\"image.tgz\": 42% (5 of 12 bytes)"), Some(42));
        assert_eq!(percent_of("Package download in progress"), None);
        assert_eq!(percent_of("100%"), Some(100));
    }
}
