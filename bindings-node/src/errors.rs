//! Failures as JavaScript sees them.
//!
//! Every rejection of this addon is a JavaScript `Error` whose `code` is the core's kind
//! (`ErrorKind::as_str`, e.g. `not_found`) and whose `nevis` property describes the failure in
//! plain values: status, error body fields, whether the server may have acted, `Retry-After`, the
//! chain of causes. The JS layer (`errors.js`) turns that into `NotFoundError`, `TimeoutError`, …
//! by looking the kind up in [`KIND_CLASSES`], the one table both sides share (JS reads it through
//! [`error_classes`], and a test there checks that its classes match).
//!
//! Messages never contain credentials: the core's messages name fields and rules, not values, and
//! the core cuts the call's secrets out of everything a server said (message, error fields, body
//! excerpt, causes). The one exception is the error answer's bytes as received, which travel as a
//! separate `nevisRawBody` Buffer that the JS layer keeps out of every enumerable property (see
//! `rawBody()` in errors.js).

use napi::bindgen_prelude::BufferSlice;
use std::time::Duration;

use napi::bindgen_prelude::{Env, JsObjectValue, JsValue, Status};
use napi_derive::napi;
use nevis_authcloud::{ApiErrorBody, ErrorKind, MayHaveBeenApplied, Timestamp};
use serde_json::{Map, Value, json};

/// The JS error class for each core kind, exhaustively (checked by a unit test over
/// [`ErrorKind::ALL`]).
pub const KIND_CLASSES: &[(ErrorKind, &str)] = &[
    (ErrorKind::BadRequest, "BadRequestError"),
    (ErrorKind::Unauthorized, "AuthenticationError"),
    (ErrorKind::Forbidden, "PermissionDeniedError"),
    (ErrorKind::NotFound, "NotFoundError"),
    (ErrorKind::MethodNotAllowed, "MethodNotAllowedError"),
    (ErrorKind::Conflict, "ConflictError"),
    (ErrorKind::PreconditionFailed, "PreconditionFailedError"),
    (ErrorKind::UnsupportedMediaType, "UnsupportedMediaTypeError"),
    (ErrorKind::PayloadTooLarge, "PayloadTooLargeError"),
    (ErrorKind::RateLimited, "RateLimitError"),
    (ErrorKind::Server, "ServerError"),
    (ErrorKind::Timeout, "TimeoutError"),
    (ErrorKind::Connection, "ConnectionError"),
    (ErrorKind::Tls, "TlsError"),
    (ErrorKind::Decode, "DecodeError"),
    (ErrorKind::InvalidRequest, "InvalidRequestError"),
    (ErrorKind::Config, "ConfigurationError"),
    (ErrorKind::Cancelled, "AbortError"),
];

/// The JS class name for `kind`; the root class only for a kind this binding does not know yet
/// (the core's enum is `#[non_exhaustive]`), which the unit test below rules out.
pub fn class_name(kind: ErrorKind) -> &'static str {
    KIND_CLASSES.iter().find(|(known, _)| *known == kind).map_or("NevisError", |(_, name)| name)
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

/// A failure on its way to JavaScript: either a core error or one this binding found itself
/// (arguments that are not the documented shape, a closed client, a panic). Boxed, so results
/// stay small.
#[derive(Debug, Clone)]
pub struct Failure(Box<Details>);

