//! `/system/securityroles`: list, count, get, create, delete. No PUT/PATCH exists in any
//! published spec, so those answer 405.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, Validator, fe};
use super::role_settings;
use super::state::{SecurityRole, TenantStore};
use crate::conditions::{FieldType, Fields};

/// Top-level fields of `SecurityRole` (for conditions and orderBy).
pub const FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("name", FieldType::Str),
    ("roleType", FieldType::Str),
    ("adminFlag", FieldType::Bool),
    ("inactiveFlag", FieldType::Bool),
    ("_info", FieldType::Info),
];

pub fn json(r: &SecurityRole) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "roleType": r.role_type,
        "adminFlag": r.admin_flag,
        "inactiveFlag": r.inactive_flag,
        "_info": r.audit.json(),
    })
}

pub fn route(ctx: &Ctx, t: &mut TenantStore, rest: &[&str]) -> ApiResult {
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET, Method::POST])?;
            if ctx.method == Method::POST {
                return create(ctx, t);
            }
            http::list(ctx, t.roles.values().map(json).collect(), FIELDS)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, t.roles.values().map(json).collect(), FIELDS)
        }
        [id] => {
            http::allow(ctx, &[Method::GET, Method::DELETE])?;
            let id = http::parse_id(id, "securityRole")?;
            if !t.roles.contains_key(&id) {
                return Err(not_found(id));
            }
            if ctx.method == Method::DELETE {
                return delete(t, id);
            }
            match t.roles.get(&id) {
                Some(r) => http::one(ctx, StatusCode::OK, json(r)),
                None => Err(not_found(id)),
            }
        }
        [id, "settings", rest @ ..] => {
            let id = http::parse_id(id, "securityRole")?;
            if !t.roles.contains_key(&id) {
                return Err(not_found(id));
            }
            role_settings::route(ctx, t, id, rest)
        }
        _ => Err(ApiError::not_found(
            "The requested security role resource was not found.",
        )),
    }
}

pub fn not_found(id: i32) -> ApiError {
    ApiError::not_found(&format!("securityRole with id {id} was not found."))
}

fn create(ctx: &Ctx, t: &mut TenantStore) -> ApiResult {
    let body = http::body_object(ctx, "securityRole")?;
    let mut v = Validator::new("securityRole");
    let name = v.required_string(&body, "name", 30);
    let role_type = v.string(&body, "roleType", 30);
    let admin_flag = v.bool(&body, "adminFlag").unwrap_or(false);
    let inactive_flag = v.bool(&body, "inactiveFlag").unwrap_or(false);
    if let Some(name) = &name
        && t.role_by_name(name.trim()).is_some()
    {
        v.push("ObjectExists", "name", "Role ID already in use.");
    }
    v.finish()?;
    let name = name.unwrap_or_default();
    let id = t.create_role(
        name.trim(),
        role_type,
        admin_flag,
        inactive_flag,
        &ctx.principal,
        ctx.now,
    );
    match t.roles.get(&id) {
        Some(r) => http::one(ctx, StatusCode::CREATED, json(r)),
        None => Err(not_found(id)),
    }
}

/// Refuses (409) while an active member holds the role: ConnectWise documents 409 for "record
/// possibly in use". Inactive members do not block, so a deactivated API member (the provider's
/// "delete") never prevents deleting its role.
fn delete(t: &mut TenantStore, id: i32) -> ApiResult {
    let users: Vec<&str> = t
        .members
        .values()
        .filter(|m| m.security_role_id == Some(id) && !m.inactive_flag)
        .map(|m| m.identifier.as_str())
        .collect();
    if !users.is_empty() {
        let message = format!(
            "This security role is in use by member(s) {} and cannot be deleted; assign them another role or deactivate them first.",
            users.join(", ")
        );
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            code: "Conflict".into(),
            errors: Some(vec![fe("ObjectInUse", "securityRole", "id", &message)]),
            message,
            allow: None,
        });
    }
    t.delete_role(id);
    Ok(http::no_content())
}
