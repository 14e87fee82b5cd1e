//! `/system/apiMembers`: GET, POST, PUT, PATCH, `/count`, `/default`; no DELETE (retiring an API
//! member is `inactiveFlag: true`).

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, Validator, get, iso};
use super::members::{not_found, references};
use super::state::{Audit, Lookup, Member, TenantStore};
use crate::conditions::{FieldType, Fields};

pub const API_MEMBER_FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("identifier", FieldType::Str),
    ("name", FieldType::Str),
    ("emailAddress", FieldType::Str),
    ("inactiveFlag", FieldType::Bool),
    ("inactiveDate", FieldType::DateTime),
    ("timeZone", FieldType::Reference),
    ("securityRole", FieldType::Reference),
    ("structureLevel", FieldType::Reference),
    ("securityLocation", FieldType::Reference),
    ("defaultLocation", FieldType::Reference),
    ("salesDefaultLocation", FieldType::Reference),
    ("defaultDepartment", FieldType::Reference),
    ("serviceDefaultBoard", FieldType::Reference),
    ("notes", FieldType::Str),
    ("excludedServiceBoardIds", FieldType::List),
    ("blockPriceFlag", FieldType::Bool),
    ("blockCostFlag", FieldType::Bool),
    ("_info", FieldType::Info),
];

/// Fields a PATCH may name (`id`, `inactiveDate` and `_info` are the server's).
const PATCHABLE: &[&str] = &[
    "identifier",
    "name",
    "emailAddress",
    "inactiveFlag",
    "timeZone",
    "securityRole",
    "structureLevel",
    "securityLocation",
    "defaultLocation",
    "salesDefaultLocation",
    "defaultDepartment",
    "serviceDefaultBoard",
    "notes",
    "excludedServiceBoardIds",
    "blockPriceFlag",
    "blockCostFlag",
];

pub fn api_member_json(t: &TenantStore, m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(m.id));
    o.insert("identifier".into(), json!(m.identifier));
    o.insert("name".into(), json!(m.name));
    o.insert("emailAddress".into(), json!(m.email_address));
    o.insert("inactiveFlag".into(), json!(m.inactive_flag));
    o.insert("inactiveDate".into(), json!(m.inactive_date));
    o.extend(references(t, m));
    o.insert("notes".into(), json!(m.notes));
    o.insert(
        "excludedServiceBoardIds".into(),
        json!(m.excluded_service_board_ids),
    );
    o.insert("blockPriceFlag".into(), json!(m.block_price_flag));
    o.insert("blockCostFlag".into(), json!(m.block_cost_flag));
    o.insert("_info".into(), m.audit.json());
    Value::Object(o)
}

/// `GET /system/apiMembers/default`: a template carrying the default references.
fn default_json(t: &TenantStore) -> Value {
    let d = &t.api_member_defaults;
    let template = Member {
        id: 0,
        identifier: String::new(),
        license_class: "A".into(),
        name: String::new(),
        first_name: String::new(),
        last_name: None,
        email_address: None,
        title: None,
        inactive_flag: false,
        inactive_date: None,
        security_role_id: None,
        structure_level_id: Some(d.structure_level_id),
        security_location_id: Some(d.security_location_id),
        default_location_id: Some(d.default_location_id),
        sales_default_location_id: Some(d.default_location_id),
        default_department_id: Some(d.default_department_id),
        time_zone_id: Some(d.time_zone_id),
        service_default_board_id: None,
        notes: None,
        excluded_service_board_ids: Vec::new(),
        block_price_flag: false,
        block_cost_flag: false,
        hire_date: String::new(),
        audit: Audit::new("", time::OffsetDateTime::UNIX_EPOCH),
    };
    // identifier and name stay "" (typed clients treat the required identifier as non-null).
    let mut v = api_member_json(t, &template);
    v["_info"] = json!({});
    v
}

fn api_members(t: &TenantStore) -> Vec<Value> {
    t.members
        .values()
        .filter(|m| m.is_api())
        .map(|m| api_member_json(t, m))
        .collect()
}

