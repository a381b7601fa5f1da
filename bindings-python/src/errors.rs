//! Turns the core's errors into the Python exceptions of `nevis_authcloud.errors`.
//!
//! The exception classes are defined in Python (so users can subclass, pickle and construct them in
//! their own tests); this module decides which class each core [`ErrorKind`] becomes and fills in
//! its attributes. The conversion happens in two steps so the expensive part needs no GIL: a
//! [`Failure`] is plain Rust data built wherever the error happened (possibly on a tokio thread),
//! and [`Failure::into_pyerr`] builds the exception once the GIL is held.

use std::error::Error as StdError;
use std::time::Duration;

use nevis_authcloud::{Error, ErrorKind, MayHaveBeenApplied, Timestamp};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

/// The Python class each error kind becomes. Kinds added to the core later (the enum is
/// non-exhaustive) fall back to `ApiError` or `NevisError`; the unit test below fails until they
/// get a class of their own.
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
        ErrorKind::Timeout => "APITimeoutError",
        ErrorKind::Connection => "APIConnectionError",
        ErrorKind::Tls => "TlsError",
        ErrorKind::Decode => "DecodeError",
        ErrorKind::InvalidRequest => "InvalidRequestError",
        ErrorKind::Config => "ConfigurationError",
        ErrorKind::Cancelled => "RequestCancelledError",
        other if other.is_api_error() => FALLBACK_API_CLASS,
        _ => FALLBACK_CLASS,
    }
}

const FALLBACK_API_CLASS: &str = "ApiError";
const FALLBACK_CLASS: &str = "NevisError";

/// `{kind: class name}` for every core error kind, so the Python suite can check that each class
/// exists and is distinct.
#[pyfunction]
pub fn error_classes() -> Vec<(&'static str, &'static str)> {
    ErrorKind::ALL.iter().map(|kind| (kind.as_str(), class_name(*kind))).collect()
}

/// The HTTP error answer, as Python attributes.
#[derive(Debug, Clone)]
struct ApiDetails {
    status: Option<u16>,
    error: Option<String>,
    message: Option<String>,
    path: Option<String>,
    timestamp: Option<Timestamp>,
    /// Redacted by the core.
    body: String,
    /// The bytes as received, unredacted: only `ApiError.raw_body()` hands them out.
    raw_body: Vec<u8>,
}

/// Everything a Python exception needs, collected without the GIL. Boxed, so `Result<_, Failure>`
/// stays small on the happy path.
#[derive(Debug, Clone)]
pub struct Failure(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    api: Option<ApiDetails>,
    retry_after: Option<Duration>,
    applied: MayHaveBeenApplied,
    attempts: u32,
    request: Option<(String, String)>,
    /// For wait timeouts: the last status, as the JSON the server sent.
    last_status_json: Option<String>,
    /// The core error and its chain of causes, for the exception's `__cause__`.
    cause: Option<String>,
}

impl Failure {
    /// A failure detected by the binding before the core was called (a bad argument).
    pub fn invalid(field: &str, rule: impl std::fmt::Display) -> Failure {
        Failure::binding(ErrorKind::InvalidRequest, field, rule)
    }

    /// A configuration problem detected by the binding.
    pub fn config(field: &str, rule: impl std::fmt::Display) -> Failure {
        Failure::binding(ErrorKind::Config, field, rule)
    }

    fn binding(kind: ErrorKind, field: &str, rule: impl std::fmt::Display) -> Failure {
        Failure::from_details(Details {
            kind,
            message: format!("{kind}: {field}: {rule}"),
            field: Some(field.to_string()),
            api: None,
            retry_after: None,
            applied: MayHaveBeenApplied::No,
            attempts: 0,
            request: None,
            last_status_json: None,
            cause: None,
        })
    }

    /// A failure of the binding itself (e.g. a result that could not be serialized).
    pub fn internal(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure::from_details(Details {
            kind,
            message: message.into(),
            field: None,
            api: None,
            retry_after: None,
            applied: MayHaveBeenApplied::No,
            attempts: 0,
            request: None,
            last_status_json: None,
            cause: None,
        })
    }

    fn from_details(details: Details) -> Failure {
        Failure(Box::new(details))
    }

