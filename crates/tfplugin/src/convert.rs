//! Conversion between the protocol's messages and this crate's types:
//! values (`DynamicValue`, stored raw state and identity), diagnostics and
//! their attribute paths, schemas, identity schemas and timestamps. No
//! framework logic lives here.

use std::time::{SystemTime, UNIX_EPOCH};

use super::diag::{AttrPath, Diagnostics, Severity, Step};
use super::identity::{IDENTITY_VERSION, Identity};
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

/// Decodes a state or identity (`what`) as stored on disk (JSON); the error is a
/// diagnostic detail.
pub(crate) fn decode_raw(
    raw: Option<pb::RawState>,
    ty: &Type,
    what: &str,
) -> Result<Value, String> {
    let raw = raw.map(|s| s.json).unwrap_or_default();
    let json: serde_json::Value = if raw.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&raw)
            .map_err(|e| format!("The stored {what} is not valid JSON: {e}."))?
    };
    value::from_json(&json, ty)
        .map_err(|e| format!("The stored {what} does not match the schema: {e}."))
}

/// An identity value for Terraform (`None` for none).
pub(crate) fn identity_data(
    identity: Option<&Value>,
    ty: &Type,
) -> Option<pb::ResourceIdentityData> {
    identity.map(|v| pb::ResourceIdentityData {
        identity_data: encode(v, ty),
    })
}

/// Converts an identity schema to its wire form.
pub fn identity_schema_to_proto(identity: &Identity) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: IDENTITY_VERSION,
        identity_attributes: identity
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: a.ty.to_json().to_string().into_bytes(),
                required_for_import: a.required_for_import,
                optional_for_import: !a.required_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
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
        assert_eq!(decode_raw(raw(""), &ty, "state"), Ok(Value::Null));
        let err = decode_raw(raw("{"), &ty, "state").unwrap_err();
        assert!(
            err.starts_with("The stored state is not valid JSON"),
            "{err}"
        );
        let err = decode_raw(raw(r#"{"n": true}"#), &ty, "identity").unwrap_err();
        assert!(
            err.starts_with("The stored identity does not match the schema") && err.contains("n"),
            "{err}"
        );
    }

    #[test]
    fn identity_schemas_say_what_import_needs() {
        use crate::identity::IdentityAttribute;
        let identity = Identity::new("{customer_id}")
            .attribute(IdentityAttribute::number("customer_id").description("The customer."))
            .attribute(IdentityAttribute::string("console").optional_for_import());
        let wire = identity_schema_to_proto(&identity);
        assert_eq!(wire.version, 0);
        let attrs: Vec<_> = wire
            .identity_attributes
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    String::from_utf8_lossy(&a.r#type).into_owned(),
                    a.required_for_import,
                    a.optional_for_import,
                )
            })
            .collect();
        assert_eq!(
            attrs,
            vec![
                ("customer_id", "\"number\"".to_string(), true, false),
                ("console", "\"string\"".to_string(), false, true),
            ]
        );
        assert_eq!(wire.identity_attributes[0].description, "The customer.");

        let ty = identity.ty();
        let v = Value::object()
            .with("customer_id", Value::int(7))
            .with("console", Value::Null);
        let data = identity_data(Some(&v), &ty).unwrap().identity_data;
        let mut d = Diagnostics::new();
        assert_eq!(decode(data, &ty, "identity", &mut d), Some(v));
        assert_eq!(identity_data(None, &ty), None);
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
