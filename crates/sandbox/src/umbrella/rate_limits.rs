//! Optional per-key limits of API calls (sliding windows); the token endpoint is not limited.

use std::time::{Duration, Instant};

use super::state::Inner;

/// The documented admin-scope limits per API key: 5 per second, 14 per minute, 350 per 30 minutes.
pub const DOCUMENTED_RATE_LIMITS: [(u32, Duration); 3] = [
    (5, Duration::from_secs(1)),
    (14, Duration::from_secs(60)),
    (350, Duration::from_secs(1800)),
];

/// Records the call against the key's limits if every window allows it.
pub(super) fn rate_allowed(inner: &mut Inner, api_key: &str, now: Instant) -> bool {
    if inner.rate_limits.is_empty() {
        return true;
    }
    let longest = inner
        .rate_limits
        .iter()
        .map(|(_, period)| *period)
        .max()
        .unwrap_or_default();
    let limits = inner.rate_limits.clone();
    let hits = inner.hits.entry(api_key.to_owned()).or_default();
    while hits
        .front()
        .is_some_and(|t| now.duration_since(*t) >= longest)
    {
        hits.pop_front();
    }
    let allowed = limits.iter().all(|(max, period)| {
        let recent = hits
            .iter()
            .rev()
            .take_while(|t| now.duration_since(**t) < *period)
            .count();
        recent < *max as usize
    });
    if allowed {
        hits.push_back(now);
    }
    allowed
}
