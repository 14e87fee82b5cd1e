//! Typed models: a resource decodes its config, plan or state once into its own struct and
//! encodes state from one, instead of reading attributes by string key.
//!
//! Follows tf-provider's `Value<T>` and the HashiCorp framework's `tfsdk`-tagged structs:
//! [`Val<T>`] makes null and unknown explicit, [`Field`] converts one attribute, and
//! `#[derive(Model)]` (from `tfplugin-derive`) writes the object conversion from the struct's
//! field names, so an attribute name is spelled once, by the field. [`check_model`] compares a
//! model's names with its schema, so a misspelled or missing attribute fails a test.
//!
//! ```
//! use tfplugin::{Model, Val, Value};
//!
//! #[derive(Model, Debug, PartialEq)]
//! struct Role {
//!     id: Val<String>,
//!     name: String,
//!     admin_flag: Val<bool>,
//! }
//!
//! let v = Value::object()
//!     .with("id", Value::Unknown)
//!     .with("name", Value::string("Umbrella"))
//!     .with("admin_flag", Value::Bool(false));
//! let role = Role::decode(&v).unwrap();
//! assert_eq!(role.name, "Umbrella");
//! assert!(role.id.is_unknown());
//! assert_eq!(role.encode(), v);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{AttrPath, Diagnostic, Diagnostics, Severity};
use crate::schema::Block;
use crate::value::{Number, Type, Value};

/// A value of type `T` that may also be null or not yet known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Val<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Val<T> {
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown)
    }
    pub fn is_known(&self) -> bool {
        matches!(self, Val::Known(_))
    }
    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }
    /// The value when known, consuming `self`.
    pub fn into_known(self) -> Option<T> {
        match self {
            Val::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_ref(&self) -> Val<&T> {
        match self {
            Val::Null => Val::Null,
            Val::Unknown => Val::Unknown,
            Val::Known(v) => Val::Known(v),
        }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Val<U> {
        match self {
            Val::Null => Val::Null,
            Val::Unknown => Val::Unknown,
            Val::Known(v) => Val::Known(f(v)),
        }
    }
}

impl Val<String> {
    /// The string when known.
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

impl<T: Copy> Val<T> {
    /// The value when known (copied).
    pub fn get(&self) -> Option<T> {
        self.known().copied()
    }
}

impl<T> From<Option<T>> for Val<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Val::Known)
    }
}

impl<T> From<T> for Val<T> {
    fn from(v: T) -> Self {
        Val::Known(v)
    }
}

/// A set: encodes as a Terraform set (a `Vec` encodes as a list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Set<T>(pub Vec<T>);

/// A string the user wrote, or that the server returned, kept out of `Debug` output.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Sensitive(pub String);

impl std::fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<sensitive>")
    }
}

/// The conversion of one attribute between a Terraform [`Value`] and a Rust type.
pub trait Field: Sized {
    /// Decodes `value` found at `path`; a wrong type is an error naming the path.
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic>;
    fn encode_field(&self) -> Value;
}

/// A struct whose fields are the attributes (and nested blocks) of a schema block. Implemented
/// by `#[derive(Model)]`; the field name is the attribute name (`r#type` is `type`).
pub trait Model: Sized {
    /// The attribute and block names, in field order.
    const NAMES: &'static [&'static str];
    /// Decodes an object value (every attribute; a null object is an error).
    fn decode_object(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic>;
    /// Encodes every field into an object value.
    fn encode(&self) -> Value;

    /// Decodes a whole config, plan or state value.
    fn decode(value: &Value) -> Result<Self, Diagnostic> {
        Self::decode_object(value, &AttrPath::default())
    }
    /// Decodes, or adds the error to `diags` and answers `None`.
    fn decode_into(value: &Value, diags: &mut Diagnostics) -> Option<Self> {
        match Self::decode(value) {
            Ok(m) => Some(m),
            Err(d) => {
                diags.0.push(d);
                None
            }
        }
    }
}

/// The error of a value that does not have the model's type. Terraform checks types against
/// the schema before the provider sees a value, so this means the model and schema disagree.
pub fn type_error(path: &AttrPath, expected: &str, got: &Value) -> Diagnostic {
    let got = match got {
        Value::Null => "null",
        Value::Unknown => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
    };
    Diagnostic {
        severity: Severity::Error,
        summary: "Value does not match the provider's model".into(),
        detail: format!(
            "Expected {expected} at {}, got {got}. This is a bug in the provider: please report it.",
            if path.0.is_empty() {
                "the top level".to_string()
            } else {
                path.to_string()
            }
        ),
        path: if path.0.is_empty() {
            None
        } else {
            Some(path.clone())
        },
    }
}

