//! `connectwise_role_permission`: one module function of one security role
//! (System > Security Roles > role > module > function): the Add, Edit, Delete
//! and Inquire levels, and for "customize" functions such as System > Table
//! Setup the "Allow access to these" list.
//!
//! Every role has a settings row for every module function as soon as it
//! exists (all levels `None`), so this resource never creates or deletes rows:
//! create and update change the row's levels and allow-list, delete sets them
//! back to `None` and empties the allow-list. What it shares with the
//! authoritative `connectwise_role_permission_set` and the
//! `connectwise_role_permissions` data source lives in `common::permissions`
//! (the permission's attributes and catalogue checks), `common::settings` (the
//! settings rows) and `common::claims` (who manages which row, per-role locks).

mod schema;

use std::sync::Arc;

use async_trait::async_trait;

use crate::catalogue::Function;
use crate::provider::common::claims::{ClaimConflict, ClaimKey};
use crate::provider::common::ids::{numeric_but_not_record_id, parse_id_pair, parse_record_id};
use crate::provider::common::permissions::{
    Paths, Permission, Tables, check_permission, check_role_id, lookup, show, split_named_id,
    unknown_function_detail,
};
use crate::provider::common::settings::{
    Desired, converge, find_row, function_of_row, is_customizable, list_rows, read_allow_list,
    read_rows_action, row_identifiers, row_levels, row_names, rows_for_reset, rows_for_write,
};
use crate::provider::config::Handle;
use crate::provider::diag::{bad_import_id, client_error};
use api_client::{ConnectWise, Error, SecurityRoleSetting};
use schema::{DOC_SECTIONS, identity, schema};
use tfplugin::{
    ApplyRequest, AttrPath, Diagnostics, Identity, Model, PlanRequest, PlanResponse, ReadRequest,
    Resource, Schema, StateResponse, Val, Value,
};

/// The claims shared with `connectwise_role_permission_set`; named here for the provider's
/// constructor (`src/provider/mod.rs`), which builds one for both resources.
pub use crate::provider::common::claims::Claims;

/// The resource's attributes. The permission's own attributes (module to allowed_tables) are
/// the same as a set's `permission` block: [`RolePermissionModel::permission`].
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct RolePermissionModel {
    pub id: Val<String>,
    pub role_id: Val<String>,
    pub module: Val<String>,
    pub function: Val<String>,
    pub add_level: Val<String>,
    pub edit_level: Val<String>,
    pub delete_level: Val<String>,
    pub inquire_level: Val<String>,
    pub allowed_tables: Tables,
    pub setting_id: Val<String>,
    pub module_identifier: Val<String>,
    pub function_identifier: Val<String>,
}

impl RolePermissionModel {
    /// The permission's own attributes.
    pub fn permission(&self) -> Permission {
        Permission {
            module: self.module.clone(),
            function: self.function.clone(),
            add_level: self.add_level.clone(),
            edit_level: self.edit_level.clone(),
            delete_level: self.delete_level.clone(),
            inquire_level: self.inquire_level.clone(),
            allowed_tables: self.allowed_tables.clone(),
        }
    }

    /// This model with the permission's attributes replaced by `p`'s.
    fn with_permission(self, p: Permission) -> RolePermissionModel {
        RolePermissionModel {
            module: p.module,
            function: p.function,
            add_level: p.add_level,
            edit_level: p.edit_level,
            delete_level: p.delete_level,
            inquire_level: p.inquire_level,
            allowed_tables: p.allowed_tables,
            ..self
        }
    }

    /// `(role_id, setting_id)` from `id` (`<role_id>/<setting_id>`).
    fn ids(&self) -> Option<(i32, i32)> {
        parse_id_pair(self.id.as_str()?)
    }

    /// The claim key: (role id, catalogue module, catalogue function).
    fn claim_key(&self) -> Option<ClaimKey> {
        let role = self.role_id.as_str()?;
        let f = self.permission().catalogue_function()?;
        Some((
            role.to_string(),
            f.module.to_string(),
            f.function.to_string(),
        ))
    }
}

pub struct RolePermissionResource {
    handle: Handle,
    claims: Arc<Claims>,
}

impl RolePermissionResource {
    /// `claims` is shared with `connectwise_role_permission_set`.
    pub fn new(handle: Handle, claims: Arc<Claims>) -> Self {
        Self { handle, claims }
    }
}

