//! The consoles the emulator keeps, and [`UmbrellaState`], the handle the routes and tests share.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::checker::CredentialChecker;
use super::rate_limits::{SlidingWindows, UmbrellaLimits};
use super::{Refusal, message};

/// One MSP console: its API key and the managed customers it starts with.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct UmbrellaConsole {
    /// API key (client id).
    pub api_key: String,
    /// API secret.
    pub api_secret: String,
    /// The console's organization id.
    pub org_id: String,
    /// Managed customers `(customerId, customerName)`; a customer id is also its child org id.
    pub customers: Vec<(u64, String)>,
}

impl fmt::Debug for UmbrellaConsole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UmbrellaConsole")
            .field("api_key", &self.api_key)
            .field("api_secret", &"***")
            .field("org_id", &self.org_id)
            .field("customers", &self.customers)
            .finish()
    }
}

/// PSA settings as the emulator stores them (private key included, also in state files).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoredPsa {
    /// Always `connectwise`.
    pub psa_type: String,
    /// Whether the integration is enabled.
    pub enabled: bool,
    /// ConnectWise site.
    pub site_url: String,
    /// ConnectWise company id.
    pub company_id: String,
    /// ConnectWise public key.
    pub public_key: String,
    /// ConnectWise private key (never returned by the API).
    pub private_key: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

impl fmt::Debug for StoredPsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredPsa")
            .field("psa_type", &self.psa_type)
            .field("enabled", &self.enabled)
            .field("site_url", &self.site_url)
            .field("company_id", &self.company_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"***")
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// Everything the emulator keeps for one console; tests may change any of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsoleState {
    /// Key, secret, org id and customers.
    pub console: UmbrellaConsole,
    /// PSA settings, `None` when not configured.
    pub psa: Option<StoredPsa>,
    /// Company mappings: customer id → ConnectWise company identifier.
    pub mappings: BTreeMap<u64, String>,
}

/// One request the emulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query, e.g. `/admin/v2/config/psa`.
    pub path: String,
    /// Query string without `?`, empty when none.
    pub query: String,
    /// Status answered.
    pub status: u16,
}

/// An issued bearer token.
pub(super) struct IssuedToken {
    pub(super) api_key: String,
    pub(super) org_id: String,
    pub(super) expires_at: Instant,
}

/// Mutable state behind the handle.
pub(super) struct Inner {
    pub(super) consoles: Vec<ConsoleState>,
    pub(super) tokens: HashMap<String, IssuedToken>,
    pub(super) token_ttl: Duration,
    pub(super) token_delay: Duration,
    pub(super) token_refusals: u32,
    /// Per-key limits of API calls.
    pub(super) api_windows: SlidingWindows,
    /// Per-key limits of the token endpoint.
    pub(super) token_windows: SlidingWindows,
    pub(super) requests: Vec<RequestRecord>,
}

impl Inner {
    pub(super) fn console_mut(&mut self, api_key: &str) -> Option<&mut ConsoleState> {
        self.consoles
            .iter_mut()
            .find(|c| c.console.api_key == api_key)
    }
}

/// Handle on the emulator's state; clones share it.
#[derive(Clone)]
pub struct UmbrellaState {
    inner: Arc<Mutex<Inner>>,
    pub(super) checker: CredentialChecker,
}

impl fmt::Debug for UmbrellaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UmbrellaState")
    }
}

impl UmbrellaState {
    /// Consoles with no PSA settings; `checker` computes `connectionStatus` on reads.
    pub fn new(consoles: Vec<UmbrellaConsole>, checker: CredentialChecker) -> Self {
        let consoles = consoles
            .into_iter()
            .map(|console| ConsoleState {
                console,
                psa: None,
                mappings: BTreeMap::new(),
            })
            .collect();
        Self {
            inner: Arc::new(Mutex::new(Inner {
                consoles,
                tokens: HashMap::new(),
                token_ttl: Duration::from_secs(3600),
                token_delay: Duration::ZERO,
                token_refusals: 0,
                api_windows: SlidingWindows::default(),
                token_windows: SlidingWindows::default(),
                requests: Vec::new(),
            })),
            checker,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lifetime of tokens issued from now on (default 3600 s; `expires_in` is its whole seconds).
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.lock().token_ttl = ttl;
    }

    /// Delay of the token endpoint before it answers (default none).
    pub fn set_token_delay(&self, delay: Duration) {
        self.lock().token_delay = delay;
    }

    /// Makes the next `count` token requests answer HTTP 429 `{"message":"Too Many Requests"}`
    /// without `Retry-After` (Umbrella documents none), whatever their credentials.
    pub fn refuse_token_requests(&self, count: u32) {
        self.lock().token_refusals = count;
    }

    /// Makes every issued token expired now (the next call with one gets HTTP 400 `invalid_request`).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for token in self.lock().tokens.values_mut() {
            token.expires_at = now;
        }
    }

    /// Per-key limits `(max requests, period)` for API calls; empty (the default) = unlimited.
    /// [`super::DOCUMENTED_RATE_LIMITS`] are Umbrella's admin-scope limits.
    pub fn set_rate_limits(&self, limits: Vec<(u32, Duration)>) {
        self.lock().api_windows.set(limits);
    }

    /// Per-key limits of the token endpoint; empty (the default) = unlimited.
    pub fn set_token_rate_limits(&self, limits: Vec<(u32, Duration)>) {
        self.lock().token_windows.set(limits);
    }

    /// Enforces Umbrella's documented limits (time-compressed or not) on API calls and the token
    /// endpoint, or none; the calls counted so far are forgotten.
    pub fn set_limits(&self, limits: UmbrellaLimits) {
        let mut inner = self.lock();
        inner.api_windows.set(limits.api_limits());
        inner.token_windows.set(limits.token_limits());
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Adds a console.
    pub fn add_console(&self, console: UmbrellaConsole) {
        self.lock().consoles.push(ConsoleState {
            console,
            psa: None,
            mappings: BTreeMap::new(),
        });
    }

    /// A copy of every console's state (for state files).
    pub(crate) fn consoles(&self) -> Vec<ConsoleState> {
        self.lock().consoles.clone()
    }

    /// Replaces the console with the same API key, or adds it (from a state file).
    pub(crate) fn put_console(&self, state: ConsoleState) {
        let mut inner = self.lock();
        match inner.console_mut(&state.console.api_key) {
            Some(existing) => *existing = state,
            None => inner.consoles.push(state),
        }
    }

    /// Runs `f` on the console of `api_key` (out-of-band changes); `None` if there is none.
    /// `f` runs under the state's lock: it must not call methods of this state.
    pub fn with_console<R>(
        &self,
        api_key: &str,
        f: impl FnOnce(&mut ConsoleState) -> R,
    ) -> Option<R> {
        self.lock().console_mut(api_key).map(f)
    }

    /// Runs `f` on the authorized console (it exists: `authorize` just found it).
    pub(super) fn on_console<R>(
        &self,
        api_key: &str,
        f: impl FnOnce(&mut ConsoleState) -> R,
    ) -> Result<R, Refusal> {
        self.with_console(api_key, f)
            .ok_or_else(|| message(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }
}
