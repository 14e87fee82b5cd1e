//! `/system/securityRoles/{roleId}/settings` (GET per the spec) plus the project's [ext] calls:
//! PATCH of the four levels and the customize allow-lists (`.../settings/{id}/customizeItems`).

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, Validator};
use super::state::{Audit, CustomizeItem, Level, RoleSetting, TenantStore};
use crate::catalogue;
use crate::conditions::{FieldType, Fields};

/// Top-level fields of `SecurityRoleSetting`.
pub const FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("addLevel", FieldType::Str),
    ("editLevel", FieldType::Str),
    ("deleteLevel", FieldType::Str),
    ("inquireLevel", FieldType::Str),
    ("moduleIdentifier", FieldType::Str),
    ("moduleName", FieldType::Str),
    ("moduleDescription", FieldType::Str),
    ("moduleFunctionIdentifier", FieldType::Str),
    ("moduleFunctionName", FieldType::Str),
    ("moduleFunctionDescription", FieldType::Str),
    ("myAllFlag", FieldType::Bool),
    ("reportFlag", FieldType::Bool),
    ("restrictFlag", FieldType::Bool),
    ("customFlag", FieldType::Bool),
    ("sortOrder", FieldType::Int),
    ("_info", FieldType::Info),
];

pub const ITEM_FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("customizeIdentifier", FieldType::Str),
    ("itemIdentifier", FieldType::Str),
    ("_info", FieldType::Info),
];

const LEVEL_FIELDS: [&str; 4] = ["addLevel", "editLevel", "deleteLevel", "inquireLevel"];

pub fn json(s: &RoleSetting) -> Value {
    json!({
        "id": s.id,
        "addLevel": s.add_level.as_str(),
        "editLevel": s.edit_level.as_str(),
        "deleteLevel": s.delete_level.as_str(),
        "inquireLevel": s.inquire_level.as_str(),
        "moduleIdentifier": s.module_identifier,
        "moduleName": s.module_name,
        "moduleDescription": s.module_description,
        "moduleFunctionIdentifier": s.module_function_identifier,
        "moduleFunctionName": s.module_function_name,
        "moduleFunctionDescription": s.module_function_description,
        "myAllFlag": s.my_all_flag,
        "reportFlag": s.report_flag,
        "restrictFlag": s.restrict_flag,
        "customFlag": s.custom_flag,
        "sortOrder": s.sort_order,
        "_info": s.audit.json(),
    })
}

pub fn item_json(i: &CustomizeItem) -> Value {
    json!({
        "id": i.id,
        "customizeIdentifier": i.customize_identifier,
        "itemIdentifier": i.item_identifier,
        "_info": i.audit.json(),
    })
}

fn rows(t: &TenantStore, role_id: i32) -> Vec<Value> {
    t.settings_of(role_id).map(json).collect()
}

fn items(t: &TenantStore, role_id: i32, setting_id: i32) -> Vec<Value> {
    t.customize_items
        .values()
        .filter(|i| i.role_id == role_id && i.setting_id == setting_id)
        .map(item_json)
        .collect()
}

/// `rest` follows `/settings`; the role exists.
pub fn route(ctx: &Ctx, t: &mut TenantStore, role_id: i32, rest: &[&str]) -> ApiResult {
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET])?;
            http::list(ctx, rows(t, role_id), FIELDS)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, rows(t, role_id), FIELDS)
        }
        [sid, rest @ ..] => {
            let sid = http::parse_id(sid, "securityRoleSetting")?;
            if t.settings.get(&sid).is_none_or(|s| s.role_id != role_id) {
                return Err(ApiError::not_found(&format!(
                    "securityRoleSetting with id {sid} was not found for security role {role_id}."
                )));
            }
            match rest {
                [] => {
                    http::allow(ctx, &[Method::GET, Method::PATCH])?;
                    if ctx.method == Method::PATCH {
                        patch(ctx, t, sid)?;
                    }
                    match t.settings.get(&sid) {
                        Some(s) => http::one(ctx, StatusCode::OK, json(s)),
                        None => Err(ApiError::not_found("securityRoleSetting was not found.")),
                    }
                }
                ["customizeitems", rest @ ..] => customize(ctx, t, role_id, sid, rest),
                _ => Err(ApiError::not_found(
                    "The requested security role setting resource was not found.",
                )),
            }
        }
    }
}

