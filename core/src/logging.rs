//! The SDK's one log sink: the single global `tracing` subscriber every binding plugs into.
//!
//! The core reports what it does in two shapes, both under the target `nevis_authcloud`:
//! events ("request completed", "request failed", "retrying", ...) and spans, one per call (named
//! after the operation, `nevis.get_user`) and one per HTTP attempt (`nevis.attempt`) inside it,
//! whose fields follow the OpenTelemetry HTTP client conventions (`http.request.method`,
//! `url.template`, `server.address`, `http.response.status_code`, `error.type`, ...). Python's
//! `logging`, Node's logger and `diagnostics_channel`, and the C log callback all want the same
//! things from them, so reading them is done here once: a binding implements [`LogSink`] (how a
//! [`LogRecord`] reaches its language) and registers it with [`set_sink`], saying which event
//! levels it wants and whether it wants spans. Nothing else about `tracing` is the binding's
//! business.
//!
//! Cost matters because every call produces a few records. With no sink, or a level that excludes
//! an event, the callsite is turned away by an atomic load before any field is read. A binding can
//! narrow that further per call with [`Threshold`]: Python reads its logger's level once when a call
//! starts, on the Python thread, and the events of that call below it are dropped without asking
//! Python (asking costs a thread state per event, which dominated the per-call cost in bench/python).
//! Span bookkeeping (a small table of open spans) happens only while a sink wants spans.
//!
//! The core never puts a secret, token, user id or username into an event or span field (see
//! `tests/secrets.rs`): routes appear as templates (`/api/v1/users/{userId}`), never filled in.
//! Nothing here needs to redact.
//!
//! If the process already has a global `tracing` subscriber (a Rust host installed one), that one
//! wins: [`set_sink`] says so, and the records go to that subscriber instead.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use serde_json::Value;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use crate::log_event::LogEventFields;
use crate::{Error, ErrorKind};

/// The target of every event and span the core emits.
pub const TARGET: &str = "nevis_authcloud";

/// How severe a record is, from `Error` (1) to `Trace` (5); "wanted up to `Debug`" means every
/// level whose number is at most `Debug`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl LogLevel {
    pub fn from_tracing(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }

    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// The level named by [`Self::as_str`].
    pub fn from_name(name: &str) -> Option<LogLevel> {
        Self::ALL.into_iter().find(|level| level.as_str() == name)
    }

    /// The level numbered 1 (`Error`) to 5 (`Trace`).
    pub fn from_rank(rank: i64) -> Option<LogLevel> {
        Self::ALL.into_iter().find(|level| *level as i64 == rank)
    }

    const ALL: [LogLevel; 5] = [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace];
}

/// What a record reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Something happened (`message` says what).
    Event,
    /// A call or an attempt began (`message` is the span's name); its fields so far.
    SpanStart,
    /// A call or an attempt ended; all its fields, and [`LogRecord::duration`].
    SpanEnd,
}

impl RecordKind {
    /// `event`, `span_start` or `span_end`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Event => "event",
            RecordKind::SpanStart => "span_start",
            RecordKind::SpanEnd => "span_end",
        }
    }
}

/// One record as a sink receives it; borrowed for the duration of [`LogSink::deliver`].
#[derive(Debug)]
pub struct LogRecord<'a> {
    pub kind: RecordKind,
    pub level: LogLevel,
    /// `nevis_authcloud` or one of its modules (`nevis_authcloud::tls`).
    pub target: &'a str,
    /// An event's message (`request completed`), or a span's name (`nevis.get_user`).
    pub message: &'a str,
    /// The fields other than the message, in the order they were recorded; numbers and booleans
    /// stay typed.
    pub fields: &'a [(&'static str, Value)],
    /// For span records, the span; for events, the innermost span they happened in.
    pub span_id: Option<u64>,
    /// For span records, the enclosing span (an attempt's call).
    pub parent_id: Option<u64>,
    /// How long the span was open (span ends only).
    pub duration: Option<Duration>,
}

impl LogRecord<'_> {
    /// One line: `"request completed method=GET path=/ping attempt=1"`, or for spans
    /// `"span end nevis.ping http.request.method=GET ... duration_ms=3"`.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut line = match self.kind {
            RecordKind::Event => self.message.to_string(),
            RecordKind::SpanStart => format!("span start {}", self.message),
            RecordKind::SpanEnd => format!("span end {}", self.message),
        };
        for (name, value) in self.fields {
            let _ = write!(line, " {name}={}", LogEventFields::text(value));
        }
        if let Some(duration) = self.duration {
            let _ = write!(line, " duration_ms={}", duration.as_millis());
        }
        line
    }

    /// A field's value by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(field, _)| *field == name).map(|(_, value)| value)
    }
}

