//! How long both clients wait before retrying a call: exponential backoff with jitter, or the
//! server's `Retry-After`.
//!
//! # The formula
//!
//! Retry number `n` (0 for the first retry) waits, with `U` uniform in `[0, 1]`:
//!
//! ```text
//! step = min(base · 2ⁿ, cap)
//! wait = step / 2 + U · step / 2          ("equal jitter": between half and all of the step)
//! ```
//!
//! Half of the step is always waited, so a retry never follows its failure at once (which "full
//! jitter", `U · step`, allows); the other half spreads out clients that failed together.
//!
//! When the answer carried `Retry-After` (seconds, or an HTTP date), the wait is that value plus
//! up to [`RETRY_AFTER_JITTER`] instead, however it compares with `cap`. A `Retry-After` longer
//! than the policy's `retry_after_max` is not slept through: [`RetryPolicy::wait`] answers `None`
//! and the caller ends the call with its rate-limit error.
//!
//! # The policies
//!
//! Each vendor module holds its own [`RetryPolicy`] value:
//!
//! | | base | cap | `Retry-After` |
//! |---|---|---|---|
//! | ConnectWise (`connectwise::http::RETRY_POLICY`) | 500 ms | 30 s | honoured up to 120 s |
//! | Umbrella (built from `UmbrellaConfig::retry_base_delay`) | 1 s by default | 60 s | honoured up to 120 s |
//!
//! ConnectWise documents `Retry-After` on 429. Umbrella documents none, so its retries run on the
//! backoff alone; a `Retry-After` it (or a proxy in front of it) does send is still honoured.
//! How many retries, and the time budget of a call, stay in each client's configuration.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// Most added to a `Retry-After` wait, so that clients told the same moment do not all come
/// back at once.
pub(crate) const RETRY_AFTER_JITTER: Duration = Duration::from_millis(250);

/// One vendor's backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Step of the first retry; doubled per retry.
    pub base: Duration,
    /// Longest step.
    pub cap: Duration,
    /// Longest `Retry-After` slept through; a longer one ends the call.
    pub retry_after_max: Duration,
}

impl RetryPolicy {
    /// `min(base · 2^retry, cap)`, without jitter.
    pub(crate) fn step(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.cap)
    }

    /// The jittered backoff before retry number `retry` (0-based), between half and all of
    /// [`RetryPolicy::step`].
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        self.backoff_with(retry, rand::random::<f64>())
    }

    /// [`RetryPolicy::backoff`] with the random draw `unit` (in `[0, 1]`) given.
    pub(crate) fn backoff_with(&self, retry: u32, unit: f64) -> Duration {
        let half = self.step(retry) / 2;
        half + half.mul_f64(unit_interval(unit))
    }

    /// The wait before retry number `retry`: the server's `Retry-After` plus up to
    /// [`RETRY_AFTER_JITTER`], or else the backoff. `None` when `Retry-After` is longer than
    /// `retry_after_max`: the call should end instead.
    pub(crate) fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        self.wait_with(retry, retry_after, rand::random::<f64>())
    }

    /// [`RetryPolicy::wait`] with the random draw `unit` (in `[0, 1]`) given.
    pub(crate) fn wait_with(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        unit: f64,
    ) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.retry_after_max => None,
            Some(wait) => Some(wait + RETRY_AFTER_JITTER.mul_f64(unit_interval(unit))),
            None => Some(self.backoff_with(retry, unit)),
        }
    }
}

/// `unit` clamped to `[0, 1]` (and NaN to 0), so a bad draw cannot stretch a wait.
fn unit_interval(unit: f64) -> f64 {
    if unit.is_nan() {
        0.0
    } else {
        unit.clamp(0.0, 1.0)
    }
}

/// The `Retry-After` of an answer, as delay-seconds or an HTTP date (a date in the past is a
/// zero wait); `None` when absent or unreadable.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    retry_after_at(value, OffsetDateTime::now_utc())
}

