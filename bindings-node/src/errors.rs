//! Failures as JavaScript sees them.
//!
//! Every rejection of this addon is a JavaScript `Error` whose `code` is the core's kind
//! (`ErrorKind::as_str`, e.g. `not_found`) and whose `nevis` property describes the failure in
//! plain values: status, error body fields, whether the server may have acted, whether a retry may
//! help and `Retry-After` (both the core's policy), the chain of causes. The JS layer (`errors.js`)
//! turns that into `NotFoundError`, `TimeoutError`, … by looking the kind up in its own table; this
//! module names the class for each kind with an exhaustive `match` ([`class_name`], so a kind added
//! to the core does not compile here until it has a class), and a test of the JS suite checks that
//! both tables agree for every kind of [`error_kinds`].
//!
//! Failures this binding finds itself (arguments that are not the documented shape, a closed
//! client, a caught panic) are core [`Error`]s built with the core's constructors, so their kinds
//! are the core's too.
//!
//! Messages never contain credentials: the core's messages name fields and rules, not values, and
//! the core cuts the call's secrets out of everything a server said (message, error fields, body
//! excerpt, causes). The one exception is the error answer's bytes as received, which travel as a
//! separate `nevisRawBody` Buffer that the JS layer keeps out of every enumerable property (see
//! `rawBody()` in errors.js).

use napi::bindgen_prelude::BufferSlice;

use napi::bindgen_prelude::{Env, JsObjectValue, JsValue, Status};
use napi_derive::napi;
use nevis_authcloud::{Error, ErrorKind, Timestamp};
use serde_json::{Map, Value, json};

/// The JS error class for each core kind.
pub fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => "BadRequestError",
        ErrorKind::Unauthorized => "AuthenticationError",
        ErrorKind::Forbidden => "PermissionDeniedError",
        ErrorKind::NotFound => "NotFoundError",
        ErrorKind::MethodNotAllowed => "MethodNotAllowedError",
        ErrorKind::Conflict => "ConflictError",
        ErrorKind::PreconditionFailed => "PreconditionFailedError",
        ErrorKind::UnsupportedMediaType => "UnsupportedMediaTypeError",
        ErrorKind::PayloadTooLarge => "PayloadTooLargeError",
        ErrorKind::RateLimited => "RateLimitError",
        ErrorKind::Server => "ServerError",
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Connection => "ConnectionError",
        ErrorKind::Tls => "TlsError",
        ErrorKind::Decode => "DecodeError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Config => "ConfigurationError",
        ErrorKind::Cancelled => "AbortError",
        ErrorKind::Closed => "ClientClosedError",
        ErrorKind::Internal => "InternalError",
    }
}

/// Every kind the core can report, as the strings `err.code` takes.
#[napi]
pub fn error_kinds() -> Vec<String> {
    ErrorKind::ALL.iter().map(|kind| kind.as_str().to_string()).collect()
}

/// The kind → class table, for the JS layer's consistency test.
#[napi(ts_return_type = "Record<string, string>")]
pub fn error_classes() -> Map<String, Value> {
    ErrorKind::ALL.iter().map(|kind| (kind.as_str().to_string(), Value::from(class_name(*kind)))).collect()
}

/// The kinds the core deems worth retrying later, for errors constructed by hand in JavaScript.
#[napi]
pub fn retryable_kinds() -> Vec<String> {
    ErrorKind::ALL.iter().filter(|kind| kind.is_retryable()).map(|kind| kind.as_str().to_string()).collect()
}

/// An answer the addon could not turn into JSON for JavaScript.
pub fn unconvertible(err: serde_json::Error) -> Error {
    Error::new(ErrorKind::Decode, format!("the answer could not be converted for JavaScript ({err})"))
}

