//! Every call this client makes that is **not in the published API specification**, in one place.
//!
//! ConnectWise's public REST specification (2025.1) has no call to write a security role's
//! settings, to read or write a role's "customize" allow-lists, or to manage a member's API keys.
//! The paths below follow the vendor's conventions for the neighbouring documented endpoints
//! (project role settings PATCH, `mySecurity/customizeItems`, member sub-resources). The sandbox
//! implements them; a real server may not. When it does not, the call fails with
//! [`Error::NotSupported`] naming the step to do by hand (texts from the manual setup procedure
//! the provider automates).
//!
//! # How a missing endpoint is told apart from a missing record
//!
//! - **405** on an extension path always means the server lacks the call → `NotSupported`.
//! - **404** is ambiguous: `GET .../apiKeys/{id}` for a key that was deleted is a genuine
//!   "record not found" and must stay [`Error::NotFound`] (Terraform then drops the object from
//!   state). ConnectWise answers a missing record with its JSON error shape
//!   `{"code":"NotFound","message":...}`. So a 404 whose body is that shape is `NotFound`; a 404
//!   with any other body (an HTML page, an empty body, other JSON) means the route itself does
//!   not exist → `NotSupported`.

use super::Error;
use super::error::parse_error_body;

/// One kind of call that is not in the published API specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtCall {
    /// `PATCH /system/securityRoles/{roleId}/settings/{settingId}` (levels).
    UpdateRoleSettingLevels,
    /// `GET /system/securityRoles/{roleId}/settings/{settingId}/customizeItems`.
    ListCustomizeItems,
    /// `POST /system/securityRoles/{roleId}/settings/{settingId}/customizeItems`.
    AddCustomizeItem,
    /// `DELETE /system/securityRoles/{roleId}/settings/{settingId}/customizeItems/{itemId}`.
    DeleteCustomizeItem,
    /// `POST /system/members/{memberId}/apiKeys`.
    CreateApiKey,
    /// `GET /system/members/{memberId}/apiKeys`.
    ListApiKeys,
    /// `GET /system/members/{memberId}/apiKeys/{id}`.
    GetApiKey,
    /// `DELETE /system/members/{memberId}/apiKeys/{id}`.
    DeleteApiKey,
}

/// What to do by hand in ConnectWise Manage when the server lacks a call (one row per call).
const MANUAL_STEPS: &[(ExtCall, &str)] = &[
    (
        ExtCall::UpdateRoleSettingLevels,
        "in ConnectWise Manage open System > Security Roles > <role> and set the Add, Edit, Delete and Inquire levels (None / My / All) of the module function by hand, e.g. Companies > Company Maintenance: Inquire All; Companies > Configurations: Add, Edit, Inquire All; Service Desk > Service Tickets: Add, Edit, Inquire All; System > Table Setup: Add, Edit, Inquire All; everything else None",
    ),
    (
        ExtCall::ListCustomizeItems,
        "in ConnectWise Manage open System > Security Roles > <role>, click \"customize\" next to the function (e.g. System > Table Setup) and check its \"Allow access to these\" list by hand",
    ),
    (
        ExtCall::AddCustomizeItem,
        "in ConnectWise Manage open System > Security Roles > <role>, click \"customize\" next to the function (e.g. System > Table Setup) and move the entries into \"Allow access to these\" by hand (for the Umbrella PSA integration exactly Company / Configuration, Service / Priority and Service / Service Board)",
    ),
    (
        ExtCall::DeleteCustomizeItem,
        "in ConnectWise Manage open System > Security Roles > <role>, click \"customize\" next to the function (e.g. System > Table Setup) and move the entry back to \"Disallow access to these\" by hand",
    ),
    (
        ExtCall::CreateApiKey,
        "in ConnectWise Manage open System > Members > API Members > <member> > API Keys, click \"+\", enter a description (e.g. Umbrella PSA Integration) and save; copy the public and private key at once (the private key is shown only at creation time) and give them to Terraform as sensitive values",
    ),
    (
        ExtCall::ListApiKeys,
        "in ConnectWise Manage open System > Members > API Members > <member> > API Keys to see the member's keys by hand",
    ),
    (
        ExtCall::GetApiKey,
        "in ConnectWise Manage open System > Members > API Members > <member> > API Keys to check the key by hand",
    ),
    (
        ExtCall::DeleteApiKey,
        "in ConnectWise Manage open System > Members > API Members > <member> > API Keys and delete the key by hand",
    ),
];

