//! Field types per endpoint, and the check ConnectWise makes before it runs a `conditions`
//! query: every field must exist on the model and every literal must have the field's type.
//! `adminFlag=1` is a 400 whose message is the server's own, as quoted in the connectwise-rest
//! README: "Expected a boolean value, not a numeric. String values should be enclosed ...".

use super::{Expr, Literal};

/// The type of a model field, as a `conditions` literal must match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `int32`/`int64`: bare integer literals.
    Int,
    /// `decimal`/`double`: bare numbers.
    Decimal,
    /// `True` / `False`.
    Bool,
    /// Strings and string enums (`"None"`, `"My"`, `"All"`): quoted literals.
    Str,
    /// Date-times: `[2025-01-02T03:04:05Z]`.
    DateTime,
    /// A reference object `{id, name, identifier, _info}`: conditions name its fields
    /// (`securityRole/id`), never the object itself.
    Reference,
    /// `_info`: a map of strings.
    Info,
    /// An array (e.g. `excludedServiceBoardIds`): not something `conditions` can compare.
    List,
}

/// A model's top-level fields with their types, as each list endpoint declares them.
pub type Fields<'a> = [(&'a str, FieldType)];

/// The fields of every reference object (`SecurityRoleReference`, `SystemLocationReference`, ...).
const REFERENCE_FIELDS: &Fields<'static> = &[
    ("id", FieldType::Int),
    ("name", FieldType::Str),
    ("identifier", FieldType::Str),
    ("_info", FieldType::Info),
];

/// The rest of ConnectWise's answer to a literal of the wrong type, after "Expected a X value,
/// not a Y.".
const LITERAL_RULES: &str = "String values should be enclosed with double or single quotes; \
    DateTime values should be enclosed in square brackets; numbers should consist of only \
    digits, and optionally a decimal point and a negation sign; boolean values should be \
    indicated with the keywords true or false; null values should be indicated by the keyword \
    null.";

/// The type of the field at `path` (`name`, `securityRole/id`, `_info/lastUpdated`), matched
/// case-insensitively; `None` when the model has no such field.
pub fn field_type(fields: &Fields, path: &[String]) -> Option<FieldType> {
    let (first, rest) = path.split_first()?;
    let (_, ty) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(first))?;
    match (ty, rest) {
        (ty, []) => Some(*ty),
        (FieldType::Reference, rest) => field_type(REFERENCE_FIELDS, rest),
        (FieldType::Info, [_]) => Some(FieldType::Str),
        _ => None,
    }
}

/// Checks the fields and literal types of a parsed expression against a model; the error is
/// the whole message of ConnectWise's 400.
pub fn check(expr: &Expr, fields: &Fields) -> Result<(), String> {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            check(a, fields)?;
            check(b, fields)
        }
        Expr::Not(e) => check(e, fields),
        Expr::Compare { path, value, .. } => check_literal(fields, path, value),
        Expr::In { path, values } => values
            .iter()
            .try_for_each(|v| check_literal(fields, path, v)),
    }
}

fn check_literal(fields: &Fields, path: &[String], literal: &Literal) -> Result<(), String> {
    let name = path.join("/");
    let Some(ty) = field_type(fields, path) else {
        return Err(format!(
            "The conditions are invalid: unknown field '{name}'."
        ));
    };
    let expected = match ty {
        FieldType::Int | FieldType::Decimal => "numeric",
        FieldType::Bool => "boolean",
        FieldType::Str => "string",
        FieldType::DateTime => "datetime",
        FieldType::Reference | FieldType::Info => {
            return Err(format!(
                "The conditions are invalid: '{name}' is an object; compare one of its fields, e.g. {name}/id."
            ));
        }
        FieldType::List => {
            return Err(format!(
                "The conditions are invalid: '{name}' is a list; filter lists with childConditions."
            ));
        }
    };
    let found = match literal {
        Literal::Null => return Ok(()),
        Literal::Int(_) | Literal::Float(_) => "numeric",
        Literal::Bool(_) => "boolean",
        Literal::Str(_) => "string",
        Literal::DateTime(_) => "datetime",
    };
    if expected == found {
        Ok(())
    } else {
        Err(format!(
            "Expected a {expected} value, not a {found}. {LITERAL_RULES}"
        ))
    }
}

