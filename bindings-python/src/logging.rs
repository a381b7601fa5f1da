//! Forwards the core's `tracing` events to Python's `logging` (logger `nevis_authcloud`).
//!
//! The core reports each request ("request completed", with method, path, attempt and elapsed
//! milliseconds), each failed attempt and each retry through `tracing` under the target
//! `nevis_authcloud`; it never puts secrets in those events. This module installs a small global
//! subscriber that takes only those events and, for each one, asks the Python logger whether that
//! level is enabled before formatting anything. Events are emitted on tokio threads without the
//! GIL, so forwarding goes through the shutdown gate like every other touch of Python from Rust.
//!
//! Asking Python costs a visit from a thread CPython does not know, which creates and destroys a
//! thread state (with an mmap-ed frame stack) each time; doing that for every "request completed"
//! event dominated the per-call cost in the benchmarks (bench/python). So each call records, when it
//! starts on the Python thread, the logger's effective level ([`threshold`]); while the call's
//! future runs ([`Scoped`]), events below that level are dropped without entering Python. Events
//! at or above it are still checked with `isEnabledFor` (handlers, `logging.disable`), so what
//! reaches the logger is exactly what it would accept when the call started.
//!
//! If the process already has a global `tracing` subscriber (another Rust extension installed
//! one), that one wins and the events go there instead.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use nevis_authcloud::log_event::LogEventFields;

use crate::shutdown;

const TARGET: &str = "nevis_authcloud";

/// Installs the bridge as the process's global subscriber (once; later calls do nothing).
pub fn install_bridge() {
    let _ = tracing::subscriber::set_global_default(PythonLogging);
}

struct PythonLogging;

thread_local! {
    /// The Python logger's effective level for the call being polled on this thread; `None`
    /// outside a call (then every event is offered to Python).
    static THRESHOLD: Cell<Option<u8>> = const { Cell::new(None) };
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    LOGGER
        .get_or_try_init(py, || py.import("logging")?.call_method1("getLogger", (TARGET,)).map(Bound::unbind))
        .map(|logger| logger.bind(py))
}

/// The effective level of the `nevis_authcloud` logger right now (the first level set on it or an
/// ancestor, as `Logger.getEffectiveLevel` computes it); 0 when it cannot be read, so nothing is
/// dropped. Called on the Python thread when a call starts.
pub fn threshold(py: Python<'_>) -> u8 {
    fn effective(py: Python<'_>) -> PyResult<u8> {
        let mut current = logger(py)?.clone();
        loop {
            let level: i64 = current.getattr(intern!(py, "level"))?.extract()?;
            if level != 0 {
                return Ok(level.clamp(0, i64::from(u8::MAX)) as u8);
            }
            let parent = current.getattr(intern!(py, "parent"))?;
            if parent.is_none() {
                return Ok(0);
            }
            current = parent;
        }
    }
    effective(py).unwrap_or(0)
}

/// A call's future, run with its logging threshold in effect on whichever thread polls it.
pub struct Scoped<F> {
    threshold: u8,
    inner: F,
}

impl<F: Future + Unpin> Scoped<F> {
    pub fn new(threshold: u8, inner: F) -> Self {
        Scoped { threshold, inner }
    }
}

impl<F: Future + Unpin> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let outer = THRESHOLD.with(|slot| slot.replace(Some(this.threshold)));
        let polled = Pin::new(&mut this.inner).poll(cx);
        THRESHOLD.with(|slot| slot.set(outer));
        polled
    }
}

fn is_ours(metadata: &Metadata<'_>) -> bool {
    metadata.target() == TARGET || metadata.target().starts_with("nevis_authcloud::")
}

/// Python's numeric level for a tracing level.
fn python_level(level: &Level) -> u8 {
    match *level {
        Level::TRACE => 5,
        Level::DEBUG => 10,
        Level::INFO => 20,
        Level::WARN => 30,
        Level::ERROR => 40,
    }
}

impl Subscriber for PythonLogging {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_ours(metadata) && metadata.is_event() { Interest::always() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata) && metadata.is_event()
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `enabled`), so this is only a formality.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let level = python_level(event.metadata().level());
        if THRESHOLD.with(Cell::get).is_some_and(|threshold| level < threshold) {
            return;
        }
        shutdown::while_python_alive(|| {
            Python::try_attach(|py| {
                // A failing handler must not turn into an error of the request that logged.
                if forward(py, level, event).is_err() {
                    PyErr::take(py);
                }
            })
        });
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

fn forward(py: Python<'_>, level: u8, event: &Event<'_>) -> PyResult<()> {
    let logger = logger(py)?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let fields = LogEventFields::from_event(event);
    let extra = PyDict::new(py);
    let details = PyDict::new(py);
    for (name, value) in fields.text_fields() {
        details.set_item(name, value)?;
    }
    extra.set_item("nevis", details)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("extra", extra)?;
    // "%s" keeps any '%' in the text from being read as a format directive.
    logger.call_method("log", (level, "%s", fields.render()), Some(&kwargs))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_match_python_logging() {
        assert_eq!(python_level(&Level::DEBUG), 10);
        assert_eq!(python_level(&Level::INFO), 20);
        assert_eq!(python_level(&Level::ERROR), 40);
    }
}
