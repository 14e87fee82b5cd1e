//! A stateful, in-memory emulator of the ConnectWise Manage REST API (and, merged into the same
//! server, the Cisco Umbrella API from [`umbrella`]), used in-process by every test and shipped
//! as the `connectwise-sandbox` binary.
//!
//! Fidelity follows `shared/research/connectwise-api.md`; calls marked [ext] in
//! `shared/api-contract.md` (role settings PATCH, customize items, API keys) use the project's
//! contract. Tests change state out of band through [`SandboxState::with_tenant`].

mod api_keys;
mod catalogue;
pub mod conditions;
pub mod faults;
mod http;
mod lookups;
mod members;
mod role_settings;
mod security_roles;
mod state;
pub mod umbrella;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use state::{
    ApiKey, ApiMemberDefaults, Audit, CredentialCheck, CustomizeItem, IdCounters, Level, Lookup,
    Member, MemberToken, Principal, RequestRecord, RoleSetting, SandboxState, SecurityRole,
    TenantStore,
};

pub use faults::{FaultConfig, FaultCounts};

use faults::FaultState;
use http::{ApiError, Ctx};
use state::lock;

/// The `api-current-version` every response carries.
pub const API_VERSION: &str = "2025.1";

/// One ConnectWise company (tenant) and the Umbrella console credentials that go with it.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantConfig {
    pub company_id: String,
    pub public_key: String,
    pub private_key: String,
    pub umbrella_api_key: String,
    pub umbrella_api_secret: String,
}

// Secrets stay out of logs and panic messages.
impl fmt::Debug for TenantConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantConfig")
            .field("company_id", &self.company_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("umbrella_api_key", &self.umbrella_api_key)
            .field("umbrella_api_secret", &"<redacted>")
            .finish()
    }
}

