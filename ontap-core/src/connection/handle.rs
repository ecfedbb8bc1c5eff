//! The methods of a [`HostConnection`] handle: [`HostConnection::builder`],
//! the handles with their own time-out, deadline or retry policy, the
//! accessors of the settings, and the slots and holds a request takes.

use std::sync::Arc;
use std::time::Duration;

use super::{
    CallSettings, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IN_FLIGHT, DEFAULT_RETURN_TIMEOUT, Hold, HostConnection,
    HostConnectionBuilder, Inner, Scheme, Slot,
};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::tls::TlsSettings;
use crate::transport::Interceptor;

impl HostConnection {
    /// Starts the settings for `host`: a DNS name, an IPv4 address, or an
    /// IPv6 address (with or without brackets).
    pub fn builder(host: impl Into<String>) -> HostConnectionBuilder {
        HostConnectionBuilder {
            host: host.into(),
            port: None,
            scheme: Scheme::Https,
            logins: Vec::new(),
            tls: TlsSettings::default(),
            proxy: None,
            headers: Vec::new(),
            connect_timeout: super::DEFAULT_CONNECT_TIMEOUT,
            read_timeout: None,
            request_timeout: Duration::from_secs(60),
            deadline: None,
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(2),
            poll_timeout: Duration::from_secs(600),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            return_timeout: DEFAULT_RETURN_TIMEOUT,
            release: None,
            release_guard: crate::ReleaseGuard::Refuse,
            transport: None,
            interceptors: Vec::new(),
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// This connection with its own call settings, whatever the handle's:
    /// for work shared by the calls of several handles (job reads).
    pub(crate) fn base(&self) -> HostConnection {
        HostConnection {
            inner: self.inner.clone(),
            call: self.inner.defaults.clone(),
        }
    }

    fn with_call(&self, change: impl FnOnce(&mut CallSettings)) -> HostConnection {
        let mut call = (*self.call).clone();
        change(&mut call);
        HostConnection {
            inner: self.inner.clone(),
            call: Arc::new(call),
        }
    }

    /// A handle of this connection (the same pool, slots, login and job
    /// watcher) whose requests may each take up to `timeout`, instead of
    /// the connection's [`request_timeout`](HostConnectionBuilder::request_timeout):
    /// for one large `fields=**` collection, say. A request with
    /// `return_timeout=N` gets N seconds more.
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let patient = conn.with_timeout(Duration::from_secs(600));
    /// assert_eq!(patient.request_timeout(), Duration::from_secs(600));
    /// assert_eq!(conn.request_timeout(), Duration::from_secs(60));
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> HostConnection {
        self.with_call(|call| call.timeout = timeout)
    }

    /// A handle of this connection whose every request, its retries and
    /// their pauses included, ends by `deadline` after it starts: an
    /// attempt still running then is cut, and a retry that would start
    /// later is not made; either way the request is [`Error::Deadline`].
    /// A job's wait is bounded by its own
    /// [`poll_timeout`](HostConnectionBuilder::poll_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let hurried = conn.with_deadline(Duration::from_secs(5));
    /// assert_eq!(hurried.deadline(), Some(Duration::from_secs(5)));
    /// assert_eq!(conn.deadline(), None);
    /// ```
    pub fn with_deadline(&self, deadline: Duration) -> HostConnection {
        self.with_call(|call| call.deadline = Some(deadline))
    }

    /// A handle of this connection whose requests are retried by `policy`.
    ///
    /// ```
    /// use ontap_core::RetryPolicy;
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let once = conn.with_retry(RetryPolicy::none());
    /// assert_eq!(once.retry_policy().max_attempts(), 1);
    /// assert_eq!(conn.retry_policy().max_attempts(), 3);
    /// ```
    pub fn with_retry(&self, policy: RetryPolicy) -> HostConnection {
        self.with_call(|call| call.retry = policy)
    }

    /// A handle of this connection (the same pool, slots, login and job
    /// watcher) whose requests also carry the header `name: value`, replacing
    /// the connection's own of that name: `X-Dot-SVM-Name` to act as an SVM's
    /// administrator, for one call or for a block of them, without a second
    /// connection. The job reads the library makes for those calls are shared
    /// by the connection and carry the connection's headers only. A login
    /// header (`Authorization`, `Proxy-Authorization`, `Cookie`) is the
    /// connection's to set ([`HostConnectionBuilder::header`]); it and a
    /// name or value that is not a valid header are [`Error::Config`].
    ///
    /// ```
    /// # async fn run(conn: ontap_core::HostConnection) -> Result<(), ontap_core::Error> {
    /// use ontap_core::{Query, RequestSpec};
    /// let vs1 = conn.with_header("X-Dot-SVM-Name", "vs1")?;
    /// // Every call through `vs1` (typed verbs, collections, raw requests) acts as vs1.
    /// let volumes = vs1.execute(&RequestSpec::new(http::Method::GET, "/storage/volumes", &Query::new())).await?;
    /// # let _ = volumes; Ok(()) }
    /// ```
    pub fn with_header(&self, name: &str, value: &str) -> Result<HostConnection, Error> {
        let name = http::HeaderName::try_from(name)
            .map_err(|_| Error::Config(format!("`{name}` is not a valid header name")))?;
        if super::open::is_sensitive_header(&name) {
            return Err(Error::Config(format!(
                "`{name}` is a login header: set it on the connection (HostConnectionBuilder::header)"
            )));
        }
        let value = http::HeaderValue::try_from(value)
            .map_err(|_| Error::Config(format!("the value of header `{name}` is not valid")))?;
        Ok(self.with_call(|call| {
            call.headers.insert(name, value);
        }))
    }

    /// A handle of this connection whose requests also run `interceptor`, after
    /// the connection's own ([`HostConnectionBuilder::interceptor`]): for the
    /// calls of one task, one tenant, one report. As with
    /// [`with_header`](Self::with_header), the job reads the library makes for
    /// these calls are shared by the connection and run the connection's
    /// interceptors only.
    ///
    /// ```
    /// use ontap_core::{AttemptOutcome, Interceptor};
    /// struct Log;
    /// impl Interceptor for Log {
    ///     fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
    ///         eprintln!("{} {} -> {:?}", outcome.method(), outcome.path_and_query(), outcome.status());
    ///     }
    /// }
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let logged = conn.with_interceptor(Log);
    /// # let _ = logged;
    /// ```
    pub fn with_interceptor(&self, interceptor: impl Interceptor) -> HostConnection {
        let interceptor: Arc<dyn Interceptor> = Arc::new(interceptor);
        self.with_call(|call| call.interceptors.push(interceptor))
    }

    /// The headers this handle adds to the connection's ([`HostConnection::with_header`]).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// let vs1 = conn.with_header("X-Dot-SVM-Name", "vs1").unwrap();
    /// assert_eq!(vs1.headers()["x-dot-svm-name"], "vs1");
    /// assert!(conn.headers().is_empty());
    /// ```
    pub fn headers(&self) -> &http::HeaderMap {
        &self.call.headers
    }

    /// How long one request may take ([`HostConnection::with_timeout`]).
    pub fn request_timeout(&self) -> Duration {
        self.call.timeout
    }

    /// How long a request and its retries may take in all, if bounded
    /// ([`HostConnection::with_deadline`]).
    pub fn deadline(&self) -> Option<Duration> {
        self.call.deadline
    }

    /// Which failed requests are sent again ([`HostConnection::with_retry`]).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.call.retry
    }

    /// The API root, e.g. `https://cluster.example.com/api`.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// How often a job is polled unless a call says otherwise.
    pub fn poll_interval(&self) -> Duration {
        self.inner.poll_interval
    }

    /// How long a job is waited for unless a call says otherwise.
    pub fn poll_timeout(&self) -> Duration {
        self.inner.poll_timeout
    }

    /// The largest response body read ([`HostConnectionBuilder::max_body_bytes`]).
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// How many requests may be in flight at once
    /// ([`HostConnectionBuilder::max_in_flight`]).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").build().unwrap();
    /// assert_eq!(conn.max_in_flight(), ontap_core::DEFAULT_MAX_IN_FLIGHT);
    /// ```
    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    /// The `return_timeout` sent with a request that may start a job when
    /// the call sets none ([`HostConnectionBuilder::return_timeout`]).
    ///
    /// ```
    /// let conn = ontap_core::HostConnection::builder("cluster").return_timeout(0).build().unwrap();
    /// assert_eq!(conn.return_timeout(), 0);
    /// ```
    pub fn return_timeout(&self) -> u32 {
        self.inner.return_timeout
    }

    /// The right to have the server hold an answer until its job ends, when
    /// the connection holds answers and fewer than half of its slots hold
    /// one already; `None` sends the request without a hold.
    pub(crate) fn hold(&self) -> Option<Hold<'_>> {
        if self.inner.return_timeout == 0 {
            return None;
        }
        let permit = self.inner.holds.try_acquire().ok()?;
        Some(Hold {
            seconds: self.inner.return_timeout,
            _permit: permit,
        })
    }

    /// Waits for a free slot: at most [`HostConnection::max_in_flight`]
    /// requests are in flight at once.
    pub(crate) async fn slot(&self) -> Slot {
        let started = cfg!(feature = "metrics").then(std::time::Instant::now);
        match self.inner.slots.clone().acquire_owned().await {
            Ok(slot) => {
                if let Some(started) = started {
                    crate::measure::slot_wait(&self.inner.server.0, started.elapsed());
                }
                slot
            }
            // The semaphore is never closed.
            Err(_) => unreachable!("the slots of a connection are never closed"),
        }
    }
}
