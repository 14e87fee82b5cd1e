//! The whole mapping table at once (not in the published API specification): the paged list,
//! bulk upsert and bulk remove, in chunks of [`BULK_LIMIT`].
//!
//! The bulk calls follow Umbrella's own conventions: paging like `/admin/v2/managed/customers`,
//! and removal as `DELETE .../remove` with a JSON array, like the destination lists'
//! `.../destinations/remove`. A server that answers a bulk call with 404 or 405 (or 501) does not
//! offer it: the chunk, and the rest of that call, go through the per-customer calls instead,
//! one request per customer within the client's throttle, and the log says so once per process
//! (a warning, since at Umbrella's 14 requests per minute that is slow).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::{Method, StatusCode};

use super::super::error::{ErrorBody, UmbrellaError};
use super::super::{Answer, Result, Umbrella, decode};
use super::{
    CUSTOMER_NOT_FOUND, MANUAL_STEP_MAPPING, MAPPINGS_PATH, Mapping, check_psa_company_id,
    classify, unexpected,
};

/// Page size of the mapping list (the documented maximum of Umbrella's admin lists).
pub const MAPPINGS_PAGE_LIMIT: u32 = 100;

/// Most items in one bulk upsert or bulk remove.
pub const BULK_LIMIT: usize = 100;

/// Path of the bulk remove call (not in the published API specification).
pub const REMOVE_MAPPINGS_PATH: &str = "/admin/v2/config/psa/mappings/remove";

/// Pages read at most by one listing (100 000 mappings).
const MAX_PAGES: u32 = 1000;

/// Whether the fallback to per-customer upserts was logged in this process.
static UPSERT_FALLBACK_LOGGED: AtomicBool = AtomicBool::new(false);
/// Whether the fallback to per-customer removals was logged in this process.
static REMOVE_FALLBACK_LOGGED: AtomicBool = AtomicBool::new(false);

/// Whether an answer to a bulk call says the server does not offer that call. A 404 naming a
/// missing customer is an answer about the items, not about the route.
fn bulk_not_offered(answer: &Answer) -> bool {
    match answer.status {
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => true,
        StatusCode::NOT_FOUND => ErrorBody::parse(&answer.body).message != CUSTOMER_NOT_FOUND,
        _ => false,
    }
}

/// Logs, once per process, that `call` is not offered and per-customer calls replace it.
fn log_fallback(logged: &AtomicBool, call: &str, per_customer: &str) {
    if !logged.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            call,
            per_customer,
            "umbrella: the server does not offer this bulk call; using one call per customer \
             instead (slower: each counts against Umbrella's per-key rate limits)"
        );
    }
}

/// "customers 1001, 1002, …" for an error about one chunk.
fn chunk_label(ids: impl Iterator<Item = u64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    match ids.as_slice() {
        [one] => format!("customer {one}"),
        [first, .., last] => format!("customers {first} to {last} ({} items)", ids.len()),
        [] => "no customers".to_owned(),
    }
}

impl Umbrella {
    /// Every company mapping (`GET /admin/v2/config/psa/mappings?page=P&limit=100`, until a short
    /// page), ordered by customer id. A page that adds no new customer also ends the list, so a
    /// server that ignores `page` costs one extra request, not a loop.
    ///
    /// Not in the published API specification.
    pub async fn list_mappings(&self) -> Result<Vec<Mapping>> {
        let call = format!("GET {MAPPINGS_PATH}");
        let mut table = BTreeMap::new();
        for page in 1..=MAX_PAGES {
            let query = [
                ("page", page.to_string()),
                ("limit", MAPPINGS_PAGE_LIMIT.to_string()),
            ];
            let answer = self
                .execute(Method::GET, MAPPINGS_PATH, &query, None)
                .await?;
            if !answer.status.is_success() {
                let missing = classify(&call, &answer, MANUAL_STEP_MAPPING, "mappings")?;
                return Err(unexpected(&call, missing));
            }
            let batch: Vec<Mapping> = decode(&call, &answer.body)?;
            let count = batch.len();
            let mut new = 0;
            for m in batch {
                if table.insert(m.customer_id, m).is_none() {
                    new += 1;
                }
            }
            if count < MAPPINGS_PAGE_LIMIT as usize || new == 0 {
                break;
            }
        }
        Ok(table.into_values().collect())
    }

