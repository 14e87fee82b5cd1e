//! Stateful emulator of the Cisco Umbrella API of MSP consoles, for the demo and every test.
//!
//! Served at the root of the sandbox server (no overlap with the ConnectWise paths):
//! - `POST /auth/v2/token`: Basic `key:secret`, form `grant_type=client_credentials`, optional
//!   `X-Umbrella-OrgId` (the console's own org or one of its customers) → `{token_type,
//!   access_token, expires_in}`; bad credentials → 401 `{"error":"invalid_client"}`.
//! - `GET /admin/v2/managed/customers[?page&limit]`, `GET /admin/v2/managed/customers/{id}` (published API).
//! - `GET/PUT/DELETE /admin/v2/config/psa`, `GET /admin/v2/config/psa/mappings`,
//!   `GET/PUT/DELETE /admin/v2/config/psa/mappings/{customerId}`: **not in the published API
//!   specification** (this project's `[ext]` contract).
//!
//! Bearer tokens: unknown → 401 `{"message"}`; expired → 400 `{"error":"invalid_request"}` as
//! Umbrella does. Child-org tokens are refused (403) on these console-level endpoints. Optional
//! per-key rate limits answer 429 `{"message":"Too Many Requests"}` without headers (the token
//! endpoint is not limited by them; [`UmbrellaState::refuse_token_requests`] makes it answer
//! 429). `PUT /admin/v2/config/psa` requires every field including `privateKey` on every call;
//! `GET` never returns the private key and computes `connectionStatus` with the checker given to
//! [`UmbrellaState::new`]. Mappings are independent of the PSA settings
//! (deleting the settings keeps them). Errors are `{"message"}`. Secrets are never logged.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

/// Umbrella's error messages and limits, as the console answers them (the sandbox's own copy:
/// it is the oracle the client is tested against, so it shares no strings with it).
const PSA_NOT_CONFIGURED: &str = "PSA integration not configured";
const MAPPING_NOT_FOUND: &str = "Mapping not found";
const CUSTOMER_NOT_FOUND: &str = "Customer not found";
/// Longest ConnectWise company identifier the console stores.
const MAX_PSA_COMPANY_ID_LEN: usize = 30;

/// The documented admin-scope limits per API key: 5 per second, 14 per minute, 350 per 30 minutes.
pub const DOCUMENTED_RATE_LIMITS: [(u32, Duration); 3] = [
    (5, Duration::from_secs(1)),
    (14, Duration::from_secs(60)),
    (350, Duration::from_secs(1800)),
];

/// Seats reported for every emulated customer.
pub const CUSTOMER_SEATS: u64 = 25;

/// Result of checking ConnectWise credentials, as the checker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// ConnectWise accepts them.
    Ok,
    /// ConnectWise refuses them.
    Unauthorized,
    /// The site does not answer.
    Unreachable,
}

impl CredentialStatus {
    /// The `connectionStatus` wire value.
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unauthorized => "unauthorized",
            Self::Unreachable => "unreachable",
        }
    }
}

/// Checks stored credentials: `(site_url, company_id, public_key, private_key)`.
pub type CredentialChecker = Arc<dyn Fn(&str, &str, &str, &str) -> CredentialStatus + Send + Sync>;

/// One MSP console: its API key and the managed customers it starts with.
#[derive(Clone, PartialEq, Eq)]
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

/// PSA settings as the emulator stores them (private key included).
#[derive(Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
struct IssuedToken {
    api_key: String,
    org_id: String,
    expires_at: Instant,
}

/// Mutable state behind the handle.
struct Inner {
    consoles: Vec<ConsoleState>,
    tokens: HashMap<String, IssuedToken>,
    token_ttl: Duration,
    token_delay: Duration,
    token_refusals: u32,
    rate_limits: Vec<(u32, Duration)>,
    hits: HashMap<String, VecDeque<Instant>>,
    requests: Vec<RequestRecord>,
}

impl Inner {
    fn console_mut(&mut self, api_key: &str) -> Option<&mut ConsoleState> {
        self.consoles
            .iter_mut()
            .find(|c| c.console.api_key == api_key)
    }
}

