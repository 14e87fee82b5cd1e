//! Data source `connectwise_role_permissions`: every module function row of one
//! security role, with one `GET /system/securityRoles/{roleId}/settings`.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::provider::common::ids::{parse_record_id, record_id};
use crate::provider::common::permissions::{LEVEL_ATTRS, level_name};
use crate::provider::common::settings::{
    function_of_row, grants_anything, is_customizable, list_rows, read_rows_action,
    row_identifiers, row_levels, row_names,
};
use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use api_client::SecurityRoleSetting;
use tfplugin::{
    AttrPath, Attribute, Block, DataSource, Diagnostics, Model, Schema, Type, Val, Validator, Value,
};

/// The data source's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct RolePermissionsModel {
    pub role_id: Val<String>,
    pub granted_only: Val<bool>,
    pub permissions: Val<Vec<RolePermissionRow>>,
}

/// One element of `permissions` (an object, see [`row_type`]).
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct RolePermissionRow {
    pub setting_id: String,
    pub module: String,
    pub module_identifier: Option<String>,
    pub function: String,
    pub function_identifier: Option<String>,
    pub add_level: Val<String>,
    pub edit_level: Val<String>,
    pub delete_level: Val<String>,
    pub inquire_level: Val<String>,
    pub my_all: bool,
    pub customizable: bool,
    pub granted: bool,
}

impl RolePermissionRow {
    /// A settings row as the data source shows it.
    fn from_row(r: &SecurityRoleSetting) -> RolePermissionRow {
        let f = function_of_row(r);
        let (module, function) = row_names(r);
        let (module_identifier, function_identifier) = row_identifiers(r, f);
        let [add_level, edit_level, delete_level, inquire_level] = row_levels(r).map(level_name);
        RolePermissionRow {
            setting_id: r.id.to_string(),
            module,
            module_identifier,
            function,
            function_identifier,
            add_level,
            edit_level,
            delete_level,
            inquire_level,
            my_all: r.my_all_flag.unwrap_or_else(|| f.is_some_and(|f| f.my_all)),
            customizable: is_customizable(r, f),
            granted: grants_anything(r),
        }
    }
}

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
                    .validate(Validator::Custom(record_id))
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
        let Some(config) = RolePermissionsModel::decode_into(config, diags) else {
            return Value::Null;
        };
        let Some(role_id) = config.role_id.as_str().and_then(parse_record_id) else {
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
        let rows = match list_rows(&cw, role_id).await {
            Ok(Some(rows)) => rows,
            Ok(None) => {
                diags.attr_error(
                    AttrPath::root("role_id"),
                    "Security role not found",
                    format!("No ConnectWise security role has id {role_id}."),
                );
                return Value::Null;
            }
            Err(e) => {
                client_error(diags, &read_rows_action(role_id), &e);
                return Value::Null;
            }
        };
        let granted_only = config.granted_only.get().unwrap_or(false);
        let permissions = rows
            .iter()
            .filter(|r| !granted_only || grants_anything(r))
            .map(RolePermissionRow::from_row)
            .collect();
        RolePermissionsModel {
            permissions: Val::Known(permissions),
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
        let schema = RolePermissionsDataSource::new(Handle::default()).schema();
        assert_eq!(check_model::<RolePermissionsModel>(&schema.block), Ok(()));
        assert_eq!(check_object_model::<RolePermissionRow>(&row_type()), Ok(()));
    }
}