impl Field for String {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| type_error(path, "a string", value))
    }
    fn encode_field(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Field for Sensitive {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        String::decode_field(value, path).map(Sensitive)
    }
    fn encode_field(&self) -> Value {
        Value::String(self.0.clone())
    }
}

impl Field for bool {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        value
            .as_bool()
            .ok_or_else(|| type_error(path, "a bool", value))
    }
    fn encode_field(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Field for i64 {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        value
            .as_i64()
            .ok_or_else(|| type_error(path, "a whole number", value))
    }
    fn encode_field(&self) -> Value {
        Value::int(*self)
    }
}

impl Field for f64 {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::Number(Number::Int(i)) => Ok(*i as f64),
            Value::Number(Number::Float(f)) => Ok(*f),
            other => Err(type_error(path, "a number", other)),
        }
    }
    fn encode_field(&self) -> Value {
        Value::Number(Number::Float(*self))
    }
}

/// Passes a value through untyped (dynamic attributes, or a value handed on as it is).
impl Field for Value {
    fn decode_field(value: &Value, _path: &AttrPath) -> Result<Self, Diagnostic> {
        Ok(value.clone())
    }
    fn encode_field(&self) -> Value {
        self.clone()
    }
}

impl<T: Field> Field for Val<T> {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::Null => Ok(Val::Null),
            Value::Unknown => Ok(Val::Unknown),
            v => T::decode_field(v, path).map(Val::Known),
        }
    }
    fn encode_field(&self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Unknown => Value::Unknown,
            Val::Known(v) => v.encode_field(),
        }
    }
}

/// Null is `None`; an unknown value is an error (use [`Val`] where one can occur).
impl<T: Field> Field for Option<T> {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::Null => Ok(None),
            v => T::decode_field(v, path).map(Some),
        }
    }
    fn encode_field(&self) -> Value {
        self.as_ref().map_or(Value::Null, Field::encode_field)
    }
}

fn decode_elements<T: Field>(
    elements: &[Value],
    path: &AttrPath,
    set: bool,
) -> Result<Vec<T>, Diagnostic> {
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = match (set, e.as_str()) {
                (true, Some(s)) => path.clone().key(s),
                _ => path.clone().index(i as i64),
            };
            T::decode_field(e, &p)
        })
        .collect()
}

impl<T: Field> Field for Vec<T> {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::List(v) => decode_elements(v, path, false),
            Value::Set(v) => decode_elements(v, path, true),
            other => Err(type_error(path, "a list", other)),
        }
    }
    fn encode_field(&self) -> Value {
        Value::List(self.iter().map(Field::encode_field).collect())
    }
}

impl<T: Field> Field for Set<T> {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::Set(v) | Value::List(v) => decode_elements(v, path, true).map(Set),
            other => Err(type_error(path, "a set", other)),
        }
    }
    fn encode_field(&self) -> Value {
        Value::Set(self.0.iter().map(Field::encode_field).collect())
    }
}

impl<T: Field> Field for BTreeMap<String, T> {
    fn decode_field(value: &Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        match value {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), T::decode_field(v, &path.clone().key(k))?)))
                .collect(),
            other => Err(type_error(path, "a map", other)),
        }
    }
    fn encode_field(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), v.encode_field()))
                .collect(),
        )
    }
}

/// The names a block's model must have: its attributes and nested blocks.
pub fn schema_names(block: &Block) -> BTreeSet<String> {
    block
        .attributes
        .iter()
        .map(|a| a.name.clone())
        .chain(block.blocks.iter().map(|b| b.name.clone()))
        .collect()
}

/// Compares a model's field names with a schema block's names; the error lists what differs.
/// Every model has a test that calls this, so a misspelled attribute fails a test, not a user.
pub fn check_model<M: Model>(block: &Block) -> Result<(), String> {
    let schema = schema_names(block);
    let model: BTreeSet<String> = M::NAMES.iter().map(|n| n.to_string()).collect();
    let missing: Vec<&String> = schema.difference(&model).collect();
    let unknown: Vec<&String> = model.difference(&schema).collect();
    if missing.is_empty() && unknown.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}: schema attributes without a field: {missing:?}; fields without a schema attribute: {unknown:?}",
        std::any::type_name::<M>()
    ))
}

