//! `connectwise_security_role`: a ConnectWise Manage security role
//! (System > Security Roles). The API has no update call, so every argument
//! forces replacement.

use async_trait::async_trait;

use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::{ConnectWise, Error, NewSecurityRole, SecurityRole};
use tfplugin::{
    ApplyRequest, Attribute, Block, ReadRequest, Resource, Schema, StateResponse, Validator, Value,
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

/// The schema shared by the resource and the data source's attribute docs.
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

/// The Terraform state of a role as ConnectWise returned it.
pub fn role_state(role: &SecurityRole) -> Value {
    Value::object()
        .with("id", Value::string(role.id.to_string()))
        .with("name", Value::string(&role.name))
        .with("role_type", Value::opt_string(role.role_type.clone()))
        .with("admin_flag", Value::Bool(role.admin_flag.unwrap_or(false)))
        .with(
            "inactive_flag",
            Value::Bool(role.inactive_flag.unwrap_or(false)),
        )
}

/// The role an import id names: by id when it is numeric, else by name; `Ok(None)` when none.
pub async fn find_role(cw: &ConnectWise, id_or_name: &str) -> Result<Option<SecurityRole>, Error> {
    match id_or_name.parse::<i32>() {
        Ok(n) => match cw.security_roles().get(n).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        },
        Err(_) => cw.security_roles().find_by_name(id_or_name).await,
    }
}

/// Parses a role id kept in state.
pub fn parse_role_id(v: &Value) -> Option<i32> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_i64().and_then(|i| i32::try_from(i).ok()))
}

#[async_trait]
impl Resource for SecurityRoleResource {
    fn name(&self) -> &'static str {
        "security_role"
    }

    fn schema(&self) -> Schema {
        role_schema()
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
        let plan = &req.planned;
        let name = plan.get("name").as_str().unwrap_or_default().to_string();
        let body = NewSecurityRole {
            name: name.clone(),
            role_type: plan.get("role_type").as_str().map(str::to_string),
            admin_flag: plan.get("admin_flag").as_bool(),
            inactive_flag: plan.get("inactive_flag").as_bool(),
        };
        match cw.security_roles().create(&body).await {
            Ok(role) => resp.state = role_state(&role),
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
        let Some(id) = parse_role_id(req.state.get("id")) else {
            resp.state = Value::Null;
            return;
        };
        match cw.security_roles().get(id).await {
            Ok(role) => resp.state = role_state(&role),
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
        let Some(id) = parse_role_id(req.prior.get("id")) else {
            return;
        };
        match cw.security_roles().delete(id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => client_error(&mut resp.diags, &format!("delete security role {id}"), &e),
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        if id.is_empty() {
            bad_import_id(&mut resp.diags, id, "the role's numeric id or its name");
            return;
        }
        let found = find_role(&cw, id).await;
        match found {
            Ok(Some(role)) => resp.state = role_state(&role),
            Ok(None) => resp.diags.error(
                "Cannot import security role",
                format!("No security role has the id or name {id:?}."),
            ),
            Err(e) => client_error(&mut resp.diags, &format!("import security role {id:?}"), &e),
        }
    }
}
