//! Stateful emulator of the Cisco Umbrella API of MSP consoles, for the demo and every test.
//!
//! Served at the root of the sandbox server (no overlap with the ConnectWise paths):
//! - `POST /auth/v2/token`: Basic `key:secret`, form `grant_type=client_credentials`, optional
//!   `X-Umbrella-OrgId` (the console's own org or one of its customers) → `{token_type,
//!   access_token, expires_in}`; bad credentials → 401 `{"error":"invalid_client"}`.
//! - `GET /admin/v2/managed/customers[?page&limit]`, `GET /admin/v2/managed/customers/{id}` (published API).
//! - `GET/PUT/DELETE /admin/v2/config/psa`, `GET /admin/v2/config/psa/mappings[?page&limit]`,
//!   `GET/PUT/DELETE /admin/v2/config/psa/mappings/{customerId}`, and many at once: `PUT
//!   /admin/v2/config/psa/mappings`, `DELETE /admin/v2/config/psa/mappings/remove`: **not in the
//!   published API specification** (this project's `[ext]` contract).
//!
//! Bearer tokens: unknown → 401 `{"message"}`; expired → 400 `{"error":"invalid_request"}` as
//! Umbrella does. Child-org tokens are refused (403) on these console-level endpoints. Optional
//! per-key rate limits answer 429 `{"message":"Too Many Requests"}` without headers (the token
//! endpoint has its own, [`UmbrellaLimits`]; [`UmbrellaState::refuse_token_requests`] makes it
//! answer 429 at once). `PUT /admin/v2/config/psa` requires every field including `privateKey` on every call;
//! `GET` never returns the private key and computes `connectionStatus` with the checker given to
//! [`UmbrellaState::new`]. Mappings are independent of the PSA settings
//! (deleting the settings keeps them). Errors are `{"message"}`. Secrets are never logged.
//!
//! One file per area: `state` (consoles and the handle tests hold), `auth` (token endpoint and
//! bearer check), `rate_limits`, `customers`, `psa` (PSA credentials), `checker` (the check behind
//! `connectionStatus`), `mappings`, `bulk_mappings`. Error messages are the console's own words, written here: the
//! emulator is the oracle the client is tested against, so it shares no strings with it.

mod auth;
mod bulk_mappings;
mod checker;
mod customers;
mod mappings;
mod psa;
mod rate_limits;
mod state;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

pub use checker::{CredentialChecker, CredentialStatus};
pub use customers::{CUSTOMER_SEATS, SANDBOX_CUSTOMERS, sandbox_console, sandbox_customer_id};
pub use rate_limits::{DOCUMENTED_RATE_LIMITS, DOCUMENTED_TOKEN_RATE_LIMITS, UmbrellaLimits};
pub use state::{ConsoleState, RequestRecord, StoredPsa, UmbrellaConsole, UmbrellaState};

/// A finished error answer.
type Refusal = Box<Response>;

/// The Umbrella routes, at the root, with their state.
pub fn router(state: UmbrellaState) -> Router {
    Router::new()
        .route("/auth/v2/token", post(auth::token))
        .route(
            "/admin/v2/managed/customers",
            get(customers::list_customers),
        )
        .route(
            "/admin/v2/managed/customers/{customer_id}",
            get(customers::get_customer),
        )
        .route(
            "/admin/v2/config/psa",
            get(psa::get_psa).put(psa::put_psa).delete(psa::delete_psa),
        )
        .route(
            "/admin/v2/config/psa/mappings",
            get(mappings::list_mappings).put(bulk_mappings::put_mappings),
        )
        .route(
            "/admin/v2/config/psa/mappings/remove",
            delete(bulk_mappings::remove_mappings),
        )
        .route(
            "/admin/v2/config/psa/mappings/{customer_id}",
            get(mappings::get_mapping)
                .put(mappings::put_mapping)
                .delete(mappings::delete_mapping),
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

/// A `{"message": ...}` answer.
fn message(status: StatusCode, text: &str) -> Refusal {
    Box::new((status, axum::Json(json!({ "message": text }))).into_response())
}

/// Collapses a handler result into a response.
fn respond(result: Result<Response, Refusal>) -> Response {
    result.unwrap_or_else(|refusal| *refusal)
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

#[cfg(test)]
mod tests;