/// JSON-Patch `replace` of the level fields; validated as a whole before anything changes.
fn patch(ctx: &Ctx, t: &mut TenantStore, sid: i32) -> Result<(), ApiError> {
    const RES: &str = "securityRoleSetting";
    let ops = ctx.patch_ops(RES)?;
    let Some(setting) = t.settings.get(&sid) else {
        return Err(ApiError::not_found("securityRoleSetting was not found."));
    };
    let mut v = Validator::new(RES);
    let mut changes = Vec::new();
    for op in ops {
        if !LEVEL_FIELDS.contains(&op.path.as_str()) {
            v.push(
                "InvalidField",
                &op.path,
                &format!("The field '{}' cannot be patched; only addLevel, editLevel, deleteLevel and inquireLevel can.", op.path),
            );
            continue;
        }
        if op.op != "replace" {
            v.push(
                "InvalidField",
                &op.path,
                &format!("Only the 'replace' operation is supported on {}.", op.path),
            );
            continue;
        }
        let Some(level) = op.value.as_str().and_then(Level::parse) else {
            v.push(
                "InvalidField",
                &op.path,
                &format!("The value of {} must be one of None, My, All.", op.path),
            );
            continue;
        };
        if level == Level::My && !setting.my_all_flag {
            v.push(
                "OutOfRange",
                &op.path,
                &format!(
                    "{} > {} does not support the level My (myAllFlag is false); use None or All.",
                    setting.module_name, setting.module_function_name
                ),
            );
            continue;
        }
        changes.push((op.path, level));
    }
    v.finish()?;
    if let Some(s) = t.settings.get_mut(&sid) {
        for (field, level) in changes {
            match field.as_str() {
                "addLevel" => s.add_level = level,
                "editLevel" => s.edit_level = level,
                "deleteLevel" => s.delete_level = level,
                _ => s.inquire_level = level,
            }
        }
        s.audit.touch(&ctx.principal, ctx.now);
    }
    Ok(())
}

/// `.../settings/{sid}/customizeItems[/count|/{itemId}]`.
fn customize(ctx: &Ctx, t: &mut TenantStore, role_id: i32, sid: i32, rest: &[&str]) -> ApiResult {
    const RES: &str = "customizeItem";
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET, Method::POST])?;
            if ctx.method == Method::GET {
                return http::list(ctx, items(t, role_id, sid), ITEM_FIELDS);
            }
            add_item(ctx, t, role_id, sid)
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, items(t, role_id, sid), ITEM_FIELDS)
        }
        [iid] => {
            http::allow(ctx, &[Method::GET, Method::DELETE])?;
            let iid = http::parse_id(iid, RES)?;
            let Some(item) = t
                .customize_items
                .get(&iid)
                .filter(|i| i.role_id == role_id && i.setting_id == sid)
            else {
                return Err(ApiError::not_found(&format!(
                    "customizeItem with id {iid} was not found."
                )));
            };
            if ctx.method == Method::GET {
                return http::one(ctx, StatusCode::OK, item_json(item));
            }
            t.customize_items.remove(&iid);
            Ok(http::no_content())
        }
        _ => Err(ApiError::not_found(
            "The requested customize item resource was not found.",
        )),
    }
}

/// `POST .../customizeItems`: one allowed item, which the setting's list must accept and not hold
/// yet.
fn add_item(ctx: &Ctx, t: &mut TenantStore, role_id: i32, sid: i32) -> ApiResult {
    const RES: &str = "customizeItem";
    let body = http::body_object(ctx, RES)?;
    let Some(setting) = t.settings.get(&sid) else {
        return Err(ApiError::not_found("securityRoleSetting was not found."));
    };
    let Some(customize_id) = setting.customize_identifier.clone() else {
        return Err(ApiError::field(
            "InvalidField",
            RES,
            "customizeIdentifier",
            &format!(
                "{} > {} has no customize list.",
                setting.module_name, setting.module_function_name
            ),
        ));
    };
    let mut v = Validator::new(RES);
    let item = v.required_string(&body, "itemIdentifier", 100);
    if let Some(given) = v.string(&body, "customizeIdentifier", 50)
        && given != customize_id
    {
        v.push(
            "InvalidField",
            "customizeIdentifier",
            &format!("This setting's customize list is {customize_id}, not {given}."),
        );
    }
    if let Some(item) = &item {
        if let Err(reason) = catalogue::check_item(&customize_id, item) {
            v.push("InvalidField", "itemIdentifier", &reason);
        } else if t
            .customize_items
            .values()
            .any(|i| i.role_id == role_id && i.setting_id == sid && &i.item_identifier == item)
        {
            v.push(
                "ObjectExists",
                "itemIdentifier",
                &format!("'{item}' is already allowed."),
            );
        }
    }
    v.finish()?;
    let id = t.next_ids.item;
    t.next_ids.item += 1;
    let record = CustomizeItem {
        id,
        role_id,
        setting_id: sid,
        customize_identifier: customize_id,
        item_identifier: item.unwrap_or_default(),
        audit: Audit::new(&ctx.principal, ctx.now),
    };
    let out = item_json(&record);
    t.customize_items.insert(id, record);
    http::one(ctx, StatusCode::CREATED, out)
}