pub fn route(ctx: &Ctx, t: &mut TenantStore, rest: &[&str]) -> ApiResult {
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET, Method::POST])?;
            if ctx.method == Method::GET {
                return http::list(ctx, api_members(t), API_MEMBER_FIELDS);
            }
            let body = http::body_object(ctx, "apiMember")?;
            let member = build(ctx, t, &body, None)?;
            let out = api_member_json(t, &member);
            t.next_ids.member = t.next_ids.member.max(member.id + 1);
            t.members.insert(member.id, member);
            http::one(ctx, StatusCode::CREATED, out)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, api_members(t), API_MEMBER_FIELDS)
        }
        ["default"] => {
            http::allow(ctx, &[Method::GET])?;
            http::one(ctx, StatusCode::OK, default_json(t))
        }
        [id] => {
            // ConnectWise has no DELETE here: retiring an API member is `inactiveFlag: true`.
            http::allow(ctx, &[Method::GET, Method::PUT, Method::PATCH])?;
            let Some(existing) = http::parse_id(id, "apiMember")
                .ok()
                .and_then(|id| t.members.get(&id))
                .filter(|m| m.is_api())
                .cloned()
            else {
                return Err(not_found("apiMember", id));
            };
            let body = match ctx.method {
                Method::GET => {
                    return http::one(ctx, StatusCode::OK, api_member_json(t, &existing));
                }
                Method::PUT => http::body_object(ctx, "apiMember")?,
                _ => patched(ctx, t, &existing)?,
            };
            let member = build(ctx, t, &body, Some(&existing))?;
            let out = api_member_json(t, &member);
            t.members.insert(member.id, member);
            http::one(ctx, StatusCode::OK, out)
        }
        _ => Err(ApiError::not_found(
            "The requested API member resource was not found.",
        )),
    }
}

/// Applies JSON-Patch operations to the member's current representation.
fn patched(ctx: &Ctx, t: &TenantStore, existing: &Member) -> Result<Map<String, Value>, ApiError> {
    let ops = ctx.patch_ops("apiMember")?;
    let Value::Object(mut current) = api_member_json(t, existing) else {
        return Err(ApiError::bad_request(
            "InvalidObject",
            "apiMember could not be read.",
        ));
    };
    let mut v = Validator::new("apiMember");
    for op in ops {
        if op.path.contains('/') {
            v.push(
                "InvalidField",
                &op.path,
                "A location inside an object cannot be patched; replace the whole object (e.g. path securityRole, value {\"id\": 3}).",
            );
        } else if !PATCHABLE.contains(&op.path.as_str()) {
            v.push(
                "InvalidField",
                &op.path,
                &format!("The field '{}' cannot be patched on apiMember.", op.path),
            );
        } else if op.op == "remove" {
            current.insert(op.path, Value::Null);
        } else {
            current.insert(op.path, op.value);
        }
    }
    v.finish()?;
    Ok(current)
}

/// Validates a create (`existing` = None) or a full replacement and returns the record to store.
/// Field errors are collected in the order of the model's fields and reported together.
fn build(
    ctx: &Ctx,
    t: &TenantStore,
    body: &Map<String, Value>,
    existing: Option<&Member>,
) -> Result<Member, ApiError> {
    let mut v = Validator::new("apiMember");
    let identifier = identifier(&mut v, t, body, existing);
    let name = if existing.is_some() {
        v.required_string(body, "name", 30)
    } else {
        v.string(body, "name", 30).or_else(|| identifier.clone())
    };
    let email_address = v.string(body, "emailAddress", 250);
    let notes = v.string(body, "notes", 4000);
    let inactive_flag = v.bool(body, "inactiveFlag").unwrap_or(false);
    let block_price_flag = v.bool(body, "blockPriceFlag").unwrap_or(false);
    let block_cost_flag = v.bool(body, "blockCostFlag").unwrap_or(false);
    let refs = references_of(&mut v, t, body);
    let excluded_service_board_ids = excluded_boards(&mut v, t, body);
    v.finish()?;

    let name = name.unwrap_or_default();
    let (id, audit, hire_date, inactive_date) = match existing {
        Some(e) => {
            let mut audit = e.audit.clone();
            audit.touch(&ctx.principal, ctx.now);
            let inactive_date = if inactive_flag {
                e.inactive_date.clone().or_else(|| Some(iso(ctx.now)))
            } else {
                None
            };
            (e.id, audit, e.hire_date.clone(), inactive_date)
        }
        None => (
            t.next_ids.member,
            Audit::new(&ctx.principal, ctx.now),
            iso(ctx.now),
            inactive_flag.then(|| iso(ctx.now)),
        ),
    };
    Ok(Member {
        id,
        identifier: identifier.unwrap_or_default(),
        license_class: "A".into(),
        first_name: name.clone(),
        name,
        last_name: None,
        email_address,
        title: None,
        inactive_flag,
        inactive_date,
        security_role_id: refs.security_role,
        structure_level_id: refs.structure_level,
        security_location_id: refs.security_location,
        default_location_id: refs.default_location,
        sales_default_location_id: refs.sales_default_location,
        default_department_id: refs.default_department,
        time_zone_id: refs.time_zone,
        service_default_board_id: refs.service_default_board,
        notes,
        excluded_service_board_ids,
        block_price_flag,
        block_cost_flag,
        hire_date,
        audit,
    })
}

/// The required `identifier`: no spaces, unique among members (case-insensitive).
fn identifier(
    v: &mut Validator,
    t: &TenantStore,
    body: &Map<String, Value>,
    existing: Option<&Member>,
) -> Option<String> {
    let identifier = v
        .required_string(body, "identifier", 15)
        .map(|s| s.trim().to_string());
    if let Some(ident) = &identifier {
        if ident.contains(char::is_whitespace) {
            v.push(
                "InvalidField",
                "identifier",
                "The field identifier cannot contain spaces.",
            );
        } else if t.members.values().any(|m| {
            m.identifier.eq_ignore_ascii_case(ident) && Some(m.id) != existing.map(|e| e.id)
        }) {
            v.push("ObjectExists", "identifier", "Member ID already in use.");
        }
    }
    identifier
}

