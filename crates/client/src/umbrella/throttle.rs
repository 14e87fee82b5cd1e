//! Client-side throttle for Umbrella's per-key request limits (admin scope: 5/s, 14/min, 350/30 min).
//!
//! A sliding-window log: the start times of recent requests are kept, and a request may start
//! only while every window holds fewer than its limit. This never exceeds a sliding limit, and so
//! never a fixed-window one either. Each window is lengthened by a small margin (a tenth of it, at
//! most 250 ms) because requests reach the server a little later, and not all equally late.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Most a window is lengthened to absorb network jitter.
const MAX_MARGIN: Duration = Duration::from_millis(250);

/// `period` plus the jitter margin: a tenth of it, at most [`MAX_MARGIN`].
fn with_margin(period: Duration) -> Duration {
    period + (period / 10).min(MAX_MARGIN)
}

/// One limit: at most `max_requests` requests in any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period (0 is treated as 1).
    pub max_requests: u32,
    /// Length of the window.
    pub period: Duration,
}

impl RateLimit {
    /// The documented admin-scope limits per API key: 5 per second, 14 per minute, 350 per 30 minutes.
    pub fn admin_defaults() -> Vec<RateLimit> {
        vec![
            RateLimit {
                max_requests: 5,
                period: Duration::from_secs(1),
            },
            RateLimit {
                max_requests: 14,
                period: Duration::from_secs(60),
            },
            RateLimit {
                max_requests: 350,
                period: Duration::from_secs(30 * 60),
            },
        ]
    }
}

/// Start times of recent requests, checked against a set of limits.
#[derive(Debug)]
pub(crate) struct Throttle {
    limits: Vec<RateLimit>,
    starts: VecDeque<Instant>,
    keep: usize,
}

impl Throttle {
    /// A throttle enforcing every limit in `limits` (empty: no throttling).
    pub(crate) fn new(limits: Vec<RateLimit>) -> Self {
        let keep = limits
            .iter()
            .map(|l| l.max_requests.max(1) as usize)
            .max()
            .unwrap_or(0);
        Self {
            limits,
            starts: VecDeque::with_capacity(keep),
            keep,
        }
    }

    /// How long a request wanting to start at `now` must wait; `None` = it may start now.
    pub(crate) fn delay(&self, now: Instant) -> Option<Duration> {
        let mut wait = Duration::ZERO;
        for limit in &self.limits {
            let max = limit.max_requests.max(1) as usize;
            if self.starts.len() < max {
                continue;
            }
            // The request `max` places back must have left the window before another may start.
            let Some(&blocking) = self.starts.get(self.starts.len() - max) else {
                continue;
            };
            let free_at = blocking + with_margin(limit.period);
            if free_at > now {
                wait = wait.max(free_at - now);
            }
        }
        (!wait.is_zero()).then_some(wait)
    }

    /// Records a request starting at `now` (call only when `delay(now)` is `None`).
    pub(crate) fn record(&mut self, now: Instant) {
        if self.keep == 0 {
            return;
        }
        if self.starts.len() == self.keep {
            self.starts.pop_front();
        }
        self.starts.push_back(now);
    }
}

/// A throttle shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct SharedThrottle(tokio::sync::Mutex<Throttle>);

impl SharedThrottle {
    /// Wraps a throttle for sharing.
    pub(crate) fn new(limits: Vec<RateLimit>) -> Self {
        Self(tokio::sync::Mutex::new(Throttle::new(limits)))
    }

    /// Waits until a request may start, and records it.
    pub(crate) async fn acquire(&self) {
        loop {
            let delay = {
                let mut throttle = self.0.lock().await;
                let now = Instant::now();
                match throttle.delay(now) {
                    None => {
                        throttle.record(now);
                        return;
                    }
                    Some(delay) => delay,
                }
            };
            tracing::debug!(
                delay_ms = delay.as_millis() as u64,
                "umbrella: waiting for the client-side rate limit"
            );
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn admin_defaults_are_documented_values() {
        let limits = RateLimit::admin_defaults();
        let pairs: Vec<(u32, u64)> = limits
            .iter()
            .map(|l| (l.max_requests, l.period.as_secs()))
            .collect();
        assert_eq!(pairs, vec![(5, 1), (14, 60), (350, 1800)]);
    }

    #[test]
    fn per_second_limit_allows_burst_then_waits() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(vec![RateLimit {
            max_requests: 5,
            period: Duration::from_secs(1),
        }]);
        for i in 0..5 {
            let now = t0 + ms(i * 10);
            assert_eq!(throttle.delay(now), None);
            throttle.record(now);
        }
        // The sixth must wait until the first leaves the window (t0 + 1 s + 100 ms margin).
        assert_eq!(throttle.delay(t0 + ms(100)), Some(ms(1000)));
        assert_eq!(throttle.delay(t0 + ms(1100)), None);
        throttle.record(t0 + ms(1100));
        // Now the second (t0 + 10 ms) blocks.
        assert_eq!(throttle.delay(t0 + ms(1100)), Some(ms(10)));
    }

    #[test]
    fn longest_wait_of_all_windows_wins() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(RateLimit::admin_defaults());
        // 14 requests, spaced 250 ms apart, never trip the 5/s limit...
        for i in 0..14 {
            let now = t0 + ms(i * 250);
            assert_eq!(throttle.delay(now), None, "request {i}");
            throttle.record(now);
        }
        // ...but the 15th must wait for the first to leave the 60 s window (+ 250 ms margin).
        let now = t0 + ms(14 * 250);
        assert_eq!(
            throttle.delay(now),
            Some(Duration::from_secs(60) + ms(250) - ms(14 * 250))
        );
        assert_eq!(throttle.delay(t0 + ms(60_250)), None);
    }

    #[test]
    fn thirty_minute_window() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(vec![RateLimit {
            max_requests: 3,
            period: Duration::from_secs(1800),
        }]);
        for i in 0..3 {
            throttle.record(t0 + Duration::from_secs(i * 100));
        }
        assert_eq!(
            throttle.delay(t0 + Duration::from_secs(300)),
            Some(Duration::from_secs(1500) + ms(250))
        );
    }

    #[test]
    fn no_limits_never_waits() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(Vec::new());
        for _ in 0..1000 {
            assert_eq!(throttle.delay(t0), None);
            throttle.record(t0);
        }
    }

    #[test]
    fn zero_is_treated_as_one() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(vec![RateLimit {
            max_requests: 0,
            period: Duration::from_secs(1),
        }]);
        assert_eq!(throttle.delay(t0), None);
        throttle.record(t0);
        assert_eq!(throttle.delay(t0), Some(ms(1100)));
    }

    #[tokio::test]
    async fn shared_throttle_spaces_requests() {
        let shared = SharedThrottle::new(vec![RateLimit {
            max_requests: 2,
            period: ms(100),
        }]);
        let start = Instant::now();
        for _ in 0..4 {
            shared.acquire().await;
        }
        // Requests 3 and 4 had to wait for the first window to pass.
        assert!(start.elapsed() >= ms(100));
    }
}
