//! Transport faults: bodies too large or endless, servers that echo the
//! request back, and certificate failures.
//!
//! Bytes the simulator cannot produce (a body that never ends, a lying
//! `Content-Length`, an echo of the request) come from a tiny raw HTTP server
//! on a thread of its own, which counts what it managed to send: memory is
//! bounded by that count, never by measuring the process.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use common::PASSWORD;
use ontap::http::Method;
use ontap::prelude::*;
use ontap::resources::SoftwarePackageDownload;
use ontap::{Error, HostConnection, JobLink, PollOptions, Query, RequestSpec, Scheme};
use ontap_sim::Simulator;

/// Every test body runs under this bound.
const LIMIT: Duration = Duration::from_secs(120);

/// The most a raw server sends on one connection before it gives up and
/// closes it: a client that reads without limit reads all of it.
const SERVER_BOUND: u64 = 256 << 20;

/// The password of the package server, sent in the body of a download.
const DOWNLOAD_PASSWORD: &str = "web-Pa55-also-secret";

/// A raw HTTP/1.1 server: each connection's request is read (head and
/// `Content-Length` body), then `answer` writes whatever it likes.
struct RawServer {
    addr: SocketAddr,
    /// Bytes written, over every connection.
    sent: Arc<AtomicU64>,
    /// Connections accepted.
    connections: Arc<AtomicUsize>,
}

type Answer = dyn Fn(&[u8], &mut Counted) + Send + Sync;

/// A stream that counts the bytes written to it.
struct Counted {
    stream: TcpStream,
    sent: Arc<AtomicU64>,
    here: u64,
}

impl Counted {
    /// Writes all of `bytes`; false once the peer is gone or the bound is reached.
    fn send(&mut self, bytes: &[u8]) -> bool {
        if self.here >= SERVER_BOUND || self.stream.write_all(bytes).is_err() {
            return false;
        }
        self.here += bytes.len() as u64;
        self.sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        true
    }
}

impl RawServer {
    fn start(answer: impl Fn(&[u8], &mut Counted) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicUsize::new(0));
        let answer: Arc<Answer> = Arc::new(answer);
        let (total, count) = (sent.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let (answer, sent) = (answer.clone(), total.clone());
                std::thread::spawn(move || {
                    let Some(request) = read_request(&stream) else { return };
                    let mut out = Counted { stream, sent, here: 0 };
                    answer(&request, &mut out);
                    let _ = out.stream.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        RawServer {
            addr,
            sent,
            connections,
        }
    }

    fn connection(&self) -> ontap::HostConnectionBuilder {
        HostConnection::builder(self.addr.ip().to_string())
            .port(self.addr.port())
            .scheme(Scheme::Http)
            .basic_auth("admin", PASSWORD)
            .poll_interval(Duration::from_millis(20))
            .poll_timeout(Duration::from_secs(5))
    }

    fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

/// The request's head and body, as received.
fn read_request(mut stream: &TcpStream) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        request.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        request.extend_from_slice(&buf[..n]);
    }
    Some(request)
}

/// Writes a chunked body of `piece` repeated until the client stops reading
/// (or the bound is reached, after which the connection closes mid-body).
fn endless_chunks(out: &mut Counted, head: &str, piece: &[u8]) {
    if !out.send(head.as_bytes()) {
        return;
    }
    let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
    chunk.extend_from_slice(piece);
    chunk.extend_from_slice(b"\r\n");
    while out.send(&chunk) {}
}

fn get(path: &str) -> RequestSpec {
    RequestSpec::new(Method::GET, path, &Query::new())
}

fn post(path: &str) -> RequestSpec {
    RequestSpec::new(Method::POST, path, &Query::new()).with_body(serde_json::json!({"name": "x"}))
}

// --- Defect 2: bodies are read with a cap -----------------------------------

#[tokio::test]
async fn an_endless_body_ends_at_the_cap_not_at_the_timeout() {
    tokio::time::timeout(LIMIT, async {
        let server = RawServer::start(|_, out| {
            endless_chunks(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                &[b' '; 64 * 1024],
            )
        });
        // The request timeout is far away: only the cap can end the read.
        let conn = server
            .connection()
            .max_body_bytes(1 << 20)
            .request_timeout(Duration::from_secs(100))
            .build()
            .unwrap();
        let err = conn.execute(&post("/storage/volumes")).await.unwrap_err();
        let Error::BodyTooLarge {
            status,
            limit,
            announced,
            ..
        } = &err
        else {
            panic!("expected BodyTooLarge, got {err:?}")
        };
        assert_eq!((status.as_u16(), *limit, *announced), (200, 1 << 20, None));
        assert!(
            err.to_string().contains("larger than the limit of 1048576 bytes"),
            "{err}"
        );
        // What the server managed to send before the client stopped reading:
        // the cap and the socket buffers, far less than the bound.
        let sent = server.sent();
        assert!(sent < 48 << 20, "the server sent {sent} bytes");
    })
    .await
    .expect("the read ended long before the limit");
}

#[tokio::test]
async fn a_body_announced_beyond_the_cap_is_refused_unread() {
    tokio::time::timeout(LIMIT, async {
        // Announces 10 GiB, then sends for as long as the client reads.
        let server = RawServer::start(|_, out| {
            if !out.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n") {
                return;
            }
            while out.send(&[b' '; 64 * 1024]) {}
        });
        // The default cap, 64 MiB: the announced length is beyond it.
        let conn = server.connection().build().unwrap();
        assert_eq!(conn.max_body_bytes(), 64 << 20);
        let err = conn.execute(&get("/storage/volumes")).await.unwrap_err();
        let Error::BodyTooLarge { limit, announced, .. } = &err else {
            panic!("expected BodyTooLarge, got {err:?}")
        };
        assert_eq!((*limit, *announced), (64 << 20, Some(10 << 30)));
        // Not retried, and not read: only what the socket buffers took.
        assert_eq!(server.connections.load(Ordering::SeqCst), 1);
        let sent = server.sent();
        assert!(sent < 32 << 20, "the server sent {sent} bytes");
    })
    .await
    .expect("the read ended long before the limit");
}

