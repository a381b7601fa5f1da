//! `nevis_log_set_callback`: the core's log records delivered to a C function.
//!
//! The core reports each request ("request completed", with method, path template, attempt and
//! elapsed milliseconds), each failed attempt and each retry as events, and every call and attempt
//! as a span with OpenTelemetry-style fields; it never puts secrets in them. C has no logging
//! framework to bridge to, so the caller registers one function and a maximum level, and this
//! module plugs it into the core's one log sink (`nevis_authcloud::logging`): the core filters by
//! level, guards against re-entry, and guarantees that a replaced callback is no longer running
//! when the new registration returns. Span starts and ends arrive at NEVIS_LOG_DEBUG as
//! "span start <name> <fields>" and "span end <name> <fields> duration_ms=<n>".

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use nevis_authcloud::logging::{self, LogLevel, LogRecord, LogSink};

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
    /// One line per HTTP attempt (method, path template, attempt number, elapsed ms, the failure
    /// kind), and the start and end of every call and attempt span.
    NEVIS_LOG_DEBUG = 4,
    /// The finest detail the library records.
    NEVIS_LOG_TRACE = 5,
}

impl nevis_log_level {
    fn from_core(level: LogLevel) -> nevis_log_level {
        match level {
            LogLevel::Error => nevis_log_level::NEVIS_LOG_ERROR,
            LogLevel::Warn => nevis_log_level::NEVIS_LOG_WARN,
            LogLevel::Info => nevis_log_level::NEVIS_LOG_INFO,
            LogLevel::Debug => nevis_log_level::NEVIS_LOG_DEBUG,
            LogLevel::Trace => nevis_log_level::NEVIS_LOG_TRACE,
        }
    }
}

/// Receives one log record. `target` is the component ("nevis_authcloud" or
/// "nevis_authcloud::<module>"); `message` is the text followed by `key=value` fields, e.g.
/// "request completed method=GET path=/api/v1/users attempt=1 elapsed_ms=3", or for a span
/// "span end nevis.get_user http.request.method=GET url.template=/api/v1/users/{userId}
/// server.address=... http.response.status_code=200 nevis.attempts=1 duration_ms=3" (a failed
/// call adds error.type=<kind>, as nevis_error_kind_name() spells it). Both strings are
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
struct CallbackSink {
    callback: unsafe extern "C" fn(nevis_log_level, *const c_char, *const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the pointer is only handed back to the caller's own callback, whose contract allows any
// thread.
unsafe impl Send for CallbackSink {}
// SAFETY: as above; the sink itself is never mutated.
unsafe impl Sync for CallbackSink {}

impl LogSink for CallbackSink {
    fn deliver(&self, record: &LogRecord<'_>) {
        let target = lossy_c_string(record.target);
        let message = lossy_c_string(&record.render());
        // SAFETY: the caller registered this function under the nevis_log_fn contract; both strings
        // live until the end of this function.
        unsafe {
            (self.callback)(nevis_log_level::from_core(record.level), target.as_ptr(), message.as_ptr(), self.user_data)
        };
    }
}

/// Sends the library's log records at `max_level` (a `nevis_log_level`) and more severe to
/// `callback`, with `user_data` passed through; from NEVIS_LOG_DEBUG on, that includes the start
/// and end of every call and attempt span. A NULL `callback` turns logging off (`max_level` is
/// then ignored). Replaces any earlier callback: once this returns, the earlier one is not running
/// and is never called again, so its `user_data` may be freed. Logging is off until the first call.
///
/// Records never contain the access key, tokens, codes, user ids or usernames. Thread-safe: may be
/// called from any thread at any time, also while other threads make calls; not from inside the
/// callback itself (NEVIS_ERROR_INVALID_ARGUMENT, field "callback").
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
            Some(_) => Some(LogLevel::from_rank(i64::from(max_level)).ok_or_else(|| {
                NevisError::invalid_argument(
                    "max_level",
                    "must be a nevis_log_level (NEVIS_LOG_ERROR to NEVIS_LOG_TRACE)",
                )
            })?),
        };
        if logging::in_sink() {
            return Err(NevisError::invalid_argument("callback", "cannot be changed from inside the log callback"));
        }
        let sink = callback.map(|callback| Arc::new(CallbackSink { callback, user_data }) as Arc<dyn LogSink>);
        let spans = max.is_some_and(|max| max >= LogLevel::Debug);
        logging::set_sink(sink, max, spans).map_err(|err| match err.kind() {
            nevis_authcloud::ErrorKind::Config => NevisError::config(
                "callback",
                "another global tracing subscriber is installed in this process; the library's records go there",
            ),
            _ => NevisError::invalid_argument("callback", "cannot be changed from inside the log callback"),
        })?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::sync::{Mutex, PoisonError};

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
