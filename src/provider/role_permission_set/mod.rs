//! `connectwise_role_permission_set`: the authoritative form of
//! `connectwise_role_permission`. One resource per role lists every granted
//! module function; every other function of the role is held at `None`.
//!
//! Refresh puts every granted row of the role into `permission`, so a function
//! granted outside Terraform appears in `terraform plan` as a `permission`
//! block to remove, and apply sets it back to `None`.

mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;

use crate::provider::common::claims::{ClaimConflict, Claims};
use crate::provider::common::ids::{numeric_but_not_record_id, parse_record_id, record_id};
use crate::provider::common::permissions::{
    LEVEL_ATTRS, Paths, Permission, Tables, check_permission, check_role_id, level_name, lookup,
    parse_level, unknown_function_detail,
};
use crate::provider::common::roles::{ROLE_IMPORT_ID, find_role};
use crate::provider::common::settings::{
    Desired, converge, function_of_row, grants_anything, is_customizable, list_rows,
    read_allow_list, read_rows_action, row_levels, row_names, rows_for_reset, rows_for_write,
};
use crate::provider::config::Handle;
use crate::provider::diag::{bad_import_id, client_error};
use api_client::{ConnectWise, Error, Level, SecurityRoleSetting};
use schema::{DOC_SECTIONS, schema};
use tfplugin::{
    ApplyRequest, AttrPath, Diagnostics, Identity, IdentityAttribute, Model, PlanRequest,
    PlanResponse, ReadRequest, Resource, Schema, Set, StateResponse, Val, Validator, Value,
};

/// The resource's attributes; each `permission` block is a [`Permission`].
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct PermissionSetModel {
    pub id: Val<String>,
    pub role_id: Val<String>,
    pub permission: Val<Set<Permission>>,
}

impl PermissionSetModel {
    /// The `permission` blocks (none when null or unknown).
    fn permissions(&self) -> &[Permission] {
        self.permission.known().map_or(&[], |set| &set.0)
    }

    /// The role id as a record id.
    fn record_id(&self) -> Option<i32> {
        self.role_id.as_str().and_then(parse_record_id)
    }

    /// Nothing in it is unknown (null counts as known).
    fn is_wholly_known(&self) -> bool {
        !self.role_id.is_unknown()
            && !self.permission.is_unknown()
            && self.permissions().iter().all(Permission::is_wholly_known)
    }
}

pub struct RolePermissionSetResource {
    handle: Handle,
    claims: Arc<Claims>,
}

impl RolePermissionSetResource {
    /// `claims` is shared with `connectwise_role_permission`.
    pub fn new(handle: Handle, claims: Arc<Claims>) -> Self {
        Self { handle, claims }
    }
}

