//! Validation of request objects: field errors collected per resource, as ConnectWise reports
//! them (all at once, 400 `InvalidObject`).

use serde_json::{Map, Value};

use super::{ApiError, Ctx, FieldError, fe};

/// Reads a field of a JSON request object, matching the name case-insensitively (Json.NET does).
pub fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Validation helpers that collect field errors for one resource.
pub struct Validator<'a> {
    pub resource: &'a str,
    pub errors: Vec<FieldError>,
}

impl<'a> Validator<'a> {
    pub fn new(resource: &'a str) -> Self {
        Validator {
            resource,
            errors: Vec::new(),
        }
    }

    pub fn push(&mut self, code: &str, field: &str, message: &str) {
        self.errors.push(fe(code, self.resource, field, message));
    }

    /// An optional string with a maximum length (`null` and missing are `None`).
    pub fn string(&mut self, obj: &Map<String, Value>, field: &str, max: usize) -> Option<String> {
        match get(obj, field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                if s.chars().count() > max {
                    self.push(
                        "OutOfRange",
                        field,
                        &format!(
                            "The field {field} must be a string with a maximum length of {max}."
                        ),
                    );
                }
                Some(s.clone())
            }
            Some(_) => {
                self.push(
                    "InvalidField",
                    field,
                    &format!("The field {field} must be a string."),
                );
                None
            }
        }
    }

    /// A required, non-blank string with a maximum length.
    pub fn required_string(
        &mut self,
        obj: &Map<String, Value>,
        field: &str,
        max: usize,
    ) -> Option<String> {
        let v = self.string(obj, field, max);
        if v.as_deref().is_none_or(|s| s.trim().is_empty())
            && !self.errors.iter().any(|e| e.field == field)
        {
            self.push(
                "MissingRequiredField",
                field,
                &format!("The field {field} is required."),
            );
            return None;
        }
        v
    }

    pub fn bool(&mut self, obj: &Map<String, Value>, field: &str) -> Option<bool> {
        match get(obj, field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.push(
                    "InvalidField",
                    field,
                    &format!("The field {field} must be true or false."),
                );
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.resource, self.errors))
        }
    }
}

/// The request body as a JSON object (400 otherwise).
pub fn body_object(ctx: &Ctx, resource: &str) -> Result<Map<String, Value>, ApiError> {
    match ctx.json_body()? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_request(
            "InvalidObject",
            &format!("The request body must be a {resource} object."),
        )),
    }
}
