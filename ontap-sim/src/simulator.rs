//! [`Simulator`]: a running simulator, what it serves and what it recorded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::Shared;
use crate::*;

/// A running simulator. It stops on [`Simulator::shutdown`] or when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = ontap_sim::Simulator::builder().credentials("admin", "pw").tls(false).start().await?;
/// println!("ONTAP at {}/api as {}", sim.base_url(), sim.username());
/// sim.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Simulator {
    pub(crate) shared: Arc<Shared>,
    pub(crate) addr: SocketAddr,
    pub(crate) base_url: String,
    pub(crate) certificate_pem: Option<String>,
    pub(crate) certificate_sha256: Option<String>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) server: Option<JoinHandle<()>>,
}

impl Simulator {
    /// A builder with the defaults: `admin` / `netapp1!`, HTTPS (a certificate for
    /// `localhost` and the loopback addresses), `127.0.0.1:0`, 300 s job retention, no
    /// download throttle, ONTAP 9.15.1 with the default cluster (the SVM `vs0` and no
    /// volumes), no seeded jobs or packages, 100 ms jobs, 10 s upgrades, a 1,000-request
    /// log, no faults, no client certificate login, one-hour tokens.
    ///
    /// ```
    /// let builder = ontap_sim::Simulator::builder();
    /// # let _ = builder;
    /// ```
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// The base URL, without the `/api` suffix: `https://127.0.0.1:PORT` (or `http://`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert_eq!(sim.base_url(), format!("https://{}", sim.addr()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The username requests must use.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().credentials("root", "pw").start().await?;
    /// assert_eq!(sim.username(), "root");
    /// # Ok(())
    /// # }
    /// ```
    pub fn username(&self) -> &str {
        &self.shared.config.username
    }

    /// The password requests must use.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().credentials("root", "pw").start().await?;
    /// assert_eq!(sim.password(), "pw");
    /// # Ok(())
    /// # }
    /// ```
    pub fn password(&self) -> &str {
        &self.shared.config.password
    }

