//! What the examples share: cluster options, the offline setup (a simulator
//! and a package server on 127.0.0.1), a progress bar and error printing.
#![allow(dead_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ontap::{HostConnection, JobStatus};
use ontap_sim::{PackageServer, Simulator, SimulatorBuilder};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the cluster is. Without `--host`, a simulator is started.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// The cluster's management address; without it, a simulator is started.
    #[arg(long, env = "ONTAP_HOST")]
    pub host: Option<String>,
    /// The cluster's HTTPS port.
    #[arg(long, env = "ONTAP_PORT")]
    pub port: Option<u16>,
    /// The cluster user.
    #[arg(long, env = "ONTAP_USERNAME", default_value = "admin")]
    pub username: String,
    /// The cluster user's password.
    #[arg(long, env = "ONTAP_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// The package's HTTP, HTTPS or FTP address.
    #[arg(long, env = "ONTAP_URL")]
    pub url: Option<String>,
    /// The package server's user, if it asks for one.
    #[arg(long, env = "ONTAP_PACKAGE_USERNAME")]
    pub package_username: Option<String>,
    /// The package server's password.
    #[arg(long, env = "ONTAP_PACKAGE_PASSWORD", hide_env_values = true)]
    pub package_password: Option<String>,
    /// Accept the cluster's certificate without verifying it (a self-signed
    /// one), like `verify=False` in NetApp's Python examples.
    #[arg(long, env = "ONTAP_INSECURE")]
    pub insecure: bool,
    /// How long to wait for each job, in seconds.
    #[arg(long, default_value_t = 1800)]
    pub timeout: u64,
}

/// The package the offline runs serve and download.
pub const PACKAGE_NAME: &str = "ontap-9.16.1-image.tgz";
pub const PACKAGE_SIZE: usize = 24 * 1024 * 1024;
/// Slow enough to watch the progress bar, quick enough for a demo.
const SIMULATED_RATE: u64 = 6 * 1024 * 1024;

/// The offline package's bytes ([`PACKAGE_SIZE`] of them).
pub fn package_bytes() -> Vec<u8> {
    (0..PACKAGE_SIZE)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// A cluster to work on: a real one, or a simulator kept alive for the run.
pub struct Target {
    pub conn: HostConnection,
    /// The package's address (`--url`; the package server's offline).
    pub url: Option<String>,
    pub package_username: Option<String>,
    pub package_password: Option<String>,
    pub simulator: Option<(Simulator, PackageServer)>,
}

impl Target {
    /// Connects to the cluster `args` name, or starts a simulator (set up
    /// further by `tune`) and a package server.
    pub async fn new(
        args: ClusterArgs,
        tune: impl FnOnce(SimulatorBuilder) -> SimulatorBuilder,
    ) -> Result<Target, BoxError> {
        let timeout = Duration::from_secs(args.timeout);
        let Some(host) = args.host else {
            return simulated(timeout, tune).await;
        };
        let password = args
            .password
            .ok_or("--password (or ONTAP_PASSWORD) is needed with --host")?;
        let url = args.url;
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
            simulator: None,
        })
    }
}

impl Target {
    /// The package's address, which a download needs.
    pub fn package_url(&self) -> Result<String, BoxError> {
        self.url
            .clone()
            .ok_or_else(|| "--url (or ONTAP_URL) is needed with --host: the package's address".into())
    }
}

async fn simulated(
    timeout: Duration,
    tune: impl FnOnce(SimulatorBuilder) -> SimulatorBuilder,
) -> Result<Target, BoxError> {
    let package = package_bytes();
    let packages = PackageServer::start([(PACKAGE_NAME, package)], Some(("pkg-user", "pkg-secret"))).await?;
    let simulator = tune(Simulator::builder().tls(true).download_rate(Some(SIMULATED_RATE)))
        .start()
        .await?;
    eprintln!("Simulated ONTAP cluster at {}", simulator.base_url());
    let conn = simulator_connection(&simulator, simulator.username(), simulator.password(), timeout)?;
    Ok(Target {
        conn,
        url: Some(packages.url(PACKAGE_NAME)),
        package_username: Some("pkg-user".into()),
        package_password: Some("pkg-secret".into()),
        simulator: Some((simulator, packages)),
    })
}

/// A connection to an in-process simulator that logs in as `username`:
/// verification stays on, with the simulator's own certificate trusted.
pub fn simulator_connection(
    simulator: &Simulator,
    username: &str,
    password: &str,
    timeout: Duration,
) -> Result<HostConnection, BoxError> {
    let address = simulator.addr();
    let certificate = simulator
        .certificate_pem()
        .ok_or("the simulator serves no certificate")?;
    Ok(HostConnection::builder(address.ip().to_string())
        .port(address.port())
        .basic_auth(username, password)
        .add_root_certificate_pem(certificate)
        .poll_interval(Duration::from_millis(250))
        .poll_timeout(timeout)
        .build()?)
}

/// A progress bar driven by a job's state and message; hidden when `show`
/// is false (it also hides itself when the output is not a terminal).
pub fn progress_bar(show: bool) -> Result<ProgressBar, BoxError> {
    let bar = if show {
        ProgressBar::new(100)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:40}] {pos:>3}% {msg}",
    )?);
    bar.enable_steady_tick(Duration::from_millis(120));
    Ok(bar)
}

/// A progress callback that moves `bar`.
pub fn follow(bar: &ProgressBar) -> impl Fn(&JobStatus) + Send + Sync + 'static {
    let bar = bar.clone();
    move |status: &JobStatus| {
        if let Some(percent) = status.message.as_deref().and_then(percent_of) {
            bar.set_position(percent);
        }
        let state = status.state.as_ref().map_or("unknown", |s| s.as_str());
        bar.set_message(format!("{state}: {}", status.message.as_deref().unwrap_or("")));
    }
}

/// The first `NN%` in a progress message.
pub fn percent_of(message: &str) -> Option<u64> {
    let end = message.find('%')?;
    let digits: String = message[..end].chars().rev().take_while(char::is_ascii_digit).collect();
    let percent: u64 = digits.chars().rev().collect::<String>().parse().ok()?;
    Some(percent.min(100))
}

/// An error and its causes on one line.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
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

/// The exit of an example: success, or one line on stderr and failure.
pub fn exit(result: Result<(), BoxError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", chain(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_from_progress_messages() {
        assert_eq!(percent_of("\"image.tgz\": 42% (5 of 12 bytes)"), Some(42));
        assert_eq!(percent_of("Package download in progress"), None);
        assert_eq!(percent_of("100%"), Some(100));
    }
}
