//! `POST /api/cluster/software/download`: the job that really fetches the package.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use ring::digest;
use tokio::time::{Instant, sleep_until};
use url::Url;

use crate::Package;
use crate::error::{Refusal, codes};
use crate::jobs::{Command, Job, JobControl, JobFailure as Failure, JobState, Svm, complete};
use crate::state::{Shared, lock};
use crate::util::now_string;
use crate::version::Release;

/// The job description ONTAP gives a software download.
pub(crate) const DESCRIPTION: &str = "POST /api/cluster/software/download";

/// `state` of `GET /api/cluster/software/download`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DownloadState {
    NotStarted,
    Running,
    Success,
    Failure,
}

impl DownloadState {
    pub fn as_str(self) -> &'static str {
        match self {
            DownloadState::NotStarted => "not_started",
            DownloadState::Running => "running",
            DownloadState::Success => "success",
            DownloadState::Failure => "failure",
        }
    }
}

/// The singleton `GET /api/cluster/software/download` reports: the current or last download.
#[derive(Debug, Clone)]
pub(crate) struct DownloadStatus {
    pub state: DownloadState,
    pub message: String,
    pub code: u64,
}

impl Default for DownloadStatus {
    fn default() -> Self {
        DownloadStatus {
            state: DownloadState::NotStarted,
            message: "Package download not started".to_owned(),
            code: codes::DOWNLOAD_NOT_STARTED,
        }
    }
}

/// A validated download request.
#[derive(Debug, Clone)]
pub(crate) struct DownloadRequest {
    pub url: Url,
    pub username: Option<String>,
    pub password: Option<String>,
    pub file_name: String,
}

