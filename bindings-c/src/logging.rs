//! `nevis_log_set_callback`: the core's `tracing` events delivered to a C function.
//!
//! The core reports each request ("request completed", with method, path, attempt and elapsed
//! milliseconds), each failed attempt and each retry as `tracing` events under the target
//! `nevis_authcloud` (and `nevis_authcloud::<module>`); it never puts secrets in them. C has no
//! logging framework to bridge to, so the caller registers one function and a maximum level. The
//! levels are the same five the Python binding maps onto `logging` (TRACE, DEBUG, INFO, WARN,
//! ERROR), so every binding reports an event at the same level.
//!
//! The first registration installs a small global subscriber for this library's copy of
//! `tracing`. Events arrive on whatever thread the core runs (the calling thread or a runtime
//! worker), so the registration sits behind a read-write lock: an event holds the read side while
//! the callback runs, and a new registration takes the write side. That gives C callers the one
//! guarantee that matters for freeing `user_data`: once nevis_log_set_callback() returns, the
//! previous callback is neither running nor ever called again. An event raised while the callback
//! itself runs on the same thread (the callback calling back into the library) is dropped rather
//! than re-entering the lock.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

use nevis_authcloud::log_event::LogEventFields;

use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::guard;
use crate::strings::lossy_c_string;

/// The severity of a log record, from the most to the least severe. As `max_level` of
/// nevis_log_set_callback() it is the most verbose level delivered: NEVIS_LOG_INFO delivers
/// errors, warnings and informational records; NEVIS_LOG_TRACE delivers everything.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum nevis_log_level {
    /// A failure the library could not handle by itself.
    NEVIS_LOG_ERROR = 1,
    /// Something unexpected that the library worked around.
    NEVIS_LOG_WARN = 2,
    /// One line per retry, or per retry the library declined (a Retry-After that is too long).
    NEVIS_LOG_INFO = 3,
    /// One line per HTTP attempt: method, path, attempt number, elapsed ms, and the failure kind.
    NEVIS_LOG_DEBUG = 4,
    /// The finest detail the library records.
    NEVIS_LOG_TRACE = 5,
}

impl nevis_log_level {
    fn from_tracing(level: &Level) -> nevis_log_level {
        match *level {
            Level::ERROR => nevis_log_level::NEVIS_LOG_ERROR,
            Level::WARN => nevis_log_level::NEVIS_LOG_WARN,
            Level::INFO => nevis_log_level::NEVIS_LOG_INFO,
            Level::DEBUG => nevis_log_level::NEVIS_LOG_DEBUG,
            Level::TRACE => nevis_log_level::NEVIS_LOG_TRACE,
        }
    }

    /// A value from C, which may be any int.
    fn from_c(value: c_int) -> Option<nevis_log_level> {
        use nevis_log_level::*;
        [NEVIS_LOG_ERROR, NEVIS_LOG_WARN, NEVIS_LOG_INFO, NEVIS_LOG_DEBUG, NEVIS_LOG_TRACE]
            .into_iter()
            .find(|level| *level as c_int == value)
    }
}

/// Receives one log record. `target` is the component ("nevis_authcloud" or
/// "nevis_authcloud::<module>"); `message` is the text followed by `key=value` fields, e.g.
/// "request completed method=GET path=/api/v1/users attempt=1 elapsed_ms=3". Both strings are
/// NUL-terminated and valid only during the call: copy what you keep. `user_data` is the pointer
/// given to nevis_log_set_callback().
///
/// Called from library threads (runtime workers) as well as from the thread making a call, possibly
/// from several threads at once: the function must be thread-safe and must not block for long
/// (a request waits for it). It must not unwind (no C++ exception, no longjmp) out of the call. It
/// may call other library functions, but log records those calls raise on the same thread are
/// dropped, and nevis_log_set_callback() itself fails from inside it.
#[allow(non_camel_case_types)]
pub type nevis_log_fn = Option<
    unsafe extern "C" fn(level: nevis_log_level, target: *const c_char, message: *const c_char, user_data: *mut c_void),
>;

