//! Managed customers of an MSP console (published API: Managed Providers API 2.0.0).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::error::UmbrellaError;
use super::{Result, Umbrella, decode};

/// Path of the managed customers collection.
pub const CUSTOMERS_PATH: &str = "/admin/v2/managed/customers";

/// Page size used when listing (the documented maximum).
pub const PAGE_LIMIT: u32 = 100;

/// Pages read at most by one listing (a guard against a server that ignores `page`).
const MAX_PAGES: u32 = 1000;

/// A managed customer (child organization) of the console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// Customer id, which is also the child organization id.
    pub customer_id: u64,
    /// Display name.
    pub customer_name: String,
    /// Licensed seats.
    #[serde(default)]
    pub seats: u64,
}

impl Umbrella {
    /// Every managed customer (`GET /admin/v2/managed/customers`, pages of 100 until a short page).
    pub async fn list_customers(&self) -> Result<Vec<Customer>> {
        let mut customers = Vec::new();
        for page in 1..=MAX_PAGES {
            let answer = self
                .execute(
                    Method::GET,
                    CUSTOMERS_PATH,
                    &[
                        ("page", page.to_string()),
                        ("limit", PAGE_LIMIT.to_string()),
                    ],
                    None,
                )
                .await?;
            let call = format!("GET {CUSTOMERS_PATH}");
            if !answer.status.is_success() {
                return Err(UmbrellaError::from_answer(
                    &call,
                    answer.status,
                    &answer.body,
                    None,
                    "managed customer list at",
                    self.base_url(),
                ));
            }
            let batch: Vec<Customer> = decode(&call, &answer.body)?;
            let short = batch.len() < PAGE_LIMIT as usize;
            customers.extend(batch);
            if short {
                break;
            }
        }
        Ok(customers)
    }

    /// One managed customer (`GET /admin/v2/managed/customers/{customerId}`); 404 → `NotFound`.
    pub async fn get_customer(&self, customer_id: u64) -> Result<Customer> {
        let path = format!("{CUSTOMERS_PATH}/{customer_id}");
        let answer = self.execute(Method::GET, &path, &[], None).await?;
        let call = format!("GET {path}");
        if !answer.status.is_success() {
            return Err(UmbrellaError::from_answer(
                &call,
                answer.status,
                &answer.body,
                None,
                "umbrella customer",
                &customer_id.to_string(),
            ));
        }
        decode(&call, &answer.body)
    }
}
