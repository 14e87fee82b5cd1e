//! [ext] `/system/members/{memberId}/apiKeys`: the member screen's "API Keys" tab. The private
//! key appears only in the POST response; the store keeps a salted hash.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::http::{self, ApiError, ApiResult, Ctx, Validator};
use super::state::{ApiKey, Audit, TenantStore, random_key};
use crate::conditions::{FieldType, Fields};

pub const FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("description", FieldType::Str),
    ("publicKey", FieldType::Str),
    ("_info", FieldType::Info),
];

pub fn json(k: &ApiKey) -> Value {
    let mut info = k.audit.json();
    info["member_href"] = json!(format!("system/members/{}", k.member_id));
    json!({"id": k.id, "description": k.description, "publicKey": k.public_key, "_info": info})
}

fn keys(t: &TenantStore, member_id: i32) -> Vec<Value> {
    t.api_keys
        .values()
        .filter(|k| k.member_id == member_id)
        .map(json)
        .collect()
}

/// `member` is the `{memberId}` segment; `rest` follows `/apiKeys`.
pub fn route(ctx: &Ctx, t: &mut TenantStore, member: &str, rest: &[&str]) -> ApiResult {
    let Some(member_id) = member
        .parse::<i32>()
        .ok()
        .filter(|id| t.members.contains_key(id))
    else {
        return Err(ApiError::not_found(&format!(
            "member with id {member} was not found."
        )));
    };
    match rest {
        [] => {
            http::allow(ctx, &[Method::GET, Method::POST])?;
            if ctx.method == Method::GET {
                return http::list(ctx, keys(t, member_id), FIELDS);
            }
            let body = http::body_object(ctx, "apiKey")?;
            let mut v = Validator::new("apiKey");
            let description = v.required_string(&body, "description", 100);
            v.finish()?;
            let private_key = random_key(24);
            let id = t.next_ids.api_key;
            t.next_ids.api_key += 1;
            let key = ApiKey {
                id,
                member_id,
                description: description.unwrap_or_default(),
                public_key: random_key(16),
                private_key_hash: t.hash_secret(&private_key),
                audit: Audit::new(&ctx.principal, ctx.now),
            };
            let mut out = json(&key);
            // The only time the private key is ever returned.
            out["privateKey"] = json!(private_key);
            t.api_keys.insert(id, key);
            Ok(http::json_response(StatusCode::CREATED, &out))
        }
        ["count"] => {
            http::allow(ctx, &[Method::GET])?;
            http::count(ctx, keys(t, member_id), FIELDS)
        }
        [id] => {
            http::allow(ctx, &[Method::GET, Method::DELETE])?;
            let Some(key) = http::parse_id(id, "apiKey")
                .ok()
                .and_then(|id| t.api_keys.get(&id))
                .filter(|k| k.member_id == member_id)
            else {
                return Err(ApiError::not_found(&format!(
                    "apiKey with id {id} was not found."
                )));
            };
            if ctx.method == Method::GET {
                return http::one(ctx, StatusCode::OK, json(key));
            }
            let key_id = key.id;
            t.api_keys.remove(&key_id);
            Ok(http::no_content())
        }
        _ => Err(ApiError::not_found(
            "The requested API key resource was not found.",
        )),
    }
}
