//! `connectwise_role_permission`: one module function of one security role
//! (System > Security Roles > role > module > function): the Add, Edit, Delete
//! and Inquire levels, and for "customize" functions such as System > Table
//! Setup the "Allow access to these" list.
//!
//! Every role has a settings row for every module function as soon as it
//! exists (all levels `None`), so this resource never creates or deletes rows:
//! create and update change the row's levels and allow-list, delete sets them
//! back to `None` and empties the allow-list. The helpers at the end are shared
//! with the authoritative `connectwise_role_permission_set` and the
//! `connectwise_role_permissions` data source.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::common::ids::parse_record_id;
use super::config::Handle;
use super::diag::{bad_import_id, client_error};
use crate::catalogue::{self, Function};
use api_client::{ConnectWise, CustomizeItem, Error, Level, LevelField, SecurityRoleSetting};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, PlanRequest, PlanResponse, ReadRequest,
    Resource, Schema, StateResponse, Type, Validator, Value,
};

/// The level attributes, in UI order, with the API field each maps onto.
pub const LEVEL_ATTRS: [(&str, LevelField); 4] = [
    ("add_level", LevelField::Add),
    ("edit_level", LevelField::Edit),
    ("delete_level", LevelField::Delete),
    ("inquire_level", LevelField::Inquire),
];

/// The suffix the security role screen shows after customizable functions.
const CUSTOMIZE_SUFFIX: &str = "(customize)";

/// Who wants which settings of which role, per provider process, shared by
/// `connectwise_role_permission` (one key per (role id, module, function)) and
/// `connectwise_role_permission_set` (one key per role: [`Claims::role_key`]). Two resources that
/// want different settings for the same row, or a set and a single permission on the same role,
/// are an error instead of a silent fight.
///
/// It also orders writes to one role: a set reads and writes the whole role, so it holds the
/// role exclusively, while single permissions (one row each) share it. A set replacing single
/// permissions in one apply (or the reverse) then never decides on a list read before the
/// other resource's reset.
#[derive(Default)]
pub struct Claims {
    claims: Mutex<BTreeMap<(String, String, String), String>>,
    roles: Mutex<HashMap<String, Arc<tokio::sync::RwLock<()>>>>,
}

/// Why a claim was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ClaimConflict {
    /// The same key was claimed with these other settings.
    Differs(String),
    /// The other kind of resource manages the role: for a set, the first row claimed by a
    /// `connectwise_role_permission` (`Module > Function`); for a row, the set's settings.
    OtherKind(String),
}

impl Claims {
    /// The key of a whole role (a `connectwise_role_permission_set`).
    pub fn role_key(role: &str) -> (String, String, String) {
        (role.to_string(), String::new(), String::new())
    }

    /// Records `fingerprint` for `key`, unless a different one was recorded for it or the other
    /// kind of resource manages the same role.
    pub fn claim(
        &self,
        key: (String, String, String),
        fingerprint: String,
    ) -> Result<(), ClaimConflict> {
        let mut map = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = map.get(&key) {
            return if *existing == fingerprint {
                Ok(())
            } else {
                Err(ClaimConflict::Differs(existing.clone()))
            };
        }
        let role_key = Self::role_key(&key.0);
        let other = if key == role_key {
            map.range(role_key..)
                .take_while(|((role, _, _), _)| *role == key.0)
                .find(|((_, module, _), _)| !module.is_empty())
                .map(|((_, module, function), _)| format!("{module} > {function}"))
        } else {
            map.get(&role_key).cloned()
        };
        if let Some(other) = other {
            return Err(ClaimConflict::OtherKind(other));
        }
        map.insert(key, fingerprint);
        Ok(())
    }

    /// Whether some resource planned in this process wants settings for `key`.
    pub fn is_claimed(&self, key: &(String, String, String)) -> bool {
        self.claims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(key)
    }

    fn role_lock(&self, role_id: i32) -> Arc<tokio::sync::RwLock<()>> {
        self.roles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(role_id.to_string())
            .or_default()
            .clone()
    }

    /// Held by a single permission while it reads and writes its row.
    pub async fn lock_row(&self, role_id: i32) -> tokio::sync::OwnedRwLockReadGuard<()> {
        self.role_lock(role_id).read_owned().await
    }

