//! The API's error answers: Spring-Boot style JSON `{error, message, path, status, timestamp}`.
//! 401 and 403 come from the "security layer" and so look like the documented 403 (no `message`,
//! epoch-millisecond `timestamp`, open question 16); everything else carries an ISO timestamp and a
//! message that names the field and the rule.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

use crate::clock::{Millis, iso};
use crate::response::json_response;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: Option<String>,
    /// Security-layer errors: no message, numeric timestamp.
    security: bool,
    /// A complete body that replaces the standard error body (FIDO2 `{status:"failed"}` answers).
    body: Option<Value>,
    /// `Allow` header for 405 answers.
    allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: Some(message.into()), security: false, body: None, allow: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("Request body exceeds the limit of {limit} bytes"))
    }

    pub fn method_not_allowed(method: &http::Method, allow: &'static str) -> ApiError {
        let mut error =
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("Request method '{method}' is not supported"));
        error.allow = Some(allow);
        error
    }

    pub fn unauthorized() -> ApiError {
        ApiError { status: StatusCode::UNAUTHORIZED, message: None, security: true, body: None, allow: None }
    }

    pub fn forbidden() -> ApiError {
        ApiError { status: StatusCode::FORBIDDEN, message: None, security: true, body: None, allow: None }
    }

    /// An error status with a body of the caller's choosing.
    pub fn with_body(status: StatusCode, body: Value) -> ApiError {
        ApiError { status, message: None, security: false, body: Some(body), allow: None }
    }

    pub fn into_response(self, path: &str, now: Millis) -> Response<Bytes> {
        let body = match self.body {
            Some(body) => body,
            None => error_body(self.status, self.message.as_deref(), path, now, self.security),
        };
        let mut response = json_response(self.status, &body);
        if let Some(allow) = self.allow {
            response.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

/// The standard error body; also used by injected `status` faults.
pub fn error_body(status: StatusCode, message: Option<&str>, path: &str, now: Millis, security: bool) -> Value {
    let reason = status.canonical_reason().unwrap_or("Error");
    if security {
        json!({"error": reason, "path": path, "status": status.as_u16(), "timestamp": now})
    } else {
        json!({
            "error": reason,
            "message": escape_html(message.unwrap_or("")),
            "path": path,
            "status": status.as_u16(),
            "timestamp": iso(now),
        })
    }
}

/// The real service escapes HTML special characters in error messages (changelog, §1.3).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

pub type ApiResult = Result<Response<Bytes>, ApiError>;
