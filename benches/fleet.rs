//! Jobs at fleet scale and collections at full width, against the simulator
//! in a process of its own, so that the memory measured is the client's:
//!
//! - P3: 10,000 concurrent waits on one connection for jobs of 3 s: wall
//!   time, peak RSS, sockets opened, job reads the server received.
//! - P5: one 1 s job with default options: how late the call returns after
//!   the job ends, and how many requests it cost (held, and not held).
//! - P4: one million volumes through `get_collection`, default fields and
//!   `fields=*`: records per second and peak RSS.
//! - P1: one job GET through `Job::fetch` against raw reqwest and serde_json
//!   decoding the same type, over HTTP and HTTPS: wall and client CPU time.
//!
//! Run with `cargo bench --bench fleet` (all three) or
//! `cargo bench --bench fleet -- p3` (one of `p1`, `p3`, `p4`, `p5`).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::median;

use futures::{StreamExt, TryStreamExt};
use ontap::prelude::*;
use ontap::resources::{SvmReference, Volume};
use ontap::{CallOptions, HostConnection, JobOutcome, PollOptions, Query, Scheme};
use ontap_sim::Simulator;
use serde_json::{Value, json};

/// Set in the child process: the simulator's settings, as JSON.
const CHILD: &str = "ONTAP_FLEET_SIMULATOR";

/// The simulator in its own process, driven over its stdin.
struct Remote {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    addr: std::net::SocketAddr,
    username: String,
    password: String,
    /// The simulator's certificate, when it serves TLS.
    certificate: Option<String>,
}

