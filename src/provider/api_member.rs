//! `connectwise_api_member`: an API member (System > Members > API Members), the account the
//! Umbrella PSA integration acts as. The API has no DELETE for API members: destroy deactivates
//! the member, and a later create with the same identifier reactivates it.

use async_trait::async_trait;
use serde_json::json;

use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::{ApiMember, ConnectWise, Error, PatchOp, Reference};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, PlanRequest, PlanResponse, ReadRequest,
    Resource, Schema, StateResponse, Validator, Value,
};

/// The most characters ConnectWise allows in an identifier ("Member ID").
pub const IDENTIFIER_MAX: usize = 15;
/// The most characters ConnectWise allows in an API member's name.
pub const NAME_MAX: usize = 30;

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

/// The kinds of record an API member refers to by name or id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefKind {
    StructureLevel,
    Location,
    Department,
    TimeZone,
}

/// One reference argument: its attribute, its computed id attribute and its API field.
struct RefSpec {
    kind: RefKind,
    attr: &'static str,
    id_attr: &'static str,
    field: &'static str,
    what: &'static str,
}

const REFS: [RefSpec; 4] = [
    RefSpec {
        kind: RefKind::StructureLevel,
        attr: "structure_level",
        id_attr: "structure_level_id",
        field: "structureLevel",
        what: "corporate structure level",
    },
    RefSpec {
        kind: RefKind::Location,
        attr: "location",
        id_attr: "location_id",
        field: "defaultLocation",
        what: "location",
    },
    RefSpec {
        kind: RefKind::Department,
        attr: "department",
        id_attr: "department_id",
        field: "defaultDepartment",
        what: "department",
    },
    RefSpec {
        kind: RefKind::TimeZone,
        attr: "time_zone",
        id_attr: "time_zone_id",
        field: "timeZone",
        what: "time zone",
    },
];

impl RefSpec {
    /// The member's reference for this argument.
    fn of<'a>(&self, m: &'a ApiMember) -> Option<&'a Reference> {
        match self.kind {
            RefKind::StructureLevel => m.structure_level.as_ref(),
            RefKind::Location => m.default_location.as_ref(),
            RefKind::Department => m.default_department.as_ref(),
            RefKind::TimeZone => m.time_zone.as_ref(),
        }
        .filter(|r| r.id.is_some())
    }

    fn set(&self, m: &mut ApiMember, id: Option<i32>) {
        let r = id.map(Reference::id);
        match self.kind {
            RefKind::StructureLevel => m.structure_level = r,
            RefKind::Location => m.default_location = r,
            RefKind::Department => m.default_department = r,
            RefKind::TimeZone => m.time_zone = r,
        }
    }
}

pub struct ApiMemberResource {
    handle: Handle,
}

impl ApiMemberResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// A numeric record id in a string attribute.
pub fn numeric_id(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.trim().parse::<i32>().is_ok_and(|n| n > 0) => Ok(()),
        Some(s) => Err(format!(
            "must be a numeric record id (e.g. `connectwise_security_role.x.id`), got {s:?}."
        )),
        None => Ok(()),
    }
}

fn no_whitespace(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.chars().any(char::is_whitespace) => {
            Err(format!("must not contain spaces, got {s:?}."))
        }
        _ => Ok(()),
    }
}

/// Parses a numeric id kept in a string (or number) attribute.
pub fn parse_id(v: &Value) -> Option<i32> {
    v.as_str()
        .and_then(|s| s.trim().parse().ok())
        .or_else(|| v.as_i64().and_then(|i| i32::try_from(i).ok()))
}

fn reference_attr(spec: &RefSpec, ui: &str, example: &str) -> [Attribute; 2] {
    [
        Attribute::string(spec.attr)
            .optional()
            .computed()
            .use_state_for_unknown()
            .validate(Validator::Length { min: 1, max: 100 })
            .description(&format!(
                "The member's {} (UI \"{ui}\", API field `{}`), by name (e.g. `{example}`, \
                 matched case-insensitively) or by numeric id. When omitted, the value of \
                 ConnectWise's API member template (`GET /system/apiMembers/default`) is used; \
                 removing the argument later keeps the current value.",
                spec.what, spec.field
            )),
        Attribute::number(spec.id_attr)
            .computed()
            .use_state_for_unknown()
            .description(&format!("The record id of `{}`.", spec.attr)),
    ]
}

