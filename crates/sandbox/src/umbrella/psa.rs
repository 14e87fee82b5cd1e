//! PSA credentials, `GET/PUT/DELETE /admin/v2/config/psa` (not in the published API
//! specification), and the check of the stored credentials behind `connectionStatus`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{StoredPsa, UmbrellaState, json_object, message, required_str, respond};

pub(super) const PSA_NOT_CONFIGURED: &str = "PSA integration not configured";

impl UmbrellaState {
    /// The PSA settings as the API shows them, with a fresh `connectionStatus`.
    pub(super) fn psa_json(&self, psa: &StoredPsa) -> Value {
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

/// `GET /admin/v2/config/psa` (not in the published API specification).
pub(super) async fn get_psa(State(state): State<UmbrellaState>, headers: HeaderMap) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let psa = state
            .on_console(&key, |c| c.psa.clone())?
            .ok_or_else(|| message(StatusCode::NOT_FOUND, PSA_NOT_CONFIGURED))?;
        Ok(axum::Json(state.psa_json(&psa)).into_response())
    })())
}

/// `PUT /admin/v2/config/psa` (not in the published API specification).
pub(super) async fn put_psa(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
pub(super) async fn delete_psa(State(state): State<UmbrellaState>, headers: HeaderMap) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        state
            .on_console(&key, |c| c.psa.take())?
            .ok_or_else(|| message(StatusCode::NOT_FOUND, PSA_NOT_CONFIGURED))?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}
