//! [`SimulatorBuilder`]: the settings of a simulator, and its start.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::inventory::{Inventory, Seed};
use crate::requests::RequestLog;
use crate::state::{Config, Shared};
use crate::version::Release;
use crate::*;

/// Settings of a [`Simulator`]; created by [`Simulator::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// let sim = ontap_sim::Simulator::builder()
///     .credentials("admin", "secret")
///     .tls(false)
///     .job_retention(Duration::from_secs(5))
///     .seed_jobs(3)
///     .start()
///     .await?;
/// assert!(sim.base_url().starts_with("http://"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SimulatorBuilder {
    username: String,
    password: String,
    tls: bool,
    listen: SocketAddr,
    retention: Duration,
    download_rate: Option<u64>,
    download_time_limit: Duration,
    seed_jobs: usize,
    seed_svms: usize,
    seed_volumes: usize,
    seed_packages: Vec<String>,
    cluster_version: String,
    job_duration: Duration,
    upgrade_duration: Duration,
    next_version: Option<String>,
    request_log: usize,
    faults: Vec<Fault>,
    server: server::Options,
    client_certificate_login: bool,
    token_lifetime: Duration,
    certificate_names: Option<Vec<String>>,
}

/// The ONTAP version a simulator runs unless told otherwise: the vendored model's, so
/// that the default cluster serves the whole API it reports.
const DEFAULT_VERSION: &str = "9.19.1";

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            username: "admin".to_owned(),
            password: "netapp1!".to_owned(),
            tls: true,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            retention: Duration::from_secs(300),
            download_rate: None,
            download_time_limit: Duration::from_secs(3600),
            seed_jobs: 0,
            seed_svms: 0,
            seed_volumes: 0,
            seed_packages: Vec::new(),
            cluster_version: DEFAULT_VERSION.to_owned(),
            job_duration: Duration::from_millis(100),
            upgrade_duration: Duration::from_secs(10),
            next_version: None,
            request_log: 1000,
            faults: Vec::new(),
            server: server::Options::default(),
            client_certificate_login: false,
            token_lifetime: Duration::from_secs(3600),
            certificate_names: None,
        }
    }
}

