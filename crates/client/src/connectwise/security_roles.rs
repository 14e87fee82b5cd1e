//! Security roles: `/system/securityroles` (list, get, create, delete; the API has no update).

use serde::{Deserialize, Serialize};

use super::http::Call;
use super::models::{Info, de_info, de_string};
use super::{Conditions, ConnectWise, Error};

/// A security role (System > Security Roles; `name` is the UI's "Role ID").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityRole {
    /// Record id.
    pub id: i32,
    /// Role name, at most 30 characters.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// Role type (from API version 2022.2), at most 30 characters.
    #[serde(default)]
    pub role_type: Option<String>,
    /// Whether the role is an administrator role.
    #[serde(default)]
    pub admin_flag: Option<bool>,
    /// Whether the role is inactive.
    #[serde(default)]
    pub inactive_flag: Option<bool>,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// The body of `POST /system/securityroles`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSecurityRole {
    /// Role name (required, at most 30 characters).
    pub name: String,
    /// Role type, at most 30 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_type: Option<String>,
    /// Whether the role is an administrator role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_flag: Option<bool>,
    /// Whether the role is inactive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inactive_flag: Option<bool>,
}

/// Calls on `/system/securityroles`; get one with [`ConnectWise::security_roles`].
#[derive(Debug, Clone, Copy)]
pub struct SecurityRoles<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Security roles (`/system/securityroles`).
    pub fn security_roles(&self) -> SecurityRoles<'_> {
        SecurityRoles { client: self }
    }
}

const RESOURCE: &str = "security role";

impl SecurityRoles<'_> {
    /// Every role matching `conditions` (all pages).
    pub async fn list(&self, conditions: &Conditions) -> Result<Vec<SecurityRole>, Error> {
        let call =
            Call::get("/system/securityroles".into(), RESOURCE, "list").conditions(conditions);
        self.client.list_all(call).await
    }

    /// The role with this id.
    pub async fn get(&self, id: i32) -> Result<SecurityRole, Error> {
        let call = Call::get(format!("/system/securityroles/{id}"), RESOURCE, id);
        self.client.fetch(call).await
    }

    /// The role with this name (case-insensitive), if any.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<SecurityRole>, Error> {
        if name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "security role name must not be empty".into(),
            ));
        }
        let roles = self.list(&Conditions::eq("name", name)).await?;
        Ok(pick_by_name(roles, name, |r| &r.name))
    }

    /// Creates a role (`POST`, 201); ConnectWise adds every module function's setting at level None.
    ///
    /// If the answer is lost (server error, timeout, dropped connection) the role is looked up by
    /// name before the POST is sent again, so it is never created twice.
    pub async fn create(&self, role: &NewSecurityRole) -> Result<SecurityRole, Error> {
        if role.name.trim().is_empty() {
            return Err(Error::InvalidInput(
                "security role name must not be empty".into(),
            ));
        }
        let call = Call::post("/system/securityroles".into(), RESOURCE, &role.name).json(role)?;
        self.client
            .create_idempotent(call, || self.find_by_name(&role.name))
            .await
    }

    /// Deletes a role (204). Fails while members still use it.
    pub async fn delete(&self, id: i32) -> Result<(), Error> {
        let call = Call::delete(format!("/system/securityroles/{id}"), RESOURCE, id);
        self.client.execute_call(call).await
    }
}

/// The one record whose name equals `name`: exact match first, then case-insensitive (the server
/// compares case-insensitively, and may ignore `conditions` altogether).
pub(crate) fn pick_by_name<T>(items: Vec<T>, name: &str, key: impl Fn(&T) -> &str) -> Option<T> {
    let mut fallback = None;
    for item in items {
        let value = key(&item);
        if value == name {
            return Some(item);
        }
        if fallback.is_none() && value.eq_ignore_ascii_case(name) {
            fallback = Some(item);
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_role_and_tolerates_unknown_fields() {
        let role: SecurityRole = serde_json::from_str(
            r#"{"id":12,"name":"Umbrella","roleType":null,"adminFlag":false,"inactiveFlag":false,"newField":1,"_info":{"lastUpdated":"2025-01-01T00:00:00Z","updatedBy":null}}"#,
        )
        .unwrap();
        assert_eq!(role.id, 12);
        assert_eq!(role.name, "Umbrella");
        assert_eq!(role.admin_flag, Some(false));
        assert!(role.info.is_some());
    }

    #[test]
    fn new_role_body() {
        let body = NewSecurityRole {
            name: "Umbrella".into(),
            ..NewSecurityRole::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"name":"Umbrella"}"#
        );
    }

    #[test]
    fn pick_prefers_exact_then_case_insensitive() {
        let names = vec!["umbrella".to_owned(), "Umbrella".to_owned()];
        assert_eq!(
            pick_by_name(names.clone(), "Umbrella", |s| s.as_str()).as_deref(),
            Some("Umbrella")
        );
        assert_eq!(
            pick_by_name(names.clone(), "UMBRELLA", |s| s.as_str()).as_deref(),
            Some("umbrella")
        );
        assert_eq!(pick_by_name(names, "Other", |s| s.as_str()), None);
    }
}