fn member_schema() -> Schema {
    let mut block = Block::new(
        "An API member of ConnectWise Manage (System > Members > API Members): the account an \
         integration such as the Umbrella PSA integration authenticates as, through the API keys \
         of `connectwise_api_key`. Changes are sent as a minimal JSON-Patch. ConnectWise has no \
         call to delete an API member, so destroying this resource **deactivates** the member; \
         creating a member whose identifier belongs to an inactive member reactivates and updates \
         that member (with a warning) instead of failing, so destroy-then-apply works.",
    )
    .attribute(
        Attribute::string("id")
            .computed()
            .use_state_for_unknown()
            .description("The member's record id (numeric, as a string)."),
    )
    .attribute(
        Attribute::string("identifier")
            .required()
            .requires_replace()
            .validate(Validator::Length {
                min: 1,
                max: IDENTIFIER_MAX,
            })
            .validate(Validator::Custom(no_whitespace))
            .description(
                "The member identifier (UI \"Member ID\"), e.g. `umbrella-psa`: no spaces, \
                 unique among all members. A new identifier means a new member; the old one is \
                 deactivated.",
            ),
    )
    .attribute(
        Attribute::string("name")
            .required()
            .validate(Validator::Length {
                min: 1,
                max: NAME_MAX,
            })
            .description("The member name (UI \"Member Name\")."),
    )
    .attribute(
        Attribute::string("email_address")
            .optional()
            .validate(Validator::Length { min: 1, max: 250 })
            .description("The member's email address."),
    )
    .attribute(
        Attribute::string("security_role_id")
            .required()
            .validate(Validator::Custom(numeric_id))
            .description(
                "The record id of the member's security role (UI \"Role ID\"), e.g. \
                 `connectwise_security_role.umbrella.id`. An unknown id is an error at plan time \
                 when the id is known then.",
            ),
    );
    let ui = [
        ("Level", "Corporate (Level 1)"),
        ("Location", "Tampa Office"),
        ("Department", "Professional Services"),
        ("Time Zone", "US Eastern"),
    ];
    for (spec, (label, example)) in REFS.iter().zip(ui) {
        for a in reference_attr(spec, label, example) {
            block = block.attribute(a);
        }
    }
    block = block
        .attribute(
            Attribute::string("notes")
                .optional()
                .validate(Validator::Length { min: 1, max: 4000 })
                .description("Free-text notes on the member."),
        )
        .attribute(
            Attribute::bool("inactive")
                .default(Value::Bool(false))
                .description(
                    "Whether the member is inactive (its API keys then stop working). Defaults \
                     to `false`.",
                ),
        );
    Schema::new(block)
}

/// Extends the department lookup text: departments also match their short identifier.
fn ref_matches(r: &Reference, form: &str) -> bool {
    let form = form.trim();
    if form.parse::<i32>().ok() == r.id {
        return true;
    }
    r.name
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case(form))
        || r.identifier
            .as_deref()
            .is_some_and(|i| i.eq_ignore_ascii_case(form))
}

/// The attribute value for a reference: the user's form (`form`, a name or an id) while it
/// still designates the same record, else the record's name (drift).
fn keep_form(form: &Value, r: Option<&Reference>) -> Value {
    let Some(r) = r else {
        return Value::Null;
    };
    if let Some(f) = form.as_str()
        && ref_matches(r, f)
    {
        return Value::string(f);
    }
    match (&r.name, r.id) {
        (Some(n), _) if !n.is_empty() => Value::string(n),
        (_, Some(id)) => Value::string(id.to_string()),
        _ => Value::Null,
    }
}

