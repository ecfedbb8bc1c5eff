//! The request log: the last requests the simulator received, secrets masked, so that a
//! test can check what a client sent; optionally also appended to a file, one JSON line per
//! request. `GET /sim/requests` (see `server.rs`) serves it over HTTP.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{Method, Uri};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{Accepted, Login};
use crate::state::lock;

/// What a masked secret reads as.
const MASK: &str = "*********";

/// One request as the simulator received it, with secrets masked.
///
/// Every request is recorded on arrival, before fault injection and the refusal of
/// requests without a login, so a request answered by a [`Fault`](crate::Fault) or refused
/// with 401 is in the log too (a refused one with [`auth`](RecordedRequest::auth) `None`).
/// The values of body fields and query parameters whose name contains `password` or
/// `passphrase` (any case, at any depth) read `*********`. Headers are not recorded, so
/// neither are Basic credentials nor bearer tokens: [`Login::Bearer`] holds the token's
/// number. Not recorded at all: the requests to the `/sim` endpoints (the log itself,
/// below; `/sim/connections`, `/sim/tokens`), and requests refused before they are read
/// (URI or headers too long: 414, 431; or that hyper cannot parse).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
/// // ... a client sends PATCH /api/storage/volumes/{uuid} {"size": 2147483648} ...
/// for r in sim.requests() {
///     if r.method == "PATCH" {
///         assert_eq!(r.body, Some(serde_json::json!({"size": 2147483648u64})));
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// # From outside the process
///
/// The simulator serves the same log over HTTP, outside `/api`, with the same logins as
/// the API (401 without one), so that a client in any language (or a test driving the
/// `ontap-sim` binary) can count what it sent:
///
/// - `GET /sim/requests` answers 200 with a JSON array of the recorded requests, oldest
///   first, each `{"method", "path", "query", "body", "auth", "at_ms"}` (`query` and
///   `body` are `null` when absent), secrets masked as above. `auth` is the [`Login`] in
///   its `Display` form (`"basic"`, `"bearer#3"`, `"certificate:admin"`) or `null`;
///   `at_ms` is [`at`](RecordedRequest::at) in milliseconds, a number with up to three
///   decimals (microseconds).
/// - `DELETE /sim/requests` empties the log and answers 200 with the array of the requests
///   it removed (so "read and clear" is one atomic step).
///
/// Any query parameter answers 400 code `262179`, another method 405 code `3` (with
/// `Allow: GET, DELETE`). These requests are not recorded and no [`Fault`](crate::Fault)
/// applies to them. [`SimulatorBuilder::request_log_file`](crate::SimulatorBuilder::request_log_file)
/// (`--request-log-file` of the binary) also appends each request to a file, one such JSON
/// object per line.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let _ = rustls::crypto::ring::default_provider().install_default();
/// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
/// let http = reqwest::Client::new();
/// let url = format!("{}/sim/requests", sim.base_url());
/// http.get(format!("{}/api/cluster?fields=version", sim.base_url()))
///     .basic_auth(sim.username(), Some(sim.password()))
///     .send()
///     .await?;
/// let mut log: serde_json::Value = serde_json::from_str(
///     &http.get(&url).basic_auth(sim.username(), Some(sim.password())).send().await?.text().await?,
/// )?;
/// let at_ms = log[0].as_object_mut().unwrap().remove("at_ms").unwrap();
/// assert!(at_ms.as_f64().unwrap() > 0.0);
/// assert_eq!(
///     log,
///     serde_json::json!([
///         {"method": "GET", "path": "/api/cluster", "query": "fields=version", "body": null, "auth": "basic"}
///     ])
/// );
/// // Read and empty it in one step.
/// let taken = http.delete(&url).basic_auth(sim.username(), Some(sim.password())).send().await?;
/// assert_eq!(taken.status(), 200);
/// assert!(sim.requests().is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `PATCH`.
    pub method: String,
    /// The path as sent (still percent-encoded), e.g. `/api/storage/volumes/0b9e...`.
    pub path: String,
    /// The raw query string without the `?` (still percent-encoded), if there was one.
    pub query: Option<String>,
    /// The body: its JSON, or a JSON string holding the text when it is not JSON; `None`
    /// when the body was empty.
    pub body: Option<Value>,
    /// How the request logged in; `None` when it carried no valid login (it was answered
    /// 401, unless a fault answered it first). See [`Login`] for the order when several
    /// were valid.
    pub auth: Option<Login>,
    /// When the request had arrived (its head and body), as the time since the simulator
    /// started. It never decreases from one entry of the log to the next.
    pub at: Duration,
}

