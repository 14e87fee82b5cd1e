//! The records of one tenant, as the emulator stores them.
//!
//! The serde form of these records (camelCase field names, every field defaulted when missing) is
//! also their form in state files (`crate::snapshot`): renaming a field changes the file format.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::http::iso;

/// A permission level of a role setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Level {
    #[default]
    None,
    My,
    All,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::My => "My",
            Level::All => "All",
        }
    }

    /// Exact API spelling only (`None`, `My`, `All`).
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "None" => Some(Level::None),
            "My" => Some(Level::My),
            "All" => Some(Level::All),
            _ => None,
        }
    }
}

/// `_info` bookkeeping of a record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audit {
    pub date_entered: String,
    pub entered_by: String,
    pub last_updated: String,
    pub updated_by: String,
}

impl Audit {
    pub fn new(by: &str, now: OffsetDateTime) -> Audit {
        let at = iso(now);
        Audit {
            date_entered: at.clone(),
            entered_by: by.into(),
            last_updated: at,
            updated_by: by.into(),
        }
    }

    pub fn touch(&mut self, by: &str, now: OffsetDateTime) {
        self.last_updated = iso(now);
        self.updated_by = by.into();
    }

    pub fn json(&self) -> Value {
        json!({
            "lastUpdated": self.last_updated,
            "updatedBy": self.updated_by,
            "dateEntered": self.date_entered,
            "enteredBy": self.entered_by,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityRole {
    pub id: i32,
    pub name: String,
    pub role_type: Option<String>,
    pub admin_flag: bool,
    pub inactive_flag: bool,
    pub audit: Audit,
}

/// One row of a role's settings (one catalogue function), catalogue data copied in so tests can
/// simulate a server whose rows differ from the catalogue.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleSetting {
    pub id: i32,
    pub role_id: i32,
    pub add_level: Level,
    pub edit_level: Level,
    pub delete_level: Level,
    pub inquire_level: Level,
    pub module_identifier: String,
    pub module_name: String,
    pub module_description: String,
    pub module_function_identifier: String,
    pub module_function_name: String,
    pub module_function_description: String,
    pub my_all_flag: bool,
    pub report_flag: bool,
    pub restrict_flag: bool,
    pub custom_flag: bool,
    /// The customize list this row owns (e.g. `SystemTableSetup`), if any.
    pub customize_identifier: Option<String>,
    pub sort_order: i32,
    pub audit: Audit,
}

/// One entry of a customize allow-list ("Allow access to these").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomizeItem {
    pub id: i32,
    pub role_id: i32,
    pub setting_id: i32,
    pub customize_identifier: String,
    pub item_identifier: String,
    pub audit: Audit,
}

/// A member: full (`license_class` "F") or API member ("A").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Member {
    pub id: i32,
    pub identifier: String,
    pub license_class: String,
    /// API members: the member name; full members: "First Last".
    pub name: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email_address: Option<String>,
    pub title: Option<String>,
    pub inactive_flag: bool,
    pub inactive_date: Option<String>,
    pub security_role_id: Option<i32>,
    pub structure_level_id: Option<i32>,
    pub security_location_id: Option<i32>,
    pub default_location_id: Option<i32>,
    pub sales_default_location_id: Option<i32>,
    pub default_department_id: Option<i32>,
    pub time_zone_id: Option<i32>,
    pub service_default_board_id: Option<i32>,
    pub notes: Option<String>,
    pub excluded_service_board_ids: Vec<i32>,
    pub block_price_flag: bool,
    pub block_cost_flag: bool,
    pub hire_date: String,
    pub audit: Audit,
}

impl Member {
    pub fn is_api(&self) -> bool {
        self.license_class == "A"
    }
}

/// A member's API key. The private key is kept only as a salted hash.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiKey {
    pub id: i32,
    pub member_id: i32,
    pub description: String,
    pub public_key: String,
    pub private_key_hash: u64,
    pub audit: Audit,
}

/// A temporary key pair from `POST /system/members/{identifier}/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberToken {
    #[serde(default)]
    pub member_id: i32,
    #[serde(default)]
    pub public_key: String,
    #[serde(default)]
    pub private_key_hash: u64,
    /// RFC 3339 in state files; a missing one is long past.
    #[serde(with = "rfc3339", default = "long_past")]
    pub expiration: OffsetDateTime,
}

fn long_past() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH
}

/// `OffsetDateTime` as an RFC 3339 string.
mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = at
            .format(&Rfc3339)
            .map_err(|e| serde::ser::Error::custom(e.to_string()))?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(de::Error::custom)
    }
}

/// A row of a reference table (locations, departments, time zones, structure levels, boards).
#[derive(Debug, Clone)]
pub struct Lookup {
    pub id: i32,
    pub name: String,
    /// Departments have an identifier besides the name.
    pub identifier: Option<String>,
    /// Model-specific fields, rendered as-is.
    pub extra: Map<String, Value>,
}

impl Lookup {
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        if let Some(ident) = &self.identifier {
            m.insert("identifier".into(), json!(ident));
        }
        m.insert("name".into(), json!(self.name));
        m.extend(self.extra.clone());
        m.insert(
            "_info".into(),
            json!({"lastUpdated": "2024-01-15T09:00:00Z", "updatedBy": "admin"}),
        );
        Value::Object(m)
    }

    /// `{id, name, _info}` (plus `identifier` for departments).
    pub fn reference(&self) -> Value {
        let mut r = json!({"id": self.id, "name": self.name, "_info": {}});
        if let Some(ident) = &self.identifier {
            r["identifier"] = json!(ident);
        }
        r
    }
}

/// Values `GET /system/apiMembers/default` offers and that omitted references take.
#[derive(Debug, Clone)]
pub struct ApiMemberDefaults {
    pub structure_level_id: i32,
    pub security_location_id: i32,
    pub default_location_id: i32,
    pub default_department_id: i32,
    pub time_zone_id: i32,
}

/// Next ids per record kind (ids are unique per tenant and kind).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdCounters {
    pub role: i32,
    pub setting: i32,
    pub item: i32,
    pub member: i32,
    pub api_key: i32,
}

/// The caller an API request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub member_id: i32,
    pub identifier: String,
}
