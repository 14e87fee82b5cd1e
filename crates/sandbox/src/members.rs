//! `/system/apiMembers` (GET, POST, PUT, PATCH, `/count`, `/default`; no DELETE), the read side of
//! `/system/members` (full and API members), and `POST /system/members/{identifier}/tokens`.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, Validator, get, iso};
use super::state::{Audit, Lookup, Member, MemberToken, TenantStore, random_key};

pub const API_MEMBER_FIELDS: &[&str] = &[
    "id",
    "identifier",
    "name",
    "emailAddress",
    "inactiveFlag",
    "inactiveDate",
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
    "_info",
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

pub const MEMBER_FIELDS: &[&str] = &[
    "id",
    "identifier",
    "firstName",
    "lastName",
    "title",
    "officeEmail",
    "licenseClass",
    "inactiveFlag",
    "inactiveDate",
    "hireDate",
    "timeZone",
    "securityRole",
    "structureLevel",
    "securityLocation",
    "defaultLocation",
    "salesDefaultLocation",
    "defaultDepartment",
    "serviceDefaultBoard",
    "defaultEmail",
    "defaultPhone",
    "notes",
    "_info",
];

fn lookup_ref(rows: &[Lookup], id: Option<i32>) -> Value {
    match id {
        None => Value::Null,
        Some(id) => rows
            .iter()
            .find(|r| r.id == id)
            .map(Lookup::reference)
            .unwrap_or_else(|| json!({"id": id, "name": null, "_info": {}})),
    }
}

fn role_ref(t: &TenantStore, id: Option<i32>) -> Value {
    match id {
        None => Value::Null,
        Some(id) => json!({
            "id": id,
            "name": t.roles.get(&id).map(|r| r.name.clone()),
            "_info": {"securityRole_href": format!("system/securityroles/{id}")},
        }),
    }
}

/// Fields shared by the `ApiMember` and `Member` models.
fn references(t: &TenantStore, m: &Member) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("timeZone".into(), lookup_ref(&t.time_zones, m.time_zone_id));
    o.insert("securityRole".into(), role_ref(t, m.security_role_id));
    o.insert(
        "structureLevel".into(),
        lookup_ref(&t.structure_levels, m.structure_level_id),
    );
    o.insert(
        "securityLocation".into(),
        lookup_ref(&t.locations, m.security_location_id),
    );
    o.insert(
        "defaultLocation".into(),
        lookup_ref(&t.locations, m.default_location_id),
    );
    o.insert(
        "salesDefaultLocation".into(),
        lookup_ref(&t.locations, m.sales_default_location_id),
    );
    o.insert(
        "defaultDepartment".into(),
        lookup_ref(&t.departments, m.default_department_id),
    );
    o.insert(
        "serviceDefaultBoard".into(),
        lookup_ref(&t.boards, m.service_default_board_id),
    );
    o
}

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

pub fn member_json(t: &TenantStore, m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(m.id));
    o.insert("identifier".into(), json!(m.identifier));
    o.insert("firstName".into(), json!(m.first_name));
    o.insert("lastName".into(), json!(m.last_name));
    o.insert("title".into(), json!(m.title));
    o.insert("officeEmail".into(), json!(m.email_address));
    o.insert("licenseClass".into(), json!(m.license_class));
    o.insert("inactiveFlag".into(), json!(m.inactive_flag));
    o.insert("inactiveDate".into(), json!(m.inactive_date));
    o.insert("hireDate".into(), json!(m.hire_date));
    o.extend(references(t, m));
    o.insert("defaultEmail".into(), json!("Office"));
    o.insert("defaultPhone".into(), json!("Office"));
    o.insert("notes".into(), json!(m.notes));
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

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::not_found(&format!("{what} with id {id} was not found."))
}

