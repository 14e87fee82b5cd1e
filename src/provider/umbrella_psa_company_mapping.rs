//! `connectwise_umbrella_psa_company_mapping`: which ConnectWise company a managed customer of the
//! Umbrella MSP/MSSP console belongs to ("ConnectWise Company ID" per customer in MSP Settings >
//! PSA Integration Details). The customer is checked against the managed customer list at plan
//! time, so a wrong id fails the plan on `customer_id`, and the company against the ConnectWise
//! companies, so a wrong identifier fails it on `psa_company_id`. Reads are served from the
//! mapping table and customer list read once per operation (`common::mappings`), so a plan of
//! hundreds of mappings costs a handful of requests.

use std::sync::Arc;

use async_trait::async_trait;

use super::common::mappings::{MappingOwner, MappingShared, unknown_customer_detail};
use super::common::nullable::decode_nullable;
use super::config::Handle;
use super::diag::{bad_import_id, umbrella_error, umbrella_error_on};
use api_client::umbrella::Customer;
use api_client::umbrella::psa::{ConsoleReads, MAX_PSA_COMPANY_ID_LEN};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, Identity, IdentityAttribute, Model,
    PlanRequest, PlanResponse, ReadRequest, Resource, Schema, StateResponse, Val, Validator, Value,
};

pub struct UmbrellaPsaCompanyMappingResource {
    handle: Handle,
    shared: Arc<MappingShared>,
}

impl UmbrellaPsaCompanyMappingResource {
    pub fn new(handle: Handle, shared: Arc<MappingShared>) -> Self {
        Self { handle, shared }
    }

    /// The console reads of the current configuration, or an error saying why there are none.
    fn console(&self, diags: &mut Diagnostics) -> Option<Arc<ConsoleReads>> {
        let umbrella = self.handle.umbrella(diags)?;
        Some(self.shared.console(&umbrella))
    }
}

/// A mapping's attributes, as config, plan and state have them.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct MappingModel {
    pub id: Val<String>,
    pub customer_id: Val<i64>,
    pub psa_company_id: Val<String>,
    pub customer_name: Val<String>,
}

impl MappingModel {
    /// The state of a mapping.
    fn new(customer_id: u64, customer_name: Option<&str>, psa_company_id: &str) -> MappingModel {
        MappingModel {
            id: Val::Known(customer_id.to_string()),
            customer_id: Val::Known(customer_id as i64),
            psa_company_id: Val::Known(psa_company_id.to_string()),
            customer_name: customer_name.map(str::to_string).into(),
        }
    }

    /// The customer id, when known and not negative.
    fn customer(&self) -> Option<u64> {
        self.customer_id.get().and_then(|i| u64::try_from(i).ok())
    }
}

/// A customer id is a positive whole number.
fn positive_whole_number(v: &Value) -> Result<(), String> {
    match customer_id_of(v) {
        Some(id) if id > 0 => Ok(()),
        _ => Err("must be a positive whole number (an Umbrella customer id).".into()),
    }
}

/// A customer id from a configuration or state value.
fn customer_id_of(v: &Value) -> Option<u64> {
    v.as_i64().and_then(|i| u64::try_from(i).ok())
}

/// The managed customer `id` (from the customer list read once per operation), with an error
/// on `customer_id` naming the nearest valid ones when unknown.
async fn lookup_customer(
    console: &ConsoleReads,
    id: u64,
    diags: &mut Diagnostics,
) -> Option<Customer> {
    match console.customer(id).await {
        Ok(Some(c)) => Some(c),
        Ok(None) => {
            unknown_customer(console, id, diags).await;
            None
        }
        Err(e) => {
            umbrella_error_on(
                diags,
                Some(AttrPath::root("customer_id")),
                &format!("look up Umbrella managed customer {id}"),
                &e,
            );
            None
        }
    }
}

/// The error for a customer id the console does not manage.
async fn unknown_customer(console: &ConsoleReads, id: u64, diags: &mut Diagnostics) {
    let detail = match console.customers().await {
        Ok(customers) => unknown_customer_detail(id, customers.values()),
        Err(_) => format!("The Umbrella console manages no customer with id {id}."),
    };
    diags.attr_error(
        AttrPath::root("customer_id"),
        "Unknown Umbrella customer",
        detail,
    );
}

