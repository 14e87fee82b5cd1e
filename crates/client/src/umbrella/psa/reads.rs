//! [`ConsoleReads`]: the console's mapping table and customer list, each read once (paged) and
//! shared by every caller, and the mapping writes that invalidate them.
//!
//! A plan of 500 `connectwise_umbrella_psa_company_mapping` resources used to cost one GET per
//! mapping and per customer; at Umbrella's 14 requests per minute that is over half an hour.
//! With one `ConsoleReads` per provider configuration, every refresh is served from one paged
//! list of the mappings and every customer check from one paged list of the customers. The
//! provider builds a new one whenever it is configured (Terraform configures every new provider
//! process, one per plan, apply or import), so nothing read here is served to a later operation;
//! see [`crate::single_flight`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::super::customers::Customer;
use super::super::error::UmbrellaError;
use super::super::{Result, Umbrella};
use super::Mapping;
use crate::single_flight::SingleFlight;

/// An error of a shared read: every caller that joined the read gets the same one.
pub type SharedError = Arc<UmbrellaError>;

/// The mapping table and the customer list of one console, read once and shared; writes go
/// through here so that they invalidate what was read.
#[derive(Debug)]
pub struct ConsoleReads {
    umbrella: Umbrella,
    mappings: SingleFlight<BTreeMap<u64, String>, UmbrellaError>,
    customers: SingleFlight<BTreeMap<u64, Customer>, UmbrellaError>,
}

impl ConsoleReads {
    /// Reads through `umbrella` (and for its org).
    pub fn new(umbrella: Umbrella) -> Self {
        Self {
            umbrella,
            mappings: SingleFlight::default(),
            customers: SingleFlight::default(),
        }
    }

    /// Whether these reads were made through `umbrella`: the same client (one provider
    /// configuration) acting for the same org. A client built by a new configuration is not.
    pub fn is_for(&self, umbrella: &Umbrella) -> bool {
        Arc::ptr_eq(&self.umbrella.inner, &umbrella.inner)
            && self.umbrella.org_id == umbrella.org_id
    }

    /// The client the reads go through.
    pub fn client(&self) -> &Umbrella {
        &self.umbrella
    }

    /// Every mapping, customer id → ConnectWise company identifier (one paged read).
    pub async fn mappings(&self) -> Result<Arc<BTreeMap<u64, String>>, SharedError> {
        self.mappings
            .get(|| async {
                let list = self.umbrella.list_mappings().await?;
                Ok(list
                    .into_iter()
                    .map(|m| (m.customer_id, m.psa_company_id))
                    .collect())
            })
            .await
    }

    /// The ConnectWise company of one customer, `None` when it has no mapping (or does not
    /// exist: the table does not tell the two apart, and neither needs a mapping in state).
    pub async fn mapping(&self, customer_id: u64) -> Result<Option<String>, SharedError> {
        Ok(self.mappings().await?.get(&customer_id).cloned())
    }

    /// Every managed customer by id (one paged read).
    pub async fn customers(&self) -> Result<Arc<BTreeMap<u64, Customer>>, SharedError> {
        self.customers
            .get(|| async {
                let list = self.umbrella.list_customers().await?;
                Ok(list.into_iter().map(|c| (c.customer_id, c)).collect())
            })
            .await
    }

    /// One managed customer, `None` when the console manages no customer with this id.
    pub async fn customer(&self, customer_id: u64) -> Result<Option<Customer>, SharedError> {
        Ok(self.customers().await?.get(&customer_id).cloned())
    }

    /// [`Umbrella::put_mappings`], then forgets the table read so far.
    pub async fn put_mappings(&self, mappings: &[Mapping]) -> Result<Vec<Mapping>> {
        let result = self.umbrella.put_mappings(mappings).await;
        // Also after a failure: earlier chunks may have been stored.
        self.mappings.invalidate();
        result
    }

    /// [`Umbrella::remove_mappings`], then forgets the table read so far.
    pub async fn remove_mappings(&self, customer_ids: &[u64]) -> Result<()> {
        let result = self.umbrella.remove_mappings(customer_ids).await;
        self.mappings.invalidate();
        result
    }

    /// [`Umbrella::put_mapping`], then forgets the table read so far.
    pub async fn put_mapping(&self, customer_id: u64, psa_company_id: &str) -> Result<Mapping> {
        let result = self.umbrella.put_mapping(customer_id, psa_company_id).await;
        self.mappings.invalidate();
        result
    }

    /// [`Umbrella::delete_mapping`], then forgets the table read so far.
    pub async fn delete_mapping(&self, customer_id: u64) -> Result<()> {
        let result = self.umbrella.delete_mapping(customer_id).await;
        self.mappings.invalidate();
        result
    }
}