/// Handle on the emulator's state; clones share it.
#[derive(Clone)]
pub struct UmbrellaState {
    inner: Arc<Mutex<Inner>>,
    checker: CredentialChecker,
}

impl fmt::Debug for UmbrellaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UmbrellaState")
    }
}

/// A finished error answer.
type Refusal = Box<Response>;

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
                rate_limits: Vec::new(),
                hits: HashMap::new(),
                requests: Vec::new(),
            })),
            checker,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
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
    /// [`DOCUMENTED_RATE_LIMITS`] are Umbrella's admin-scope limits.
    pub fn set_rate_limits(&self, limits: Vec<(u32, Duration)>) {
        let mut inner = self.lock();
        inner.rate_limits = limits;
        inner.hits.clear();
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

    /// Runs `f` on the console of `api_key` (out-of-band changes); `None` if there is none.
    /// `f` runs under the state's lock: it must not call methods of this state.
    pub fn with_console<R>(
        &self,
        api_key: &str,
        f: impl FnOnce(&mut ConsoleState) -> R,
    ) -> Option<R> {
        self.lock().console_mut(api_key).map(f)
    }

    /// The emulator of a [`super::Sandbox`]: one console per tenant (see [`sandbox_console`]);
    /// `connectionStatus` is [`super::SandboxState::check_credentials`] against its ConnectWise.
    pub fn for_sandbox(sandbox: &super::SandboxState) -> Self {
        let consoles = sandbox
            .config()
            .tenants
            .iter()
            .enumerate()
            .map(|(index, tenant)| {
                sandbox_console(index, &tenant.umbrella_api_key, &tenant.umbrella_api_secret)
            })
            .collect();
        let connectwise = sandbox.clone();
        Self::new(
            consoles,
            Arc::new(move |site, company, public, private| {
                match connectwise.check_credentials(site, company, public, private) {
                    super::CredentialCheck::Ok => CredentialStatus::Ok,
                    super::CredentialCheck::Unauthorized => CredentialStatus::Unauthorized,
                    super::CredentialCheck::Unreachable => CredentialStatus::Unreachable,
                }
            }),
        )
    }

    /// Checks a bearer token and the rate limit; returns the console's API key.
    fn authorize(&self, headers: &HeaderMap) -> Result<String, Refusal> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let Some(bearer) = bearer else {
            return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized"));
        };
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(token) = inner.tokens.get(bearer) else {
            return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized"));
        };
        if token.expires_at <= now {
            return Err(Box::new(
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({
                        "error": "invalid_request",
                        "error_description": "The access token expired"
                    })),
                )
                    .into_response(),
            ));
        }
        let (api_key, org_id) = (token.api_key.clone(), token.org_id.clone());
        let Some(console_org) = inner
            .console_mut(&api_key)
            .map(|c| c.console.org_id.clone())
        else {
            return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized"));
        };
        if !rate_allowed(&mut inner, &api_key, now) {
            return Err(message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"));
        }
        if org_id != console_org {
            return Err(message(
                StatusCode::FORBIDDEN,
                "This endpoint needs a token of the provider console, not of a child organization",
            ));
        }
        Ok(api_key)
    }

    /// Runs `f` on the authorized console (it exists: `authorize` just found it).
    fn on_console<R>(
        &self,
        api_key: &str,
        f: impl FnOnce(&mut ConsoleState) -> R,
    ) -> Result<R, Refusal> {
        self.with_console(api_key, f)
            .ok_or_else(|| message(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }

    /// The PSA settings as the API shows them, with a fresh `connectionStatus`.
    fn psa_json(&self, psa: &StoredPsa) -> Value {
        let status = (self.checker)(
            &psa.site_url,
            &psa.company_id,
            &psa.public_key,
            &psa.private_key,
        );
        json!({
            "psaType": psa.psa_type,
            "enabled": psa.enabled,
            "siteUrl": psa.site_url,
            "companyId": psa.company_id,
            "publicKey": psa.public_key,
            "connectionStatus": status.as_str(),
            "updatedAt": psa.updated_at,
        })
    }
}

/// Names of the customers every sandbox console starts with.
pub const SANDBOX_CUSTOMERS: [&str; 3] = ["Acme Dental", "Bolt Legal", "Cobalt Clinics"];

/// The sandbox console of tenant number `index`: org id `2000000 + 100 * index`, customers
/// [`SANDBOX_CUSTOMERS`] with ids `org id + 1`, `+ 2`, `+ 3` (distinct across tenants).
pub fn sandbox_console(index: usize, api_key: &str, api_secret: &str) -> UmbrellaConsole {
    let org = 2_000_000 + 100 * index as u64;
    UmbrellaConsole {
        api_key: api_key.to_owned(),
        api_secret: api_secret.to_owned(),
        org_id: org.to_string(),
        customers: SANDBOX_CUSTOMERS
            .iter()
            .zip(1..)
            .map(|(name, n)| (org + n, (*name).to_owned()))
            .collect(),
    }
}

/// Records the call against the key's limits if every window allows it.
fn rate_allowed(inner: &mut Inner, api_key: &str, now: Instant) -> bool {
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

/// A `{"message": ...}` answer.
fn message(status: StatusCode, text: &str) -> Refusal {
    Box::new((status, axum::Json(json!({ "message": text }))).into_response())
}

/// Collapses a handler result into a response.
fn respond(result: Result<Response, Refusal>) -> Response {
    result.unwrap_or_else(|refusal| *refusal)
}

/// An OAuth-style `{"error", "error_description"}` answer.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": code, "error_description": description })),
    )
        .into_response()
}

