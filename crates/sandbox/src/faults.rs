//! Fault injection for the sandbox: server errors, throttling, latency, dropped connections, a
//! slow Umbrella token endpoint and "lost POSTs" (the server acts, the client never hears of it).
//!
//! Faults are drawn per HTTP request from a seeded generator: request number `n` since the last
//! [`super::Sandbox::set_faults`] always gets the same draws for the same seed, so a test that
//! sends its requests one at a time is fully reproducible (concurrent tests get the same mix of
//! faults, in an order that depends on scheduling). Faults apply only to HTTP requests, never to
//! out-of-band changes through [`super::SandboxState`].
//!
//! Order of a request through the layer: slow token (Umbrella `POST /auth/v2/token`), added
//! latency, then either an injected 5xx or 429 answer *instead of* the handler, or the handler
//! runs and its answer may be lost (POST only: 5xx or dropped connection although the object was
//! created) or dropped mid-response (any method).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::http::{json_response, too_many_requests};

/// What to inject; the default injects nothing. Fractions are probabilities in `[0, 1]` per
/// request.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Seed of the fault generator (see the module documentation).
    pub seed: u64,
    /// Fraction of requests answered with a server error (drawn from `server_error_statuses`)
    /// without running the handler.
    pub server_error: f64,
    /// Statuses used for injected server errors (default 500, 502, 503, 504).
    pub server_error_statuses: Vec<u16>,
    /// Fraction of requests answered 429 without running the handler. ConnectWise calls carry
    /// `Retry-After: retry_after_secs` and ConnectWise's 429 body; Umbrella calls carry no header
    /// and `{"message":"Too Many Requests"}`, as Umbrella does.
    pub rate_limit: f64,
    /// `Retry-After` seconds of injected ConnectWise 429s (default 1, so tests stay fast).
    pub retry_after_secs: u64,
    /// Added before every request is handled.
    pub latency: Duration,
    /// Fraction of requests whose connection is closed mid-response (after the handler ran).
    pub drop: f64,
    /// Fraction of POSTs the server performs but whose answer is lost: half of them become a
    /// server error, half a dropped connection.
    pub lost_post: f64,
    /// Delay of the Umbrella token endpoint (`POST /auth/v2/token`).
    pub slow_token: Duration,
    /// Only requests whose path contains this text get faults (`None` = all); `a|b` means either.
    pub path_contains: Option<String>,
    /// Only requests with one of these methods (`"PUT"`) get faults (empty = every method), e.g. a write
    /// that must fail while the reads before it succeed.
    pub methods: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 1,
            server_error: 0.0,
            server_error_statuses: vec![500, 502, 503, 504],
            rate_limit: 0.0,
            retry_after_secs: 1,
            latency: Duration::ZERO,
            drop: 0.0,
            lost_post: 0.0,
            slow_token: Duration::ZERO,
            path_contains: None,
            methods: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// Whether a request with this method and path is subject to the faults.
    fn targets(&self, method: &Method, path: &str) -> bool {
        let path_matches = self
            .path_contains
            .as_deref()
            .is_none_or(|p| p.split('|').any(|part| path.contains(part)));
        path_matches
            && (self.methods.is_empty() || self.methods.iter().any(|m| m == method.as_str()))
    }

    /// No faults.
    pub fn none() -> FaultConfig {
        FaultConfig::default()
    }

    /// Whether this configuration injects anything.
    pub fn is_active(&self) -> bool {
        self.server_error > 0.0
            || self.rate_limit > 0.0
            || !self.latency.is_zero()
            || self.drop > 0.0
            || self.lost_post > 0.0
            || !self.slow_token.is_zero()
    }

    /// Checks fractions and statuses.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("server_error", self.server_error),
            ("rate_limit", self.rate_limit),
            ("drop", self.drop),
            ("lost_post", self.lost_post),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!(
                    "{name} must be a fraction from 0 to 1, not {value}"
                ));
            }
        }
        if self.server_error + self.rate_limit > 1.0 {
            return Err("server_error + rate_limit must not exceed 1".into());
        }
        if self.server_error > 0.0 && self.server_error_statuses.is_empty() {
            return Err("server_error_statuses must not be empty".into());
        }
        if let Some(bad) = self
            .server_error_statuses
            .iter()
            .find(|s| !(500..=599).contains(*s))
        {
            return Err(format!("{bad} is not a 5xx status"));
        }
        Ok(())
    }
}

