//! The request log: the last requests the simulator received, secrets masked, so that a
//! test can check what a client sent.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::http::{Method, Uri};
use serde_json::Value;

use crate::state::lock;

/// What a masked secret reads as.
const MASK: &str = "*********";

/// One request as the simulator received it, with secrets masked.
///
/// Every request is recorded on arrival, before fault injection and authentication, so a
/// request answered by a [`Fault`](crate::Fault) or refused with 401 is in the log too.
/// The values of body fields and query parameters whose name contains `password` or
/// `passphrase` (any case, at any depth) read `*********`.
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
}

/// The last `capacity` requests (none kept with a capacity of 0).
pub(crate) struct RequestLog {
    capacity: usize,
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
    pub fn new(capacity: usize) -> Self {
        RequestLog {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn record(&self, method: &Method, uri: &Uri, body: &[u8]) {
        if !self.enabled() {
            return;
        }
        let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
        let entry = Entry {
            method: method.clone(),
            target: target.into(),
            body: body_value(body),
        };
        let mut entries = lock(&self.entries);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.entries)
            .iter()
            .map(|e| {
                let (path, query) = match e.target.split_once('?') {
                    Some((p, q)) => (p, Some(mask_query(q))),
                    None => (&*e.target, None),
                };
                RecordedRequest {
                    method: e.method.as_str().to_owned(),
                    path: path.to_owned(),
                    query,
                    body: e.body.clone(),
                }
            })
            .collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secrets_at_any_depth() {
        let log = RequestLog::new(2);
        log.record(
            &Method::POST,
            &Uri::from_static("/api/x?password=s3cret&fields=a%2Cb"),
            br#"{"url": "u", "password": "s3cret", "nested": [{"new_password": "x", "Password": null}]}"#,
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
        let log = RequestLog::new(2);
        log.record(&Method::GET, &Uri::from_static("/1"), b"");
        log.record(&Method::POST, &Uri::from_static("/2"), b"not json");
        log.record(&Method::POST, &Uri::from_static("/3"), b"{\"password\": broken");
        let all = log.snapshot();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].body, Some(Value::from("not json")));
        assert!(!all[1].body.as_ref().unwrap().as_str().unwrap().contains("broken"));
        log.clear();
        assert!(log.snapshot().is_empty());
        let off = RequestLog::new(0);
        off.record(&Method::GET, &Uri::from_static("/"), b"");
        assert!(off.snapshot().is_empty());
    }
}