    /// Held by a set while it reads and writes the role.
    pub async fn lock_role(&self, role_id: i32) -> tokio::sync::OwnedRwLockWriteGuard<()> {
        self.role_lock(role_id).write_owned().await
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

/// A level attribute: `None`, `My` or `All`, defaulting to `None`.
pub fn level_attribute(name: &str, what: &str, with_default: bool) -> Attribute {
    let a = Attribute::string(name).validate(Validator::OneOf(&catalogue::LEVELS));
    let a = if with_default {
        a.default(Value::string("None"))
    } else {
        a.optional()
    };
    let null_means = if with_default {
        "Defaults to `None`."
    } else {
        "Null means `None`."
    };
    a.description(&format!(
        "{what} level: `None` (no access), `My` (only records the member owns; not on functions \
         without a My/All distinction, such as System > Table Setup) or `All`. {null_means}"
    ))
}

const ALLOWED_TABLES_DOC: &str = "The function's \"Allow access to these\" list, for \"customize\" functions only \
     (e.g. System > Table Setup, Companies > Configurations; see the `customizable` column of the \
     `connectwise_security_modules` data source). Entries are written as the UI shows them, for \
     Table Setup `Group / Table` such as `Service / Priority`. Entries not listed stay in \
     \"Disallow access to these\". Null (or `[]`) on a customizable function means the allow-list \
     must be empty; entries added outside Terraform then show as drift.";

fn schema() -> Schema {
    Schema::new(
        Block::new(
            "The permission levels of one module function of a ConnectWise Manage security role \
             (System > Security Roles > role > module > function), and for \"customize\" functions \
             such as System > Table Setup the allow-list. ConnectWise keeps a row for every module \
             function of every role (all levels `None` at first); this resource sets one row, and \
             destroying it sets the levels back to `None` and empties the allow-list. Use one \
             resource per granted function; functions without a resource stay as they are. To make \
             a role hold exactly a given set of permissions and nothing else, use \
             `connectwise_role_permission_set` instead (never both on the same role).",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("`<role_id>/<setting_id>`."),
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
        .attribute(
            Attribute::string("module")
                .required()
                .requires_replace()
                .description(
                    "The module as the security role screen names it, e.g. `Companies`, \
                     `Service Desk`, `System` (case-sensitive; see the \
                     `connectwise_security_modules` data source).",
                ),
        )
        .attribute(
            Attribute::string("function")
                .required()
                .requires_replace()
                .description(
                    "The module function as the security role screen names it, e.g. \
                     `Service Tickets` or `Table Setup` (a trailing `(customize)` may be written \
                     or left out; case-sensitive). An unknown name is rejected at plan time with \
                     the closest matches.",
                ),
        )
        .attribute(level_attribute("add_level", "Add", true))
        .attribute(level_attribute("edit_level", "Edit", true))
        .attribute(level_attribute("delete_level", "Delete", true))
        .attribute(level_attribute("inquire_level", "Inquire", true))
        .attribute(
            Attribute::of_type("allowed_tables", Type::set(Type::String))
                .optional()
                .description(ALLOWED_TABLES_DOC),
        )
        .attribute(
            Attribute::string("setting_id")
                .computed()
                .use_state_for_unknown()
                .description("The id of the role's settings row for this function."),
        )
        .attribute(
            Attribute::string("module_identifier")
                .computed()
                .use_state_for_unknown()
                .description(
                    "The module's identifier as ConnectWise returns it, e.g. `ServiceDesk`.",
                ),
        )
        .attribute(
            Attribute::string("function_identifier")
                .computed()
                .use_state_for_unknown()
                .description(
                    "The function's identifier as ConnectWise returns it \
                     (`moduleFunctionIdentifier`), e.g. `TableSetup`.",
                ),
        ),
    )
}

#[async_trait]
impl Resource for RolePermissionResource {
    fn name(&self) -> &'static str {
        "role_permission"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_role_id(config, diags);
        check_permission(config, &Paths::root(), diags);
    }

    async fn modify_plan(&self, _req: &PlanRequest, resp: &mut PlanResponse) {
        // Claim the row as soon as everything that identifies and describes it is known
        // (the role id is unknown while the role is being created; create claims then).
        let planned = &resp.planned;
        let known = ["role_id", "module", "function", "allowed_tables"]
            .iter()
            .chain(LEVEL_ATTRS.iter().map(|(a, _)| a))
            .all(|a| planned.get(a).is_wholly_known());
        if !known {
            return;
        }
        if let Err(d) = self.claim(planned) {
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
        let prior = &req.state;
        let Some((role_id, setting_id)) = parse_id(prior) else {
            resp.state = Value::Null;
            return;
        };
        match load(&cw, role_id, Some(setting_id), None, prior, &mut resp.diags).await {
            Ok(Some(state)) => resp.state = state,
            Ok(None) => resp.state = Value::Null,
            Err(e) => client_error(
                &mut resp.diags,
                &format!("read the permissions of security role {role_id}"),
                &e,
            ),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        self.write(req, resp, false).await;
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let prior = &req.prior;
        let Some((role_id, setting_id)) = parse_id(prior) else {
            return;
        };
        // Checked under the role's lock: a set that claimed the role has written it or will.
        let _role = self.claims.lock_row(role_id).await;
        if let Some(key) = claim_key(prior)
            && (self.claims.is_claimed(&key) || self.claims.is_claimed(&Claims::role_key(&key.0)))
        {
            // Another resource of this run (a permission or the role's set) takes the row
            // over; resetting it here could undo that resource's settings.
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
        let Some(row) = rows.iter().find(|r| r.id == setting_id) else {
            return;
        };
        let f = function_of_row(row);
        let customizable = is_customizable(row, f);
        let desired = Desired {
            levels: [Level::None; 4],
            tables: customizable.then(Vec::new),
        };
        if let Err((action, e)) = converge(&cw, role_id, row, &desired).await {
            client_error(&mut resp.diags, &action, &e);
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        const FORMS: &str = "`<role_id>/<setting_id>` (e.g. `12/345`) or \
                             `<role name>/<module>/<function>` (e.g. `Umbrella/System/Table Setup`)";
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        // `<role_id>/<setting_id>`
        if let Some((r, s)) = id.split_once('/')
            && let (Ok(role_id), Ok(setting_id)) =
                (r.trim().parse::<i32>(), s.trim().parse::<i32>())
        {
            let prior = Value::object().with("role_id", Value::string(role_id.to_string()));
            match load(
                &cw,
                role_id,
                Some(setting_id),
                None,
                &prior,
                &mut resp.diags,
            )
            .await
            {
                Ok(Some(state)) => resp.state = state,
                Ok(None) => resp.diags.error(
                    "Cannot import role permission",
                    format!("Security role {role_id} has no settings row {setting_id}."),
                ),
                Err(e) => client_error(
                    &mut resp.diags,
                    &format!("import role permission {id:?}"),
                    &e,
                ),
            }
            return;
        }
        // `<role name>/<module>/<function>`: the longest catalogue match at the end.
        let Some((role_name, f)) = split_named_id(id) else {
            bad_import_id(&mut resp.diags, id, FORMS);
            return;
        };
        let role_id = match cw.security_roles().find_by_name(role_name).await {
            Ok(Some(role)) => role.id,
            Ok(None) => match role_name.parse::<i32>() {
                Ok(n) => n,
                Err(_) => {
                    resp.diags.error(
                        "Cannot import role permission",
                        format!("No security role is named {role_name:?}."),
                    );
                    return;
                }
            },
            Err(e) => {
                client_error(
                    &mut resp.diags,
                    &format!("look up security role {role_name:?}"),
                    &e,
                );
                return;
            }
        };
        let prior = Value::object().with("role_id", Value::string(role_id.to_string()));
        match load(&cw, role_id, None, Some(f), &prior, &mut resp.diags).await {
            Ok(Some(state)) => resp.state = state,
            Ok(None) => resp.diags.error(
                "Cannot import role permission",
                format!(
                    "Security role {role_name:?} has no row for {} > {}.",
                    f.module, f.function
                ),
            ),
            Err(e) => client_error(
                &mut resp.diags,
                &format!("import role permission {id:?}"),
                &e,
            ),
        }
    }
}

impl RolePermissionResource {
    /// Records this plan's claim on its row; the error names both settings.
    fn claim(&self, planned: &Value) -> Result<(), String> {
        let Some(key) = claim_key(planned) else {
            return Ok(());
        };
        let mine = fingerprint(planned);
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

    /// Create and update: one settings GET, then only the calls that differ.
    async fn write(&self, req: &ApplyRequest, resp: &mut StateResponse, creating: bool) {
        let planned = &req.planned;
        let Some(role_id) = planned.get("role_id").as_str().and_then(parse_record_id) else {
            resp.diags.attr_error(
                AttrPath::root("role_id"),
                "Invalid role id",
                format!(
                    "role_id must be a numeric security role id, got {}.",
                    show(planned.get("role_id"))
                ),
            );
            return;
        };
        let module = planned.get("module").as_str().unwrap_or_default();
        let function = planned.get("function").as_str().unwrap_or_default();
        let Some(f) = lookup(module, function) else {
            resp.diags.attr_error(
                AttrPath::root("function"),
                "Unknown module function",
                unknown_function_detail(module, function),
            );
            return;
        };
        if let Err(d) = self.claim(planned) {
            resp.diags.attr_error(
                AttrPath::root("function"),
                "Conflicting role permissions",
                d,
            );
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let _role = self.claims.lock_row(role_id).await;
        let Some(rows) = rows_for_write(&cw, role_id, &mut resp.diags).await else {
            return;
        };
        let Some(row) = find_row(&rows, f) else {
            resp.diags.attr_error(
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
            return;
        };
        let tables = planned.get("allowed_tables").string_elements();
        let customizable = is_customizable(row, Some(f));
        if !customizable && !tables.is_empty() {
            resp.diags.attr_error(
                AttrPath::root("allowed_tables"),
                "Not a customizable function",
                format!(
                    "{} > {} has no \"customize\" allow-list on this server; remove allowed_tables.",
                    f.module, f.function
                ),
            );
            return;
        }
        let desired = Desired {
            levels: desired_levels(planned),
            tables: customizable.then_some(tables),
        };
        let state = planned
            .clone()
            .with("id", Value::string(format!("{role_id}/{}", row.id)))
            .with("setting_id", Value::string(row.id.to_string()))
            .with(
                "module_identifier",
                Value::string(
                    row.module_identifier
                        .clone()
                        .unwrap_or_else(|| f.module_identifier.to_string()),
                ),
            )
            .with(
                "function_identifier",
                Value::string(
                    row.module_function_identifier
                        .clone()
                        .unwrap_or_else(|| f.function_identifier.to_string()),
                ),
            );
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

const DOC_SECTIONS: &str = "## Which resource to use\n\n\
- **`connectwise_role_permission`** (this resource): one resource per granted function. Functions \
  without a resource are left as they are. Use it when the role is shared with other tooling or \
  people who grant further functions by hand, or when you want one plan line per function.\n\
- **`connectwise_role_permission_set`**: one resource per role that lists every granted function; \
  every other function is planned back to `None`. Use it when the role exists only for one \
  integration (such as the Umbrella PSA role) and must hold exactly these permissions: a function \
  granted outside Terraform then shows up in `terraform plan`.\n\n\
Never manage the same role with both: they would undo each other's changes, so a \
`connectwise_role_permission` on a role that a `connectwise_role_permission_set` manages is an error, \
as are two `connectwise_role_permission` resources for the same role and function with different \
settings: at plan time, or at apply time when the role is created in the same run. Moving a role \
from these resources to a set (or back) in one apply is safe: the resources being destroyed leave \
the rows the new ones take over.\n\n\
## The Umbrella PSA role\n\n\
Steps 2 and 3 of the manual setup (Companies > Company Maintenance: Inquire All; Companies > \
Configurations, Service Desk > Service Tickets and System > Table Setup: Add, Edit and Inquire All; \
Table Setup allowing exactly `Company / Configuration`, `Service / Priority` and \
`Service / Service Board`) are four resources, see the example above.\n\n\
## REST calls\n\n\
| Operation | Call |\n|---|---|\n\
| read | `GET /system/securityRoles/{roleId}/settings?pageSize=1000` (one call for all rows); for customizable functions also `GET .../settings/{settingId}/customizeItems` [ext] |\n\
| create, update | the same settings `GET`, then only what differs: `PATCH /system/securityRoles/{roleId}/settings/{settingId}` with JSON-Patch `replace` of `addLevel`, `editLevel`, `deleteLevel`, `inquireLevel` [ext]; for customizable functions `GET .../customizeItems` [ext], `POST .../customizeItems` for each missing entry [ext], `DELETE .../customizeItems/{itemId}` for each extra entry [ext] |\n\
| delete | the settings `GET`, then the `PATCH` back to `None` and the `DELETE`s that empty the allow-list, only where needed [ext] |\n\
| import | `GET /system/securityroles?conditions=name=\"...\"` for the `<role name>/...` form, then as read |\n\n\
Calls marked [ext] are **not in the published API specification** (ConnectWise 2025.1 documents \
reading role settings but not writing them, nor the customize allow-lists). When a server answers \
such a call with 404 or 405, the apply fails with an error that names the step to do by hand \
instead: in ConnectWise Manage open System > Security Roles > *role*, set the Add, Edit, Delete and \
Inquire levels of the function, and for Table Setup click \"customize\" and move the entries into \
\"Allow access to these\". When only reading the allow-list is unavailable, refresh keeps the last \
known allow-list and warns.\n\n\
## Import\n\n\
Two id forms: `<role_id>/<setting_id>`, or `<role name>/<module>/<function>` (the role name may \
contain `/`; the module and function are matched against the catalogue from the right). An empty \
allow-list imports as null.\n";

// ---------------------------------------------------------------------------
// Shared helpers (also used by the permission set and the data sources).

/// Where the attributes of one permission live in a configuration.
pub struct Paths {
    base: Option<AttrPath>,
    label: String,
}

impl Paths {
    /// Top-level attributes (`connectwise_role_permission`).
    pub fn root() -> Paths {
        Paths {
            base: None,
            label: String::new(),
        }
    }

    /// Attributes of one element of a block set: diagnostics go on the block
    /// and name the element (set elements have no stable index).
    pub fn element(block: &str, label: String) -> Paths {
        Paths {
            base: Some(AttrPath::root(block)),
            label,
        }
    }

    fn path(&self, attr: &str) -> AttrPath {
        match &self.base {
            Some(p) => p.clone(),
            None => AttrPath::root(attr),
        }
    }

    fn name(&self, attr: &str) -> String {
        if self.label.is_empty() {
            attr.to_string()
        } else {
            format!("{} {attr}", self.label)
        }
    }
}

/// A catalogue function by its exact module and function names (a trailing
/// "(customize)" on the function is ignored).
pub fn lookup(module: &str, function: &str) -> Option<&'static Function> {
    let function = function
        .strip_suffix(CUSTOMIZE_SUFFIX)
        .map(str::trim_end)
        .unwrap_or(function);
    catalogue::functions()
        .iter()
        .find(|f| f.module == module && f.function == function)
}

/// The error text for a module/function pair the catalogue does not know.
pub fn unknown_function_detail(module: &str, function: &str) -> String {
    let mut hints = catalogue::suggest(module, function);
    if let Some(f) = catalogue::find_ignore_case(module, function) {
        let exact = format!("{} > {}", f.module, f.function);
        hints.retain(|h| *h != exact);
        hints.insert(0, exact);
    }
    let hint = if hints.is_empty() {
        let modules: Vec<&str> = catalogue::modules().iter().map(|m| m.name).collect();
        format!(
            " The modules are: {}. The connectwise_security_modules data source lists every \
             function.",
            modules.join(", ")
        )
    } else {
        format!(" Did you mean: {}?", hints.join("; "))
    };
    format!(
        "{module} > {function} is not a ConnectWise module function (names are case-sensitive).{hint}"
    )
}

/// Plan-time checks of one permission (module, function, levels, allowed_tables)
/// against the catalogue; unknown values are skipped. Answers the function.
pub fn check_permission(
    config: &Value,
    paths: &Paths,
    diags: &mut Diagnostics,
) -> Option<&'static Function> {
    let (Some(module), Some(function)) = (
        config.get("module").as_str(),
        config.get("function").as_str(),
    ) else {
        return None;
    };
    let Some(f) = lookup(module, function) else {
        diags.attr_error(
            paths.path("function"),
            "Unknown module function",
            format!(
                "Attribute {}: {}",
                paths.name("function"),
                unknown_function_detail(module, function)
            ),
        );
        return None;
    };
    for (attr, _) in LEVEL_ATTRS {
        if config.get(attr).as_str() == Some("My") && !f.my_all {
            diags.attr_error(
                paths.path(attr),
                "Level not available for this function",
                format!(
                    "Attribute {}: {} > {} has no My/All distinction, so its levels are None or \
                     All; \"My\" is not allowed.",
                    paths.name(attr),
                    f.module,
                    f.function
                ),
            );
        }
    }
    let tables = config.get("allowed_tables");
    let items: Vec<String> = tables.string_elements();
    if !items.is_empty() {
        match f.customize {
            None => {
                let customizable: Vec<&str> = catalogue::functions()
                    .iter()
                    .filter(|c| c.module == f.module && c.customize.is_some())
                    .map(|c| c.function)
                    .collect();
                let hint = if customizable.is_empty() {
                    String::new()
                } else {
                    format!(
                        " The customizable functions of {} are: {}.",
                        f.module,
                        customizable.join(", ")
                    )
                };
                diags.attr_error(
                    paths.path("allowed_tables"),
                    "Not a customizable function",
                    format!(
                        "Attribute {}: {} > {} has no \"customize\" allow-list; remove \
                         allowed_tables.{hint}",
                        paths.name("allowed_tables"),
                        f.module,
                        f.function
                    ),
                );
            }
            Some(customize_id) => {
                let allowed = catalogue::allowed_items(customize_id);
                for item in &items {
                    if allowed.contains(&item.as_str()) {
                        continue;
                    }
                    let hints = catalogue::suggest_items(customize_id, item);
                    let hint = if hints.is_empty() {
                        " The connectwise_security_modules data source lists the allowed items."
                            .to_string()
                    } else {
                        format!(" Did you mean: {}?", hints.join("; "))
                    };
                    let path = match &paths.base {
                        Some(p) => p.clone(),
                        None => AttrPath::root("allowed_tables").key(item),
                    };
                    diags.attr_error(
                        path,
                        "Unknown allow-list entry",
                        format!(
                            "Attribute {}: {item:?} is not an entry of the {} > {} allow-list \
                             (entries are written as the UI shows them, e.g. \"Service / \
                             Priority\").{hint}",
                            paths.name("allowed_tables"),
                            f.module,
                            f.function
                        ),
                    );
                }
            }
        }
    }
    Some(f)
}

/// The catalogue function of a settings row (by identifiers, then by names).
pub fn function_of_row(row: &SecurityRoleSetting) -> Option<&'static Function> {
    if let (Some(m), Some(f)) = (&row.module_identifier, &row.module_function_identifier)
        && let Some(found) = catalogue::functions()
            .iter()
            .find(|c| c.module_identifier == m && c.function_identifier == f)
    {
        return Some(found);
    }
    match (&row.module_name, &row.module_function_name) {
        (Some(m), Some(f)) => lookup(m, f),
        _ => None,
    }
}

/// The row of `f` among a role's settings (by names, then by identifiers).
pub fn find_row<'a>(
    rows: &'a [SecurityRoleSetting],
    f: &Function,
) -> Option<&'a SecurityRoleSetting> {
    rows.iter()
        .find(|r| {
            r.module_name.as_deref() == Some(f.module)
                && r.module_function_name.as_deref() == Some(f.function)
        })
        .or_else(|| {
            rows.iter().find(|r| {
                r.module_identifier.as_deref() == Some(f.module_identifier)
                    && r.module_function_identifier.as_deref() == Some(f.function_identifier)
            })
        })
}

/// Whether the row has a customize allow-list (the server's flag, else the catalogue's).
pub fn is_customizable(row: &SecurityRoleSetting, f: Option<&Function>) -> bool {
    row.custom_flag
        .unwrap_or_else(|| f.is_some_and(|f| f.customize.is_some()))
}

/// The module and function names of a row (catalogue spelling when known).
pub fn row_names(row: &SecurityRoleSetting) -> (String, String) {
    match function_of_row(row) {
        Some(f) => (f.module.to_string(), f.function.to_string()),
        None => (
            row.module_name.clone().unwrap_or_default(),
            row.module_function_name.clone().unwrap_or_default(),
        ),
    }
}

/// A level as state holds it; a missing level reads `None`.
pub fn level_value(level: Option<Level>) -> Value {
    Value::string(level.unwrap_or(Level::None).as_str())
}

/// A level attribute's value; null (unset) means `None`.
pub fn parse_level(v: &Value) -> Level {
    match v.as_str() {
        Some("My") => Level::My,
        Some("All") => Level::All,
        Some("None") | None => Level::None,
        Some(_) => Level::Unknown,
    }
}

/// Whether a row grants anything (any level other than `None`).
pub fn grants_anything(row: &SecurityRoleSetting) -> bool {
    LevelField::ALL
        .iter()
        .any(|f| row.level(*f).unwrap_or(Level::None) != Level::None)
}

/// The four desired levels of a permission object.
pub fn desired_levels(v: &Value) -> [Level; 4] {
    LEVEL_ATTRS.map(|(attr, _)| parse_level(v.get(attr)))
}

/// What one row must hold.
pub struct Desired {
    pub levels: [Level; 4],
    /// The allow-list, or `None` to leave it alone (not customizable, or not managed).
    pub tables: Option<Vec<String>>,
}

/// Brings one row to `desired` with only the calls that differ: one PATCH of the
/// levels that differ, and for the allow-list one GET, a POST per missing entry
/// and a DELETE per extra one. The error says what was being done.
pub async fn converge(
    cw: &ConnectWise,
    role_id: i32,
    row: &SecurityRoleSetting,
    desired: &Desired,
) -> Result<(), (String, Error)> {
    let (module, function) = row_names(row);
    let what = format!("{module} > {function} of security role {role_id}");
    let changes: Vec<(LevelField, Level)> = LEVEL_ATTRS
        .iter()
        .zip(desired.levels)
        .filter(|((_, field), want)| row.level(*field).unwrap_or(Level::None) != *want)
        .map(|((_, field), want)| (*field, want))
        .collect();
    if !changes.is_empty() {
        cw.role_settings()
            .update_levels(role_id, row.id, &changes)
            .await
            .map_err(|e| (format!("set the levels of {what}"), e))?;
    }
    let Some(tables) = &desired.tables else {
        return Ok(());
    };
    let items = cw
        .role_settings()
        .list_customize_items(role_id, row.id)
        .await
        .map_err(|e| (format!("read the allow-list of {what}"), e))?;
    let want: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let have: BTreeSet<&str> = items.iter().map(|i| i.item_identifier.as_str()).collect();
    for item in want.difference(&have) {
        cw.role_settings()
            .add_customize_item(role_id, row.id, item)
            .await
            .map_err(|e| (format!("allow {item:?} on {what}"), e))?;
    }
    for item in items
        .iter()
        .filter(|i| !want.contains(i.item_identifier.as_str()))
    {
        cw.role_settings()
            .delete_customize_item(role_id, row.id, item.id)
            .await
            .map_err(|e| (format!("disallow {:?} on {what}", item.item_identifier), e))?;
    }
    Ok(())
}

/// The allow-list as state holds it: the items, or when there are none the
/// prior form (`[]` stays `[]`, null stays null).
pub fn tables_value(items: &[CustomizeItem], prior: &Value) -> Value {
    if items.is_empty() {
        if prior.is_null() {
            Value::Null
        } else {
            Value::Set(Vec::new())
        }
    } else if prior.is_wholly_known()
        && prior
            .string_elements()
            .iter()
            .collect::<BTreeSet<_>>()
            .eq(&items.iter().map(|i| &i.item_identifier).collect())
    {
        prior.clone()
    } else {
        Value::string_set(items.iter().map(|i| i.item_identifier.clone()))
    }
}

/// The role's settings rows before a write; a role that does not exist is an error on `role_id`.
pub async fn rows_for_write(
    cw: &ConnectWise,
    role_id: i32,
    diags: &mut Diagnostics,
) -> Option<Arc<Vec<SecurityRoleSetting>>> {
    match cw.role_settings().list(role_id).await {
        Ok(rows) => Some(rows),
        Err(e) => {
            let action = format!("read the permissions of security role {role_id}");
            if e.is_not_found() {
                diags.attr_error(
                    AttrPath::root("role_id"),
                    format!("Cannot {action}"),
                    format!("Security role {role_id} does not exist in ConnectWise."),
                );
            } else {
                client_error(diags, &action, &e);
            }
            None
        }
    }
}

/// Reads one row (by `setting_id`, else by `f`) into a full state, keeping
/// `prior`'s forms where they mean the same. `Ok(None)`: the role or row is gone.
async fn load(
    cw: &ConnectWise,
    role_id: i32,
    setting_id: Option<i32>,
    f: Option<&'static Function>,
    prior: &Value,
    diags: &mut Diagnostics,
) -> Result<Option<Value>, Error> {
    let rows = match cw.role_settings().list(role_id).await {
        Ok(rows) => rows,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let row = match (setting_id, f) {
        (Some(sid), _) => rows.iter().find(|r| r.id == sid),
        (None, Some(f)) => find_row(&rows, f),
        (None, None) => None,
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let (module, function) = row_names(row);
    let keep = |attr: &str, fallback: String| match prior.get(attr).as_str() {
        Some(s) if !s.is_empty() => Value::string(s),
        _ => Value::string(fallback),
    };
    let f = f.or_else(|| function_of_row(row));
    let mut state = Value::object()
        .with("id", Value::string(format!("{role_id}/{}", row.id)))
        .with("role_id", keep("role_id", role_id.to_string()))
        .with("module", keep("module", module))
        .with("function", keep("function", function))
        .with("setting_id", Value::string(row.id.to_string()))
        .with(
            "module_identifier",
            Value::opt_string(
                row.module_identifier
                    .clone()
                    .or_else(|| f.map(|f| f.module_identifier.to_string())),
            ),
        )
        .with(
            "function_identifier",
            Value::opt_string(
                row.module_function_identifier
                    .clone()
                    .or_else(|| f.map(|f| f.function_identifier.to_string())),
            ),
        );
    for (attr, field) in LEVEL_ATTRS {
        state.set(attr, level_value(row.level(field)));
    }
    let prior_tables = prior.get("allowed_tables");
    let tables = if is_customizable(row, f) {
        match cw
            .role_settings()
            .list_customize_items(role_id, row.id)
            .await
        {
            Ok(items) => tables_value(&items, prior_tables),
            Err(e @ Error::NotSupported { .. }) => {
                diags.attr_warning(
                    AttrPath::root("allowed_tables"),
                    "Cannot check the allow-list",
                    format!("{e}\nThe last known allow-list is kept."),
                );
                prior_tables.clone()
            }
            Err(e) => return Err(e),
        }
    } else {
        prior_tables.clone()
    };
    state.set("allowed_tables", tables);
    Ok(Some(state))
}

/// A known `role_id` must be a security role's numeric record id (caught before any call).
pub fn check_role_id(config: &Value, diags: &mut Diagnostics) {
    let v = config.get("role_id");
    if v.as_str().is_some() && v.as_str().and_then(parse_record_id).is_none() {
        diags.attr_error(
            AttrPath::root("role_id"),
            "Invalid role id",
            format!(
                "role_id must be a security role's numeric record id (e.g. \
                 connectwise_security_role.umbrella.id), got {}.",
                show(v)
            ),
        );
    }
}

/// `(role_id, setting_id)` of a state, from `id` (`<role_id>/<setting_id>`).
fn parse_id(state: &Value) -> Option<(i32, i32)> {
    let (r, s) = state.get("id").as_str()?.split_once('/')?;
    Some((r.parse().ok()?, s.parse().ok()?))
}

/// `<role name>/<module>/<function>`: the longest catalogue "module/function"
/// the id ends with, and the role name before it.
pub fn split_named_id(id: &str) -> Option<(&str, &'static Function)> {
    catalogue::functions()
        .iter()
        .filter_map(|f| {
            let tail = format!("/{}/{}", f.module, f.function);
            let tail_customize = format!("{tail} {CUSTOMIZE_SUFFIX}");
            [tail_customize, tail].into_iter().find_map(|t| {
                id.strip_suffix(&t)
                    .filter(|role| !role.trim().is_empty())
                    .map(|role| (role, f, t.len()))
            })
        })
        .max_by_key(|(_, _, len)| *len)
        .map(|(role, f, _)| (role, f))
}

/// The claim key of a permission: (role id, catalogue module, catalogue function).
fn claim_key(v: &Value) -> Option<(String, String, String)> {
    let role = v.get("role_id").as_str()?;
    let f = lookup(v.get("module").as_str()?, v.get("function").as_str()?)?;
    Some((
        role.to_string(),
        f.module.to_string(),
        f.function.to_string(),
    ))
}

/// The desired settings in one line, e.g. `add_level=All edit_level=All ...`.
fn fingerprint(v: &Value) -> String {
    let mut parts: Vec<String> = LEVEL_ATTRS
        .iter()
        .map(|(attr, _)| format!("{attr}={}", parse_level(v.get(attr))))
        .collect();
    let tables: BTreeSet<String> = v
        .get("allowed_tables")
        .string_elements()
        .into_iter()
        .collect();
    parts.push(format!(
        "allowed_tables=[{}]",
        tables.into_iter().collect::<Vec<_>>().join(", ")
    ));
    parts.join(" ")
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        Value::Unknown => "an unknown value".into(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_import_ids_split_from_the_right() {
        let (role, f) = split_named_id("Umbrella/System/Table Setup").unwrap();
        assert_eq!(role, "Umbrella");
        assert_eq!(f.function, "Table Setup");
        let (role, f) =
            split_named_id("PSA/Umbrella/Companies/Company/Contact Group Maintenance").unwrap();
        assert_eq!(role, "PSA/Umbrella");
        assert_eq!(f.function, "Company/Contact Group Maintenance");
        assert!(split_named_id("System/Table Setup").is_none());
        assert!(split_named_id("Umbrella/System/Nope").is_none());
    }

    #[test]
    fn lookup_ignores_the_customize_suffix_only() {
        assert!(lookup("System", "Table Setup (customize)").is_some());
        assert!(lookup("System", "table setup").is_none());
        let detail = unknown_function_detail("System", "table setup");
        assert!(detail.contains("System > Table Setup"), "{detail}");
    }

    #[test]
    fn claims_conflict_only_on_different_settings() {
        let claims = Claims::default();
        let key = || {
            (
                "1".to_string(),
                "System".to_string(),
                "Table Setup".to_string(),
            )
        };
        assert!(claims.claim(key(), "a".into()).is_ok());
        assert!(claims.claim(key(), "a".into()).is_ok());
        assert_eq!(
            claims.claim(key(), "b".into()),
            Err(ClaimConflict::Differs("a".to_string()))
        );
        assert!(claims.is_claimed(&key()));
    }

    #[test]
    fn a_set_and_a_single_permission_on_one_role_conflict_either_way() {
        let row = |role: &str| {
            (
                role.to_string(),
                "System".to_string(),
                "Table Setup".to_string(),
            )
        };
        let claims = Claims::default();
        assert!(claims.claim(row("1"), "a".into()).is_ok());
        assert_eq!(
            claims.claim(Claims::role_key("1"), "set".into()),
            Err(ClaimConflict::OtherKind("System > Table Setup".into()))
        );
        // Another role is unaffected, in both directions.
        assert!(claims.claim(Claims::role_key("2"), "set".into()).is_ok());
        assert_eq!(
            claims.claim(row("2"), "a".into()),
            Err(ClaimConflict::OtherKind("set".into()))
        );
        // Role "1" and role "10" do not share keys.
        assert!(claims.claim(Claims::role_key("10"), "set".into()).is_ok());
    }

    #[test]
    fn empty_allow_list_keeps_the_prior_form() {
        assert!(tables_value(&[], &Value::Null).is_null());
        assert_eq!(
            tables_value(&[], &Value::Set(Vec::new())),
            Value::Set(Vec::new())
        );
    }
}