/// Like [`check_model`] for an object type that is not a block, e.g. the element type of a
/// computed `list(object(...))` attribute.
pub fn check_object_model<M: Model>(ty: &Type) -> Result<(), String> {
    let Type::Object(fields) = ty else {
        return Err(format!(
            "{}: the type is not an object: {ty:?}",
            std::any::type_name::<M>()
        ));
    };
    let schema: BTreeSet<String> = fields.keys().cloned().collect();
    let model: BTreeSet<String> = M::NAMES.iter().map(|n| n.to_string()).collect();
    if schema == model {
        return Ok(());
    }
    Err(format!(
        "{}: type attributes without a field: {:?}; fields without a type attribute: {:?}",
        std::any::type_name::<M>(),
        schema.difference(&model).collect::<Vec<_>>(),
        model.difference(&schema).collect::<Vec<_>>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;
    use crate::schema::{Attribute, Block};
    use crate::value::Type;

    #[derive(Model, Debug, PartialEq, Default)]
    struct Inner {
        module: String,
        allowed: Set<String>,
    }

    #[derive(Model, Debug, PartialEq, Default)]
    struct Outer {
        id: Val<String>,
        count: Option<i64>,
        r#type: Val<String>,
        tags: Val<BTreeMap<String, String>>,
        permission: Vec<Inner>,
    }

    fn outer_value() -> Value {
        Value::object()
            .with("id", Value::Unknown)
            .with("count", Value::int(3))
            .with("type", Value::Null)
            .with(
                "tags",
                Value::Map(BTreeMap::from([("a".to_string(), Value::string("b"))])),
            )
            .with(
                "permission",
                Value::List(vec![
                    Value::object()
                        .with("module", Value::string("System"))
                        .with("allowed", Value::string_set(["x", "y"])),
                ]),
            )
    }

    #[test]
    fn decodes_and_encodes_round_trip_with_null_and_unknown() {
        let v = outer_value();
        let m = Outer::decode(&v).unwrap_or_default();
        assert!(m.id.is_unknown());
        assert_eq!(m.count, Some(3));
        assert!(m.r#type.is_null());
        assert_eq!(m.permission[0].allowed.0, vec!["x", "y"]);
        assert_eq!(m.encode(), v);
        assert_eq!(Outer::NAMES, ["id", "count", "type", "tags", "permission"]);
    }

    #[test]
    fn a_wrong_type_is_an_error_naming_the_path() {
        let v = outer_value().with(
            "permission",
            Value::List(vec![Value::object().with("module", Value::int(1))]),
        );
        let err = Outer::decode(&v)
            .err()
            .map(|d| d.detail)
            .unwrap_or_default();
        assert!(err.contains("permission[0].module"), "{err}");
        let unknown_in_option = outer_value().with("count", Value::Unknown);
        assert!(Outer::decode(&unknown_in_option).is_err());
    }

    #[test]
    fn check_model_names_the_difference() {
        let block = Block::new("test")
            .attribute(Attribute::string("module").required())
            .attribute(Attribute::of_type("allowd", Type::set(Type::String)).optional());
        let err = check_model::<Inner>(&block).err().unwrap_or_default();
        assert!(
            err.contains("\"allowd\"") && err.contains("\"allowed\""),
            "{err}"
        );
        let good = Block::new("test")
            .attribute(Attribute::string("module").required())
            .attribute(Attribute::of_type("allowed", Type::set(Type::String)).optional());
        assert_eq!(check_model::<Inner>(&good), Ok(()));
    }

    #[test]
    fn check_object_model_names_the_difference() {
        let ty = |names: &[&str]| {
            Type::Object(
                names
                    .iter()
                    .map(|n| (n.to_string(), Type::String))
                    .collect(),
            )
        };
        assert_eq!(
            check_object_model::<Inner>(&ty(&["module", "allowed"])),
            Ok(())
        );
        let err = check_object_model::<Inner>(&ty(&["module", "allowd"]))
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("\"allowd\"") && err.contains("\"allowed\""),
            "{err}"
        );
        assert!(check_object_model::<Inner>(&Type::String).is_err());
    }
}