/// The Terraform state of a member; `forms` is the prior or planned state whose reference
/// forms (names or ids) are kept where they still designate the same records.
fn member_state(m: &ApiMember, forms: &Value) -> Value {
    let identifier = match forms.get("identifier").as_str() {
        Some(f) if f.eq_ignore_ascii_case(&m.identifier) => f.to_string(),
        _ => m.identifier.clone(),
    };
    let mut state = Value::object()
        .with("id", Value::opt_string(m.id.map(|i| i.to_string())))
        .with("identifier", Value::string(identifier))
        .with("name", Value::opt_string(m.name.clone()))
        .with(
            "email_address",
            Value::opt_string(m.email_address.clone().filter(|e| !e.is_empty())),
        )
        .with(
            "security_role_id",
            Value::opt_string(
                m.security_role
                    .as_ref()
                    .and_then(|r| r.id)
                    .map(|i| i.to_string()),
            ),
        )
        .with(
            "notes",
            Value::opt_string(m.notes.clone().filter(|n| !n.is_empty())),
        )
        .with("inactive", Value::Bool(m.inactive_flag.unwrap_or(false)));
    for spec in &REFS {
        let r = spec.of(m);
        state.set(spec.attr, keep_form(forms.get(spec.attr), r));
        state.set(
            spec.id_attr,
            Value::opt_int(r.and_then(|r| r.id).map(i64::from)),
        );
    }
    state
}

/// What the member should look like, as ids (a create body or the target of a patch).
#[derive(Debug, Clone, PartialEq, Default)]
struct Desired {
    name: Option<String>,
    email_address: Option<String>,
    notes: Option<String>,
    inactive: bool,
    role: Option<i32>,
    refs: [Option<i32>; 4],
}

impl Desired {
    fn from_state(v: &Value) -> Desired {
        Desired {
            name: v.get("name").as_str().map(str::to_string),
            email_address: v.get("email_address").as_str().map(str::to_string),
            notes: v.get("notes").as_str().map(str::to_string),
            inactive: v.get("inactive").as_bool().unwrap_or(false),
            role: parse_id(v.get("security_role_id")),
            refs: REFS.each_ref().map(|s| parse_id(v.get(s.id_attr))),
        }
    }

    fn from_member(m: &ApiMember) -> Desired {
        Desired {
            name: m.name.clone(),
            email_address: m.email_address.clone().filter(|e| !e.is_empty()),
            notes: m.notes.clone().filter(|n| !n.is_empty()),
            inactive: m.inactive_flag.unwrap_or(false),
            role: m.security_role.as_ref().and_then(|r| r.id),
            refs: REFS.each_ref().map(|s| s.of(m).and_then(|r| r.id)),
        }
    }

    /// The JSON-Patch that turns `have` into `self`: only the fields that differ; references
    /// as whole objects.
    fn patch_from(&self, have: &Desired) -> Vec<PatchOp> {
        let mut ops = Vec::new();
        let text = |v: &Option<String>| v.as_ref().map_or(serde_json::Value::Null, |s| json!(s));
        if self.name != have.name && self.name.is_some() {
            ops.push(PatchOp::replace("name", text(&self.name)));
        }
        if self.email_address != have.email_address {
            ops.push(PatchOp::replace("emailAddress", text(&self.email_address)));
        }
        if self.role != have.role
            && let Some(id) = self.role
        {
            ops.push(PatchOp::replace("securityRole", json!({ "id": id })));
        }
        for (i, spec) in REFS.iter().enumerate() {
            if self.refs[i] != have.refs[i]
                && let Some(id) = self.refs[i]
            {
                ops.push(PatchOp::replace(spec.field, json!({ "id": id })));
            }
        }
        if self.notes != have.notes {
            ops.push(PatchOp::replace("notes", text(&self.notes)));
        }
        if self.inactive != have.inactive {
            ops.push(PatchOp::replace("inactiveFlag", json!(self.inactive)));
        }
        ops
    }
}

/// Looks up a reference given by name or numeric id; `Ok(None)` when there is no such record.
async fn lookup(
    cw: &ConnectWise,
    kind: RefKind,
    form: &str,
) -> Result<Option<(i32, String)>, Error> {
    let form = form.trim();
    let l = cw.lookups();
    if let Ok(id) = form.parse::<i32>() {
        let found = match kind {
            RefKind::StructureLevel => l.structure_level(id).await.map(|r| (r.id, r.name)),
            RefKind::Location => l.location(id).await.map(|r| (r.id, r.name)),
            RefKind::Department => l.department(id).await.map(|r| (r.id, r.name)),
            RefKind::TimeZone => l.time_zone(id).await.map(|r| (r.id, r.name)),
        };
        return match found {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        };
    }
    Ok(match kind {
        RefKind::StructureLevel => l.find_structure_level(form).await?.map(|r| (r.id, r.name)),
        RefKind::Location => l.find_location(form).await?.map(|r| (r.id, r.name)),
        RefKind::Department => l.find_department(form).await?.map(|r| (r.id, r.name)),
        RefKind::TimeZone => l.find_time_zone(form).await?.map(|r| (r.id, r.name)),
    })
}