    /// Creates or replaces these mappings (`PUT /admin/v2/config/psa/mappings` with up to 100
    /// items per request, all-or-nothing per request), returning them as stored. Without the
    /// bulk call on the server, one `PUT .../mappings/{customerId}` per mapping.
    ///
    /// Not in the published API specification.
    pub async fn put_mappings(&self, mappings: &[Mapping]) -> Result<Vec<Mapping>> {
        for m in mappings {
            check_psa_company_id(&m.psa_company_id)?;
        }
        let mut stored = Vec::with_capacity(mappings.len());
        let mut bulk = true;
        for chunk in mappings.chunks(BULK_LIMIT) {
            if bulk {
                match self.put_mapping_chunk(chunk).await? {
                    Some(items) => {
                        stored.extend(items);
                        continue;
                    }
                    None => {
                        bulk = false;
                        let per_customer = format!("PUT {MAPPINGS_PATH}/{{customerId}}");
                        log_fallback(
                            &UPSERT_FALLBACK_LOGGED,
                            &format!("PUT {MAPPINGS_PATH}"),
                            &per_customer,
                        );
                    }
                }
            }
            for m in chunk {
                stored.push(self.put_mapping(m.customer_id, &m.psa_company_id).await?);
            }
        }
        Ok(stored)
    }

    /// Removes the mappings of these customers (`DELETE /admin/v2/config/psa/mappings/remove`
    /// with a JSON array of up to 100 customer ids per request). Without the bulk call on the
    /// server, one `DELETE .../mappings/{customerId}` per customer.
    ///
    /// Not in the published API specification.
    pub async fn remove_mappings(&self, customer_ids: &[u64]) -> Result<()> {
        let mut bulk = true;
        for chunk in customer_ids.chunks(BULK_LIMIT) {
            if bulk {
                if self.remove_mapping_chunk(chunk).await? {
                    continue;
                }
                bulk = false;
                let per_customer = format!("DELETE {MAPPINGS_PATH}/{{customerId}}");
                log_fallback(
                    &REMOVE_FALLBACK_LOGGED,
                    &format!("DELETE {REMOVE_MAPPINGS_PATH}"),
                    &per_customer,
                );
            }
            for id in chunk {
                self.delete_mapping(*id).await?;
            }
        }
        Ok(())
    }

    /// One bulk upsert; `None` when the server does not offer it.
    async fn put_mapping_chunk(&self, chunk: &[Mapping]) -> Result<Option<Vec<Mapping>>> {
        let call = format!("PUT {MAPPINGS_PATH}");
        let body = serde_json::json!(chunk);
        let answer = self
            .execute(Method::PUT, MAPPINGS_PATH, &[], Some(&body))
            .await?;
        if answer.status.is_success() {
            return decode(&call, &answer.body).map(Some);
        }
        if bulk_not_offered(&answer) {
            return Ok(None);
        }
        Err(UmbrellaError::from_answer(
            &call,
            answer.status,
            &answer.body,
            None,
            "umbrella company mappings of",
            &chunk_label(chunk.iter().map(|m| m.customer_id)),
        ))
    }

    /// One bulk remove; `false` when the server does not offer it.
    async fn remove_mapping_chunk(&self, customer_ids: &[u64]) -> Result<bool> {
        let call = format!("DELETE {REMOVE_MAPPINGS_PATH}");
        let body = serde_json::json!(customer_ids);
        let answer = self
            .execute(Method::DELETE, REMOVE_MAPPINGS_PATH, &[], Some(&body))
            .await?;
        if answer.status.is_success() {
            return Ok(true);
        }
        if bulk_not_offered(&answer) {
            return Ok(false);
        }
        Err(UmbrellaError::from_answer(
            &call,
            answer.status,
            &answer.body,
            None,
            "umbrella company mappings of",
            &chunk_label(customer_ids.iter().copied()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn which_answers_mean_the_bulk_call_is_not_offered() {
        assert!(bulk_not_offered(&answer(405, "")));
        assert!(bulk_not_offered(&answer(501, "")));
        assert!(bulk_not_offered(&answer(404, r#"{"message":"Not Found"}"#)));
        assert!(bulk_not_offered(&answer(404, "<html>404</html>")));
        assert!(!bulk_not_offered(&answer(
            404,
            r#"{"message":"Customer not found"}"#
        )));
        assert!(!bulk_not_offered(&answer(
            400,
            r#"{"message":"items[3]: bad"}"#
        )));
        assert!(!bulk_not_offered(&answer(429, "")));
    }

    #[test]
    fn chunk_labels() {
        assert_eq!(chunk_label([7].into_iter()), "customer 7");
        assert_eq!(
            chunk_label([1, 2, 3].into_iter()),
            "customers 1 to 3 (3 items)"
        );
    }
}