/// How many faults were injected, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Requests that went through the fault layer (faults active or not).
    pub requests: u64,
    /// Injected HTTP 500 answers (handler not run).
    pub status_500: u64,
    /// Injected HTTP 502 answers (handler not run).
    pub status_502: u64,
    /// Injected HTTP 503 answers (handler not run).
    pub status_503: u64,
    /// Injected HTTP 504 answers (handler not run).
    pub status_504: u64,
    /// Injected server errors with another status.
    pub status_other_5xx: u64,
    /// Injected 429 answers.
    pub rate_limited: u64,
    /// Requests delayed by the added latency.
    pub delayed: u64,
    /// Connections closed mid-response (handler ran; POSTs among them are not in `lost_posts`).
    pub dropped: u64,
    /// POSTs performed whose answer was replaced by a server error or a dropped connection.
    pub lost_posts: u64,
    /// Token requests delayed by `slow_token`.
    pub slow_tokens: u64,
}

impl FaultCounts {
    /// Injected server errors (handler not run), all statuses.
    pub fn server_errors(&self) -> u64 {
        self.status_500
            + self.status_502
            + self.status_503
            + self.status_504
            + self.status_other_5xx
    }

    /// Every injected failure (errors, 429s, drops, lost POSTs; not delays).
    pub fn failures(&self) -> u64 {
        self.server_errors() + self.rate_limited + self.dropped + self.lost_posts
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    status_500: AtomicU64,
    status_502: AtomicU64,
    status_503: AtomicU64,
    status_504: AtomicU64,
    status_other_5xx: AtomicU64,
    rate_limited: AtomicU64,
    delayed: AtomicU64,
    dropped: AtomicU64,
    lost_posts: AtomicU64,
    slow_tokens: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The fault state of a running sandbox, shared with its fault layer.
pub struct FaultState {
    config: RwLock<FaultConfig>,
    /// Number of the next request since the configuration was set (drives the generator).
    next: AtomicU64,
    counters: Counters,
}

impl std::fmt::Debug for FaultState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultState")
            .field("config", &self.config())
            .field("counts", &self.counts())
            .finish()
    }
}

impl FaultState {
    pub(crate) fn new(config: FaultConfig) -> Arc<FaultState> {
        Arc::new(FaultState {
            config: RwLock::new(config),
            next: AtomicU64::new(0),
            counters: Counters::default(),
        })
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the configuration and restarts the generator (counters are kept).
    pub fn set(&self, config: FaultConfig) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        self.next.store(0, Ordering::SeqCst);
    }

    /// Counters of injected faults so far.
    pub fn counts(&self) -> FaultCounts {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FaultCounts {
            requests: get(&c.requests),
            status_500: get(&c.status_500),
            status_502: get(&c.status_502),
            status_503: get(&c.status_503),
            status_504: get(&c.status_504),
            status_other_5xx: get(&c.status_other_5xx),
            rate_limited: get(&c.rate_limited),
            delayed: get(&c.delayed),
            dropped: get(&c.dropped),
            lost_posts: get(&c.lost_posts),
            slow_tokens: get(&c.slow_tokens),
        }
    }

    /// Sets every counter to zero.
    pub fn reset_counts(&self) {
        let c = &self.counters;
        for a in [
            &c.requests,
            &c.status_500,
            &c.status_502,
            &c.status_503,
            &c.status_504,
            &c.status_other_5xx,
            &c.rate_limited,
            &c.delayed,
            &c.dropped,
            &c.lost_posts,
            &c.slow_tokens,
        ] {
            a.store(0, Ordering::Relaxed);
        }
    }

    fn count_status(&self, status: u16) {
        let c = &self.counters;
        bump(match status {
            500 => &c.status_500,
            502 => &c.status_502,
            503 => &c.status_503,
            504 => &c.status_504,
            _ => &c.status_other_5xx,
        });
    }
}

/// SplitMix64: a tiny, good-enough generator; one stream per request.
struct Draws(u64);

impl Draws {
    fn new(seed: u64, request: u64) -> Draws {
        Draws(seed ^ request.wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn is_umbrella(path: &str) -> bool {
    path.starts_with("/auth/v2/") || path.starts_with("/admin/v2/")
}

/// An injected server error: ConnectWise's `{code, message, errors}` shape, or Umbrella's
/// `{"message": ...}`.
fn server_error(status: u16, umbrella: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Server Error");
    if umbrella {
        return json_response(status, &json!({ "message": reason }));
    }
    let code = reason.replace(' ', "");
    json_response(
        status,
        &json!({
            "code": code,
            "message": format!("{reason} (injected by the sandbox)."),
            "errors": null,
        }),
    )
}

fn rate_limited(umbrella: bool, retry_after_secs: u64) -> Response {
    if umbrella {
        json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"message": "Too Many Requests"}),
        )
    } else {
        too_many_requests(retry_after_secs)
    }
}