/// Handing a core error to JavaScript.
pub trait ToJs {
    /// The message JavaScript shows: the core's message and the call it belongs to.
    fn js_message(&self) -> String;
    /// The plain description the JS layer builds its error classes from.
    fn describe(&self) -> Value;
    /// The JavaScript `Error` carrying this failure, for rejecting a promise or throwing.
    fn into_js_error(self, env: &Env) -> napi::Error;
}

impl ToJs for Error {
    fn js_message(&self) -> String {
        match self.request() {
            Some(request) => format!("{} ({} {})", self.message(), request.method, request.path),
            None => self.message().to_string(),
        }
    }

    fn describe(&self) -> Value {
        let api = self.api();
        json!({
            "kind": self.kind().as_str(),
            "className": class_name(self.kind()),
            "message": self.js_message(),
            "field": self.field(),
            "status": api.map(|api| api.status),
            "error": api.and_then(|api| api.error.clone()),
            "apiMessage": api.and_then(|api| api.message.clone()),
            "path": api.and_then(|api| api.path.clone()),
            "timestamp": api.and_then(|api| api.timestamp.as_ref()).map(|timestamp| match timestamp {
                Timestamp::EpochMillis(ms) => Value::from(*ms),
                Timestamp::Iso(text) => Value::from(text.clone()),
            }),
            "body": api.map(|api| api.body.clone()),
            "retryable": self.is_retryable(),
            "retryAfter": self.retry_after().map(|wait| wait.as_secs_f64() * 1000.0),
            "mayHaveBeenApplied": self.may_have_been_applied().as_str(),
            "method": self.request().map(|request| request.method.clone()),
            "requestPath": self.request().map(|request| request.path.clone()),
            "attempts": self.attempts(),
            "lastStatus": self.last_status().and_then(|status| serde_json::to_value(status).ok()),
            "causes": self.causes(),
        })
    }

    fn into_js_error(self, env: &Env) -> napi::Error {
        match build_js_error(&self, env) {
            Ok(error) => error,
            Err(err) => err,
        }
    }
}

fn build_js_error(err: &Error, env: &Env) -> napi::Result<napi::Error> {
    let mut object = env.create_error(napi::Error::new(Status::GenericFailure, err.js_message()))?;
    object.set_named_property("code", err.kind().as_str())?;
    object.set_named_property("nevis", err.describe())?;
    if let Some(api) = err.api() {
        object.set_named_property("nevisRawBody", &BufferSlice::copy_from(env, api.raw_body())?)?;
    }
    Ok(napi::Error::from(object.to_unknown()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_its_own_class() {
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|kind| class_name(*kind)).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len(), "two kinds share a class");
    }

    #[test]
    fn api_kinds_map_to_api_error_classes() {
        for kind in ErrorKind::ALL.iter().filter(|kind| kind.is_api_error()) {
            let name = class_name(*kind);
            assert!(
                !matches!(name, "TimeoutError" | "ConnectionError" | "TlsError" | "DecodeError" | "AbortError"),
                "{kind} → {name}"
            );
        }
    }

    #[test]
    fn the_description_names_the_kind_and_the_field() {
        let described = Error::invalid("username", "must not be empty").describe();
        assert_eq!(described["kind"], "invalid_request");
        assert_eq!(described["className"], "InvalidRequestError");
        assert_eq!(described["field"], "username");
        assert_eq!(described["message"], "username: must not be empty");
        assert_eq!(described["mayHaveBeenApplied"], "no");
        assert_eq!(described["retryable"], false);
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
        let described = Error::from_panic(payload.as_ref()).describe();
        assert_eq!(described["causes"][0], "panic: boom");
        assert_eq!(described["kind"], "internal");
        assert_eq!(described["className"], "InternalError");
    }

    #[test]
    fn a_closed_client_has_its_own_code_and_no_field() {
        let described = Error::closed().describe();
        assert_eq!(described["kind"], "closed");
        assert_eq!(described["className"], "ClientClosedError");
        assert_eq!(described["field"], Value::Null);
    }
}
