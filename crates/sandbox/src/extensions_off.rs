//! Playing a real server: the calls outside the published API specifications switched off, and
//! (optionally) the API member's security role enforced.
//!
//! A ConnectWise or Umbrella server that lacks one of the `[ext]` calls answers as its web stack
//! does for a route it does not have:
//!
//! - ConnectWise (ASP.NET Web API): a path with no route at all → 404 with the framework's
//!   `{"Message": "No HTTP resource was found that matches the request URI '...'."}`, which is
//!   not ConnectWise's `{"code":"NotFound"}` record answer; a path that exists for GET but not for
//!   the method → 405 with `Allow`. Role settings exist for GET (published), so their PATCH is a
//!   405; customize items and API keys have no route, so every method is a 404.
//! - Umbrella: `404 {"message": "Not Found"}`, its generic answer for an unknown path (not one of
//!   the PSA routes' record-not-found messages).
//!
//! The check runs before authentication, as routing does on those stacks. With
//! [`crate::SandboxConfig::enforce_role_permissions`], a ConnectWise caller whose security role
//! lacks the level a call needs on System > Security Roles (for `/system/securityroles...`) or
//! System > Member Maintenance (for `/system/members...` and `/system/apiMembers...`) gets 403,
//! as ConnectWise documents ("Improper security role settings"). It is off by default: tests use
//! members' own keys freely.

use std::fmt;
use std::str::FromStr;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;

use crate::http::{self, ApiError};
use crate::state::{Level, SandboxState, TenantStore};

/// A group of calls outside the published API, switched off together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extension {
    /// `PATCH /system/securityRoles/{roleId}/settings/{settingId}` → 405.
    RoleSettings,
    /// `/system/securityRoles/{roleId}/settings/{settingId}/customizeItems[/{id}]` → 404.
    CustomizeItems,
    /// `/system/members/{memberId}/apiKeys[/{id}]` → 404.
    ApiKeys,
    /// `/admin/v2/config/psa` → 404.
    UmbrellaPsa,
    /// `/admin/v2/config/psa/mappings[/...]` → 404.
    UmbrellaMappings,
    /// Only the bulk mapping calls: `PUT /admin/v2/config/psa/mappings` → 405 (the path lists
    /// mappings, GET only) and `/admin/v2/config/psa/mappings/remove` → 404; the paged list and
    /// the per-customer calls stay, as on a console that has the per-customer API only.
    UmbrellaBulkMappings,
}

impl Extension {
    /// Every group.
    pub const ALL: [Extension; 6] = [
        Extension::RoleSettings,
        Extension::CustomizeItems,
        Extension::ApiKeys,
        Extension::UmbrellaPsa,
        Extension::UmbrellaMappings,
        Extension::UmbrellaBulkMappings,
    ];

    /// The flag value: `role-settings`, `customize-items`, `api-keys`, `umbrella-psa`,
    /// `umbrella-mappings`, `umbrella-bulk-mappings`.
    pub fn name(self) -> &'static str {
        match self {
            Extension::RoleSettings => "role-settings",
            Extension::CustomizeItems => "customize-items",
            Extension::ApiKeys => "api-keys",
            Extension::UmbrellaPsa => "umbrella-psa",
            Extension::UmbrellaMappings => "umbrella-mappings",
            Extension::UmbrellaBulkMappings => "umbrella-bulk-mappings",
        }
    }

    /// The groups a flag value names: one, or `all`.
    pub fn parse_list(value: &str) -> Result<Vec<Extension>, String> {
        if value.trim().eq_ignore_ascii_case("all") {
            return Ok(Extension::ALL.to_vec());
        }
        value.parse().map(|e| vec![e])
    }
}

