//! The read side of `/system/members` (full and API members) and
//! `POST /system/members/{identifier}/tokens` (member impersonation).

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, iso};
use super::state::{Lookup, Member, MemberToken, TenantStore, random_key};
use crate::conditions::{FieldType, Fields};

pub const MEMBER_FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("identifier", FieldType::Str),
    ("firstName", FieldType::Str),
    ("lastName", FieldType::Str),
    ("title", FieldType::Str),
    ("officeEmail", FieldType::Str),
    ("licenseClass", FieldType::Str),
    ("inactiveFlag", FieldType::Bool),
    ("inactiveDate", FieldType::DateTime),
    ("hireDate", FieldType::DateTime),
    ("timeZone", FieldType::Reference),
    ("securityRole", FieldType::Reference),
    ("structureLevel", FieldType::Reference),
    ("securityLocation", FieldType::Reference),
    ("defaultLocation", FieldType::Reference),
    ("salesDefaultLocation", FieldType::Reference),
    ("defaultDepartment", FieldType::Reference),
    ("serviceDefaultBoard", FieldType::Reference),
    ("defaultEmail", FieldType::Str),
    ("defaultPhone", FieldType::Str),
    ("notes", FieldType::Str),
    ("_info", FieldType::Info),
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
pub(crate) fn references(t: &TenantStore, m: &Member) -> Map<String, Value> {
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

pub(crate) fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::not_found(&format!("{what} with id {id} was not found."))
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
