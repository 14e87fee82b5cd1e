//! Data source `connectwise_security_role`: one role, looked up by name or id.

use async_trait::async_trait;

use crate::provider::common::ids::{parse_record_id, record_id};
use crate::provider::common::roles::RoleModel;
use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use tfplugin::{
    AttrPath, Attribute, Block, DataSource, Diagnostics, Model, Schema, Validator, Value,
};

pub struct SecurityRoleDataSource {
    handle: Handle,
}

impl SecurityRoleDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

#[async_trait]
impl DataSource for SecurityRoleDataSource {
    fn name(&self) -> &'static str {
        "security_role"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Looks up an existing ConnectWise security role by `name` or by `id`.")
                .attribute(
                    Attribute::string("id")
                        .optional()
                        .computed()
                        .validate(Validator::Custom(record_id))
                        .description("The role's record id. Give either `id` or `name`."),
                )
                .attribute(
                    Attribute::string("name")
                        .optional()
                        .computed()
                        .validate(Validator::NotBlank)
                        .description("The role name (\"Role ID\"); matched case-insensitively. Give either `id` or `name`."),
                )
                .attribute(Attribute::string("role_type").computed().description("The role type."))
                .attribute(Attribute::bool("admin_flag").computed().description("Whether this is an administrator role."))
                .attribute(Attribute::bool("inactive_flag").computed().description("Whether the role is inactive."))
                .exactly_one_of(&["name", "id"]),
        )
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let Some(wanted) = RoleModel::decode_into(config, diags) else {
            return Value::Null;
        };
        let (attr, text) = match (wanted.id.as_str(), wanted.name.as_str()) {
            (Some(id), _) => ("id", id),
            (None, Some(name)) => ("name", name),
            (None, None) => return Value::Null,
        };
        let found = if attr == "id" {
            let Some(id) = parse_record_id(text) else {
                diags.attr_error(
                    AttrPath::root("id"),
                    "Invalid id",
                    format!("{text:?} is not a numeric role id greater than 0."),
                );
                return Value::Null;
            };
            match cw.security_roles().get(id).await {
                Ok(role) => Ok(Some(role)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        } else {
            cw.security_roles().find_by_name(text).await
        };
        match found {
            Ok(Some(role)) => RoleModel::from_role(&role).encode(),
            Ok(None) => {
                diags.attr_error(
                    AttrPath::root(attr),
                    "Security role not found",
                    format!("No ConnectWise security role has {attr} {text:?}."),
                );
                Value::Null
            }
            Err(e) => {
                client_error(diags, "look up the security role", &e);
                Value::Null
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::config::Handle;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        let schema = SecurityRoleDataSource::new(Handle::default()).schema();
        assert_eq!(check_model::<RoleModel>(&schema.block), Ok(()));
    }
}
