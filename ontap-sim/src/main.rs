//! `ontap-sim`: runs the ONTAP REST API simulator until Ctrl-C.
//!
//! Built with the `cli` feature: `cargo run -p ontap-sim --features cli -- --help`
//! (`cargo install ontap-sim --features cli` from crates.io).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// An ONTAP REST API simulator: the cluster, software download (a real HTTP fetch of the
/// package), packages, validation and upgrade, SVMs, volumes and their snapshots, jobs with
/// pause/resume/cancel, collections with paging, filters and ordering, ONTAP error bodies
/// and codes, Basic authentication, HTTPS with a self-signed certificate.
///
/// The request log is served outside /api, with the same credentials: GET
/// /sim/requests answers a JSON array of the last requests received, oldest first, each
/// {"method", "path", "query", "body", "auth", "at_ms"} with secrets masked (auth: how it
/// logged in, "basic", "bearer#N" or null; at_ms: when it arrived, in milliseconds since
/// the start); DELETE /sim/requests empties it and answers what it removed.
/// --request-log-file also appends each request to a file. GET /sim/connections answers
/// {"accepted", "open", "peak_open"}, the TCP connections accepted, open now and open at
/// most at once; DELETE /sim/connections answers them and resets accepted to 0 and
/// peak_open to the connections open now. POST /sim/tokens, with the Basic credentials
/// and an optional body {"expires_in": SECONDS}, answers 201 {"access_token",
/// "token_type": "Bearer", "expires_in"}: a bearer token the API accepts (for an hour by
/// default).
#[derive(Debug, Parser)]
#[command(name = "ontap-sim", version)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8443")]
    listen: SocketAddr,

    /// Username of the HTTP Basic credentials every request must carry.
    #[arg(long, env = "ONTAP_SIM_USERNAME", default_value = "admin")]
    username: String,

    /// Password of the HTTP Basic credentials every request must carry.
    #[arg(long, env = "ONTAP_SIM_PASSWORD", default_value = "netapp1!", hide_env_values = true)]
    password: String,

    /// Serve plain HTTP instead of HTTPS (HTTPS uses a self-signed certificate generated at
    /// start for localhost, 127.0.0.1 and ::1).
    #[arg(long)]
    http: bool,

    /// Write the generated certificate (PEM) to this file, so a client can trust it.
    #[arg(long, value_name = "PATH")]
    cert_out: Option<PathBuf>,

    /// Seconds a finished job stays before it is purged (then GET answers 404, code 4).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    job_retention: u64,

    /// Throttle package downloads to this many bytes per second, so progress is visible.
    #[arg(long, value_name = "BYTES_PER_SEC")]
    download_rate: Option<u64>,

    /// Create this many synthetic finished jobs at start (for the jobs collection).
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_jobs: usize,

    /// Create this many volumes (vol00001, ...) in SVM vs0 at start.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_volumes: usize,

    /// Create this many SVMs (vs1, ...) at start, besides vs0.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed_svms: usize,

    /// Put a package of this version in the repository at start, as if downloaded
    /// (repeatable).
    #[arg(long, value_name = "VERSION")]
    seed_package: Vec<String>,

    /// The ONTAP release the cluster runs at start, and whose API it serves (9.6 to
    /// 9.19.1: what a later release introduced is answered as ONTAP answers what it
    /// lacks).
    #[arg(long, alias = "ontap-version", value_name = "VERSION", default_value = "9.19.1")]
    cluster_version: String,

    /// The version of a downloaded package whose file name has none (such as
    /// http://server/package); by default the release after the one the cluster runs.
    #[arg(long, value_name = "VERSION")]
    next_version: Option<String>,

    /// Milliseconds a create, modify or delete job (volume, snapshot, SVM, package delete,
    /// validation) runs.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    job_duration_ms: u64,

    /// Seconds a software upgrade runs (fractions allowed), node by node.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    upgrade_duration: f64,

    /// How many of the last requests the request log keeps (0: none); GET /sim/requests
    /// answers them as a JSON array, DELETE /sim/requests empties the log.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    request_log: usize,

    /// Also append every request to this file (created if missing), one JSON line each:
    /// {"method", "path", "query", "body", "auth", "at_ms"}, secrets masked, written before
    /// the request is answered (even with --request-log 0).
    #[arg(long, value_name = "PATH")]
    request_log_file: Option<PathBuf>,

    /// Seconds a request's line and headers may take to arrive (also the longest a
    /// keep-alive connection stays idle), and the longest pause while its body arrives
    /// (fractions allowed; 0: no limit). Default: 10 for the headers, 30 for the body.
    #[arg(long, value_name = "SECS")]
    read_timeout: Option<f64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // RUST_LOG names one level (error, warn, info, debug, trace); warn by default.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|text| text.trim().parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::WARN);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();

    if !(args.upgrade_duration.is_finite() && (0.0..=86_400.0).contains(&args.upgrade_duration)) {
        eprintln!("ontap-sim: --upgrade-duration must be between 0 and 86400 seconds");
        return ExitCode::FAILURE;
    }
    if let Some(secs) = args.read_timeout
        && !(secs.is_finite() && (0.0..=86_400.0).contains(&secs))
    {
        eprintln!("ontap-sim: --read-timeout must be between 0 and 86400 seconds");
        return ExitCode::FAILURE;
    }
    let mut builder = ontap_sim::Simulator::builder()
        .listen(args.listen)
        .credentials(args.username, args.password)
        .tls(!args.http)
        .job_retention(Duration::from_secs(args.job_retention))
        .download_rate(args.download_rate)
        .seed_jobs(args.seed_jobs)
        .seed_volumes(args.seed_volumes)
        .seed_svms(args.seed_svms)
        .cluster_version(args.cluster_version)
        .job_duration(Duration::from_millis(args.job_duration_ms))
        .upgrade_duration(Duration::from_secs_f64(args.upgrade_duration))
        .request_log(args.request_log);
    for v in args.seed_package {
        builder = builder.seed_package(v);
    }
    if let Some(path) = args.request_log_file {
        builder = builder.request_log_file(path);
    }
    if let Some(secs) = args.read_timeout {
        builder = builder.read_timeout(Duration::from_secs_f64(secs));
    }
    if let Some(v) = args.next_version {
        builder = builder.next_version(v);
    }
    let sim = match builder.start().await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("ontap-sim: cannot start on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.cert_out {
        match sim.certificate_pem() {
            Some(pem) => {
                if let Err(e) = std::fs::write(path, pem) {
                    eprintln!("ontap-sim: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            None => eprintln!("ontap-sim: --cert-out ignored: serving plain HTTP"),
        }
    }
    println!(
        "ontap-sim listening on {} (username: {})",
        sim.base_url(),
        sim.username()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("ontap-sim: cannot wait for Ctrl-C: {e}");
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}
