//! What `connectwise_umbrella_psa_company_mapping` (one customer) and
//! `connectwise_umbrella_psa_company_mappings` (the whole table) share: who manages which
//! customer's mapping in this configuration, the console's mapping table and customer list read
//! once per operation, the customer check, and the company check.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use api_client::umbrella::psa::ConsoleReads;
use api_client::umbrella::{Customer, Umbrella};

use super::companies::CompanySlot;

/// Customers listed at most in an "unknown customer" error (an MSP console has hundreds).
const MAX_LISTED_CUSTOMERS: usize = 10;

/// The two resources that manage company mappings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingOwner {
    /// A `connectwise_umbrella_psa_company_mapping`.
    Single,
    /// The `connectwise_umbrella_psa_company_mappings` table.
    Table,
}

impl MappingOwner {
    /// The resource type, as the configuration names it.
    pub fn type_name(self) -> &'static str {
        match self {
            MappingOwner::Single => "connectwise_umbrella_psa_company_mapping",
            MappingOwner::Table => "connectwise_umbrella_psa_company_mappings",
        }
    }
}

/// What the mapping resources of one provider share.
#[derive(Default)]
pub struct MappingShared {
    claims: Mutex<HashMap<u64, (MappingOwner, String)>>,
    console: Mutex<Option<Arc<ConsoleReads>>>,
    /// The ConnectWise companies, for the `psa_company_id` check.
    pub companies: CompanySlot,
}

/// Why a customer cannot be claimed.
#[derive(Debug, PartialEq, Eq)]
pub enum MappingConflict {
    /// The other resource type manages the customer too.
    OtherResource(MappingOwner),
    /// Another resource of the same type maps it to this other company.
    Differs(String),
}

impl MappingConflict {
    /// The error's detail for `customer`.
    pub fn detail(&self, customer: u64, owner: MappingOwner) -> String {
        match self {
            MappingConflict::OtherResource(other) => format!(
                "Umbrella customer {customer} is managed both by {} and by {} in this \
                 configuration. The two would overwrite each other's mapping (and the table \
                 removes every mapping it does not list): keep the customer in one of them only.",
                owner.type_name(),
                other.type_name()
            ),
            MappingConflict::Differs(company) => format!(
                "Another {} maps Umbrella customer {customer} to ConnectWise company \
                 {company:?}. A customer has one company: keep one resource per customer.",
                owner.type_name()
            ),
        }
    }
}

impl MappingShared {
    /// Records that `owner` maps `customer` to `company` in this operation; fails when the other
    /// resource type manages the customer too, or another one of the same type maps it elsewhere.
    pub fn claim(
        &self,
        customer: u64,
        owner: MappingOwner,
        company: &str,
    ) -> Result<(), MappingConflict> {
        let mut claims = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        match claims.get(&customer) {
            Some((other, _)) if *other != owner => Err(MappingConflict::OtherResource(*other)),
            Some((_, existing)) if existing != company => {
                Err(MappingConflict::Differs(existing.clone()))
            }
            Some(_) => Ok(()),
            None => {
                claims.insert(customer, (owner, company.to_string()));
                Ok(())
            }
        }
    }

    /// The console reads of `umbrella`'s configuration: the same object for every resource
    /// until the provider is configured again (a new Terraform operation).
    pub fn console(&self, umbrella: &Umbrella) -> Arc<ConsoleReads> {
        let mut slot = self.console.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some(r) if r.is_for(umbrella) => r.clone(),
            _ => {
                let r = Arc::new(ConsoleReads::new(umbrella.clone()));
                *slot = Some(r.clone());
                r
            }
        }
    }
}

/// A customer id from a map key or an import id: a positive whole number.
pub fn parse_customer_id(text: &str) -> Option<u64> {
    text.trim().parse::<u64>().ok().filter(|id| *id > 0)
}

/// The detail of an "unknown customer" error: what the console manages instead (the closest
/// ids first, at most [`MAX_LISTED_CUSTOMERS`]).
pub fn unknown_customer_detail<'a>(
    id: u64,
    customers: impl ExactSizeIterator<Item = &'a Customer>,
) -> String {
    let total = customers.len();
    let known = if total == 0 {
        " The console manages no customers.".to_string()
    } else {
        let mut nearest: Vec<&Customer> = customers.collect();
        nearest.sort_by_key(|c| c.customer_id.abs_diff(id));
        let listed: Vec<String> = nearest
            .iter()
            .take(MAX_LISTED_CUSTOMERS)
            .map(|c| format!("{} ({})", c.customer_id, c.customer_name))
            .collect();
        let more = total.saturating_sub(listed.len());
        let more = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        format!(
            " It manages {total} customers, the nearest ids being: {}{more}.",
            listed.join(", ")
        )
    };
    format!(
        "The Umbrella console manages no customer with id {id} \
         (GET /admin/v2/managed/customers).{known} The data source \
         connectwise_umbrella_customers lists them."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_in_both_resources_conflicts_either_way() {
        let shared = MappingShared::default();
        assert_eq!(shared.claim(1, MappingOwner::Single, "Acme"), Ok(()));
        assert_eq!(
            shared.claim(1, MappingOwner::Table, "Acme"),
            Err(MappingConflict::OtherResource(MappingOwner::Single))
        );
        assert_eq!(shared.claim(2, MappingOwner::Table, "Beta"), Ok(()));
        assert_eq!(
            shared.claim(2, MappingOwner::Single, "Beta"),
            Err(MappingConflict::OtherResource(MappingOwner::Table))
        );
        // The same claim again (the table planned twice) is fine; another company is not.
        assert_eq!(shared.claim(2, MappingOwner::Table, "Beta"), Ok(()));
        assert_eq!(
            shared.claim(1, MappingOwner::Single, "Other"),
            Err(MappingConflict::Differs("Acme".into()))
        );
        let detail =
            MappingConflict::OtherResource(MappingOwner::Single).detail(1, MappingOwner::Table);
        assert!(
            detail.contains("both by connectwise_umbrella_psa_company_mappings and by connectwise_umbrella_psa_company_mapping "),
            "{detail}"
        );
    }

    #[test]
    fn customer_ids_and_the_unknown_customer_list() {
        assert_eq!(parse_customer_id(" 42 "), Some(42));
        assert_eq!(parse_customer_id("0"), None);
        assert_eq!(parse_customer_id("acme"), None);
        assert_eq!(parse_customer_id("-3"), None);
        let customers: Vec<Customer> = (1..=30)
            .map(|i| Customer {
                customer_id: 1000 + i,
                customer_name: format!("Customer {i}"),
                seats: 0,
            })
            .collect();
        let detail = unknown_customer_detail(1031, customers.iter());
        assert!(detail.contains("manages 30 customers"), "{detail}");
        assert!(detail.contains("1030 (Customer 30)"), "{detail}");
        assert!(detail.contains("and 20 more"), "{detail}");
        assert!(!detail.contains("1001 (Customer 1)"), "{detail}");
        assert!(unknown_customer_detail(5, [].iter()).contains("manages no customers"));
    }
}
