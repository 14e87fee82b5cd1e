//! A security role's module-function settings (`/system/securityRoles/{roleId}/settings`) and
//! their "customize" allow-lists.
//!
//! Reading settings is in the published specification; changing levels and the customize items
//! are not (see [`super::extensions`]).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::coalesce::Coalescer;
use super::extensions::{ExtCall, paths};
use super::http::Call;
use super::models::{Info, PatchOp, de_info, de_string};
use super::{ConnectWise, Error};

/// An access level of a module function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Level {
    /// No access.
    None,
    /// Only records the member owns.
    My,
    /// All records.
    All,
    /// A value this client does not know (kept so that a new server value does not break reads).
    #[serde(other)]
    Unknown,
}

impl Level {
    /// The wire text: `None`, `My`, `All`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::My => "My",
            Level::All => "All",
            Level::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the four levels of a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LevelField {
    /// `addLevel`.
    Add,
    /// `editLevel`.
    Edit,
    /// `deleteLevel`.
    Delete,
    /// `inquireLevel`.
    Inquire,
}

impl LevelField {
    /// All four, in UI order.
    pub const ALL: [LevelField; 4] = [
        LevelField::Add,
        LevelField::Edit,
        LevelField::Delete,
        LevelField::Inquire,
    ];

    /// The JSON field name, e.g. `addLevel`.
    pub fn field_name(self) -> &'static str {
        match self {
            LevelField::Add => "addLevel",
            LevelField::Edit => "editLevel",
            LevelField::Delete => "deleteLevel",
            LevelField::Inquire => "inquireLevel",
        }
    }
}

/// One module function's levels for one role (a row of System > Security Roles > role).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityRoleSetting {
    /// Setting row id (per role).
    pub id: i32,
    /// Add level.
    #[serde(default)]
    pub add_level: Option<Level>,
    /// Edit level.
    #[serde(default)]
    pub edit_level: Option<Level>,
    /// Delete level.
    #[serde(default)]
    pub delete_level: Option<Level>,
    /// Inquire level.
    #[serde(default)]
    pub inquire_level: Option<Level>,
    /// Module identifier (UI group).
    #[serde(default)]
    pub module_identifier: Option<String>,
    /// Module name, e.g. `Companies`, `Service Desk`, `System`.
    #[serde(default)]
    pub module_name: Option<String>,
    /// Module description.
    #[serde(default)]
    pub module_description: Option<String>,
    /// Module function identifier.
    #[serde(default)]
    pub module_function_identifier: Option<String>,
    /// Module function name, e.g. `Table Setup`.
    #[serde(default)]
    pub module_function_name: Option<String>,
    /// Module function description.
    #[serde(default)]
    pub module_function_description: Option<String>,
    /// Whether the function offers the My level.
    #[serde(default)]
    pub my_all_flag: Option<bool>,
    /// Report flag (meaning undocumented).
    #[serde(default)]
    pub report_flag: Option<bool>,
    /// Restrict flag (meaning undocumented).
    #[serde(default)]
    pub restrict_flag: Option<bool>,
    /// Whether the function has a "customize" allow-list.
    #[serde(default)]
    pub custom_flag: Option<bool>,
    /// Display order.
    #[serde(default)]
    pub sort_order: Option<i32>,
    // `_info` is not kept: a role has ~109 rows, shared by every row's refresh, and nothing
    // reads a row's audit fields.
}

impl SecurityRoleSetting {
    /// The level of one of the four fields.
    pub fn level(&self, field: LevelField) -> Option<Level> {
        match field {
            LevelField::Add => self.add_level,
            LevelField::Edit => self.edit_level,
            LevelField::Delete => self.delete_level,
            LevelField::Inquire => self.inquire_level,
        }
    }
}

/// One entry of a function's "Allow access to these" list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomizeItem {
    /// Item id.
    pub id: i32,
    /// The list kind, e.g. `SystemTableSetup`.
    #[serde(default)]
    pub customize_identifier: Option<String>,
    /// The entry as the UI shows it, e.g. `Service / Priority`.
    #[serde(default, deserialize_with = "de_string")]
    pub item_identifier: String,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewCustomizeItem<'a> {
    item_identifier: &'a str,
}

/// Calls on a role's settings; get one with [`ConnectWise::role_settings`].
#[derive(Debug, Clone, Copy)]
pub struct RoleSettings<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Security role settings (`/system/securityRoles/{roleId}/settings`).
    pub fn role_settings(&self) -> RoleSettings<'_> {
        RoleSettings { client: self }
    }
}

/// Shared settings reads, per site, company and role.
static SETTINGS: std::sync::LazyLock<Coalescer<Vec<SecurityRoleSetting>>> =
    std::sync::LazyLock::new(Coalescer::new);