#[tokio::test]
async fn an_endless_error_body_is_read_only_as_far_as_it_is_kept() {
    tokio::time::timeout(LIMIT, async {
        let server = RawServer::start(|_, out| {
            endless_chunks(
                out,
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
                b"<html>Bad Gateway</html>",
            )
        });
        let conn = server.connection().build().unwrap();
        let err = conn.execute(&post("/storage/volumes")).await.unwrap_err();
        let Error::Http { status, body, .. } = &err else {
            panic!("expected Http, got {err:?}")
        };
        assert_eq!(*status, 502);
        assert!(body.text.starts_with("<html>Bad Gateway</html>"), "{body:?}");
        assert!(body.is_truncated() && !body.is_len_exact(), "{body:?}");
        assert!(body.len > 2048 && body.len < 1 << 20, "{body:?}");
        assert!(err.to_string().contains("text/html body of at least"), "{err}");
        let sent = server.sent();
        assert!(sent < 32 << 20, "the server sent {sent} bytes");
    })
    .await
    .expect("the read ended long before the limit");
}

#[tokio::test]
async fn a_real_page_fits_the_default_cap_and_a_small_cap_refuses_it() {
    tokio::time::timeout(LIMIT, async {
        let sim = Simulator::builder()
            .tls(false)
            .seed_volumes(1000)
            .start()
            .await
            .unwrap();
        let page = RequestSpec::new(
            Method::GET,
            "/storage/volumes",
            &Query::new().param("fields", "**").max_records(1000),
        );
        let connect = |limit: Option<usize>| {
            let addr = sim.addr();
            let builder = HostConnection::builder(addr.ip().to_string())
                .port(addr.port())
                .scheme(Scheme::Http)
                .basic_auth(sim.username(), sim.password());
            match limit {
                Some(limit) => builder.max_body_bytes(limit),
                None => builder,
            }
            .build()
            .unwrap()
        };
        let response = connect(None).execute(&page).await.expect("a real page fits");
        let records = response.json().unwrap()["records"].as_array().unwrap().len();
        assert_eq!(records, 1000);
        let size = response.body().len();
        let err = connect(Some(size / 2)).execute(&page).await.unwrap_err();
        assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
        assert!(!err.is_retryable());
        assert!(
            HostConnection::builder("cluster").max_body_bytes(0).build().is_err(),
            "a cap of zero is refused"
        );
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_ontap_error_longer_than_what_a_raw_body_keeps_is_still_read_whole() {
    let message = format!("volume is busy: {}", "x".repeat(10_000));
    let server = RawServer::start({
        let message = message.clone();
        move |_, out| {
            let body = serde_json::json!({"error": {"message": message, "code": "917927"}}).to_string();
            let head = format!(
                "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = out.send(head.as_bytes()) && out.send(body.as_bytes());
        }
    });
    let conn = server.connection().build().unwrap();
    let err = conn.execute(&post("/storage/volumes")).await.unwrap_err();
    let Error::Api { error, .. } = &err else {
        panic!("expected Api, got {err:?}")
    };
    assert_eq!(error.message.as_deref(), Some(message.as_str()));
    assert_eq!(err.ontap_code(), Some("917927"));
}

// --- Defect 8: an echo of the request keeps no secret -----------------------

/// The Basic token the connection sends.
fn basic_token() -> String {
    base64(format!("admin:{PASSWORD}").as_bytes())
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A server that answers `status` with the request it received as its body.
fn echo_server(status: &'static str, content_type: &'static str) -> RawServer {
    RawServer::start(move |request, out| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            request.len()
        );
        let _ = out.send(head.as_bytes()) && out.send(request);
    })
}

fn assert_no_secret(err: &Error) {
    let text = format!("{err} {err:?} {err:#?}");
    for secret in [PASSWORD, DOWNLOAD_PASSWORD, basic_token().as_str()] {
        assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
    }
}

fn download() -> SoftwarePackageDownload {
    SoftwarePackageDownload {
        url: Some("http://server/package".into()),
        username: Some("web".into()),
        password: Some(DOWNLOAD_PASSWORD.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_echoed_error_page_keeps_no_credentials_nor_body_secrets() {
    let server = echo_server("400 Bad Request", "text/plain");
    let conn = server.connection().build().unwrap();
    let err = download().post(&conn).await.unwrap_err();
    let Error::Http { body, .. } = &err else {
        panic!("expected Http, got {err:?}")
    };
    // The echo is kept, its secrets masked.
    assert!(body.text.starts_with("POST /api/cluster/software/download"), "{body:?}");
    assert!(body.text.contains("Basic *********"), "{body:?}");
    assert!(body.text.contains(r#""password":"*********""#), "{body:?}");
    assert!(body.text.contains(r#""url":"http://server/package""#), "{body:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_secret_cut_at_the_end_of_what_is_kept_is_masked_too() {
    // The body is padded so that the kept 2 KiB end inside the Basic token.
    let token = basic_token();
    let server = RawServer::start(move |request, out| {
        let at = String::from_utf8_lossy(request).find(&token).unwrap();
        let mut body = vec![b'.'; 2048 - at - 10];
        body.extend_from_slice(request);
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = out.send(head.as_bytes()) && out.send(&body);
    });
    let conn = server.connection().build().unwrap();
    let err = conn.execute(&get("/cluster")).await.unwrap_err();
    let Error::Http { body, .. } = &err else {
        panic!("expected Http, got {err:?}")
    };
    assert!(body.is_truncated());
    assert!(body.text.ends_with("Basic *********"), "{body:?}");
    assert!(!body.text.contains(&basic_token()[..10]), "{body:?}");
}

#[tokio::test]
async fn an_echo_with_a_success_status_keeps_no_credentials() {
    // A 200 whose body is not JSON: the Decode error keeps the body.
    let server = echo_server("200 OK", "application/json");
    let conn = server.connection().build().unwrap();
    let err = SoftwarePackageDownload::default().get(&conn).await.unwrap_err();
    let Error::Decode { body, .. } = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert!(body.text.contains("Basic *********"), "{body:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_echo_inside_an_ontap_error_keeps_no_secrets() {
    let server = RawServer::start(|request, out| {
        let echo = String::from_utf8_lossy(request).into_owned();
        let body = serde_json::json!({"error": {"message": echo, "code": "2", "target": echo}}).to_string();
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = out.send(head.as_bytes()) && out.send(body.as_bytes());
    });
    let conn = server.connection().build().unwrap();
    let err = download().post(&conn).await.unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert_no_secret(&err);
}

// --- Defect 9: certificate failures are final; an empty PEM is refused -------

/// A TCP proxy in front of `target` that counts the connections it forwards.
fn counting_proxy(target: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let Ok(upstream) = TcpStream::connect(target) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), upstream.try_clone().unwrap()),
                (upstream, client),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    (addr, count)
}

#[tokio::test]
async fn a_certificate_failure_is_not_retried() {
    tokio::time::timeout(LIMIT, async {
        let sim = Simulator::builder().tls(true).start().await.unwrap();
        let (addr, handshakes) = counting_proxy(sim.addr());
        let conn = HostConnection::builder(addr.ip().to_string())
            .port(addr.port())
            .basic_auth(sim.username(), sim.password())
            .poll_interval(Duration::from_millis(20))
            .build()
            .unwrap();
        let err = SoftwarePackageDownload::default().get(&conn).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert_eq!(handshakes.load(Ordering::SeqCst), 1, "one handshake, no retry");

        // Nor does a wait poll on through it.
        let link = JobLink {
            uuid: "0b2c1a7e-0000-4000-8000-000000000001".into(),
            links: None,
        };
        let options = PollOptions::default().timeout(Duration::from_secs(30));
        let err = link.wait(&conn, &options).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert_eq!(handshakes.load(Ordering::SeqCst), 2, "one more handshake, no retry");
    })
    .await
    .expect("a certificate failure ends at once");
}

#[test]
fn a_pem_without_a_certificate_is_a_configuration_error() {
    // A key alone: PEM, but no certificate.
    let key_only = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n";
    for pem in ["", "   \n", "not a certificate", key_only] {
        let result = HostConnection::builder("cluster").add_root_certificate_pem(pem).build();
        let err = result.err().unwrap_or_else(|| panic!("{pem:?} was accepted"));
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains("certificate"), "{err}");
    }
}

// --- A stalled answer ends at the read time-out ------------------------------

#[tokio::test]
async fn a_body_that_stops_arriving_ends_at_the_read_timeout() {
    tokio::time::timeout(Duration::from_secs(20), async {
        // Announces 100 bytes, sends 10, then nothing while the connection stays open.
        let server = RawServer::start(|_, out| {
            if out.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"records\"")
            {
                std::thread::sleep(Duration::from_secs(60));
            }
        });
        // The request may take 100 s in all; a stall of 300 ms ends it.
        let conn = server
            .connection()
            .request_timeout(Duration::from_secs(100))
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = conn.execute(&get("/storage/volumes")).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert_eq!(err.kind(), ontap::ErrorKind::Timeout);
    })
    .await
    .expect("the stall ended at the read time-out, long before the request's");
}
