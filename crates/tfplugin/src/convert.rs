//! Conversion between the protocol's messages and this crate's types:
//! values (`DynamicValue`, stored raw state), diagnostics and their attribute
//! paths, schemas and timestamps. No framework logic lives here.

use std::time::{SystemTime, UNIX_EPOCH};

use super::diag::{AttrPath, Diagnostics, Severity, Step};
use super::proto::tfplugin6 as pb;
use super::schema::{Block, Nesting, Schema};
use super::value::{self, Type, Value};

/// Decodes a value Terraform sent; a value that does not fit `ty` becomes an
/// error diagnostic about the `what` and `None`. An absent value is null.
pub(crate) fn decode(
    dv: Option<pb::DynamicValue>,
    ty: &Type,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Value> {
    let Some(dv) = dv else {
        return Some(Value::Null);
    };
    let result = if !dv.msgpack.is_empty() {
        value::from_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&dv.json)
            .map_err(|e| value::DecodeError {
                path: "the root".into(),
                message: format!("invalid JSON: {e}"),
            })
            .and_then(|j| value::from_json(&j, ty))
    } else {
        Ok(Value::Null)
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            d.error(
                format!("Could not decode the {what}"),
                format!("Terraform sent a value that does not match the schema: {e}."),
            );
            None
        }
    }
}

/// Encodes a value for Terraform (always msgpack).
pub(crate) fn encode(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: value::to_msgpack(v, ty),
        json: Vec::new(),
    })
}

/// Decodes a state as stored on disk (JSON); the error is a diagnostic detail.
pub(crate) fn decode_raw_state(raw: Option<pb::RawState>, ty: &Type) -> Result<Value, String> {
    let raw = raw.map(|s| s.json).unwrap_or_default();
    let json: serde_json::Value = if raw.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&raw)
            .map_err(|e| format!("The stored state is not valid JSON: {e}."))?
    };
    value::from_json(&json, ty)
        .map_err(|e| format!("The stored state does not match the schema: {e}."))
}

/// A point in time as a protobuf timestamp (times before 1970 become 1970).
pub(crate) fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: since.as_secs() as i64,
        nanos: since.subsec_nanos() as i32,
    }
}

/// Converts diagnostics to their wire form.
pub fn diags_to_proto(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.iter()
        .map(|x| pb::Diagnostic {
            severity: match x.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: x.summary.clone(),
            detail: x.detail.clone(),
            attribute: x.path.as_ref().map(path_to_proto),
        })
        .collect()
}

/// Converts an attribute path to its wire form.
pub(crate) fn path_to_proto(p: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    Step::Attribute(a) => Selector::AttributeName(a.clone()),
                    Step::Key(k) => Selector::ElementKeyString(k.clone()),
                    Step::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Converts a schema to its wire form.
pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn block_to_proto(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b
            .attributes
            .iter()
            .map(|a| pb::schema::Attribute {
                name: a.name.clone(),
                r#type: a.ty.to_json().to_string().into_bytes(),
                nested_type: None,
                description: a.description.clone(),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: a.deprecated,
                write_only: a.write_only,
            })
            .collect(),
        block_types: b
            .blocks
            .iter()
            .map(|nb| pb::schema::NestedBlock {
                type_name: nb.name.clone(),
                block: Some(block_to_proto(&nb.block, version)),
                nesting: match nb.nesting {
                    Nesting::Single => pb::schema::nested_block::NestingMode::Single as i32,
                    Nesting::List => pb::schema::nested_block::NestingMode::List as i32,
                    Nesting::Set => pb::schema::nested_block::NestingMode::Set as i32,
                },
                min_items: nb.min_items,
                max_items: nb.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_a_wrong_shape_is_a_diagnostic() {
        let ty = Type::Object([("n".to_string(), Type::Number)].into());
        let v = Value::object().with("n", Value::int(3));
        let mut d = Diagnostics::new();
        assert_eq!(decode(encode(&v, &ty), &ty, "state", &mut d), Some(v));
        assert_eq!(decode(None, &ty, "state", &mut d), Some(Value::Null));
        assert!(d.is_empty());

        let wrong = pb::DynamicValue {
            msgpack: Vec::new(),
            json: br#"{"n": "three"}"#.to_vec(),
        };
        assert_eq!(decode(Some(wrong), &ty, "prior state", &mut d), None);
        assert_eq!(d.0[0].summary, "Could not decode the prior state");
    }

    #[test]
    fn stored_state_that_is_not_json_says_so() {
        let ty = Type::Object([("n".to_string(), Type::Number)].into());
        let raw = |json: &str| {
            Some(pb::RawState {
                json: json.as_bytes().to_vec(),
                ..Default::default()
            })
        };
        assert_eq!(decode_raw_state(raw(""), &ty), Ok(Value::Null));
        let err = decode_raw_state(raw("{"), &ty).unwrap_err();
        assert!(
            err.starts_with("The stored state is not valid JSON"),
            "{err}"
        );
        let err = decode_raw_state(raw(r#"{"n": true}"#), &ty).unwrap_err();
        assert!(
            err.starts_with("The stored state does not match the schema"),
            "{err}"
        );
    }

    #[test]
    fn diagnostics_keep_their_attribute_path() {
        use pb::attribute_path::step::Selector;
        let mut d = Diagnostics::new();
        d.attr_error(AttrPath::root("a").index(2).key("k"), "s", "d");
        let wire = diags_to_proto(&d);
        let steps: Vec<_> = wire[0]
            .attribute
            .as_ref()
            .unwrap()
            .steps
            .iter()
            .map(|s| s.selector.clone())
            .collect();
        assert_eq!(
            steps,
            vec![
                Some(Selector::AttributeName("a".into())),
                Some(Selector::ElementKeyInt(2)),
                Some(Selector::ElementKeyString("k".into())),
            ]
        );
        assert_eq!(wire[0].severity, pb::diagnostic::Severity::Error as i32);
    }
}
