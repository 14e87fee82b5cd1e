//! A security role's settings rows (one per module function): reading them, matching them
//! with the catalogue, and bringing one row to the levels and allow-list it must hold with only
//! the calls that differ. Shared by `connectwise_role_permission`,
//! `connectwise_role_permission_set` and the `connectwise_role_permissions` data source.

use std::collections::BTreeSet;
use std::sync::Arc;

use api_client::{ConnectWise, CustomizeItem, Error, Level, LevelField, SecurityRoleSetting};
use tfplugin::{AttrPath, Diagnostics};

use super::permissions::{LEVEL_ATTRS, lookup};
use crate::catalogue::{self, Function};
use crate::provider::diag::client_error;

/// The catalogue function of a settings row (by identifiers, then by names).
pub fn function_of_row(row: &SecurityRoleSetting) -> Option<&'static Function> {
    if let (Some(m), Some(f)) = (&row.module_identifier, &row.module_function_identifier)
        && let Some(found) = catalogue::functions()
            .iter()
            .find(|c| c.module_identifier == m && c.function_identifier == f)
    {
        return Some(found);
    }
    match (&row.module_name, &row.module_function_name) {
        (Some(m), Some(f)) => lookup(m, f),
        _ => None,
    }
}

/// The row of `f` among a role's settings (by names, then by identifiers).
pub fn find_row<'a>(
    rows: &'a [SecurityRoleSetting],
    f: &Function,
) -> Option<&'a SecurityRoleSetting> {
    rows.iter()
        .find(|r| {
            r.module_name.as_deref() == Some(f.module)
                && r.module_function_name.as_deref() == Some(f.function)
        })
        .or_else(|| {
            rows.iter().find(|r| {
                r.module_identifier.as_deref() == Some(f.module_identifier)
                    && r.module_function_identifier.as_deref() == Some(f.function_identifier)
            })
        })
}

/// Whether the row has a customize allow-list (the server's flag, else the catalogue's).
pub fn is_customizable(row: &SecurityRoleSetting, f: Option<&Function>) -> bool {
    row.custom_flag
        .unwrap_or_else(|| f.is_some_and(|f| f.customize.is_some()))
}

/// The module and function names of a row (catalogue spelling when known).
pub fn row_names(row: &SecurityRoleSetting) -> (String, String) {
    match function_of_row(row) {
        Some(f) => (f.module.to_string(), f.function.to_string()),
        None => (
            row.module_name.clone().unwrap_or_default(),
            row.module_function_name.clone().unwrap_or_default(),
        ),
    }
}

/// The module and function identifiers of a row (the catalogue's when the server has none).
pub fn row_identifiers(
    row: &SecurityRoleSetting,
    f: Option<&Function>,
) -> (Option<String>, Option<String>) {
    (
        row.module_identifier
            .clone()
            .or_else(|| f.map(|f| f.module_identifier.to_string())),
        row.module_function_identifier
            .clone()
            .or_else(|| f.map(|f| f.function_identifier.to_string())),
    )
}

/// The row's four levels, in the order of [`LEVEL_ATTRS`].
pub fn row_levels(row: &SecurityRoleSetting) -> [Option<Level>; 4] {
    LEVEL_ATTRS.map(|(_, field)| row.level(field))
}

/// Whether a row grants anything (any level other than `None`).
pub fn grants_anything(row: &SecurityRoleSetting) -> bool {
    LevelField::ALL
        .iter()
        .any(|f| row.level(*f).unwrap_or(Level::None) != Level::None)
}

/// What one row must hold.
pub struct Desired {
    pub levels: [Level; 4],
    /// The allow-list, or `None` to leave it alone (not customizable, or not managed).
    pub tables: Option<Vec<String>>,
}

impl Desired {
    /// Every level `None` and, when the row is customizable, an empty allow-list.
    pub fn nothing(customizable: bool) -> Desired {
        Desired {
            levels: [Level::None; 4],
            tables: customizable.then(Vec::new),
        }
    }
}

