//! ConnectWise's per-company request limit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::json_response;

/// Fixed one-minute windows per company: ConnectWise answers 429 with `Retry-After` seconds.
#[derive(Default)]
pub struct RateLimiter {
    windows: HashMap<String, (Instant, u32)>,
}

impl RateLimiter {
    /// `Err(seconds to wait)` when `key` has used up `limit` requests in the current minute.
    pub fn check(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), u64> {
        let window = Duration::from_secs(60);
        let entry = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The 429 answer, in the Developer Guide's own (different) error shape.
pub fn too_many_requests(retry_after: u64) -> Response {
    let body = json!({
        "error": "ConnectWiseAPI",
        "message": format!("Too many requests. Please try again in {retry_after} seconds."),
    });
    let mut resp = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}