impl SimulatorBuilder {
    /// The Basic credentials every request must carry (default `admin` / `netapp1!`).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().credentials("admin", "secret");
    /// # let _ = b;
    /// ```
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = username.into();
        self.password = password.into();
        self
    }

    /// HTTPS with a self-signed certificate generated at start (`true`, the default), or
    /// plain HTTP (`false`).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().tls(false);
    /// # let _ = b;
    /// ```
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`: an ephemeral loopback port).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().listen("127.0.0.1:0".parse().unwrap());
    /// # let _ = b;
    /// ```
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// How long a finished job stays before it is purged (default 300 s, as on ONTAP).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().job_retention(std::time::Duration::from_secs(2));
    /// # let _ = b;
    /// ```
    pub fn job_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Throttles package downloads to this many bytes per second, so that progress and
    /// pause are visible (default `None`: as fast as the package server sends).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().download_rate(Some(256 * 1024));
    /// # let _ = b;
    /// ```
    pub fn download_rate(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.download_rate = bytes_per_sec;
        self
    }

    /// The longest a download may take before its job fails with 10551383 (default one
    /// hour, as on ONTAP). Paused time counts.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().download_time_limit(std::time::Duration::from_secs(60));
    /// # let _ = b;
    /// ```
    pub fn download_time_limit(mut self, limit: Duration) -> Self {
        self.download_time_limit = limit;
        self
    }

    /// Creates `n` synthetic finished jobs at start (various descriptions; every fifth one,
    /// index 4, 9, ..., failed). They support no actions.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_jobs(100);
    /// # let _ = b;
    /// ```
    pub fn seed_jobs(mut self, n: usize) -> Self {
        self.seed_jobs = n;
        self
    }

    /// Creates `n` SVMs `vs1` ... `vsN` at start, besides `vs0` which always exists.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_svms(3);
    /// # let _ = b;
    /// ```
    pub fn seed_svms(mut self, n: usize) -> Self {
        self.seed_svms = n;
        self
    }

    /// Creates `n` volumes `vol00001` ... in SVM `vs0` at start (sizes 1 to 100 GiB, on
    /// `aggr1` and `aggr2` in turn; every 50th offline, every 50th from the 25th restricted,
    /// every 10th with a comment). Seeding 10,000 takes a few tens of milliseconds.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_volumes(10_000);
    /// # let _ = b;
    /// ```
    pub fn seed_volumes(mut self, n: usize) -> Self {
        self.seed_volumes = n;
        self
    }

    /// Puts a package of this version in the repository at start, as if it had been
    /// downloaded (file `<version>_image.tgz`, empty), so that an upgrade can start at once.
    /// An invalid version makes [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().seed_package("9.16.1");
    /// # let _ = b;
    /// ```
    pub fn seed_package(mut self, version: impl Into<String>) -> Self {
        self.seed_packages.push(version.into());
        self
    }

    /// The ONTAP release the cluster runs at start (default `9.19.1`, the vendored
    /// model's). It reports this release wherever a cluster does (`/api/cluster`, its
    /// nodes, `/api/cluster/software`) and serves that release's API: what the model marks
    /// as introduced later (a path, a verb, a body field, a name in `fields`, a query
    /// parameter, an enum value) is answered as ONTAP answers what it does not have
    /// (404 code `3`, 405, 262179, 262197, 262179, 262197). An invalid version makes
    /// [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().cluster_version("9.14.1");
    /// # let _ = b;
    /// ```
    pub fn cluster_version(mut self, version: impl Into<String>) -> Self {
        self.cluster_version = version.into();
        self
    }

    /// How long a create, modify or delete job runs (volumes, snapshots, SVMs, package
    /// deletes, validations); default 100 ms. A quarter of it `queued`, the rest `running`.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().job_duration(std::time::Duration::from_millis(10));
    /// # let _ = b;
    /// ```
    pub fn job_duration(mut self, duration: Duration) -> Self {
        self.job_duration = duration;
        self
    }

    /// How long a software upgrade runs, from the PATCH to the new version (default 10 s):
    /// a tenth for the pre-update checks, then per node an install and a reboot.
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().upgrade_duration(std::time::Duration::from_millis(300));
    /// # let _ = b;
    /// ```
    pub fn upgrade_duration(mut self, duration: Duration) -> Self {
        self.upgrade_duration = duration;
        self
    }

    /// The version a downloaded package gets when its file name has none, such as
    /// NetApp's own `http://server/package` (a real cluster reads it from the image). By
    /// default it is the release after the one the cluster runs when the download ends
    /// (9.15.1 → 9.16.1; 9.16.1 once upgraded → 9.17.1). A package of a version already in
    /// the repository fails with 10551327. An invalid version makes
    /// [`SimulatorBuilder::start`] fail.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).next_version("9.17.1").start().await?;
    /// // POST /api/cluster/software/download {"url": "http://server/package"}
    /// // adds a package of version 9.17.1.
    /// # let _ = sim;
    /// let bad = ontap_sim::Simulator::builder().next_version("next").start().await;
    /// assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(())
    /// # }
    /// ```
    pub fn next_version(mut self, version: impl Into<String>) -> Self {
        self.next_version = Some(version.into());
        self
    }

    /// How many of the last requests [`Simulator::requests`] keeps (default 1,000; 0 keeps
    /// none and skips the recording).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().request_log(0);
    /// # let _ = b;
    /// ```
    pub fn request_log(mut self, capacity: usize) -> Self {
        self.request_log = capacity;
        self
    }

    /// Adds a fault active from the start (see [`Fault`]).
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().fault(ontap_sim::Fault::status(503).times(1));
    /// # let _ = b;
    /// ```
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// How long the simulator waits for a request: its request line and headers must all
    /// arrive within this time (default 10 s), and its body may never pause longer
    /// (default 30 s between two pieces). Sets both; `Duration::ZERO` turns both off.
    ///
    /// Late headers close the connection, after a 408 with an ONTAP error body
    /// (`{"error": {"message", "code": "2"}}`) when part of a request had arrived; a late
    /// body gets that 408 and the connection closes. The header clock (hyper's) also runs
    /// while a keep-alive connection waits for its next request, so a connection idle
    /// that long is closed too, without an answer.
    ///
    /// Other transport limits, not configurable: a request target over 8 KiB gets 414 and
    /// header fields over 64 KiB together 431, both with an ONTAP body. A request hyper
    /// cannot parse (a malformed request line, more than 100 header fields, a URI over
    /// 65,534 bytes) gets hyper's own answer, with an empty body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    /// let sim = ontap_sim::Simulator::builder()
    ///     .tls(false)
    ///     .read_timeout(std::time::Duration::from_millis(200))
    ///     .start()
    ///     .await?;
    /// let mut conn = tokio::net::TcpStream::connect(sim.addr()).await?;
    /// conn.write_all(b"GET /api/clus").await?; // and nothing more
    /// let mut answer = String::new();
    /// conn.read_to_string(&mut answer).await?; // the server closes it
    /// assert!(answer.starts_with("HTTP/1.1 408 "));
    /// # Ok(())
    /// # }
    /// ```
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.server.read_timeout(timeout);
        self
    }

    /// Also appends every request to this file (created if missing, opened by
    /// [`SimulatorBuilder::start`]), one compact JSON line each: `{"method", "path",
    /// "query", "body", "auth", "at_ms"}` with secrets masked, as [`RecordedRequest`] and
    /// `GET /sim/requests` show it. A line is written before its request is answered,
    /// whatever [`request_log`](SimulatorBuilder::request_log) keeps (even 0).
    ///
    /// # Errors
    /// [`SimulatorBuilder::start`] fails when the file cannot be opened for appending.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let path = std::env::temp_dir().join(format!("ontap-sim-doc-{}.jsonl", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).request_log_file(&path).start().await?;
    /// reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .basic_auth(sim.username(), Some(sim.password()))
    ///     .send()
    ///     .await?;
    /// let line: serde_json::Value = serde_json::from_str(std::fs::read_to_string(&path)?.trim())?;
    /// assert_eq!(line["path"], "/api/cluster");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request_log_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.server.request_log_file = Some(path.into());
        self
    }

    /// Lets clients log in with a TLS client certificate, as ONTAP's `cert` authentication
    /// method does (default `false`; only with [`tls`](SimulatorBuilder::tls) on).
    ///
    /// At start the simulator creates its own CA ([`Simulator::client_ca_pem`]) and its
    /// TLS server asks every client for a certificate signed by it. Sending one is
    /// optional: a client without one connects as before and logs in with Basic
    /// credentials or a token. A certificate that the CA did not sign fails the TLS
    /// handshake. [`Simulator::issue_client_certificate`] makes certificates: one whose
    /// subject CN is the configured [`username`](Simulator::username) logs in every
    /// request of its connection without an `Authorization` header; one for any other
    /// name logs in nothing (the request still needs valid Basic credentials or a valid
    /// token, else it gets 401).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use rustls::pki_types::pem::PemObject as _;
    /// use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    ///
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// let issued = sim.issue_client_certificate(sim.username()).expect("the login is on");
    ///
    /// // A client that trusts the simulator's certificate and presents the issued one.
    /// let mut roots = rustls::RootCertStore::empty();
    /// roots.add(CertificateDer::from_pem_slice(sim.certificate_pem().unwrap().as_bytes())?)?;
    /// let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    /// let tls = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_root_certificates(roots)
    ///     .with_client_auth_cert(
    ///         vec![CertificateDer::from_pem_slice(issued.certificate_pem.as_bytes())?],
    ///         PrivateKeyDer::from_pem_slice(issued.private_key_pem.as_bytes())?,
    ///     )?;
    /// let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;
    ///
    /// // No Authorization header: the certificate is the login.
    /// let r = client.get(format!("{}/api/cluster", sim.base_url())).send().await?;
    /// assert_eq!(r.status(), 200);
    /// let login = sim.requests().pop().and_then(|r| r.auth);
    /// assert_eq!(login, Some(ontap_sim::Login::Certificate { user: "admin".into() }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_certificate_login(mut self, on: bool) -> Self {
        self.client_certificate_login = on;
        self
    }

    /// How long a token from `POST /sim/tokens` stays valid when the request names no
    /// `expires_in` (default one hour, 3,600 s). See [`Simulator::issue_token`].
    ///
    /// ```
    /// let b = ontap_sim::Simulator::builder().token_lifetime(std::time::Duration::from_secs(60));
    /// # let _ = b;
    /// ```
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The names the server certificate is for (its subject alternative names, host names
    /// or IP addresses), in place of the default ones (`localhost`, `127.0.0.1`, `::1` and
    /// the listening address). The certificate is still self-signed, and its subject CN
    /// is the first name, as in the certificate an ONTAP cluster generates for itself.
    ///
    /// A cluster's own certificate often names the cluster, not the address a client
    /// connects to: `["cluster1.example.invalid"]` gives such a certificate, which a
    /// client that verifies host names refuses for `127.0.0.1` even when it trusts the
    /// certificate. A client that pins the certificate
    /// ([`Simulator::certificate_sha256`]) can still connect.
    ///
    /// # Errors
    /// [`SimulatorBuilder::start`] fails (`InvalidInput`) when a name is neither an IP
    /// address nor a valid DNS name (one wildcard label in front, `*.cluster1.example`,
    /// is allowed).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder()
    ///     .certificate_names(["cluster1.example.invalid"])
    ///     .start()
    ///     .await?;
    /// // Trusting the certificate is not enough: it does not name 127.0.0.1.
    /// let cert = reqwest::Certificate::from_pem(sim.certificate_pem().unwrap().as_bytes())?;
    /// let client = reqwest::Client::builder().tls_certs_only([cert]).build()?;
    /// assert!(client.get(format!("{}/api/cluster", sim.base_url())).send().await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_names(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.certificate_names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Binds the address, generates the certificate (with TLS), seeds the cluster and the
    /// jobs and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// An invalid [`cluster_version`](SimulatorBuilder::cluster_version) or
    /// [`seed_package`](SimulatorBuilder::seed_package) version (`InvalidInput`), binding
    /// the address, generating the certificate or building the TLS settings.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// # let _ = sim;
    /// let bad = ontap_sim::Simulator::builder().cluster_version("nine").start().await;
    /// assert_eq!(bad.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> io::Result<Simulator> {
        let parse = |v: &str| {
            v.trim().parse::<Release>().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("\"{v}\" is not an ONTAP version such as 9.16.1"),
                )
            })
        };
        let version = parse(&self.cluster_version)?;
        let packages = self
            .seed_packages
            .iter()
            .map(|v| parse(v))
            .collect::<io::Result<Vec<_>>>()?;
        let transport = self.server.open()?;
        let listener = tokio::net::TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let started = Instant::now();
        let client_ca = if self.tls && self.client_certificate_login {
            Some(auth::ClientCa::new()?)
        } else {
            None
        };
        let (tls, certificate_pem, certificate_sha256) = if self.tls {
            let tls = server::self_signed_tls(addr.ip(), self.certificate_names.as_deref(), client_ca.as_ref())?;
            (
                Some(tls.acceptor),
                Some(tls.certificate_pem),
                Some(tls.certificate_sha256),
            )
        } else {
            (None, None, None)
        };
        let engine = build_engine(version, self.seed_svms, self.seed_volumes)?;
        let cluster_uuid = engine.uuids.next_uuid();
        let cluster_svm_uuid = inventory::ADMIN_SVM_UUID.to_owned();
        let cluster_name = "sim-cluster".to_owned();
        let node_names = ["sim-cluster-01".to_owned(), "sim-cluster-02".to_owned()];
        let inventory = Inventory::new(
            &Seed {
                cluster_name: &cluster_name,
                cluster_uuid,
                version,
                nodes: [&node_names[0], &node_names[1]],
                packages: &packages,
            },
            &engine,
        )
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.message))?;
        let (data_svm_name, data_svm_uuid) = engine
            .find_by_name(svms::PATH, "vs0")
            .map(|d| {
                let text = |k: &str| {
                    d.get(k)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                (text("name"), text("uuid"))
            })
            .unwrap_or_default();
        let logins = auth::Logins::new(&self.username, &self.password, client_ca, self.token_lifetime);
        let shared = Arc::new(Shared {
            config: Config {
                username: self.username,
                password: self.password,
                retention: self.retention,
                download_rate: self.download_rate,
                download_time_limit: self.download_time_limit,
                cluster_name,
                node_names,
                cluster_svm_uuid,
                job_duration: self.job_duration,
                upgrade_duration: self.upgrade_duration,
                next_version: self.next_version.as_deref().map(parse).transpose()?,
            },
            jobs: jobs::JobStore::default(),
            engine,
            download: Mutex::new(download::DownloadStatus::default()),
            inventory: inventory::Locked::new(inventory),
            requests: RequestLog::new(self.request_log, started),
            logins,
            connections: server::Connections::default(),
            faults: faults::Faults::default(),
            http: download::http_client()?,
            tasks: Mutex::new(JoinSet::new()),
            files: Mutex::new(std::collections::HashMap::new()),
        });
        for f in self.faults {
            shared.faults.add(f);
        }
        jobs::seed(
            &shared.jobs,
            &shared.engine.uuids,
            self.seed_jobs,
            &jobs::SeedContext {
                cluster: &shared.config.cluster_name,
                cluster_svm_uuid: &shared.config.cluster_svm_uuid,
                data_svm_name: &data_svm_name,
                data_svm_uuid: &data_svm_uuid,
                nodes: [&shared.config.node_names[0], &shared.config.node_names[1]],
            },
        );
        shared.spawn(purger(Arc::downgrade(&shared)));

        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{addr}");
        let (shutdown, rx) = watch::channel(false);
        let router = http::router(shared.clone());
        let server = tokio::spawn(server::serve(listener, tls, shared.clone(), router, rx, transport));
        tracing::info!(%base_url, "ontap-sim started");
        Ok(Simulator {
            shared,
            addr,
            base_url,
            certificate_pem,
            certificate_sha256,
            shutdown,
            server: Some(server),
        })
    }
}

