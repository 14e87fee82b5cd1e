//! REST client for the Cisco Umbrella API of an MSP/MSSP console (no Terraform types).
//!
//! - [`auth`]: OAuth 2.0 client credentials (`POST /auth/v2/token`) and a token cache per org id.
//! - [`throttle`]: client-side limit of the documented per-key rates (admin: 5/s, 14/min, 350/30 min).
//! - [`customers`]: managed customers (published API).
//! - [`psa`]: PSA integration settings and company mappings: **not in the published API
//!   specification**; a server without them yields [`UmbrellaError::NotSupported`] naming the
//!   console step to do by hand.
//!
//! Every call sends `Authorization: Bearer <token>`. A token rejected as expired (HTTP 400
//! `invalid_request`, or 401) is replaced and the call retried once; HTTP 429 and 502/503/504 are
//! retried at most `max_retries` times within `retry_deadline`, with the crate's shared backoff
//! (`retry_policy`): Umbrella documents no `Retry-After`, so the waits are jittered exponential
//! backoff, but a `Retry-After` that does come is honoured up to two minutes. Neither the API
//! secret nor a bearer token is ever logged.

pub mod auth;
pub mod customers;
pub mod error;
pub mod psa;
pub mod throttle;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::backoff::{RetryPolicy, parse_retry_after};
use crate::rest_log::{self, Vendor};
pub use crate::secret::Secret;
pub use customers::Customer;
pub use error::UmbrellaError;
pub use psa::{ConnectionStatus, Mapping, PsaSettings, PsaSettingsInput};
pub use throttle::RateLimit;

use auth::{TOKEN_CALL, TokenAnswer, TokenAttempt, TokenCache, TokenRequest};
use throttle::SharedThrottle;

/// Result of an Umbrella call.
pub type Result<T, E = UmbrellaError> = std::result::Result<T, E>;

/// The commercial Umbrella API host.
pub const DEFAULT_BASE_URL: &str = "https://api.umbrella.com";

/// The Umbrella for Government API host (same paths).
pub const GOVERNMENT_BASE_URL: &str = "https://api.umbrellagov.com";

/// Longest backoff step between two retries.
const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// Longest `Retry-After` the client waits for; a longer one fails the call at once.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(120);

/// Umbrella's backoff: `base` (the configured `retry_base_delay`) doubling up to 60 s, with
/// jitter; a `Retry-After`, should one come, honoured up to 120 s.
pub(crate) fn retry_policy(base: Duration) -> RetryPolicy {
    RetryPolicy {
        base,
        cap: BACKOFF_CAP,
        retry_after_max: RETRY_AFTER_MAX,
    }
}

/// Settings of an [`Umbrella`] client.
#[derive(Debug, Clone)]
pub struct UmbrellaConfig {
    /// API root without the scope, default [`DEFAULT_BASE_URL`].
    pub base_url: String,
    /// API key (its id; not secret).
    pub api_key: String,
    /// API secret.
    pub api_secret: Secret,
    /// Child organization to act for (`X-Umbrella-OrgId` on the token call); `None` = the key's console.
    pub org_id: Option<String>,
    /// Timeout of one HTTP request.
    pub request_timeout: Duration,
    /// Retries after HTTP 429 / 502 / 503 / 504 (per call).
    pub max_retries: u32,
    /// First backoff step; doubled per retry up to 60 s. Retry `n` waits between half and all
    /// of `min(retry_base_delay · 2ⁿ, 60 s)`.
    pub retry_base_delay: Duration,
    /// Overall time one call may spend retrying before it gives up.
    pub retry_deadline: Duration,
    /// Client-side limits for API calls (not token calls), shared by all clones; empty = none.
    pub rate_limits: Vec<RateLimit>,
    /// CA certificates trusted besides the system's store and the bundled roots.
    pub ca_certificates: Option<crate::CaCertificates>,
}

impl UmbrellaConfig {
    /// Defaults for a key: commercial host, 30 s timeout, 4 retries from 1 s, documented admin limits.
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<Secret>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: api_key.into(),
            api_secret: api_secret.into(),
            org_id: None,
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
            retry_base_delay: Duration::from_secs(1),
            retry_deadline: Duration::from_secs(120),
            rate_limits: RateLimit::admin_defaults(),
            ca_certificates: None,
        }
    }
}