#[derive(Debug, Clone)]
pub struct Details {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    api: Option<ApiErrorBody>,
    retry_after: Option<Duration>,
    applied: MayHaveBeenApplied,
    request: Option<(String, String)>,
    attempts: u32,
    last_status: Option<Value>,
    causes: Vec<String>,
    /// A bug in this addon (a caught panic): reported with code `internal` as the root class.
    internal: bool,
    /// A call on a closed client: code `closed`, class `ClientClosedError` (no core kind yet).
    closed: bool,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure(Box::new(Details {
            kind,
            message: message.into(),
            field: None,
            api: None,
            retry_after: None,
            applied: MayHaveBeenApplied::No,
            request: None,
            attempts: 0,
            last_status: None,
            causes: Vec::new(),
            internal: false,
            closed: false,
        }))
    }

    /// A call after `close()`: not a configuration problem, so no field; its own code and class.
    pub fn closed() -> Failure {
        let mut failure = Failure::new(ErrorKind::Config, "the client is closed: create a new Client to make calls");
        failure.closed = true;
        failure
    }

    /// An argument that is not what the API takes, naming the argument.
    pub fn invalid(field: &str, rule: impl std::fmt::Display) -> Failure {
        let mut failure = Failure::new(ErrorKind::InvalidRequest, format!("{field}: {rule}"));
        failure.field = Some(field.to_string());
        failure
    }

    /// A client setting that cannot be used, naming the setting.
    pub fn config(field: &str, rule: impl std::fmt::Display) -> Failure {
        let mut failure = Failure::new(ErrorKind::Config, format!("{field}: {rule}"));
        failure.field = Some(field.to_string());
        failure
    }

    /// A Rust panic caught at the boundary: reported, never unwound into Node.
    pub fn panic(payload: &(dyn std::any::Any + Send)) -> Failure {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        let mut failure =
            Failure::new(ErrorKind::Server, "internal error in the nevis-authcloud native addon (please report it)");
        failure.internal = true;
        failure.applied = MayHaveBeenApplied::Unknown;
        failure.causes.push(format!("panic: {detail}"));
        failure
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The argument or option at fault, for invalid requests and configuration errors.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The `code` JavaScript sees: the core kind, `internal` for a caught panic, `closed` for a
    /// call on a closed client.
    pub fn code(&self) -> &'static str {
        if self.internal {
            "internal"
        } else if self.closed {
            "closed"
        } else {
            self.kind.as_str()
        }
    }

    fn class(&self) -> &'static str {
        if self.internal {
            "NevisError"
        } else if self.closed {
            "ClientClosedError"
        } else {
            class_name(self.kind)
        }
    }

    /// The message JavaScript shows: the core's message and the call it belongs to.
    pub fn message(&self) -> String {
        match &self.request {
            Some((method, path)) => format!("{} ({method} {path})", self.message),
            None => self.message.clone(),
        }
    }

    /// The plain description the JS layer builds its error classes from.
    pub fn describe(&self) -> Value {
        let api = self.api.as_ref();
        json!({
            "kind": self.code(),
            "className": self.class(),
            "message": self.message(),
            "field": self.field,
            "status": api.map(|api| api.status),
            "error": api.and_then(|api| api.error.clone()),
            "apiMessage": api.and_then(|api| api.message.clone()),
            "path": api.and_then(|api| api.path.clone()),
            "timestamp": api.and_then(|api| api.timestamp.as_ref()).map(|timestamp| match timestamp {
                Timestamp::EpochMillis(ms) => Value::from(*ms),
                Timestamp::Iso(text) => Value::from(text.clone()),
            }),
            "body": api.map(|api| api.body.clone()),
            "retryAfter": self.retry_after.map(|wait| wait.as_secs_f64() * 1000.0),
            "mayHaveBeenApplied": self.applied.as_str(),
            "method": self.request.as_ref().map(|(method, _)| method.clone()),
            "requestPath": self.request.as_ref().map(|(_, path)| path.clone()),
            "attempts": self.attempts,
            "lastStatus": self.last_status,
            "causes": self.causes,
        })
    }

    /// The JavaScript `Error` carrying this failure, for rejecting a promise or throwing.
    pub fn into_js_error(self, env: &Env) -> napi::Error {
        match self.build_js_error(env) {
            Ok(error) => error,
            Err(err) => err,
        }
    }

    fn build_js_error(&self, env: &Env) -> napi::Result<napi::Error> {
        let mut object = env.create_error(napi::Error::new(Status::GenericFailure, self.message()))?;
        object.set_named_property("code", self.code())?;
        object.set_named_property("nevis", self.describe())?;
        if let Some(api) = &self.api {
            object.set_named_property("nevisRawBody", &BufferSlice::copy_from(env, api.raw_body())?)?;
        }
        Ok(napi::Error::from(object.to_unknown()))
    }
}

impl From<nevis_authcloud::Error> for Failure {
    fn from(err: nevis_authcloud::Error) -> Failure {
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            let text = cause.to_string();
            if causes.last() != Some(&text) {
                causes.push(text);
            }
            source = cause.source();
        }
        Failure(Box::new(Details {
            kind: err.kind(),
            message: err.message().to_string(),
            field: err.field().map(str::to_string),
            api: err.api().cloned(),
            retry_after: err.retry_after(),
            applied: err.may_have_been_applied(),
            request: err.request().map(|request| (request.method.clone(), request.path.clone())),
            attempts: err.attempts(),
            last_status: err.last_status().and_then(|status| serde_json::to_value(status).ok()),
            causes,
            internal: false,
            closed: false,
        }))
    }
}

impl std::ops::Deref for Failure {
    type Target = Details;
    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for Failure {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl From<serde_json::Error> for Failure {
    fn from(err: serde_json::Error) -> Failure {
        Failure::new(ErrorKind::Decode, format!("the answer could not be converted for JavaScript ({err})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_its_own_class() {
        for kind in ErrorKind::ALL {
            assert_ne!(class_name(*kind), "NevisError", "{kind} has no JS class");
        }
        assert_eq!(KIND_CLASSES.len(), ErrorKind::ALL.len(), "the table lists a kind twice");
        let mut names: Vec<_> = KIND_CLASSES.iter().map(|(_, name)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KIND_CLASSES.len(), "two kinds share a class");
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
    fn the_description_names_the_kind_and_the_call() {
        let mut failure = Failure::invalid("username", "must not be empty");
        failure.request = Some(("GET".into(), "/api/v1/users".into()));
        let described = failure.describe();
        assert_eq!(described["kind"], "invalid_request");
        assert_eq!(described["className"], "InvalidRequestError");
        assert_eq!(described["field"], "username");
        assert_eq!(described["message"], "username: must not be empty (GET /api/v1/users)");
        assert_eq!(described["mayHaveBeenApplied"], "no");
    }

    #[test]
    fn a_panic_becomes_a_failure_with_its_message() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
        let failure = Failure::panic(payload.as_ref());
        let described = failure.describe();
        assert_eq!(described["causes"][0], "panic: boom");
        assert_eq!(described["kind"], "internal");
        assert_eq!(described["className"], "NevisError");
    }

    #[test]
    fn a_closed_client_has_its_own_code_and_no_field() {
        let described = Failure::closed().describe();
        assert_eq!(described["kind"], "closed");
        assert_eq!(described["className"], "ClientClosedError");
        assert_eq!(described["field"], Value::Null);
    }
}
