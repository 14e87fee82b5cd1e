//! One request limiter per ConnectWise site and company, shared by every [`super::ConnectWise`]
//! client in the process (Terraform runs all resources of a provider in one process, so
//! `-parallelism=20` means twenty concurrent calls through the same limiter).
//!
//! Two limits: a token bucket (`requests_per_minute`, bursts up to `burst` requests) and a cap on
//! requests in flight. ConnectWise documents that "partners making over 1,000 requests per minute
//! will likely experience rate limiting"; the default stays at that figure.
//!
//! The bucket hands out reservations: a caller that finds it empty takes a token anyway (the
//! count goes negative) and sleeps until that token has been refilled, so waiters are served in
//! arrival order and the rate holds for any number of callers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Settings of one site's limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limits {
    /// Sustained rate; `None` = no rate limit.
    pub requests_per_minute: Option<u32>,
    /// Largest burst (bucket size), at least 1.
    pub burst: u32,
    /// Most requests in flight at once; 0 = no cap.
    pub max_in_flight: usize,
}

struct Bucket {
    per_second: Option<f64>,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(limits: &Limits, now: Instant) -> Bucket {
        let capacity = f64::from(limits.burst.max(1));
        Bucket {
            per_second: limits
                .requests_per_minute
                .filter(|r| *r > 0)
                .map(|r| f64::from(r) / 60.0),
            capacity,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes one token at `now`; returns how long the caller must wait for it.
    fn take(&mut self, now: Instant) -> Duration {
        let Some(rate) = self.per_second else {
            return Duration::ZERO;
        };
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * rate).min(self.capacity);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / rate)
        }
    }
}

/// The limiter of one site and company.
pub(crate) struct SiteLimiter {
    limits: Mutex<Limits>,
    bucket: Mutex<Bucket>,
    in_flight: Arc<Semaphore>,
}

/// Permits large enough to mean "no cap".
const UNCAPPED: usize = Semaphore::MAX_PERMITS >> 4;

fn permits(max_in_flight: usize) -> usize {
    if max_in_flight == 0 {
        UNCAPPED
    } else {
        max_in_flight.min(UNCAPPED)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SiteLimiter {
    fn new(limits: Limits) -> SiteLimiter {
        SiteLimiter {
            bucket: Mutex::new(Bucket::new(&limits, Instant::now())),
            in_flight: Arc::new(Semaphore::new(permits(limits.max_in_flight))),
            limits: Mutex::new(limits),
        }
    }

    /// Applies new settings (the last client built for a site decides).
    fn update(&self, limits: Limits) {
        let mut current = lock(&self.limits);
        if *current == limits {
            return;
        }
        let old = permits(current.max_in_flight);
        let new = permits(limits.max_in_flight);
        if new > old {
            self.in_flight.add_permits(new - old);
        } else if new < old {
            // Permits in use come back later; forget what can be forgotten now and the rest as
            // they are released (close enough for a configuration change).
            self.in_flight.forget_permits(old - new);
        }
        *lock(&self.bucket) = Bucket::new(&limits, Instant::now());
        *current = limits;
    }

    /// Waits for a slot in flight and a token; the slot is held until the permit is dropped.
    pub(crate) async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        let permit = self.in_flight.clone().acquire_owned().await.ok();
        let wait = lock(&self.bucket).take(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        permit
    }
}

type Registry = Mutex<HashMap<String, Arc<SiteLimiter>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// The limiter shared by every client of `site` (normalized URL) and `company_id`.
pub(crate) fn for_site(site: &str, company_id: &str, limits: Limits) -> Arc<SiteLimiter> {
    let key = format!(
        "{}|{}",
        site.trim_end_matches('/').to_ascii_lowercase(),
        company_id.trim().to_ascii_lowercase()
    );
    let mut map = lock(registry());
    match map.get(&key) {
        Some(existing) => {
            existing.update(limits);
            existing.clone()
        }
        None => {
            let limiter = Arc::new(SiteLimiter::new(limits));
            map.insert(key, limiter.clone());
            limiter
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rpm: Option<u32>, burst: u32) -> Limits {
        Limits {
            requests_per_minute: rpm,
            burst,
            max_in_flight: 4,
        }
    }

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(&limits(Some(600), 5), start);
        for _ in 0..5 {
            assert_eq!(bucket.take(start), Duration::ZERO);
        }
        // 10 per second: the 6th waits 100 ms, the 7th 200 ms (reservations queue up).
        let sixth = bucket.take(start);
        let seventh = bucket.take(start);
        assert!((sixth.as_millis() as i64 - 100).abs() <= 1, "{sixth:?}");
        assert!((seventh.as_millis() as i64 - 200).abs() <= 1, "{seventh:?}");
        // A second later the debt is paid and 8 tokens are back, capped at the burst of 5.
        let later = start + Duration::from_secs(2);
        for _ in 0..5 {
            assert_eq!(bucket.take(later), Duration::ZERO);
        }
        assert!(bucket.take(later) > Duration::ZERO);
    }

    #[test]
    fn no_rate_means_no_wait() {
        let now = Instant::now();
        let mut bucket = Bucket::new(&limits(None, 1), now);
        for _ in 0..1000 {
            assert_eq!(bucket.take(now), Duration::ZERO);
        }
    }

    #[test]
    fn registry_shares_per_site_and_company() {
        let a = for_site("http://h:1", "Acme", limits(Some(60), 1));
        let b = for_site("http://H:1/", "acme", limits(Some(60), 1));
        let c = for_site("http://h:1", "other", limits(Some(60), 1));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[tokio::test]
    async fn in_flight_cap_and_update() {
        let limiter = for_site("http://cap:1", "x", limits(None, 1));
        let held: Vec<_> = futures_hold(&limiter, 4).await;
        assert_eq!(limiter.in_flight.available_permits(), 0);
        drop(held);
        assert_eq!(limiter.in_flight.available_permits(), 4);
        limiter.update(Limits {
            max_in_flight: 6,
            ..limits(None, 1)
        });
        assert_eq!(limiter.in_flight.available_permits(), 6);
    }

    async fn futures_hold(limiter: &SiteLimiter, n: usize) -> Vec<OwnedSemaphorePermit> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(limiter.acquire().await.unwrap());
        }
        out
    }
}
