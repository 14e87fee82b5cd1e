//! `connectwise_umbrella_psa_company_mappings`: the whole company mapping table of the Umbrella
//! MSP/MSSP console as one resource, authoritative: a mapping the configuration does not list is
//! removed. Read with the paged list, written with the bulk calls in chunks of 100, so an MSP with
//! hundreds of customers stays within Umbrella's 14 requests per minute.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::common::mappings::{
    MappingOwner, MappingShared, parse_customer_id, unknown_customer_detail,
};
use super::common::nullable::decode_nullable;
use super::config::Handle;
use super::diag::{bad_import_id, umbrella_error};
use api_client::umbrella::Mapping;
use api_client::umbrella::psa::{ConsoleReads, MAX_PSA_COMPANY_ID_LEN};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, Identity, IdentityAttribute, Model,
    PlanRequest, PlanResponse, ReadRequest, Resource, Schema, StateResponse, Type, Val, Validator,
    Value,
};

/// The id of the one table of a console (and its import id).
pub const CONSOLE_ID: &str = "psa";

pub struct UmbrellaPsaCompanyMappingsResource {
    handle: Handle,
    shared: Arc<MappingShared>,
}

impl UmbrellaPsaCompanyMappingsResource {
    pub fn new(handle: Handle, shared: Arc<MappingShared>) -> Self {
        Self { handle, shared }
    }
}

/// The table's attributes, as config, plan and state have them.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct TableModel {
    pub id: Val<String>,
    pub mappings: Val<BTreeMap<String, Val<String>>>,
}

impl TableModel {
    /// The state of a console whose table is `table`.
    fn from_table(table: &BTreeMap<u64, String>) -> TableModel {
        TableModel {
            id: Val::Known(CONSOLE_ID.to_string()),
            mappings: Val::Known(
                table
                    .iter()
                    .map(|(id, company)| (id.to_string(), Val::Known(company.clone())))
                    .collect(),
            ),
        }
    }

    /// The known mappings by customer id (keys that are not customer ids are left out: they
    /// fail at plan time).
    fn table(&self) -> BTreeMap<u64, String> {
        let Some(map) = self.mappings.known() else {
            return BTreeMap::new();
        };
        map.iter()
            .filter_map(|(key, company)| {
                Some((map_key_customer_id(key)?, company.as_str()?.to_string()))
            })
            .collect()
    }
}

/// The schema of `connectwise_umbrella_psa_company_mappings`.
pub fn table_schema() -> Schema {
    Schema::new(
        Block::new(
            "**Authoritative**: the whole company mapping table of the Umbrella MSP/MSSP console \
             (the \"ConnectWise Company ID\" of each managed customer under MSP Settings > PSA \
             Integration Details) as one resource. **Every mapping on the console that `mappings` \
             does not list is removed** when this resource is applied, including mappings made by \
             hand in the console; destroying the resource removes every mapping it lists. Use \
             one per console, and do not also manage the same customers with \
             `connectwise_umbrella_psa_company_mapping` (a plan that does is refused).\n\n\
             Made for MSPs with hundreds of customers: it reads the table with one paged list and \
             writes it with bulk calls of up to 100 mappings, where one resource per customer \
             costs a request per customer at Umbrella's 14 requests per minute. Each customer's \
             change shows on its own line of the plan. The mapping calls are not in Cisco's \
             published API specification.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("Always `psa`: the console's one mapping table. Import with it."),
        )
        .attribute(
            Attribute::of_type("mappings", Type::map(Type::String))
                .required()
                .description(&format!(
                    "Umbrella customer id (the map key, a positive whole number as a string, \
                     from the `connectwise_umbrella_customers` data source) → ConnectWise company \
                     identifier (the company's \"Company ID\", 1 to {MAX_PSA_COMPANY_ID_LEN} \
                     characters, e.g. `AcmeDental`). Every customer must be managed by the \
                     console and every identifier must exist in ConnectWise: both are checked at \
                     plan time. Customers missing here lose their mapping."
                )),
        ),
    )
}

/// The customer id of a map key, only when written as the state writes it back ("7", not "007"
/// or " 7"): any other spelling would come back from Umbrella as another key.
fn map_key_customer_id(key: &str) -> Option<u64> {
    parse_customer_id(key).filter(|id| id.to_string() == key)
}

/// The path of one customer's entry.
fn entry_path(key: &str) -> AttrPath {
    AttrPath::root("mappings").key(key)
}

/// What remains to check against the vendors after [`check_entries`].
#[derive(Debug, Default)]
struct RemoteChecks {
    /// Customers not in the prior state (map key, id): checked against Umbrella's customers.
    new_customers: Vec<(String, u64)>,
    /// Every company identifier with its entry's path: checked against ConnectWise.
    companies: Vec<(AttrPath, String)>,
}

