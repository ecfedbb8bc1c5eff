//! When a failed request is sent again, and after how long.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::{Error, codes};

/// The ONTAP error codes that prove the server refused a request before
/// doing anything, so that even a POST may be sent again
/// ([`RetryPolicy::resend_not_performed`]).
pub const NOT_PERFORMED_CODES: &[u64] = &[codes::VSERVER_LOCKED];

/// Which failed requests are sent again, how often and after how long.
///
/// The default is what a connection does unless told otherwise: at most 3
/// attempts in all; a pause of 250 ms, then 500 ms, ... up to 5 s, each
/// between half and all of that at random (jitter, so that many clients do
/// not come back at once), or the server's `Retry-After` when it sends one
/// of at most 10 s (a longer one ends the retries: the server asked for
/// more patience than a call has). Only reads (GET, HEAD) are sent again,
/// after a connection failure, a time-out, HTTP 429, 502, 503 or 504, or
/// ONTAP's "temporarily locked" (code 2621573). A POST, PATCH or DELETE is
/// never sent again unless
/// [`resend_not_performed`](RetryPolicy::resend_not_performed) allows it for
/// the codes that prove nothing was done: on ONTAP each may start a job, a
/// second PATCH may start a second one, and a second DELETE of what the first
/// deleted answers 404 for a call that succeeded. A certificate that fails
/// verification is never retried.
///
/// Set it on the connection ([`HostConnectionBuilder::retry`]) or for some
/// calls ([`HostConnection::with_retry`]).
///
/// ```
/// use std::time::Duration;
/// use ontap_core::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .attempts(6)
///     .backoff(Duration::from_millis(500), Duration::from_secs(20))
///     .max_retry_after(Duration::from_secs(60))
///     .statuses([429, 500, 502, 503, 504])
///     .resend_not_performed(true);
/// assert_eq!(patient.max_attempts(), 6);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
///
/// [`HostConnectionBuilder::retry`]: crate::HostConnectionBuilder::retry
/// [`HostConnection::with_retry`]: crate::HostConnection::with_retry
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    attempts: u32,
    initial: Duration,
    max_delay: Duration,
    jitter: bool,
    max_retry_after: Duration,
    statuses: Vec<u16>,
    codes: Vec<u64>,
    transport: bool,
    resend_not_performed: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            initial: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            jitter: true,
            max_retry_after: Duration::from_secs(10),
            statuses: vec![429, 502, 503, 504],
            codes: vec![codes::VSERVER_LOCKED],
            transport: true,
            resend_not_performed: false,
        }
    }
}