impl RecordedRequest {
    /// The decoded value of a query parameter (the first one of that name).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = ontap_sim::Simulator::builder().tls(false).start().await?;
    /// if let Some(r) = sim.requests().last() {
    ///     let _fields: Option<String> = r.query_param("fields");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn query_param(&self, name: &str) -> Option<String> {
        let q = self.query.as_deref()?;
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// The JSON shape of a [`RecordedRequest`] on the wire (`/sim/requests`, the log file), in
/// this field order (the fields added later come last): `auth` is the [`Login`]'s
/// `Display` form or null, `at_ms` the milliseconds since the start, to the microsecond.
#[derive(Serialize)]
struct Wire<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    body: Option<&'a Value>,
    auth: Option<String>,
    at_ms: f64,
}

impl<'a> From<&'a RecordedRequest> for Wire<'a> {
    fn from(r: &'a RecordedRequest) -> Self {
        Wire {
            method: &r.method,
            path: &r.path,
            query: r.query.as_deref(),
            body: r.body.as_ref(),
            auth: r.auth.as_ref().map(Login::to_string),
            // Whole microseconds: exact in an f64 for centuries.
            at_ms: r.at.as_micros() as f64 / 1000.0,
        }
    }
}

/// The requests as a 2-space-indented JSON array (the body of `GET /sim/requests`).
pub(crate) fn json_array(requests: &[RecordedRequest]) -> Vec<u8> {
    let wire: Vec<Wire<'_>> = requests.iter().map(Wire::from).collect();
    serde_json::to_vec_pretty(&wire).unwrap_or_default()
}

fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password") || n.contains("passphrase")
}

fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret(k) && !v.is_null() {
                    *v = Value::from(MASK);
                } else {
                    mask(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

fn mask_query(q: &str) -> String {
    if !q.split('&').any(|p| is_secret(p.split('=').next().unwrap_or_default())) {
        return q.to_owned();
    }
    q.split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if is_secret(k) => format!("{k}={MASK}"),
            _ => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads a body for the log: its JSON, masked; a body that is not JSON as text, unless it
/// mentions a secret.
fn body_value(body: &[u8]) -> Option<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            mask(&mut v);
            Some(v)
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            if is_secret(&text) {
                Some(Value::from(format!(
                    "<{} bytes, not JSON; not recorded because it mentions a secret>",
                    body.len()
                )))
            } else {
                Some(Value::from(text.into_owned()))
            }
        }
    }
}

/// One logged request as received; turned into a [`RecordedRequest`] when read, so that a
/// GET costs one small allocation. The body is masked on arrival.
struct Entry {
    method: Method,
    /// The path and query, copied: a clone of the `Uri` would keep hyper's read buffer
    /// alive and make it allocate a new one for every request.
    target: Box<str>,
    body: Option<Value>,
    login: Option<Accepted>,
    /// Since the simulator started.
    at: Duration,
}

impl Entry {
    fn new(method: &Method, uri: &Uri, body: &[u8], login: Option<&Accepted>) -> Self {
        let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        Entry {
            method: method.clone(),
            target: target.into(),
            body: body_value(body),
            login: login.cloned(),
            at: Duration::ZERO,
        }
    }

    /// The public form, with the query's secrets masked.
    fn recorded(&self) -> RecordedRequest {
        let (path, query) = match self.target.split_once('?') {
            Some((p, q)) => (p, Some(mask_query(q))),
            None => (&*self.target, None),
        };
        RecordedRequest {
            method: self.method.as_str().to_owned(),
            path: path.to_owned(),
            query,
            body: self.body.clone(),
            auth: self.login.as_ref().map(Accepted::login),
            at: self.at,
        }
    }
}

