//! Read-only reference tables: `/system/locations`, `/system/departments`,
//! `/system/timeZoneSetups`, `/system/myCompany/corporateStructure`, `/service/boards`.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::http::{self, ApiError, ApiResult, Ctx};
use super::state::Lookup;

/// `rest` follows the collection path; `what` names the model in messages.
pub fn route(ctx: &Ctx, rows: &[Lookup], what: &str, rest: &[&str]) -> ApiResult {
    let all: Vec<Value> = rows.iter().map(Lookup::json).collect();
    // Known fields = union of the rows' keys (rows of one table share a shape).
    let mut known: Vec<String> = all
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned())
        .collect();
    known.sort();
    known.dedup();
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET])?;
            http::list(ctx, all, &known)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, all, &known)
        }
        [id] => {
            http::allow(ctx, &[Method::GET])?;
            let id = http::parse_id(id, what)?;
            match rows.iter().find(|r| r.id == id) {
                Some(r) => http::one(ctx, StatusCode::OK, r.json()),
                None => Err(ApiError::not_found(&format!(
                    "{what} with id {id} was not found."
                ))),
            }
        }
        _ => Err(ApiError::not_found(&format!(
            "The requested {what} resource was not found."
        ))),
    }
}