pub fn route_api_members(ctx: &Ctx, t: &mut TenantStore, rest: &[&str]) -> ApiResult {
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
fn build(
    ctx: &Ctx,
    t: &TenantStore,
    body: &Map<String, Value>,
    existing: Option<&Member>,
) -> Result<Member, ApiError> {
    let mut v = Validator::new("apiMember");
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
    let security_role_id = reference(&mut v, body, "securityRole", &roles);
    if security_role_id.is_none() && !v.errors.iter().any(|e| e.field == "securityRole") {
        v.push(
            "MissingRequiredField",
            "securityRole",
            "The field securityRole is required.",
        );
    }
    let d = t.api_member_defaults.clone();
    let structure_level_id = reference(&mut v, body, "structureLevel", &t.structure_levels)
        .or(Some(d.structure_level_id));
    let security_location_id =
        reference(&mut v, body, "securityLocation", &t.locations).or(Some(d.security_location_id));
    let default_location_id =
        reference(&mut v, body, "defaultLocation", &t.locations).or(Some(d.default_location_id));
    let sales_default_location_id = reference(&mut v, body, "salesDefaultLocation", &t.locations)
        .or(Some(d.default_location_id));
    let default_department_id = reference(&mut v, body, "defaultDepartment", &t.departments)
        .or(Some(d.default_department_id));
    let time_zone_id = reference(&mut v, body, "timeZone", &t.time_zones).or(Some(d.time_zone_id));
    let service_default_board_id = reference(&mut v, body, "serviceDefaultBoard", &t.boards);
    let excluded_service_board_ids = match get(body, "excludedServiceBoardIds") {
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
    };
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
        security_role_id,
        structure_level_id,
        security_location_id,
        default_location_id,
        sales_default_location_id,
        default_department_id,
        time_zone_id,
        service_default_board_id,
        notes,
        excluded_service_board_ids,
        block_price_flag,
        block_cost_flag,
        hire_date,
        audit,
    })
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

fn find_member<'a>(t: &'a TenantStore, key: &str) -> Option<&'a Member> {
    key.parse::<i32>()
        .ok()
        .and_then(|id| t.members.get(&id))
        .or_else(|| t.member_by_identifier(key))
}

/// `/system/members[...]` except `apiKeys`.
pub fn route_members(ctx: &Ctx, t: &mut TenantStore, rest: &[&str]) -> ApiResult {
    match rest {
        [] => {
            // Creating full members is not emulated.
            http::allow(ctx, &[Method::GET])?;
            http::list(
                ctx,
                t.members.values().map(|m| member_json(t, m)).collect(),
                MEMBER_FIELDS,
            )
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(
                ctx,
                t.members.values().map(|m| member_json(t, m)).collect(),
                MEMBER_FIELDS,
            )
        }
        [key] => {
            http::allow(ctx, &[Method::GET])?;
            match find_member(t, key) {
                Some(m) => http::one(ctx, StatusCode::OK, member_json(t, m)),
                None => Err(not_found("member", key)),
            }
        }
        [key, "tokens"] => {
            http::allow(ctx, &[Method::POST])?;
            token(ctx, t, key)
        }
        _ => Err(ApiError::not_found(
            "The requested member resource was not found.",
        )),
    }
}

/// Member impersonation: a temporary key pair valid for one hour.
fn token(ctx: &Ctx, t: &mut TenantStore, key: &str) -> ApiResult {
    if let Some(kind) = ctx.header("x-cw-usertype")
        && !kind.trim().eq_ignore_ascii_case("member")
    {
        return Err(ApiError::field(
            "InvalidField",
            "token",
            "x-cw-usertype",
            "x-cw-usertype must be 'member'.",
        ));
    }
    let Some(member) = find_member(t, key) else {
        return Err(ApiError::not_found(&format!(
            "member with identifier {key} was not found."
        )));
    };
    if member.inactive_flag {
        return Err(ApiError::field(
            "InvalidField",
            "token",
            "memberIdentifier",
            "The member is inactive.",
        ));
    }
    let member_id = member.id;
    let public_key = random_key(16);
    let private_key = random_key(16);
    let expiration = ctx.now + time::Duration::hours(1);
    let private_key_hash = t.hash_secret(&private_key);
    t.tokens.retain(|tok| tok.expiration > ctx.now);
    t.tokens.push(MemberToken {
        member_id,
        public_key: public_key.clone(),
        private_key_hash,
        expiration,
    });
    Ok(http::json_response(
        StatusCode::OK,
        &json!({"publicKey": public_key, "privateKey": private_key, "expiration": iso(expiration)}),
    ))
}
