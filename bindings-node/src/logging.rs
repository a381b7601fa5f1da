//! Delivers the core's log records to JavaScript: events to the function of `setLogger`
//! (`logging.js`), span starts and ends to the `diagnostics_channel` publisher of `tracing.js`.
//!
//! The core owns the one subscriber, the level filter and the span bookkeeping
//! (`nevis_authcloud::logging`); this module is the sink. Records happen on the core's tokio
//! threads. They reach JavaScript through thread-safe functions that are weak (they never keep
//! Node alive) and called without blocking: when a bounded queue is full because JavaScript is
//! busy, the record is dropped rather than making a request wait. With no logger set, events are
//! filtered out before anything is formatted; with nobody subscribed to the channels, spans are
//! never recorded at all (`tracing.js` switches them on and off).
//!
//! If the process already has a global `tracing` subscriber (another Rust addon installed one),
//! that one wins and `setLogger` says so instead of silently delivering nothing.

use std::sync::{Arc, Mutex};

use napi::Status;
use napi::bindgen_prelude::Env;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use nevis_authcloud::Error;
use nevis_authcloud::logging::{self, LogLevel, LogRecord as CoreRecord, LogSink, RecordKind};
use serde_json::{Map, Value};

use crate::errors::ToJs;

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

/// The start or end of a call or attempt span, as `tracing.js` publishes it.
#[napi(object)]
pub struct SpanRecord {
    /// `start` or `end`.
    pub phase: String,
    /// The operation (`nevis.get_user`) or `nevis.attempt`.
    pub name: String,
    pub span_id: f64,
    /// An attempt's call.
    pub parent_id: Option<f64>,
    /// OpenTelemetry HTTP client attributes (`http.request.method`, `url.template`, ...).
    #[napi(ts_type = "Record<string, string | number | boolean>")]
    pub attributes: Map<String, Value>,
    /// How long the span was open, in milliseconds (ends only).
    pub duration_ms: Option<f64>,
}

/// Weak (never keeps Node alive), not callee-handled (the record is the only argument), bounded.
type Logger = ThreadsafeFunction<LogRecord, (), LogRecord, Status, false, true, QUEUE>;
type Spans = ThreadsafeFunction<SpanRecord, (), SpanRecord, Status, false, true, QUEUE>;

/// Where records go: the logger with its level, and the span publisher.
#[derive(Default)]
struct Targets {
    logger: Option<(Arc<Logger>, LogLevel)>,
    spans: Option<Arc<Spans>>,
}

static TARGETS: Mutex<Targets> = Mutex::new(Targets { logger: None, spans: None });

fn targets() -> std::sync::MutexGuard<'static, Targets> {
    TARGETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Routes the SDK's log events to `logger` from now on, at `level` and above (default `info`);
/// `null` stops them. Replaces any logger set before.
#[napi(
    catch_unwind,
    ts_args_type = "logger: ((record: LogRecord) => void) | null, level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | undefined | null"
)]
pub fn set_log_sink(env: Env, logger: Option<Logger>, level: Option<String>) -> napi::Result<()> {
    set_logger(logger, level.as_deref()).map_err(|failure| failure.into_js_error(&env))
}

/// Routes the start and end of every call and attempt span to `publish` from now on; `null` stops
/// recording spans.
#[napi(catch_unwind, ts_args_type = "publish: ((record: SpanRecord) => void) | null")]
pub fn set_span_sink(env: Env, publish: Option<Spans>) -> napi::Result<()> {
    let mut current = targets();
    current.spans = publish.map(Arc::new);
    apply(&current).map_err(|failure| failure.into_js_error(&env))
}

fn set_logger(logger: Option<Logger>, level: Option<&str>) -> Result<(), Error> {
    let level = match level {
        None => LogLevel::Info,
        Some(name) => LogLevel::from_name(name)
            .ok_or_else(|| Error::invalid("level", "must be 'trace', 'debug', 'info', 'warn' or 'error'"))?,
    };
    let mut current = targets();
    current.logger = logger.map(|logger| (Arc::new(logger), level));
    apply(&current)
}

/// Registers what `current` wants with the core (holding the lock, so registrations apply in order).
fn apply(current: &Targets) -> Result<(), Error> {
    let sink =
        NodeSink { logger: current.logger.as_ref().map(|(logger, _)| logger.clone()), spans: current.spans.clone() };
    let wanted = sink.logger.is_some() || sink.spans.is_some();
    let events = current.logger.as_ref().map(|(_, level)| *level);
    logging::set_sink(wanted.then(|| Arc::new(sink) as Arc<dyn LogSink>), events, current.spans.is_some())
}

struct NodeSink {
    logger: Option<Arc<Logger>>,
    spans: Option<Arc<Spans>>,
}

fn fields(record: &CoreRecord<'_>) -> Map<String, Value> {
    record.fields.iter().map(|(name, value)| (name.to_string(), value.clone())).collect()
}

impl LogSink for NodeSink {
    fn deliver(&self, record: &CoreRecord<'_>) {
        // Never waits: a full queue (JavaScript busy) or a closing environment drops the record.
        match record.kind {
            RecordKind::Event => {
                let Some(logger) = &self.logger else { return };
                let event = LogRecord {
                    level: record.level.as_str().to_string(),
                    target: record.target.to_string(),
                    message: record.message.to_string(),
                    fields: fields(record),
                };
                let _ = logger.call(event, ThreadsafeFunctionCallMode::NonBlocking);
            }
            RecordKind::SpanStart | RecordKind::SpanEnd => {
                let Some(spans) = &self.spans else { return };
                let span = SpanRecord {
                    phase: if record.kind == RecordKind::SpanStart { "start" } else { "end" }.to_string(),
                    name: record.message.to_string(),
                    span_id: record.span_id.unwrap_or_default() as f64,
                    parent_id: record.parent_id.map(|id| id as f64),
                    attributes: fields(record),
                    duration_ms: record.duration.map(|duration| duration.as_secs_f64() * 1000.0),
                };
                let _ = spans.call(span, ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }
}
