//! Terraform values: types, null and unknown, and their wire encodings.
//!
//! Terraform sends every value as msgpack shaped by the schema's type (see
//! hashicorp/terraform `docs/plugin-protocol/object-wire-format.md`): objects
//! as maps holding every attribute, lists and sets as arrays, unknown values as
//! msgpack extension 0. State read back from disk arrives as JSON. Both are
//! decoded against a [`Type`], so a wrong shape is an error, never a panic.

use std::collections::BTreeMap;
use std::fmt;

/// A Terraform (cty) type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
}

impl Type {
    /// `list(elem)`.
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }
    /// `set(elem)`.
    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }
    /// `map(elem)`.
    pub fn map(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }

    /// The JSON form Terraform expects in schemas (`"string"`, `["set","string"]`, ...).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::List(e) => json!(["list", e.to_json()]),
            Type::Set(e) => json!(["set", e.to_json()]),
            Type::Map(e) => json!(["map", e.to_json()]),
            Type::Object(attrs) => {
                let fields: serde_json::Map<String, serde_json::Value> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", fields])
            }
        }
    }

    /// Reads the JSON form of [`Type::to_json`] (as schemas carry it); `None` for anything else.
    pub fn from_json(json: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match json {
            J::String(s) => match s.as_str() {
                "string" => Some(Type::String),
                "number" => Some(Type::Number),
                "bool" => Some(Type::Bool),
                _ => None,
            },
            J::Array(parts) => match (parts.first()?.as_str()?, parts.get(1)?) {
                ("list", e) => Some(Type::list(Type::from_json(e)?)),
                ("set", e) => Some(Type::set(Type::from_json(e)?)),
                ("map", e) => Some(Type::map(Type::from_json(e)?)),
                ("object", J::Object(fields)) => fields
                    .iter()
                    .map(|(k, t)| Some((k.clone(), Type::from_json(t)?)))
                    .collect::<Option<BTreeMap<_, _>>>()
                    .map(Type::Object),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A number as Terraform carries it: integers exactly, everything else as f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A Terraform value, possibly null or not yet known.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// A known string.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    /// A known integer.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }
    /// A string, or null for `None`.
    pub fn opt_string(s: Option<impl Into<String>>) -> Value {
        s.map(|s| Value::String(s.into())).unwrap_or(Value::Null)
    }
    /// An integer, or null for `None`.
    pub fn opt_int(i: Option<i64>) -> Value {
        i.map(Value::int).unwrap_or(Value::Null)
    }
    /// A set of strings.
    pub fn string_set<I, S>(items: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Value::Set(items.into_iter().map(|s| Value::String(s.into())).collect())
    }
    /// An empty object, to be filled with [`Value::set`].
    pub fn object() -> Value {
        Value::Object(BTreeMap::new())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The attribute `name` of an object (null when absent or not an object).
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) | Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
    /// Sets attribute `name` of an object; turns a null value into an object first.
    pub fn set(&mut self, name: &str, value: Value) {
        if !matches!(self, Value::Object(_)) {
            *self = Value::object();
        }
        if let Value::Object(m) = self {
            m.insert(name.to_string(), value);
        }
    }
    /// Builder form of [`Value::set`].
    pub fn with(mut self, name: &str, value: Value) -> Value {
        self.set(name, value);
        self
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// An integral number (a float with no fraction counts).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(Number::Int(i)) => Some(*i),
            Value::Number(Number::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Some(*f as i64)
            }
            _ => None,
        }
    }
    /// Elements of a list or set.
    pub fn elements(&self) -> &[Value] {
        match self {
            Value::List(v) | Value::Set(v) => v,
            _ => &[],
        }
    }
    /// Entries of a map or object.
    pub fn entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }
    /// The strings of a known set or list of strings (unknown or null elements skipped).
    pub fn string_elements(&self) -> Vec<String> {
        self.elements()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// Semantic equality: sets compare without order.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.same_as(y)))
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                // Absent and null attributes are the same thing in an object.
                a.keys()
                    .chain(b.keys())
                    .all(|k| a.get(k).unwrap_or(&NULL).same_as(b.get(k).unwrap_or(&NULL)))
            }
            (Value::Number(x), Value::Number(y)) => number_f64(*x) == number_f64(*y),
            _ => self == other,
        }
    }
}

