//! Throughput and latency of `GET /api/cluster/jobs/{uuid}` with the simulator on one core.
//!
//! The simulator runs on a current-thread tokio runtime on its own OS thread (so on at
//! most one core); the load comes from another thread: many concurrent keep-alive HTTP/1.1
//! connections over plain HTTP on loopback, for a bounded time, each sending one request
//! at a time. The client is a minimal HTTP/1.1 writer/reader so that it costs less than the
//! server. It prints requests per second, latency percentiles, and the CPU time the server
//! thread used (from `/proc/thread-self/schedstat` on Linux), hence its capacity per core.
//!
//! `cargo bench -p ontap-sim --bench job_get` runs it for 5 s with 64 connections
//! (`JOB_GET_SECS` and `JOB_GET_CONNECTIONS` change that). Without `--bench` (as under
//! `cargo test --benches`) it runs a short smoke pass.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ontap_sim::Simulator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

const USER: &str = "admin";
const PASS: &str = "netapp1!";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// CPU time of the calling thread in nanoseconds (Linux), if the kernel reports it.
fn thread_cpu_ns() -> Option<u64> {
    if let Ok(s) = std::fs::read_to_string("/proc/thread-self/schedstat")
        && let Some(ns) = s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok())
        && ns > 0
    {
        return Some(ns);
    }
    // Fall back on utime + stime in clock ticks (100 per second on Linux).
    let s = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10_000_000)
}

fn request_bytes(path: &str) -> Vec<u8> {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {token}\r\nAccept: application/hal+json\r\n\r\n"
    )
    .into_bytes()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sends one request on a keep-alive connection and reads the whole answer.
/// Returns the status and the body (without headers).
async fn exchange(stream: &mut TcpStream, req: &[u8], buf: &mut Vec<u8>) -> io::Result<(u16, usize)> {
    stream.write_all(req).await?;
    buf.clear();
    loop {
        if stream.read_buf(buf).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        let Some(end) = find(buf, b"\r\n\r\n") else { continue };
        let head = std::str::from_utf8(&buf[..end]).map_err(io::Error::other)?;
        let status = head
            .get(9..12)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| io::Error::other("bad status line"))?;
        let len = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            })
            .ok_or_else(|| io::Error::other("no content-length"))?;
        let total = end + 4 + len;
        while buf.len() < total {
            if stream.read_buf(buf).await? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
            }
        }
        return Ok((status, len));
    }
}

async fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[idx]) / 1000.0
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let secs: f64 = if bench { env_or("JOB_GET_SECS", 5.0) } else { 0.3 };
    let connections: usize = env_or("JOB_GET_CONNECTIONS", 64);
    let duration = Duration::from_secs_f64(secs);

    // The simulator, alone on its thread and its current-thread runtime. A task on that
    // thread answers CPU-time probes.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let (cpu_tx, mut cpu_rx) = mpsc::unbounded_channel::<oneshot::Sender<Option<u64>>>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let sim = Simulator::builder()
                .credentials(USER, PASS)
                .tls(false)
                .seed_jobs(1000)
                .start()
                .await
                .expect("start simulator");
            tokio::spawn(async move {
                while let Some(reply) = cpu_rx.recv().await {
                    let _ = reply.send(thread_cpu_ns());
                }
            });
            addr_tx.send(sim.addr()).expect("send addr");
            let _ = stop_rx.await;
            sim.shutdown().await;
        });
    });
    let addr: SocketAddr = addr_rx.recv().expect("simulator address");
    let server_cpu = move || {
        let (tx, rx) = oneshot::channel();
        let sent = cpu_tx.send(tx).is_ok();
        async move { if sent { rx.await.ok().flatten() } else { None } }
    };

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let report = rt.block_on(async move {
        // Pick a job: the first of the collection.
        let mut probe = connect(addr).await;
        let mut buf = Vec::with_capacity(1 << 16);
        let (status, len) = exchange(&mut probe, &request_bytes("/api/cluster/jobs?max_records=1"), &mut buf)
            .await
            .expect("collection GET");
        assert_eq!(status, 200);
        let body = &buf[buf.len() - len..];
        let v: serde_json::Value = serde_json::from_slice(body).expect("json");
        let uuid = v["records"][0]["uuid"].as_str().expect("uuid").to_owned();
        let req = request_bytes(&format!("/api/cluster/jobs/{uuid}"));
        let (status, body_len) = exchange(&mut probe, &req, &mut buf).await.expect("job GET");
        assert_eq!(status, 200);
        let job: serde_json::Value = serde_json::from_slice(&buf[buf.len() - body_len..]).expect("job json");
        assert_eq!(job["uuid"], uuid.as_str());

        let warmup = Duration::from_millis(if bench { 500 } else { 50 });
        let start = Instant::now() + warmup;
        let end = start + duration;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let req = req.clone();
            tasks.spawn(async move {
                let mut stream = connect(addr).await;
                let mut buf = Vec::with_capacity(4096);
                let mut lat = Vec::with_capacity(65_536);
                loop {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let (status, len) = exchange(&mut stream, &req, &mut buf).await.expect("GET");
                    assert_eq!(status, 200);
                    assert_eq!(len, body_len);
                    if t0 >= start {
                        lat.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    }
                }
                lat
            });
        }
        tokio::time::sleep_until(start.into()).await;
        let cpu0 = server_cpu().await;
        tokio::time::sleep_until(end.into()).await;
        let cpu1 = server_cpu().await;
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.extend(r.expect("client task"));
        }
        let cpu = match (cpu0, cpu1) {
            (Some(a), Some(b)) if b > a => Some(Duration::from_nanos(b - a)),
            _ => None,
        };
        (all, body_len, cpu)
    });
    let _ = stop_tx.send(());
    server.join().expect("server thread");

    let (mut sorted, body_len, cpu) = report;
    sorted.sort_unstable();
    let n = sorted.len();
    let rps = n as f64 / duration.as_secs_f64();
    println!(
        "job_get: {connections} keep-alive connections, {:.1} s, {n} requests, {body_len}-byte bodies",
        duration.as_secs_f64()
    );
    println!("job_get: {rps:.0} requests/s");
    println!(
        "job_get: latency p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        percentile(&sorted, 0.50),
        percentile(&sorted, 0.90),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0)
    );
    if let Some(cpu) = cpu {
        let busy = cpu.as_secs_f64() / duration.as_secs_f64();
        println!(
            "job_get: server thread busy {:.0}% of one core, {:.1} us CPU per request, capacity about {:.0} requests/s per core",
            busy * 100.0,
            cpu.as_secs_f64() * 1e6 / n.max(1) as f64,
            n as f64 / cpu.as_secs_f64()
        );
    }
    assert!(n > 0, "no request completed");
}
