//! Fault injection, consulted once per request before authentication and routing.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::state::lock;

/// ONTAP's error code for a configuration that is temporarily locked.
const LOCKED_CODE: &str = "2621573";

/// A fault the simulator injects into the requests it matches: added latency, a forced
/// status (e.g. 503, or 429 with `Retry-After`, or ONTAP's "temporarily locked" 409 with
/// [`Fault::locked`]), a dropped connection, or a truncated body.
///
/// A fault matches every request unless narrowed with [`Fault::path`] and [`Fault::method`],
/// and stays active until [`Simulator::clear_faults`](crate::Simulator::clear_faults)
/// unless limited with [`Fault::times`]. When several faults match, the first one added
/// wins. Faults apply before authentication, as a proxy or an overloaded server would.
///
/// ```
/// use std::time::Duration;
/// use ontap_sim::Fault;
///
/// // The next two job GETs answer 429 with Retry-After: 1.
/// let throttled = Fault::status(429).retry_after(1).path("/api/cluster/jobs").method("GET").times(2);
/// // Every request takes 50 ms longer.
/// let slow = Fault::latency(Duration::from_millis(50));
/// // The next request sees its connection closed without an answer.
/// let dropped = Fault::drop_connection().times(1);
/// # let _ = (throttled, slow, dropped);
/// ```
#[derive(Debug, Clone)]
pub struct Fault {
    method: Option<String>,
    path_prefix: Option<String>,
    pub(crate) latency: Option<Duration>,
    pub(crate) action: FaultAction,
    times: Option<u64>,
}

/// What a matching fault does after its latency.
#[derive(Debug, Clone)]
pub(crate) enum FaultAction {
    /// Serve the request normally (latency only).
    Pass,
    /// Answer with this status and an ONTAP error body (or a raw body).
    Respond {
        status: u16,
        retry_after: Option<u64>,
        code: String,
        message: String,
        raw: Option<(String, Vec<u8>)>,
    },
    /// Close the connection without answering.
    Drop,
    /// Serve the request, then cut the response body in half.
    Truncate,
}

impl Fault {
    fn new(action: FaultAction) -> Fault {
        Fault {
            method: None,
            path_prefix: None,
            latency: None,
            action,
            times: None,
        }
    }

    /// Delays matching requests by `delay`, then serves them normally.
    ///
    /// ```
    /// let f = ontap_sim::Fault::latency(std::time::Duration::from_millis(200));
    /// # let _ = f;
    /// ```
    pub fn latency(delay: Duration) -> Fault {
        Fault::new(FaultAction::Pass).delay(delay)
    }

