//! API members: `/system/apiMembers` (list, get, default template, create, patch; no delete).

use serde::{Deserialize, Serialize};

use super::http::{Call, segment};
use super::models::{Info, PatchOp, Reference, de_info, de_string};
use super::security_roles::pick_by_name;
use super::{Conditions, ConnectWise, Error};

/// An API member (System > Members > API Members). Also the body of a create.
///
/// `id` and `_info` are read-only and never sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiMember {
    /// Record id (absent on the default template).
    #[serde(default, skip_serializing)]
    pub id: Option<i32>,
    /// Member ID (required, at most 15 characters).
    #[serde(default, deserialize_with = "de_string")]
    pub identifier: String,
    /// Member name (at most 30 characters; required on updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Whether the member is inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_flag: Option<bool>,
    /// When the member became inactive (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_date: Option<String>,
    /// Time zone (`/system/timeZoneSetups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Reference>,
    /// Security role (`/system/securityroles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_role: Option<Reference>,
    /// Level of the corporate structure (UI "Level").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structure_level: Option<Reference>,
    /// Location whose records the member may reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_location: Option<Reference>,
    /// Default location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_location: Option<Reference>,
    /// Default department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_department: Option<Reference>,
    /// Default sales location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_default_location: Option<Reference>,
    /// Default service board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_default_board: Option<Reference>,
    /// Notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Service boards the member cannot see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_service_board_ids: Option<Vec<i32>>,
    /// Whether prices are hidden from the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_price_flag: Option<bool>,
    /// Whether costs are hidden from the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_cost_flag: Option<bool>,
    /// ConnectWise metadata; never sent, never compared.
    #[serde(
        rename = "_info",
        default,
        skip_serializing,
        deserialize_with = "de_info"
    )]
    pub info: Option<Info>,
}

/// Calls on `/system/apiMembers`; get one with [`ConnectWise::api_members`].
#[derive(Debug, Clone, Copy)]
pub struct ApiMembers<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// API members (`/system/apiMembers`).
    pub fn api_members(&self) -> ApiMembers<'_> {
        ApiMembers { client: self }
    }
}

const RESOURCE: &str = "API member";

impl ApiMembers<'_> {
    /// Every API member matching `conditions` (all pages).
    pub async fn list(&self, conditions: &Conditions) -> Result<Vec<ApiMember>, Error> {
        let call = Call::get("/system/apiMembers".into(), RESOURCE, "list").conditions(conditions);
        self.client.list_all(call).await
    }

    /// The API member with this id.
    pub async fn get(&self, id: i32) -> Result<ApiMember, Error> {
        let call = Call::get(format!("/system/apiMembers/{id}"), RESOURCE, id);
        self.client.fetch(call).await
    }

    /// The server's template for a new API member (`GET /system/apiMembers/default`), with the
    /// default role, level, locations, department and time zone filled in.
    pub async fn default(&self) -> Result<ApiMember, Error> {
        let call = Call::get("/system/apiMembers/default".into(), RESOURCE, "default");
        self.client.fetch(call).await
    }

    /// The API member with this identifier (case-insensitive), if any.
    pub async fn find_by_identifier(&self, identifier: &str) -> Result<Option<ApiMember>, Error> {
        segment("API member identifier", identifier)?;
        let members = self.list(&Conditions::eq("identifier", identifier)).await?;
        Ok(pick_by_name(members, identifier, |m| &m.identifier))
    }

    /// Creates an API member (`POST`, 201) from `member` (`id` and `_info` are not sent).
    ///
    /// If the answer is lost (server error, timeout, dropped connection) the member is looked up
    /// by identifier before the POST is sent again, so it is never created twice.
    pub async fn create(&self, member: &ApiMember) -> Result<ApiMember, Error> {
        segment("API member identifier", &member.identifier)?;
        let call =
            Call::post("/system/apiMembers".into(), RESOURCE, &member.identifier).json(member)?;
        self.client
            .create_idempotent(call, || self.find_by_identifier(&member.identifier))
            .await
    }

    /// Changes fields with JSON-Patch operations; references must be replaced as whole objects
    /// (`PatchOp::replace_with("securityRole", &Reference::id(5))`).
    pub async fn patch(&self, id: i32, ops: Vec<PatchOp>) -> Result<ApiMember, Error> {
        if ops.is_empty() {
            return self.get(id).await;
        }
        let call = Call::patch(format!("/system/apiMembers/{id}"), RESOURCE, id).json(&ops)?;
        self.client.fetch(call).await
    }

    /// Deactivates the member (`inactiveFlag: true`); the API has no delete.
    pub async fn deactivate(&self, id: i32) -> Result<ApiMember, Error> {
        self.patch(
            id,
            vec![PatchOp::replace(
                "inactiveFlag",
                serde_json::Value::Bool(true),
            )],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_skips_id_info_and_nones() {
        let member = ApiMember {
            id: Some(5),
            identifier: "umbrella-psa".into(),
            name: Some("Umbrella PSA".into()),
            security_role: Some(Reference::id(12)),
            ..ApiMember::default()
        };
        assert_eq!(
            serde_json::to_value(&member).unwrap(),
            serde_json::json!({"identifier":"umbrella-psa","name":"Umbrella PSA","securityRole":{"id":12}})
        );
    }

    #[test]
    fn decodes_a_member_with_references() {
        let member: ApiMember = serde_json::from_str(
            r#"{"id":150,"identifier":"umbrella","name":"Umbrella","inactiveFlag":false,
                "securityRole":{"id":12,"name":"Umbrella","_info":{"role_href":"x"}},
                "defaultDepartment":{"id":2,"identifier":"Services","name":"Services"},
                "timeZone":{"id":1,"name":"Eastern"},"excludedServiceBoardIds":[],
                "_info":{"lastUpdated":"2025-01-01T00:00:00Z"}}"#,
        )
        .unwrap();
        assert_eq!(member.id, Some(150));
        assert_eq!(member.security_role.unwrap().id, Some(12));
        assert_eq!(
            member.default_department.unwrap().identifier.as_deref(),
            Some("Services")
        );
    }
}