impl Remote {
    fn start(settings: Value) -> Remote {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(CHILD, settings.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let hello: Value = serde_json::from_str(&line).unwrap();
        Remote {
            child,
            input,
            output,
            addr: hello["addr"].as_str().unwrap().parse().unwrap(),
            username: hello["username"].as_str().unwrap().into(),
            password: hello["password"].as_str().unwrap().into(),
            certificate: hello["certificate"].as_str().map(str::to_owned),
        }
    }

    /// Sends a command; answers the child's JSON line.
    fn ask(&mut self, command: &str) -> Value {
        writeln!(self.input, "{command}").unwrap();
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    }

    fn connect(
        &self,
        settings: impl FnOnce(ontap::HostConnectionBuilder) -> ontap::HostConnectionBuilder,
    ) -> HostConnection {
        let mut builder = HostConnection::builder(self.addr.ip().to_string())
            .port(self.addr.port())
            .basic_auth(&self.username, self.password.as_str());
        builder = match &self.certificate {
            Some(pem) => builder.add_root_certificate_pem(pem.as_bytes()),
            None => builder.scheme(Scheme::Http),
        };
        settings(builder).build().unwrap()
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child: a simulator with `settings`, answering `stats` and `clear`.
fn child(settings: &str) {
    let settings: Value = serde_json::from_str(settings).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime.block_on(async {
        Simulator::builder()
            .tls(settings["tls"].as_bool().unwrap_or(false))
            .job_duration(Duration::from_millis(settings["job_ms"].as_u64().unwrap_or(100)))
            .seed_volumes(settings["volumes"].as_u64().unwrap_or(0) as usize)
            .seed_jobs(settings["jobs"].as_u64().unwrap_or(0) as usize)
            .request_log(200_000)
            .start()
            .await
            .unwrap()
    });
    let hello = json!({
        "addr": sim.addr().to_string(),
        "username": sim.username(),
        "password": sim.password(),
        "certificate": sim.certificate_pem(),
    });
    println!("{hello}");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let answer = match line.trim() {
            "clear" => {
                sim.clear_requests();
                json!({})
            }
            "stats" => {
                let requests = sim.requests();
                let reads = requests
                    .iter()
                    .filter(|r| r.method == "GET" && r.path.starts_with("/api/cluster/jobs"))
                    .count();
                let connections = sim.connections();
                json!({
                    "requests": requests.len(),
                    "job_reads": reads,
                    "accepted": connections.accepted,
                    "peak_open": connections.peak_open,
                })
            }
            _ => json!({"error": "unknown command"}),
        };
        println!("{answer}");
        std::io::stdout().flush().unwrap();
    }
    drop(sim);
}

/// The process's peak resident set since the last reset, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Starts the peak resident set again from the current one.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn volume(name: String) -> Volume {
    Volume {
        name: Some(name),
        svm: Some(SvmReference {
            name: Some("vs0".into()),
            ..Default::default()
        }),
        size: Some(1 << 30),
        ..Default::default()
    }
}

async fn p3() {
    const JOBS: usize = 10_000;
    let job = Duration::from_secs(3);
    let mut sim = Remote::start(json!({"job_ms": job.as_millis() as u64}));
    let conn = sim.connect(|b| b);
    reset_peak_rss();
    let created = Instant::now();
    let links: Vec<_> = futures::stream::iter(0..JOBS)
        .map(|i| {
            let conn = conn.clone();
            async move {
                let mut v = volume(format!("vol{i:05}"));
                let response = v.post_with(&conn, CallOptions::default().poll(false)).await.unwrap();
                response.job().unwrap().clone()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let created = created.elapsed();
    sim.ask("clear");
    let options = PollOptions::default();
    let started = Instant::now();
    let outcomes = futures::future::join_all(links.iter().map(|link| link.wait(&conn, &options))).await;
    let wall = started.elapsed();
    let succeeded = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(JobOutcome::Success(_))))
        .count();
    let stats = sim.ask("stats");
    let reads = stats["job_reads"].as_u64().unwrap();
    let intervals = wall.as_secs_f64() / conn.poll_interval().as_secs_f64();
    println!("P3: {JOBS} concurrent waits on one connection, jobs of {job:?} (default options)");
    println!("    jobs started in {created:.2?} (POSTs, 64 at a time, poll off)");
    println!("    all waits done in {wall:.2?}; {succeeded} of {JOBS} succeeded, every outcome typed");
    println!("    peak RSS of the client: {:.1} MB", peak_rss_mb());
    println!(
        "    sockets opened: {} (at most {} open at once)",
        stats["accepted"], stats["peak_open"]
    );
    println!(
        "    job reads the server received: {reads} = 1 per {:.0} jobs per {:?} interval",
        JOBS as f64 * intervals / reads as f64,
        conn.poll_interval()
    );
}

async fn p5() {
    let job = Duration::from_secs(1);
    let mut sim = Remote::start(json!({"job_ms": job.as_millis() as u64}));
    for (label, conn) in [
        ("default options (held)", sim.connect(|b| b)),
        ("not held (return_timeout 0)", sim.connect(|b| b.return_timeout(0))),
    ] {
        let mut late = Vec::new();
        let mut requests = Vec::new();
        for i in 0..5 {
            sim.ask("clear");
            let mut v = volume(format!("p5_{}_{i}", late.len() + requests.len() * 7 + label.len()));
            let started = Instant::now();
            v.post(&conn).await.unwrap();
            late.push(started.elapsed().saturating_sub(job));
            requests.push(sim.ask("stats")["requests"].as_u64().unwrap());
        }
        late.sort();
        requests.sort();
        println!(
            "P5: a {job:?} job, {label}: returns {:.1?} after the job ends (median of 5), {} requests",
            late[2], requests[2]
        );
    }
}

/// One page of `fields=*`: its size, and the median time to decode it into
/// typed volumes on one core (what bounds the stream's rate).
async fn decode_one_page(conn: &HostConnection) {
    #[derive(serde::Deserialize)]
    struct Page {
        records: Vec<Volume>,
    }
    let query = Query::new().fields(["*"]).max_records(1000);
    let spec = ontap::RequestSpec::new(ontap::http::Method::GET, "/storage/volumes", &query);
    let response = conn.execute(&spec).await.unwrap();
    let mut samples = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let page: Page = response.decode().unwrap();
        samples.push(started.elapsed());
        assert_eq!(page.records.len(), 1000);
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "    one fields=* page of 1,000: {:.1} MB, typed decode {median:.1?} (median of 20): at most {:.0}k records/s on one decoding core",
        response.body().len() as f64 / 1e6,
        1000.0 / median.as_secs_f64() / 1000.0
    );
}

/// The CPU time this process's threads (the client: the simulator runs in its own
/// process) have used, in nanoseconds from the scheduler's statistics.
fn cpu_time() -> Duration {
    let mut nanos = 0u64;
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        nanos += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_nanos(nanos)
}

/// P1: one job GET, typed, through `Job::fetch` against raw reqwest and serde_json
/// decoding the same type (bare, and with a time-out as every ontap call has),
/// over HTTP and HTTPS: wall time and the client's CPU time per call.
///
/// The machine's pace drifts more than the difference measured, so the sides
/// run in short batches, each round every side once in an order that rotates,
/// and each ratio is the median of the rounds' own ratios. A second ontap
/// connection, measured the same way against the first, shows what the method
/// resolves: its ratio would be 1.00x on a quiet machine.
async fn p1() {
    use ontap::resources::Job;
    const CALLS: u32 = 300;
    const ROUNDS: usize = 60;
    const SIDES: usize = 4;
    // reqwest is built without a crypto provider of its own: ring for the bare client.
    let _ = ontap::rustls::crypto::ring::default_provider().install_default();
    for tls in [false, true] {
        let sim = Remote::start(json!({"jobs": 1, "tls": tls}));
        let conn = sim.connect(|b| b);
        let again = sim.connect(|b| b);
        let uuid = Job::get_collection(&conn, Query::new())
            .try_next()
            .await
            .unwrap()
            .and_then(|job| job.uuid)
            .expect("a seeded job");
        let bare = || {
            let client = reqwest::Client::builder().no_proxy().tcp_nodelay(true);
            match &sim.certificate {
                Some(pem) => client.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()),
                None => client,
            }
        };
        let scheme = if sim.certificate.is_some() { "https" } else { "http" };
        // The bare client as most write it, and with the time-out every ontap call has.
        let raw = bare().build().unwrap();
        let timed = bare().timeout(Duration::from_secs(60)).build().unwrap();
        let url = format!("{scheme}://{}/api/cluster/jobs/{uuid}", sim.addr);
        // Per side (ontap, raw, raw with a time-out, ontap again): each round's
        // wall and CPU time per call.
        let mut rounds: Vec<[(Duration, Duration); SIDES]> = Vec::new();
        // `P1_ONLY=0` (ontap), `1` (raw) or `2` (raw with a time-out) runs one side
        // alone, for a profile of it.
        let only: Option<usize> = std::env::var("P1_ONLY").ok().and_then(|v| v.parse().ok());
        for round in 0..ROUNDS {
            let mut times = [(Duration::ZERO, Duration::ZERO); SIDES];
            for turn in 0..SIDES {
                let side = only.unwrap_or((round + turn) % SIDES);
                let started = (Instant::now(), cpu_time());
                for _ in 0..CALLS {
                    let job = match side {
                        0 => Job::fetch(&conn, uuid.as_str()).await.unwrap(),
                        3 => Job::fetch(&again, uuid.as_str()).await.unwrap(),
                        _ => {
                            let client = if side == 1 { &raw } else { &timed };
                            let answer = client
                                .get(&url)
                                .basic_auth(&sim.username, Some(&sim.password))
                                .header("accept", "application/hal+json")
                                .send()
                                .await
                                .unwrap();
                            serde_json::from_slice::<Job>(&answer.bytes().await.unwrap()).unwrap()
                        }
                    };
                    assert!(job.state.is_some());
                }
                times[side] = (started.0.elapsed() / CALLS, (cpu_time() - started.1) / CALLS);
            }
            rounds.push(times);
        }
        if only.is_some() {
            continue;
        }
        let wall = |side: usize| median(rounds.iter().map(|r| r[side].0).collect());
        let cpu = |side: usize| median(rounds.iter().map(|r| r[side].1).collect());
        // The median of the rounds' own ratios of `side` to `base`: (wall, CPU).
        let ratio = |side: usize, base: usize| {
            let of = |pick: fn(&(Duration, Duration)) -> Duration| {
                let mut ratios: Vec<f64> = rounds
                    .iter()
                    .map(|r| pick(&r[side]).as_secs_f64() / pick(&r[base]).as_secs_f64())
                    .collect();
                ratios.sort_by(f64::total_cmp);
                ratios[ratios.len() / 2]
            };
            (of(|t| t.0), of(|t| t.1))
        };
        let (raw_wall, raw_cpu) = ratio(0, 1);
        let (timed_wall, timed_cpu) = ratio(0, 2);
        let (again_wall, again_cpu) = ratio(3, 0);
        println!(
            "P1: a job GET over {}: ontap {:.1?} per call ({:.1?} client CPU); raw reqwest + serde_json {:.1?} ({:.1?}): {raw_wall:.2}x wall, {raw_cpu:.2}x CPU; raw with a time-out {:.1?} ({:.1?}): {timed_wall:.2}x wall, {timed_cpu:.2}x CPU; a second ontap connection against the first: {again_wall:.2}x wall, {again_cpu:.2}x CPU",
            if tls { "HTTPS" } else { "HTTP" },
            wall(0),
            cpu(0),
            wall(1),
            cpu(1),
            wall(2),
            cpu(2),
        );
    }
}

async fn p4() {
    const VOLUMES: usize = 1_000_000;
    let sim = Remote::start(json!({"volumes": VOLUMES}));
    let conn = sim.connect(|b| b);
    for (label, query) in [
        ("default fields", Query::new().max_records(1000)),
        ("fields=*", Query::new().fields(["*"]).max_records(1000)),
    ] {
        reset_peak_rss();
        let started = Instant::now();
        let count = Volume::get_collection(&conn, query)
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert!(count >= VOLUMES);
        println!(
            "P4: {count} volumes, {label}: {:.0}k records/s, peak RSS of the client {:.1} MB",
            count as f64 / elapsed.as_secs_f64() / 1000.0,
            peak_rss_mb()
        );
    }
    decode_one_page(&conn).await;
}

fn main() {
    if let Ok(settings) = std::env::var(CHILD) {
        child(&settings);
        return;
    }
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if wants("p5") {
            p5().await;
        }
        if wants("p3") {
            p3().await;
        }
        if wants("p4") {
            p4().await;
        }
        if wants("p1") {
            p1().await;
        }
    });
}