/// The type of a JSON value, for tables whose fields are known only from their rows.
pub fn type_of(value: &serde_json::Value) -> Option<FieldType> {
    use serde_json::Value;
    Some(match value {
        Value::Null => return None,
        Value::Bool(_) => FieldType::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => FieldType::Int,
        Value::Number(_) => FieldType::Decimal,
        Value::String(_) => FieldType::Str,
        Value::Array(_) => FieldType::List,
        Value::Object(_) => FieldType::Reference,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    const ROLE: &Fields<'static> = &[
        ("id", FieldType::Int),
        ("name", FieldType::Str),
        ("adminFlag", FieldType::Bool),
        ("score", FieldType::Decimal),
        ("hireDate", FieldType::DateTime),
        ("securityRole", FieldType::Reference),
        ("excludedServiceBoardIds", FieldType::List),
        ("_info", FieldType::Info),
    ];

    fn verdict(conditions: &str) -> Result<(), String> {
        check(&parse(conditions).expect("parses"), ROLE)
    }

    #[test]
    fn literals_of_the_field_type_pass() {
        for good in [
            "id = 1",
            "id in (1, 2)",
            "score > 1.5 and score < 2",
            r#"name = "Umbrella" or name = 'Umbrella'"#,
            r#"name like "Umb*""#,
            "adminFlag = True and adminFlag != false",
            "hireDate > [2025-01-01T00:00:00Z]",
            "securityRole/id = 3",
            r#"securityRole/name = "Admin" and securityRole/_info/lastUpdated != null"#,
            r#"_info/updatedBy = "admin""#,
            "name = null and id != null and adminFlag = null",
        ] {
            assert_eq!(verdict(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn a_number_for_a_boolean_is_the_documented_answer() {
        let message = verdict("adminFlag=1").unwrap_err();
        assert_eq!(
            message,
            "Expected a boolean value, not a numeric. String values should be enclosed with \
             double or single quotes; DateTime values should be enclosed in square brackets; \
             numbers should consist of only digits, and optionally a decimal point and a \
             negation sign; boolean values should be indicated with the keywords true or false; \
             null values should be indicated by the keyword null."
        );
    }

    #[test]
    fn every_other_mismatch_names_both_types() {
        for (bad, start) in [
            (r#"id="1""#, "Expected a numeric value, not a string."),
            ("id = True", "Expected a numeric value, not a boolean."),
            (
                "id in (1, \"2\")",
                "Expected a numeric value, not a string.",
            ),
            ("name = 5", "Expected a string value, not a numeric."),
            (
                "name = [2025-01-01]",
                "Expected a string value, not a datetime.",
            ),
            (
                r#"adminFlag = "True""#,
                "Expected a boolean value, not a string.",
            ),
            (
                r#"hireDate > "2025-01-01""#,
                "Expected a datetime value, not a string.",
            ),
            (
                "securityRole/id = \"3\"",
                "Expected a numeric value, not a string.",
            ),
            (
                r#"not (id = 1 or score = "x")"#,
                "Expected a numeric value, not a string.",
            ),
        ] {
            let message = verdict(bad).unwrap_err();
            assert!(message.starts_with(start), "{bad}: {message}");
            assert!(message.ends_with(LITERAL_RULES), "{bad}: {message}");
        }
    }

    #[test]
    fn unknown_fields_objects_and_lists_are_refused() {
        for (bad, part) in [
            ("nosuch = 1", "unknown field 'nosuch'"),
            (
                "securityRole/nosuch = 1",
                "unknown field 'securityRole/nosuch'",
            ),
            ("name/first = \"a\"", "unknown field 'name/first'"),
            ("securityRole = 3", "'securityRole' is an object"),
            (
                "excludedServiceBoardIds = 3",
                "filter lists with childConditions",
            ),
        ] {
            let message = verdict(bad).unwrap_err();
            assert!(message.contains(part), "{bad}: {message}");
        }
    }

    #[test]
    fn types_of_json_values() {
        use serde_json::json;
        assert_eq!(type_of(&json!(1)), Some(FieldType::Int));
        assert_eq!(type_of(&json!(1.5)), Some(FieldType::Decimal));
        assert_eq!(type_of(&json!("x")), Some(FieldType::Str));
        assert_eq!(type_of(&json!(true)), Some(FieldType::Bool));
        assert_eq!(type_of(&json!({"id": 1})), Some(FieldType::Reference));
        assert_eq!(type_of(&json!(null)), None);
    }
}