fn number_f64(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// A value that does not fit its type, with where it was found.
#[derive(Debug, thiserror::Error)]
#[error("{message} at {path}")]
pub struct DecodeError {
    pub path: String,
    pub message: String,
}

fn decode_err(path: &str, message: impl Into<String>) -> DecodeError {
    DecodeError {
        path: if path.is_empty() {
            "the root".to_string()
        } else {
            path.to_string()
        },
        message: message.into(),
    }
}

// cty marks unknown values with msgpack extension type 0; refined unknowns
// (Terraform ≥ 1.6) use extension 12. Both mean "unknown" to us.
const UNKNOWN_EXT: i8 = 0;
const REFINED_UNKNOWN_EXT: i8 = 12;

/// Decodes msgpack bytes against `ty`.
pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut reader = bytes;
    let raw = rmpv::decode::read_value(&mut reader)
        .map_err(|e| decode_err("", format!("invalid msgpack: {e}")))?;
    from_rmpv(raw, ty, "")
}

fn from_rmpv(raw: rmpv::Value, ty: &Type, path: &str) -> Result<Value, DecodeError> {
    use rmpv::Value as R;
    match raw {
        R::Nil => return Ok(Value::Null),
        R::Ext(code, _) if code == UNKNOWN_EXT || code == REFINED_UNKNOWN_EXT => {
            return Ok(Value::Unknown);
        }
        _ => {}
    }
    match (ty, raw) {
        (Type::String, R::String(s)) => s
            .into_str()
            .map(Value::String)
            .ok_or_else(|| decode_err(path, "string is not UTF-8")),
        (Type::Number, R::Integer(i)) => i
            .as_i64()
            .map(Value::int)
            .or_else(|| i.as_f64().map(|f| Value::Number(Number::Float(f))))
            .ok_or_else(|| decode_err(path, "integer out of range")),
        (Type::Number, R::F64(f)) => Ok(Value::Number(Number::Float(f))),
        (Type::Number, R::F32(f)) => Ok(Value::Number(Number::Float(f64::from(f)))),
        // cty writes numbers that do not fit an f64 as strings.
        (Type::Number, R::String(s)) => parse_number(s.as_str().unwrap_or(""), path),
        (Type::Bool, R::Boolean(b)) => Ok(Value::Bool(b)),
        (Type::List(e), R::Array(items)) => Ok(Value::List(decode_items(items, e, path)?)),
        (Type::Set(e), R::Array(items)) => Ok(Value::Set(decode_items(items, e, path)?)),
        (Type::Map(e), R::Map(entries)) => {
            let mut out = BTreeMap::new();
            for (k, v) in entries {
                let key = k
                    .as_str()
                    .ok_or_else(|| decode_err(path, "map key is not a string"))?
                    .to_string();
                let sub = format!("{path}[{key:?}]");
                out.insert(key, from_rmpv(v, e, &sub)?);
            }
            Ok(Value::Map(out))
        }
        (Type::Object(attrs), R::Map(entries)) => {
            let mut out: BTreeMap<String, Value> =
                attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in entries {
                let Some(key) = k.as_str() else {
                    return Err(decode_err(path, "object key is not a string"));
                };
                let Some(attr_ty) = attrs.get(key) else {
                    return Err(decode_err(path, format!("unexpected attribute {key:?}")));
                };
                let sub = join_path(path, key);
                out.insert(key.to_string(), from_rmpv(v, attr_ty, &sub)?);
            }
            Ok(Value::Object(out))
        }
        (ty, other) => Err(decode_err(
            path,
            format!("expected {}, found {}", type_name(ty), rmpv_kind(&other)),
        )),
    }
}