/// Plan-time checks of the configured table: customer ids that are numbers, each claimed by
/// this resource only, company identifiers of sensible length. Returns the entries to check
/// against Umbrella's customers (those not in `prior`) and ConnectWise's companies (all).
fn check_entries(
    shared: &MappingShared,
    config: &BTreeMap<String, Val<String>>,
    prior: &BTreeMap<u64, String>,
    diags: &mut Diagnostics,
) -> RemoteChecks {
    let mut checks = RemoteChecks::default();
    for (key, company) in config {
        let Some(id) = map_key_customer_id(key) else {
            diags.attr_error(
                entry_path(key),
                "Invalid customer id",
                format!(
                    "The key {key:?} of mappings is not an Umbrella customer id: keys must be \
                     positive whole numbers written plainly, e.g. \"2000001\" (see the \
                     connectwise_umbrella_customers data source)."
                ),
            );
            continue;
        };
        if !prior.contains_key(&id) {
            checks.new_customers.push((key.clone(), id));
        }
        let Some(company) = company.as_str() else {
            continue; // unknown until apply
        };
        if company.trim().is_empty() || company.chars().count() > MAX_PSA_COMPANY_ID_LEN {
            diags.attr_error(
                entry_path(key),
                "Invalid ConnectWise company identifier",
                format!(
                    "The company identifier of customer {id} must be 1 to \
                     {MAX_PSA_COMPANY_ID_LEN} characters and not blank."
                ),
            );
            continue;
        }
        if let Err(conflict) = shared.claim(id, MappingOwner::Table, company) {
            diags.attr_error(
                entry_path(key),
                "Customer mapped by two resources",
                conflict.detail(id, MappingOwner::Table),
            );
        }
        checks
            .companies
            .push((entry_path(key), company.to_string()));
    }
    checks
}

/// Errors for the customers among `wanted` that the console does not manage.
async fn check_customers(
    console: &ConsoleReads,
    wanted: &[(String, u64)],
    diags: &mut Diagnostics,
) {
    if wanted.is_empty() {
        return;
    }
    let customers = match console.customers().await {
        Ok(c) => c,
        Err(e) => {
            umbrella_error(diags, "list the Umbrella managed customers", &e);
            return;
        }
    };
    for (key, id) in wanted {
        if !customers.contains_key(id) {
            diags.attr_error(
                entry_path(key),
                "Unknown Umbrella customer",
                unknown_customer_detail(*id, customers.values()),
            );
        }
    }
}

impl UmbrellaPsaCompanyMappingsResource {
    /// Makes the console's table equal `wanted`: upserts what differs from `current`, removes
    /// what `wanted` does not list. Answers the new state, or `None` after an error.
    async fn converge(
        &self,
        current: &BTreeMap<u64, String>,
        wanted: &BTreeMap<u64, String>,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let umbrella = self.handle.umbrella(diags)?;
        let console = self.shared.console(&umbrella);
        let upserts: Vec<Mapping> = wanted
            .iter()
            .filter(|(id, company)| current.get(id) != Some(company))
            .map(|(id, company)| Mapping {
                customer_id: *id,
                psa_company_id: company.clone(),
            })
            .collect();
        let removals: Vec<u64> = current
            .keys()
            .filter(|id| !wanted.contains_key(id))
            .copied()
            .collect();
        if !upserts.is_empty()
            && let Err(e) = console.put_mappings(&upserts).await
        {
            let action = format!("store {} Umbrella company mappings", upserts.len());
            umbrella_error(diags, &action, &e);
            return None;
        }
        if !removals.is_empty()
            && let Err(e) = console.remove_mappings(&removals).await
        {
            let action = format!("remove {} Umbrella company mappings", removals.len());
            umbrella_error(diags, &action, &e);
            return None;
        }
        Some(TableModel::from_table(wanted).encode())
    }

    /// The console's table as it is now (one paged read per operation).
    async fn read_table(&self, diags: &mut Diagnostics) -> Option<Arc<BTreeMap<u64, String>>> {
        let umbrella = self.handle.umbrella(diags)?;
        match self.shared.console(&umbrella).mappings().await {
            Ok(table) => Some(table),
            Err(e) => {
                umbrella_error(diags, "read the Umbrella company mapping table", &e);
                None
            }
        }
    }
}

