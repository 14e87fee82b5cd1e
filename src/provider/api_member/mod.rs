//! `connectwise_api_member`: an API member (System > Members > API Members), the account the
//! Umbrella PSA integration acts as. The API has no DELETE for API members: destroy deactivates
//! the member, and a later create with the same identifier reactivates it.

mod create;
mod model;
mod refs;
mod schema;

use async_trait::async_trait;

use super::common::ids::{numeric_but_not_record_id, parse_record_id, record_id};
use super::common::members::none_if_not_found;
use super::common::nullable::decode_nullable;
use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::{ApiMember, ConnectWise, Error};
use model::{Desired, MemberModel, ref_id};
use refs::{REFS, RefSpec, resolve};
use schema::member_schema;
pub use schema::{IDENTIFIER_MAX, NAME_MAX};
use tfplugin::{
    ApplyRequest, AttrPath, Diagnostics, Identity, IdentityAttribute, Model, PlanRequest,
    PlanResponse, ReadRequest, Resource, Schema, StateResponse, Val, Validator, Value,
};

/// ConnectWise field names → attribute names, for field errors.
const FIELDS: &[(&str, &str)] = &[
    ("identifier", "identifier"),
    ("name", "name"),
    ("emailAddress", "email_address"),
    ("securityRole", "security_role_id"),
    ("structureLevel", "structure_level"),
    ("defaultLocation", "location"),
    ("defaultDepartment", "department"),
    ("timeZone", "time_zone"),
    ("notes", "notes"),
    ("inactiveFlag", "inactive"),
];

pub struct ApiMemberResource {
    handle: Handle,
}

impl ApiMemberResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// Checks that the role exists; errors go on `security_role_id`.
async fn check_role(cw: &ConnectWise, id: i32, diags: &mut Diagnostics) {
    match cw.security_roles().get(id).await {
        Ok(_) => {}
        Err(e) if e.is_not_found() => diags.attr_error(
            AttrPath::root("security_role_id"),
            "Unknown security role",
            format!(
                "No ConnectWise security role has the id {id}. Use the id of an existing role, \
                 e.g. `connectwise_security_role.<name>.id` or \
                 `data.connectwise_security_role.<name>.id`."
            ),
        ),
        Err(e) => client_error(diags, &format!("look up security role {id}"), &e),
    }
}

/// The reference ids a create or update sends: the planned ids when known, else the
/// configured names resolved now, else (`template`) the API member template's values, else
/// the prior state's.
async fn desired_refs(
    cw: &ConnectWise,
    (plan, config, prior): (&MemberModel, &MemberModel, Option<&MemberModel>),
    template: Option<&ApiMember>,
    diags: &mut Diagnostics,
) -> Option<[Option<i32>; 4]> {
    let mut ids = [None; 4];
    for (i, spec) in REFS.iter().enumerate() {
        if let Some(id) = ref_id(spec.fields(plan).1) {
            ids[i] = Some(id);
        } else if let Some(form) = spec.fields(config).0.as_str() {
            ids[i] = Some(resolve(cw, spec, form, diags).await?);
        } else if let Some(t) = template {
            ids[i] = spec.of(t).and_then(|r| r.id);
        } else {
            ids[i] = prior.and_then(|p| ref_id(spec.fields(p).1));
        }
    }
    Some(ids)
}

/// The reference arguments whose configured value is new (all of them on create): the ones
/// the plan resolves.
fn changed_refs<'a>(config: &MemberModel, prior: Option<&MemberModel>) -> Vec<&'a RefSpec> {
    REFS.iter()
        .filter(|s| {
            let form = s.fields(config).0;
            !form.is_null() && prior.is_none_or(|p| form != s.fields(p).0)
        })
        .collect()
}