impl Default for TenantConfig {
    fn default() -> Self {
        TenantConfig {
            company_id: "sandbox".into(),
            public_key: "sandbox-public-key".into(),
            private_key: "sandbox-private-key".into(),
            umbrella_api_key: "umbrella-sandbox-key".into(),
            umbrella_api_secret: "umbrella-sandbox-secret".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub tenants: Vec<TenantConfig>,
    /// The codebase `companyinfo` reports, e.g. `v2025_1/` (`v4_6_release/` is always accepted too).
    pub codebase: String,
    /// Reject API calls without a `clientId` header (401), as ConnectWise documents.
    pub require_client_id: bool,
    /// Requests per minute per company before 429; `None` = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// Added to every response.
    pub latency: Duration,
    /// Faults injected into HTTP answers from the start (change them later with
    /// [`Sandbox::set_faults`]); none by default.
    pub faults: FaultConfig,
}

impl TenantConfig {
    /// Tenant `n` (1-based): the first is the default `sandbox` tenant, the
    /// others `sandbox2`, `sandbox3`, ... with keys derived from that name.
    pub fn numbered(n: usize) -> TenantConfig {
        if n <= 1 {
            return TenantConfig::default();
        }
        let name = format!("sandbox{n}");
        TenantConfig {
            public_key: format!("{name}-public-key"),
            private_key: format!("{name}-private-key"),
            umbrella_api_key: format!("umbrella-{name}-key"),
            umbrella_api_secret: format!("umbrella-{name}-secret"),
            company_id: name,
        }
    }
}

impl SandboxConfig {
    /// The default configuration with `count` tenants (see [`TenantConfig::numbered`]).
    pub fn with_tenants(count: usize) -> SandboxConfig {
        SandboxConfig {
            tenants: (1..=count.max(1)).map(TenantConfig::numbered).collect(),
            ..SandboxConfig::default()
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            tenants: vec![TenantConfig::default()],
            codebase: "v2025_1/".into(),
            require_client_id: true,
            rate_limit_per_minute: None,
            latency: Duration::ZERO,
            faults: FaultConfig::default(),
        }
    }
}

/// A running sandbox server.
pub struct Sandbox {
    addr: SocketAddr,
    state: SandboxState,
    umbrella: umbrella::UmbrellaState,
    faults: Arc<FaultState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Sandbox {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        config
            .faults
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let faults = FaultState::new(config.faults.clone());
        let state = SandboxState::new(config);
        state.set_addr(addr);
        let app = connectwise_router(state.clone());
        // Umbrella emulator: one console per tenant, credentials checked against this ConnectWise.
        // The two route sets do not overlap; the layer below then records and delays both.
        let umbrella = umbrella::UmbrellaState::for_sandbox(&state);
        let app = app.merge(umbrella::router(umbrella.clone()));
        // Faults sit inside the recorder, so injected answers are recorded too.
        let app = app.layer(middleware::from_fn_with_state(
            faults.clone(),
            faults::inject,
        ));
        let app = app.layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_delay,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // TCP_NODELAY: without it Nagle's algorithm and delayed ACKs stall
            // multi-segment answers (e.g. a role's settings list) by ~40 ms.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!("sandbox server stopped: {e}");
            }
        });
        Ok(Sandbox {
            addr,
            state,
            umbrella,
            faults,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn config(&self) -> &SandboxConfig {
        self.state.config()
    }

    pub fn state(&self) -> SandboxState {
        self.state.clone()
    }

    /// The Umbrella emulator's state (consoles, tokens, PSA settings, its own request log).
    pub fn umbrella(&self) -> umbrella::UmbrellaState {
        self.umbrella.clone()
    }

    /// Every HTTP request answered so far (ConnectWise and Umbrella).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    pub fn clear_requests(&self) {
        self.state.clear_requests()
    }

    /// Replaces the injected faults from the next request on (and restarts the seeded
    /// generator); [`FaultConfig::default`] turns them off. Panics on an invalid configuration.
    pub fn set_faults(&self, faults: FaultConfig) {
        if let Err(e) = faults.validate() {
            panic!("invalid fault configuration: {e}");
        }
        self.faults.set(faults);
    }

    /// The faults currently injected.
    pub fn faults(&self) -> FaultConfig {
        self.faults.config()
    }

    /// How many faults were injected so far, by kind.
    pub fn fault_counts(&self) -> FaultCounts {
        self.faults.counts()
    }

    /// Sets the fault counters to zero.
    pub fn reset_fault_counts(&self) {
        self.faults.reset_counts()
    }

    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // A dropped sandbox must not keep serving (tests start many).
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

/// The company a ConnectWise call authenticated as; read by the request recorder.
#[derive(Clone)]
struct TenantTag(String);

/// The ConnectWise routes: `/login/companyinfo/{companyId}` and `/{codebase}/apis/3.0/...`.
pub fn connectwise_router(state: SandboxState) -> Router {
    Router::new()
        .route("/login/companyinfo/{company_id}", get(company_info))
        .route("/{codebase}/apis/3.0/{*rest}", any(api_entry))
        .route("/{codebase}/apis/3.0", any(api_entry))
        .with_state(state)
}

/// Records every request and adds the configured latency.
async fn record_and_delay(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    tracing::debug!(%method, %path, "sandbox request");
    let resp = next.run(req).await;
    let latency = state.config().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    state.record(RequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        tenant: resp.extensions().get::<TenantTag>().map(|t| t.0.clone()),
        at: SystemTime::now(),
    });
    resp
}

/// `GET /login/companyinfo/{companyId}`: 200 with JSON `null` for an unknown company.
async fn company_info(
    State(state): State<SandboxState>,
    Path(company_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let site = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| state.addr().map(|a| a.to_string()))
        .unwrap_or_default();
    let codebase = state.config().codebase.clone();
    let body = state
        .with_tenant(&company_id, |t| {
            json!({
                "CompanyName": t.company_name,
                "Codebase": codebase,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.112340",
                "CompanyID": t.company_id,
                "IsCloud": true,
                "SiteUrl": site,
            })
        })
        .unwrap_or(Value::Null);
    http::json_response(StatusCode::OK, &body)
}

async fn api_entry(
    State(state): State<SandboxState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (mut resp, tenant) = api_call(&state, method, &uri, headers, body);
    resp.headers_mut()
        .insert("api-current-version", HeaderValue::from_static(API_VERSION));
    if let Some(t) = tenant {
        resp.extensions_mut().insert(TenantTag(t));
    }
    resp
}

/// Rate limit, auth, clientId, then the area handlers under the tenant's lock.
/// Returns the response and the company the call authenticated as.
fn api_call(
    state: &SandboxState,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (Response, Option<String>) {
    let config = state.config();
    let raw: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let codebase = raw.first().copied().unwrap_or("");
    let wanted = config.codebase.trim_matches('/');
    if !codebase.eq_ignore_ascii_case(wanted) && !codebase.eq_ignore_ascii_case("v4_6_release") {
        return (
            ApiError::not_found(&format!("Unknown codebase '{codebase}/'; use '{wanted}/'."))
                .into_response(),
            None,
        );
    }
    let creds = http::basic_credentials(&headers);
    if let Some(limit) = config.rate_limit_per_minute {
        let key = creds
            .as_ref()
            .map(|c| c.0.to_lowercase())
            .unwrap_or_default();
        if let Err(retry_after) = lock(&state.shared.rate).check(&key, limit, Instant::now()) {
            return (http::too_many_requests(retry_after), None);
        }
    }
    let Some((company, public_key, private_key)) = creds else {
        return (ApiError::unauthorized(
            "Authorization has been denied for this request: send Basic base64(\"companyId+publicKey:privateKey\").",
        )
        .into_response(), None);
    };
    if config.require_client_id
        && headers
            .get("clientid")
            .is_none_or(|v| v.as_bytes().trim_ascii().is_empty())
    {
        return (ApiError::unauthorized(
            "A clientId header is required for all API calls; register one at https://developer.connectwise.com/ClientID.",
        )
        .into_response(), None);
    }
    let now = OffsetDateTime::now_utc();
    let origin = format!(
        "http://{}",
        headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| state.addr().map(|a| a.to_string()))
            .unwrap_or_default()
    );
    let segments = raw
        .iter()
        .skip(3)
        .map(|s| http::percent_decode(s))
        .collect();
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let mut tenants = lock(&state.shared.tenants);
    let Some(tenant) = tenants.get_mut(&company.to_lowercase()) else {
        return (
            ApiError::unauthorized("Authorization has been denied for this request.")
                .into_response(),
            None,
        );
    };
    let Some(principal) = tenant.authenticate(&public_key, &private_key, now) else {
        return (
            ApiError::unauthorized("Authorization has been denied for this request.")
                .into_response(),
            None,
        );
    };
    let ctx = Ctx {
        method,
        segments,
        query,
        headers,
        body,
        origin,
        path: uri.path().to_string(),
        principal: principal.identifier,
        now,
    };
    let resp = dispatch(&ctx, tenant).unwrap_or_else(IntoResponse::into_response);
    (resp, Some(tenant.company_id.clone()))
}

/// Routes `apis/3.0/...` paths, case-insensitively.
fn dispatch(ctx: &Ctx, t: &mut TenantStore) -> http::ApiResult {
    let lower: Vec<String> = ctx
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segs: Vec<&str> = lower.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["system", "securityroles", rest @ ..] => security_roles::route(ctx, t, rest),
        ["system", "apimembers", rest @ ..] => members::route_api_members(ctx, t, rest),
        ["system", "members", member, "apikeys", rest @ ..] => {
            api_keys::route(ctx, t, member, rest)
        }
        ["system", "members", rest @ ..] => members::route_members(ctx, t, rest),
        ["system", "info"] => {
            http::allow(ctx, &[Method::GET])?;
            http::one(
                ctx,
                StatusCode::OK,
                json!({"version": "v2025.1", "isCloud": true, "serverTimeZone": "Eastern Standard Time"}),
            )
        }
        ["system", "locations", rest @ ..] => lookups::route(ctx, &t.locations, "location", rest),
        ["system", "departments", rest @ ..] => {
            lookups::route(ctx, &t.departments, "department", rest)
        }
        ["system", "timezonesetups", rest @ ..] => {
            lookups::route(ctx, &t.time_zones, "timeZoneSetup", rest)
        }
        [
            "system",
            "mycompany",
            "corporatestructure" | "corporatestructurelevels",
            rest @ ..,
        ] => lookups::route(ctx, &t.structure_levels, "corporateStructure", rest),
        ["service", "boards", rest @ ..] => lookups::route(ctx, &t.boards, "board", rest),
        _ => Err(ApiError::not_found(&format!(
            "No resource matches '/{}'; the sandbox does not emulate it.",
            ctx.segments.join("/")
        ))),
    }
}

#[cfg(test)]
mod tests;