fn decode_items(
    items: Vec<rmpv::Value>,
    elem: &Type,
    path: &str,
) -> Result<Vec<Value>, DecodeError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| from_rmpv(v, elem, &format!("{path}[{i}]")))
        .collect()
}

fn parse_number(s: &str, path: &str) -> Result<Value, DecodeError> {
    if let Ok(i) = s.parse::<i64>() {
        return Ok(Value::int(i));
    }
    s.parse::<f64>()
        .map(|f| Value::Number(Number::Float(f)))
        .map_err(|_| decode_err(path, format!("{s:?} is not a number")))
}

fn join_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::String => "a string",
        Type::Number => "a number",
        Type::Bool => "a bool",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object(_) => "an object",
    }
}

fn rmpv_kind(v: &rmpv::Value) -> &'static str {
    use rmpv::Value as R;
    match v {
        R::Nil => "null",
        R::Boolean(_) => "a bool",
        R::Integer(_) | R::F32(_) | R::F64(_) => "a number",
        R::String(_) => "a string",
        R::Binary(_) => "binary data",
        R::Array(_) => "an array",
        R::Map(_) => "a map",
        R::Ext(_, _) => "an extension value",
    }
}

/// Encodes `value` as msgpack shaped by `ty` (objects get every attribute).
pub fn to_msgpack(value: &Value, ty: &Type) -> Vec<u8> {
    let raw = to_rmpv(value, ty);
    let mut out = Vec::with_capacity(256);
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut out, &raw);
    out
}

fn to_rmpv(value: &Value, ty: &Type) -> rmpv::Value {
    use rmpv::Value as R;
    match (value, ty) {
        (Value::Null, _) => R::Nil,
        (Value::Unknown, _) => R::Ext(UNKNOWN_EXT, vec![0]),
        (Value::Object(m), Type::Object(attrs)) => R::Map(
            attrs
                .iter()
                .map(|(k, t)| (R::from(k.as_str()), to_rmpv(m.get(k).unwrap_or(&NULL), t)))
                .collect(),
        ),
        (Value::Map(m) | Value::Object(m), Type::Map(e)) => R::Map(
            m.iter()
                .map(|(k, v)| (R::from(k.as_str()), to_rmpv(v, e)))
                .collect(),
        ),
        (Value::List(items) | Value::Set(items), Type::List(e) | Type::Set(e)) => {
            R::Array(items.iter().map(|v| to_rmpv(v, e)).collect())
        }
        (Value::Bool(b), _) => R::Boolean(*b),
        (Value::Number(Number::Int(i)), _) => R::from(*i),
        (Value::Number(Number::Float(f)), _) => R::F64(*f),
        (Value::String(s), _) => R::from(s.as_str()),
        // A value that does not match its type is a provider bug; encode it
        // untyped so Terraform reports the mismatch instead of us panicking.
        (Value::List(items) | Value::Set(items), _) => {
            R::Array(items.iter().map(|v| to_rmpv(v, &Type::String)).collect())
        }
        (Value::Map(m) | Value::Object(m), _) => R::Map(
            m.iter()
                .map(|(k, v)| (R::from(k.as_str()), to_rmpv(v, &Type::String)))
                .collect(),
        ),
    }
}

/// Decodes JSON (stored state) against `ty`. Attributes the type does not
/// know are dropped: state written by an older schema may carry them.
pub fn from_json(json: &serde_json::Value, ty: &Type) -> Result<Value, DecodeError> {
    from_json_at(json, ty, "")
}