/// The registered callback. `user_data` is the caller's; they promised it may be used from any
/// thread (the documented contract of nevis_log_fn).
struct Sink {
    max: nevis_log_level,
    callback: unsafe extern "C" fn(nevis_log_level, *const c_char, *const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the pointer is only handed back to the caller's own callback, whose contract allows any
// thread.
unsafe impl Send for Sink {}
// SAFETY: as above; the sink itself is never mutated through a shared reference.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);
/// The most verbose level any callback wants (0: no callback), read on every event without a lock.
static MAX_LEVEL: AtomicI32 = AtomicI32::new(0);
/// Whether this library's subscriber is the process's (for this copy of `tracing`).
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    /// True while this thread runs the C callback.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Sends the library's log records at `max_level` (a `nevis_log_level`) and more severe to
/// `callback`, with `user_data` passed through. A NULL `callback` turns logging off (`max_level` is
/// then ignored). Replaces any earlier callback: once this returns, the earlier one is not running
/// and is never called again, so its `user_data` may be freed. Logging is off until the first call.
///
/// Records never contain the access key, tokens or codes. Thread-safe: may be called from any
/// thread at any time, also while other threads make calls; not from inside the callback itself
/// (NEVIS_ERROR_INVALID_ARGUMENT, field "callback").
///
/// Fails with NEVIS_ERROR_INVALID_ARGUMENT (field "max_level") when `max_level` is not a
/// `nevis_log_level`, and with NEVIS_ERROR_CONFIG when the library is linked into a Rust program
/// that installed its own global `tracing` subscriber (the records then go to that subscriber).
///
/// # Safety
/// `callback` is NULL or a function that follows the nevis_log_fn contract for as long as it is
/// registered; `user_data` stays valid for that long.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_log_set_callback(
    max_level: c_int,
    callback: nevis_log_fn,
    user_data: *mut c_void,
) -> *mut nevis_error {
    guard(|| {
        let max = match callback {
            None => None,
            Some(_) => Some(nevis_log_level::from_c(max_level).ok_or_else(|| {
                NevisError::invalid_argument(
                    "max_level",
                    "must be a nevis_log_level (NEVIS_LOG_ERROR to NEVIS_LOG_TRACE)",
                )
            })?),
        };
        if IN_CALLBACK.with(Cell::get) {
            return Err(NevisError::invalid_argument("callback", "cannot be changed from inside the log callback"));
        }
        if !*INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(CallbackLogging).is_ok()) {
            return Err(NevisError::config(
                "callback",
                "another global tracing subscriber is installed in this process; the library's records go there",
            ));
        }
        // A panic while the lock was held can only have happened inside this module's own
        // catch_unwind; the data is a plain value either way, so a poisoned lock is still usable.
        let mut sink = SINK.write().unwrap_or_else(PoisonError::into_inner);
        *sink = match (callback, max) {
            (Some(callback), Some(max)) => Some(Sink { max, callback, user_data }),
            _ => None,
        };
        MAX_LEVEL.store(max.map_or(0, |max| max as i32), Ordering::Release);
        Ok(())
    })
}

/// The global subscriber: only this SDK's events, only while a callback wants their level.
struct CallbackLogging;

fn is_ours(metadata: &Metadata<'_>) -> bool {
    metadata.target() == "nevis_authcloud" || metadata.target().starts_with("nevis_authcloud::")
}

impl Subscriber for CallbackLogging {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // "sometimes": whether an event is wanted changes with each nevis_log_set_callback().
        if is_ours(metadata) && metadata.is_event() { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata)
            && metadata.is_event()
            && nevis_log_level::from_tracing(metadata.level()) as i32 <= MAX_LEVEL.load(Ordering::Acquire)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `enabled`), so this is only a formality.
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        // A thread being torn down has no flag left; its records are dropped.
        if IN_CALLBACK.try_with(Cell::get).unwrap_or(true) {
            return;
        }
        // Logging must never fail the request that logged, let alone unwind into the runtime.
        let _ = catch_unwind(AssertUnwindSafe(|| deliver(event)));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