impl ExtCall {
    /// The manual step that replaces this call on a server without it.
    pub fn manual_step(self) -> &'static str {
        MANUAL_STEPS
            .iter()
            .find(|(call, _)| *call == self)
            .map(|(_, step)| *step)
            .unwrap_or("do this step by hand in ConnectWise Manage")
    }
}

/// Paths of the extension calls (relative to `.../apis/3.0`). Ids are numbers, so no escaping.
pub(crate) mod paths {
    /// `/system/securityRoles/{roleId}/settings/{settingId}`.
    pub(crate) fn role_setting(role_id: i32, setting_id: i32) -> String {
        format!("/system/securityRoles/{role_id}/settings/{setting_id}")
    }

    /// `/system/securityRoles/{roleId}/settings/{settingId}/customizeItems`.
    pub(crate) fn customize_items(role_id: i32, setting_id: i32) -> String {
        format!("{}/customizeItems", role_setting(role_id, setting_id))
    }

    /// `/system/securityRoles/{roleId}/settings/{settingId}/customizeItems/{itemId}`.
    pub(crate) fn customize_item(role_id: i32, setting_id: i32, item_id: i32) -> String {
        format!("{}/{item_id}", customize_items(role_id, setting_id))
    }

    /// `/system/members/{memberId}/apiKeys`.
    pub(crate) fn api_keys(member_id: i32) -> String {
        format!("/system/members/{member_id}/apiKeys")
    }

    /// `/system/members/{memberId}/apiKeys/{id}`.
    pub(crate) fn api_key(member_id: i32, key_id: i32) -> String {
        format!("{}/{key_id}", api_keys(member_id))
    }
}

/// Whether an error answer to an extension call means "the server lacks the call" (see the
/// module documentation for the rule); `Some(NotSupported)` then, `None` to map it as usual.
pub(crate) fn classify_failure(
    ext: ExtCall,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    call: &str,
) -> Option<Error> {
    let unsupported = match status {
        405 => true,
        404 => !is_record_not_found(content_type, body),
        _ => false,
    };
    unsupported.then(|| Error::NotSupported {
        call: call.to_owned(),
        manual_step: ext.manual_step().to_owned(),
    })
}

/// ConnectWise's answer for a missing record: JSON with `"code": "NotFound"`.
fn is_record_not_found(content_type: Option<&str>, body: &[u8]) -> bool {
    let parsed = parse_error_body(404, content_type, body);
    parsed.is_connectwise_json && parsed.code.eq_ignore_ascii_case("NotFound")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_has_a_manual_step() {
        for call in [
            ExtCall::UpdateRoleSettingLevels,
            ExtCall::ListCustomizeItems,
            ExtCall::AddCustomizeItem,
            ExtCall::DeleteCustomizeItem,
            ExtCall::CreateApiKey,
            ExtCall::ListApiKeys,
            ExtCall::GetApiKey,
            ExtCall::DeleteApiKey,
        ] {
            assert!(MANUAL_STEPS.iter().any(|(c, _)| *c == call), "{call:?}");
            assert!(call.manual_step().contains("ConnectWise Manage"));
        }
        assert!(
            ExtCall::UpdateRoleSettingLevels
                .manual_step()
                .contains("System > Security Roles")
        );
    }

    #[test]
    fn status_405_is_always_not_supported() {
        let body = br#"{"code":"NotFound","message":"x"}"#;
        let err = classify_failure(ExtCall::GetApiKey, 405, None, body, "GET /k").unwrap();
        assert!(matches!(err, Error::NotSupported { .. }));
    }

    #[test]
    fn status_404_depends_on_the_body() {
        let record = br#"{"code":"NotFound","message":"API key 5 not found","errors":null}"#;
        assert!(classify_failure(ExtCall::GetApiKey, 404, None, record, "GET /k").is_none());
        let html = b"<html><body>404 - File or directory not found.</body></html>";
        let err = classify_failure(ExtCall::GetApiKey, 404, Some("text/html"), html, "GET /k");
        match err {
            Some(Error::NotSupported { call, manual_step }) => {
                assert_eq!(call, "GET /k");
                assert!(manual_step.contains("API Keys"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(classify_failure(ExtCall::CreateApiKey, 404, None, b"", "POST /k").is_some());
        assert!(
            classify_failure(ExtCall::CreateApiKey, 404, None, br#"{"x":1}"#, "POST /k").is_some()
        );
    }

    #[test]
    fn other_statuses_are_left_alone() {
        assert!(classify_failure(ExtCall::CreateApiKey, 400, None, b"", "POST /k").is_none());
        assert!(classify_failure(ExtCall::CreateApiKey, 500, None, b"", "POST /k").is_none());
    }
}