    #[cfg(test)]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Builds the Python exception (with `__cause__` holding the Rust error chain).
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self.build(py) {
            Ok(err) => err,
            // Only reachable when the errors module cannot be imported or a class rejects its
            // arguments; the import error then tells the user more than any substitute would.
            Err(err) => err,
        }
    }

    fn build(self, py: Python<'_>) -> PyResult<PyErr> {
        let details = *self.0;
        static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
        let module = ERRORS.get_or_try_init(py, || py.import("nevis_authcloud.errors").map(Bound::unbind))?;
        let module = module.bind(py);
        let class = module.getattr(class_name(details.kind))?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", details.kind.as_str())?;
        kwargs.set_item("may_have_been_applied", details.applied.as_str())?;
        kwargs.set_item("attempts", details.attempts)?;
        kwargs.set_item("field", details.field.as_deref())?;
        kwargs.set_item("retry_after", details.retry_after.map(|delay| delay.as_secs_f64()))?;
        kwargs.set_item("request_method", details.request.as_ref().map(|(method, _)| method.as_str()))?;
        kwargs.set_item("request_path", details.request.as_ref().map(|(_, path)| path.as_str()))?;
        if let Some(json) = &details.last_status_json {
            let loads = py.import("json")?.getattr("loads")?;
            kwargs.set_item("last_status", loads.call1((json.as_str(),))?)?;
        }
        if details.kind.is_api_error() {
            let api = details.api.clone().unwrap_or(ApiDetails {
                status: None,
                error: None,
                message: None,
                path: None,
                timestamp: None,
                body: String::new(),
                raw_body: Vec::new(),
            });
            kwargs.set_item("status", api.status)?;
            kwargs.set_item("error", api.error)?;
            kwargs.set_item("message", api.message)?;
            kwargs.set_item("path", api.path)?;
            match api.timestamp {
                Some(Timestamp::EpochMillis(millis)) => kwargs.set_item("timestamp", millis)?,
                Some(Timestamp::Iso(text)) => kwargs.set_item("timestamp", text)?,
                None => kwargs.set_item("timestamp", py.None())?,
            }
            kwargs.set_item("body", api.body)?;
            kwargs.set_item("raw_body", pyo3::types::PyBytes::new(py, &api.raw_body))?;
        }
        let exception = class.call((details.message.as_str(),), Some(&kwargs))?;
        let err = PyErr::from_value(exception);
        if let Some(cause) = details.cause {
            let native_cause = module.getattr("NativeCause")?.call1((cause,))?;
            err.set_cause(py, Some(PyErr::from_value(native_cause)));
        }
        Ok(err)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        let api = err.api().map(|api| ApiDetails {
            status: Some(api.status),
            error: api.error.clone(),
            message: api.message.clone(),
            path: api.path.clone(),
            timestamp: api.timestamp.clone(),
            body: api.body.clone(),
            raw_body: api.raw_body().to_vec(),
        });
        let last_status_json = err.last_status().and_then(|status| serde_json::to_string(status).ok());
        Failure::from_details(Details {
            kind: err.kind(),
            message: err.to_string(),
            field: err.field().map(str::to_string),
            api,
            retry_after: err.retry_after(),
            applied: err.may_have_been_applied(),
            attempts: err.attempts(),
            request: err.request().map(|request| (request.method.clone(), request.path.clone())),
            last_status_json,
            cause: Some(cause_chain(&err)),
        })
    }
}

/// "kind: message (METHOD path) <- cause <- cause …": what Rust knew about the failure.
fn cause_chain(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(" <- ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_core_kind_has_its_own_class() {
        let mut seen = HashSet::new();
        for kind in ErrorKind::ALL {
            let name = class_name(*kind);
            assert_ne!(name, FALLBACK_CLASS, "{kind} has no class of its own");
            assert_ne!(name, FALLBACK_API_CLASS, "{kind} has no class of its own");
            assert!(seen.insert(name), "{kind} shares the class {name} with another kind");
        }
        assert_eq!(seen.len(), ErrorKind::ALL.len());
        assert_eq!(error_classes().len(), ErrorKind::ALL.len());
    }

    #[test]
    fn binding_failures_name_the_field() {
        let failure = Failure::invalid("timeout", "must be a positive number of seconds");
        assert_eq!(failure.kind(), ErrorKind::InvalidRequest);
        assert_eq!(failure.0.field.as_deref(), Some("timeout"));
        assert!(failure.0.message.contains("timeout: must be"));
    }
}