/// The Umbrella routes, at the root, with their state.
pub fn router(state: UmbrellaState) -> Router {
    Router::new()
        .route("/auth/v2/token", post(token))
        .route("/admin/v2/managed/customers", get(list_customers))
        .route(
            "/admin/v2/managed/customers/{customer_id}",
            get(get_customer),
        )
        .route(
            "/admin/v2/config/psa",
            get(get_psa).put(put_psa).delete(delete_psa),
        )
        .route("/admin/v2/config/psa/mappings", get(list_mappings))
        .route(
            "/admin/v2/config/psa/mappings/{customer_id}",
            get(get_mapping).put(put_mapping).delete(delete_mapping),
        )
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .with_state(state)
}

/// Records method, path and status of every request.
async fn record(State(state): State<UmbrellaState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, status, "umbrella sandbox");
    state.lock().requests.push(RequestRecord {
        method,
        path,
        query,
        status,
    });
    response
}

/// `POST /auth/v2/token`.
async fn token(State(state): State<UmbrellaState>, headers: HeaderMap, body: Bytes) -> Response {
    let delay = state.lock().token_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    {
        let mut inner = state.lock();
        if inner.token_refusals > 0 {
            inner.token_refusals -= 1;
            return *message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        }
    }
    let Some((key, secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "HTTP Basic client authentication is required",
        );
    };
    let grant = url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "grant_type")
        .map(|(_, value)| value.into_owned());
    let requested_org = headers
        .get("x-umbrella-orgid")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned());
    let mut inner = state.lock();
    let Some(console) = inner
        .consoles
        .iter()
        .find(|c| c.console.api_key == key && c.console.api_secret == secret)
        .map(|c| c.console.clone())
    else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The API key or secret is not valid",
        );
    };
    match grant.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be client_credentials",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let org_id = match requested_org {
        None => console.org_id.clone(),
        Some(org) if org == console.org_id => org,
        Some(org)
            if console
                .customers
                .iter()
                .any(|(id, _)| id.to_string() == org) =>
        {
            org
        }
        Some(_) => {
            return *message(
                StatusCode::FORBIDDEN,
                "The organization is not managed by this API key",
            );
        }
    };
    let now = Instant::now();
    let ttl = inner.token_ttl;
    // Keep expired tokens an hour so that they are still told apart from garbage.
    inner
        .tokens
        .retain(|_, t| now.saturating_duration_since(t.expires_at) < Duration::from_secs(3600));
    let access_token = format!("umb-{:032x}", rand::random::<u128>());
    inner.tokens.insert(
        access_token.clone(),
        IssuedToken {
            api_key: console.api_key,
            org_id,
            expires_at: now + ttl,
        },
    );
    axum::Json(json!({
        "token_type": "bearer",
        "access_token": access_token,
        "expires_in": ttl.as_secs(),
    }))
    .into_response()
}