/// The file `--request-log-file` appends to: one compact JSON line per request, written
/// whole (one `write_all` under a lock, the file opened for appending) before the request
/// is answered.
pub(crate) struct RequestFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl std::fmt::Debug for RequestFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestFile").field("path", &self.path).finish()
    }
}

impl RequestFile {
    /// Opens (creates if needed) the file for appending.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::options().create(true).append(true).open(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open the request log file {}: {e}", path.display()),
            )
        })?;
        Ok(RequestFile {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    fn append(&self, entry: &Entry) {
        let recorded = entry.recorded();
        let Ok(mut line) = serde_json::to_vec(&Wire::from(&recorded)) else {
            return;
        };
        line.push(b'\n');
        // A small blocking write; the file is a test aid, not a hot path.
        if let Err(e) = lock(&self.file).write_all(&line) {
            tracing::warn!(path = %self.path.display(), error = %e, "cannot append to the request log file");
        }
    }
}

/// The last `capacity` requests (none kept with a capacity of 0).
pub(crate) struct RequestLog {
    capacity: usize,
    /// When the simulator started: the origin of [`RecordedRequest::at`].
    started: Instant,
    entries: Mutex<VecDeque<Entry>>,
}

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The raw query strings may hold secrets: never print them.
        f.debug_struct("RequestLog")
            .field("capacity", &self.capacity)
            .field("len", &lock(&self.entries).len())
            .finish()
    }
}

impl RequestLog {
    pub fn new(capacity: usize, started: Instant) -> Self {
        RequestLog {
            capacity,
            started,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Records a request in the log (when enabled) and in `file` (when given), with the
    /// login it made (`None`: none valid).
    pub fn record(
        &self,
        file: Option<&RequestFile>,
        method: &Method,
        uri: &Uri,
        body: &[u8],
        login: Option<&Accepted>,
    ) {
        if !self.enabled() && file.is_none() {
            return;
        }
        let mut entry = Entry::new(method, uri, body, login);
        if !self.enabled() {
            if let Some(file) = file {
                entry.at = self.started.elapsed();
                file.append(&entry);
            }
            return;
        }
        let mut entries = lock(&self.entries);
        // The clock is read under the lock (and the file written under it), so that `at`
        // never decreases along the log, nor along the file.
        entry.at = self.started.elapsed();
        if let Some(file) = file {
            file.append(&entry);
        }
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).iter().map(Entry::recorded).collect()
    }

    /// Empties the log and returns what it held, in one step.
    pub fn take(&self) -> Vec<RecordedRequest> {
        let taken = std::mem::take(&mut *lock(&self.entries));
        taken.iter().map(Entry::recorded).collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The wire object without its `at_ms` (checked to be a number first).
    fn without_at(mut v: Value) -> Value {
        let at = v.as_object_mut().and_then(|o| o.remove("at_ms"));
        assert!(at.as_ref().is_some_and(Value::is_f64), "no at_ms in {v}");
        v
    }

    #[test]
    fn masks_secrets_at_any_depth() {
        let log = RequestLog::new(2, Instant::now());
        log.record(
            None,
            &Method::POST,
            &Uri::from_static("/api/x?password=s3cret&fields=a%2Cb"),
            br#"{"url": "u", "password": "s3cret", "nested": [{"new_password": "x", "Password": null}]}"#,
            None,
        );
        let r = &log.snapshot()[0];
        assert_eq!(
            r.body,
            Some(json!({"url": "u", "password": MASK, "nested": [{"new_password": MASK, "Password": null}]}))
        );
        assert_eq!(r.query.as_deref(), Some("password=*********&fields=a%2Cb"));
        assert_eq!(r.query_param("fields").as_deref(), Some("a,b"));
        assert!(!format!("{r:?}").contains("s3cret"));
        assert!(!format!("{log:?}").contains("s3cret"));
    }

    #[test]
    fn keeps_the_last_entries_and_odd_bodies() {
        let log = RequestLog::new(2, Instant::now());
        log.record(None, &Method::GET, &Uri::from_static("/1"), b"", None);
        log.record(None, &Method::POST, &Uri::from_static("/2"), b"not json", None);
        log.record(
            None,
            &Method::POST,
            &Uri::from_static("/3"),
            b"{\"password\": broken",
            None,
        );
        let all = log.snapshot();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].body, Some(Value::from("not json")));
        assert!(!all[1].body.as_ref().unwrap().as_str().unwrap().contains("broken"));
        log.clear();
        assert!(log.snapshot().is_empty());
        let off = RequestLog::new(0, Instant::now());
        off.record(None, &Method::GET, &Uri::from_static("/"), b"", None);
        assert!(off.snapshot().is_empty());
    }