impl RetryPolicy {
    /// Every request is sent once.
    ///
    /// ```
    /// assert_eq!(ontap_core::RetryPolicy::none().max_attempts(), 1);
    /// ```
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How many times a request may be sent in all, the first included
    /// (3 by default; 0 counts as 1).
    ///
    /// ```
    /// assert_eq!(ontap_core::RetryPolicy::default().attempts(5).max_attempts(), 5);
    /// ```
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// The pause before the first retry and the longest pause; each further
    /// retry doubles it (250 ms and 5 s by default).
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = ontap_core::RetryPolicy::default()
    ///     .backoff(Duration::from_millis(100), Duration::from_secs(1))
    ///     .jitter(false);
    /// # let _ = policy;
    /// ```
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial = initial;
        self.max_delay = max.max(initial);
        self
    }

    /// Whether each pause is drawn between half and all of the backoff (on
    /// by default), so that clients that failed together do not all come
    /// back together. Off, the pauses are exactly the backoff.
    ///
    /// ```
    /// let policy = ontap_core::RetryPolicy::default().jitter(false);
    /// # let _ = policy;
    /// ```
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The longest `Retry-After` honoured (10 s by default): a longer one
    /// ends the retries, and the error carries it
    /// ([`Error::retry_after`]).
    ///
    /// ```
    /// let policy = ontap_core::RetryPolicy::default().max_retry_after(std::time::Duration::from_secs(30));
    /// # let _ = policy;
    /// ```
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The HTTP statuses that may pass (429, 502, 503 and 504 by default).
    ///
    /// ```
    /// let policy = ontap_core::RetryPolicy::default().statuses([429, 503]);
    /// # let _ = policy;
    /// ```
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// The ONTAP error codes that may pass, whatever the status
    /// (2621573, "temporarily locked", by default; see [`crate::codes`]).
    ///
    /// ```
    /// use ontap_core::{RetryPolicy, codes};
    /// let policy = RetryPolicy::default().codes([codes::VSERVER_LOCKED]);
    /// # let _ = policy;
    /// ```
    pub fn codes(mut self, codes: impl IntoIterator<Item = u64>) -> Self {
        self.codes = codes.into_iter().collect();
        self
    }

    /// Whether connection failures and time-outs may pass (true by default).
    ///
    /// ```
    /// let policy = ontap_core::RetryPolicy::default().transport(false);
    /// # let _ = policy;
    /// ```
    pub fn transport(mut self, transport: bool) -> Self {
        self.transport = transport;
        self
    }

    /// Whether a request that is not a read (a POST, a PATCH, a DELETE) is sent
    /// again after an answer whose ONTAP code proves the server did nothing
    /// ([`NOT_PERFORMED_CODES`]: 2621573, a configuration "temporarily
    /// locked"); false by default. No other failure ever sends such a
    /// request again: after a time-out or a 503 the server may have done it.
    ///
    /// ```
    /// let policy = ontap_core::RetryPolicy::default().resend_not_performed(true);
    /// # let _ = policy;
    /// ```
    pub fn resend_not_performed(mut self, resend: bool) -> Self {
        self.resend_not_performed = resend;
        self
    }

    /// How many times a request may be sent in all.
    ///
    /// ```
    /// assert_eq!(ontap_core::RetryPolicy::default().max_attempts(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether `err` may pass if the same request is sent again later, by
    /// this policy's statuses, codes and transport setting. A certificate
    /// that fails verification never passes.
    ///
    /// ```
    /// let err = ontap_core::HostConnection::builder("127.0.0.1").port(0).build().unwrap_err();
    /// assert!(!ontap_core::RetryPolicy::default().is_transient(&err));
    /// ```
    pub fn is_transient(&self, err: &Error) -> bool {
        match err {
            Error::Transport { .. } if crate::connection::is_certificate_failure(err) => false,
            Error::Transport { source, .. } => self.transport && (source.is_connect() || source.is_timeout()),
            _ => {
                err.status().is_some_and(|s| self.statuses.contains(&s.as_u16()))
                    || err.ontap_code_number().is_some_and(|code| self.codes.contains(&code))
            }
        }
    }

    /// Whether a request that failed with `err` after `sent` attempts may
    /// be sent again, and after how long: `None` to stop.
    pub(crate) fn next_delay(&self, idempotent: bool, sent: u32, err: &Error) -> Option<Duration> {
        if sent >= self.attempts {
            return None;
        }
        let not_performed = matches!(err, Error::Api { .. })
            && err
                .ontap_code_number()
                .is_some_and(|code| NOT_PERFORMED_CODES.contains(&code));
        let allowed = if idempotent {
            self.is_transient(err)
        } else {
            self.resend_not_performed && not_performed
        };
        if !allowed {
            return None;
        }
        match err.retry_after() {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff_after(sent)),
        }
    }

    /// The pause after failed attempt number `sent` (1-based).
    fn backoff_after(&self, sent: u32) -> Duration {
        let doublings = sent.saturating_sub(1).min(30);
        let full = self.initial.saturating_mul(1 << doublings).min(self.max_delay);
        if self.jitter {
            full / 2 + full.mul_f64(random_unit() / 2.0)
        } else {
            full
        }
    }
}

/// A number in `[0, 1)` that differs between calls and processes: the
/// standard library's randomly keyed hasher over a counter.
fn random_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let bits = RandomState::new().hash_one(n);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> Error {
        Error::Api {
            method: http::Method::POST,
            path: "/x".into(),
            status: http::StatusCode::from_u16(status).unwrap(),
            error: Box::new(crate::ApiError {
                code: Some(code.into()),
                ..Default::default()
            }),
            retry_after: None,
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_and_jitter_keeps_half() {
        let policy = RetryPolicy::default()
            .attempts(10)
            .backoff(Duration::from_millis(100), Duration::from_millis(350))
            .jitter(false);
        let delays: Vec<_> = (1..=4).map(|n| policy.backoff_after(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        let jittered = policy.jitter(true);
        let drawn: Vec<_> = (0..200).map(|_| jittered.backoff_after(2)).collect();
        assert!(drawn.iter().all(|d| (100..=200).contains(&d.as_millis())), "{drawn:?}");
        assert!(drawn.iter().any(|d| *d != drawn[0]), "jitter varies");
    }

    #[test]
    fn a_post_is_resent_only_for_codes_that_prove_nothing_was_done() {
        let locked = api(409, "2621573");
        let unavailable = api(503, "0");
        let default = RetryPolicy::default();
        assert!(default.next_delay(true, 1, &locked).is_some());
        assert!(default.next_delay(true, 1, &unavailable).is_some());
        assert_eq!(default.next_delay(false, 1, &locked), None, "off by default");
        let resend = default.clone().resend_not_performed(true);
        assert!(resend.next_delay(false, 1, &locked).is_some());
        assert_eq!(resend.next_delay(false, 1, &unavailable), None);
        assert_eq!(resend.next_delay(false, 3, &locked), None, "attempts are spent");
        // The codes list does not widen what a POST may be resent for.
        let wide = resend.codes([2621573, 1]);
        assert_eq!(wide.next_delay(false, 1, &api(409, "1")), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let mut err = api(503, "0");
        if let Error::Api { retry_after, .. } = &mut err {
            *retry_after = Some(Duration::from_secs(3));
        }
        let policy = RetryPolicy::default();
        assert_eq!(policy.next_delay(true, 1, &err), Some(Duration::from_secs(3)));
        let short = policy.max_retry_after(Duration::from_secs(2));
        assert_eq!(short.next_delay(true, 1, &err), None);
    }
}