/// `(key, secret)` from `Authorization: Basic ...`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (key, secret) = text.split_once(':')?;
    Some((key.to_owned(), secret.to_owned()))
}

/// A customer as the API shows it.
fn customer_json(id: u64, name: &str) -> Value {
    json!({ "customerId": id, "customerName": name, "seats": CUSTOMER_SEATS })
}

/// Parses a positive integer query parameter within `1..=max`.
fn int_param(query: &str, name: &str, default: u64, max: u64) -> Result<u64, Refusal> {
    match url::form_urlencoded::parse(query.as_bytes()).find(|(n, _)| n == name) {
        None => Ok(default),
        Some((_, value)) => value
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| {
                message(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} must be an integer from 1 to {max}"),
                )
            }),
    }
}

/// `GET /admin/v2/managed/customers`.
async fn list_customers(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let query = query.unwrap_or_default();
        let page = int_param(&query, "page", 1, u64::from(u32::MAX))?;
        let limit = int_param(&query, "limit", 100, 100)?;
        let customers = state.on_console(&key, |c| c.console.customers.clone())?;
        let skip = (page - 1).saturating_mul(limit);
        let items: Vec<Value> = customers
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(id, name)| customer_json(*id, name))
            .collect();
        Ok(axum::Json(items).into_response())
    })())
}

/// Parses a `{customer_id}` path segment.
fn customer_id(raw: &str) -> Result<u64, Refusal> {
    raw.parse()
        .map_err(|_| message(StatusCode::BAD_REQUEST, "customerId must be an integer"))
}

/// Checks that the console manages `id`.
fn require_customer(console: &ConsoleState, id: u64) -> Result<String, Refusal> {
    console
        .console
        .customers
        .iter()
        .find(|(cid, _)| *cid == id)
        .map(|(_, name)| name.clone())
        .ok_or_else(|| message(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND))
}

/// `GET /admin/v2/managed/customers/{customerId}`.
async fn get_customer(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let id = customer_id(&raw)?;
        let name = state.on_console(&key, |c| require_customer(c, id))??;
        Ok(axum::Json(customer_json(id, &name)).into_response())
    })())
}

/// `GET /admin/v2/config/psa` (not in the published API specification).
async fn get_psa(State(state): State<UmbrellaState>, headers: HeaderMap) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let psa = state
            .on_console(&key, |c| c.psa.clone())?
            .ok_or_else(|| message(StatusCode::NOT_FOUND, PSA_NOT_CONFIGURED))?;
        Ok(axum::Json(state.psa_json(&psa)).into_response())
    })())
}

/// Parses a JSON object body.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(message(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object",
        )),
    }
}

/// A required non-empty string field.
fn required_str(body: &serde_json::Map<String, Value>, name: &str) -> Result<String, Refusal> {
    body.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            message(
                StatusCode::BAD_REQUEST,
                &format!("{name} is required and must be a non-empty string"),
            )
        })
}

/// `PUT /admin/v2/config/psa` (not in the published API specification).
async fn put_psa(State(state): State<UmbrellaState>, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let body = json_object(&body)?;
        if body.get("psaType").and_then(Value::as_str) != Some("connectwise") {
            return Err(message(
                StatusCode::BAD_REQUEST,
                "psaType must be \"connectwise\"",
            ));
        }
        let enabled = body
            .get("enabled")
            .and_then(Value::as_bool)
            .ok_or_else(|| {
                message(
                    StatusCode::BAD_REQUEST,
                    "enabled is required and must be a boolean",
                )
            })?;
        let psa = StoredPsa {
            psa_type: "connectwise".to_owned(),
            enabled,
            site_url: required_str(&body, "siteUrl")?,
            company_id: required_str(&body, "companyId")?,
            public_key: required_str(&body, "publicKey")?,
            private_key: required_str(&body, "privateKey")?,
            updated_at: now_rfc3339(),
        };
        state.on_console(&key, |c| c.psa = Some(psa.clone()))?;
        Ok(axum::Json(state.psa_json(&psa)).into_response())
    })())
}