/// The records of a kind as `name (id)`, for an error message (at most 20; `None` on failure).
async fn available(cw: &ConnectWise, kind: RefKind) -> Option<String> {
    let l = cw.lookups();
    let all = api_client::Conditions::new();
    let rows: Vec<(i32, String)> = match kind {
        RefKind::StructureLevel => l
            .structure_levels()
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::Location => l
            .locations(&all)
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::Department => l
            .departments(&all)
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::TimeZone => l
            .time_zones()
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
    };
    let mut text: Vec<String> = rows
        .iter()
        .take(20)
        .map(|(id, name)| format!("{name:?} ({id})"))
        .collect();
    if rows.len() > 20 {
        text.push(format!("and {} more", rows.len() - 20));
    }
    Some(text.join(", "))
}

/// Resolves the reference `form` of `spec`; errors go on the attribute.
async fn resolve(
    cw: &ConnectWise,
    spec: &RefSpec,
    form: &str,
    diags: &mut Diagnostics,
) -> Option<i32> {
    match lookup(cw, spec.kind, form).await {
        Ok(Some((id, _))) => Some(id),
        Ok(None) => {
            let by = if form.trim().parse::<i32>().is_ok() {
                "id"
            } else {
                "name"
            };
            let known = match available(cw, spec.kind).await {
                Some(names) if !names.is_empty() => format!(" Known: {names}."),
                _ => String::new(),
            };
            diags.attr_error(
                AttrPath::root(spec.attr),
                format!("Unknown {}", spec.what),
                format!(
                    "No ConnectWise {} has the {by} {form:?}. Give the name or the numeric id of \
                     an existing {}.{known}",
                    spec.what, spec.what
                ),
            );
            None
        }
        Err(e) => {
            client_error(diags, &format!("look up the {} {form:?}", spec.what), &e);
            None
        }
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
/// configured names resolved now, else (`template`) the API member template's values.
async fn desired_refs(
    cw: &ConnectWise,
    req: &ApplyRequest,
    template: Option<&ApiMember>,
    diags: &mut Diagnostics,
) -> Option<[Option<i32>; 4]> {
    let mut ids = [None; 4];
    for (i, spec) in REFS.iter().enumerate() {
        if let Some(id) = parse_id(req.planned.get(spec.id_attr)) {
            ids[i] = Some(id);
        } else if let Some(form) = req.config.get(spec.attr).as_str() {
            ids[i] = Some(resolve(cw, spec, form, diags).await?);
        } else if let Some(t) = template {
            ids[i] = spec.of(t).and_then(|r| r.id);
        } else {
            ids[i] = parse_id(req.prior.get(spec.id_attr));
        }
    }
    Some(ids)
}

fn import_hint(identifier: &str) -> String {
    format!(
        "To manage the existing member with Terraform, import it instead of creating it:\n  \
         terraform import connectwise_api_member.<name> {identifier}"
    )
}

#[async_trait]
impl Resource for ApiMemberResource {
    fn name(&self) -> &'static str {
        "api_member"
    }

    fn schema(&self) -> Schema {
        member_schema()
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
        let creating = req.prior.is_null();
        let role = req.config.get("security_role_id");
        let check_role_id = role.as_str().is_some()
            && (creating || !role.same_as(req.prior.get("security_role_id")));
        let changed_refs: Vec<&RefSpec> = REFS
            .iter()
            .filter(|s| {
                let v = req.config.get(s.attr);
                !v.is_null() && (creating || !v.same_as(req.prior.get(s.attr)))
            })
            .collect();
        if !check_role_id && changed_refs.is_empty() {
            return;
        }
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        if check_role_id && let Some(id) = parse_id(role) {
            check_role(&cw, id, &mut resp.diags).await;
        }
        for spec in changed_refs {
            match req.config.get(spec.attr).as_str() {
                Some(form) => {
                    if let Some(id) = resolve(&cw, spec, form, &mut resp.diags).await {
                        resp.planned.set(spec.id_attr, Value::int(i64::from(id)));
                    }
                }
                // Known only at apply: so is its id.
                None => resp.planned.set(spec.id_attr, Value::Unknown),
            }
        }
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let plan = &req.planned;
        let identifier = plan
            .get("identifier")
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        let needs_template = REFS
            .iter()
            .any(|s| req.config.get(s.attr).is_null() && plan.get(s.id_attr).is_unknown());
        let template = if needs_template {
            match cw.api_members().default().await {
                Ok(t) => Some(t),
                Err(e) => {
                    client_error(
                        &mut resp.diags,
                        "read the API member defaults (GET /system/apiMembers/default)",
                        &e,
                    );
                    return;
                }
            }
        } else {
            None
        };
        let Some(refs) = desired_refs(&cw, req, template.as_ref(), &mut resp.diags).await else {
            return;
        };
        let mut want = Desired::from_state(plan);
        want.refs = refs;

        let existing = match cw.api_members().find_by_identifier(&identifier).await {
            Ok(found) => found,
            Err(e) => {
                client_error(
                    &mut resp.diags,
                    &format!("look up API member {identifier:?}"),
                    &e,
                );
                return;
            }
        };
        let result = match existing {
            Some(m) if !m.inactive_flag.unwrap_or(false) => {
                resp.diags.attr_error(
                    AttrPath::root("identifier"),
                    "API member already exists",
                    format!(
                        "An active API member with the identifier {:?} exists already (id {}).\n\n{}",
                        m.identifier,
                        m.id.map(|i| i.to_string()).unwrap_or_default(),
                        import_hint(&m.identifier)
                    ),
                );
                return;
            }
            Some(m) => {
                let Some(id) = m.id else {
                    resp.diags.error(
                        "Cannot reactivate API member",
                        format!("ConnectWise returned the member {identifier:?} without an id."),
                    );
                    return;
                };
                let ops = want.patch_from(&Desired::from_member(&m));
                match cw.api_members().patch(id, ops).await {
                    Ok(member) => {
                        // Not in the published specification: a server without it says nothing.
                        let keys = cw
                            .api_keys()
                            .list(id, &api_client::Conditions::new())
                            .await
                            .map(|k| k.len())
                            .unwrap_or(0);
                        let keys = match keys {
                            0 => String::new(),
                            1 => format!(
                                " The member still has 1 API key, which works again: review it \
                                 in System > Members > API Members > {identifier} > API Keys."
                            ),
                            n => format!(
                                " The member still has {n} API keys, which work again: review \
                                 them in System > Members > API Members > {identifier} > API Keys."
                            ),
                        };
                        resp.diags.attr_warning(
                            AttrPath::root("identifier"),
                            "Inactive API member reactivated",
                            format!(
                                "An inactive API member with the identifier {identifier:?} \
                                 existed (id {id}; ConnectWise cannot delete API members, so a \
                                 destroyed one stays inactive). It was reactivated and updated to \
                                 match the configuration instead of creating a duplicate.{keys}"
                            ),
                        );
                        Ok(member)
                    }
                    Err(e) => Err(("reactivate", e)),
                }
            }
            None => {
                let mut body = ApiMember {
                    identifier: identifier.clone(),
                    name: want.name.clone(),
                    email_address: want.email_address.clone(),
                    notes: want.notes.clone(),
                    inactive_flag: Some(want.inactive),
                    security_role: want.role.map(Reference::id),
                    ..ApiMember::default()
                };
                for (i, spec) in REFS.iter().enumerate() {
                    spec.set(&mut body, want.refs[i]);
                }
                if let Some(t) = &template {
                    // Required on a real server although the spec marks them optional.
                    let id_of = |r: &Option<Reference>| r.as_ref().and_then(|r| r.id);
                    body.security_location = id_of(&t.security_location).map(Reference::id);
                    body.sales_default_location =
                        id_of(&t.sales_default_location).map(Reference::id);
                }
                cw.api_members()
                    .create(&body)
                    .await
                    .map_err(|e| ("create", e))
            }
        };
        match result {
            Ok(member) => resp.state = member_state(&member, plan),
            Err((verb, e)) => {
                let exists = e.field_errors().iter().any(|f| f.code == "ObjectExists");
                client_error_on(
                    &mut resp.diags,
                    &format!("{verb} API member {identifier:?}"),
                    &e,
                    FIELDS,
                );
                if exists {
                    resp.diags.warning(
                        "The identifier is taken",
                        format!(
                            "A member with the identifier {identifier:?} exists already (it may \
                             be a full member, which cannot be managed as an API member). Choose \
                             another identifier, or if it is an API member:\n\n{}",
                            import_hint(&identifier)
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
        let Some(id) = parse_id(req.state.get("id")) else {
            resp.state = Value::Null;
            return;
        };
        match cw.api_members().get(id).await {
            Ok(m) => resp.state = member_state(&m, &req.state),
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => client_error(&mut resp.diags, &format!("read API member {id}"), &e),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(id) = parse_id(req.prior.get("id")) else {
            resp.diags
                .error("Cannot update API member", "The state holds no member id.");
            return;
        };
        let Some(refs) = desired_refs(&cw, req, None, &mut resp.diags).await else {
            return;
        };
        let mut want = Desired::from_state(&req.planned);
        want.refs = refs;
        let ops = want.patch_from(&Desired::from_state(&req.prior));
        match cw.api_members().patch(id, ops).await {
            Ok(m) => resp.state = member_state(&m, &req.planned),
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
        let Some(id) = parse_id(req.prior.get("id")) else {
            return;
        };
        match cw.api_members().deactivate(id).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => client_error(&mut resp.diags, &format!("deactivate API member {id}"), &e),
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            bad_import_id(
                &mut resp.diags,
                id,
                "the API member's numeric id or its identifier (\"Member ID\")",
            );
            return;
        }
        let by_id = match id.parse::<i32>() {
            Ok(n) => match cw.api_members().get(n).await {
                Ok(m) => Ok(Some(m)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            },
            Err(_) => Ok(None),
        };
        let found = match by_id {
            Ok(Some(m)) => Ok(Some(m)),
            Ok(None) => cw.api_members().find_by_identifier(id).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(Some(m)) => resp.state = member_state(&m, &Value::Null),
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

    fn reference(id: i32, name: &str) -> Reference {
        Reference {
            id: Some(id),
            name: Some(name.into()),
            ..Reference::default()
        }
    }

    #[test]
    fn keeps_the_users_form_while_it_designates_the_record() {
        let r = reference(2, "Dallas Office");
        assert_eq!(
            keep_form(&Value::string("dallas office"), Some(&r)),
            Value::string("dallas office")
        );
        assert_eq!(keep_form(&Value::string("2"), Some(&r)), Value::string("2"));
        // Another record now: its name (drift).
        assert_eq!(
            keep_form(&Value::string("Tampa Office"), Some(&r)),
            Value::string("Dallas Office")
        );
        assert_eq!(
            keep_form(&Value::Null, Some(&r)),
            Value::string("Dallas Office")
        );
        assert_eq!(keep_form(&Value::string("x"), None), Value::Null);
        let dep = Reference {
            identifier: Some("Services".into()),
            ..reference(2, "Professional Services")
        };
        assert_eq!(
            keep_form(&Value::string("services"), Some(&dep)),
            Value::string("services")
        );
    }

    #[test]
    fn patch_holds_only_changed_fields() {
        let have = Desired {
            name: Some("Umbrella".into()),
            email_address: Some("a@example.com".into()),
            notes: None,
            inactive: false,
            role: Some(3),
            refs: [Some(1), Some(1), Some(2), Some(1)],
        };
        assert!(have.patch_from(&have).is_empty());
        let want = Desired {
            name: Some("Umbrella PSA".into()),
            email_address: None,
            refs: [Some(1), Some(2), Some(2), Some(1)],
            ..have.clone()
        };
        let ops = want.patch_from(&have);
        let json = serde_json::to_value(&ops).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"op": "replace", "path": "name", "value": "Umbrella PSA"},
                {"op": "replace", "path": "emailAddress", "value": null},
                {"op": "replace", "path": "defaultLocation", "value": {"id": 2}},
            ])
        );
    }

    #[test]
    fn validators() {
        assert!(numeric_id(&Value::string("12")).is_ok());
        assert!(numeric_id(&Value::string("Umbrella")).is_err());
        assert!(numeric_id(&Value::string("-1")).is_err());
        assert!(no_whitespace(&Value::string("umbrella psa")).is_err());
        assert!(no_whitespace(&Value::string("umbrella-psa")).is_ok());
    }
}
