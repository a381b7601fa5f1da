//! Forwards the core's `tracing` events to a JavaScript function (`setLogger` in `index.js`).
//!
//! The core reports each request ("request completed" with method, path, attempt and elapsed
//! milliseconds), each failed attempt and each retry through `tracing` under the target
//! `nevis_authcloud`, and never puts secrets in those events. A Node application has no
//! `tracing` subscriber, so this module installs a small global one (on the first `setLogger`)
//! that takes only the SDK's own events, at or above the level JavaScript asked for, and hands
//! each one to the JavaScript function as a plain record.
//!
//! Events happen on the core's tokio threads. They reach JavaScript through a thread-safe
//! function that is weak (it never keeps Node alive) and called without blocking: when its
//! bounded queue is full because JavaScript is busy, the record is dropped rather than making a
//! request wait for the logger. With no logger set, events are filtered out before anything is
//! formatted.
//!
//! If the process already has a global `tracing` subscriber (another Rust addon installed one),
//! that one wins and `setLogger` says so instead of silently delivering nothing.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use napi::Status;
use napi::bindgen_prelude::Env;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use nevis_authcloud::log_event::LogEventFields;
use nevis_authcloud::{Error, ErrorKind};
use serde_json::{Map, Value};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::errors::ToJs;

const TARGET: &str = "nevis_authcloud";

/// Records waiting for the JavaScript thread; beyond this, new ones are dropped.
const QUEUE: usize = 4096;

/// One event as JavaScript receives it.
#[napi(object)]
pub struct LogRecord {
    /// `trace`, `debug`, `info`, `warn` or `error`.
    pub level: String,
    /// `nevis_authcloud` or one of its modules (`nevis_authcloud::tls`).
    pub target: String,
    /// What happened, without the fields (`request completed`).
    pub message: String,
    /// The event's fields: strings, numbers and booleans (`{ method: 'GET', attempt: 1 }`).
    #[napi(ts_type = "Record<string, string | number | boolean>")]
    pub fields: Map<String, Value>,
}

/// Weak (never keeps Node alive), not callee-handled (the record is the only argument), bounded.
type Sink = ThreadsafeFunction<LogRecord, (), LogRecord, Status, false, true, QUEUE>;

/// The function records go to, if any.
static SINK: Mutex<Option<Arc<Sink>>> = Mutex::new(None);

/// The most verbose level delivered: 0 = nothing, 1 = error … 5 = trace.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);

/// Whether this module's subscriber became the global one (decided once per process).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Routes the SDK's log events to `logger` from now on, at `level` and above (default `info`);
/// `null` stops them. Replaces any logger set before.
#[napi(
    catch_unwind,
    ts_args_type = "logger: ((record: LogRecord) => void) | null, level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | undefined | null"
)]
pub fn set_log_sink(env: Env, logger: Option<Sink>, level: Option<String>) -> napi::Result<()> {
    set(logger, level.as_deref()).map_err(|failure| failure.into_js_error(&env))
}

fn set(logger: Option<Sink>, level: Option<&str>) -> Result<(), Error> {
    let Some(logger) = logger else {
        MAX_LEVEL.store(0, Ordering::Release);
        // Dropping the thread-safe function releases it (from any thread).
        sink().take();
        return Ok(());
    };
    let rank = match level {
        None => rank(&Level::INFO),
        Some(name) => parse_level(name)
            .ok_or_else(|| Error::invalid("level", "must be 'trace', 'debug', 'info', 'warn' or 'error'"))?,
    };
    let installed = *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(JsLogging).is_ok());
    if !installed {
        return Err(Error::new(
            ErrorKind::Config,
            "another tracing subscriber is already the process's global one; its events go there",
        ));
    }
    *sink() = Some(Arc::new(logger));
    MAX_LEVEL.store(rank, Ordering::Release);
    Ok(())
}

fn sink() -> std::sync::MutexGuard<'static, Option<Arc<Sink>>> {
    SINK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn parse_level(name: &str) -> Option<u8> {
    let level = match name {
        "trace" => Level::TRACE,
        "debug" => Level::DEBUG,
        "info" => Level::INFO,
        "warn" => Level::WARN,
        "error" => Level::ERROR,
        _ => return None,
    };
    Some(rank(&level))
}

/// 1 = error … 5 = trace, so "enabled" is `rank <= MAX_LEVEL`.
fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// The SDK's events: the core's `nevis_authcloud` target and its modules, not other crates'.
fn is_ours(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && is_our_target(metadata.target())
}

fn is_our_target(target: &str) -> bool {
    target == TARGET || target.starts_with("nevis_authcloud::")
}

struct JsLogging;

impl Subscriber for JsLogging {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // "sometimes": the level can change at any time, so `enabled` decides per event.
        if is_ours(metadata) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata) && rank(metadata.level()) <= MAX_LEVEL.load(Ordering::Acquire)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `enabled`), so this is only a formality.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(logger) = sink().clone() else { return };
        let metadata = event.metadata();
        let fields = LogEventFields::from_event(event);
        let record = LogRecord {
            level: level_name(metadata.level()).to_string(),
            target: metadata.target().to_string(),
            message: fields.message,
            fields: fields.fields.into_iter().map(|(name, value)| (name.to_string(), value)).collect(),
        };
        // Never waits: a full queue (JavaScript busy) or a closing environment drops the record.
        let _ = logger.call(record, ThreadsafeFunctionCallMode::NonBlocking);
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_from_error_to_trace() {
        assert_eq!(parse_level("error"), Some(1));
        assert_eq!(parse_level("info"), Some(rank(&Level::INFO)));
        assert_eq!(parse_level("trace"), Some(5));
        assert!(parse_level("debug") > parse_level("info"));
        assert_eq!(parse_level("DEBUG"), None);
        assert_eq!(parse_level("verbose"), None);
    }

    #[test]
    fn only_the_sdks_targets() {
        assert!(is_our_target("nevis_authcloud"));
        assert!(is_our_target("nevis_authcloud::tls"));
        assert!(!is_our_target("nevis_authcloud_sim"));
        assert!(!is_our_target("hyper_util::client"));
    }
}
