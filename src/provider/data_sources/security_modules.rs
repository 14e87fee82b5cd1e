//! Data source `connectwise_security_modules`: the module/function catalogue of
//! the security role screen, from the provider's built-in catalogue (no REST call).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::catalogue;
use tfplugin::{
    AttrPath, Attribute, Block, DataSource, Diagnostics, Model, Schema, Type, Val, Value,
};

pub struct SecurityModulesDataSource;

impl SecurityModulesDataSource {
    pub fn new() -> Self {
        Self
    }
}

impl Default for SecurityModulesDataSource {
    fn default() -> Self {
        Self::new()
    }
}

fn function_type() -> Type {
    Type::Object(BTreeMap::from([
        ("module".to_string(), Type::String),
        ("module_identifier".to_string(), Type::String),
        ("function".to_string(), Type::String),
        ("function_identifier".to_string(), Type::String),
        ("description".to_string(), Type::String),
        ("my_all".to_string(), Type::Bool),
        ("report".to_string(), Type::Bool),
        ("customizable".to_string(), Type::Bool),
        ("customize_identifier".to_string(), Type::String),
        ("allowed_items".to_string(), Type::list(Type::String)),
    ]))
}

/// The data source's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct SecurityModulesModel {
    pub module: Val<String>,
    pub functions: Val<Vec<FunctionRow>>,
}

/// One element of `functions` (an object, see [`function_type`]).
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct FunctionRow {
    pub module: String,
    pub module_identifier: String,
    pub function: String,
    pub function_identifier: String,
    pub description: String,
    pub my_all: bool,
    pub report: bool,
    pub customizable: bool,
    pub customize_identifier: Option<String>,
    pub allowed_items: Vec<String>,
}

impl FunctionRow {
    fn of(f: &catalogue::Function) -> FunctionRow {
        FunctionRow {
            module: f.module.to_string(),
            module_identifier: f.module_identifier.to_string(),
            function: f.function.to_string(),
            function_identifier: f.function_identifier.to_string(),
            description: f.description.to_string(),
            my_all: f.my_all,
            report: f.report,
            customizable: f.customize.is_some(),
            customize_identifier: f.customize.map(str::to_string),
            allowed_items: f
                .customize
                .map(catalogue::allowed_items)
                .unwrap_or_default()
                .iter()
                .map(|i| i.to_string())
                .collect(),
        }
    }
}

#[async_trait]
impl DataSource for SecurityModulesDataSource {
    fn name(&self) -> &'static str {
        "security_modules"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "The module functions of the ConnectWise Manage security role screen (System > \
                 Security Roles > role), with their identifiers, whether the level `My` applies, \
                 and for \"customize\" functions the entries their allow-list may hold. Use it to \
                 find the `module`, `function` and `allowed_tables` values of \
                 `connectwise_role_permission`. The catalogue is built into the provider; \
                 reading it makes no REST call.",
            )
            .attribute(Attribute::string("module").optional().description(
                "Only this module's functions (a module name such as `System`, or its \
                 identifier). All modules when unset.",
            ))
            .attribute(
                Attribute::of_type("functions", Type::list(function_type()))
                    .computed()
                    .description(
                        "The module functions in the order of the security role screen. Each has \
                         `module`, `module_identifier`, `function`, `function_identifier`, \
                         `description`, `my_all` (whether the level `My` applies; otherwise only \
                         `None` and `All`), `report`, `customizable` (whether the function has a \
                         \"customize\" allow-list, i.e. accepts `allowed_tables`), \
                         `customize_identifier` (the allow-list's `customizeIdentifier`, null \
                         when not customizable) and `allowed_items` (the entries its allow-list \
                         may hold, e.g. `Service / Priority`).",
                    ),
            ),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(config) = SecurityModulesModel::decode_into(config, diags) else {
            return;
        };
        if let Some(m) = config.module.as_str()
            && catalogue::find_module(m).is_none()
        {
            let names: Vec<&str> = catalogue::modules().iter().map(|m| m.name).collect();
            diags.attr_error(
                AttrPath::root("module"),
                "Unknown module",
                format!(
                    "{m:?} is not a ConnectWise security module. The modules are: {}.",
                    names.join(", ")
                ),
            );
        }
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(config) = SecurityModulesModel::decode_into(config, diags) else {
            return Value::Null;
        };
        let module = config.module.as_str().and_then(catalogue::find_module);
        let functions = catalogue::functions()
            .iter()
            .filter(|f| module.is_none_or(|m| m.name == f.module))
            .map(FunctionRow::of)
            .collect();
        SecurityModulesModel {
            functions: Val::Known(functions),
            ..config
        }
        .encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::{check_model, check_object_model};

    #[test]
    fn the_models_match_the_schema() {
        let schema = SecurityModulesDataSource::new().schema();
        assert_eq!(check_model::<SecurityModulesModel>(&schema.block), Ok(()));
        assert_eq!(check_object_model::<FunctionRow>(&function_type()), Ok(()));
    }
}
