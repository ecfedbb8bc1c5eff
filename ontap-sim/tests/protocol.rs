//! The transport: header and body read timeouts, ONTAP bodies for transport refusals (414,
//! 431, 408), what hyper still answers itself, and the request log served over HTTP
//! (`/sim/requests`) and appended to a file. Raw sockets where a client library would
//! hide what happens on the wire.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Api, bounded, json_lines, temp_file, without_at};
use ontap_sim::{Fault, Simulator};
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The read timeout the tests configure (short, so that they run fast).
const SHORT: Duration = Duration::from_millis(300);

async fn plain_sim(read_timeout: Duration) -> Simulator {
    Simulator::builder()
        .tls(false)
        .read_timeout(read_timeout)
        .start()
        .await
        .expect("start")
}

fn basic(sim: &Simulator) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", sim.username(), sim.password()));
    format!("Basic {token}")
}

/// One HTTP/1.1 answer read off a raw socket.
#[derive(Debug)]
struct Raw {
    status: u16,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} in {self:?}", String::from_utf8_lossy(&self.body)))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses one answer (with `Content-Length`) at the start of `bytes`; returns it and the
/// number of bytes it took, or `None` when incomplete.
fn parse(bytes: &[u8]) -> Option<(Raw, usize)> {
    let end = find(bytes, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap_or_else(|| panic!("bad header line {l:?}"));
            (n.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let start = end + 4;
    if bytes.len() < start + len {
        return None;
    }
    let body = bytes[start..start + len].to_vec();
    Some((Raw { status, headers, body }, start + len))
}

/// Reads one answer off a keep-alive connection.
async fn read_answer(conn: &mut TcpStream) -> Raw {
    let mut buf = Vec::new();
    loop {
        if let Some((raw, used)) = parse(&buf) {
            assert_eq!(used, buf.len(), "bytes after the answer: {buf:?}");
            return raw;
        }
        let mut chunk = [0u8; 8192];
        let n = conn.read(&mut chunk).await.expect("read");
        assert!(
            n > 0,
            "closed before a whole answer: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Reads until the server closes; returns what came and how long it took.
async fn read_to_close(conn: &mut (impl AsyncRead + Unpin)) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut buf = Vec::new();
    conn.read_to_end(&mut buf).await.expect("read");
    (buf, start.elapsed())
}

/// Sends `request` on a new connection and reads everything until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    read_to_close(&mut conn).await.0
}

fn ontap_error(raw: &Raw) -> (String, String) {
    let v = raw.json();
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {v}"));
    let code = v["error"]["code"].as_str().unwrap_or_else(|| panic!("no code in {v}"));
    (message.to_owned(), code.to_owned())
}

// ---------------------------------------------------------------------------------------
// read timeouts

#[tokio::test]
async fn half_sent_request_lines_are_answered_408_and_closed_after_the_header_timeout() {
    bounded(async {
        let sim = plain_sim(SHORT).await;
        let mut conns = Vec::new();
        for _ in 0..50 {
            let mut c = TcpStream::connect(sim.addr()).await.unwrap();
            c.write_all(b"GET /api/clus").await.unwrap();
            conns.push(c);
        }
        let start = Instant::now();
        for mut c in conns {
            let (bytes, _) = read_to_close(&mut c).await;
            let (raw, used) = parse(&bytes).unwrap_or_else(|| panic!("no answer: {bytes:?}"));
            assert_eq!(used, bytes.len());
            assert_eq!(raw.status, 408);
            assert_eq!(raw.header("content-type"), Some("application/json"));
            assert_eq!(raw.header("connection"), Some("close"));
            let (message, code) = ontap_error(&raw);
            assert_eq!(code, "2");
            assert!(message.contains("did not arrive within 300ms"), "{message}");
        }
        let waited = start.elapsed();
        // The clock starts when the server waits for the request (at accept, a little before
        // the bytes were written): not much less than the timeout, far below the default.
        assert!(
            waited >= SHORT - Duration::from_millis(100),
            "closed too early: {waited:?}"
        );
        assert!(waited < Duration::from_secs(5), "closed too late: {waited:?}");
        // The simulator still serves.
        assert_eq!(Api::new(&sim).get("/api/cluster").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn over_tls_too_a_half_sent_request_gets_408_then_close_notify() {
    bounded(async {
        let sim = Simulator::builder().read_timeout(SHORT).start().await.unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = rustls::RootCertStore::empty();
        let pem = sim.certificate_pem().unwrap().as_bytes();
        roots.add(CertificateDer::from_pem_slice(pem).unwrap()).unwrap();
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(sim.addr()).await.unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        tls.write_all(b"GET /api/cluster HTTP/1.1\r\nHost: sim\r\n")
            .await
            .unwrap();
        tls.flush().await.unwrap();
        // A clean TLS close (close_notify): `read_to_end` would fail on a bare TCP close.
        let (bytes, waited) = read_to_close(&mut tls).await;
        let (raw, _) = parse(&bytes).unwrap_or_else(|| panic!("no answer: {bytes:?}"));
        assert_eq!(raw.status, 408);
        assert_eq!(ontap_error(&raw).1, "2");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    })
    .await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_without_an_answer() {
    bounded(async {
        let sim = plain_sim(SHORT).await;
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        let request = format!(
            "GET /api/cluster HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\n\r\n",
            basic(&sim)
        );
        // Two requests on the connection, the second after a pause shorter than the timeout.
        c.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
        tokio::time::sleep(SHORT / 3).await;
        c.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
        // Then idle: closed after the timeout, with nothing written (no stray 408).
        let (bytes, waited) = read_to_close(&mut c).await;
        assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));
        assert!(waited >= SHORT - Duration::from_millis(100), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    })
    .await;
}

#[tokio::test]
async fn an_answer_slower_than_the_header_timeout_is_not_cut() {
    bounded(async {
        let sim = plain_sim(SHORT).await;
        sim.inject(Fault::latency(SHORT * 3).times(1));
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        let request = format!(
            "GET /api/cluster HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\n\r\n",
            basic(&sim)
        );
        c.write_all(request.as_bytes()).await.unwrap();
        let start = Instant::now();
        assert_eq!(read_answer(&mut c).await.status, 200);
        assert!(start.elapsed() >= SHORT * 3);
        // And the connection still serves (its idle clock restarted after the answer).
        c.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_huge_read_timeout_is_no_limit() {
    bounded(async {
        let sim = plain_sim(Duration::MAX).await;
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        c.write_all(b"GET /api/cluster HTTP/1.1\r\n").await.unwrap();
        tokio::time::sleep(SHORT).await;
        let rest = format!("Host: sim\r\nAuthorization: {}\r\n\r\n", basic(&sim));
        c.write_all(rest.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn a_stalled_body_gets_408_with_an_ontap_body_and_the_connection_closes() {
    bounded(async {
        let sim = plain_sim(SHORT).await;
        let api = Api::new(&sim);
        let before = api.get("/api/cluster?fields=location").await.json["location"].clone();
        sim.clear_requests();
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        let head = format!(
            "PATCH /api/cluster HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\nAccept: application/hal+json\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n",
            basic(&sim)
        );
        c.write_all(head.as_bytes()).await.unwrap();
        c.write_all(br#"{"location": "#).await.unwrap();
        let (bytes, waited) = read_to_close(&mut c).await;
        let (raw, _) = parse(&bytes).unwrap_or_else(|| panic!("no answer: {bytes:?}"));
        assert_eq!(raw.status, 408);
        assert_eq!(raw.header("content-type"), Some("application/hal+json"));
        assert_eq!(raw.header("connection"), Some("close"));
        let (message, code) = ontap_error(&raw);
        assert_eq!(code, "2");
        assert!(message.contains("nothing received for 300ms"), "{message}");
        assert!(waited >= SHORT - Duration::from_millis(50), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        // The request is in the log, without its (partial) body; nothing changed.
        let log = sim.requests();
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].method.as_str(), log[0].body.as_ref()), ("PATCH", None));
        assert_eq!(api.get("/api/cluster?fields=location").await.json["location"], before);
    })
    .await;
}

#[tokio::test]
async fn a_slow_but_steady_body_is_read_whole() {
    bounded(async {
        let sim = plain_sim(SHORT).await;
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        let body = br#"{"location": "lab 4, rack 2"}"#;
        let head = format!(
            "PATCH /api/cluster?return_timeout=10 HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            basic(&sim),
            body.len()
        );
        c.write_all(head.as_bytes()).await.unwrap();
        // Five bytes every 100 ms: longer than the timeout in all, never idle that long.
        let start = Instant::now();
        for piece in body.chunks(5) {
            tokio::time::sleep(SHORT / 3).await;
            c.write_all(piece).await.unwrap();
        }
        assert!(start.elapsed() > SHORT);
        let raw = read_answer(&mut c).await;
        assert_eq!(raw.status, 200, "{:?}", String::from_utf8_lossy(&raw.body));
        let log = sim.requests();
        assert_eq!(log[0].body, Some(json!({"location": "lab 4, rack 2"})));
        let api = Api::new(&sim);
        assert_eq!(api.get("/api/cluster?fields=location").await.json["location"], "lab 4, rack 2");
    })
    .await;
}

#[tokio::test]
async fn a_zero_read_timeout_turns_the_limits_off() {
    bounded(async {
        let sim = plain_sim(Duration::ZERO).await;
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        c.write_all(b"GET /api/clus").await.unwrap();
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(SHORT * 3, c.read(&mut buf)).await;
        assert!(read.is_err(), "the server answered or closed: {read:?}");
        // The rest of the request still gets its answer.
        let rest = format!("ter HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\n\r\n", basic(&sim));
        c.write_all(rest.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
    })
    .await;
}

#[tokio::test]
async fn the_default_header_timeout_leaves_a_slow_client_a_few_seconds() {
    bounded(async {
        let sim = Simulator::builder().tls(false).start().await.unwrap();
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        c.write_all(b"GET /api/cluster HTTP/1.1\r\n").await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rest = format!("Host: sim\r\nAuthorization: {}\r\n\r\n", basic(&sim));
        c.write_all(rest.as_bytes()).await.unwrap();
        assert_eq!(read_answer(&mut c).await.status, 200);
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// transport refusals

#[tokio::test]
async fn a_uri_over_8_kib_gets_414_with_an_ontap_body() {
    bounded(async {
        let sim = plain_sim(Duration::from_secs(10)).await;
        let api = Api::new(&sim);
        let long = "a".repeat(9000);
        let r = api.get(&format!("/api/cluster?fields={long}")).await;
        assert_eq!(r.status, StatusCode::URI_TOO_LONG, "{}", r.text);
        assert_eq!(r.content_type(), "application/hal+json");
        assert_eq!(r.error_code(), "2");
        let message = r.json["error"]["message"].as_str().unwrap();
        assert!(message.contains("the limit is 8192 bytes"), "{message}");
        // Without credentials too: the URI is refused before authentication.
        let r = api
            .send(api.client.get(api.url(&format!("/api/cluster?fields={long}"))))
            .await;
        assert_eq!(r.status, StatusCode::URI_TOO_LONG);
        assert_eq!(
            r.content_type(),
            "application/hal+json",
            "no Accept: ONTAP's default type"
        );
        assert_eq!(r.error_code(), "2");
        // Just under the limit: an ordinary answer (an unknown field).
        let r = api.get(&format!("/api/cluster?fields={}", "a".repeat(8000))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262197");
        // Refused requests are not in the log.
        assert_eq!(sim.requests().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn header_fields_over_64_kib_get_431_with_an_ontap_body() {
    bounded(async {
        let sim = plain_sim(Duration::from_secs(10)).await;
        let api = Api::new(&sim);
        let get = |headers: Vec<(String, String)>| {
            let mut req = api
                .client
                .get(api.url("/api/cluster"))
                .basic_auth(&api.user, Some(&api.pass));
            for (n, v) in headers {
                req = req.header(n, v);
            }
            api.send(req)
        };
        // One huge field.
        let r = get(vec![("x-big".into(), "b".repeat(70_000))]).await;
        assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "{}", r.text);
        assert_eq!(
            r.content_type(),
            "application/hal+json",
            "no Accept: ONTAP's default type"
        );
        assert_eq!(r.error_code(), "2");
        let message = r.json["error"]["message"].as_str().unwrap();
        assert!(message.contains("the limit is 65536 bytes"), "{message}");
        // Many fields, each small, over the limit together.
        let many: Vec<_> = (0..60).map(|i| (format!("x-f{i}"), "c".repeat(1200))).collect();
        let r = get(many).await;
        assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(r.error_code(), "2");
        // Under the limit: served.
        let r = get(vec![("x-big".into(), "b".repeat(60_000))]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(sim.requests().len(), 1);
    })
    .await;
}

/// Requests hyper cannot parse are answered by hyper itself, before the simulator sees
/// them, with an empty body: hyper 1 has no hook for those answers (see `server.rs`).
/// This test pins that limitation down.
#[tokio::test]
async fn hyper_answers_what_it_cannot_parse_with_an_empty_body() {
    bounded(async {
        let sim = plain_sim(Duration::from_secs(10)).await;
        let cases: [(Vec<u8>, u16); 3] = [
            // A malformed request line (no HTTP version).
            (b"NOT A REQUEST\r\n\r\n".to_vec(), 400),
            // A URI over hyper's own limit (65,534 bytes).
            (
                format!(
                    "GET /api/cluster?x={} HTTP/1.1\r\nHost: sim\r\n\r\n",
                    "a".repeat(70_000)
                )
                .into_bytes(),
                414,
            ),
            // More than hyper's 100 header fields.
            (
                format!(
                    "GET /api/cluster HTTP/1.1\r\n{}\r\n",
                    (0..101).map(|i| format!("x-h{i}: v\r\n")).collect::<String>()
                )
                .into_bytes(),
                431,
            ),
        ];
        for (request, status) in cases {
            let bytes = exchange(sim.addr(), &request).await;
            let (raw, _) = parse(&bytes).unwrap_or_else(|| panic!("no answer: {bytes:?}"));
            assert_eq!(raw.status, status);
            assert!(raw.body.is_empty());
        }
        assert!(sim.requests().is_empty());
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// the request log over HTTP and in a file

#[tokio::test]
async fn the_request_log_is_served_at_sim_requests() {
    bounded(async {
        // Over HTTPS, the default.
        let sim = Simulator::builder().start().await.unwrap();
        let api = Api::new(&sim);
        assert_eq!(api.get("/api/cluster?fields=version").await.status, StatusCode::OK);
        let download =
            json!({"url": "http://127.0.0.1:9/ontap-9.16.1-image.tgz", "username": "u", "password": "s3cret"});
        api.post("/api/cluster/software/download", &download.to_string()).await;

        // Without credentials: 401, as the API; not recorded either.
        let r = api.send(api.client.get(api.url("/sim/requests"))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.headers.contains_key("www-authenticate"));

        // Faults do not apply to it.
        sim.inject(Fault::status(503));
        let r = api.get("/sim/requests").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.content_type(), "application/json");
        let expected = json!([
            {"method": "GET", "path": "/api/cluster", "query": "fields=version", "body": null, "auth": "basic"},
            {"method": "POST", "path": "/api/cluster/software/download", "query": null,
             "body": {"url": "http://127.0.0.1:9/ontap-9.16.1-image.tgz", "username": "u", "password": "*********"},
             "auth": "basic"},
        ]);
        assert_eq!(without_at(r.json), expected);
        assert!(!r.text.contains("s3cret"));
        assert_eq!(sim.requests().len(), 2, "the log does not log itself");
        sim.clear_faults();

        // A parameter or another method: ONTAP errors.
        let r = api.get("/sim/requests?method=GET").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "262179");
        assert_eq!(r.error_target(), Some("method"));
        let r = api.post("/sim/requests", "{}").await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.error_code(), "3");
        assert_eq!(r.headers["allow"], "GET, DELETE");

        // DELETE answers what it removed and empties the log.
        let r = api.delete("/sim/requests").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(without_at(r.json), expected);
        assert!(sim.requests().is_empty());
        assert_eq!(api.get("/sim/requests").await.json, json!([]));
        // Other paths under /sim are no API.
        let r = api.get("/sim/other").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "3");
    })
    .await;
}

#[tokio::test]
async fn the_request_log_file_gets_one_json_line_per_request() {
    bounded(async {
        let path = temp_file("log");
        // The file is written even when the in-memory log keeps nothing.
        let sim = Simulator::builder()
            .tls(false)
            .request_log(0)
            .request_log_file(&path)
            .read_timeout(SHORT)
            .start()
            .await
            .unwrap();
        let api = Api::new(&sim);
        api.get("/api/cluster").await;
        api.patch("/api/cluster?return_timeout=0", r#"{"contact": "ops"}"#)
            .await;
        api.post(
            "/api/cluster/software/download",
            r#"{"url": "http://127.0.0.1:9/p.tgz", "password": "s3cret"}"#,
        )
        .await;
        // A stalled body is logged too (without it); the log endpoint is not.
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        c.write_all(b"POST /api/svm/svms HTTP/1.1\r\nHost: sim\r\nContent-Length: 9\r\n\r\n{")
            .await
            .unwrap();
        assert!(!read_to_close(&mut c).await.0.is_empty());
        assert_eq!(api.get("/sim/requests").await.json, json!([]));
        let lines = without_at(Value::from(json_lines(&path)));
        assert_eq!(
            lines,
            json!([
                {"method": "GET", "path": "/api/cluster", "query": null, "body": null, "auth": "basic"},
                {"method": "PATCH", "path": "/api/cluster", "query": "return_timeout=0", "body": {"contact": "ops"},
                 "auth": "basic"},
                {"method": "POST", "path": "/api/cluster/software/download", "query": null,
                 "body": {"url": "http://127.0.0.1:9/p.tgz", "password": "*********"}, "auth": "basic"},
                // Sent without credentials.
                {"method": "POST", "path": "/api/svm/svms", "query": null, "body": null, "auth": null},
            ])
        );
        sim.shutdown().await;
        // A second simulator appends.
        let sim = Simulator::builder()
            .tls(false)
            .request_log_file(&path)
            .start()
            .await
            .unwrap();
        Api::new(&sim).get("/api/svm/svms").await;
        assert_eq!(json_lines(&path).len(), 5);
        let _ = std::fs::remove_file(&path);

        // A file that cannot be opened fails the start.
        let bad = Simulator::builder()
            .request_log_file(std::env::temp_dir().join("no-such-dir-ontap-sim/log.jsonl"))
            .start()
            .await;
        let e = bad.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        assert!(e.to_string().contains("request log file"), "{e}");
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// connection statistics

/// A keep-alive request with credentials, for a raw connection.
fn raw_request(sim: &Simulator, method: &str, target: &str) -> String {
    format!(
        "{method} {target} HTTP/1.1\r\nHost: sim\r\nAuthorization: {}\r\n\r\n",
        basic(sim)
    )
}

async fn ask(conn: &mut TcpStream, request: &str) -> Raw {
    conn.write_all(request.as_bytes()).await.unwrap();
    read_answer(conn).await
}

/// Polls (bounded) until `open` connections are open; closing is asynchronous.
async fn wait_open(sim: &Simulator, open: u64) -> ontap_sim::ConnectionStats {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let stats = sim.connections();
        if stats.open == open {
            return stats;
        }
        assert!(Instant::now() < deadline, "still {stats:?}, expected {open} open");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn stats(accepted: u64, open: u64, peak_open: u64) -> ontap_sim::ConnectionStats {
    ontap_sim::ConnectionStats {
        accepted,
        open,
        peak_open,
    }
}

#[tokio::test]
async fn connections_are_counted_while_open_and_after_they_close() {
    bounded(async {
        let sim = plain_sim(Duration::from_secs(10)).await;
        assert_eq!(sim.connections(), stats(0, 0, 0));
        let get = raw_request(&sim, "GET", "/api/cluster");

        // Three keep-alive connections, two requests each: three connections.
        let mut conns = Vec::new();
        for _ in 0..3 {
            let mut c = TcpStream::connect(sim.addr()).await.unwrap();
            assert_eq!(ask(&mut c, &get).await.status, 200);
            conns.push(c);
        }
        // Each was accepted before it was answered: the counts are exact now.
        assert_eq!(sim.connections(), stats(3, 3, 3));
        for c in &mut conns {
            assert_eq!(ask(c, &get).await.status, 200);
        }
        assert_eq!(sim.connections(), stats(3, 3, 3));

        // One closes: open goes down, the peak stays.
        drop(conns.pop());
        assert_eq!(wait_open(&sim, 2).await, stats(3, 2, 3));

        // A request that asks the server to close: closed after its answer.
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        let close = get.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
        c.write_all(close.as_bytes()).await.unwrap();
        let (bytes, _) = read_to_close(&mut c).await;
        assert_eq!(parse(&bytes).expect("an answer").0.status, 200);
        assert_eq!(wait_open(&sim, 2).await, stats(4, 2, 3));

        // A connection that never sends a request counts too.
        let idle = TcpStream::connect(sim.addr()).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while sim.connections().accepted < 5 {
            assert!(Instant::now() < deadline, "{:?}", sim.connections());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(sim.connections(), stats(5, 3, 3));
        drop(idle);
        drop(conns);
        assert_eq!(wait_open(&sim, 0).await, stats(5, 0, 3));
    })
    .await;
}

#[tokio::test]
async fn connection_stats_are_served_at_sim_connections() {
    bounded(async {
        let sim = plain_sim(Duration::from_secs(10)).await;
        let mut a = TcpStream::connect(sim.addr()).await.unwrap();
        let mut b = TcpStream::connect(sim.addr()).await.unwrap();
        assert_eq!(ask(&mut b, &raw_request(&sim, "GET", "/api/cluster")).await.status, 200);

        // Read over one of the connections counted: no new connection for the question.
        let r = ask(&mut a, &raw_request(&sim, "GET", "/sim/connections")).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json(), json!({"accepted": 2, "open": 2, "peak_open": 2}));
        assert!(
            String::from_utf8_lossy(&r.body).contains("\n  \"accepted\": 2"),
            "2-space indented as every body"
        );

        drop(b);
        wait_open(&sim, 1).await;
        // DELETE answers the counts, then restarts them: the peak at what is open now.
        let r = ask(&mut a, &raw_request(&sim, "DELETE", "/sim/connections")).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"accepted": 2, "open": 1, "peak_open": 2}));
        assert_eq!(sim.connections(), stats(0, 1, 1));
        let r = ask(&mut a, &raw_request(&sim, "GET", "/sim/connections")).await;
        assert_eq!(r.json(), json!({"accepted": 0, "open": 1, "peak_open": 1}));
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        assert_eq!(ask(&mut c, &raw_request(&sim, "GET", "/api/cluster")).await.status, 200);
        assert_eq!(sim.connections(), stats(1, 2, 2));

        // As /sim/requests: credentials, no parameters, GET and DELETE only, not recorded,
        // no faults.
        sim.clear_requests();
        sim.inject(Fault::status(503));
        let no_auth = "GET /sim/connections HTTP/1.1\r\nHost: sim\r\n\r\n";
        assert_eq!(ask(&mut a, no_auth).await.status, 401);
        let r = ask(&mut a, &raw_request(&sim, "GET", "/sim/connections?open=1")).await;
        assert_eq!((r.status, ontap_error(&r).1.as_str()), (400, "262179"));
        assert_eq!(r.json()["error"]["target"], "open");
        let post = raw_request(&sim, "POST", "/sim/connections").replace("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n");
        let r = ask(&mut a, &post).await;
        assert_eq!((r.status, ontap_error(&r).1.as_str()), (405, "3"));
        assert_eq!(r.header("allow"), Some("GET, DELETE"));
        let r = ask(&mut a, &raw_request(&sim, "GET", "/sim/connections")).await;
        assert_eq!(r.status, 200, "no fault applies");
        assert!(sim.requests().is_empty(), "{:?}", sim.requests());
        assert_eq!(sim.connections(), stats(1, 2, 2));
    })
    .await;
}

#[tokio::test]
async fn tls_connections_count_from_accept_even_when_the_handshake_fails() {
    bounded(async {
        let sim = Simulator::builder().start().await.unwrap();
        // Not TLS at all: the handshake fails and the connection ends.
        let mut c = TcpStream::connect(sim.addr()).await.unwrap();
        c.write_all(b"GET /api/cluster HTTP/1.1\r\nHost: sim\r\n\r\n")
            .await
            .unwrap();
        // The server ends it (an alert, or a bare close: either is fine here).
        let _ = c.read_to_end(&mut Vec::new()).await;
        drop(c);
        assert_eq!(wait_open(&sim, 0).await, stats(1, 0, 1));

        // A client over HTTPS keeps its connection open between requests.
        let api = Api::new(&sim);
        for _ in 0..2 {
            assert_eq!(api.get("/api/cluster").await.status, StatusCode::OK);
        }
        let now = sim.connections();
        assert!(now.accepted >= 2 && now.open >= 1, "{now:?}");
        let r = api.get("/sim/connections").await;
        assert_eq!(r.json["accepted"], sim.connections().accepted);
        drop(api);
        wait_open(&sim, 0).await;
    })
    .await;
}
