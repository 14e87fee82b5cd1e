//! ConnectWise error answers: `{code, message, errors: [{code, message, resource, field}]}`.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::json_response;

/// One entry of `errors` in a ConnectWise error body.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub code: String,
    pub message: String,
    pub resource: String,
    pub field: String,
}

/// A ConnectWise error response: `{code, message, errors}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub errors: Option<Vec<FieldError>>,
    /// `Allow` header for 405.
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            errors: None,
            allow: None,
        }
    }

    pub fn not_found(message: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub fn bad_request(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// 400 `InvalidObject` listing field errors, e.g. `securityRole object is invalid`.
    pub fn invalid(resource: &str, errors: Vec<FieldError>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidObject".into(),
            message: format!("{resource} object is invalid"),
            errors: Some(errors),
            allow: None,
        }
    }

    /// 400 `InvalidObject` with one field error.
    pub fn field(code: &str, resource: &str, field: &str, message: &str) -> ApiError {
        ApiError::invalid(resource, vec![fe(code, resource, field, message)])
    }

    pub fn method_not_allowed(method: &Method, allowed: &[Method]) -> ApiError {
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        ApiError {
            allow: Some(allow),
            ..ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                &format!("The requested resource does not support http method '{method}'."),
            )
        }
    }

    pub fn body(&self) -> Value {
        let mut body = json!({"code": self.code, "message": self.message});
        // ConnectWise's 404 bodies carry only code and message; the others carry `errors` (maybe null).
        if self.status != StatusCode::NOT_FOUND {
            body["errors"] = serde_json::to_value(&self.errors).unwrap_or(Value::Null);
        }
        body
    }
}

/// Shorthand for one [`FieldError`].
pub fn fe(code: &str, resource: &str, field: &str, message: &str) -> FieldError {
    FieldError {
        code: code.into(),
        message: message.into(),
        resource: resource.into(),
        field: field.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body());
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            resp.headers_mut().insert(header::ALLOW, allow);
        }
        resp
    }
}