/// Sends the headers and part of the body, then fails the body stream: hyper closes the
/// connection without finishing the message, and the client sees a transport error.
async fn dropped(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    if bytes.is_empty() || matches!(parts.status.as_u16(), 204 | 304) {
        // A 204 has no body to cut; send a 200 whose body never completes instead.
        parts.status = StatusCode::OK;
    }
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped by the sandbox's fault injection",
        )),
    ];
    Response::from_parts(parts, Body::from_stream(tokio_stream::iter(chunks)))
}

/// The fault layer (a `from_fn_with_state` middleware).
pub(crate) async fn inject(
    State(faults): State<Arc<FaultState>>,
    request: Request,
    next: Next,
) -> Response {
    bump(&faults.counters.requests);
    let config = faults.config();
    let path = request.uri().path().to_owned();
    if !config.is_active() || !config.targets(request.method(), &path) {
        return next.run(request).await;
    }
    let number = faults.next.fetch_add(1, Ordering::SeqCst);
    let mut draws = Draws::new(config.seed, number);
    // Always draw the same values in the same order, whatever is used.
    let before = draws.unit();
    let which_status = draws.next_u64();
    let after = draws.unit();
    let lost_kind = draws.unit();
    let umbrella = is_umbrella(&path);
    let is_post = request.method() == Method::POST;

    if path == "/auth/v2/token" && !config.slow_token.is_zero() {
        bump(&faults.counters.slow_tokens);
        tokio::time::sleep(config.slow_token).await;
    }
    if !config.latency.is_zero() {
        bump(&faults.counters.delayed);
        tokio::time::sleep(config.latency).await;
    }
    if before < config.server_error {
        let statuses = &config.server_error_statuses;
        let status = statuses[(which_status % statuses.len() as u64) as usize];
        faults.count_status(status);
        tracing::debug!(%path, status, "sandbox fault: server error");
        return server_error(status, umbrella);
    }
    if before < config.server_error + config.rate_limit {
        bump(&faults.counters.rate_limited);
        tracing::debug!(%path, "sandbox fault: 429");
        return rate_limited(umbrella, config.retry_after_secs);
    }

    let response = next.run(request).await;
    if is_post && response.status().is_success() && after < config.lost_post {
        bump(&faults.counters.lost_posts);
        tracing::debug!(%path, "sandbox fault: POST performed, answer lost");
        if lost_kind < 0.5 {
            let statuses = &config.server_error_statuses;
            let status = statuses
                .get((which_status % statuses.len().max(1) as u64) as usize)
                .copied()
                .unwrap_or(502);
            return server_error(status, umbrella);
        }
        return dropped(response).await;
    }
    // Draws for `drop` start above the lost-POST range so the two do not overlap.
    if after >= config.lost_post && after < config.lost_post + config.drop {
        bump(&faults.counters.dropped);
        tracing::debug!(%path, "sandbox fault: connection dropped mid-response");
        return dropped(response).await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_uniform_enough() {
        let a: Vec<f64> = (0..100).map(|n| Draws::new(7, n).unit()).collect();
        let b: Vec<f64> = (0..100).map(|n| Draws::new(7, n).unit()).collect();
        assert_eq!(a, b);
        let c: Vec<f64> = (0..100).map(|n| Draws::new(8, n).unit()).collect();
        assert_ne!(a, c);
        let below: usize = (0..10_000)
            .filter(|n| Draws::new(3, *n).unit() < 0.1)
            .count();
        assert!((800..1200).contains(&below), "{below}");
    }

    #[test]
    fn validation() {
        assert!(FaultConfig::default().validate().is_ok());
        assert!(!FaultConfig::default().is_active());
        let bad = FaultConfig {
            drop: 1.5,
            ..FaultConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = FaultConfig {
            server_error_statuses: vec![404],
            ..FaultConfig::default()
        };
        assert!(bad.validate().is_err());
    }
}

#[cfg(test)]
mod target_tests {
    use super::*;

    #[test]
    fn faults_target_alternative_paths_and_chosen_methods() {
        let config = FaultConfig {
            path_contains: Some("/apiKeys/|/admin/v2/config/psa".into()),
            methods: vec!["PUT".into(), "DELETE".into()],
            ..FaultConfig::default()
        };
        assert!(config.targets(&Method::PUT, "/admin/v2/config/psa"));
        assert!(config.targets(
            &Method::DELETE,
            "/v2025_1/apis/3.0/system/members/4/apiKeys/7"
        ));
        assert!(!config.targets(&Method::GET, "/admin/v2/config/psa"));
        assert!(!config.targets(&Method::POST, "/v2025_1/apis/3.0/system/members/4/apiKeys"));
        assert!(FaultConfig::default().targets(&Method::GET, "/anything"));
    }
}