    /// The self-signed certificate (PEM) when serving HTTPS, so a client can trust it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.certificate_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// let plain = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// assert!(plain.certificate_pem().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The SHA-256 fingerprint of the server certificate (of its DER), as uppercase hex
    /// pairs joined by `:`, the form `openssl x509 -noout -fingerprint -sha256` prints
    /// after `=`; `None` without TLS. A client that pins certificates compares it with the
    /// certificate it receives.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// let fingerprint = sim.certificate_sha256().unwrap();
    /// assert_eq!(fingerprint.len(), 32 * 3 - 1); // AA:BB:...
    /// assert!(fingerprint.split(':').all(|pair| pair.len() == 2
    ///     && pair.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())));
    /// let plain = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// assert!(plain.certificate_sha256().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn certificate_sha256(&self) -> Option<String> {
        self.certificate_sha256.clone()
    }

    /// The certificate (PEM) of the CA that signs client certificates, with
    /// [`SimulatorBuilder::client_certificate_login`] (and TLS) on; `None` otherwise.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// assert!(sim.client_ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// let off = ontap_sim::Simulator::builder().start().await?;
    /// assert!(off.client_ca_pem().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_ca_pem(&self) -> Option<&str> {
        self.shared.logins.client_ca.as_ref().map(auth::ClientCa::pem)
    }

    /// A new key and client certificate for `user` (subject CN = `user`), signed by the
    /// simulator's CA, for TLS client authentication (see
    /// [`SimulatorBuilder::client_certificate_login`]). A certificate for the configured
    /// [`username`](Simulator::username) logs in; one for another name is accepted by the
    /// TLS handshake but logs in nothing.
    ///
    /// `None` when the login is off (or TLS is); also, though it does not happen in
    /// practice, when generating the key or signing fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().client_certificate_login(true).start().await?;
    /// let admin = sim.issue_client_certificate("admin").unwrap();
    /// let other = sim.issue_client_certificate("monitor").unwrap();
    /// assert_ne!(admin.certificate_pem, other.certificate_pem);
    /// let off = ontap_sim::Simulator::builder().start().await?;
    /// assert!(off.issue_client_certificate("admin").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn issue_client_certificate(&self, user: &str) -> Option<ClientCertificate> {
        self.shared.logins.client_ca.as_ref()?.issue(user).ok()
    }

    /// A new bearer token (an OAuth 2.0 access token), valid for `lifetime` from now.
    ///
    /// A request with `Authorization: Bearer <token>` logs in while the token is valid.
    /// Once it has expired, after [`Simulator::revoke_tokens`], or for a token the
    /// simulator never issued, the request gets 401 with
    /// `WWW-Authenticate: Bearer error="invalid_token"` and no body. A token is 32 random
    /// bytes in base64url without padding (43 characters). The simulator keeps only its
    /// SHA-256, and the request log records its number
    /// ([`Login::Bearer`]: 1 for the first token issued), never the token.
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// use std::time::Duration;
    ///
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let token = sim.issue_token(Duration::from_secs(60));
    /// let r = reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .bearer_auth(&token)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 200);
    /// assert_eq!(sim.requests()[0].auth, Some(ontap_sim::Login::Bearer { token: 1 }));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # From outside the process
    ///
    /// `POST /sim/tokens` issues one over HTTP, as a token endpoint would, for the Basic
    /// credentials (401 without them; a certificate or a token is not enough). Its body
    /// is empty or `{"expires_in": <seconds>}`; without `expires_in` the token lasts
    /// [`SimulatorBuilder::token_lifetime`] (one hour by default). It answers 201 with
    /// `{"access_token": "...", "token_type": "Bearer", "expires_in": <seconds>}` and
    /// `Cache-Control: no-store`. A body that is not such an object answers 400 (`262199`
    /// for invalid JSON, `262255` for another JSON value, `262179` for another field,
    /// `262197` for an `expires_in` that is not a whole number of seconds), a query
    /// parameter 400 `262179`, another method 405 code `3` (with `Allow: POST`). As for
    /// `/sim/requests`, no fault applies and the request is not recorded.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let http = reqwest::Client::new();
    /// let r = http
    ///     .post(format!("{}/sim/tokens", sim.base_url()))
    ///     .basic_auth(sim.username(), Some(sim.password()))
    ///     .body(r#"{"expires_in": 300}"#)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 201);
    /// let answer: serde_json::Value = serde_json::from_str(&r.text().await?)?;
    /// assert_eq!((answer["token_type"].as_str(), answer["expires_in"].as_u64()), (Some("Bearer"), Some(300)));
    /// let token = answer["access_token"].as_str().unwrap();
    /// let r = http.get(format!("{}/api/cluster", sim.base_url())).bearer_auth(token).send().await?;
    /// assert_eq!(r.status(), 200);
    /// # Ok(())
    /// # }
    /// ```
    pub fn issue_token(&self, lifetime: Duration) -> String {
        match self.shared.logins.tokens.issue(lifetime) {
            Some((token, _)) => token,
            None => panic!("the operating system's random number generator failed"),
        }
    }

    /// Refuses every token issued so far, from now on, as a cluster does once its
    /// authorization server has rotated its signing keys. Tokens issued later are valid
    /// (their numbers keep counting up).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let token = sim.issue_token(std::time::Duration::from_secs(3600));
    /// sim.revoke_tokens();
    /// let r = reqwest::Client::new()
    ///     .get(format!("{}/api/cluster", sim.base_url()))
    ///     .bearer_auth(&token)
    ///     .send()
    ///     .await?;
    /// assert_eq!(r.status(), 401);
    /// assert_eq!(r.headers()["www-authenticate"], "Bearer error=\"invalid_token\"");
    /// # Ok(())
    /// # }
    /// ```
    pub fn revoke_tokens(&self) {
        self.shared.logins.tokens.revoke_all();
    }

    /// The packages in the repository (downloaded successfully or seeded, and not deleted),
    /// oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// assert!(sim.packages().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn packages(&self) -> Vec<Package> {
        self.shared.inventory.read().package_list()
    }

    /// The ONTAP version the cluster runs now (it changes when an upgrade completes).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().cluster_version("9.14.1").start().await?;
    /// assert_eq!(sim.cluster_version(), "9.14.1");
    /// # Ok(())
    /// # }
    /// ```
    pub fn cluster_version(&self) -> String {
        self.shared.inventory.read().version.to_string()
    }

    /// The last requests received (at most [`SimulatorBuilder::request_log`], 1,000 by
    /// default), oldest first, with secrets masked (see [`RecordedRequest`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let patches = sim.requests().into_iter().filter(|r| r.method == "PATCH").count();
    /// assert_eq!(patches, 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.snapshot()
    }

    /// Empties the request log.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.clear_requests();
    /// assert!(sim.requests().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_requests(&self) {
        self.shared.requests.clear();
    }

    /// How many TCP connections the simulator accepted, how many are open now and the most
    /// that were open at once (see [`ConnectionStats`]; `GET /sim/connections` answers the
    /// same over HTTP).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// let stats = sim.connections();
    /// assert_eq!((stats.accepted, stats.open, stats.peak_open), (0, 0, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn connections(&self) -> ConnectionStats {
        self.shared.connections.stats()
    }

    /// Activates a fault for the following requests (see [`Fault`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.inject(ontap_sim::Fault::status(429).retry_after(1).times(1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.add(fault);
    }

    /// Removes every active fault.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// sim.inject(ontap_sim::Fault::status(503));
    /// sim.clear_faults();
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Stops accepting connections, closes the open ones (after their current response,
    /// at most 2 s), stops running downloads and waits for the server task to end.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().start().await?;
    /// let addr = sim.addr();
    /// sim.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        self.shared.abort_tasks();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        self.shared.abort_tasks();
    }
}