impl RoleSettings<'_> {
    fn key(&self, role_id: i32) -> String {
        format!(
            "{}|{}|{role_id}",
            self.client.inner.site,
            self.client.config().company_id
        )
    }

    /// This process changed the role's settings: later reads fetch again.
    fn invalidate(&self, role_id: i32) {
        SETTINGS.invalidate(&self.key(role_id));
    }

    /// Every setting of the role (one request with `pageSize=1000`; more only if a next page
    /// exists).
    ///
    /// Concurrent calls for the same role share one request (see `coalesce.rs`).
    pub async fn list(&self, role_id: i32) -> Result<Arc<Vec<SecurityRoleSetting>>, Error> {
        let key = self.key(role_id);
        SETTINGS
            .read(&key, || {
                let call = Call::get(
                    format!("/system/securityRoles/{role_id}/settings"),
                    "security role",
                    role_id,
                );
                self.client.list_all(call)
            })
            .await
    }

    /// One setting of the role.
    pub async fn get(&self, role_id: i32, setting_id: i32) -> Result<SecurityRoleSetting, Error> {
        let call = Call::get(
            paths::role_setting(role_id, setting_id),
            "security role setting",
            format!("{role_id}/{setting_id}"),
        );
        self.client.fetch(call).await
    }

    /// Sets levels of one setting with JSON-Patch `replace` operations on `addLevel` ..
    /// `inquireLevel`, and returns the setting as stored.
    ///
    /// Not in the published API specification: a server without it yields
    /// [`Error::NotSupported`].
    pub async fn update_levels(
        &self,
        role_id: i32,
        setting_id: i32,
        levels: &[(LevelField, Level)],
    ) -> Result<SecurityRoleSetting, Error> {
        if levels.iter().any(|(_, level)| *level == Level::Unknown) {
            return Err(Error::InvalidInput(
                "a level must be None, My or All".into(),
            ));
        }
        if levels.is_empty() {
            return self.get(role_id, setting_id).await;
        }
        let ops: Vec<PatchOp> = levels
            .iter()
            .map(|(field, level)| {
                PatchOp::replace(
                    field.field_name(),
                    serde_json::Value::String(level.as_str().to_owned()),
                )
            })
            .collect();
        let call = Call::patch(
            paths::role_setting(role_id, setting_id),
            "security role setting",
            format!("{role_id}/{setting_id}"),
        )
        .ext(ExtCall::UpdateRoleSettingLevels)
        .json(&ops)?;
        let answer = self.client.fetch_optional(call).await;
        self.invalidate(role_id);
        match answer? {
            Some(setting) => Ok(setting),
            None => self.get(role_id, setting_id).await,
        }
    }

    /// The "Allow access to these" entries of a customize function.
    ///
    /// Not in the published API specification: a server without it yields
    /// [`Error::NotSupported`].
    pub async fn list_customize_items(
        &self,
        role_id: i32,
        setting_id: i32,
    ) -> Result<Vec<CustomizeItem>, Error> {
        let call = Call::get(
            paths::customize_items(role_id, setting_id),
            "security role setting",
            format!("{role_id}/{setting_id}"),
        )
        .ext(ExtCall::ListCustomizeItems);
        self.client.list_all(call).await
    }

    /// Allows one entry, e.g. `Service / Priority` (POST `{"itemIdentifier": ...}`, 201).
    ///
    /// Not in the published API specification: a server without it yields
    /// [`Error::NotSupported`].
    pub async fn add_customize_item(
        &self,
        role_id: i32,
        setting_id: i32,
        item_identifier: &str,
    ) -> Result<CustomizeItem, Error> {
        if item_identifier.trim().is_empty() {
            return Err(Error::InvalidInput(
                "customize item identifier must not be empty".into(),
            ));
        }
        let call = Call::post(
            paths::customize_items(role_id, setting_id),
            "security role setting",
            format!("{role_id}/{setting_id}"),
        )
        .ext(ExtCall::AddCustomizeItem)
        .json(&NewCustomizeItem { item_identifier })?;
        // A lost answer: look the entry up by its identifier before adding it again.
        self.client
            .create_idempotent(call, || async move {
                let items = self.list_customize_items(role_id, setting_id).await?;
                Ok(items
                    .into_iter()
                    .find(|i| i.item_identifier.eq_ignore_ascii_case(item_identifier)))
            })
            .await
    }

    /// Removes one entry from the allow-list (204).
    ///
    /// Not in the published API specification: a server without it yields
    /// [`Error::NotSupported`].
    pub async fn delete_customize_item(
        &self,
        role_id: i32,
        setting_id: i32,
        item_id: i32,
    ) -> Result<(), Error> {
        let call = Call::delete(
            paths::customize_item(role_id, setting_id, item_id),
            "customize item",
            format!("{role_id}/{setting_id}/{item_id}"),
        )
        .ext(ExtCall::DeleteCustomizeItem);
        self.client.execute_call(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_setting() {
        let setting: SecurityRoleSetting = serde_json::from_str(
            r#"{"id":301,"addLevel":"All","editLevel":"My","deleteLevel":"None","inquireLevel":null,
                "moduleIdentifier":"System","moduleName":"System","moduleDescription":"",
                "moduleFunctionIdentifier":"TableSetup","moduleFunctionName":"Table Setup",
                "moduleFunctionDescription":"x","myAllFlag":false,"reportFlag":false,
                "restrictFlag":false,"customFlag":true,"sortOrder":7,"_info":null}"#,
        )
        .unwrap();
        assert_eq!(setting.add_level, Some(Level::All));
        assert_eq!(setting.level(LevelField::Edit), Some(Level::My));
        assert_eq!(setting.delete_level, Some(Level::None));
        assert_eq!(setting.inquire_level, None);
        assert_eq!(setting.custom_flag, Some(true));
        assert_eq!(setting.sort_order, Some(7));
        let odd: SecurityRoleSetting =
            serde_json::from_str(r#"{"id":1,"addLevel":"Some"}"#).unwrap();
        assert_eq!(odd.add_level, Some(Level::Unknown));
    }

    #[test]
    fn level_patch_shape() {
        let op = PatchOp::replace(
            LevelField::Inquire.field_name(),
            serde_json::Value::String(Level::All.as_str().into()),
        );
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"op":"replace","path":"inquireLevel","value":"All"}"#
        );
        assert_eq!(
            serde_json::to_string(&NewCustomizeItem {
                item_identifier: "Service / Priority"
            })
            .unwrap(),
            r#"{"itemIdentifier":"Service / Priority"}"#
        );
    }
}
