//! Data source `connectwise_security_role`: one role, looked up by name or id.

use async_trait::async_trait;

use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use crate::provider::security_role::role_state;
use tfplugin::{AttrPath, Attribute, Block, DataSource, Diagnostics, Schema, Value};

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
                        .description("The role's record id. Give either `id` or `name`."),
                )
                .attribute(
                    Attribute::string("name")
                        .optional()
                        .computed()
                        .description("The role name (\"Role ID\"); matched case-insensitively. Give either `id` or `name`."),
                )
                .attribute(Attribute::string("role_type").computed().description("The role type."))
                .attribute(Attribute::bool("admin_flag").computed().description("Whether this is an administrator role."))
                .attribute(Attribute::bool("inactive_flag").computed().description("Whether the role is inactive.")),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let id = config.get("id");
        let name = config.get("name");
        if id.is_unknown() || name.is_unknown() {
            return;
        }
        if id.is_null() == name.is_null() {
            diags.attr_error(
                AttrPath::root("name"),
                "Invalid Attribute Combination",
                "Exactly one of `id` or `name` must be set.",
            );
        }
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let found = if let Some(id) = config.get("id").as_str() {
            let Ok(n) = id.parse::<i32>() else {
                diags.attr_error(
                    AttrPath::root("id"),
                    "Invalid id",
                    format!("{id:?} is not a numeric role id."),
                );
                return Value::Null;
            };
            match cw.security_roles().get(n).await {
                Ok(r) => Ok(Some(r)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        } else {
            let name = config.get("name").as_str().unwrap_or_default();
            cw.security_roles().find_by_name(name).await
        };
        match found {
            Ok(Some(role)) => role_state(&role),
            Ok(None) => {
                let (attr, v) = match config.get("id").as_str() {
                    Some(id) => ("id", id.to_string()),
                    None => (
                        "name",
                        config.get("name").as_str().unwrap_or_default().to_string(),
                    ),
                };
                diags.attr_error(
                    AttrPath::root(attr),
                    "Security role not found",
                    format!("No ConnectWise security role has {attr} {v:?}."),
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