/// The API member an import id names: by record id when it is one, else by identifier.
async fn find_api_member(cw: &ConnectWise, id: &str) -> Result<Option<ApiMember>, Error> {
    if let Some(n) = parse_record_id(id)
        && let Some(m) = none_if_not_found(cw.api_members().get(n).await)?
    {
        return Ok(Some(m));
    }
    cw.api_members().find_by_identifier(id).await
}

#[async_trait]
impl Resource for ApiMemberResource {
    fn name(&self) -> &'static str {
        "api_member"
    }

    fn schema(&self) -> Schema {
        member_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{id}").attribute(
                IdentityAttribute::string("id")
                    .validate(Validator::Custom(record_id))
                    .description("The API member's record id (numeric, as a string)."),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        "## Deactivation instead of deletion\n\n\
         ConnectWise has no call to delete an API member. `terraform destroy` sets the member's \
         `inactiveFlag`, which stops its API keys from authenticating. Applying the configuration \
         again finds the inactive member by its identifier and reactivates it (a warning says so) \
         instead of creating a duplicate; the member's remaining API keys then work again, so \
         review them in System > Members > API Members > *member* > API Keys.\n\n\
         ## References by name or id\n\n\
         `structure_level`, `location`, `department` and `time_zone` accept a name or a numeric \
         id; the resolved ids are exported as `*_id`. Names are resolved at plan time when they \
         are known then, so a misspelt name fails the plan before anything is created. The state \
         keeps the form written in the configuration as long as it designates the record the \
         member refers to; when the member is changed outside Terraform, the state shows the new \
         record's name and the next plan changes it back. `location` is the member's default \
         location (`defaultLocation`); the security and sales locations a member also has are \
         taken from the template when the member is created and are not managed.\n\n\
         ## REST calls\n\n\
         All in ConnectWise's published API specification:\n\n\
         | Operation | Call |\n|---|---|\n\
         | plan | `GET /system/securityroles/{id}`; `GET /system/locations`, `/system/departments`, `/system/timeZoneSetups`, `/system/myCompany/corporateStructure` (by name, or `/{id}`) for the references that change |\n\
         | create | `GET /system/apiMembers/default` (defaults of omitted references), `GET /system/apiMembers?conditions=identifier=\"...\"`, then `POST /system/apiMembers`, or `PATCH /system/apiMembers/{id}` to reactivate an inactive member |\n\
         | read | `GET /system/apiMembers/{id}` |\n\
         | update | `PATCH /system/apiMembers/{id}` (JSON-Patch `replace` of the changed fields only) |\n\
         | delete | `PATCH /system/apiMembers/{id}` with `inactiveFlag: true` (there is no DELETE) |\n\
         | import | `GET /system/apiMembers/{id}` or `GET /system/apiMembers?conditions=identifier=\"...\"` |\n"
    }

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        let Some(config) = MemberModel::decode_into(&req.config, &mut resp.diags) else {
            return;
        };
        let Some(prior) = decode_nullable::<MemberModel>(&req.prior, &mut resp.diags) else {
            return;
        };
        let role = &config.security_role_id;
        let check_role_id =
            role.is_known() && prior.as_ref().is_none_or(|p| *role != p.security_role_id);
        let changed_refs = changed_refs(&config, prior.as_ref());
        if !check_role_id && changed_refs.is_empty() {
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        if check_role_id && let Some(id) = role.as_str().and_then(parse_record_id) {
            check_role(&cw, id, &mut resp.diags).await;
        }
        if changed_refs.is_empty() {
            return;
        }
        let Some(mut planned) = MemberModel::decode_into(&resp.planned, &mut resp.diags) else {
            return;
        };
        for spec in changed_refs {
            let id = match spec.fields(&config).0.as_str() {
                Some(form) => match resolve(&cw, spec, form, &mut resp.diags).await {
                    Some(id) => Val::Known(i64::from(id)),
                    None => continue,
                },
                // Known only at apply: so is its id.
                None => Val::Unknown,
            };
            *spec.fields_mut(&mut planned).1 = id;
        }
        resp.planned = planned.encode();
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let (Some(plan), Some(config)) = (
            MemberModel::decode_into(&req.planned, &mut resp.diags),
            MemberModel::decode_into(&req.config, &mut resp.diags),
        ) else {
            return;
        };
        let identifier = plan.identifier.as_str().unwrap_or_default().trim();
        let Some(template) = create::template_if_needed(&cw, &plan, &config, &mut resp.diags).await
        else {
            return;
        };
        let models = (&plan, &config, None);
        let Some(refs) = desired_refs(&cw, models, template.as_ref(), &mut resp.diags).await else {
            return;
        };
        let want = Desired {
            refs,
            ..Desired::from_model(&plan)
        };
        let existing = match cw.api_members().find_by_identifier(identifier).await {
            Ok(found) => found,
            Err(e) => {
                let action = format!("look up API member {identifier:?}");
                return client_error(&mut resp.diags, &action, &e);
            }
        };
        let result = match existing {
            Some(m) if !m.inactive_flag.unwrap_or(false) => {
                return create::already_exists(&mut resp.diags, &m);
            }
            Some(m) => {
                match create::reactivate(&cw, &m, &want, identifier, &mut resp.diags).await {
                    Some(result) => result,
                    None => return,
                }
            }
            None => {
                let body = create::new_member(identifier, &want, template.as_ref());
                cw.api_members()
                    .create(&body)
                    .await
                    .map_err(|e| ("create", e))
            }
        };
        match result {
            Ok(member) => resp.state = MemberModel::from_member(&member, Some(&plan)).encode(),
            Err(failure) => create::failed(&mut resp.diags, &failure, identifier),
        }
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(state) = MemberModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some(id) = state.record_id() else {
            resp.state = Value::Null;
            return;
        };
        match cw.api_members().get(id).await {
            Ok(m) => resp.state = MemberModel::from_member(&m, Some(&state)).encode(),
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => client_error(&mut resp.diags, &format!("read API member {id}"), &e),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let (Some(plan), Some(config), Some(prior)) = (
            MemberModel::decode_into(&req.planned, &mut resp.diags),
            MemberModel::decode_into(&req.config, &mut resp.diags),
            MemberModel::decode_into(&req.prior, &mut resp.diags),
        ) else {
            return;
        };
        let Some(id) = prior.record_id() else {
            resp.diags
                .error("Cannot update API member", "The state holds no member id.");
            return;
        };
        let models = (&plan, &config, Some(&prior));
        let Some(refs) = desired_refs(&cw, models, None, &mut resp.diags).await else {
            return;
        };
        let want = Desired {
            refs,
            ..Desired::from_model(&plan)
        };
        let ops = want.patch_from(&Desired::from_model(&prior));
        match cw.api_members().patch(id, ops).await {
            Ok(m) => resp.state = MemberModel::from_member(&m, Some(&plan)).encode(),
            Err(e) => client_error_on(
                &mut resp.diags,
                &format!("update API member {id}"),
                &e,
                FIELDS,
            ),
        }
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(prior) = MemberModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some(id) = prior.record_id() else {
            return;
        };
        match cw.api_members().deactivate(id).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => client_error(&mut resp.diags, &format!("deactivate API member {id}"), &e),
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        if id.is_empty() || id.chars().any(char::is_whitespace) || numeric_but_not_record_id(id) {
            bad_import_id(
                &mut resp.diags,
                id,
                "the API member's record id (a whole number greater than 0) or its identifier \
                 (\"Member ID\", no blanks)",
            );
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        match find_api_member(&cw, id).await {
            Ok(Some(m)) => resp.state = MemberModel::from_member(&m, None).encode(),
            Ok(None) => resp.diags.error(
                "Cannot import API member",
                format!("No API member has the id or identifier {id:?}."),
            ),
            Err(e) => client_error(&mut resp.diags, &format!("import API member {id:?}"), &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<MemberModel>(&member_schema().block), Ok(()));
    }
}
