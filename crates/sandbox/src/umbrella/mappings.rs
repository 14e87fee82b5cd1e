//! Company mappings, `GET /admin/v2/config/psa/mappings` and `GET/PUT/DELETE
//! /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification). They are
//! independent of the PSA settings: deleting the settings keeps them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::customers::{customer_id, require_customer};
use super::{Refusal, UmbrellaState, json_object, message, required_str, respond};

pub(super) const MAPPING_NOT_FOUND: &str = "Mapping not found";
/// Longest ConnectWise company identifier the console stores.
const MAX_PSA_COMPANY_ID_LEN: usize = 30;

/// A mapping as the API shows it.
fn mapping_json(customer_id: u64, psa_company_id: &str) -> Value {
    json!({ "customerId": customer_id, "psaCompanyId": psa_company_id })
}

/// `GET /admin/v2/config/psa/mappings` (not in the published API specification).
pub(super) async fn list_mappings(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
) -> Response {
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
pub(super) async fn get_mapping(
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
pub(super) async fn put_mapping(
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
pub(super) async fn delete_mapping(
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
