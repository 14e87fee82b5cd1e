//! Data source `connectwise_companies`: the companies of the ConnectWise site, e.g. to map each
//! Umbrella customer to the company of the same name.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use api_client::Conditions;
use tfplugin::{
    Attribute, Block, DataSource, Diagnostics, Model, Schema, Type, Val, Validator, Value,
};

/// The data source's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CompaniesModel {
    pub name_filter: Val<String>,
    pub identifier: Val<String>,
    pub companies: Val<Vec<CompanyModel>>,
}

/// One element of `companies`.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CompanyModel {
    pub id: i64,
    pub identifier: String,
    pub name: String,
    pub status: Val<String>,
    pub types: Vec<String>,
}

pub struct CompaniesDataSource {
    handle: Handle,
}

impl CompaniesDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

fn company_type() -> Type {
    Type::Object(BTreeMap::from([
        ("id".to_string(), Type::Number),
        ("identifier".to_string(), Type::String),
        ("name".to_string(), Type::String),
        ("status".to_string(), Type::String),
        ("types".to_string(), Type::list(Type::String)),
    ]))
}

/// The schema of the data source `connectwise_companies`.
pub fn companies_schema() -> Schema {
    Schema::new(
        Block::new(
            "The companies of the ConnectWise site (Companies > Companies), e.g. to find the \
             `identifier` each Umbrella customer maps to in \
             `connectwise_umbrella_psa_company_mappings`. Read with the published \
             `GET /company/companies` (`pageSize=1000`, `Link` paging: one request per thousand \
             companies).",
        )
        .attribute(
            Attribute::string("name_filter")
                .optional()
                .validate(Validator::Length { min: 1, max: 50 })
                .validate(Validator::NotBlank)
                .description(
                    "Keep only companies whose name contains this text (case-insensitive; \
                     ConnectWise's `name like \"*text*\"`).",
                ),
        )
        .attribute(
            Attribute::string("identifier")
                .optional()
                .validate(Validator::Length { min: 1, max: 30 })
                .validate(Validator::NotBlank)
                .description("Keep only the company with this identifier (its \"Company ID\")."),
        )
        .attribute(
            Attribute::of_type("companies", Type::list(company_type()))
                .computed()
                .description(
                    "The companies, ordered by identifier: `id` (record id), `identifier` (the \
                     \"Company ID\", what a mapping's `psa_company_id` names), `name`, `status` \
                     (e.g. `Active`; null when the company has none) and `types` (e.g. \
                     `[\"Client\"]`).",
                ),
        ),
    )
}

/// The `conditions` of a read: `name like "*text*"` and `identifier="..."` when given.
fn conditions(model: &CompaniesModel) -> Conditions {
    let mut conditions = Conditions::new();
    if let Some(text) = model.name_filter.as_str() {
        // `*` and `%` are the server's wildcards; a literal one in the text cannot be escaped.
        let text = text.trim().replace(['*', '%'], "");
        conditions = conditions.and(Conditions::like("name", format!("*{text}*")));
    }
    if let Some(identifier) = model.identifier.as_str() {
        conditions = conditions.and(Conditions::eq("identifier", identifier.trim()));
    }
    conditions
}

#[async_trait]
impl DataSource for CompaniesDataSource {
    fn name(&self) -> &'static str {
        "companies"
    }

    fn schema(&self) -> Schema {
        companies_schema()
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         In ConnectWise's published REST specification:\n\n\
         | Operation | Call |\n|---|---|\n\
         | read | `GET /company/companies?conditions=...&pageSize=1000`, then each `Link: rel=\"next\"` page |\n"
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(client) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let Some(mut model) = CompaniesModel::decode_into(config, diags) else {
            return Value::Null;
        };
        let mut companies = match client.companies().list(&conditions(&model)).await {
            Ok(list) => list,
            Err(e) => {
                client_error(diags, "list the ConnectWise companies", &e);
                return Value::Null;
            }
        };
        companies.sort_by(|a, b| a.identifier.cmp(&b.identifier).then(a.id.cmp(&b.id)));
        let list = companies
            .into_iter()
            .map(|c| CompanyModel {
                id: c.id.into(),
                types: c.type_names(),
                status: c.status.and_then(|s| s.name).into(),
                identifier: c.identifier,
                name: c.name,
            })
            .collect();
        model.companies = Val::Known(list);
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
            check_model::<CompaniesModel>(&companies_schema().block),
            Ok(())
        );
        assert_eq!(check_object_model::<CompanyModel>(&company_type()), Ok(()));
    }

    #[test]
    fn filters_become_conditions() {
        let model = CompaniesModel {
            name_filter: Val::Known(" Dental* ".into()),
            identifier: Val::Known("AcmeDental".into()),
            ..CompaniesModel::default()
        };
        assert_eq!(
            conditions(&model).to_string(),
            r#"name like "*Dental*" AND identifier="AcmeDental""#
        );
        assert!(conditions(&CompaniesModel::default()).is_empty());
    }
}