#[async_trait]
impl Resource for RolePermissionResource {
    fn name(&self) -> &'static str {
        "role_permission"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(identity())
    }

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let Some(config) = RolePermissionModel::decode_into(config, diags) else {
            return;
        };
        check_role_id(&config.role_id, diags);
        check_permission(&config.permission(), &Paths::root(), diags);
    }

    async fn modify_plan(&self, _req: &PlanRequest, resp: &mut PlanResponse) {
        let Some(planned) = RolePermissionModel::decode_into(&resp.planned, &mut resp.diags) else {
            return;
        };
        // Claim the row as soon as everything that identifies and describes it is known
        // (the role id is unknown while the role is being created; create claims then).
        if planned.role_id.is_unknown() || !planned.permission().is_wholly_known() {
            return;
        }
        if let Err(d) = self.claim(&planned) {
            resp.diags.attr_error(
                AttrPath::root("function"),
                "Conflicting role permissions",
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
        let Some(prior) = RolePermissionModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some((role_id, setting_id)) = prior.ids() else {
            resp.state = Value::Null;
            return;
        };
        let at = Row::Setting(setting_id);
        match load(&cw, role_id, at, &prior, &mut resp.diags).await {
            Ok(Some(state)) => resp.state = state.encode(),
            Ok(None) => resp.state = Value::Null,
            Err(e) => client_error(&mut resp.diags, &read_rows_action(role_id), &e),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        self.write(req, resp, false).await;
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(prior) = RolePermissionModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some((role_id, setting_id)) = prior.ids() else {
            return;
        };
        // Checked under the role's lock: a set that claimed the role has written it or will.
        let _role = self.claims.lock_row(role_id).await;
        if let Some(key) = prior.claim_key()
            && (self.claims.is_claimed(&key) || self.claims.is_claimed(&Claims::role_key(&key.0)))
        {
            // Another resource of this run (a permission or the role's set) takes the row
            // over; resetting it here could undo that resource's settings.
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(rows) = rows_for_reset(&cw, role_id, &mut resp.diags).await else {
            return;
        };
        let Some(row) = rows.iter().find(|r| r.id == setting_id) else {
            return;
        };
        let desired = Desired::nothing(is_customizable(row, function_of_row(row)));
        if let Err((action, e)) = converge(&cw, role_id, row, &desired).await {
            client_error(&mut resp.diags, &action, &e);
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        const FORMS: &str = "`<role_id>/<setting_id>` (e.g. `12/345`) or \
                             `<role name>/<module>/<function>` (e.g. `Umbrella/System/Table Setup`)";
        if let Some((role, setting)) = id.split_once('/')
            && (numeric_but_not_record_id(role) || numeric_but_not_record_id(setting))
        {
            bad_import_id(
                &mut resp.diags,
                id,
                &format!("{FORMS}; record ids are greater than 0"),
            );
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        if let Some((role_id, setting_id)) = parse_id_pair(id) {
            let missing = format!("Security role {role_id} has no settings row {setting_id}.");
            import_row(&cw, id, role_id, Row::Setting(setting_id), missing, resp).await;
            return;
        }
        // `<role name>/<module>/<function>`: the longest catalogue match at the end.
        let Some((role_name, f)) = split_named_id(id) else {
            bad_import_id(&mut resp.diags, id, FORMS);
            return;
        };
        let Some(role_id) = role_id_by_name(&cw, role_name, &mut resp.diags).await else {
            return;
        };
        let missing = format!(
            "Security role {role_name:?} has no row for {} > {}.",
            f.module, f.function
        );
        import_row(&cw, id, role_id, Row::Function(f), missing, resp).await;
    }

    /// The identity names the role by record id, so the row is read directly (the import id
    /// `<role>/<module>/<function>` would look the role up by name first).
    async fn import_by_identity(&self, identity: &Value, resp: &mut StateResponse) {
        let text = |name: &str| identity.get(name).as_str().unwrap_or_default().to_string();
        let Some(role_id) = parse_record_id(&text("role_id")) else {
            resp.diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid identity",
                "role_id must be a security role's numeric record id.",
            );
            return;
        };
        // The identity's module and function are checked as a configuration's are.
        let named = Permission {
            module: Val::Known(text("module")),
            function: Val::Known(text("function")),
            ..Permission::default()
        };
        let Some(f) = check_permission(&named, &Paths::root(), &mut resp.diags) else {
            return;
        };
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let id = format!("{role_id}/{}/{}", f.module, f.function);
        let missing = format!(
            "Security role {role_id} has no row for {} > {}.",
            f.module, f.function
        );
        import_row(&cw, &id, role_id, Row::Function(f), missing, resp).await;
    }
}

impl RolePermissionResource {
    /// Records this plan's claim on its row; the error names both settings.
    fn claim(&self, planned: &RolePermissionModel) -> Result<(), String> {
        let Some(key) = planned.claim_key() else {
            return Ok(());
        };
        let mine = planned.permission().fingerprint();
        self.claims
            .claim(key.clone(), mine.clone())
            .map_err(|conflict| match conflict {
                ClaimConflict::Differs(other) => format!(
                    "Two connectwise_role_permission resources manage {} > {} of security role {} \
                     with different settings:\n  {other}\n  {mine}\nConnectWise keeps one row per \
                     role and function, so they would overwrite each other on every apply. Keep one \
                     resource per role and function.",
                    key.1, key.2, key.0
                ),
                ClaimConflict::OtherKind(_) => format!(
                    "Security role {} is managed by a connectwise_role_permission_set, which holds \
                     every function it does not list at None, so this connectwise_role_permission \
                     for {} > {} would be undone on every apply. Add it to the set as a \
                     permission block instead.",
                    key.0, key.1, key.2
                ),
            })
    }

    /// The role id and catalogue function of a plan about to be written, once its claim is
    /// recorded; otherwise the error is in `diags`.
    fn prepare_write(
        &self,
        plan: &RolePermissionModel,
        diags: &mut Diagnostics,
    ) -> Option<(i32, &'static Function)> {
        let Some(role_id) = plan.role_id.as_str().and_then(parse_record_id) else {
            diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid role id",
                format!(
                    "role_id must be a numeric security role id, got {}.",
                    show(&plan.role_id)
                ),
            );
            return None;
        };
        let module = plan.module.as_str().unwrap_or_default();
        let function = plan.function.as_str().unwrap_or_default();
        let Some(f) = lookup(module, function) else {
            diags.attr_error(
                AttrPath::root("function"),
                "Unknown module function",
                unknown_function_detail(module, function),
            );
            return None;
        };
        if let Err(d) = self.claim(plan) {
            diags.attr_error(
                AttrPath::root("function"),
                "Conflicting role permissions",
                d,
            );
            return None;
        }
        Some((role_id, f))
    }

    /// Create and update: one settings GET, then only the calls that differ.
    async fn write(&self, req: &ApplyRequest, resp: &mut StateResponse, creating: bool) {
        let Some(plan) = RolePermissionModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        let Some((role_id, f)) = self.prepare_write(&plan, &mut resp.diags) else {
            return;
        };
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let _role = self.claims.lock_row(role_id).await;
        let Some(rows) = rows_for_write(&cw, role_id, &mut resp.diags).await else {
            return;
        };
        let Some(row) = row_to_write(&rows, role_id, f, &plan, &mut resp.diags) else {
            return;
        };
        let permission = plan.permission();
        let desired = Desired {
            levels: permission.desired_levels(),
            tables: is_customizable(row, Some(f)).then(|| permission.allowed_tables.strings()),
        };
        let (module_identifier, function_identifier) = row_identifiers(row, Some(f));
        let state = RolePermissionModel {
            id: Val::Known(format!("{role_id}/{}", row.id)),
            setting_id: Val::Known(row.id.to_string()),
            module_identifier: module_identifier.into(),
            function_identifier: function_identifier.into(),
            ..plan
        }
        .encode();
        match converge(&cw, role_id, row, &desired).await {
            Ok(()) => resp.state = state,
            Err((action, e)) => {
                client_error(&mut resp.diags, &action, &e);
                if creating {
                    // Keep the object (tainted) so that destroy resets what was written.
                    resp.state = state;
                }
            }
        }
    }
}

/// The row of `f` that a plan writes; an error when the role has none, or when the plan has an
/// allow-list and the server says the function has none.
fn row_to_write<'a>(
    rows: &'a [SecurityRoleSetting],
    role_id: i32,
    f: &Function,
    plan: &RolePermissionModel,
    diags: &mut Diagnostics,
) -> Option<&'a SecurityRoleSetting> {
    let Some(row) = find_row(rows, f) else {
        diags.attr_error(
            AttrPath::root("function"),
            "Module function not found on the role",
            format!(
                "Security role {role_id} has no settings row for {} > {} (the server returned \
                 {} rows).",
                f.module,
                f.function,
                rows.len()
            ),
        );
        return None;
    };
    if !is_customizable(row, Some(f)) && !plan.allowed_tables.strings().is_empty() {
        diags.attr_error(
            AttrPath::root("allowed_tables"),
            "Not a customizable function",
            format!(
                "{} > {} has no \"customize\" allow-list on this server; remove allowed_tables.",
                f.module, f.function
            ),
        );
        return None;
    }
    Some(row)
}

/// The role named in a `<role name>/<module>/<function>` import id; a name that is no role
/// but a record id is taken as the id. `None`: the error is in `diags`.
async fn role_id_by_name(
    cw: &ConnectWise,
    role_name: &str,
    diags: &mut Diagnostics,
) -> Option<i32> {
    match cw.security_roles().find_by_name(role_name).await {
        Ok(Some(role)) => Some(role.id),
        Ok(None) => {
            let id = parse_record_id(role_name);
            if id.is_none() {
                diags.error(
                    "Cannot import role permission",
                    format!("No security role is named {role_name:?}."),
                );
            }
            id
        }
        Err(e) => {
            client_error(diags, &format!("look up security role {role_name:?}"), &e);
            None
        }
    }
}

/// Imports the row `at` of role `role_id`; `missing` is the error when there is none.
async fn import_row(
    cw: &ConnectWise,
    id: &str,
    role_id: i32,
    at: Row,
    missing: String,
    resp: &mut StateResponse,
) {
    let prior = RolePermissionModel {
        role_id: Val::Known(role_id.to_string()),
        ..RolePermissionModel::default()
    };
    match load(cw, role_id, at, &prior, &mut resp.diags).await {
        Ok(Some(state)) => resp.state = state.encode(),
        Ok(None) => resp.diags.error("Cannot import role permission", missing),
        Err(e) => client_error(
            &mut resp.diags,
            &format!("import role permission {id:?}"),
            &e,
        ),
    }
}

/// Which row of a role to read.
#[derive(Clone, Copy)]
enum Row {
    /// By its settings row id.
    Setting(i32),
    /// The row of a catalogue function.
    Function(&'static Function),
}

/// Reads one row into a full state, keeping `prior`'s forms where they mean the same.
/// `Ok(None)`: the role or row is gone.
async fn load(
    cw: &ConnectWise,
    role_id: i32,
    at: Row,
    prior: &RolePermissionModel,
    diags: &mut Diagnostics,
) -> Result<Option<RolePermissionModel>, Error> {
    let Some(rows) = list_rows(cw, role_id).await? else {
        return Ok(None);
    };
    let (row, f) = match at {
        Row::Setting(sid) => (rows.iter().find(|r| r.id == sid), None),
        Row::Function(f) => (find_row(&rows, f), Some(f)),
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let f = f.or_else(|| function_of_row(row));
    let allowed_tables = if is_customizable(row, f) {
        let at = AttrPath::root("allowed_tables");
        match read_allow_list(cw, role_id, row, at, diags).await? {
            Some(items) => Tables::from_items(&items, &prior.allowed_tables),
            None => prior.allowed_tables.clone(),
        }
    } else {
        prior.allowed_tables.clone()
    };
    let keep = |v: &Val<String>, fallback: String| match v.as_str() {
        Some(s) if !s.is_empty() => Val::Known(s.to_string()),
        _ => Val::Known(fallback),
    };
    let (module, function) = row_names(row);
    let mut permission = Permission {
        module: keep(&prior.module, module),
        function: keep(&prior.function, function),
        allowed_tables,
        ..Permission::default()
    };
    permission.set_levels(row_levels(row));
    let (module_identifier, function_identifier) = row_identifiers(row, f);
    let state = RolePermissionModel {
        id: Val::Known(format!("{role_id}/{}", row.id)),
        role_id: keep(&prior.role_id, role_id.to_string()),
        setting_id: Val::Known(row.id.to_string()),
        module_identifier: module_identifier.into(),
        function_identifier: function_identifier.into(),
        ..RolePermissionModel::default()
    };
    Ok(Some(state.with_permission(permission)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<RolePermissionModel>(&schema().block), Ok(()));
    }

    #[test]
    fn state_round_trips_through_the_model() {
        let state = RolePermissionModel {
            id: Val::Known("12/345".into()),
            role_id: Val::Known("12".into()),
            module: Val::Known("System".into()),
            function: Val::Known("Table Setup".into()),
            allowed_tables: Tables::of(["Service / Priority".to_string()]),
            ..RolePermissionModel::default()
        };
        assert_eq!(
            RolePermissionModel::decode(&state.encode()).ok(),
            Some(state.clone())
        );
        assert_eq!(state.ids(), Some((12, 345)));
        assert_eq!(
            state.claim_key(),
            Some(("12".into(), "System".into(), "Table Setup".into()))
        );
    }
}
