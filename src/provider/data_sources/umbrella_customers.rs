//! Data source `connectwise_umbrella_customers`: the managed customers of the Umbrella MSP/MSSP
//! console, for `for_each` over an MSP's tenants.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::common::mappings::MappingShared;
use crate::provider::config::Handle;
use crate::provider::diag::umbrella_error;
use tfplugin::{
    Attribute, Block, DataSource, Diagnostics, Model, Schema, Type, Val, Validator, Value,
};

/// The data source's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CustomersModel {
    pub name_filter: Val<String>,
    pub customers: Val<Vec<CustomerModel>>,
}

/// One element of `customers`.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CustomerModel {
    pub customer_id: i64,
    pub customer_name: String,
    pub seats: i64,
}

pub struct UmbrellaCustomersDataSource {
    handle: Handle,
    /// The customer list is read once per operation and shared with the mapping resources'
    /// customer check (an MSP console's list is several pages of Umbrella's 14 requests/min).
    shared: Arc<MappingShared>,
}

impl UmbrellaCustomersDataSource {
    pub fn new(handle: Handle, shared: Arc<MappingShared>) -> Self {
        Self { handle, shared }
    }
}

fn customer_type() -> Type {
    Type::Object(BTreeMap::from([
        ("customer_id".to_string(), Type::Number),
        ("customer_name".to_string(), Type::String),
        ("seats".to_string(), Type::Number),
    ]))
}

/// The schema of the data source `connectwise_umbrella_customers`.
pub fn customers_schema() -> Schema {
    Schema::new(
        Block::new(
            "The managed customers (child organizations) of the Umbrella MSP/MSSP console the \
             provider's `umbrella` block signs in to, e.g. to give each one a \
             `connectwise_umbrella_psa_company_mapping` with `for_each`.",
        )
        .attribute(
            Attribute::string("name_filter")
                .optional()
                .validate(Validator::Length { min: 1, max: 255 })
                .validate(Validator::NotBlank)
                .description(
                    "Keep only customers whose name contains this text (case-insensitive).",
                ),
        )
        .attribute(
            Attribute::of_type("customers", Type::list(customer_type()))
                .computed()
                .description(
                    "The customers, ordered by id: `customer_id` (number; also the child \
                     organization id), `customer_name` and `seats`.",
                ),
        ),
    )
}

#[async_trait]
impl DataSource for UmbrellaCustomersDataSource {
    fn name(&self) -> &'static str {
        "umbrella_customers"
    }

    fn schema(&self) -> Schema {
        customers_schema()
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         In Cisco's published API specification (Managed Providers API):\n\n\
         | Operation | Call |\n|---|---|\n\
         | authentication | `POST /auth/v2/token` |\n\
         | read | `GET /admin/v2/managed/customers?page=N&limit=100`, every page |\n"
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(umbrella) = self.handle.umbrella(diags) else {
            return Value::Null;
        };
        let Some(mut model) = CustomersModel::decode_into(config, diags) else {
            return Value::Null;
        };
        let customers = match self.shared.console(&umbrella).customers().await {
            Ok(by_id) => by_id,
            Err(e) => {
                umbrella_error(diags, "list the Umbrella managed customers", &e);
                return Value::Null;
            }
        };
        let filter = model.name_filter.as_str().map(str::to_lowercase);
        // By id, as the shared read keeps them.
        let list = customers
            .values()
            .filter(|c| {
                filter
                    .as_ref()
                    .is_none_or(|f| c.customer_name.to_lowercase().contains(f))
            })
            .map(|c| CustomerModel {
                customer_id: c.customer_id as i64,
                customer_name: c.customer_name.clone(),
                seats: c.seats as i64,
            })
            .collect();
        model.customers = Val::Known(list);
        model.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::{check_model, check_object_model};

    #[test]
    fn the_models_match_the_schema() {
        assert_eq!(
            check_model::<CustomersModel>(&customers_schema().block),
            Ok(())
        );
        assert_eq!(
            check_object_model::<CustomerModel>(&customer_type()),
            Ok(())
        );
    }
}