/// The current time, RFC 3339.
fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `DELETE /admin/v2/config/psa` (not in the published API specification).
async fn delete_psa(State(state): State<UmbrellaState>, headers: HeaderMap) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        state
            .on_console(&key, |c| c.psa.take())?
            .ok_or_else(|| message(StatusCode::NOT_FOUND, PSA_NOT_CONFIGURED))?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

/// A mapping as the API shows it.
fn mapping_json(customer_id: u64, psa_company_id: &str) -> Value {
    json!({ "customerId": customer_id, "psaCompanyId": psa_company_id })
}

/// `GET /admin/v2/config/psa/mappings` (not in the published API specification).
async fn list_mappings(State(state): State<UmbrellaState>, headers: HeaderMap) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let mappings = state.on_console(&key, |c| c.mappings.clone())?;
        let items: Vec<Value> = mappings
            .iter()
            .map(|(id, company)| mapping_json(*id, company))
            .collect();
        Ok(axum::Json(items).into_response())
    })())
}

/// `GET /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification).
async fn get_mapping(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let id = customer_id(&raw)?;
        let company = state.on_console(&key, |c| {
            require_customer(c, id)?;
            c.mappings
                .get(&id)
                .cloned()
                .ok_or_else(|| message(StatusCode::NOT_FOUND, MAPPING_NOT_FOUND))
        })??;
        Ok(axum::Json(mapping_json(id, &company)).into_response())
    })())
}

/// `PUT /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification).
async fn put_mapping(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let id = customer_id(&raw)?;
        let body = json_object(&body)?;
        if let Some(given) = body.get("customerId") {
            let same = given.as_u64() == Some(id) || given.as_str() == Some(raw.as_str());
            if !same {
                return Err(message(
                    StatusCode::BAD_REQUEST,
                    "customerId in the body does not match the path",
                ));
            }
        }
        let company = required_str(&body, "psaCompanyId")?;
        if company.chars().count() > MAX_PSA_COMPANY_ID_LEN {
            return Err(message(
                StatusCode::BAD_REQUEST,
                &format!("psaCompanyId must be at most {MAX_PSA_COMPANY_ID_LEN} characters"),
            ));
        }
        state.on_console(&key, |c| {
            require_customer(c, id)?;
            c.mappings.insert(id, company.clone());
            Ok::<(), Refusal>(())
        })??;
        Ok(axum::Json(mapping_json(id, &company)).into_response())
    })())
}

