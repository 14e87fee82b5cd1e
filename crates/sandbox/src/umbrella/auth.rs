//! `POST /auth/v2/token` (client credentials, optional child org) and the bearer check of every
//! other call.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::state::IssuedToken;
use super::{Refusal, UmbrellaConsole, UmbrellaState, message, respond};

impl UmbrellaState {
    /// Checks a bearer token and the rate limit; returns the console's API key.
    pub(super) fn authorize(&self, headers: &HeaderMap) -> Result<String, Refusal> {
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
            return Err(oauth_refusal(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The access token expired",
            ));
        }
        let (api_key, org_id) = (token.api_key.clone(), token.org_id.clone());
        let Some(console_org) = inner
            .console_mut(&api_key)
            .map(|c| c.console.org_id.clone())
        else {
            return Err(message(StatusCode::UNAUTHORIZED, "Unauthorized"));
        };
        if !inner.api_windows.admit(&api_key, now) {
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
}

/// `POST /auth/v2/token`.
pub(super) async fn token(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = state.lock().token_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    respond(issue_token(&state, &headers, &body))
}

/// Checks the client credentials, the grant and the requested org, then issues a token.
fn issue_token(
    state: &UmbrellaState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Refusal> {
    {
        let mut inner = state.lock();
        if inner.token_refusals > 0 {
            inner.token_refusals -= 1;
            return Err(message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"));
        }
    }
    let Some((key, secret)) = basic_credentials(headers) else {
        return Err(oauth_refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "HTTP Basic client authentication is required",
        ));
    };
    let grant = url::form_urlencoded::parse(body)
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
        return Err(oauth_refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The API key or secret is not valid",
        ));
    };
    let now = Instant::now();
    if !inner.token_windows.admit(&console.api_key, now) {
        return Err(message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"));
    }
    check_grant(grant.as_deref())?;
    let org_id = token_org(&console, requested_org)?;
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
    Ok(axum::Json(json!({
        "token_type": "bearer",
        "access_token": access_token,
        "expires_in": ttl.as_secs(),
    }))
    .into_response())
}

/// Only `grant_type=client_credentials` is accepted.
fn check_grant(grant: Option<&str>) -> Result<(), Refusal> {
    match grant {
        Some("client_credentials") => Ok(()),
        Some(_) => Err(oauth_refusal(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        )),
        None => Err(oauth_refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        )),
    }
}

/// The org a token is for: the console's own, or one of its customers (`X-Umbrella-OrgId`).
fn token_org(console: &UmbrellaConsole, requested: Option<String>) -> Result<String, Refusal> {
    match requested {
        None => Ok(console.org_id.clone()),
        Some(org) if org == console.org_id => Ok(org),
        Some(org)
            if console
                .customers
                .iter()
                .any(|(id, _)| id.to_string() == org) =>
        {
            Ok(org)
        }
        Some(_) => Err(message(
            StatusCode::FORBIDDEN,
            "The organization is not managed by this API key",
        )),
    }
}

/// An OAuth-style `{"error", "error_description"}` answer.
fn oauth_refusal(status: StatusCode, code: &str, description: &str) -> Refusal {
    let body = json!({ "error": code, "error_description": description });
    Box::new((status, axum::Json(body)).into_response())
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
