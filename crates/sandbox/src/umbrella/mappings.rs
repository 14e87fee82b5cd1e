//! Company mappings, `GET /admin/v2/config/psa/mappings?page=P&limit=L` (paged like
//! `/admin/v2/managed/customers`: `page` from 1, `limit` 1 to 100, default 100, a bare array by
//! customer id, an empty one past the end) and `GET/PUT/DELETE
//! /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification); many at
//! once in `bulk_mappings`. They are independent of the PSA settings: deleting the settings keeps
//! them.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::customers::{customer_id, int_param, require_customer};
use super::{Refusal, UmbrellaState, json_object, message, required_str, respond};

pub(super) const MAPPING_NOT_FOUND: &str = "Mapping not found";
/// Longest ConnectWise company identifier the console stores.
pub(super) const MAX_PSA_COMPANY_ID_LEN: usize = 30;

/// A mapping as the API shows it.
pub(super) fn mapping_json(customer_id: u64, psa_company_id: &str) -> Value {
    json!({ "customerId": customer_id, "psaCompanyId": psa_company_id })
}

/// `GET /admin/v2/config/psa/mappings` (not in the published API specification).
pub(super) async fn list_mappings(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let query = query.unwrap_or_default();
        let page = int_param(&query, "page", 1, u64::from(u32::MAX))?;
        let limit = int_param(&query, "limit", 100, 100)?;
        let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let items = state.on_console(&key, |c| {
            (c.mappings.iter().skip(skip).take(limit))
                .map(|(id, company)| mapping_json(*id, company))
                .collect::<Vec<Value>>()
        })?;
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
