//! The ConnectWise Manage routes: `GET /login/companyinfo/{companyId}` and everything under
//! `/{codebase}/apis/3.0/`, which passes the codebase check, the rate limit, Basic auth and the
//! `clientId` header, then goes to the area handlers under the tenant's lock.

use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::http::{self, ApiError, Ctx};
use crate::state::{SandboxState, TenantStore, lock};
use crate::{API_VERSION, api_keys, api_members, companies, lookups, members, security_roles};

/// The company a ConnectWise call authenticated as; read by the request recorder.
#[derive(Clone)]
pub(crate) struct TenantTag(pub(crate) String);

/// The ConnectWise routes: `/login/companyinfo/{companyId}` and `/{codebase}/apis/3.0/...`.
pub fn connectwise_router(state: SandboxState) -> Router {
    Router::new()
        .route("/login/companyinfo/{company_id}", get(company_info))
        .route("/{codebase}/apis/3.0/{*rest}", any(api_entry))
        .route("/{codebase}/apis/3.0", any(api_entry))
        .with_state(state)
}

/// `GET /login/companyinfo/{companyId}`: 200 with JSON `null` for an unknown company.
async fn company_info(
    State(state): State<SandboxState>,
    Path(company_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let site = host(&state, &headers);
    let codebase = state.config().codebase.clone();
    let body = state
        .with_tenant(&company_id, |t| {
            json!({
                "CompanyName": t.company_name,
                "Codebase": codebase,
                "VersionCode": "v2025.1",
                "VersionNumber": "v4.6.112340",
                "CompanyID": t.company_id,
                // A string, as ConnectWise's documented sample has it.
                "IsCloud": "True",
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
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        resp.headers_mut().insert("x-cw-request-id", id);
    }
    if let Some(t) = tenant {
        resp.extensions_mut().insert(TenantTag(t));
    }
    resp
}

/// A fresh id for ConnectWise's `x-cw-request-id` answer header (a GUID, as observed in
/// ConnectWise's answers).
fn request_id() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
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
    let raw: Vec<&str> = uri.path().split('/').filter(|s| !s.is_empty()).collect();
    let (company, public_key, private_key) = match admit(state, raw.first().copied(), &headers) {
        Ok(credentials) => credentials,
        Err(refusal) => return (*refusal, None),
    };
    let now = OffsetDateTime::now_utc();
    let mut tenants = lock(&state.shared.tenants);
    let tenant = tenants.get_mut(&company.to_lowercase());
    let Some((tenant, principal)) = tenant.and_then(|t| {
        let principal = t.authenticate(&public_key, &private_key, now)?;
        Some((t, principal))
    }) else {
        return (
            ApiError::unauthorized("Authorization has been denied for this request.")
                .into_response(),
            None,
        );
    };
    let ctx = Ctx {
        method,
        segments: raw
            .iter()
            .skip(3)
            .map(|s| http::percent_decode(s))
            .collect(),
        query: uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        origin: format!("{}://{}", scheme(state), host(state, &headers)),
        headers,
        body,
        path: uri.path().to_string(),
        principal: principal.identifier,
        now,
    };
    let customers = state.config().customers_per_console;
    let resp = dispatch(&ctx, tenant, customers).unwrap_or_else(IntoResponse::into_response);
    (resp, Some(tenant.company_id.clone()))
}

/// The checks before any tenant data is read: the codebase, the per-company rate limit, Basic
/// credentials and the `clientId` header. Returns `(company, public key, private key)`.
fn admit(
    state: &SandboxState,
    codebase: Option<&str>,
    headers: &HeaderMap,
) -> Result<(String, String, String), Box<Response>> {
    let config = state.config();
    let codebase = codebase.unwrap_or("");
    let wanted = config.codebase.trim_matches('/');
    if !codebase.eq_ignore_ascii_case(wanted) && !codebase.eq_ignore_ascii_case("v4_6_release") {
        return Err(ApiError::not_found(&format!(
            "Unknown codebase '{codebase}/'; use '{wanted}/'."
        ))
        .into_response()
        .into());
    }
    let creds = http::basic_credentials(headers);
    if let Some(limit) = config.rate_limit_per_minute {
        let key = creds
            .as_ref()
            .map(|c| c.0.to_lowercase())
            .unwrap_or_default();
        if let Err(retry_after) = lock(&state.shared.rate).check(&key, limit, Instant::now()) {
            return Err(Box::new(http::too_many_requests(retry_after)));
        }
    }
    let Some(creds) = creds else {
        return Err(ApiError::unauthorized(
            "Authorization has been denied for this request: send Basic base64(\"companyId+publicKey:privateKey\").",
        )
        .into_response()
        .into());
    };
    if config.require_client_id {
        check_client_id(headers).map_err(|refusal| Box::new(refusal.into_response()))?;
    }
    Ok(creds)
}

/// ConnectWise requires the integration's registered clientId, a GUID, on every call (401
/// otherwise). The value is never echoed: ConnectWise asks that it be kept like a password.
fn check_client_id(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get("clientid")
        .map(|v| v.as_bytes().trim_ascii())
        .filter(|v| !v.is_empty());
    match value {
        None => Err(ApiError::unauthorized(
            "A clientId header is required for all API calls; register one at https://developer.connectwise.com/ClientID.",
        )),
        Some(v) if !is_guid(v) => Err(ApiError::unauthorized(
            "The clientId header is not a valid GUID; send the clientId registered for your integration at https://developer.connectwise.com/ClientID.",
        )),
        Some(_) => Ok(()),
    }
}

/// A GUID as .NET's `Guid.TryParse` reads one: 32 hex digits, plain or grouped 8-4-4-4-12,
/// optionally in braces or parentheses.
fn is_guid(value: &[u8]) -> bool {
    let inner = match (value.first(), value.last()) {
        (Some(b'{'), Some(b'}')) | (Some(b'('), Some(b')')) => &value[1..value.len() - 1],
        _ => value,
    };
    let hex = |part: &[u8]| part.iter().all(u8::is_ascii_hexdigit);
    if inner.len() == 32 && inner.len() == value.len() {
        return hex(inner);
    }
    let groups: Vec<&[u8]> = inner.split(|&b| b == b'-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
}

/// `https` for a TLS sandbox, else `http`.
fn scheme(state: &SandboxState) -> &'static str {
    if state.config().tls { "https" } else { "http" }
}

/// `host:port` as the client addressed us (for `Link` headers and `SiteUrl`).
fn host(state: &SandboxState, headers: &HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| state.addr().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// Routes `apis/3.0/...` paths, case-insensitively; `customers` per Umbrella console name the
/// companies.
fn dispatch(ctx: &Ctx, t: &mut TenantStore, customers: usize) -> http::ApiResult {
    let lower: Vec<String> = ctx
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let segs: Vec<&str> = lower.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["system", "securityroles", rest @ ..] => security_roles::route(ctx, t, rest),
        ["system", "apimembers", rest @ ..] => api_members::route(ctx, t, rest),
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
        ["company", "companies", rest @ ..] => companies::route(ctx, t, customers, rest),
        _ => Err(ApiError::not_found(&format!(
            "No resource matches '/{}'; the sandbox does not emulate it.",
            ctx.segments.join("/")
        ))),
    }
}