/// Where a binding's records go. Called on whichever thread the record happens (runtime workers
/// and the caller's thread, several at once), so it must be quick and thread-safe. A record raised
/// while a sink is delivering on the same thread is dropped, so a sink that calls back into the SDK
/// cannot recurse; a panic inside a sink is caught and the record lost.
pub trait LogSink: Send + Sync {
    fn deliver(&self, record: &LogRecord<'_>);
}

/// The registered sink.
static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
/// The most verbose event level wanted (0: none), read on every callsite without a lock.
static MAX_EVENT_LEVEL: AtomicU8 = AtomicU8::new(0);
/// Whether the sink wants span starts and ends.
static SPANS: AtomicBool = AtomicBool::new(false);
/// Whether this module's subscriber is the process's (decided once).
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    /// The most verbose event level of the call being polled on this thread, when a binding
    /// narrowed it ([`Threshold`]); `None` outside such a call.
    static THRESHOLD: Cell<Option<u8>> = const { Cell::new(None) };
    /// True while this thread runs the sink.
    static IN_SINK: Cell<bool> = const { Cell::new(false) };
    /// The spans entered on this thread, innermost last (the parent of a new span).
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Sends the SDK's events up to `events` (`None`: no events) and, when `spans` is true, the start
/// and end of every call and attempt span to `sink`; `None` turns it all off. Replaces any earlier
/// sink: once this returns, the earlier one is not running and is never called again. A caller
/// that holds a lock its sink also takes (Python's GIL) must release it around this call.
///
/// Fails with `InvalidRequest` (field `sink`) from inside a sink's delivery, and with `Config`
/// when another global `tracing` subscriber owns the process.
pub fn set_sink(sink: Option<Arc<dyn LogSink>>, events: Option<LogLevel>, spans: bool) -> Result<(), Error> {
    if in_sink() {
        return Err(Error::invalid("sink", "cannot be changed while a log record is being delivered"));
    }
    if !*INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(SdkSubscriber).is_ok()) {
        return Err(Error::new(
            ErrorKind::Config,
            "another tracing subscriber is already the process's global one; the SDK's records go there",
        ));
    }
    let mut current = SINK.write().unwrap_or_else(PoisonError::into_inner);
    let on = sink.is_some();
    *current = sink;
    MAX_EVENT_LEVEL.store(if on { events.map_or(0, |level| level as u8) } else { 0 }, Ordering::Release);
    SPANS.store(on && spans, Ordering::Release);
    Ok(())
}

/// Whether this thread is inside a sink's delivery right now.
pub fn in_sink() -> bool {
    IN_SINK.try_with(Cell::get).unwrap_or(true)
}

/// A call's future, run with its own most verbose event level (`None`: no events) on whichever
/// thread polls it. Spans are not affected.
pub struct Threshold<F> {
    max: u8,
    inner: F,
}

impl<F: Future + Unpin> Threshold<F> {
    pub fn new(max: Option<LogLevel>, inner: F) -> Self {
        Threshold { max: max.map_or(0, |level| level as u8), inner }
    }
}

impl<F: Future + Unpin> Future for Threshold<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let outer = THRESHOLD.with(|slot| slot.replace(Some(this.max)));
        let polled = Pin::new(&mut this.inner).poll(cx);
        THRESHOLD.with(|slot| slot.set(outer));
        polled
    }
}

fn is_our_target(target: &str) -> bool {
    target == TARGET || target.strip_prefix(TARGET).is_some_and(|rest| rest.starts_with("::"))
}

/// An open span: what its end record will say.
struct OpenSpan {
    name: String,
    level: LogLevel,
    target: &'static str,
    parent: Option<u64>,
    fields: LogEventFields,
    started: Instant,
    /// Handles to the span still alive (`tracing` clones and closes them).
    refs: usize,
}

/// The open spans, by id; only used while a sink wants spans.
static OPEN: OnceLock<Mutex<HashMap<u64, OpenSpan>>> = OnceLock::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn open_spans() -> std::sync::MutexGuard<'static, HashMap<u64, OpenSpan>> {
    OPEN.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process's subscriber: only the SDK's own events and spans, only while a sink wants them.
struct SdkSubscriber;

