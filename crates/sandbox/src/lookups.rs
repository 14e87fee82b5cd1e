//! Read-only reference tables: `/system/locations`, `/system/departments`,
//! `/system/timeZoneSetups`, `/system/myCompany/corporateStructure`, `/service/boards`.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::http::{self, ApiError, ApiResult, Ctx};
use super::state::Lookup;
use crate::conditions::{self, FieldType};

/// `rest` follows the collection path; `what` names the model in messages.
pub fn route(ctx: &Ctx, rows: &[Lookup], what: &str, rest: &[&str]) -> ApiResult {
    let all: Vec<Value> = rows.iter().map(Lookup::json).collect();
    // Reference tables have no model of their own here: each field's type is that of its
    // values (rows of one table share a shape).
    let mut fields: Vec<(String, FieldType)> = Vec::new();
    for (name, value) in all.iter().filter_map(Value::as_object).flatten() {
        let ty = if name == "_info" {
            Some(FieldType::Info)
        } else {
            conditions::type_of(value)
        };
        if let Some(ty) = ty
            && !fields.iter().any(|(n, _)| n == name)
        {
            fields.push((name.clone(), ty));
        }
    }
    let fields: Vec<(&str, FieldType)> = fields.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET])?;
            http::list(ctx, all, &fields)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, all, &fields)
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