fn from_json_at(json: &serde_json::Value, ty: &Type, path: &str) -> Result<Value, DecodeError> {
    use serde_json::Value as J;
    match (ty, json) {
        (_, J::Null) => Ok(Value::Null),
        (Type::String, J::String(s)) => Ok(Value::String(s.clone())),
        (Type::Number, J::Number(n)) => Ok(n
            .as_i64()
            .map(Value::int)
            .unwrap_or_else(|| Value::Number(Number::Float(n.as_f64().unwrap_or(f64::NAN))))),
        (Type::Number, J::String(s)) => parse_number(s, path),
        (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::List(e), J::Array(items)) => Ok(Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| from_json_at(v, e, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        (Type::Set(e), J::Array(items)) => Ok(Value::Set(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| from_json_at(v, e, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        )),
        (Type::Map(e), J::Object(m)) => Ok(Value::Map(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), from_json_at(v, e, &format!("{path}[{k:?}]"))?)))
                .collect::<Result<_, DecodeError>>()?,
        )),
        (Type::Object(attrs), J::Object(m)) => {
            let mut out = BTreeMap::new();
            for (k, t) in attrs {
                let v = match m.get(k) {
                    Some(v) => from_json_at(v, t, &join_path(path, k))?,
                    None => Value::Null,
                };
                out.insert(k.clone(), v);
            }
            Ok(Value::Object(out))
        }
        (ty, other) => Err(decode_err(
            path,
            format!("expected {}, found {}", type_name(ty), json_kind(other)),
        )),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value as J;
    match v {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_type() -> Type {
        Type::Object(BTreeMap::from([
            ("id".to_string(), Type::String),
            ("count".to_string(), Type::Number),
            ("flag".to_string(), Type::Bool),
            ("tags".to_string(), Type::set(Type::String)),
        ]))
    }

    #[test]
    fn msgpack_round_trip_keeps_null_and_unknown() {
        let ty = object_type();
        let v = Value::object()
            .with("id", Value::Unknown)
            .with("count", Value::int(42))
            .with("tags", Value::string_set(["a", "b"]));
        let bytes = to_msgpack(&v, &ty);
        let back = from_msgpack(&bytes, &ty).unwrap();
        assert_eq!(back.get("id"), &Value::Unknown);
        assert_eq!(back.get("count").as_i64(), Some(42));
        assert!(back.get("flag").is_null());
        assert_eq!(back.get("tags").string_elements(), vec!["a", "b"]);
    }

    #[test]
    fn msgpack_wrong_shape_is_an_error_with_a_path() {
        let ty = object_type();
        let bad = to_msgpack(
            &Value::object().with("count", Value::string("x")),
            &Type::Object(BTreeMap::from([("count".to_string(), Type::String)])),
        );
        let err = from_msgpack(&bad, &ty).unwrap_err();
        assert!(err.to_string().contains("count"), "{err}");
        // A truncated value (an array header promising two elements, none present).
        assert!(from_msgpack(&[0x92], &ty).is_err());
    }

    #[test]
    fn json_drops_unknown_attributes_and_fills_missing() {
        let ty = object_type();
        let json = serde_json::json!({"id": "7", "old": true, "tags": ["x"]});
        let v = from_json(&json, &ty).unwrap();
        assert_eq!(v.get("id").as_str(), Some("7"));
        assert!(v.get("count").is_null());
        assert!(v.entries().unwrap().get("old").is_none());
    }

    #[test]
    fn set_equality_ignores_order() {
        let a = Value::string_set(["a", "b"]);
        let b = Value::string_set(["b", "a"]);
        assert!(a.same_as(&b));
        assert!(!a.same_as(&Value::string_set(["a"])));
    }

    #[test]
    fn type_json_matches_terraform_form() {
        assert_eq!(
            Type::set(Type::String).to_json(),
            serde_json::json!(["set", "string"])
        );
    }

    #[test]
    fn types_read_back_from_their_json_form() {
        for ty in [
            object_type(),
            Type::map(Type::list(Type::Bool)),
            Type::Number,
        ] {
            assert_eq!(Type::from_json(&ty.to_json()), Some(ty));
        }
        assert_eq!(Type::from_json(&serde_json::json!("tuple")), None);
        assert_eq!(Type::from_json(&serde_json::json!(["set"])), None);
    }
}
