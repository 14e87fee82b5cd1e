//! `connectwise_role_permission_set`: the authoritative form of
//! `connectwise_role_permission`. One resource per role lists every granted
//! module function; every other function of the role is held at `None`.
//!
//! Refresh puts every granted row of the role into `permission`, so a function
//! granted outside Terraform appears in `terraform plan` as a `permission`
//! block to remove, and apply sets it back to `None`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;

use super::common::ids::parse_record_id;
use super::common::roles::find_role;
use super::config::Handle;
use super::diag::{bad_import_id, client_error};
use super::role_permission::{
    ClaimConflict, Claims, Desired, LEVEL_ATTRS, Paths, check_permission, converge, desired_levels,
    function_of_row, grants_anything, is_customizable, level_value, lookup, parse_level, row_names,
    rows_for_write, tables_value, unknown_function_detail,
};
use api_client::{ConnectWise, Error, Level, SecurityRoleSetting};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, NestedBlock, Nesting, PlanRequest,
    PlanResponse, ReadRequest, Resource, Schema, StateResponse, Type, Validator, Value,
};

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

fn level(name: &str, what: &str) -> Attribute {
    Attribute::string(name)
        .optional()
        .validate(Validator::OneOf(&crate::catalogue::LEVELS))
        .description(&format!(
            "{what} level: `None`, `My` (not on functions without a My/All distinction) or \
             `All`. Null means `None`."
        ))
}

fn schema() -> Schema {
    let permission = Block::new(
        "One granted module function. Functions not listed are held at `None`.",
    )
    .attribute(
        Attribute::string("module")
            .required()
            .description("The module as the security role screen names it, e.g. `Companies`."),
    )
    .attribute(Attribute::string("function").required().description(
        "The module function as the security role screen names it, e.g. `Table Setup` (a \
         trailing `(customize)` may be written or left out).",
    ))
    .attribute(level("add_level", "Add"))
    .attribute(level("edit_level", "Edit"))
    .attribute(level("delete_level", "Delete"))
    .attribute(level("inquire_level", "Inquire"))
    .attribute(
        Attribute::of_type("allowed_tables", Type::set(Type::String))
            .optional()
            .description(
                "The \"Allow access to these\" list of a customizable function, entries written \
                 as the UI shows them (e.g. `Service / Priority`). Null or `[]` means the \
                 allow-list must be empty.",
            ),
    );
    Schema::new(
        Block::new(
            "All module permissions of one ConnectWise Manage security role, authoritatively: \
             the role holds exactly the listed `permission` blocks, and every other module \
             function is planned back to `None`. A function granted outside Terraform shows up \
             in `terraform plan` as a `permission` block to remove. For one function at a time \
             without touching the rest, use `connectwise_role_permission` (never both on the \
             same role).",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("The role id (same as `role_id`)."),
        )
        .attribute(
            Attribute::string("role_id")
                .required()
                .requires_replace()
                .description(
                    "The security role's record id (numeric, as a string), e.g. \
                     `connectwise_security_role.umbrella.id`.",
                ),
        )
        .block(NestedBlock {
            name: "permission".into(),
            block: permission,
            nesting: Nesting::Set,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
        }),
    )
}

const DOC_SECTIONS: &str = "## Which resource to use\n\n\
- **`connectwise_role_permission_set`** (this resource): one resource per role listing every \
  granted function; every other function is held at `None`. Use it for a role that exists for one \
  integration only (such as the Umbrella PSA role), so that an audit is `terraform plan`: a \
  function granted by hand appears as a `permission` block to remove.\n\
- **`connectwise_role_permission`**: one resource per function, leaving the others alone. Use it \
  for roles shared with people or tools that grant further functions.\n\n\
Never manage the same role with both: they would undo each other's changes, so a set on a role \
that a `connectwise_role_permission` manages is an error, as are two \
`connectwise_role_permission_set` resources for the same role with different contents. Moving a \
role from single permissions to a set (or back) in one apply is safe: the resources being \
destroyed leave the rows the new ones take over.\n\n\
Allow-lists: the allow-list of every listed customizable function is enforced (null means empty). \
For a function that is not listed, its levels are enforced (`None`); its allow-list is read and \
emptied only when the function was granted, since an allow-list of a function without access \
grants nothing. The `connectwise_role_permissions` data source lists the rows for reports.\n\n\
## REST calls\n\n\
| Operation | Call |\n|---|---|\n\
| read | `GET /system/securityRoles/{roleId}/settings?pageSize=1000` (one call for all rows); `GET .../settings/{settingId}/customizeItems` [ext] for each customizable function that is listed or granted |\n\
| create, update | the same reads, then only what differs: `PATCH /system/securityRoles/{roleId}/settings/{settingId}` (JSON-Patch `replace` of the levels) [ext] for each row whose levels differ; `POST .../customizeItems` [ext] per missing and `DELETE .../customizeItems/{itemId}` [ext] per extra allow-list entry |\n\
| delete | every listed or granted row back to `None` and its allow-list emptied (only the calls that differ) |\n\
| import | by role id, or by role name through `GET /system/securityroles?conditions=name=\"...\"`; then as read |\n\n\
Calls marked [ext] are **not in the published API specification**. When a server answers one with \
404 or 405, apply fails with an error naming the step to do by hand instead: in ConnectWise Manage \
open System > Security Roles > *role*, set the levels of each function, and click \"customize\" \
next to the function to move entries between \"Allow access to these\" and \"Disallow access to \
these\".\n\n\
## Import\n\n\
By the role's numeric id or its name. Every granted function becomes a `permission` block, with \
all four levels written out; `terraform plan -generate-config-out=generated.tf` on an `import {}` \
block writes them for you.\n";