#[async_trait]
impl Resource for RolePermissionSetResource {
    fn name(&self) -> &'static str {
        "role_permission_set"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{role_id}").attribute(
                IdentityAttribute::string("role_id")
                    .validate(Validator::Custom(record_id))
                    .description("The security role's record id (numeric, as a string)."),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(config) = PermissionSetModel::decode_into(config, diags) else {
            return;
        };
        check_role_id(&config.role_id, diags);
        let mut seen = BTreeSet::new();
        for p in config.permissions() {
            let label = format!(
                "permission {:?}",
                format!(
                    "{} > {}",
                    p.module.as_str().unwrap_or("?"),
                    p.function.as_str().unwrap_or("?")
                )
            );
            let paths = Paths::element("permission", label);
            if let Some(f) = check_permission(p, &paths, diags)
                && !seen.insert((f.module, f.function))
            {
                diags.attr_error(
                    AttrPath::root("permission"),
                    "Duplicate permission",
                    format!(
                        "{} > {} is listed more than once; list each function once.",
                        f.module, f.function
                    ),
                );
            }
        }
    }

    async fn modify_plan(&self, _req: &PlanRequest, resp: &mut PlanResponse) {
        let Some(planned) = PermissionSetModel::decode_into(&resp.planned, &mut resp.diags) else {
            return;
        };
        if !planned.is_wholly_known() {
            return;
        }
        if let Err(d) = self.claim(&planned) {
            resp.diags.attr_error(
                AttrPath::root("role_id"),
                "Conflicting role permission sets",
                d,
            );
        }
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        self.write(req, resp, true).await;
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(prior) = PermissionSetModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some(role_id) = prior
            .record_id()
            .or_else(|| prior.id.as_str().and_then(parse_record_id))
        else {
            resp.state = Value::Null;
            return;
        };
        let rows = match list_rows(&cw, role_id).await {
            Ok(Some(rows)) => rows,
            Ok(None) => {
                resp.state = Value::Null;
                return;
            }
            Err(e) => {
                client_error(&mut resp.diags, &read_rows_action(role_id), &e);
                return;
            }
        };
        let listed = prior.permissions();
        match remote_elements(&cw, role_id, &rows, listed, &mut resp.diags).await {
            Ok(elements) => {
                let role = prior.role_id.as_str().map(str::to_string);
                resp.state = PermissionSetModel {
                    id: Val::Known(role_id.to_string()),
                    role_id: Val::Known(role.unwrap_or_else(|| role_id.to_string())),
                    permission: Val::Known(Set(elements)),
                }
                .encode();
            }
            Err(e) => client_error(
                &mut resp.diags,
                &format!("read the allow-lists of security role {role_id}"),
                &e,
            ),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        self.write(req, resp, false).await;
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(prior) = PermissionSetModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some(role_id) = prior.record_id() else {
            return;
        };
        // Claims are checked under the role's lock: a single permission that claimed a row has
        // written it or will.
        let _role = self.claims.lock_role(role_id).await;
        if let Some(role) = prior.role_id.as_str()
            && self.claims.is_claimed(&Claims::role_key(role))
        {
            // Another set of this run takes the role over.
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(rows) = rows_for_reset(&cw, role_id, &mut resp.diags).await else {
            return;
        };
        let listed = listed_functions(prior.permissions());
        for row in rows.iter() {
            let names = row_names(row);
            if !listed.contains_key(&names) && !grants_anything(row) {
                continue;
            }
            if self
                .claims
                .is_claimed(&(role_id.to_string(), names.0, names.1))
            {
                // A connectwise_role_permission of this run takes the row over.
                continue;
            }
            let desired = Desired::nothing(is_customizable(row, function_of_row(row)));
            if let Err((action, e)) = converge(&cw, role_id, row, &desired).await {
                client_error(&mut resp.diags, &action, &e);
                return;
            }
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
            // Refresh (which Terraform runs right after) fills `permission`.
            Ok(Some(role)) => {
                resp.state = PermissionSetModel {
                    id: Val::Known(role.id.to_string()),
                    role_id: Val::Known(role.id.to_string()),
                    permission: Val::Null,
                }
                .encode();
            }
            Ok(None) => resp.diags.error(
                "Cannot import role permission set",
                format!("No security role has the id or name {id:?}."),
            ),
            Err(e) => client_error(
                &mut resp.diags,
                &format!("import the permissions of security role {id:?}"),
                &e,
            ),
        }
    }
}

impl RolePermissionSetResource {
    fn claim(&self, planned: &PermissionSetModel) -> Result<(), String> {
        let Some(role) = planned.role_id.as_str() else {
            return Ok(());
        };
        let mut lines: Vec<String> = planned
            .permissions()
            .iter()
            .map(|p| {
                format!(
                    "{} > {} {}",
                    p.module.as_str().unwrap_or_default(),
                    p.function.as_str().unwrap_or_default(),
                    p.fingerprint()
                )
            })
            .collect();
        lines.sort();
        let mine = lines.join("; ");
        self.claims
            .claim(Claims::role_key(role), mine.clone())
            .map_err(|conflict| match conflict {
                ClaimConflict::Differs(other) => format!(
                    "Two connectwise_role_permission_set resources manage security role {role} \
                     with different permissions:\n  {other}\n  {mine}\nEach would remove the \
                     other's permissions on every apply. Keep one set per role."
                ),
                ClaimConflict::OtherKind(row) => format!(
                    "A connectwise_role_permission also manages security role {role} ({row}). \
                     The set holds every function it does not list at None, so the two would \
                     undo each other on every apply. Move the connectwise_role_permission \
                     resources of this role into the set's permission blocks, or drop the set."
                ),
            })
    }

    /// The role id of a plan about to be written, once its claim is recorded; otherwise the
    /// error is in `diags`.
    fn prepare_write(&self, plan: &PermissionSetModel, diags: &mut Diagnostics) -> Option<i32> {
        let Some(role_id) = plan.record_id() else {
            diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid role id",
                "role_id must be a numeric security role id.",
            );
            return None;
        };
        if let Err(d) = self.claim(plan) {
            diags.attr_error(
                AttrPath::root("role_id"),
                "Conflicting role permission sets",
                d,
            );
            return None;
        }
        Some(role_id)
    }

    async fn write(&self, req: &ApplyRequest, resp: &mut StateResponse, creating: bool) {
        let Some(plan) = PermissionSetModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        let Some(role_id) = self.prepare_write(&plan, &mut resp.diags) else {
            return;
        };
        let Some(desired) = desired_by_function(plan.permissions(), &mut resp.diags) else {
            return;
        };
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let _role = self.claims.lock_role(role_id).await;
        let Some(rows) = rows_for_write(&cw, role_id, &mut resp.diags).await else {
            return;
        };
        let present: BTreeSet<(String, String)> = rows.iter().map(row_names).collect();
        if let Some((m, f)) = desired.keys().find(|k| !present.contains(*k)) {
            resp.diags.attr_error(
                AttrPath::root("permission"),
                "Module function not found on the role",
                format!("Security role {role_id} has no settings row for {m} > {f}."),
            );
            return;
        }
        let state = PermissionSetModel {
            id: Val::Known(role_id.to_string()),
            ..plan.clone()
        }
        .encode();
        for row in rows.iter() {
            let d = match row_desired(row, &desired, &mut resp.diags) {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(()) => return,
            };
            if let Err((action, e)) = converge(&cw, role_id, row, &d).await {
                client_error(&mut resp.diags, &action, &e);
                if creating {
                    resp.state = state;
                }
                return;
            }
        }
        resp.state = state;
    }
}

