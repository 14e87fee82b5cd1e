//! OAuth 2.0 client credentials for Umbrella: `POST /auth/v2/token`, and a token cache per org id.
//!
//! One token is cached per organization (`None` = the key's own console, `Some(id)` = a child org
//! minted with `X-Umbrella-OrgId`). It is refreshed shortly before it expires; concurrent callers of
//! one org wait for a single refresh.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use reqwest::Method;

use super::Secret;
use super::error::{ErrorBody, UmbrellaError};
use crate::rest_log::{self, Vendor};

/// The token endpoint's answer `{token_type, access_token, expires_in}`.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds (documented: 3600).
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
}

fn default_expires_in() -> u64 {
    3600
}

impl fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("access_token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// How long before expiry a token is replaced (halved for very short lifetimes).
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A cached bearer token.
#[derive(Clone)]
pub(crate) struct CachedToken {
    value: String,
    refresh_at: Instant,
}

impl CachedToken {
    /// A token fetched at `now` that lives `expires_in`; it is used until `REFRESH_MARGIN` before
    /// its end, or half its life when that is shorter.
    pub(crate) fn new(value: String, expires_in: Duration, now: Instant) -> Self {
        let usable = expires_in
            .saturating_sub(REFRESH_MARGIN)
            .max(expires_in / 2);
        Self {
            value,
            refresh_at: now + usable,
        }
    }

    /// True while the token may still be used at `now`.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

/// Tokens per org id, shared by every clone of a client.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<Option<String>, Slot>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache(***)")
    }
}

impl TokenCache {
    fn slot(&self, org_id: Option<&str>) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(org_id.map(str::to_owned)).or_default().clone()
    }

    /// The cached token of `org_id`, or a new one from `fetch` (called by one caller at a time).
    pub(crate) async fn get<F, Fut>(
        &self,
        org_id: Option<&str>,
        fetch: F,
    ) -> Result<String, UmbrellaError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TokenAnswer, UmbrellaError>>,
    {
        let slot = self.slot(org_id);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.is_fresh(Instant::now())) {
            return Ok(token.value.clone());
        }
        let answer = fetch().await?;
        let token = CachedToken::new(
            answer.access_token,
            Duration::from_secs(answer.expires_in),
            Instant::now(),
        );
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops the cached token of `org_id` if it is still `rejected` (a newer one is kept).
    pub(crate) async fn invalidate(&self, org_id: Option<&str>, rejected: &str) {
        let slot = self.slot(org_id);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == rejected) {
            *cached = None;
        }
    }
}

/// What one token request produced.
pub(crate) enum TokenAttempt {
    /// A token.
    Token(TokenAnswer),
    /// HTTP 429, with `Retry-After` if present.
    RateLimited(Option<Duration>),
}

/// Parameters of one token request.
pub(crate) struct TokenRequest<'a> {
    /// Shared HTTP client.
    pub http: &'a reqwest::Client,
    /// Base URL without a trailing slash.
    pub base_url: &'a str,
    /// API key.
    pub api_key: &'a str,
    /// API secret.
    pub api_secret: &'a Secret,
    /// Child org id for `X-Umbrella-OrgId`.
    pub org_id: Option<&'a str>,
    /// Request timeout.
    pub timeout: Duration,
}

/// Method and path of the token call, used in errors.
pub(crate) const TOKEN_CALL: &str = "POST /auth/v2/token";

/// Path of the token call.
const TOKEN_PATH: &str = "/auth/v2/token";

impl TokenRequest<'_> {
    /// Sends one `POST /auth/v2/token`.
    pub(crate) async fn send(&self) -> Result<TokenAttempt, UmbrellaError> {
        let mut request = self
            .http
            .post(format!("{}{TOKEN_PATH}", self.base_url))
            .basic_auth(self.api_key, Some(self.api_secret.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body("grant_type=client_credentials")
            .timeout(self.timeout);
        if let Some(org) = self.org_id {
            request = request.header("X-Umbrella-OrgId", org);
        }
        let log = rest_log::Attempt::start(Vendor::Umbrella, &Method::POST, TOKEN_PATH, 1);
        let response = request.send().await.map_err(|e| {
            log.failed(&e);
            super::transport_error(TOKEN_CALL, e)
        })?;
        let status = response.status();
        let retry_after = crate::backoff::parse_retry_after(response.headers());
        log.answered(status.as_u16(), response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| super::transport_error(TOKEN_CALL, e))?;
        if status.as_u16() == 429 {
            return Ok(TokenAttempt::RateLimited(retry_after));
        }
        if !status.is_success() {
            let parsed = ErrorBody::parse(&body);
            let message = parsed.message_or(status);
            return Err(match status.as_u16() {
                // The token endpoint answers 400 `invalid_client` for some bad credentials too.
                400 | 401 if parsed.code.as_deref() == Some("invalid_client") => {
                    UmbrellaError::Unauthorized { message }
                }
                401 => UmbrellaError::Unauthorized { message },
                403 => UmbrellaError::Forbidden { message },
                _ => parsed.into_api(status),
            });
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| UmbrellaError::Decode {
                call: TOKEN_CALL.to_owned(),
                message: format!("token answer: {e}"),
            })?;
        if answer.access_token.is_empty() {
            return Err(UmbrellaError::Decode {
                call: TOKEN_CALL.to_owned(),
                message: "token answer has an empty access_token".to_owned(),
            });
        }
        Ok(TokenAttempt::Token(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn refresh_point() {
        let now = Instant::now();
        let hour = CachedToken::new("t".into(), Duration::from_secs(3600), now);
        assert!(hour.is_fresh(now + Duration::from_secs(3539)));
        assert!(!hour.is_fresh(now + Duration::from_secs(3540)));
        let short = CachedToken::new("t".into(), Duration::from_secs(10), now);
        assert!(short.is_fresh(now + Duration::from_secs(4)));
        assert!(!short.is_fresh(now + Duration::from_secs(5)));
    }

    fn answer(token: &str) -> TokenAnswer {
        TokenAnswer {
            access_token: token.to_owned(),
            expires_in: 3600,
        }
    }

    #[tokio::test]
    async fn caches_per_org_and_invalidates_only_the_rejected_token() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        let fetch = |name: &'static str| {
            let calls = &calls;
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(answer(name))
            }
        };
        assert_eq!(cache.get(None, fetch("a")).await.ok().as_deref(), Some("a"));
        assert_eq!(cache.get(None, fetch("b")).await.ok().as_deref(), Some("a"));
        assert_eq!(
            cache.get(Some("42"), fetch("c")).await.ok().as_deref(),
            Some("c")
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // A stale rejection does not drop the current token.
        cache.invalidate(None, "old").await;
        assert_eq!(cache.get(None, fetch("d")).await.ok().as_deref(), Some("a"));
        cache.invalidate(None, "a").await;
        assert_eq!(cache.get(None, fetch("e")).await.ok().as_deref(), Some("e"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(None, || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(answer("shared"))
                    })
                    .await
            }));
        }
        for task in tasks {
            let token = task.await.ok().and_then(Result::ok);
            assert_eq!(token.as_deref(), Some("shared"));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failed_fetch_is_not_cached() {
        let cache = TokenCache::default();
        let failed = cache
            .get(None, || async {
                Err(UmbrellaError::Unauthorized {
                    message: "no".into(),
                })
            })
            .await;
        assert!(failed.is_err());
        let ok = cache.get(None, || async { Ok(answer("x")) }).await;
        assert_eq!(ok.ok().as_deref(), Some("x"));
    }
}
