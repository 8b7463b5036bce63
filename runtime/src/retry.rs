//! Whether and when to try again: the retry settings ([`RetryConfig`]), the standard mode's
//! retry quota and what a retry costs from it, the error codes worth repeating, the backoff.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// When and how often to try again: the AWS "standard" mode by default, which retries throttling,
/// server errors, connection failures and timeouts, waiting a random time up to
/// `min(initial_backoff * 2^n, max_backoff)` before retry `n`, while its retry quota lasts: a
/// bucket of 500 tokens shared by a client and its clones, from which each retry takes 5 (10
/// after a timeout) and to which each success returns what its retries took, or 1. An empty
/// bucket means a failing service is tried once per call, not three times by every task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    quota: Option<u32>,
}

/// The standard mode's retry quota and costs.
const RETRY_QUOTA: u32 = 500;
pub(crate) const RETRY_COST: u32 = 5;
pub(crate) const RETRY_TIMEOUT_COST: u32 = 10;

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
            jitter: true,
            quota: Some(RETRY_QUOTA),
        }
    }
}

impl RetryConfig {
    /// One attempt only.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        }
    }

    /// Attempts in all, the first included (at least one).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Waits the whole backoff instead of a random part of it (for tests and rate planning).
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// A retry quota of `tokens` instead of 500.
    pub fn with_retry_quota(mut self, tokens: u32) -> Self {
        self.quota = Some(tokens);
        self
    }

    /// No retry quota: every call retries up to its attempts, however the service fares.
    pub fn without_retry_quota(mut self) -> Self {
        self.quota = None;
        self
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn quota(&self) -> Option<u32> {
        self.quota
    }

    /// The wait before retry `retry` (0 for the first retry); `random` is uniform in [0, 1).
    pub(crate) fn backoff(&self, retry: u32, random: f64) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
            .min(self.max_backoff);
        if self.jitter {
            ceiling.mul_f64(random)
        } else {
            ceiling
        }
    }
}

/// The standard retry mode's token bucket, shared by a client's clones.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    capacity: u32,
    left: AtomicU32,
}

impl RetryQuota {
    pub(crate) fn new(capacity: u32) -> Self {
        RetryQuota {
            capacity,
            left: AtomicU32::new(capacity),
        }
    }

    /// Takes `cost` tokens, if that many are left.
    pub(crate) fn acquire(&self, cost: u32) -> bool {
        self.left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(cost)
            })
            .is_ok()
    }

    /// Returns `tokens`, up to the capacity.
    pub(crate) fn release(&self, tokens: u32) {
        let _ = self
            .left
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                Some(left.saturating_add(tokens).min(self.capacity))
            });
    }
}

/// Error codes that mean "slow down" (the AWS SDKs' list).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes of transient failures.
const TRANSIENT_CODES: &[&str] = &["RequestTimeout", "RequestTimeoutException"];

/// Uniform in [0, 1) from the OS; without it the backoff is not shortened.
pub(crate) fn unit_random() -> f64 {
    getrandom::u64()
        .map(|bits| (bits >> 11) as f64 / (1u64 << 53) as f64)
        .unwrap_or(1.0)
}

/// Why a response with an error `status` and `code` is worth repeating, if it is.
pub(crate) fn retry_reason(status: u16, code: Option<&str>) -> Option<&'static str> {
    match code {
        Some(code) if THROTTLING_CODES.contains(&code) => Some("throttled"),
        Some(code) if TRANSIENT_CODES.contains(&code) => Some("transient error"),
        _ if status == 429 => Some("throttled"),
        _ if status >= 500 => Some("server error"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let retry = RetryConfig::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(350));
        let whole: Vec<_> = (0..4)
            .map(|n| retry.backoff(n, 0.999_999).as_millis())
            .collect();
        assert_eq!(whole, [99, 199, 349, 349]);
        assert_eq!(retry.backoff(2, 0.5), Duration::from_millis(175));
        assert_eq!(retry.backoff(1, 0.0), Duration::ZERO);
        let fixed = retry.clone().without_jitter();
        assert_eq!(fixed.backoff(0, 0.0), Duration::from_millis(100));
        assert_eq!(fixed.backoff(40, 0.0), Duration::from_millis(350));
    }

    #[test]
    fn unit_random_is_in_range() {
        for _ in 0..100 {
            let r = unit_random();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}