    #[test]
    fn take_empties_and_the_file_gets_masked_lines_even_with_the_log_off() {
        let log = RequestLog::new(4, Instant::now());
        log.record(None, &Method::GET, &Uri::from_static("/a?x=1"), b"", None);
        let taken = log.take();
        assert_eq!(taken.len(), 1);
        assert!(log.snapshot().is_empty());
        let arr: Vec<Value> = serde_json::from_slice(&json_array(&taken)).unwrap();
        assert_eq!(
            arr.into_iter().map(without_at).collect::<Vec<_>>(),
            [json!({"method": "GET", "path": "/a", "query": "x=1", "body": null, "auth": null})]
        );

        let path = std::env::temp_dir().join(format!("ontap-sim-requests-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let file = RequestFile::open(&path).unwrap();
        let off = RequestLog::new(0, Instant::now());
        off.record(
            Some(&file),
            &Method::POST,
            &Uri::from_static("/b?passphrase=p"),
            br#"{"password": "s"}"#,
            None,
        );
        off.record(Some(&file), &Method::GET, &Uri::from_static("/c"), b"", None);
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| without_at(serde_json::from_str(l).unwrap()))
            .collect();
        assert_eq!(
            lines,
            [
                json!({"method": "POST", "path": "/b", "query": "passphrase=*********", "body": {"password": MASK}, "auth": null}),
                json!({"method": "GET", "path": "/c", "query": null, "body": null, "auth": null}),
            ]
        );
        assert!(off.snapshot().is_empty());
    }

    #[test]
    fn logins_and_times_are_recorded() {
        let started = Instant::now() - Duration::from_millis(1500);
        let log = RequestLog::new(8, started);
        let logins = [
            None,
            Some(Accepted::Basic),
            Some(Accepted::Bearer(3)),
            Some(Accepted::Certificate("admin".into())),
        ];
        for login in &logins {
            log.record(
                None,
                &Method::GET,
                &Uri::from_static("/api/cluster"),
                b"",
                login.as_ref(),
            );
        }
        let all = log.snapshot();
        let auth: Vec<_> = all.iter().map(|r| r.auth.clone()).collect();
        assert_eq!(
            auth,
            [
                None,
                Some(Login::Basic),
                Some(Login::Bearer { token: 3 }),
                Some(Login::Certificate { user: "admin".into() })
            ]
        );
        assert!(all[0].at >= Duration::from_millis(1500));
        assert!(all.windows(2).all(|w| w[0].at <= w[1].at));
        let wire: Vec<Value> = serde_json::from_slice(&json_array(&all)).unwrap();
        let auth: Vec<_> = wire.iter().map(|w| w["auth"].clone()).collect();
        assert_eq!(
            auth,
            [
                Value::Null,
                json!("basic"),
                json!("bearer#3"),
                json!("certificate:admin")
            ]
        );
        let text = String::from_utf8(json_array(&all[..1])).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
        assert!(
            at("method") < at("path") && at("path") < at("query") && at("query") < at("body"),
            "{text}"
        );
        assert!(
            at("body") < at("auth") && at("auth") < at("at_ms"),
            "new fields last: {text}"
        );
        let at_ms = wire[0]["at_ms"].as_f64().unwrap();
        assert!((at_ms - all[0].at.as_secs_f64() * 1000.0).abs() < 0.002, "{at_ms} ms");
    }
}
