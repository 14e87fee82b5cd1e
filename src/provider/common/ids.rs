//! Record ids: ConnectWise ids are positive 32-bit integers; Terraform carries them as strings
//! (`"150"`), and composite import ids join them with `/` (`"150/7"`). One parser and one
//! validator for every attribute and import id that takes one.

use tfplugin::Value;

/// A record id as users and state carry it: decimal, surrounding blanks allowed, greater than 0.
pub fn parse_record_id(text: &str) -> Option<i32> {
    text.trim().parse::<i32>().ok().filter(|n| *n > 0)
}

/// Text written as a whole number (a sign allowed) that is no record id: `"0"`, `"-3"`,
/// `"99999999999"`. An import id that takes a record id or a name treats it as a mistyped id,
/// not as a name.
pub fn numeric_but_not_record_id(text: &str) -> bool {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && parse_record_id(t).is_none()
}

/// `"<a>/<b>"` of two record ids, e.g. a member and one of its API keys.
pub fn parse_id_pair(text: &str) -> Option<(i32, i32)> {
    let (a, b) = text.split_once('/')?;
    Some((parse_record_id(a)?, parse_record_id(b)?))
}

/// Validator for an attribute that holds a record id (`Validator::Custom(record_id)`); null and
/// unknown values are not checked (the schema's validators skip them).
pub fn record_id(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) if parse_record_id(text).is_some() => Ok(()),
        Some(text) => Err(format!(
            "must be a numeric record id greater than 0 (e.g. `connectwise_security_role.x.id`), got {text:?}."
        )),
        None => Ok(()),
    }
}

/// Validator for an attribute that takes a name or a record id (`Validator::Custom(..)`): a
/// number is meant as an id, so it must be a valid one.
pub fn name_or_record_id(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) if numeric_but_not_record_id(text) => Err(format!(
            "must be a name or a numeric record id greater than 0, got {text:?}."
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_positive_integers_blanks_allowed() {
        assert_eq!(parse_record_id("150"), Some(150));
        assert_eq!(parse_record_id(" 7 "), Some(7));
        for bad in ["", " ", "0", "-3", "1.5", "x", "99999999999"] {
            assert_eq!(parse_record_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn numbers_that_are_no_record_ids_are_told_apart_from_names() {
        for bad in ["0", "-3", " -0 ", "+0", "99999999999"] {
            assert!(numeric_but_not_record_id(bad), "{bad:?}");
        }
        for other in ["7", "+7", "", "-", "Admin", "3 roles", "1.5"] {
            assert!(!numeric_but_not_record_id(other), "{other:?}");
        }
    }

    #[test]
    fn id_pairs_need_two_record_ids() {
        assert_eq!(parse_id_pair("150/7"), Some((150, 7)));
        assert_eq!(parse_id_pair(" 150 / 7 "), Some((150, 7)));
        for bad in ["150", "150/", "/7", "0/7", "150/x", "1/2/3"] {
            assert_eq!(parse_id_pair(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_validator_names_the_problem_and_skips_null() {
        assert!(record_id(&Value::string("12")).is_ok());
        assert!(record_id(&Value::Null).is_ok());
        let err = record_id(&Value::string("0")).err().unwrap_or_default();
        assert!(
            err.contains("greater than 0") && err.contains("\"0\""),
            "{err}"
        );
        assert!(name_or_record_id(&Value::string("Tampa Office")).is_ok());
        assert!(name_or_record_id(&Value::string("12")).is_ok());
        let err = name_or_record_id(&Value::string("-2"))
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("greater than 0") && err.contains("\"-2\""),
            "{err}"
        );
    }
}
