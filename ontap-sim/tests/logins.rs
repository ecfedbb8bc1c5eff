//! Logins as real clusters take them: client certificates (ONTAP's `cert` method), bearer
//! tokens with an expiry, server certificates that do not name the address, the
//! "temporarily locked" answer, and what the request log says about each request's login
//! and arrival.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::bounded;
use ontap_sim::{ClientCertificate, Fault, Login, Simulator};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use serde_json::{Value, json};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).expect("a PEM certificate")
}

/// A root store with the simulator's own certificate.
fn roots(sim: &Simulator) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(der(sim.certificate_pem().expect("TLS")))
        .expect("a valid root");
    roots
}

/// A client that verifies the simulator's certificate and presents `identity`, if any
/// (certificate and key, PEM).
fn client(sim: &Simulator, identity: Option<(&str, &str)>) -> reqwest::Client {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots(sim));
    let tls = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![der(cert)],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("a PEM key"),
            )
            .expect("a usable client certificate"),
        None => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

fn with_certificate(sim: &Simulator, cert: &ClientCertificate) -> reqwest::Client {
    client(sim, Some((&cert.certificate_pem, &cert.private_key_pem)))
}

/// An answer's status, headers and body text.
async fn answer(req: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, String) {
    let r = req.send().await.expect("an answer");
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("the body"))
}

fn url(sim: &Simulator, path: &str) -> String {
    format!("{}{path}", sim.base_url())
}

/// The login recorded for the last request of the log.
fn last_login(sim: &Simulator) -> Option<Login> {
    sim.requests().pop().expect("a recorded request").auth
}