impl Subscriber for SdkSubscriber {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // "sometimes": what is wanted changes with each `set_sink` and, per call, `Threshold`.
        if is_our_target(metadata.target()) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        if !is_our_target(metadata.target()) {
            return false;
        }
        if metadata.is_span() {
            return SPANS.load(Ordering::Acquire);
        }
        let level = LogLevel::from_tracing(metadata.level()) as u8;
        level <= MAX_EVENT_LEVEL.load(Ordering::Acquire) && THRESHOLD.with(Cell::get).is_none_or(|max| level <= max)
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let metadata = attributes.metadata();
        let mut fields = LogEventFields::default();
        attributes.record(&mut fields);
        // `otel.name` names the span (the operation), as tracing-opentelemetry reads it too.
        let name = match fields.fields.iter().position(|(name, _)| *name == "otel.name") {
            Some(at) => LogEventFields::text(&fields.fields.remove(at).1),
            None => metadata.name().to_string(),
        };
        let parent = if attributes.is_root() {
            None
        } else {
            attributes.parent().map(Id::into_u64).or_else(|| ENTERED.with(|stack| stack.borrow().last().copied()))
        };
        let span = OpenSpan {
            name,
            level: LogLevel::from_tracing(metadata.level()),
            target: metadata.target(),
            parent,
            fields,
            started: Instant::now(),
            refs: 1,
        };
        deliver(&LogRecord {
            kind: RecordKind::SpanStart,
            level: span.level,
            target: span.target,
            message: &span.name,
            fields: &span.fields.fields,
            span_id: Some(id),
            parent_id: span.parent,
            duration: None,
        });
        open_spans().insert(id, span);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut later = LogEventFields::default();
        values.record(&mut later);
        if let Some(open) = open_spans().get_mut(&span.into_u64()) {
            for (name, value) in later.fields {
                match open.fields.fields.iter_mut().find(|(known, _)| *known == name) {
                    Some(slot) => slot.1 = value,
                    None => open.fields.fields.push((name, value)),
                }
            }
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if in_sink() {
            return;
        }
        let metadata = event.metadata();
        let fields = LogEventFields::from_event(event);
        let span_id = ENTERED.with(|stack| stack.borrow().last().copied());
        deliver(&LogRecord {
            kind: RecordKind::Event,
            level: LogLevel::from_tracing(metadata.level()),
            target: metadata.target(),
            message: &fields.message,
            fields: &fields.fields,
            span_id,
            parent_id: None,
            duration: None,
        });
    }

    fn enter(&self, span: &Id) {
        let _ = ENTERED.try_with(|stack| stack.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        let _ = ENTERED.try_with(|stack| {
            let mut stack = stack.borrow_mut();
            if let Some(at) = stack.iter().rposition(|entered| *entered == span.into_u64()) {
                stack.remove(at);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(open) = open_spans().get_mut(&span.into_u64()) {
            open.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let closed = {
            let mut open = open_spans();
            let Some(entry) = open.get_mut(&span.into_u64()) else { return false };
            entry.refs -= 1;
            if entry.refs > 0 {
                return false;
            }
            open.remove(&span.into_u64())
        };
        if let Some(span_data) = closed {
            deliver(&LogRecord {
                kind: RecordKind::SpanEnd,
                level: span_data.level,
                target: span_data.target,
                message: &span_data.name,
                fields: &span_data.fields.fields,
                span_id: Some(span.into_u64()),
                parent_id: span_data.parent,
                duration: Some(span_data.started.elapsed()),
            });
        }
        true
    }
}

/// Hands `record` to the sink, unless this thread is already delivering one. Logging never fails
/// the request that logged, let alone unwinds into the runtime.
fn deliver(record: &LogRecord<'_>) {
    if in_sink() {
        return;
    }
    // The read side is held while the sink runs, so a `set_sink` returns only once the sink it
    // replaced is no longer running (C callers free its user data then).
    let sink = SINK.read().unwrap_or_else(PoisonError::into_inner);
    let Some(sink) = sink.as_ref() else { return };
    /// Clears the flag however the sink returns.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = IN_SINK.try_with(|flag| flag.set(false));
        }
    }
    IN_SINK.with(|flag| flag.set(true));
    let _leave = Leave;
    let _ = catch_unwind(AssertUnwindSafe(|| sink.deliver(record)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_by_name_and_rank() {
        assert_eq!(LogLevel::from_name("debug"), Some(LogLevel::Debug));
        assert_eq!(LogLevel::from_name("DEBUG"), None);
        assert_eq!(LogLevel::from_rank(1), Some(LogLevel::Error));
        assert_eq!(LogLevel::from_rank(6), None);
        assert!(LogLevel::Trace > LogLevel::Info);
    }

    #[test]
    fn only_the_sdks_targets() {
        assert!(is_our_target("nevis_authcloud"));
        assert!(is_our_target("nevis_authcloud::tls"));
        assert!(!is_our_target("nevis_authcloud_sim"));
        assert!(!is_our_target("hyper_util::client"));
    }

    #[test]
    fn span_records_render_with_their_duration() {
        let fields = [("url.template", Value::from("/ping")), ("http.response.status_code", Value::from(200u64))];
        let record = LogRecord {
            kind: RecordKind::SpanEnd,
            level: LogLevel::Debug,
            target: TARGET,
            message: "nevis.ping",
            fields: &fields,
            span_id: Some(2),
            parent_id: None,
            duration: Some(Duration::from_millis(7)),
        };
        assert_eq!(
            record.render(),
            "span end nevis.ping url.template=/ping http.response.status_code=200 duration_ms=7"
        );
        assert_eq!(record.field("http.response.status_code"), Some(&Value::from(200u64)));
    }
}
