//! `connectwise_security_role`: a ConnectWise Manage security role
//! (System > Security Roles). The API has no update call, so every argument
//! forces replacement.

use async_trait::async_trait;

use super::common::ids::{numeric_but_not_record_id, parse_record_id, record_id};
use super::common::roles::{ROLE_IMPORT_ID, RoleModel, find_role};
use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::NewSecurityRole;
use tfplugin::{
    ApplyRequest, Attribute, Block, Identity, IdentityAttribute, Model, ReadRequest, Resource,
    Schema, StateResponse, Validator, Value,
};

/// The maximum length ConnectWise allows for `name` and `roleType`.
pub const NAME_MAX: usize = 30;

const FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("roleType", "role_type"),
    ("adminFlag", "admin_flag"),
    ("inactiveFlag", "inactive_flag"),
];

pub struct SecurityRoleResource {
    handle: Handle,
}

impl SecurityRoleResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// The resource's schema (also used by the protocol tests and benchmark).
pub fn role_schema() -> Schema {
    Schema::new(
        Block::new(
            "A ConnectWise Manage security role (System > Security Roles), e.g. the `Umbrella` role \
             that the Umbrella PSA integration's API member uses. ConnectWise offers no update call \
             for roles, so changing any argument replaces the role. Its module permissions are \
             managed with `connectwise_role_permission`.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("The role's record id (numeric, as a string)."),
        )
        .attribute(
            Attribute::string("name")
                .required()
                .requires_replace()
                .validate(Validator::Length { min: 1, max: NAME_MAX })
                .validate(Validator::NotBlank)
                .description("The role name, shown as \"Role ID\" in ConnectWise. At most 30 characters; unique."),
        )
        .attribute(
            Attribute::string("role_type")
                .optional()
                .computed()
                .requires_replace()
                .validate(Validator::Length { min: 0, max: NAME_MAX })
                .description("The role type (API version 2022.2 and later). At most 30 characters."),
        )
        .attribute(
            Attribute::bool("admin_flag")
                .default(Value::Bool(false))
                .requires_replace()
                .description("Whether this is an administrator role. Defaults to `false`."),
        )
        .attribute(
            Attribute::bool("inactive_flag")
                .default(Value::Bool(false))
                .requires_replace()
                .description("Whether the role is inactive. Defaults to `false`."),
        ),
    )
}

#[async_trait]
impl Resource for SecurityRoleResource {
    fn name(&self) -> &'static str {
        "security_role"
    }

    fn schema(&self) -> Schema {
        role_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{id}").attribute(
                IdentityAttribute::string("id")
                    .validate(Validator::Custom(record_id))
                    .description("The role's record id (numeric, as a string)."),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         All in ConnectWise's published API specification:\n\n\
         | Operation | Call |\n|---|---|\n\
         | create | `POST /system/securityroles` |\n\
         | read, import | `GET /system/securityroles/{id}`; import by name uses `GET /system/securityroles?conditions=name=\"...\"` |\n\
         | update | none: the API has no update, so every change replaces the role |\n\
         | delete | `DELETE /system/securityroles/{id}` (refused while an active member uses the role) |\n"
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(plan) = RoleModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        let name = plan.name.as_str().unwrap_or_default().to_string();
        let body = NewSecurityRole {
            name: name.clone(),
            role_type: plan.role_type.into_known(),
            admin_flag: plan.admin_flag.get(),
            inactive_flag: plan.inactive_flag.get(),
        };
        match cw.security_roles().create(&body).await {
            Ok(role) => resp.state = RoleModel::from_role(&role).encode(),
            Err(e) => {
                let exists = e.field_errors().iter().any(|f| f.code == "ObjectExists");
                client_error_on(
                    &mut resp.diags,
                    &format!("create security role {name:?}"),
                    &e,
                    FIELDS,
                );
                if exists {
                    resp.diags.warning(
                        "The role already exists",
                        format!(
                            "A role named {name:?} exists already. To manage it with Terraform, import it:\n  \
                             terraform import connectwise_security_role.<name> {name:?}"
                        ),
                    );
                }
            }
        }
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(state) = RoleModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some(id) = state.record_id() else {
            resp.state = Value::Null;
            return;
        };
        match cw.security_roles().get(id).await {
            Ok(role) => resp.state = RoleModel::from_role(&role).encode(),
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => client_error(&mut resp.diags, &format!("read security role {id}"), &e),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        // Every argument forces replacement, so there is never anything to send.
        resp.state = req.planned.clone();
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(prior) = RoleModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some(id) = prior.record_id() else {
            return;
        };
        match cw.security_roles().delete(id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => client_error(&mut resp.diags, &format!("delete security role {id}"), &e),
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        if id.trim().is_empty() || numeric_but_not_record_id(id) {
            bad_import_id(&mut resp.diags, id, ROLE_IMPORT_ID);
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        match find_role(&cw, id).await {
            Ok(Some(role)) => resp.state = RoleModel::from_role(&role).encode(),
            Ok(None) => resp.diags.error(
                "Cannot import security role",
                format!(
                    "No security role has the id or name {id:?}.{}",
                    if parse_record_id(id).is_some() {
                        ""
                    } else {
                        " Names are matched exactly; `terraform import` also takes the numeric id."
                    }
                ),
            ),
            Err(e) => client_error(&mut resp.diags, &format!("import security role {id:?}"), &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<RoleModel>(&role_schema().block), Ok(()));
    }
}
