//! Company mappings many at once (not in the published API specification; this project's `[ext]`
//! contract, "company mappings, many at once"):
//!
//! - `PUT /admin/v2/config/psa/mappings` with a JSON array of 1 to 100 `{customerId,
//!   psaCompanyId}` → 200 with the stored items, in the order given. All or nothing: when any
//!   item is bad, nothing is stored and the answer is 400
//!   `{"message": "...", "errors": [{"index", "field", "message"}]}`, one entry per problem,
//!   `index` 0-based into the array, `field` `customerId`, `psaCompanyId` or `null` (the item
//!   itself); `message` alone names every bad index too, for clients that read only it.
//! - `DELETE /admin/v2/config/psa/mappings/remove` with a JSON array of 1 to 100 customer ids →
//!   204, the convention of Umbrella's destination lists (`.../destinations/remove`). A customer
//!   of the console without a mapping is already in the state asked for, so it is accepted, as
//!   removing an absent destination is; a customer the console does not manage is a 400 naming
//!   its index (most likely a wrong id or console), and nothing is removed.
//!
//! A body that is not an array, or holds 0 or more than 100 items, is a 400 `{"message"}`
//! without `errors`. Customer ids are integers; a string of digits is accepted, as the
//! per-customer call accepts it.

use std::collections::{BTreeSet, HashMap};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::mappings::{MAX_PSA_COMPANY_ID_LEN, mapping_json};
use super::{ConsoleState, Refusal, UmbrellaState, message, respond};

/// Most items one bulk call takes.
pub(super) const MAX_BULK_ITEMS: usize = 100;

/// One problem with one item of a bulk body.
struct ItemError {
    index: usize,
    field: Option<&'static str>,
    message: String,
}

impl ItemError {
    fn new(index: usize, field: Option<&'static str>, message: String) -> Self {
        ItemError {
            index,
            field,
            message,
        }
    }
}

/// The 400 naming every bad item; nothing was changed.
fn invalid_items(total: usize, errors: &[ItemError]) -> Refusal {
    let bad: BTreeSet<usize> = errors.iter().map(|e| e.index).collect();
    let details: Vec<String> = errors
        .iter()
        .map(|e| format!("[{}] {}", e.index, e.message))
        .collect();
    let body = json!({
        "message": format!(
            "{} of {total} items are invalid, so none was applied: {}",
            bad.len(),
            details.join("; ")
        ),
        "errors": errors
            .iter()
            .map(|e| json!({"index": e.index, "field": e.field, "message": e.message}))
            .collect::<Vec<_>>(),
    });
    Box::new((StatusCode::BAD_REQUEST, axum::Json(body)).into_response())
}

/// The items of a bulk body: a JSON array of 1 to [`MAX_BULK_ITEMS`].
fn bulk_items(body: &[u8], what: &str) -> Result<Vec<Value>, Refusal> {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return Err(message(
            StatusCode::BAD_REQUEST,
            &format!("The request body must be a JSON array of 1 to {MAX_BULK_ITEMS} {what}"),
        ));
    };
    if items.is_empty() || items.len() > MAX_BULK_ITEMS {
        return Err(message(
            StatusCode::BAD_REQUEST,
            &format!(
                "The request body must hold 1 to {MAX_BULK_ITEMS} {what}; it holds {}",
                items.len()
            ),
        ));
    }
    Ok(items)
}

/// A customer id as a JSON integer or a string of digits.
fn customer_id_of(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Checks that `id` (item `index`) is a customer of the console.
fn check_customer(console: &ConsoleState, index: usize, id: u64, errors: &mut Vec<ItemError>) {
    if !console.console.customers.iter().any(|(c, _)| *c == id) {
        errors.push(ItemError::new(
            index,
            Some("customerId"),
            format!("customerId {id}: Customer not found"),
        ));
    }
}

/// One item of a bulk PUT: `(customer id, company identifier)` when it is well formed.
fn put_item(
    console: &ConsoleState,
    index: usize,
    item: &Value,
    errors: &mut Vec<ItemError>,
) -> Option<(u64, String)> {
    let Some(item) = item.as_object() else {
        errors.push(ItemError::new(
            index,
            None,
            "must be an object {customerId, psaCompanyId}".into(),
        ));
        return None;
    };
    let id = customer_id_of(item.get("customerId"));
    match id {
        Some(id) => check_customer(console, index, id, errors),
        None => errors.push(ItemError::new(
            index,
            Some("customerId"),
            "customerId is required and must be an integer".into(),
        )),
    }
    let company = item
        .get("psaCompanyId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match company {
        None => errors.push(ItemError::new(
            index,
            Some("psaCompanyId"),
            "psaCompanyId is required and must be a non-empty string".into(),
        )),
        Some(c) if c.chars().count() > MAX_PSA_COMPANY_ID_LEN => errors.push(ItemError::new(
            index,
            Some("psaCompanyId"),
            format!("psaCompanyId must be at most {MAX_PSA_COMPANY_ID_LEN} characters"),
        )),
        Some(_) => {}
    }
    Some((id?, company?.to_owned()))
}

/// Validates every item of a bulk PUT; the mappings to store, in order, or every problem.
fn validate_put(
    console: &ConsoleState,
    items: &[Value],
) -> Result<Vec<(u64, String)>, Vec<ItemError>> {
    let mut errors = Vec::new();
    let mut first_index: HashMap<u64, usize> = HashMap::new();
    let mut valid = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some((id, company)) = put_item(console, index, item, &mut errors) else {
            continue;
        };
        // Two values for one customer in one call: which should win is not the server's guess.
        if let Some(first) = first_index.get(&id) {
            errors.push(ItemError::new(
                index,
                Some("customerId"),
                format!("customerId {id} appears more than once (also at index {first})"),
            ));
            continue;
        }
        first_index.insert(id, index);
        valid.push((id, company));
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        errors.sort_by_key(|e| e.index);
        Err(errors)
    }
}

/// `PUT /admin/v2/config/psa/mappings` (not in the published API specification).
pub(super) async fn put_mappings(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let items = bulk_items(&body, "mappings {customerId, psaCompanyId}")?;
        let stored = state.on_console(&key, |console| {
            let mappings =
                validate_put(console, &items).map_err(|e| invalid_items(items.len(), &e))?;
            for (id, company) in &mappings {
                console.mappings.insert(*id, company.clone());
            }
            Ok::<_, Refusal>(mappings)
        })??;
        let body: Vec<Value> = stored
            .iter()
            .map(|(id, company)| mapping_json(*id, company))
            .collect();
        Ok(axum::Json(body).into_response())
    })())
}

/// Validates every customer id of a bulk remove.
fn validate_remove(console: &ConsoleState, items: &[Value]) -> Result<Vec<u64>, Vec<ItemError>> {
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match customer_id_of(Some(item)) {
            Some(id) => {
                check_customer(console, index, id, &mut errors);
                ids.push(id);
            }
            None => errors.push(ItemError::new(
                index,
                None,
                "must be a customer id (an integer)".into(),
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(errors)
    }
}

/// `DELETE /admin/v2/config/psa/mappings/remove` (not in the published API specification).
pub(super) async fn remove_mappings(
    State(state): State<UmbrellaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond((|| {
        let key = state.authorize(&headers)?;
        let items = bulk_items(&body, "customer ids")?;
        state.on_console(&key, |console| {
            let ids =
                validate_remove(console, &items).map_err(|e| invalid_items(items.len(), &e))?;
            for id in ids {
                console.mappings.remove(&id);
            }
            Ok::<(), Refusal>(())
        })??;
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}