/// The schema of `connectwise_umbrella_psa_company_mapping`.
pub fn mapping_schema() -> Schema {
    Schema::new(
        Block::new(
            "The ConnectWise company of one managed customer of the Umbrella MSP/MSSP console \
             (the \"ConnectWise Company ID\" per customer under MSP Settings > PSA Integration \
             Details): the PSA integration files that customer's configuration and tickets \
             under the ConnectWise company with this identifier. One resource per customer; \
             combine with the `connectwise_umbrella_customers` data source and `for_each`, or \
             manage the whole table with `connectwise_umbrella_psa_company_mappings` (never the \
             same customer in both: the plan is refused). \
             The mapping calls are not in Cisco's published API specification.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("The customer id, as a string. Import with it."),
        )
        .attribute(
            Attribute::number("customer_id")
                .required()
                .requires_replace()
                .validate(Validator::Custom(positive_whole_number))
                .description(
                    "Id of the managed customer (child organization) in Umbrella, from \
                     `GET /admin/v2/managed/customers` (see the `connectwise_umbrella_customers` \
                     data source). A positive whole number, checked against the console's customers at plan time.",
                ),
        )
        .attribute(
            Attribute::string("psa_company_id")
                .required()
                .validate(Validator::Length {
                    min: 1,
                    max: MAX_PSA_COMPANY_ID_LEN,
                })
                .validate(Validator::NotBlank)
                .description(
                    "The ConnectWise company identifier (\"Company ID\" of the company in \
                     ConnectWise, e.g. `AcmeDental`), checked against the ConnectWise companies \
                     at plan time when the provider has ConnectWise settings. Changes are made in \
                     place.",
                ),
        )
        .attribute(
            Attribute::string("customer_name")
                .computed()
                .use_state_for_unknown()
                .description("The customer's name in Umbrella."),
        ),
    )
}

