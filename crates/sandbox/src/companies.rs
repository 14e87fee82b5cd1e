//! `/company/companies` (published API; read-only here): list with `conditions`, `orderBy`,
//! `fields` and paging (`pageSize` up to 1000, `Link` headers), `/count`, and `/{id}`. The
//! companies are the tenant's made-up customer book ([`crate::msp_customers`]), named after the
//! customers of its Umbrella console, so they follow
//! [`crate::SandboxConfig::customers_per_console`].

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::conditions::{FieldType, Fields};
use crate::http::{self, ApiError, ApiResult, Ctx};
use crate::msp_customers::{self, Company};
use crate::state::TenantStore;

/// Top-level fields of `Company` the emulator serves (for conditions and orderBy).
pub const FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("identifier", FieldType::Str),
    ("name", FieldType::Str),
    ("status", FieldType::Reference),
    ("types", FieldType::List),
    ("deletedFlag", FieldType::Bool),
    ("_info", FieldType::Info),
];

/// Status ids as a fresh ConnectWise tenant numbers them.
const ACTIVE: (i32, &str) = (1, "Active");
const INACTIVE: (i32, &str) = (2, "Inactive");

/// A company as the API shows it.
fn json(c: &Company) -> Value {
    let (status_id, status_name) = if c.active { ACTIVE } else { INACTIVE };
    let type_id = match c.company_type {
        "Client" => 1,
        "Owner" => 2,
        "Vendor" => 3,
        _ => 4,
    };
    json!({
        "id": c.id,
        "identifier": c.identifier,
        "name": c.name,
        "status": {"id": status_id, "name": status_name, "_info": {
            "status_href": format!("company/companies/statuses/{status_id}")
        }},
        "types": [{"id": type_id, "name": c.company_type, "_info": {
            "type_href": format!("company/companies/types/{type_id}")
        }}],
        "deletedFlag": false,
        "_info": {
            "lastUpdated": "2025-06-02T14:00:00Z",
            "updatedBy": "admin1",
            "dateEntered": "2024-01-15T09:30:00Z",
            "enteredBy": "admin1",
        },
    })
}

/// `rest` follows `/company/companies`; `customers` is the number of customers per console.
pub fn route(ctx: &Ctx, t: &TenantStore, customers: usize, rest: &[&str]) -> ApiResult {
    let book = msp_customers::companies(customers, &t.company_id, &t.company_name);
    let all = || book.iter().map(json).collect::<Vec<_>>();
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET])?;
            http::list(ctx, all(), FIELDS)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, all(), FIELDS)
        }
        [id] => {
            http::allow(ctx, &[Method::GET])?;
            let id = http::parse_id(id, "company")?;
            match book.iter().find(|c| c.id == id) {
                Some(c) => http::one(ctx, StatusCode::OK, json(c)),
                None => Err(ApiError::not_found(&format!(
                    "company with id {id} was not found."
                ))),
            }
        }
        _ => Err(ApiError::not_found(
            "The requested company resource was not found.",
        )),
    }
}