/// `DELETE /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification).
async fn delete_mapping(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let id = customer_id(&raw)?;
        state.on_console(&key, |c| {
            require_customer(c, id)?;
            c.mappings
                .remove(&id)
                .map(|_| ())
                .ok_or_else(|| message(StatusCode::NOT_FOUND, MAPPING_NOT_FOUND))
        })??;
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "key-a";
    const SECRET: &str = "secret-a";

    struct Harness {
        state: UmbrellaState,
        base: String,
        http: reqwest::Client,
    }

    async fn harness() -> Harness {
        let state = UmbrellaState::new(
            vec![
                UmbrellaConsole {
                    api_key: KEY.into(),
                    api_secret: SECRET.into(),
                    org_id: "8001".into(),
                    customers: vec![(101, "Acme Dental".into()), (102, "Bolt Legal".into())],
                },
                UmbrellaConsole {
                    api_key: "key-b".into(),
                    api_secret: "secret-b".into(),
                    org_id: "8002".into(),
                    customers: vec![(201, "Other Co".into())],
                },
            ],
            Arc::new(|site: &str, _company: &str, _public: &str, private: &str| {
                if site.contains("offline") {
                    CredentialStatus::Unreachable
                } else if private == "good-private" {
                    CredentialStatus::Ok
                } else {
                    CredentialStatus::Unauthorized
                }
            }),
        );
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(e) => panic!("bind: {e}"),
        };
        let base = match listener.local_addr() {
            Ok(addr) => format!("http://{addr}"),
            Err(e) => panic!("local_addr: {e}"),
        };
        let app = router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Harness {
            state,
            base,
            http: reqwest::Client::new(),
        }
    }

    impl Harness {
        async fn token_as(&self, key: &str, secret: &str, org: Option<&str>) -> (u16, Value) {
            let mut request = self
                .http
                .post(format!("{}/auth/v2/token", self.base))
                .basic_auth(key, Some(secret))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials");
            if let Some(org) = org {
                request = request.header("X-Umbrella-OrgId", org);
            }
            send(request).await
        }

        async fn token(&self) -> String {
            let (status, body) = self.token_as(KEY, SECRET, None).await;
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().unwrap_or_default().to_owned()
        }

        async fn call(
            &self,
            method: &str,
            path: &str,
            token: &str,
            body: Option<Value>,
        ) -> (u16, Value) {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_default();
            let mut request = self
                .http
                .request(method, format!("{}{path}", self.base))
                .bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            send(request).await
        }
    }

    async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json::<Value>().await.unwrap_or(Value::Null);
                (status, body)
            }
            Err(e) => panic!("request failed: {e}"),
        }
    }

    fn psa_body(private_key: Option<&str>) -> Value {
        let mut body = json!({
            "psaType": "connectwise",
            "enabled": true,
            "siteUrl": "https://cw.example",
            "companyId": "acme",
            "publicKey": "pub",
        });
        if let Some(key) = private_key {
            body["privateKey"] = json!(key);
        }
        body
    }

    #[tokio::test]
    async fn token_endpoint() {
        let h = harness().await;
        let (status, body) = h.token_as(KEY, SECRET, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["token_type"], "bearer");
        assert_eq!(body["expires_in"], 3600);
        let (status, body) = h.token_as(KEY, "wrong", None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
        let (status, body) = send(
            h.http
                .post(format!("{}/auth/v2/token", h.base))
                .body("grant_type=client_credentials"),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client"))
        );
        let (status, body) = send(
            h.http
                .post(format!("{}/auth/v2/token", h.base))
                .basic_auth(KEY, Some(SECRET))
                .body("grant_type=password"),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
        assert_eq!(h.token_as(KEY, SECRET, Some("101")).await.0, 200);
        assert_eq!(h.token_as(KEY, SECRET, Some("201")).await.0, 403);
    }

    #[tokio::test]
    async fn bearer_checks() {
        let h = harness().await;
        let (status, body) = h.call("GET", "/admin/v2/config/psa", "garbage", None).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (401, Some("Unauthorized"))
        );
        let (status, _) = send(h.http.get(format!("{}/admin/v2/config/psa", h.base))).await;
        assert_eq!(status, 401);
        let token = h.token().await;
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa", &token, None).await.0,
            404
        );
        h.state.expire_tokens();
        let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request"))
        );
        // A short lifetime expires by itself.
        h.state.set_token_ttl(Duration::from_millis(50));
        let (_, body) = h.token_as(KEY, SECRET, None).await;
        assert_eq!(body["expires_in"], 0);
        let short = body["access_token"].as_str().unwrap_or_default().to_owned();
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa", &short, None).await.0,
            400
        );
        // Child-org tokens do not reach console-level endpoints.
        h.state.set_token_ttl(Duration::from_secs(3600));
        let (_, body) = h.token_as(KEY, SECRET, Some("101")).await;
        let child = body["access_token"].as_str().unwrap_or_default();
        assert_eq!(
            h.call("GET", "/admin/v2/managed/customers", child, None)
                .await
                .0,
            403
        );
    }

    #[tokio::test]
    async fn psa_settings_lifecycle() {
        let h = harness().await;
        let token = h.token().await;
        let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (404, Some(PSA_NOT_CONFIGURED))
        );

        let (status, body) = h
            .call("PUT", "/admin/v2/config/psa", &token, Some(psa_body(None)))
            .await;
        assert_eq!(
            (status, body["message"].as_str()),
            (
                400,
                Some("privateKey is required and must be a non-empty string")
            )
        );
        let mut wrong_type = psa_body(Some("good-private"));
        wrong_type["psaType"] = json!("autotask");
        assert_eq!(
            h.call("PUT", "/admin/v2/config/psa", &token, Some(wrong_type))
                .await
                .0,
            400
        );
        let mut empty_site = psa_body(Some("good-private"));
        empty_site["siteUrl"] = json!("");
        assert_eq!(
            h.call("PUT", "/admin/v2/config/psa", &token, Some(empty_site))
                .await
                .0,
            400
        );
        let mut no_enabled = psa_body(Some("good-private"));
        no_enabled["enabled"] = json!("yes");
        assert_eq!(
            h.call("PUT", "/admin/v2/config/psa", &token, Some(no_enabled))
                .await
                .0,
            400
        );
        let (status, _) = send(
            h.http
                .put(format!("{}/admin/v2/config/psa", h.base))
                .bearer_auth(&token)
                .body("not json"),
        )
        .await;
        assert_eq!(status, 400);

        let (status, body) = h
            .call(
                "PUT",
                "/admin/v2/config/psa",
                &token,
                Some(psa_body(Some("good-private"))),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["connectionStatus"], "ok");
        assert!(body.get("privateKey").is_none());
        let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
        assert_eq!(status, 200);
        assert_eq!(body["siteUrl"], "https://cw.example");
        assert!(body["updatedAt"].is_string());
        assert!(body.get("privateKey").is_none());
        assert!(!body.to_string().contains("good-private"));

        // Out-of-band changes are visible through the API.
        h.state.with_console(KEY, |c| {
            if let Some(psa) = c.psa.as_mut() {
                psa.site_url = "https://offline.example".into();
            }
        });
        let (_, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
        assert_eq!(body["connectionStatus"], "unreachable");
        let (_, body) = h
            .call(
                "PUT",
                "/admin/v2/config/psa",
                &token,
                Some(psa_body(Some("bad"))),
            )
            .await;
        assert_eq!(body["connectionStatus"], "unauthorized");

        // The other console is untouched.
        let stored = h.state.with_console("key-b", |c| c.psa.is_none());
        assert_eq!(stored, Some(true));

        let (status, _) = send(
            h.http
                .delete(format!("{}/admin/v2/config/psa", h.base))
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(status, 204);
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa", &token, None).await.0,
            404
        );
        assert_eq!(
            h.call("DELETE", "/admin/v2/config/psa", &token, None)
                .await
                .0,
            404
        );
        assert!(!format!("{:?}", h.state.with_console(KEY, |c| c.clone())).contains(SECRET));
    }

    #[tokio::test]
    async fn mappings() {
        let h = harness().await;
        let token = h.token().await;
        let path = "/admin/v2/config/psa/mappings/101";
        let (status, body) = h.call("GET", path, &token, None).await;
        assert_eq!(
            (status, body["message"].as_str()),
            (404, Some(MAPPING_NOT_FOUND))
        );
        let (status, body) = h
            .call(
                "PUT",
                "/admin/v2/config/psa/mappings/201",
                &token,
                Some(json!({"psaCompanyId": "X"})),
            )
            .await;
        assert_eq!(
            (status, body["message"].as_str()),
            (404, Some(CUSTOMER_NOT_FOUND))
        );
        assert_eq!(
            h.call(
                "PUT",
                path,
                &token,
                Some(json!({"psaCompanyId": "x".repeat(31)}))
            )
            .await
            .0,
            400
        );
        assert_eq!(
            h.call("PUT", path, &token, Some(json!({"psaCompanyId": ""})))
                .await
                .0,
            400
        );
        assert_eq!(
            h.call(
                "PUT",
                path,
                &token,
                Some(json!({"customerId": 102, "psaCompanyId": "X"}))
            )
            .await
            .0,
            400
        );
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings/abc", &token, None)
                .await
                .0,
            400
        );
        let (status, body) = h
            .call(
                "PUT",
                path,
                &token,
                Some(json!({"customerId": 101, "psaCompanyId": "AcmeDental"})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({"customerId": 101, "psaCompanyId": "AcmeDental"})
        );
        let (_, body) = h
            .call("GET", "/admin/v2/config/psa/mappings", &token, None)
            .await;
        assert_eq!(
            body,
            json!([{"customerId": 101, "psaCompanyId": "AcmeDental"}])
        );
        assert_eq!(h.call("DELETE", path, &token, None).await.0, 204);
        assert_eq!(h.call("DELETE", path, &token, None).await.0, 404);
    }

    #[tokio::test]
    async fn customers_paging_and_records() {
        let h = harness().await;
        h.state.with_console(KEY, |c| {
            c.console
                .customers
                .extend((0..150).map(|i| (1000 + i, format!("Extra {i}"))));
        });
        let token = h.token().await;
        h.state.clear_requests();
        let (status, body) = h
            .call("GET", "/admin/v2/managed/customers", &token, None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(body.as_array().map(Vec::len), Some(100));
        assert_eq!(
            body[0],
            json!({"customerId": 101, "customerName": "Acme Dental", "seats": CUSTOMER_SEATS})
        );
        let (_, body) = h
            .call(
                "GET",
                "/admin/v2/managed/customers?page=2&limit=100",
                &token,
                None,
            )
            .await;
        assert_eq!(body.as_array().map(Vec::len), Some(52));
        let (_, body) = h
            .call("GET", "/admin/v2/managed/customers?page=9", &token, None)
            .await;
        assert_eq!(body, json!([]));
        assert_eq!(
            h.call("GET", "/admin/v2/managed/customers?limit=101", &token, None)
                .await
                .0,
            400
        );
        assert_eq!(
            h.call("GET", "/admin/v2/managed/customers?page=0", &token, None)
                .await
                .0,
            400
        );
        let (status, body) = h
            .call("GET", "/admin/v2/managed/customers/102", &token, None)
            .await;
        assert_eq!(
            (status, body["customerName"].as_str()),
            (200, Some("Bolt Legal"))
        );
        assert_eq!(
            h.call("GET", "/admin/v2/managed/customers/201", &token, None)
                .await
                .0,
            404
        );
        let records = h.state.requests();
        assert_eq!(records.len(), 7);
        assert_eq!(
            records[1],
            RequestRecord {
                method: "GET".into(),
                path: "/admin/v2/managed/customers".into(),
                query: "page=2&limit=100".into(),
                status: 200,
            }
        );
    }

    #[tokio::test]
    async fn rate_limits_per_key() {
        let h = harness().await;
        let token = h.token().await;
        let (_, other) = h.token_as("key-b", "secret-b", None).await;
        let other = other["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        h.state
            .set_rate_limits(vec![(2, Duration::from_millis(300))]);
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
                .await
                .0,
            200
        );
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
                .await
                .0,
            200
        );
        let response = h
            .http
            .get(format!("{}/admin/v2/config/psa/mappings", h.base))
            .bearer_auth(&token)
            .send()
            .await;
        let Ok(response) = response else {
            panic!("request failed");
        };
        assert_eq!(response.status().as_u16(), 429);
        assert!(response.headers().get("retry-after").is_none());
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        assert_eq!(body, json!({"message": "Too Many Requests"}));
        // Another key has its own budget; the token endpoint is not limited.
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings", &other, None)
                .await
                .0,
            200
        );
        assert_eq!(h.token_as(KEY, SECRET, None).await.0, 200);
        tokio::time::sleep(Duration::from_millis(320)).await;
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
                .await
                .0,
            200
        );
        h.state.set_rate_limits(Vec::new());
        for _ in 0..5 {
            assert_eq!(
                h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
                    .await
                    .0,
                200
            );
        }
    }

    #[tokio::test]
    async fn slow_token_endpoint_and_added_console() {
        let h = harness().await;
        h.state.add_console(UmbrellaConsole {
            api_key: "key-c".into(),
            api_secret: "secret-c".into(),
            org_id: "8003".into(),
            customers: Vec::new(),
        });
        h.state.set_token_delay(Duration::from_millis(150));
        let start = Instant::now();
        assert_eq!(h.token_as("key-c", "secret-c", None).await.0, 200);
        assert!(start.elapsed() >= Duration::from_millis(150));
        assert_eq!(h.state.with_console("nope", |_| ()), None);
    }

    #[tokio::test]
    async fn token_endpoint_refusals() {
        let h = harness().await;
        h.state.refuse_token_requests(2);
        assert_eq!(h.token_as(KEY, SECRET, None).await.0, 429);
        assert_eq!(h.token_as(KEY, "wrong", None).await.0, 429);
        assert_eq!(h.token_as(KEY, SECRET, None).await.0, 200);
    }
}