/// The planned `permission` blocks by catalogue (module, function); `None` when one names no
/// catalogue function (the error is in `diags`).
fn desired_by_function<'a>(
    permissions: &'a [Permission],
    diags: &mut Diagnostics,
) -> Option<BTreeMap<(String, String), &'a Permission>> {
    let mut desired = BTreeMap::new();
    for p in permissions {
        let module = p.module.as_str().unwrap_or_default();
        let function = p.function.as_str().unwrap_or_default();
        let Some(f) = lookup(module, function) else {
            diags.attr_error(
                AttrPath::root("permission"),
                "Unknown module function",
                unknown_function_detail(module, function),
            );
            return None;
        };
        desired.insert((f.module.to_string(), f.function.to_string()), p);
    }
    Some(desired)
}

/// What one row must hold: its block's settings, or nothing when it grants something without
/// a block; `Ok(None)` leaves the row alone. `Err`: an allow-list on a row without one.
fn row_desired(
    row: &SecurityRoleSetting,
    desired: &BTreeMap<(String, String), &Permission>,
    diags: &mut Diagnostics,
) -> Result<Option<Desired>, ()> {
    let customizable = is_customizable(row, function_of_row(row));
    let Some(p) = desired.get(&row_names(row)) else {
        return Ok(grants_anything(row).then(|| Desired::nothing(customizable)));
    };
    let tables = p.allowed_tables.strings();
    if !customizable && !tables.is_empty() {
        let (m, f) = row_names(row);
        diags.attr_error(
            AttrPath::root("permission"),
            "Not a customizable function",
            format!("{m} > {f} has no \"customize\" allow-list on this server."),
        );
        return Err(());
    }
    Ok(Some(Desired {
        levels: p.desired_levels(),
        tables: customizable.then_some(tables),
    }))
}

/// The prior `permission` blocks by catalogue (module, function).
fn listed_functions(permissions: &[Permission]) -> BTreeMap<(String, String), &Permission> {
    permissions
        .iter()
        .filter_map(|p| {
            let f = p.catalogue_function()?;
            Some(((f.module.to_string(), f.function.to_string()), p))
        })
        .collect()
}

/// The `permission` blocks the role holds: every listed function (in the
/// prior's form where it means the same) and every other granted function.
async fn remote_elements(
    cw: &ConnectWise,
    role_id: i32,
    rows: &[SecurityRoleSetting],
    prior: &[Permission],
    diags: &mut Diagnostics,
) -> Result<Vec<Permission>, Error> {
    let listed = listed_functions(prior);
    let mut out = Vec::new();
    for row in rows {
        let key = row_names(row);
        let p = listed.get(&key);
        if p.is_none() && !grants_anything(row) {
            continue;
        }
        let items = if is_customizable(row, function_of_row(row)) {
            let at = AttrPath::root("permission");
            read_allow_list(cw, role_id, row, at, diags).await?
        } else {
            None
        };
        let elem = match p {
            Some(p) => kept_element(p, row, items.as_deref()),
            None => {
                let mut e = Permission {
                    module: Val::Known(key.0),
                    function: Val::Known(key.1),
                    allowed_tables: items
                        .as_deref()
                        .map(|i| Tables::from_items(i, &Tables::default()))
                        .unwrap_or_default(),
                    ..Permission::default()
                };
                e.set_levels(row_levels(row));
                e
            }
        };
        out.push(elem);
    }
    Ok(out)
}

/// A listed block as the row holds it: the prior's form, with the levels and allow-list that
/// differ replaced (the allow-list only when it was read).
fn kept_element(
    prior: &Permission,
    row: &SecurityRoleSetting,
    items: Option<&[api_client::CustomizeItem]>,
) -> Permission {
    let mut e = prior.clone();
    for (level, (_, field)) in e.levels_mut().into_iter().zip(LEVEL_ATTRS) {
        let remote = row.level(field).unwrap_or(Level::None);
        if parse_level(level) != remote {
            *level = level_name(Some(remote));
        }
    }
    if let Some(items) = items {
        e.allowed_tables = Tables::from_items(items, &prior.allowed_tables);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_models_match_the_schema() {
        let schema = schema();
        assert_eq!(check_model::<PermissionSetModel>(&schema.block), Ok(()));
        let permission = schema.block.blocks.iter().find(|b| b.name == "permission");
        assert_eq!(
            permission.map(|b| check_model::<Permission>(&b.block)),
            Some(Ok(()))
        );
    }

    #[test]
    fn imported_state_has_a_null_permission_set() {
        let v = Value::object()
            .with("id", Value::string("5"))
            .with("role_id", Value::string("5"))
            .with("permission", Value::Null);
        let m = PermissionSetModel::decode(&v).unwrap_or_default();
        assert!(m.permissions().is_empty() && m.is_wholly_known());
        assert_eq!(m.encode(), v);
    }
}