    /// Answers matching requests with `status` and an ONTAP error body
    /// `{"error": {"message": "Injected fault: HTTP <status>", "code": "<status>"}}`
    /// (change it with [`Fault::ontap_error`] or [`Fault::raw_body`]).
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(503);
    /// # let _ = f;
    /// ```
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultAction::Respond {
            status,
            retry_after: None,
            code: status.to_string(),
            message: format!("Injected fault: HTTP {status}"),
            raw: None,
        })
    }

    /// Answers matching requests 409 with ONTAP's "temporarily locked" error, code
    /// `2621573`: what a cluster answers while another operation holds the configuration
    /// (a busy SVM, a takeover, a job that keeps it locked). Combine it with
    /// [`Fault::path`], [`Fault::method`], [`Fault::times`] and [`Fault::retry_after`] as
    /// any other answer.
    ///
    /// ONTAP refuses such a request before it does anything, so the request may be sent
    /// again, even a POST that creates something: nothing was created the first time.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// use ontap_sim::{Fault, Simulator};
    ///
    /// let sim = Simulator::builder().tls(false).start().await?;
    /// sim.inject(Fault::locked().method("POST").path("/api/storage/volumes").times(1));
    /// let post = || {
    ///     reqwest::Client::new()
    ///         .post(format!("{}/api/storage/volumes", sim.base_url()))
    ///         .basic_auth(sim.username(), Some(sim.password()))
    ///         .body(r#"{"name": "vol1", "svm": {"name": "vs0"}}"#)
    ///         .send()
    /// };
    /// let first = post().await?;
    /// assert_eq!(first.status(), 409);
    /// let body: serde_json::Value = serde_json::from_str(&first.text().await?)?;
    /// assert_eq!(body["error"]["code"], "2621573");
    /// // Nothing happened: the same POST again creates the volume.
    /// assert_eq!(post().await?.status(), 202);
    /// # Ok(())
    /// # }
    /// ```
    pub fn locked() -> Fault {
        Fault::status(409).ontap_error(
            LOCKED_CODE,
            "The configuration is temporarily locked by another operation. Try the request again later.",
        )
    }

    /// Closes the connection of matching requests without an answer.
    ///
    /// ```
    /// let f = ontap_sim::Fault::drop_connection().times(1);
    /// # let _ = f;
    /// ```
    pub fn drop_connection() -> Fault {
        Fault::new(FaultAction::Drop)
    }

    /// Serves matching requests but sends only the first half of the body (a malformed
    /// JSON document with a consistent `Content-Length`).
    ///
    /// ```
    /// let f = ontap_sim::Fault::truncate_body().path("/api/cluster/jobs");
    /// # let _ = f;
    /// ```
    pub fn truncate_body() -> Fault {
        Fault::new(FaultAction::Truncate)
    }

    /// Adds latency before the fault's action.
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(500).delay(std::time::Duration::from_millis(20));
    /// # let _ = f;
    /// ```
    pub fn delay(mut self, delay: Duration) -> Fault {
        self.latency = Some(delay);
        self
    }

    /// Adds a `Retry-After: <seconds>` header to a [`Fault::status`] answer.
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(429).retry_after(2);
    /// # let _ = f;
    /// ```
    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let FaultAction::Respond { retry_after, .. } = &mut self.action {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Sets the ONTAP error code and message of a [`Fault::status`] answer.
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(409).ontap_error("2621573", "Vserver temporarily locked");
    /// # let _ = f;
    /// ```
    pub fn ontap_error(mut self, code: impl Into<String>, message: impl Into<String>) -> Fault {
        if let FaultAction::Respond {
            code: c, message: m, ..
        } = &mut self.action
        {
            *c = code.into();
            *m = message.into();
        }
        self
    }

    /// Replaces the body of a [`Fault::status`] answer, e.g. the HTML page of a proxy.
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(502).raw_body("text/html", "<html>Bad Gateway</html>");
    /// # let _ = f;
    /// ```
    pub fn raw_body(mut self, content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Fault {
        if let FaultAction::Respond { raw, .. } = &mut self.action {
            *raw = Some((content_type.into(), body.into()));
        }
        self
    }

    /// Matches only requests whose path starts with `prefix` (e.g. `/api/cluster/jobs`).
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(500).path("/api/cluster/software/download");
    /// # let _ = f;
    /// ```
    pub fn path(mut self, prefix: impl Into<String>) -> Fault {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Matches only requests with this HTTP method (case-insensitive).
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(500).method("POST");
    /// # let _ = f;
    /// ```
    pub fn method(mut self, method: impl Into<String>) -> Fault {
        self.method = Some(method.into().to_ascii_uppercase());
        self
    }

    /// Applies to the next `n` matching requests only, then disappears.
    ///
    /// ```
    /// let f = ontap_sim::Fault::status(503).times(3);
    /// # let _ = f;
    /// ```
    pub fn times(mut self, n: u64) -> Fault {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
    }
}

/// The active faults of one simulator. Cheap when there are none (one atomic load).
#[derive(Debug, Default)]
pub(crate) struct Faults {
    active: AtomicUsize,
    rules: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        if fault.times == Some(0) {
            return;
        }
        let mut rules = lock(&self.rules);
        rules.push(fault);
        self.active.store(rules.len(), Ordering::Release);
    }

    pub fn clear(&self) {
        let mut rules = lock(&self.rules);
        rules.clear();
        self.active.store(0, Ordering::Release);
    }

    /// The fault for this request, if one matches (and counts it).
    pub fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = lock(&self.rules);
        let idx = rules.iter().position(|f| f.matches(method, path))?;
        let fault = rules[idx].clone();
        if let Some(n) = &mut rules[idx].times {
            *n -= 1;
            if *n == 0 {
                rules.remove(idx);
                self.active.store(rules.len(), Ordering::Release);
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_matching() {
        let faults = Faults::default();
        assert!(faults.pick("GET", "/api/cluster/jobs").is_none());
        faults.add(Fault::status(503).path("/api/cluster/jobs").method("get").times(2));
        assert!(faults.pick("POST", "/api/cluster/jobs").is_none());
        assert!(faults.pick("GET", "/api/cluster/software/download").is_none());
        assert!(faults.pick("GET", "/api/cluster/jobs/x").is_some());
        assert!(faults.pick("GET", "/api/cluster/jobs").is_some());
        assert!(faults.pick("GET", "/api/cluster/jobs").is_none());
        faults.add(Fault::latency(Duration::from_millis(1)));
        assert!(faults.pick("PATCH", "/x").is_some());
        faults.clear();
        assert!(faults.pick("PATCH", "/x").is_none());
    }
}