impl FromStr for Extension {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let wanted = value.trim().to_ascii_lowercase();
        Extension::ALL
            .into_iter()
            .find(|e| e.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Extension::ALL.iter().map(|e| e.name()).collect();
                format!(
                    "unknown extension {value:?}: expected all or one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Middleware: answers a switched-off call as a server without it would, and (when enabled)
/// refuses calls the caller's security role does not allow.
pub(crate) async fn gate(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let config = state.config();
    let off = &config.extensions_off;
    if let Some(refusal) = switched_off(off, req.method(), req.uri()) {
        return refusal;
    }
    if config.enforce_role_permissions
        && let Some(refusal) = forbidden(&state, req.method(), req.uri(), req.headers())
    {
        return refusal;
    }
    next.run(req).await
}

/// The answer of a server without the call, if `off` switches it off.
fn switched_off(off: &[Extension], method: &Method, uri: &axum::http::Uri) -> Option<Response> {
    if off.is_empty() {
        return None;
    }
    let path = uri.path().trim_end_matches('/').to_ascii_lowercase();
    if off.contains(&Extension::UmbrellaPsa) && path == "/admin/v2/config/psa" {
        return Some(umbrella_not_found());
    }
    if off.contains(&Extension::UmbrellaMappings)
        && (path == "/admin/v2/config/psa/mappings"
            || path.starts_with("/admin/v2/config/psa/mappings/"))
    {
        return Some(umbrella_not_found());
    }
    if off.contains(&Extension::UmbrellaBulkMappings) {
        if path == "/admin/v2/config/psa/mappings" && method == Method::PUT {
            return Some(umbrella_method_not_allowed());
        }
        if path == "/admin/v2/config/psa/mappings/remove" {
            return Some(umbrella_not_found());
        }
    }
    // ConnectWise: `/{codebase}/apis/3.0/...`.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let rest = match segments.as_slice() {
        [_, "apis", "3.0", rest @ ..] => rest,
        _ => return None,
    };
    match rest {
        [
            "system",
            "securityroles",
            _,
            "settings",
            _,
            "customizeitems",
            ..,
        ] if off.contains(&Extension::CustomizeItems) => Some(no_route(uri)),
        ["system", "securityroles", _, "settings", _]
            if off.contains(&Extension::RoleSettings) && method != Method::GET =>
        {
            Some(ApiError::method_not_allowed(method, &[Method::GET]).into_response())
        }
        ["system", "members", _, "apikeys", ..] if off.contains(&Extension::ApiKeys) => {
            Some(no_route(uri))
        }
        _ => None,
    }
}

/// ASP.NET Web API's answer for a path no route matches.
fn no_route(uri: &axum::http::Uri) -> Response {
    let body = json!({
        "Message": format!("No HTTP resource was found that matches the request URI '{}'.", uri.path()),
    });
    http::json_response(StatusCode::NOT_FOUND, &body)
}

/// Umbrella's answer for an unknown path.
fn umbrella_not_found() -> Response {
    let mut resp = (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"message": "Not Found"})),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Umbrella's answer for a method its path does not take.
fn umbrella_method_not_allowed() -> Response {
    let mut resp = (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(json!({"message": "Method Not Allowed"})),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    resp
}

/// The security-role function a ConnectWise path needs, and the level its method needs.
fn needed(method: &Method, rest: &[&str]) -> Option<(&'static str, &'static str, &'static str)> {
    let function = match rest {
        ["system", "securityroles", ..] => ("SecurityRoles", "Security Roles"),
        ["system", "members" | "apimembers", ..] => ("MemberMaintenance", "Member Maintenance"),
        _ => return None,
    };
    let level = match *method {
        Method::GET | Method::HEAD => "Inquire",
        Method::POST => "Add",
        Method::DELETE => "Delete",
        _ => "Edit",
    };
    Some((function.0, function.1, level))
}

/// 403 when the caller authenticates and its role lacks the level the call needs.
fn forbidden(
    state: &SandboxState,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> Option<Response> {
    let path = uri.path().to_ascii_lowercase();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let [_, "apis", "3.0", rest @ ..] = segments.as_slice() else {
        return None;
    };
    let (function_id, function_name, level) = needed(method, rest)?;
    let (company, public, private) = http::basic_credentials(headers)?;
    let now = OffsetDateTime::now_utc();
    let refusal = state.with_tenant(&company, |t| {
        let principal = t.authenticate(&public, &private, now)?;
        let role_id = t.members.get(&principal.member_id)?.security_role_id?;
        let role = t.roles.get(&role_id)?;
        if role.admin_flag || allows(t, role_id, function_id, level) {
            return None;
        }
        Some(format!(
            "Improper security role settings: the security role '{}' does not allow {level} on System > {function_name}.",
            role.name
        ))
    })??;
    Some(ApiError::new(StatusCode::FORBIDDEN, "Forbidden", &refusal).into_response())
}

/// Whether `role_id`'s System row for `function_id` grants `level` (My or All).
fn allows(t: &TenantStore, role_id: i32, function_id: &str, level: &str) -> bool {
    t.settings_of(role_id)
        .find(|s| s.module_identifier == "System" && s.module_function_identifier == function_id)
        .is_some_and(|s| {
            let granted = match level {
                "Inquire" => s.inquire_level,
                "Add" => s.add_level,
                "Delete" => s.delete_level,
                _ => s.edit_level,
            };
            granted != Level::None
        })
}

#[cfg(test)]
mod tests;
