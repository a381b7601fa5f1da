//! Delivers the core's log records to Python: events to `logging` (logger `nevis_authcloud`),
//! and, once `enable_opentelemetry` asked for them, the end of every call and attempt span to the
//! OpenTelemetry bridge (`nevis_authcloud/_opentelemetry.py`).
//!
//! The core owns the one subscriber and the filtering (`nevis_authcloud::logging`); this module is
//! the sink. Records happen on tokio threads without the GIL, so delivery goes through the shutdown
//! gate like every other touch of Python from Rust.
//!
//! Asking Python costs a visit from a thread CPython does not know, which creates and destroys a
//! thread state (with an mmap-ed frame stack) each time; doing that for every "request completed"
//! event dominated the per-call cost in the benchmarks (bench/python). So each call records, when it
//! starts on the Python thread, the logger's effective level ([`threshold`]); while the call's
//! future runs ([`Scoped`], the core's per-call threshold), events below that level are dropped
//! without entering Python. Events at or above it are still checked with `isEnabledFor`
//! (handlers, `logging.disable`), so what reaches the logger is exactly what it would accept when
//! the call started. Spans cost nothing until the OpenTelemetry bridge is enabled, and then only
//! their ends cross into Python (the start time is the end time minus the duration).
//!
//! If the process already has a global `tracing` subscriber (another Rust extension installed
//! one), that one wins and the records go there instead.

use std::sync::Arc;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use nevis_authcloud::logging::{self, LogLevel, LogRecord, LogSink, RecordKind};

use crate::errors::IntoPyErr;
use crate::shutdown;

pub use nevis_authcloud::logging::Threshold as Scoped;

const TARGET: &str = "nevis_authcloud";

/// The OpenTelemetry bridge's `span_ended(name, span_id, parent_id, attributes, duration_ns)`,
/// once enabled.
static SPAN_HOOK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Plugs Python into the core's log sink (at import; if another global subscriber owns the
/// process, its events go there).
pub fn install_bridge() {
    let _ = logging::set_sink(Some(Arc::new(PythonSink)), Some(LogLevel::Trace), false);
}

/// `_native.enable_span_hook(hook)`: from now on the end of every call and attempt span is handed
/// to `hook` (the OpenTelemetry bridge). Enabling twice keeps the first hook.
#[pyfunction]
pub fn enable_span_hook(py: Python<'_>, hook: Py<PyAny>) -> PyResult<()> {
    let _ = SPAN_HOOK.set(py, hook);
    // The sink's deliveries take the GIL while the core holds its sink lock: switching sinks
    // without the GIL keeps the two from waiting for each other.
    py.detach(|| logging::set_sink(Some(Arc::new(PythonSink)), Some(LogLevel::Trace), true))
        .map_err(|err| err.into_pyerr(py))
}

struct PythonSink;

impl LogSink for PythonSink {
    fn deliver(&self, record: &LogRecord<'_>) {
        if record.kind == RecordKind::SpanStart {
            return;
        }
        shutdown::while_python_alive(|| {
            Python::try_attach(|py| {
                let delivered = match record.kind {
                    RecordKind::Event => forward(py, record),
                    _ => span_ended(py, record),
                };
                // A failing handler must not turn into an error of the request that logged.
                if delivered.is_err() {
                    PyErr::take(py);
                }
            })
        });
    }
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOGGER
        .get_or_try_init(py, || py.import("logging")?.call_method1("getLogger", (TARGET,)).map(Bound::unbind))
        .map(|logger| logger.bind(py))
}

/// The most verbose level the `nevis_authcloud` logger takes right now (its effective level: the
/// first level set on it or an ancestor, as `Logger.getEffectiveLevel` computes it); every level
/// when it cannot be read, so nothing is dropped. Called on the Python thread when a call starts.
pub fn threshold(py: Python<'_>) -> Option<LogLevel> {
    fn effective(py: Python<'_>) -> PyResult<i64> {
        let mut current = logger(py)?.clone();
        loop {
            let level: i64 = current.getattr(intern!(py, "level"))?.extract()?;
            if level != 0 {
                return Ok(level);
            }
            let parent = current.getattr(intern!(py, "parent"))?;
            if parent.is_none() {
                return Ok(0);
            }
            current = parent;
        }
    }
    let threshold = effective(py).unwrap_or(0);
    [LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error]
        .into_iter()
        .find(|level| i64::from(python_level(*level)) >= threshold)
}

/// Python's numeric level for a core level.
fn python_level(level: LogLevel) -> u8 {
    match level {
        LogLevel::Trace => 5,
        LogLevel::Debug => 10,
        LogLevel::Info => 20,
        LogLevel::Warn => 30,
        LogLevel::Error => 40,
    }
}

fn forward(py: Python<'_>, record: &LogRecord<'_>) -> PyResult<()> {
    let level = python_level(record.level);
    let logger = logger(py)?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    let details = PyDict::new(py);
    for (name, value) in record.fields {
        details.set_item(name, nevis_authcloud::log_event::LogEventFields::text(value))?;
    }
    extra.set_item("nevis", details)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("extra", extra)?;
    // "%s" keeps any '%' in the text from being read as a format directive.
    logger.call_method("log", (level, "%s", record.render()), Some(&kwargs))?;
    Ok(())
}

fn span_ended(py: Python<'_>, record: &LogRecord<'_>) -> PyResult<()> {
    let Some(hook) = SPAN_HOOK.get(py) else { return Ok(()) };
    let attributes = PyDict::new(py);
    for (name, value) in record.fields {
        match value {
            serde_json::Value::Number(number) if number.is_u64() || number.is_i64() => {
                attributes.set_item(name, number.as_i64().unwrap_or(i64::MAX))?
            }
            serde_json::Value::Bool(flag) => attributes.set_item(name, *flag)?,
            other => attributes.set_item(name, nevis_authcloud::log_event::LogEventFields::text(other))?,
        }
    }
    let duration_ns = record.duration.map_or(0, |duration| duration.as_nanos().min(u128::from(u64::MAX)) as u64);
    hook.call1(py, (record.message, record.span_id, record.parent_id, attributes, duration_ns))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_match_python_logging() {
        assert_eq!(python_level(LogLevel::Debug), 10);
        assert_eq!(python_level(LogLevel::Info), 20);
        assert_eq!(python_level(LogLevel::Error), 40);
    }
}