/// The ids an API member's references resolve to.
struct References {
    security_role: Option<i32>,
    structure_level: Option<i32>,
    security_location: Option<i32>,
    default_location: Option<i32>,
    sales_default_location: Option<i32>,
    default_department: Option<i32>,
    time_zone: Option<i32>,
    service_default_board: Option<i32>,
}

/// Resolves the references; `securityRole` is required, the others omitted take the
/// `/system/apiMembers/default` values (the service board none).
fn references_of(v: &mut Validator, t: &TenantStore, body: &Map<String, Value>) -> References {
    let roles: Vec<Lookup> = t
        .roles
        .values()
        .map(|r| Lookup {
            id: r.id,
            name: r.name.clone(),
            identifier: None,
            extra: Map::new(),
        })
        .collect();
    let security_role = reference(v, body, "securityRole", &roles);
    if security_role.is_none() && !v.errors.iter().any(|e| e.field == "securityRole") {
        v.push(
            "MissingRequiredField",
            "securityRole",
            "The field securityRole is required.",
        );
    }
    let d = &t.api_member_defaults;
    let mut or_default = |field: &str, rows: &[Lookup], default: i32| {
        reference(v, body, field, rows).or(Some(default))
    };
    let structure_level = or_default("structureLevel", &t.structure_levels, d.structure_level_id);
    let security_location = or_default("securityLocation", &t.locations, d.security_location_id);
    let default_location = or_default("defaultLocation", &t.locations, d.default_location_id);
    let sales_default_location =
        or_default("salesDefaultLocation", &t.locations, d.default_location_id);
    let default_department =
        or_default("defaultDepartment", &t.departments, d.default_department_id);
    let time_zone = or_default("timeZone", &t.time_zones, d.time_zone_id);
    References {
        security_role,
        structure_level,
        security_location,
        default_location,
        sales_default_location,
        default_department,
        time_zone,
        service_default_board: reference(v, body, "serviceDefaultBoard", &t.boards),
    }
}

/// `excludedServiceBoardIds`: existing board ids, or nothing.
fn excluded_boards(v: &mut Validator, t: &TenantStore, body: &Map<String, Value>) -> Vec<i32> {
    match get(body, "excludedServiceBoardIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => {
            let parsed: Vec<i32> = ids
                .iter()
                .filter_map(|i| i.as_i64().and_then(|i| i32::try_from(i).ok()))
                .collect();
            if parsed.len() != ids.len()
                || parsed
                    .iter()
                    .any(|id| !t.boards.iter().any(|b| b.id == *id))
            {
                v.push(
                    "InvalidField",
                    "excludedServiceBoardIds",
                    "excludedServiceBoardIds must list existing board ids.",
                );
            }
            parsed
        }
        Some(_) => {
            v.push(
                "InvalidField",
                "excludedServiceBoardIds",
                "excludedServiceBoardIds must be an array of ids.",
            );
            Vec::new()
        }
    }
}

/// Resolves a reference `{id}` (or `{name}` / `{identifier}`) against `rows`; `None` when
/// omitted or null; an unknown one is a field error.
fn reference(
    v: &mut Validator,
    body: &Map<String, Value>,
    field: &str,
    rows: &[Lookup],
) -> Option<i32> {
    let obj = match get(body, field) {
        None | Some(Value::Null) => return None,
        Some(Value::Object(o)) => o,
        Some(_) => {
            v.push(
                "InvalidField",
                field,
                &format!("The field {field} must be a reference object like {{\"id\": 1}}."),
            );
            return None;
        }
    };
    let found = if let Some(id) = get(obj, "id").filter(|i| !i.is_null()) {
        match id.as_i64() {
            Some(id) => rows
                .iter()
                .find(|r| i64::from(r.id) == id)
                .ok_or_else(|| format!("{field} with id {id} was not found.")),
            None => Err(format!("The id of {field} must be an integer.")),
        }
    } else if let Some(ident) = get(obj, "identifier").and_then(Value::as_str) {
        rows.iter()
            .find(|r| {
                r.identifier
                    .as_deref()
                    .is_some_and(|i| i.eq_ignore_ascii_case(ident))
            })
            .ok_or_else(|| format!("{field} with identifier '{ident}' was not found."))
    } else if let Some(name) = get(obj, "name").and_then(Value::as_str) {
        rows.iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("{field} with name '{name}' was not found."))
    } else {
        return None;
    };
    match found {
        Ok(r) => Some(r.id),
        Err(message) => {
            v.push("InvalidField", field, &message);
            None
        }
    }
}