/// A CA of our own and a certificate it signs for `user`: not the simulator's.
fn foreign_certificate(user: &str) -> ClientCertificate {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::default();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, user);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    ClientCertificate {
        certificate_pem: cert.pem(),
        private_key_pem: key.serialize_pem(),
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

// ---------------------------------------------------------------------------------------
// client certificates

#[tokio::test]
async fn a_certificate_for_the_user_logs_in_without_an_authorization_header() {
    bounded(async {
        let sim = Simulator::builder()
            .client_certificate_login(true)
            .start()
            .await
            .unwrap();
        let cert = sim.issue_client_certificate(sim.username()).expect("the login is on");
        assert!(cert.private_key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let debug = format!("{cert:?}");
        assert!(
            !debug.contains("PRIVATE") && !debug.contains(&cert.private_key_pem[30..60]),
            "{debug}"
        );
        assert!(sim.client_ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));

        let http = with_certificate(&sim, &cert);
        let (status, _, text) = answer(http.get(url(&sim, "/api/cluster"))).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let cluster: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(cluster["name"], "sim-cluster");
        assert_eq!(last_login(&sim), Some(Login::Certificate { user: "admin".into() }));
        // Every request of the connection, and the /sim endpoints too.
        let (status, _, text) = answer(http.get(url(&sim, "/sim/requests"))).await;
        assert_eq!(status, StatusCode::OK);
        let log: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(log[0]["auth"], "certificate:admin");

        // A client without a certificate still connects, and needs credentials as before.
        let plain = client(&sim, None);
        let (status, headers, text) = answer(plain.get(url(&sim, "/api/cluster"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Basic realm=\"ONTAP\"");
        assert!(text.is_empty());
        assert_eq!(last_login(&sim), None, "a refused request is logged without a login");
        let (status, ..) = answer(
            plain
                .get(url(&sim, "/api/cluster"))
                .basic_auth("admin", Some("netapp1!")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(last_login(&sim), Some(Login::Basic));

        // Off: no CA, no certificates.
        let off = Simulator::builder().start().await.unwrap();
        assert!(off.client_ca_pem().is_none() && off.issue_client_certificate("admin").is_none());
        let http_only = Simulator::builder()
            .tls(false)
            .client_certificate_login(true)
            .start()
            .await
            .unwrap();
        assert!(http_only.issue_client_certificate("admin").is_none());
    })
    .await;
}

#[tokio::test]
async fn a_certificate_for_another_user_gets_401_unless_another_login_holds() {
    bounded(async {
        let sim = Simulator::builder()
            .client_certificate_login(true)
            .start()
            .await
            .unwrap();
        let cert = sim.issue_client_certificate("monitor").unwrap();
        let http = with_certificate(&sim, &cert);
        let (status, headers, text) = answer(http.get(url(&sim, "/api/cluster"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Basic realm=\"ONTAP\"");
        assert!(text.is_empty());
        assert_eq!(last_login(&sim), None);

        // Any one valid login is enough.
        let (status, ..) = answer(
            http.get(url(&sim, "/api/cluster"))
                .basic_auth("admin", Some("netapp1!")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(last_login(&sim), Some(Login::Basic));
        let token = sim.issue_token(Duration::from_secs(60));
        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(last_login(&sim), Some(Login::Bearer { token: 1 }));
        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).basic_auth("admin", Some("wrong"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // The user's own certificate, with wrong credentials besides: the certificate wins.
        let own = with_certificate(&sim, &sim.issue_client_certificate("admin").unwrap());
        let (status, ..) = answer(own.get(url(&sim, "/api/cluster")).basic_auth("admin", Some("wrong"))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(last_login(&sim), Some(Login::Certificate { user: "admin".into() }));
    })
    .await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_fails_the_handshake() {
    bounded(async {
        let sim = Simulator::builder()
            .client_certificate_login(true)
            .start()
            .await
            .unwrap();
        let foreign = foreign_certificate("admin");
        let http = with_certificate(&sim, &foreign);
        let result = http
            .get(url(&sim, "/api/cluster"))
            .basic_auth("admin", Some("netapp1!"))
            .send()
            .await;
        let error = result.expect_err("answered");
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(e) = source {
            chain.push_str(&format!(": {e}"));
            source = e.source();
        }
        // The server refuses it with a TLS alert: the CA is not the one it trusts.
        assert!(chain.contains("UnknownCA"), "{chain}");
        assert!(sim.requests().is_empty(), "nothing got through");
        // The simulator's own certificates still work after that.
        let own = with_certificate(&sim, &sim.issue_client_certificate("admin").unwrap());
        let (status, ..) = answer(own.get(url(&sim, "/api/cluster"))).await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// bearer tokens

#[tokio::test]
async fn a_token_logs_in_and_is_never_recorded() {
    bounded(async {
        let log_file = std::env::temp_dir().join(format!("ontap-sim-logins-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&log_file);
        let sim = Simulator::builder()
            .tls(false)
            .request_log_file(&log_file)
            .start()
            .await
            .unwrap();
        let token = sim.issue_token(Duration::from_secs(60));
        assert_eq!(token.len(), 43, "32 bytes in base64url without padding: {token}");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(sim.issue_token(Duration::from_secs(60)), token, "random");
        let http = common::insecure_client();
        let (status, _, text) = answer(http.get(url(&sim, "/api/cluster?fields=version")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(last_login(&sim), Some(Login::Bearer { token: 1 }));
        // The scheme is case-insensitive.
        let (status, ..) = answer(
            http.get(url(&sim, "/api/svm/svms"))
                .header("authorization", format!("bearer {token}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // Nowhere: the log, its Debug form, /sim/requests, the log file, the simulator's Debug.
        let (status, _, served) = answer(http.get(url(&sim, "/sim/requests")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK);
        let served: Value = serde_json::from_str(&served).unwrap();
        assert_eq!(served[0]["auth"], "bearer#1");
        let file = std::fs::read_to_string(&log_file).unwrap();
        let _ = std::fs::remove_file(&log_file);
        assert_eq!(file.lines().count(), 2);
        assert!(file.contains("\"auth\":\"bearer#1\""), "{file}");
        for text in [
            format!("{:?}", sim.requests()),
            served.to_string(),
            file,
            format!("{sim:?}"),
        ] {
            assert!(!text.contains(&token), "the token leaked: {text}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_gets_401_with_the_bearer_challenge() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let http = common::insecure_client();
        // A connection first, so that the token's first use is quick.
        let (status, ..) = answer(
            http.get(url(&sim, "/api/cluster"))
                .basic_auth("admin", Some("netapp1!")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let token = sim.issue_token(Duration::from_millis(200));
        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (status, headers, text) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");
        assert!(text.is_empty(), "no body: {text:?}");
        assert_eq!(last_login(&sim), None);
        // A token the simulator never issued: the same.
        let (status, headers, _) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth("made-up")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");
        // The /sim endpoints refuse it the same way.
        let (status, headers, _) = answer(http.get(url(&sim, "/sim/connections")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");
    })
    .await;
}

#[tokio::test]
async fn revoke_tokens_refuses_a_live_token() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let http = common::insecure_client();
        let first = sim.issue_token(Duration::from_secs(3600));
        let second = sim.issue_token(Duration::from_secs(3600));
        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&first)).await;
        assert_eq!(status, StatusCode::OK);
        sim.revoke_tokens();
        for token in [&first, &second] {
            let (status, headers, _) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(token)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(headers["www-authenticate"], "Bearer error=\"invalid_token\"");
        }
        // New tokens are valid, and numbered on.
        let third = sim.issue_token(Duration::from_secs(3600));
        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&third)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(last_login(&sim), Some(Login::Bearer { token: 3 }));
    })
    .await;
}

#[tokio::test]
async fn post_sim_tokens_needs_basic_and_returns_a_working_token() {
    bounded(async {
        let sim = Simulator::builder()
            .tls(false)
            .token_lifetime(Duration::from_secs(120))
            .start()
            .await
            .unwrap();
        let http = common::insecure_client();
        let endpoint = url(&sim, "/sim/tokens");
        let basic = |req: reqwest::RequestBuilder| req.basic_auth("admin", Some("netapp1!"));

        let (status, headers, text) = answer(http.post(&endpoint)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["www-authenticate"], "Basic realm=\"ONTAP\"");
        assert!(text.is_empty());
        let (status, ..) = answer(http.post(&endpoint).basic_auth("admin", Some("wrong"))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // A token does not get another token.
        let issued = sim.issue_token(Duration::from_secs(60));
        let (status, ..) = answer(http.post(&endpoint).bearer_auth(&issued)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // With Basic: the default lifetime, then the one asked for.
        let (status, headers, text) = answer(basic(http.post(&endpoint))).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["cache-control"], "no-store");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 120);
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
        let (status, _, text) = answer(basic(http.post(&endpoint)).body(r#"{"expires_in": 5}"#)).await;
        assert_eq!(status, StatusCode::CREATED);
        let short: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(short["expires_in"], 5);

        let (status, ..) = answer(http.get(url(&sim, "/api/cluster")).bearer_auth(&token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            last_login(&sim),
            Some(Login::Bearer { token: 2 }),
            "the second token issued"
        );
        let (status, ..) = answer(
            http.get(url(&sim, "/api/cluster"))
                .bearer_auth(short["access_token"].as_str().unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // Refusals, with ONTAP bodies.
        let code = |text: &str| -> Value { serde_json::from_str::<Value>(text).unwrap()["error"]["code"].clone() };
        for (body, expected) in [
            ("{", "262199"),
            ("[1]", "262255"),
            (r#"{"scope": "all"}"#, "262179"),
            (r#"{"expires_in": "60"}"#, "262197"),
            (r#"{"expires_in": -1}"#, "262197"),
        ] {
            let (status, _, text) = answer(basic(http.post(&endpoint)).body(body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
            assert_eq!(code(&text), expected, "{body}");
        }
        let (status, _, text) = answer(basic(http.post(format!("{endpoint}?expires_in=5")))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(code(&text), "262179");
        let (status, headers, text) = answer(basic(http.get(&endpoint))).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(headers["allow"], "POST");
        assert_eq!(code(&text), "3");

        // No fault applies to it, and it is not recorded.
        sim.clear_requests();
        sim.inject(Fault::status(503));
        let (status, ..) = answer(basic(http.post(&endpoint))).await;
        assert_eq!(status, StatusCode::CREATED);
        sim.clear_faults();
        assert!(sim.requests().is_empty());
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// a server certificate that does not name the address

#[tokio::test]
async fn certificate_names_gives_a_certificate_without_the_address() {
    bounded(async {
        const NAME: &str = "cluster1.example.invalid";
        let sim = Simulator::builder().certificate_names([NAME]).start().await.unwrap();
        let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots(&sim)), provider())
            .build()
            .unwrap();
        let cert = der(sim.certificate_pem().unwrap());
        let verify = |name: ServerName<'static>| verifier.verify_server_cert(&cert, &[], &name, &[], UnixTime::now());
        use rustls::client::danger::ServerCertVerifier as _;
        let refused = verify(ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into())).unwrap_err();
        assert!(
            matches!(
                refused,
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. }
                )
            ),
            "{refused:?}"
        );
        verify(ServerName::try_from(NAME).unwrap()).expect("valid for its own name");
        // The name is there three times: as the CN of the issuer and of the subject (the
        // same: self-signed) and in the alternative names.
        assert_eq!(cert.windows(NAME.len()).filter(|w| *w == NAME.as_bytes()).count(), 3);

        // The fingerprint is the SHA-256 of the DER a client receives.
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots(&sim))
            .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from(NAME).unwrap(), tcp)
            .await
            .expect("the handshake, for the certificate's own name");
        let received = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
        assert_eq!(received, cert);
        let fingerprint = sim.certificate_sha256().unwrap();
        assert_eq!(fingerprint, hex_sha256(&received));
        assert_eq!(fingerprint.len(), 95);
        assert!(
            fingerprint
                .bytes()
                .all(|b| b == b':' || b.is_ascii_digit() || b.is_ascii_uppercase())
        );

        // The default certificate names the address and keeps rcgen's subject.
        let default = Simulator::builder().start().await.unwrap();
        let cert = der(default.certificate_pem().unwrap());
        assert!(cert.windows(22).any(|w| w == b"rcgen self signed cert"));
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots(&default)), provider())
                .build()
                .unwrap();
        verifier
            .verify_server_cert(
                &cert,
                &[],
                &ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
                &[],
                UnixTime::now(),
            )
            .expect("valid for 127.0.0.1");
        assert_eq!(default.certificate_sha256().unwrap(), hex_sha256(&cert));
        let plain = Simulator::builder().tls(false).start().await.unwrap();
        assert_eq!(plain.certificate_sha256(), None);

        // A name that is neither a host name nor an address fails the start.
        let bad = Simulator::builder().certificate_names(["not a name"]).start().await;
        assert_eq!(bad.map(|_| ()).unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
        let wildcard = Simulator::builder()
            .certificate_names(["*.example.invalid", "10.0.0.5", "::1"])
            .start()
            .await
            .unwrap();
        let cert = der(wildcard.certificate_pem().unwrap());
        assert!(cert.windows(17).any(|w| w == b"*.example.invalid"));
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// "temporarily locked"

#[tokio::test]
async fn fault_locked_answers_409_2621573_then_the_request_succeeds() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let api = common::Api::new(&sim);
        sim.inject(
            Fault::locked()
                .method("POST")
                .path("/api/svm/svms")
                .retry_after(2)
                .times(1),
        );
        let body = r#"{"name": "vs_locked"}"#;
        let r = api.post("/api/svm/svms", body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.error_code(), "2621573");
        let message = r.json["error"]["message"].as_str().unwrap();
        assert!(message.contains("temporarily locked"), "{message}");
        assert_eq!(r.headers["retry-after"], "2");
        assert_eq!(
            api.get("/api/svm/svms?name=vs_locked").await.json["num_records"],
            0,
            "nothing was done"
        );
        // A GET is not matched; the same POST again succeeds.
        assert_eq!(api.get("/api/svm/svms").await.status, StatusCode::OK);
        let r = api.post("/api/svm/svms", body).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        api.job_ok(r).await;
        assert_eq!(api.get("/api/svm/svms?name=vs_locked").await.json["num_records"], 1);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// the log's times

#[tokio::test]
async fn at_is_non_decreasing_in_the_log() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let http = common::insecure_client();
        let get = || {
            http.get(url(&sim, "/api/cluster"))
                .basic_auth("admin", Some("netapp1!"))
                .send()
        };
        get().await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        get().await.unwrap();
        // Some at once, on several connections.
        let many: Vec<_> = (0..8)
            .map(|_| {
                let req = http
                    .get(url(&sim, "/api/cluster"))
                    .basic_auth("admin", Some("netapp1!"));
                tokio::spawn(req.send())
            })
            .collect();
        for r in many {
            assert_eq!(r.await.unwrap().unwrap().status(), StatusCode::OK);
        }
        let log = sim.requests();
        assert_eq!(log.len(), 10);
        assert!(
            log.windows(2).all(|w| w[0].at <= w[1].at),
            "{:?}",
            log.iter().map(|r| r.at).collect::<Vec<_>>()
        );
        assert!(log[1].at >= log[0].at + Duration::from_millis(30));
        assert!(log[9].at < Duration::from_secs(60));
        let (status, _, text) = answer(
            http.get(url(&sim, "/sim/requests"))
                .basic_auth("admin", Some("netapp1!")),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let wire: Vec<Value> = serde_json::from_str(&text).unwrap();
        let at_ms: Vec<f64> = wire.iter().map(|w| w["at_ms"].as_f64().unwrap()).collect();
        assert!(at_ms.windows(2).all(|w| w[0] <= w[1]), "{at_ms:?}");
        for (r, ms) in log.iter().zip(&at_ms) {
            assert!((r.at.as_secs_f64() * 1000.0 - ms).abs() < 0.002, "{:?} vs {ms}", r.at);
        }
        assert_eq!(wire[0]["auth"], json!("basic"));
    })
    .await;
}

#[test]
fn the_simulator_can_be_shared_between_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Simulator>();
    shareable::<ClientCertificate>();
    shareable::<Login>();
}