#[async_trait]
impl Resource for UmbrellaPsaCompanyMappingResource {
    fn name(&self) -> &'static str {
        "umbrella_psa_company_mapping"
    }

    fn schema(&self) -> Schema {
        mapping_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{customer_id}").attribute(
                IdentityAttribute::number("customer_id")
                    .validate(Validator::Custom(positive_whole_number))
                    .description(
                        "Id of the managed customer in Umbrella (a positive whole number).",
                    ),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         The mapping calls are **not in Cisco's published API specification** (Cisco documents \
         company mapping only as a console feature; request and response bodies: \
         [Calls outside the published APIs](../guides/extension-calls.md)); this provider follows its own contract for \
         them, and a server that does not offer them makes the provider fail with a diagnostic \
         naming the console step to do by hand. The customer look-ups are in the published \
         Managed Providers API.\n\n\
         | Operation | Call |\n|---|---|\n\
         | plan (customer check, only when `customer_id` changes), import | `GET /admin/v2/managed/customers?page=P&limit=100`, once per operation for every mapping (published) |\n\
         | plan (company check) | ConnectWise `GET /company/companies?pageSize=1000`, once per operation for every mapping (published) |\n\
         | create, update | `PUT /admin/v2/config/psa/mappings/{customerId}` with `{customerId, psaCompanyId}` (not in the published API specification) |\n\
         | read, import | `GET /admin/v2/config/psa/mappings?page=P&limit=100`, once per operation for every mapping (not in the published API specification) |\n\
         | delete | `DELETE /admin/v2/config/psa/mappings/{customerId}` (not in the published API specification) |\n"
    }

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let diags = &mut resp.diags;
        let (Some(config), Some(prior), Some(mut planned)) = (
            MappingModel::decode_into(&req.config, diags),
            decode_nullable::<MappingModel>(&req.prior, diags),
            MappingModel::decode_into(&resp.planned, diags),
        ) else {
            return;
        };
        let Some(id) = config.customer() else {
            return; // unknown until apply; create reports a bad id then
        };
        planned.id = Val::Known(id.to_string());
        let unchanged = prior.and_then(|p| p.customer()) == Some(id);
        if !unchanged && let Some(c) = lookup_customer(&console, id, &mut resp.diags).await {
            planned.customer_name = Val::Known(c.customer_name);
        }
        resp.planned = planned.encode();
        let Some(company) = config.psa_company_id.as_str() else {
            return;
        };
        let path = AttrPath::root("psa_company_id");
        if let Err(conflict) = self.shared.claim(id, MappingOwner::Single, company) {
            resp.diags.attr_error(
                AttrPath::root("customer_id"),
                "Customer mapped by two resources",
                conflict.detail(id, MappingOwner::Single),
            );
        }
        let wanted = [(path, company.to_string())];
        self.shared
            .companies
            .check(&self.handle, &wanted, &mut resp.diags)
            .await;
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let Some(plan) = MappingModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        let Some(id) = plan.customer() else {
            resp.diags.attr_error(
                AttrPath::root("customer_id"),
                "Invalid customer id",
                "customer_id must be a positive whole number.",
            );
            return;
        };
        let company = plan.psa_company_id.as_str().unwrap_or_default();
        let name = match plan.customer_name.as_str() {
            Some(n) => n.to_string(),
            None => match lookup_customer(&console, id, &mut resp.diags).await {
                Some(c) => c.customer_name,
                None => return,
            },
        };
        match console.put_mapping(id, company).await {
            Ok(m) => resp.state = MappingModel::new(id, Some(&name), &m.psa_company_id).encode(),
            Err(e) if e.is_not_found() => unknown_customer(&console, id, &mut resp.diags).await,
            Err(e) => umbrella_error(
                &mut resp.diags,
                &format!("map Umbrella customer {id} to ConnectWise company {company:?}"),
                &e,
            ),
        }
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let Some(mut state) = MappingModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some(id) = state.customer() else {
            resp.state = Value::Null;
            return;
        };
        // From the table read once for every mapping of this operation.
        match console.mapping(id).await {
            Ok(Some(company)) => {
                state.id = Val::Known(id.to_string());
                state.psa_company_id = Val::Known(company);
                resp.state = state.encode();
            }
            // No mapping, or the customer itself is gone.
            Ok(None) => resp.state = Value::Null,
            Err(e) => umbrella_error(
                &mut resp.diags,
                &format!("read the company mapping of Umbrella customer {id}"),
                &e,
            ),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let diags = &mut resp.diags;
        let (Some(plan), Some(prior)) = (
            MappingModel::decode_into(&req.planned, diags),
            decode_nullable::<MappingModel>(&req.prior, diags),
        ) else {
            return;
        };
        let Some(id) = plan.customer() else {
            return;
        };
        let company = plan.psa_company_id.as_str().unwrap_or_default();
        match console.put_mapping(id, company).await {
            Ok(m) => {
                let name = plan
                    .customer_name
                    .as_str()
                    .or_else(|| prior.as_ref().and_then(|p| p.customer_name.as_str()));
                resp.state = MappingModel::new(id, name, &m.psa_company_id).encode();
            }
            Err(e) => umbrella_error(
                &mut resp.diags,
                &format!("map Umbrella customer {id} to ConnectWise company {company:?}"),
                &e,
            ),
        }
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let Some(prior) = MappingModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some(id) = prior.customer() else {
            return;
        };
        if let Err(e) = console.delete_mapping(id).await {
            umbrella_error(
                &mut resp.diags,
                &format!("remove the company mapping of Umbrella customer {id}"),
                &e,
            );
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        let Some(customer_id) = id.trim().parse::<u64>().ok().filter(|i| *i > 0) else {
            bad_import_id(
                &mut resp.diags,
                id,
                "the numeric Umbrella customer id (see the connectwise_umbrella_customers data source)",
            );
            return;
        };
        let Some(console) = self.console(&mut resp.diags) else {
            return;
        };
        let customer = match console.customer(customer_id).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                unknown_customer(&console, customer_id, &mut resp.diags).await;
                return;
            }
            Err(e) => {
                umbrella_error(
                    &mut resp.diags,
                    &format!("look up Umbrella managed customer {customer_id}"),
                    &e,
                );
                return;
            }
        };
        let company = match console.mapping(customer_id).await {
            Ok(Some(company)) => company,
            Ok(None) => {
                resp.diags.error(
                    "Cannot import the company mapping",
                    format!("Umbrella customer {customer_id} has no ConnectWise company mapping."),
                );
                return;
            }
            Err(e) => {
                umbrella_error(
                    &mut resp.diags,
                    &format!("import the company mapping of Umbrella customer {customer_id}"),
                    &e,
                );
                return;
            }
        };
        resp.state =
            MappingModel::new(customer_id, Some(&customer.customer_name), &company).encode();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<MappingModel>(&mapping_schema().block), Ok(()));
    }

    #[test]
    fn a_negative_customer_id_is_none() {
        let m = MappingModel {
            customer_id: Val::Known(-3),
            ..MappingModel::default()
        };
        assert_eq!(m.customer(), None);
        assert_eq!(MappingModel::new(7, None, "Acme").customer(), Some(7));
    }
}
