//! Retries of transient failures.
//!
//! Idempotent calls (every GET, PUT and DELETE the spec does not mark otherwise) are retried on
//! connection failures, timeouts and answers 429, 502, 503 and 504, with exponential backoff and
//! full jitter, honouring `Retry-After`, bounded in attempts and in total time. Non-idempotent calls
//! (run, publish, sign in, ...) are retried only when the request cannot have reached the server
//! (the connection was never made). A request whose body is a one-shot stream is never repeated.

use std::time::{Duration, SystemTime};

/// When and how often to retry. Durations beyond [`MAX_DURATION`](crate::MAX_DURATION) (a
/// year) are taken as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles for each further one.
    pub initial_backoff: Duration,
    /// The longest single wait (also caps `Retry-After`).
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The policy with each duration at most [`MAX_DURATION`](crate::MAX_DURATION).
    pub(crate) fn clamped(self) -> Self {
        use crate::limits::clamp;
        RetryPolicy {
            initial_backoff: clamp(self.initial_backoff),
            max_backoff: clamp(self.max_backoff),
            max_elapsed: clamp(self.max_elapsed),
            ..self
        }
    }

    /// The wait before retry number `retry` (1 for the first retry): a random duration between
    /// half and all of the capped exponential backoff, or the server's `Retry-After` (capped);
    /// never more than [`MAX_DURATION`](crate::MAX_DURATION), whatever the policy says.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let max_backoff = crate::limits::clamp(self.max_backoff);
        if let Some(d) = retry_after {
            return d.min(max_backoff);
        }
        let exp = self.initial_backoff.saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(max_backoff);
        let half = cap / 2;
        half + cap.saturating_sub(half).mul_f64(fastrand::f64())
    }
}

/// Whether an HTTP status is worth retrying (for idempotent calls).
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped_with_jitter() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            max_elapsed: Duration::from_secs(10),
        };
        for _ in 0..50 {
            let d1 = p.delay(1, None);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.delay(3, None);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            let d9 = p.delay(9, None);
            assert!(
                d9 >= Duration::from_millis(500) && d9 <= Duration::from_secs(1),
                "{d9:?}"
            );
            assert!(p.delay(40, None) <= Duration::from_secs(1));
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(30))),
            Duration::from_secs(1)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_millis(300))),
            Duration::from_millis(300)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(retryable_status(s));
        }
        for s in [200, 400, 401, 404, 500, 501] {
            assert!(!retryable_status(s));
        }
    }
}