/// Reads one `Retry-After` value relative to `now`.
fn retry_after_at(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // RFC 9110's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 2822 date.
    let when = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    Some(Duration::try_from(when - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectwise::http::RETRY_POLICY as CONNECTWISE;
    use reqwest::header::HeaderValue;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn umbrella() -> RetryPolicy {
        crate::umbrella::retry_policy(
            crate::umbrella::UmbrellaConfig::new("k", "s").retry_base_delay,
        )
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_step() {
        let policy = RetryPolicy {
            base: ms(100),
            cap: ms(20_000),
            retry_after_max: ms(1000),
        };
        for retry in 0..8 {
            let step = policy.step(retry);
            assert_eq!(step, ms(100 << retry));
            assert_eq!(policy.backoff_with(retry, 0.0), step / 2);
            assert_eq!(policy.backoff_with(retry, 1.0), step);
            assert_eq!(policy.backoff_with(retry, 0.5), step * 3 / 4);
            // Out-of-range draws are clamped, never stretch or shrink the wait.
            assert_eq!(policy.backoff_with(retry, 7.0), step);
            assert_eq!(policy.backoff_with(retry, -1.0), step / 2);
            assert_eq!(policy.backoff_with(retry, f64::NAN), step / 2);
            for _ in 0..50 {
                let wait = policy.backoff(retry);
                assert!(wait >= step / 2 && wait <= step, "{retry}: {wait:?}");
            }
        }
    }

    #[test]
    fn steps_double_up_to_the_cap_without_overflow() {
        let policy = RetryPolicy {
            base: ms(500),
            cap: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(120),
        };
        let steps: Vec<u64> = (0..8).map(|r| policy.step(r).as_millis() as u64).collect();
        assert_eq!(steps, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
        for retry in [31, 32, 64, 1000, u32::MAX] {
            assert_eq!(policy.step(retry), policy.cap, "{retry}");
            assert!(policy.backoff(retry) <= policy.cap);
        }
    }

    #[test]
    fn retry_after_replaces_the_backoff_within_its_limit() {
        let policy = CONNECTWISE;
        assert_eq!(
            policy.wait_with(0, Some(Duration::from_secs(3)), 0.0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            policy.wait_with(5, Some(Duration::from_secs(3)), 1.0),
            Some(Duration::from_secs(3) + RETRY_AFTER_JITTER)
        );
        // Above the backoff cap is fine; above retry_after_max ends the call.
        assert_eq!(
            policy.wait_with(0, Some(Duration::from_secs(120)), 0.0),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            policy.wait_with(0, Some(Duration::from_secs(121)), 0.0),
            None
        );
        assert_eq!(policy.wait(0, Some(Duration::from_secs(3600))), None);
        assert_eq!(policy.wait_with(2, None, 1.0), Some(policy.step(2)));
        let wait = policy.wait(0, Some(Duration::ZERO)).unwrap();
        assert!(wait <= RETRY_AFTER_JITTER, "{wait:?}");
    }

    #[test]
    fn connectwise_policy() {
        assert_eq!(
            CONNECTWISE,
            RetryPolicy {
                base: ms(500),
                cap: Duration::from_secs(30),
                retry_after_max: Duration::from_secs(120),
            }
        );
        let first = CONNECTWISE.backoff(0);
        assert!(first >= ms(250) && first <= ms(500), "{first:?}");
        assert_eq!(CONNECTWISE.backoff_with(20, 1.0), Duration::from_secs(30));
    }

    #[test]
    fn umbrella_policy() {
        let policy = umbrella();
        assert_eq!(
            policy,
            RetryPolicy {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(60),
                retry_after_max: Duration::from_secs(120),
            }
        );
        let first = policy.backoff(0);
        assert!(first >= ms(500) && first <= ms(1000), "{first:?}");
        assert_eq!(policy.backoff_with(3, 0.0), Duration::from_secs(4));
        assert_eq!(policy.backoff_with(30, 1.0), Duration::from_secs(60));
        // The configured base is used as given.
        assert_eq!(crate::umbrella::retry_policy(ms(10)).step(2), ms(40));
    }

    #[test]
    fn retry_after_in_seconds_dates_and_garbage() {
        let now = OffsetDateTime::parse("Wed, 21 Oct 2015 07:28:00 GMT", &Rfc2822).unwrap();
        assert_eq!(retry_after_at("30", now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after_at(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after_at("Wed, 21 Oct 2015 07:28:45 GMT", now),
            Some(Duration::from_secs(45))
        );
        // A date already past means "now".
        assert_eq!(
            retry_after_at("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        for garbage in [
            "soon",
            "",
            "-5",
            "1.5",
            "30s",
            "21 Oct 2015",
            "Wed, 32 Oct 2015",
        ] {
            assert_eq!(retry_after_at(garbage, now), None, "{garbage:?}");
        }

        let mut headers = HeaderMap::new();
        assert_eq!(parse_retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(parse_retry_after(&headers), None);
    }
}
