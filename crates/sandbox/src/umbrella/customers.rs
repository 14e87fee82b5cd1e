//! `GET /admin/v2/managed/customers[/{customerId}]` (published API) and the customers every
//! sandbox console starts with.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ConsoleState, Refusal, UmbrellaConsole, UmbrellaState, message, respond};
use crate::msp_customers::customer_names;

pub(super) const CUSTOMER_NOT_FOUND: &str = "Customer not found";

/// Seats reported for every emulated customer.
pub const CUSTOMER_SEATS: u64 = 25;

/// Names of the first three customers of every sandbox console (the default number).
pub const SANDBOX_CUSTOMERS: [&str; 3] = ["Acme Dental", "Bolt Legal", "Cobalt Clinics"];

/// The sandbox console of tenant number `index` (0-based) with `customers` managed customers
/// (at most [`crate::msp_customers::MAX_CUSTOMERS`]), named by
/// [`crate::msp_customers::customer_name`]: org id `2000000 + 100 * index`, and customer ids
/// from [`sandbox_customer_id`].
pub fn sandbox_console(
    index: usize,
    api_key: &str,
    api_secret: &str,
    customers: usize,
) -> UmbrellaConsole {
    UmbrellaConsole {
        api_key: api_key.to_owned(),
        api_secret: api_secret.to_owned(),
        org_id: sandbox_org_id(index).to_string(),
        customers: customer_names(customers)
            .into_iter()
            .zip(1..)
            .map(|(name, n)| (sandbox_customer_id(index, n), name))
            .collect(),
    }
}

/// The org id of the console of tenant `index`.
fn sandbox_org_id(index: usize) -> u64 {
    2_000_000 + 100 * index as u64
}

/// The id of customer `n` (1-based) of the console of tenant `index`: the org id + `n` for the
/// first 99 (so the first three are `…01`, `…02`, `…03` as they always were), then
/// `3000000 + 10000 * index + n`. Distinct across consoles, and never a console's org id.
pub fn sandbox_customer_id(index: usize, n: u64) -> u64 {
    if n < 100 {
        sandbox_org_id(index) + n
    } else {
        3_000_000 + 10_000 * index as u64 + n
    }
}

/// A customer as the API shows it.
fn customer_json(id: u64, name: &str) -> Value {
    json!({ "customerId": id, "customerName": name, "seats": CUSTOMER_SEATS })
}

/// Parses a positive integer query parameter within `1..=max`.
pub(super) fn int_param(query: &str, name: &str, default: u64, max: u64) -> Result<u64, Refusal> {
    match url::form_urlencoded::parse(query.as_bytes()).find(|(n, _)| n == name) {
        None => Ok(default),
        Some((_, value)) => value
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| {
                message(
                    StatusCode::BAD_REQUEST,
                    &format!("{name} must be an integer from 1 to {max}"),
                )
            }),
    }
}

/// `GET /admin/v2/managed/customers`.
pub(super) async fn list_customers(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let query = query.unwrap_or_default();
        let page = int_param(&query, "page", 1, u64::from(u32::MAX))?;
        let limit = int_param(&query, "limit", 100, 100)?;
        let customers = state.on_console(&key, |c| c.console.customers.clone())?;
        let skip = (page - 1).saturating_mul(limit);
        let items: Vec<Value> = customers
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(id, name)| customer_json(*id, name))
            .collect();
        Ok(axum::Json(items).into_response())
    })())
}

/// Parses a `{customer_id}` path segment.
pub(super) fn customer_id(raw: &str) -> Result<u64, Refusal> {
    raw.parse()
        .map_err(|_| message(StatusCode::BAD_REQUEST, "customerId must be an integer"))
}

/// Checks that the console manages `id`.
pub(super) fn require_customer(console: &ConsoleState, id: u64) -> Result<String, Refusal> {
    console
        .console
        .customers
        .iter()
        .find(|(cid, _)| *cid == id)
        .map(|(_, name)| name.clone())
        .ok_or_else(|| message(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND))
}

/// `GET /admin/v2/managed/customers/{customerId}`.
pub(super) async fn get_customer(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let id = customer_id(&raw)?;
        let name = state.on_console(&key, |c| require_customer(c, id))??;
        Ok(axum::Json(customer_json(id, &name)).into_response())
    })())
}
