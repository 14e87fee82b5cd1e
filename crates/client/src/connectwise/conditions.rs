//! The `conditions` query language of ConnectWise list calls: `name="Umbrella" AND inactiveFlag=False`.

use std::fmt;

/// A literal in a condition: strings are quoted and escaped, numbers bare, booleans `True`/`False`.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValue {
    /// A string, written `"..."` with `"` and `\` escaped.
    Str(String),
    /// An integer, written bare.
    Int(i64),
    /// A boolean, written `True` or `False`.
    Bool(bool),
    /// `null`.
    Null,
}

impl From<&str> for ConditionValue {
    fn from(value: &str) -> Self {
        ConditionValue::Str(value.to_owned())
    }
}

impl From<String> for ConditionValue {
    fn from(value: String) -> Self {
        ConditionValue::Str(value)
    }
}

impl From<&String> for ConditionValue {
    fn from(value: &String) -> Self {
        ConditionValue::Str(value.clone())
    }
}

impl From<i32> for ConditionValue {
    fn from(value: i32) -> Self {
        ConditionValue::Int(value.into())
    }
}

impl From<i64> for ConditionValue {
    fn from(value: i64) -> Self {
        ConditionValue::Int(value)
    }
}

impl From<bool> for ConditionValue {
    fn from(value: bool) -> Self {
        ConditionValue::Bool(value)
    }
}

impl fmt::Display for ConditionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionValue::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            ConditionValue::Int(n) => write!(f, "{n}"),
            ConditionValue::Bool(true) => f.write_str("True"),
            ConditionValue::Bool(false) => f.write_str("False"),
            ConditionValue::Null => f.write_str("null"),
        }
    }
}

/// A `conditions` expression; empty means "no filter".
///
/// ```
/// use api_client::Conditions;
/// let c = Conditions::eq("name", "Umbrella").and(Conditions::eq("inactiveFlag", false));
/// assert_eq!(c.to_string(), r#"name="Umbrella" AND inactiveFlag=False"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    clauses: Vec<String>,
}

impl Conditions {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// `field=value`; `field` is a field path such as `name` or `securityRole/id`.
    pub fn eq(field: &str, value: impl Into<ConditionValue>) -> Self {
        Self::compare(field, "=", value)
    }

    /// `field!=value`.
    pub fn ne(field: &str, value: impl Into<ConditionValue>) -> Self {
        Self::compare(field, "!=", value)
    }

    /// `field like value` (`*` and `%` are wildcards on the server).
    pub fn like(field: &str, value: impl Into<ConditionValue>) -> Self {
        Self::compare(field, " like ", value)
    }

    fn compare(field: &str, operator: &str, value: impl Into<ConditionValue>) -> Self {
        Self {
            clauses: vec![format!("{field}{operator}{}", value.into())],
        }
    }

    /// Both `self` and `other` must hold (`... AND ...`).
    #[must_use]
    pub fn and(mut self, other: Conditions) -> Self {
        self.clauses.extend(other.clauses);
        self
    }

    /// Whether there is no filter.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

impl fmt::Display for Conditions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.clauses.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_strings_and_writes_literals() {
        assert_eq!(
            Conditions::eq("name", "Umbrella").to_string(),
            r#"name="Umbrella""#
        );
        assert_eq!(Conditions::eq("id", 5).to_string(), "id=5");
        assert_eq!(
            Conditions::eq("inactiveFlag", true).to_string(),
            "inactiveFlag=True"
        );
        assert_eq!(
            Conditions::ne("x", ConditionValue::Null).to_string(),
            "x!=null"
        );
        assert_eq!(
            Conditions::like("name", "Umb*").to_string(),
            r#"name like "Umb*""#
        );
    }

    #[test]
    fn escapes_quotes_and_backslashes() {
        assert_eq!(
            Conditions::eq("name", r#"a "b" \c"#).to_string(),
            r#"name="a \"b\" \\c""#
        );
    }

    #[test]
    fn and_joins_clauses() {
        let c = Conditions::eq("identifier", "umbrella-psa")
            .and(Conditions::new())
            .and(Conditions::eq("inactiveFlag", false));
        assert_eq!(
            c.to_string(),
            r#"identifier="umbrella-psa" AND inactiveFlag=False"#
        );
        assert!(Conditions::new().is_empty());
        assert_eq!(Conditions::new().to_string(), "");
    }
}