/// Brings one row to `desired` with only the calls that differ: one PATCH of the
/// levels that differ, and for the allow-list one GET, a POST per missing entry
/// and a DELETE per extra one. The error says what was being done.
pub async fn converge(
    cw: &ConnectWise,
    role_id: i32,
    row: &SecurityRoleSetting,
    desired: &Desired,
) -> Result<(), (String, Error)> {
    let (module, function) = row_names(row);
    let what = format!("{module} > {function} of security role {role_id}");
    let changes: Vec<(LevelField, Level)> = LEVEL_ATTRS
        .iter()
        .zip(desired.levels)
        .filter(|((_, field), want)| row.level(*field).unwrap_or(Level::None) != *want)
        .map(|((_, field), want)| (*field, want))
        .collect();
    if !changes.is_empty() {
        cw.role_settings()
            .update_levels(role_id, row.id, &changes)
            .await
            .map_err(|e| (format!("set the levels of {what}"), e))?;
    }
    let Some(tables) = &desired.tables else {
        return Ok(());
    };
    let items = cw
        .role_settings()
        .list_customize_items(role_id, row.id)
        .await
        .map_err(|e| (format!("read the allow-list of {what}"), e))?;
    let want: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let have: BTreeSet<&str> = items.iter().map(|i| i.item_identifier.as_str()).collect();
    for item in want.difference(&have) {
        cw.role_settings()
            .add_customize_item(role_id, row.id, item)
            .await
            .map_err(|e| (format!("allow {item:?} on {what}"), e))?;
    }
    for item in items
        .iter()
        .filter(|i| !want.contains(i.item_identifier.as_str()))
    {
        cw.role_settings()
            .delete_customize_item(role_id, row.id, item.id)
            .await
            .map_err(|e| (format!("disallow {:?} on {what}", item.item_identifier), e))?;
    }
    Ok(())
}

/// What a failed settings read was doing, for the error.
pub fn read_rows_action(role_id: i32) -> String {
    format!("read the permissions of security role {role_id}")
}

/// The role's settings rows; `Ok(None)` when the role does not exist.
pub async fn list_rows(
    cw: &ConnectWise,
    role_id: i32,
) -> Result<Option<Arc<Vec<SecurityRoleSetting>>>, Error> {
    match cw.role_settings().list(role_id).await {
        Ok(rows) => Ok(Some(rows)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The role's settings rows before a reset; `None` when the role is gone (nothing to reset) or
/// the read failed (the error is in `diags`).
pub async fn rows_for_reset(
    cw: &ConnectWise,
    role_id: i32,
    diags: &mut Diagnostics,
) -> Option<Arc<Vec<SecurityRoleSetting>>> {
    match list_rows(cw, role_id).await {
        Ok(rows) => rows,
        Err(e) => {
            client_error(diags, &read_rows_action(role_id), &e);
            None
        }
    }
}

/// The role's settings rows before a write; a role that does not exist is an error on `role_id`.
pub async fn rows_for_write(
    cw: &ConnectWise,
    role_id: i32,
    diags: &mut Diagnostics,
) -> Option<Arc<Vec<SecurityRoleSetting>>> {
    match cw.role_settings().list(role_id).await {
        Ok(rows) => Some(rows),
        Err(e) => {
            let action = read_rows_action(role_id);
            if e.is_not_found() {
                diags.attr_error(
                    AttrPath::root("role_id"),
                    format!("Cannot {action}"),
                    format!("Security role {role_id} does not exist in ConnectWise."),
                );
            } else {
                client_error(diags, &action, &e);
            }
            None
        }
    }
}

/// The allow-list of a customizable row. `Ok(None)` when the server cannot list allow-lists:
/// then a warning on `path` says the last known allow-list is kept.
pub async fn read_allow_list(
    cw: &ConnectWise,
    role_id: i32,
    row: &SecurityRoleSetting,
    path: AttrPath,
    diags: &mut Diagnostics,
) -> Result<Option<Vec<CustomizeItem>>, Error> {
    match cw
        .role_settings()
        .list_customize_items(role_id, row.id)
        .await
    {
        Ok(items) => Ok(Some(items)),
        Err(e @ Error::NotSupported { .. }) => {
            diags.attr_warning(
                path,
                "Cannot check the allow-list",
                format!("{e}\nThe last known allow-list is kept."),
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