/// Checks the URL as ONTAP does at POST time: syntax (39387137), scheme (39387138: http,
/// https and ftp are accepted), and a file name to store the package under (10551885).
pub(crate) fn validate_url(raw: &str) -> Result<(Url, String), Refusal> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Refusal::bad_request(codes::URL_SYNTAX, format!("Invalid URL syntax \"{raw}\": {e}.")).target("url")
    })?;
    if !matches!(url.scheme(), "http" | "https" | "ftp") {
        return Err(Refusal::bad_request(
            codes::URL_SCHEME,
            format!(
                "Unsupported URL scheme \"{}\". Supported schemes are \"http\", \"https\" and \"ftp\".",
                url.scheme()
            ),
        )
        .target("url"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(
            Refusal::bad_request(codes::URL_SYNTAX, format!("Invalid URL syntax \"{raw}\": no host.")).target("url"),
        );
    }
    let name = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .unwrap_or_default();
    if name.is_empty() {
        return Err(Refusal::bad_request(
            codes::INVALID_URL,
            format!("Invalid URL \"{raw}\": it does not name a package file."),
        )
        .target("url"));
    }
    Ok((url, name))
}

/// Registers a new download job (or refuses with 10551357 while one runs) and starts it.
pub(crate) fn start(shared: &Arc<Shared>, req: DownloadRequest) -> Result<(String, Arc<JobControl>), Refusal> {
    let control = JobControl::new();
    let uuid = {
        let mut status = lock(&shared.download);
        if status.state == DownloadState::Running {
            return Err(Refusal::bad_request(
                codes::UPDATE_IN_PROGRESS,
                "Cannot perform an update when a previous update is still in progress.",
            ));
        }
        let uuid = shared.engine.uuids.next_uuid();
        let cfg = &shared.config;
        shared.jobs.insert(
            Job {
                uuid: uuid.clone(),
                description: DESCRIPTION.to_owned(),
                state: JobState::Queued,
                message: "Queued".to_owned(),
                code: 0,
                start_time: Some(now_string()),
                end_time: None,
                svm: Some(Svm {
                    name: cfg.cluster_name.clone(),
                    uuid: cfg.cluster_svm_uuid.clone(),
                }),
                node: Some(cfg.node_names[0].clone()),
                error: None,
            },
            Some(control.clone()),
        );
        *status = DownloadStatus {
            state: DownloadState::Running,
            message: "Package download in progress".to_owned(),
            code: codes::DOWNLOAD_RUNNING,
        };
        uuid
    };
    let task_shared = shared.clone();
    let task_uuid = uuid.clone();
    let task_control = control.clone();
    shared.spawn(async move { run(task_shared, task_uuid, req, task_control).await });
    Ok((uuid, control))
}

fn failed(message: String) -> Failure {
    Failure::new(codes::DOWNLOAD_FAILED, message)
}

async fn run(shared: Arc<Shared>, uuid: String, req: DownloadRequest, control: Arc<JobControl>) {
    shared.jobs.update(&uuid, |j| {
        if j.state == JobState::Queued {
            j.state = JobState::Running;
        }
        j.message = format!("Downloading package \"{}\"", req.file_name);
    });
    tracing::debug!(job = %uuid, url = %req.url, "package download started");
    let outcome = match transfer(&shared, &uuid, &req, &control).await {
        Ok(pkg) => add_to_repository(&shared, pkg),
        Err(f) => Err(f),
    };
    finish(&shared, &uuid, outcome);
    control.done.send_replace(true);
}

/// Processes a received package: its version comes from its file name
/// ([`Release::from_file_name`]), or is the simulator's next version when the name has none
/// (`http://server/package`); a package whose file name or version is already in the
/// repository fails with 10551327.
pub(crate) fn add_to_repository(shared: &Shared, mut pkg: Package) -> Result<(), Failure> {
    let mut inv = shared.inventory.write();
    let same_name = inv.package_files.values().any(|(_, p)| p.name == pkg.name);
    if same_name {
        return Err(Failure::new(
            codes::PACKAGE_EXISTS,
            format!("Package image with the same name already exists: \"{}\".", pkg.name),
        ));
    }
    let (version, from_name) = match crate::version::from_file_name(&pkg.name) {
        Some(v) => (v, true),
        None => (next_version(&shared.config, &inv.version), false),
    };
    if let Some(existing) = inv.package_key(&version) {
        let whose = if from_name {
            ""
        } else {
            " (the simulator's next version: the file name has none)"
        };
        return Err(Failure::new(
            codes::PACKAGE_EXISTS,
            format!(
                "Package image with the same version already exists: \"{}\" is version {existing}{whose}.",
                pkg.name
            ),
        ));
    }
    pkg.version = version.to_string();
    inv.add_package(&shared.engine, &version, pkg).map_err(|e| {
        Failure::new(
            codes::DOWNLOAD_FAILED,
            format!("The package could not be added: {}.", e.message),
        )
    })
}

/// The version of a package whose file name has none: the configured
/// [`next_version`](crate::SimulatorBuilder::next_version), else the release after the one
/// the cluster runs now (9.15.1 → 9.16.1).
fn next_version(config: &crate::state::Config, running: &Release) -> Release {
    config
        .next_version
        .unwrap_or_else(|| crate::version::next_release(running))
}

/// Records the end: the singleton status first, then the job, so that a client that saw
/// the job end also sees the status changed.
fn finish(shared: &Shared, uuid: &str, outcome: Result<(), Failure>) {
    let mut status = lock(&shared.download);
    *status = match &outcome {
        Ok(()) => DownloadStatus {
            state: DownloadState::Success,
            message: "Package download completed".to_owned(),
            code: 0,
        },
        Err(f) => DownloadStatus {
            state: DownloadState::Failure,
            message: f.message.clone(),
            code: f.code,
        },
    };
    match &outcome {
        Ok(()) => tracing::debug!(job = %uuid, "package download succeeded"),
        Err(f) => tracing::debug!(job = %uuid, code = f.code, message = %f.message, "package download failed"),
    }
    complete(&shared.jobs, uuid, outcome);
}

fn progress(name: &str, done: u64, total: Option<u64>) -> String {
    match total {
        Some(t) if t > 0 => format!(
            "\"{name}\": {}% ({done} of {t} bytes)",
            (done.saturating_mul(100) / t).min(100)
        ),
        _ => format!("\"{name}\": {done} bytes"),
    }
}

fn cancelled() -> Failure {
    failed("Package download failed: the job was cancelled.".to_owned())
}

async fn transfer(
    shared: &Shared,
    uuid: &str,
    req: &DownloadRequest,
    control: &JobControl,
) -> Result<Package, Failure> {
    let cfg = &shared.config;
    let deadline = Instant::now() + cfg.download_time_limit;
    let time_limit = || {
        Failure::new(
            codes::DOWNLOAD_TIME_LIMIT,
            format!(
                "Operation took longer than the maximum {} second time limit.",
                cfg.download_time_limit.as_secs()
            ),
        )
    };
    let mut cmd = control.cmd.subscribe();
    if *cmd.borrow_and_update() == Command::Cancel {
        return Err(cancelled());
    }

    if req.url.scheme() == "ftp" {
        return Err(failed(format!(
            "Package download failed: FTP is not supported by this simulator (URL \"{}\").",
            req.url
        )));
    }

    let mut request = shared.http.get(req.url.clone());
    if let Some(user) = &req.username {
        request = request.basic_auth(user, req.password.as_deref());
    }
    let mut resp = tokio::select! {
        r = request.send() => r.map_err(|e| failed(format!(
            "Package download failed: cannot reach \"{}\": {}.", req.url, error_chain(&e)
        )))?,
        _ = cmd.wait_for(|c| *c == Command::Cancel) => return Err(cancelled()),
        _ = sleep_until(deadline) => return Err(time_limit()),
    };
    let status = resp.status();
    if !status.is_success() {
        let why = match status {
            StatusCode::NOT_FOUND => "the package was not found on the server".to_owned(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "the server refused the credentials".to_owned(),
            _ => "the server answered with an error".to_owned(),
        };
        return Err(failed(format!(
            "Package download failed: {why} (HTTP {status}) for \"{}\".",
            req.url
        )));
    }

    let total = resp.content_length();
    let name = req.file_name.as_str();
    let started = Instant::now();
    let mut done: u64 = 0;
    let mut sha = digest::Context::new(&digest::SHA256);
    let mut last_report = Instant::now();
    let mut throttle_until: Option<Instant> = None;
    let mut paused = false;
    loop {
        // Pause and cancel, as PATCH /api/cluster/jobs/{uuid}?action= asked.
        let current = *cmd.borrow_and_update();
        match current {
            Command::Cancel => return Err(cancelled()),
            Command::Pause => {
                paused = true;
                let msg = format!("Package download paused: {}", progress(name, done, total));
                shared.jobs.update(uuid, |j| {
                    j.state = JobState::Paused;
                    j.message = msg;
                });
                tokio::select! {
                    _ = cmd.changed() => {}
                    _ = sleep_until(deadline) => return Err(time_limit()),
                }
                continue;
            }
            Command::Run if paused => {
                paused = false;
                let msg = format!("Downloading package {}", progress(name, done, total));
                shared.jobs.update(uuid, |j| {
                    j.state = JobState::Running;
                    j.message = msg;
                });
            }
            Command::Run => {}
        }

        if let Some(until) = throttle_until {
            tokio::select! {
                _ = sleep_until(until) => throttle_until = None,
                _ = cmd.changed() => {}
                _ = sleep_until(deadline) => return Err(time_limit()),
            }
            continue;
        }

        let chunk = tokio::select! {
            c = resp.chunk() => c.map_err(|e| failed(format!(
                "Package download failed: transfer from \"{}\" broke after {done} bytes: {}.",
                req.url, error_chain(&e)
            )))?,
            _ = cmd.changed() => continue,
            _ = sleep_until(deadline) => return Err(time_limit()),
        };
        let Some(chunk) = chunk else { break };
        done += chunk.len() as u64;
        sha.update(&chunk);
        drop(chunk);

        if let Some(rate) = cfg.download_rate.filter(|r| *r > 0) {
            let due = started + Duration::from_secs_f64(done as f64 / rate as f64);
            if due > Instant::now() {
                throttle_until = Some(due);
            }
        }
        if last_report.elapsed() >= Duration::from_millis(100) {
            last_report = Instant::now();
            let msg = format!("Downloading package {}", progress(name, done, total));
            shared.jobs.update(uuid, |j| j.message = msg);
        }
    }

    if let Some(t) = total
        && t != done
    {
        return Err(failed(format!(
            "Package download failed: received {done} of {t} bytes from \"{}\".",
            req.url
        )));
    }
    let digest = sha.finish();
    let sha256 = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Package {
        name: name.to_owned(),
        version: String::new(),
        size: done,
        sha256,
        url: req.url.to_string(),
    })
}

/// A package received whole (an upload) named `name`: its size and SHA-256; its version
/// is set as it joins the repository ([`add_to_repository`]).
pub(crate) fn received(name: &str, data: &[u8]) -> Package {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    Package {
        name: name.to_owned(),
        version: String::new(),
        size: data.len() as u64,
        sha256: digest.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
        url: String::new(),
    }
}

/// The causes of an error, on one line: the sources when there are any (reqwest's own
/// top-level text repeats the URL), else the error itself.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        src = s.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// The HTTP client the download jobs use: no proxy, no pooling, and HTTPS without
/// certificate verification (package servers are usually internal, with self-signed
/// certificates).
pub(crate) fn http_client() -> std::io::Result<reqwest::Client> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .pool_max_idle_per_host(0)
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(std::io::Error::other)
}

/// Accepts any server certificate, but still checks the handshake signatures.
#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_checks() {
        assert!(validate_url("http://server/package.tgz").is_ok());
        assert_eq!(validate_url("http://server/package.tgz").unwrap().1, "package.tgz");
        assert_eq!(validate_url("https://s/a%20b.tgz").unwrap().1, "a b.tgz");
        assert_eq!(validate_url("not a url").unwrap_err().code, codes::URL_SYNTAX);
        assert_eq!(validate_url("http://").unwrap_err().code, codes::URL_SYNTAX);
        assert_eq!(validate_url("scp://server/p.tgz").unwrap_err().code, codes::URL_SCHEME);
        assert_eq!(validate_url("http://server/").unwrap_err().code, codes::INVALID_URL);
        assert!(validate_url("ftp://server/p.tgz").is_ok());
    }
}
