//! Finding a security role by record id or by name (import ids and data sources take either).

use api_client::{ConnectWise, Error, SecurityRole};
use tfplugin::{Model, Val};

use super::ids::parse_record_id;

/// What an import id of a role (or of a role's permission set) may be.
pub const ROLE_IMPORT_ID: &str =
    "the role's record id (a whole number greater than 0) or its exact name";

/// The role an import id names: by id when it is a record id, else by name; `Ok(None)` when none.
pub async fn find_role(cw: &ConnectWise, id_or_name: &str) -> Result<Option<SecurityRole>, Error> {
    match parse_record_id(id_or_name) {
        Some(id) => match cw.security_roles().get(id).await {
            Ok(role) => Ok(Some(role)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        },
        None => cw.security_roles().find_by_name(id_or_name).await,
    }
}

/// A role's attributes, as the resource and the data source `connectwise_security_role` both
/// have them.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct RoleModel {
    pub id: Val<String>,
    pub name: Val<String>,
    pub role_type: Val<String>,
    pub admin_flag: Val<bool>,
    pub inactive_flag: Val<bool>,
}

impl RoleModel {
    /// The role as ConnectWise returned it.
    pub fn from_role(role: &SecurityRole) -> RoleModel {
        RoleModel {
            id: Val::Known(role.id.to_string()),
            name: Val::Known(role.name.clone()),
            role_type: role.role_type.clone().into(),
            admin_flag: Val::Known(role.admin_flag.unwrap_or(false)),
            inactive_flag: Val::Known(role.inactive_flag.unwrap_or(false)),
        }
    }

    /// The record id kept in state.
    pub fn record_id(&self) -> Option<i32> {
        self.id.as_str().and_then(parse_record_id)
    }
}