/// The engine over the vendored model as `release` has it, with the resources' own rules and the cluster's
/// records: the default cluster (`data/cluster.json`: nodes, aggregates, network, the SVM
/// `vs0`, ...), `extra_svms` more SVMs, and `volumes` volumes in `vs0`.
fn build_engine(release: Release, extra_svms: usize, volumes: usize) -> io::Result<engine::Engine> {
    use serde_json::json;
    let mut engine = engine::Engine::new(engine::schema::at_release(release));
    engine.register(inventory::CLUSTER, Box::new(software::Cluster));
    engine.register(svms::PATH, Box::new(svms::Svms));
    engine.register(storage::VOLUMES, Box::new(storage::Volumes));
    engine.register(storage::SNAPSHOTS, Box::new(storage::Snapshots));
    engine.register(storage::LUNS, Box::new(storage::Luns));
    engine::seed::load(&engine, engine::seed::DEFAULT_CLUSTER)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let invalid = |e: error::Refusal| io::Error::new(io::ErrorKind::InvalidData, e.message);
    let svm_res = engine
        .resource(svms::PATH)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the model has no SVMs"))?;
    for i in 1..=extra_svms {
        let svm = json!({
            "name": format!("vs{i}"),
            "state": "running",
            "subtype": "default",
            "language": "c.utf_8",
            "comment": format!("seeded SVM {i}"),
        });
        engine.seed_with_companions(svm_res, &svm).map_err(invalid)?;
    }
    let reference = |path: &str, name: &str| {
        engine
            .find_by_name(path, name)
            .map(|r| json!({"name": name, "uuid": r.get("uuid")}))
    };
    let vs0 = reference(svms::PATH, "vs0").unwrap_or_else(|| json!({"name": "vs0"}));
    let aggregates: Vec<_> = ["aggr1", "aggr2"]
        .iter()
        .filter_map(|n| reference(storage::AGGREGATES, n))
        .collect();
    storage::seed_volumes(&engine, volumes, &vs0, &aggregates).map_err(invalid)?;
    Ok(engine)
}

/// Removes finished jobs once their retention has passed.
async fn purger(shared: std::sync::Weak<Shared>) {
    loop {
        let Some(s) = shared.upgrade() else { return };
        let retention = s.config.retention;
        s.jobs.purge(retention);
        let tick = (retention / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let now = tokio::time::Instant::now();
        let wake = match s.jobs.next_expiry(retention) {
            Some(t) => tokio::time::Instant::from_std(t).min(now + tick),
            None => now + tick,
        };
        drop(s);
        tokio::time::sleep_until(wake.max(now + Duration::from_millis(1))).await;
    }
}