/// Shared part of all clones of a client.
#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: url::Url,
    api_key: String,
    api_secret: Secret,
    request_timeout: Duration,
    max_retries: u32,
    retry: RetryPolicy,
    retry_deadline: Duration,
    throttle: SharedThrottle,
    tokens: TokenCache,
}

/// Umbrella API client; cheap to clone (clones share the HTTP pool, token cache and throttle).
#[derive(Debug, Clone)]
pub struct Umbrella {
    inner: Arc<Inner>,
    org_id: Option<String>,
}

/// A raw answer, before interpretation by the caller.
#[derive(Debug)]
pub(crate) struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Umbrella {
    /// Builds a client; fails on an empty key or secret or an unusable base URL.
    pub fn new(config: UmbrellaConfig) -> Result<Self> {
        if config.api_key.trim().is_empty() {
            return Err(UmbrellaError::InvalidInput(
                "the Umbrella API key is empty".to_owned(),
            ));
        }
        if config.api_secret.expose().is_empty() {
            return Err(UmbrellaError::InvalidInput(
                "the Umbrella API secret is empty".to_owned(),
            ));
        }
        let trimmed = config.base_url.trim().trim_end_matches('/');
        let base_url = url::Url::parse(trimmed)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                UmbrellaError::InvalidInput(format!(
                    "the Umbrella base URL {trimmed:?} is not an http(s) URL"
                ))
            })?;
        crate::trust::check_cleartext(&base_url).map_err(|problem| {
            UmbrellaError::InvalidInput(format!("the Umbrella base URL {trimmed:?}: {problem}"))
        })?;
        let http = crate::trust::http_client_builder(config.ca_certificates.as_ref())
            .user_agent(concat!(
                "terraform-provider-connectwise/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| transport_error("client setup", e))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_key: config.api_key,
                api_secret: config.api_secret,
                request_timeout: config.request_timeout,
                max_retries: config.max_retries,
                retry: retry_policy(config.retry_base_delay),
                retry_deadline: config.retry_deadline,
                throttle: SharedThrottle::new(config.rate_limits),
                tokens: TokenCache::default(),
            }),
            org_id: config.org_id.filter(|o| !o.trim().is_empty()),
        })
    }

    /// The same client acting for another org (`None` = the key's console); shares cache and throttle.
    pub fn for_org(&self, org_id: Option<String>) -> Self {
        Self {
            inner: self.inner.clone(),
            org_id: org_id.filter(|o| !o.trim().is_empty()),
        }
    }

    /// The org this client acts for, if it is a child org.
    pub fn org_id(&self) -> Option<&str> {
        self.org_id.as_deref()
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str().trim_end_matches('/')
    }

    /// A bearer token for this client's org, from the cache or the token endpoint.
    async fn token(&self) -> Result<String> {
        let inner = &self.inner;
        let org_id = self.org_id.as_deref();
        inner
            .tokens
            .get(org_id, || async move {
                let request = TokenRequest {
                    http: &inner.http,
                    base_url: self.base_url(),
                    api_key: &inner.api_key,
                    api_secret: &inner.api_secret,
                    org_id,
                    timeout: inner.request_timeout,
                };
                let mut retries = 0;
                let started = Instant::now();
                loop {
                    match request.send().await? {
                        TokenAttempt::Token(answer) => return Ok::<TokenAnswer, _>(answer),
                        TokenAttempt::RateLimited(retry_after) => {
                            self.wait_before_retry(TOKEN_CALL, &mut retries, retry_after, started)
                                .await?;
                        }
                    }
                }
            })
            .await
    }

    /// Sleeps before retry number `retries + 1`, or fails with `RateLimited` when none is left.
    async fn wait_before_retry(
        &self,
        call: &str,
        retries: &mut u32,
        retry_after: Option<Duration>,
        started: Instant,
    ) -> Result<()> {
        let exhausted = || UmbrellaError::RateLimited {
            retry_after,
            call: call.to_owned(),
        };
        if *retries >= self.inner.max_retries {
            return Err(exhausted());
        }
        // `None`: the server asked for a wait longer than the client sleeps through.
        let Some(delay) = self.inner.retry.wait(*retries, retry_after) else {
            return Err(exhausted());
        };
        if started.elapsed() + delay > self.inner.retry_deadline {
            return Err(exhausted());
        }
        tracing::debug!(
            call,
            retry = *retries + 1,
            delay_ms = delay.as_millis() as u64,
            "umbrella: backing off"
        );
        *retries += 1;
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// Sends one API call (`path` from the root, e.g. `/admin/v2/config/psa`) with retries.
    ///
    /// Returns any final answer, success or not; only transport failures, exhausted retries and
    /// token failures are errors here.
    pub(crate) async fn execute(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Answer> {
        let call = format!("{method} {path}");
        let url = self.url(path, query);
        let mut retries = 0;
        let mut reauthenticated = false;
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            // Wait for the throttle first: the wait can outlast the token's
            // refresh margin, so the token is fetched only when we may send.
            self.inner.throttle.acquire().await;
            let token = self.token().await?;
            let request = self.request(&method, &url, &token, body);
            attempt += 1;
            let log = rest_log::Attempt::start(Vendor::Umbrella, &method, url.path(), attempt);
            // Every Umbrella API call here is idempotent (GET, PUT, DELETE):
            // a connection that broke may be retried.
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    log.failed(&e);
                    let e = transport_error(&call, e);
                    // A certificate or DNS failure repeats on every attempt: report it at once.
                    if e.is_retryable()
                        && self
                            .wait_before_retry(&call, &mut retries, None, started)
                            .await
                            .is_ok()
                    {
                        continue;
                    }
                    return Err(e);
                }
            };
            let status = response.status();
            let retry_after = parse_retry_after(response.headers());
            log.answered(status.as_u16(), response.headers());
            let bytes = response
                .bytes()
                .await
                .map_err(|e| transport_error(&call, e))?;
            match status.as_u16() {
                429 | 502..=504 => {
                    match self
                        .wait_before_retry(&call, &mut retries, retry_after, started)
                        .await
                    {
                        Ok(()) => continue,
                        Err(rate_limited) if status.as_u16() == 429 => return Err(rate_limited),
                        // Out of retries on a 5xx: hand the answer itself to the caller.
                        Err(_) => {}
                    }
                }
                400 | 401 if !reauthenticated => {
                    let expired = status.as_u16() == 401
                        || error::ErrorBody::parse(&bytes).is_invalid_request();
                    if expired {
                        tracing::debug!(call = %call, "umbrella: token refused, fetching a new one");
                        reauthenticated = true;
                        self.inner
                            .tokens
                            .invalidate(self.org_id.as_deref(), &token)
                            .await;
                        continue;
                    }
                }
                _ => {}
            }
            return Ok(Answer {
                status,
                body: bytes.to_vec(),
            });
        }
    }

    /// One attempt of a call, authenticated with `token`.
    fn request(
        &self,
        method: &Method,
        url: &url::Url,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::RequestBuilder {
        let request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.inner.request_timeout);
        match body {
            Some(body) => request.json(body),
            None => request,
        }
    }

    /// The URL of `path` (from the API root) with `query`.
    fn url(&self, path: &str, query: &[(&str, String)]) -> url::Url {
        let mut url = self.inner.base_url.clone();
        url.set_path(&format!(
            "{}{}",
            self.inner.base_url.path().trim_end_matches('/'),
            path
        ));
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        url
    }
}

/// Maps a reqwest failure onto `Timeout` or `Transport`.
pub(crate) fn transport_error(call: &str, source: reqwest::Error) -> UmbrellaError {
    if source.is_timeout() {
        UmbrellaError::Timeout {
            call: call.to_owned(),
        }
    } else {
        UmbrellaError::Transport {
            call: call.to_owned(),
            source: source.without_url(),
        }
    }
}

/// Decodes a JSON answer body.
pub(crate) fn decode<T: DeserializeOwned>(call: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| UmbrellaError::Decode {
        call: call.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
