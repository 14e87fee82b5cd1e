//! Data source `connectwise_role_permissions`: every module function row of one
//! security role, with one `GET /system/securityRoles/{roleId}/settings`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::provider::common::ids::parse_record_id;
use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use crate::provider::role_permission::{
    LEVEL_ATTRS, function_of_row, grants_anything, is_customizable, level_value, row_names,
};
use tfplugin::{AttrPath, Attribute, Block, DataSource, Diagnostics, Schema, Type, Value};

pub struct RolePermissionsDataSource {
    handle: Handle,
}

impl RolePermissionsDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

fn row_type() -> Type {
    let mut fields = BTreeMap::from([
        ("setting_id".to_string(), Type::String),
        ("module".to_string(), Type::String),
        ("module_identifier".to_string(), Type::String),
        ("function".to_string(), Type::String),
        ("function_identifier".to_string(), Type::String),
        ("my_all".to_string(), Type::Bool),
        ("customizable".to_string(), Type::Bool),
        ("granted".to_string(), Type::Bool),
    ]);
    for (attr, _) in LEVEL_ATTRS {
        fields.insert(attr.to_string(), Type::String);
    }
    Type::Object(fields)
}

#[async_trait]
impl DataSource for RolePermissionsDataSource {
    fn name(&self) -> &'static str {
        "role_permissions"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Every module function row of one ConnectWise Manage security role with its four \
                 levels, read with one `GET /system/securityRoles/{roleId}/settings?pageSize=1000` \
                 (in the published API specification). For audits (e.g. a `check` block that no \
                 function outside a list is granted) and `for_each`. Allow-lists are not read \
                 (that would take one call per customizable function); \
                 `connectwise_role_permission` and `connectwise_role_permission_set` manage them.",
            )
            .attribute(
                Attribute::string("role_id")
                    .required()
                    .description("The security role's record id (numeric, as a string)."),
            )
            .attribute(Attribute::bool("granted_only").optional().description(
                "When `true`, only rows with a level other than `None`. Defaults to `false`.",
            ))
            .attribute(
                Attribute::of_type("permissions", Type::list(row_type()))
                    .computed()
                    .description(
                        "The role's rows in the server's order. Each has `setting_id`, `module`, \
                         `module_identifier`, `function`, `function_identifier`, `add_level`, \
                         `edit_level`, `delete_level`, `inquire_level` (`None`, `My` or `All`), \
                         `my_all` (whether `My` applies), `customizable` (whether the function \
                         has a \"customize\" allow-list) and `granted` (whether any level is \
                         not `None`).",
                    ),
            ),
        )
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(role_id) = config.get("role_id").as_str().and_then(parse_record_id) else {
            diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid role id",
                "role_id must be a numeric security role id.",
            );
            return Value::Null;
        };
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let rows = match cw.role_settings().list(role_id).await {
            Ok(rows) => rows,
            Err(e) if e.is_not_found() => {
                diags.attr_error(
                    AttrPath::root("role_id"),
                    "Security role not found",
                    format!("No ConnectWise security role has id {role_id}."),
                );
                return Value::Null;
            }
            Err(e) => {
                client_error(
                    diags,
                    &format!("read the permissions of security role {role_id}"),
                    &e,
                );
                return Value::Null;
            }
        };
        let granted_only = config.get("granted_only").as_bool().unwrap_or(false);
        let out: Vec<Value> = rows
            .iter()
            .filter(|r| !granted_only || grants_anything(r))
            .map(|r| {
                let f = function_of_row(r);
                let (module, function) = row_names(r);
                let mut v = Value::object()
                    .with("setting_id", Value::string(r.id.to_string()))
                    .with("module", Value::string(module))
                    .with(
                        "module_identifier",
                        Value::opt_string(
                            r.module_identifier
                                .clone()
                                .or_else(|| f.map(|f| f.module_identifier.to_string())),
                        ),
                    )
                    .with("function", Value::string(function))
                    .with(
                        "function_identifier",
                        Value::opt_string(
                            r.module_function_identifier
                                .clone()
                                .or_else(|| f.map(|f| f.function_identifier.to_string())),
                        ),
                    )
                    .with(
                        "my_all",
                        Value::Bool(r.my_all_flag.unwrap_or_else(|| f.is_some_and(|f| f.my_all))),
                    )
                    .with("customizable", Value::Bool(is_customizable(r, f)))
                    .with("granted", Value::Bool(grants_anything(r)));
                for (attr, field) in LEVEL_ATTRS {
                    v.set(attr, level_value(r.level(field)));
                }
                v
            })
            .collect();
        config.clone().with("permissions", Value::List(out))
    }
}