fn deliver(event: &Event<'_>) {
    let level = nevis_log_level::from_tracing(event.metadata().level());
    let sink = SINK.read().unwrap_or_else(PoisonError::into_inner);
    let Some(sink) = sink.as_ref().filter(|sink| level <= sink.max) else {
        return;
    };
    let target = lossy_c_string(event.metadata().target());
    let message = lossy_c_string(&LogEventFields::from_event(event).render());
    /// Clears the re-entrancy flag however the callback returns.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = IN_CALLBACK.try_with(|flag| flag.set(false));
        }
    }
    IN_CALLBACK.with(|flag| flag.set(true));
    let _leave = Leave;
    // SAFETY: the caller registered this function under the nevis_log_fn contract; both strings
    // live until the end of this function.
    unsafe { (sink.callback)(level, target.as_ptr(), message.as_ptr(), sink.user_data) };
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::sync::Mutex;

    use super::*;
    use crate::error::nevis_error_kind;

    /// The registration is process-wide; tests that change it take turns.
    static TURN: Mutex<()> = Mutex::new(());

    #[derive(Default)]
    struct Captured(Mutex<Vec<(nevis_log_level, String, String)>>);

    unsafe extern "C" fn capture(
        level: nevis_log_level,
        target: *const c_char,
        message: *const c_char,
        user_data: *mut c_void,
    ) {
        // SAFETY: `user_data` is the `Captured` of the test; the strings are valid during the call.
        let (captured, target, message) =
            unsafe { (&*(user_data as *const Captured), CStr::from_ptr(target), CStr::from_ptr(message)) };
        let record = (level, target.to_string_lossy().into_owned(), message.to_string_lossy().into_owned());
        captured.0.lock().unwrap_or_else(PoisonError::into_inner).push(record);
    }

    unsafe extern "C" fn reenter(_: nevis_log_level, _: *const c_char, _: *const c_char, user_data: *mut c_void) {
        // SAFETY: the test passes a `Mutex<Option<nevis_error_kind>>`.
        let seen = unsafe { &*(user_data as *const Mutex<Option<nevis_error_kind>>) };
        // SAFETY: NULL callback, no user data.
        let err = unsafe { nevis_log_set_callback(0, None, std::ptr::null_mut()) };
        // SAFETY: `err` came from the library.
        let kind = unsafe { crate::error::nevis_error_kind(err) };
        *seen.lock().unwrap() = Some(kind);
        // SAFETY: freed once.
        unsafe { crate::error::nevis_error_free(err) };
    }

    fn set(level: c_int, callback: nevis_log_fn, user_data: *mut c_void) -> nevis_error_kind {
        // SAFETY: the callbacks above follow the contract; user data outlives the registration.
        let err = unsafe { nevis_log_set_callback(level, callback, user_data) };
        // SAFETY: `err` came from the library and is freed once.
        unsafe {
            let kind = crate::error::nevis_error_kind(err);
            crate::error::nevis_error_free(err);
            kind
        }
    }

    #[test]
    fn records_up_to_the_level_reach_the_callback_with_their_fields() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let captured = Captured::default();
        let data = &captured as *const Captured as *mut c_void;
        assert_eq!(
            set(nevis_log_level::NEVIS_LOG_INFO as c_int, Some(capture), data),
            nevis_error_kind::NEVIS_ERROR_NONE
        );
        tracing::debug!(target: "nevis_authcloud", attempt = 1, "too verbose");
        tracing::info!(target: "nevis_authcloud", method = "GET", attempt = 2, "retrying");
        tracing::info!(target: "somebody_else", "not ours");
        assert_eq!(
            set(nevis_log_level::NEVIS_LOG_TRACE as c_int, Some(capture), data),
            nevis_error_kind::NEVIS_ERROR_NONE
        );
        tracing::trace!(target: "nevis_authcloud::tls", "fine detail");
        assert_eq!(set(0, None, std::ptr::null_mut()), nevis_error_kind::NEVIS_ERROR_NONE);
        tracing::error!(target: "nevis_authcloud", "after turning it off");
        // Other tests of this crate may log concurrently; only this test's messages count.
        let ours = ["too verbose", "retrying", "not ours", "fine detail", "after turning it off"];
        let records: Vec<_> =
            captured.0.into_inner().unwrap().into_iter().filter(|r| ours.iter().any(|m| r.2.starts_with(m))).collect();
        assert_eq!(
            records,
            vec![
                (nevis_log_level::NEVIS_LOG_INFO, "nevis_authcloud".into(), "retrying method=GET attempt=2".into()),
                (nevis_log_level::NEVIS_LOG_TRACE, "nevis_authcloud::tls".into(), "fine detail".into()),
            ]
        );
    }

    #[test]
    fn bad_levels_and_changes_from_inside_the_callback_are_refused() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let data = std::ptr::null_mut();
        assert_eq!(set(0, Some(capture), data), nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
        assert_eq!(set(6, Some(capture), data), nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
        assert_eq!(set(-1, None, data), nevis_error_kind::NEVIS_ERROR_NONE);
        let seen: Mutex<Option<nevis_error_kind>> = Mutex::new(None);
        let data = &seen as *const _ as *mut c_void;
        assert_eq!(
            set(nevis_log_level::NEVIS_LOG_ERROR as c_int, Some(reenter), data),
            nevis_error_kind::NEVIS_ERROR_NONE
        );
        tracing::error!(target: "nevis_authcloud", "trigger");
        assert_eq!(set(0, None, std::ptr::null_mut()), nevis_error_kind::NEVIS_ERROR_NONE);
        assert_eq!(*seen.lock().unwrap(), Some(nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT));
    }

    #[test]
    fn registering_from_many_threads_while_events_flow_is_safe() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let captured = Captured::default();
        let data = &captured as *const Captured as usize;
        std::thread::scope(|scope| {
            for worker in 0..4 {
                scope.spawn(move || {
                    for round in 0..200 {
                        let callback: nevis_log_fn = if (round + worker) % 3 == 0 { None } else { Some(capture) };
                        assert_eq!(
                            set(nevis_log_level::NEVIS_LOG_DEBUG as c_int, callback, data as *mut c_void),
                            nevis_error_kind::NEVIS_ERROR_NONE
                        );
                        tracing::debug!(target: "nevis_authcloud", worker, round, "event");
                    }
                });
            }
        });
        assert_eq!(set(0, None, std::ptr::null_mut()), nevis_error_kind::NEVIS_ERROR_NONE);
        let records: Vec<_> =
            captured.0.into_inner().unwrap().into_iter().filter(|r| r.2.starts_with("event ")).collect();
        assert!(!records.is_empty());
        assert!(
            records.iter().all(|(level, _, message)| *level == nevis_log_level::NEVIS_LOG_DEBUG
                && message.starts_with("event worker="))
        );
    }
}
