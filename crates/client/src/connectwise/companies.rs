//! Companies: `GET /company/companies` (published), and [`CompanyDirectory`], the list read once
//! per provider configuration to check the company identifiers of Umbrella's mappings.

use std::sync::Arc;

use serde::Deserialize;

use super::http::Call;
use super::models::{Info, Reference, de_info, de_string};
use super::{Conditions, ConnectWise, Error};
use crate::single_flight::SingleFlight;

/// A company (customer, prospect, vendor, ...) in ConnectWise Manage.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    /// Record id.
    pub id: i32,
    /// The "Company ID" shown in ConnectWise (unique), e.g. `AcmeDental`.
    #[serde(default, deserialize_with = "de_string")]
    pub identifier: String,
    /// Display name.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// Status, e.g. `Active`.
    #[serde(default)]
    pub status: Option<Reference>,
    /// Company types, e.g. `Client` (since 2019.x; older servers send one `type`).
    #[serde(default)]
    pub types: Vec<Reference>,
    /// The single type of older servers.
    #[serde(rename = "type", default)]
    pub legacy_type: Option<Reference>,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

impl Company {
    /// The names of the company's types (`types`, else the older single `type`).
    pub fn type_names(&self) -> Vec<String> {
        let refs = if self.types.is_empty() {
            self.legacy_type.iter().collect::<Vec<_>>()
        } else {
            self.types.iter().collect()
        };
        refs.into_iter().filter_map(|r| r.name.clone()).collect()
    }
}

/// Calls on `/company/companies`; get one with [`ConnectWise::companies`].
#[derive(Debug, Clone, Copy)]
pub struct Companies<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Companies (`/company/companies`).
    pub fn companies(&self) -> Companies<'_> {
        Companies { client: self }
    }
}

impl Companies<'_> {
    /// Every company matching `conditions` (`pageSize=1000`, `Link` paging: one request per
    /// thousand companies).
    pub async fn list(&self, conditions: &Conditions) -> Result<Vec<Company>, Error> {
        let call = Call::get("/company/companies".into(), "company", "list").conditions(conditions);
        self.client.list_all(call).await
    }
}

/// Every company of one site, read once and shared by every caller (see
/// [`crate::single_flight`]): the provider checks each mapping's company identifier against it,
/// and builds a new directory for each configuration, so a plan never sees an older list.
#[derive(Debug)]
pub struct CompanyDirectory {
    client: ConnectWise,
    all: SingleFlight<Vec<Company>, Error>,
}

impl CompanyDirectory {
    /// Reads through `client`.
    pub fn new(client: ConnectWise) -> Self {
        Self {
            client,
            all: SingleFlight::default(),
        }
    }

    /// Whether the directory reads through `client` (the same provider configuration).
    pub fn is_for(&self, client: &ConnectWise) -> bool {
        Arc::ptr_eq(&self.client.inner, &client.inner)
    }

    /// Every company (one paged read for all callers).
    pub async fn all(&self) -> Result<Arc<Vec<Company>>, Arc<Error>> {
        self.all
            .get(|| async { self.client.companies().list(&Conditions::new()).await })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_types_and_the_older_single_type() {
        let company: Company = serde_json::from_str(
            r#"{"id":250,"identifier":"AcmeDental","name":"Acme Dental, LLC",
                "status":{"id":1,"name":"Active"},
                "types":[{"id":1,"name":"Client"},{"id":5,"name":"Partner"}],"_info":{}}"#,
        )
        .expect("company JSON");
        assert_eq!(company.type_names(), ["Client", "Partner"]);
        assert_eq!(
            company.status.and_then(|s| s.name).as_deref(),
            Some("Active")
        );
        let older: Company = serde_json::from_str(
            r#"{"id":2,"identifier":"X","name":"X","type":{"id":1,"name":"Client"}}"#,
        )
        .expect("older company JSON");
        assert_eq!(older.type_names(), ["Client"]);
    }
}
