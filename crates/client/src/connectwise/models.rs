//! Shapes shared by every API area: references to other records, `_info`, JSON-Patch operations.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::Error;

/// ConnectWise's `_info` metadata (`lastUpdated`, `updatedBy`, `*_href`, ...).
///
/// Values can be `null`, and the whole map can be `null`. It changes on every write and must
/// never be compared to detect drift.
pub type Info = HashMap<String, Option<String>>;

/// Reads `_info` leniently: `null`, a map of strings, or a map with other scalar values (kept as
/// their JSON text).
pub(crate) fn de_info<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Info>, D::Error> {
    let raw = Option::<HashMap<String, serde_json::Value>>::deserialize(deserializer)?;
    Ok(raw.map(|map| {
        map.into_iter()
            .map(|(key, value)| {
                let value = match value {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                };
                (key, value)
            })
            .collect()
    }))
}

/// Reads a string that may be `null` or absent as the empty string.
pub(crate) fn de_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// A reference from one record to another: `{id, name | identifier, _info}`.
///
/// On writes `{ "id": n }` suffices; `_info` is never sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// Id of the referenced record (can be `null` in answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// Identifier of the referenced record, for kinds that have one (members, departments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Display name of the referenced record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ConnectWise metadata; never sent, never compared.
    #[serde(
        rename = "_info",
        default,
        skip_serializing,
        deserialize_with = "de_info"
    )]
    pub info: Option<Info>,
}

impl Reference {
    /// A reference by id only, the form to send on writes.
    pub fn id(id: i32) -> Self {
        Self {
            id: Some(id),
            ..Self::default()
        }
    }
}

/// The operation of one JSON-Patch step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// One JSON-Patch step as ConnectWise reads it: `{"op":"replace","path":"name","value":...}`.
///
/// `path` is the case-sensitive field name with no leading slash. A reference field must be
/// replaced as a whole object (`"path":"securityRole","value":{"id":5}`), never by a path into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    /// The operation.
    pub op: PatchOpKind,
    /// The field name, e.g. `inactiveFlag`.
    pub path: String,
    /// The new value (ignored by `remove`).
    pub value: serde_json::Value,
}

impl PatchOp {
    /// A `replace` step with a JSON value.
    pub fn replace(path: impl Into<String>, value: serde_json::Value) -> Self {
        Self {
            op: PatchOpKind::Replace,
            path: path.into(),
            value,
        }
    }

    /// A `replace` step whose value is any serializable value (a [`Reference`], a string, ...).
    pub fn replace_with<T: Serialize + ?Sized>(
        path: impl Into<String>,
        value: &T,
    ) -> Result<Self, Error> {
        let path = path.into();
        let value = serde_json::to_value(value).map_err(|e| {
            Error::InvalidInput(format!("cannot encode the new value of {path}: {e}"))
        })?;
        Ok(Self::replace(path, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_serializes_without_info_and_nones() {
        let reference = Reference::id(5);
        assert_eq!(serde_json::to_string(&reference).unwrap(), r#"{"id":5}"#);
        let parsed: Reference = serde_json::from_str(
            r#"{"id":null,"name":"Umbrella","_info":{"role_href":"https://x","n":3,"z":null}}"#,
        )
        .unwrap();
        assert_eq!(parsed.id, None);
        let info = parsed.info.unwrap();
        assert_eq!(info["n"].as_deref(), Some("3"));
        assert_eq!(info["z"], None);
        let parsed: Reference = serde_json::from_str(r#"{"id":1,"_info":null}"#).unwrap();
        assert!(parsed.info.is_none());
    }

    #[test]
    fn patch_op_shape() {
        let op = PatchOp::replace_with("securityRole", &Reference::id(9)).unwrap();
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"op":"replace","path":"securityRole","value":{"id":9}}"#
        );
    }
}
