//! Data source `connectwise_security_modules`: the module/function catalogue of
//! the security role screen, from the provider's built-in catalogue (no REST call).

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::catalogue;
use tfplugin::{AttrPath, Attribute, Block, DataSource, Diagnostics, Schema, Type, Value};

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

fn function_value(f: &catalogue::Function) -> Value {
    Value::object()
        .with("module", Value::string(f.module))
        .with("module_identifier", Value::string(f.module_identifier))
        .with("function", Value::string(f.function))
        .with("function_identifier", Value::string(f.function_identifier))
        .with("description", Value::string(f.description))
        .with("my_all", Value::Bool(f.my_all))
        .with("report", Value::Bool(f.report))
        .with("customizable", Value::Bool(f.customize.is_some()))
        .with("customize_identifier", Value::opt_string(f.customize))
        .with(
            "allowed_items",
            Value::List(
                f.customize
                    .map(catalogue::allowed_items)
                    .unwrap_or_default()
                    .iter()
                    .map(|i| Value::string(*i))
                    .collect(),
            ),
        )
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
        if let Some(m) = config.get("module").as_str()
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

    async fn read(&self, config: &Value, _diags: &mut Diagnostics) -> Value {
        let module = config
            .get("module")
            .as_str()
            .and_then(catalogue::find_module);
        let functions: Vec<Value> = catalogue::functions()
            .iter()
            .filter(|f| module.is_none_or(|m| m.name == f.module))
            .map(function_value)
            .collect();
        config.clone().with("functions", Value::List(functions))
    }
}