#[async_trait]
impl Resource for UmbrellaPsaCompanyMappingsResource {
    fn name(&self) -> &'static str {
        "umbrella_psa_company_mappings"
    }

    fn schema(&self) -> Schema {
        table_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{id}").attribute(
                IdentityAttribute::string("id")
                    .validate(Validator::OneOf(&[CONSOLE_ID]))
                    .description(
                        "Always `psa`: the console's one mapping table (the console the \
                         provider's `umbrella` block signs in to).",
                    ),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        include_str!("umbrella_psa_company_mappings.md")
    }

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        if req.config.is_null() || resp.planned.is_null() {
            return;
        }
        let diags = &mut resp.diags;
        let (Some(config), Some(prior), Some(mut planned)) = (
            TableModel::decode_into(&req.config, diags),
            decode_nullable::<TableModel>(&req.prior, diags),
            TableModel::decode_into(&resp.planned, diags),
        ) else {
            return;
        };
        planned.id = Val::Known(CONSOLE_ID.to_string());
        resp.planned = planned.encode();
        let Some(entries) = config.mappings.known() else {
            return; // unknown until apply
        };
        let prior = prior.map(|p| p.table()).unwrap_or_default();
        let checks = check_entries(&self.shared, entries, &prior, diags);
        if !checks.new_customers.is_empty() {
            let Some(umbrella) = self.handle.umbrella(diags) else {
                return;
            };
            check_customers(
                &self.shared.console(&umbrella),
                &checks.new_customers,
                diags,
            )
            .await;
        }
        self.shared
            .companies
            .check(&self.handle, &checks.companies, &mut resp.diags)
            .await;
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(plan) = TableModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        // Authoritative from the start: what the console holds beyond the plan is removed.
        let Some(current) = self.read_table(&mut resp.diags).await else {
            return;
        };
        if let Some(state) = self
            .converge(&current, &plan.table(), &mut resp.diags)
            .await
        {
            resp.state = state;
        }
    }

    async fn read(&self, _req: &ReadRequest, resp: &mut StateResponse) {
        if let Some(table) = self.read_table(&mut resp.diags).await {
            resp.state = TableModel::from_table(&table).encode();
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let diags = &mut resp.diags;
        let (Some(plan), Some(prior)) = (
            TableModel::decode_into(&req.planned, diags),
            TableModel::decode_into(&req.prior, diags),
        ) else {
            return;
        };
        if let Some(state) = self.converge(&prior.table(), &plan.table(), diags).await {
            resp.state = state;
        }
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(prior) = TableModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        if self
            .converge(&prior.table(), &BTreeMap::new(), &mut resp.diags)
            .await
            .is_some()
        {
            resp.state = Value::Null;
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        if id.trim() != CONSOLE_ID {
            bad_import_id(
                &mut resp.diags,
                id,
                "`psa` (the console's one mapping table; the console is the one the provider's \
                 umbrella block signs in to)",
            );
            return;
        }
        if let Some(table) = self.read_table(&mut resp.diags).await {
            resp.state = TableModel::from_table(&table).encode();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<TableModel>(&table_schema().block), Ok(()));
    }

    #[test]
    fn entries_are_checked_and_split() {
        let shared = MappingShared::default();
        let config: BTreeMap<String, Val<String>> = [
            ("1001", Val::Known("Acme".to_string())),
            ("1002", Val::Known("Beta".to_string())),
            ("acme", Val::Known("Acme".to_string())),
            ("01005", Val::Known("Acme".to_string())),
            ("1003", Val::Known(" ".to_string())),
            ("1004", Val::Unknown),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let prior = BTreeMap::from([(1001, "Old".to_string())]);
        let mut diags = Diagnostics::default();
        let checks = check_entries(&shared, &config, &prior, &mut diags);
        let new_ids: Vec<u64> = checks.new_customers.iter().map(|(_, id)| *id).collect();
        assert_eq!(new_ids, [1002, 1003, 1004]);
        let checked: Vec<&str> = checks.companies.iter().map(|(_, c)| c.as_str()).collect();
        assert_eq!(checked, ["Acme", "Beta"]);
        let summaries: Vec<&str> = diags.0.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Invalid customer id",
                "Invalid ConnectWise company identifier",
                "Invalid customer id"
            ]
        );
        assert_eq!(
            diags.0[0].path,
            Some(AttrPath::root("mappings").key("01005"))
        );
        assert_eq!(
            diags.0[2].path,
            Some(AttrPath::root("mappings").key("acme"))
        );
    }

    #[test]
    fn state_lists_the_whole_table() {
        let table = BTreeMap::from([(7, "Acme".to_string())]);
        let model = TableModel::from_table(&table);
        assert_eq!(model.id, Val::Known("psa".to_string()));
        assert_eq!(model.table(), table);
    }
}
