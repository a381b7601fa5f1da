//! Turns the core's errors into the Python exceptions of `nevis_authcloud.errors`.
//!
//! The exception classes are defined in Python (so users can subclass, pickle and construct them in
//! their own tests); this module decides which class each core [`ErrorKind`] becomes (an exhaustive
//! `match`: a kind added to the core does not compile here until it has a class) and fills in the
//! attributes from the core [`Error`], including the core's retry policy. Failures this binding
//! finds itself (a bad argument, a closed client, a caught panic) are core errors too, built with
//! the core's constructors, so every exception carries a kind from the core's vocabulary. A core
//! error is plain Rust data, built wherever the failure happened (possibly on a tokio thread);
//! [`IntoPyErr::into_pyerr`] builds the exception once the GIL is held.

use std::panic::{AssertUnwindSafe, catch_unwind};

use nevis_authcloud::{Error, ErrorKind, Timestamp};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyModule};

/// The Python class each error kind becomes.
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
        ErrorKind::Closed => "ClientClosedError",
        ErrorKind::Internal => "InternalError",
    }
}

/// Every kind the core can report, in the core's order: what `err.kind` takes.
#[pyfunction]
pub fn error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|kind| kind.as_str()).collect()
}

/// `[(kind, class name)]` for every core error kind: errors.py derives each class's kind from it,
/// and the Python suite checks that each class exists and is distinct.
#[pyfunction]
pub fn error_classes() -> Vec<(&'static str, &'static str)> {
    ErrorKind::ALL.iter().map(|kind| (kind.as_str(), class_name(*kind))).collect()
}

/// The kinds the core deems worth retrying later, for errors constructed by hand in Python.
#[pyfunction]
pub fn retryable_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().filter(|kind| kind.is_retryable()).map(|kind| kind.as_str()).collect()
}

/// Runs the body of a native method, turning a panic into the core's `internal` error (raised as
/// `InternalError`) instead of pyo3's `PanicException`, which is no `NevisError`.
pub fn panic_free<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(Error::from_panic(payload.as_ref()).into_pyerr(py)))
}

/// Building the Python exception for a core error.
pub trait IntoPyErr {
    /// The exception (with `__cause__` holding the Rust error chain).
    fn into_pyerr(self, py: Python<'_>) -> PyErr;
}

impl IntoPyErr for Error {
    fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match build(py, &self) {
            Ok(err) => err,
            // Only reachable when the errors module cannot be imported or a class rejects its
            // arguments; the import error then tells the user more than any substitute would.
            Err(err) => err,
        }
    }
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = ERRORS.get_or_try_init(py, || py.import("nevis_authcloud.errors").map(Bound::unbind))?;
    let module = module.bind(py);
    let kind = err.kind();
    let class = module.getattr(class_name(kind))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", kind.as_str())?;
    kwargs.set_item("retryable", err.is_retryable())?;
    kwargs.set_item("may_have_been_applied", err.may_have_been_applied().as_str())?;
    kwargs.set_item("attempts", err.attempts())?;
    kwargs.set_item("field", err.field())?;
    kwargs.set_item("retry_after", err.retry_after().map(|delay| delay.as_secs_f64()))?;
    kwargs.set_item("request_method", err.request().map(|request| request.method.as_str()))?;
    kwargs.set_item("request_path", err.request().map(|request| request.path.as_str()))?;
    if let Some(json) = err.last_status().and_then(|status| serde_json::to_string(status).ok()) {
        let loads = py.import("json")?.getattr("loads")?;
        kwargs.set_item("last_status", loads.call1((json.as_str(),))?)?;
    }
    if kind.is_api_error() {
        let api = err.api();
        kwargs.set_item("status", api.map(|api| api.status))?;
        kwargs.set_item("error", api.and_then(|api| api.error.as_deref()))?;
        kwargs.set_item("message", api.and_then(|api| api.message.as_deref()))?;
        kwargs.set_item("path", api.and_then(|api| api.path.as_deref()))?;
        match api.and_then(|api| api.timestamp.as_ref()) {
            Some(Timestamp::EpochMillis(millis)) => kwargs.set_item("timestamp", millis)?,
            Some(Timestamp::Iso(text)) => kwargs.set_item("timestamp", text)?,
            None => kwargs.set_item("timestamp", py.None())?,
        }
        kwargs.set_item("body", api.map_or("", |api| api.body.as_str()))?;
        kwargs.set_item("raw_body", PyBytes::new(py, api.map_or(&[], |api| api.raw_body())))?;
    }
    let exception = class.call((err.to_string(),), Some(&kwargs))?;
    let exception = PyErr::from_value(exception);
    if let Some(cause) = cause_chain(err) {
        let native_cause = module.getattr("NativeCause")?.call1((cause,))?;
        exception.set_cause(py, Some(PyErr::from_value(native_cause)));
    }
    Ok(exception)
}

/// "kind: message (METHOD path) <- cause <- cause …": what Rust knew about a failure that reached
/// the core (it made a request, or had a cause). A bad argument caught before that has none: its
/// message says everything.
fn cause_chain(err: &Error) -> Option<String> {
    let causes = err.causes();
    if causes.is_empty() && err.request().is_none() {
        return None;
    }
    let mut text = err.to_string();
    for cause in causes {
        text.push_str(" <- ");
        text.push_str(&cause);
    }
    Some(text)
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
            assert!(seen.insert(name), "{kind} shares the class {name} with another kind");
        }
        assert_eq!(error_classes().len(), ErrorKind::ALL.len());
        assert_eq!(class_name(ErrorKind::Internal), "InternalError");
    }

    #[test]
    fn the_retryable_kinds_are_the_cores() {
        assert_eq!(retryable_kinds(), ["rate_limited", "server", "timeout", "connection"]);
    }
}