#[async_trait]
impl Resource for RolePermissionSetResource {
    fn name(&self) -> &'static str {
        "role_permission_set"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        super::role_permission::check_role_id(config, diags);
        let mut seen = BTreeSet::new();
        for elem in config.get("permission").elements() {
            let label = format!(
                "permission {:?}",
                format!(
                    "{} > {}",
                    elem.get("module").as_str().unwrap_or("?"),
                    elem.get("function").as_str().unwrap_or("?")
                )
            );
            let paths = Paths::element("permission", label.clone());
            if let Some(f) = check_permission(elem, &paths, diags)
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
        let planned = &resp.planned;
        if !planned.get("role_id").is_wholly_known() || !planned.get("permission").is_wholly_known()
        {
            return;
        }
        if let Err(d) = self.claim(planned) {
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
        let prior = &req.state;
        let Some(role_id) = prior
            .get("role_id")
            .as_str()
            .and_then(parse_record_id)
            .or_else(|| prior.get("id").as_str().and_then(parse_record_id))
        else {
            resp.state = Value::Null;
            return;
        };
        let rows = match cw.role_settings().list(role_id).await {
            Ok(rows) => rows,
            Err(e) if e.is_not_found() => {
                resp.state = Value::Null;
                return;
            }
            Err(e) => {
                client_error(
                    &mut resp.diags,
                    &format!("read the permissions of security role {role_id}"),
                    &e,
                );
                return;
            }
        };
        match remote_elements(
            &cw,
            role_id,
            &rows,
            prior.get("permission"),
            &mut resp.diags,
        )
        .await
        {
            Ok(elements) => {
                let role = match prior.get("role_id").as_str() {
                    Some(s) => Value::string(s),
                    None => Value::string(role_id.to_string()),
                };
                resp.state = prior
                    .clone()
                    .with("id", Value::string(role_id.to_string()))
                    .with("role_id", role)
                    .with("permission", Value::Set(elements));
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
        let prior = &req.prior;
        let Some(role_id) = prior.get("role_id").as_str().and_then(parse_record_id) else {
            return;
        };
        // Claims are checked under the role's lock: a single permission that claimed a row has
        // written it or will.
        let _role = self.claims.lock_role(role_id).await;
        if let Some(role) = prior.get("role_id").as_str()
            && self.claims.is_claimed(&Claims::role_key(role))
        {
            // Another set of this run takes the role over.
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let rows = match cw.role_settings().list(role_id).await {
            Ok(rows) => rows,
            Err(e) if e.is_not_found() => return,
            Err(e) => {
                client_error(
                    &mut resp.diags,
                    &format!("read the permissions of security role {role_id}"),
                    &e,
                );
                return;
            }
        };
        let listed = listed_functions(prior.get("permission"));
        for row in rows.iter() {
            let f = function_of_row(row);
            let names = row_names(row);
            let is_listed = listed.contains_key(&names);
            if !is_listed && !grants_anything(row) {
                continue;
            }
            if self
                .claims
                .is_claimed(&(role_id.to_string(), names.0, names.1))
            {
                // A connectwise_role_permission of this run takes the row over.
                continue;
            }
            let desired = Desired {
                levels: [Level::None; 4],
                tables: is_customizable(row, f).then(Vec::new),
            };
            if let Err((action, e)) = converge(&cw, role_id, row, &desired).await {
                client_error(&mut resp.diags, &action, &e);
                return;
            }
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
            // Refresh (which Terraform runs right after) fills `permission`.
            Ok(Some(role)) => {
                resp.state = Value::object()
                    .with("id", Value::string(role.id.to_string()))
                    .with("role_id", Value::string(role.id.to_string()))
                    .with("permission", Value::Null);
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
    fn claim(&self, planned: &Value) -> Result<(), String> {
        let Some(role) = planned.get("role_id").as_str() else {
            return Ok(());
        };
        let mut lines: Vec<String> = planned
            .get("permission")
            .elements()
            .iter()
            .map(|e| {
                let levels: Vec<String> = LEVEL_ATTRS
                    .iter()
                    .map(|(a, _)| format!("{a}={}", parse_level(e.get(a))))
                    .collect();
                let tables: BTreeSet<String> = e
                    .get("allowed_tables")
                    .string_elements()
                    .into_iter()
                    .collect();
                format!(
                    "{} > {} {} allowed_tables=[{}]",
                    e.get("module").as_str().unwrap_or_default(),
                    e.get("function").as_str().unwrap_or_default(),
                    levels.join(" "),
                    tables.into_iter().collect::<Vec<_>>().join(", ")
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

    async fn write(&self, req: &ApplyRequest, resp: &mut StateResponse, creating: bool) {
        let planned = &req.planned;
        let Some(role_id) = planned.get("role_id").as_str().and_then(parse_record_id) else {
            resp.diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid role id",
                "role_id must be a numeric security role id.",
            );
            return;
        };
        if let Err(d) = self.claim(planned) {
            resp.diags.attr_error(
                AttrPath::root("role_id"),
                "Conflicting role permission sets",
                d,
            );
            return;
        }
        let mut desired: BTreeMap<(String, String), &Value> = BTreeMap::new();
        for e in planned.get("permission").elements() {
            let module = e.get("module").as_str().unwrap_or_default();
            let function = e.get("function").as_str().unwrap_or_default();
            match lookup(module, function) {
                Some(f) => {
                    desired.insert((f.module.to_string(), f.function.to_string()), e);
                }
                None => {
                    resp.diags.attr_error(
                        AttrPath::root("permission"),
                        "Unknown module function",
                        unknown_function_detail(module, function),
                    );
                    return;
                }
            }
        }
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
        let state = planned
            .clone()
            .with("id", Value::string(role_id.to_string()));
        for row in rows.iter() {
            let f = function_of_row(row);
            let customizable = is_customizable(row, f);
            let d = match desired.get(&row_names(row)) {
                Some(e) => {
                    let tables = e.get("allowed_tables").string_elements();
                    if !customizable && !tables.is_empty() {
                        let (m, f) = row_names(row);
                        resp.diags.attr_error(
                            AttrPath::root("permission"),
                            "Not a customizable function",
                            format!("{m} > {f} has no \"customize\" allow-list on this server."),
                        );
                        return;
                    }
                    Desired {
                        levels: desired_levels(e),
                        tables: customizable.then_some(tables),
                    }
                }
                None if grants_anything(row) => Desired {
                    levels: [Level::None; 4],
                    tables: customizable.then(Vec::new),
                },
                None => continue,
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

/// The prior `permission` elements by catalogue (module, function).
fn listed_functions(permission: &Value) -> BTreeMap<(String, String), &Value> {
    permission
        .elements()
        .iter()
        .filter_map(|e| {
            let f = lookup(e.get("module").as_str()?, e.get("function").as_str()?)?;
            Some(((f.module.to_string(), f.function.to_string()), e))
        })
        .collect()
}

/// The `permission` elements the role holds: every listed function (in the
/// prior's form where it means the same) and every other granted function.
async fn remote_elements(
    cw: &ConnectWise,
    role_id: i32,
    rows: &[SecurityRoleSetting],
    prior: &Value,
    diags: &mut Diagnostics,
) -> Result<Vec<Value>, Error> {
    let listed = listed_functions(prior);
    let mut out = Vec::new();
    for row in rows {
        let key = row_names(row);
        let p = listed.get(&key);
        if p.is_none() && !grants_anything(row) {
            continue;
        }
        let f = function_of_row(row);
        let items = if is_customizable(row, f) {
            match cw
                .role_settings()
                .list_customize_items(role_id, row.id)
                .await
            {
                Ok(items) => Some(items),
                Err(e @ Error::NotSupported { .. }) => {
                    diags.attr_warning(
                        AttrPath::root("permission"),
                        "Cannot check the allow-list",
                        format!("{e}\nThe last known allow-list is kept."),
                    );
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        let elem = match p {
            Some(p) => {
                let mut e = (*p).clone();
                for (attr, field) in LEVEL_ATTRS {
                    let remote = row.level(field).unwrap_or(Level::None);
                    if parse_level(p.get(attr)) != remote {
                        e.set(attr, level_value(Some(remote)));
                    }
                }
                if let Some(items) = &items {
                    e.set(
                        "allowed_tables",
                        tables_value(items, p.get("allowed_tables")),
                    );
                }
                e
            }
            None => {
                let mut e = Value::object()
                    .with("module", Value::string(key.0))
                    .with("function", Value::string(key.1));
                for (attr, field) in LEVEL_ATTRS {
                    e.set(attr, level_value(row.level(field)));
                }
                e.with(
                    "allowed_tables",
                    items
                        .as_deref()
                        .map(|i| tables_value(i, &Value::Null))
                        .unwrap_or(Value::Null),
                )
            }
        };
        out.push(elem);
    }
    Ok(out)
}
