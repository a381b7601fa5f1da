//! `nevis_error`: the error object every call returns, and the C enum of error kinds.
//!
//! C callers branch on [`nevis_error_kind`]; it has exactly one value per core
//! [`ErrorKind`](nevis_authcloud::ErrorKind) (the mapping is an exhaustive `match`, and
//! `nevis_error_kind_at` hands the core's list to the C suite, which checks the header against it)
//! plus the one failure only C can produce: a NULL or non-UTF-8 argument. A caught panic is the
//! core's `internal` kind, as in every other language; whether a call may be retried is the core's
//! answer too. The error is an opaque heap object whose strings are copied once when it is created, so
//! every accessor can hand out a borrowed `const char *` that lives until `nevis_error_free`.

use std::any::Any;
use std::ffi::{CString, c_char, c_int};
use std::ptr;

use nevis_authcloud::{Error, ErrorKind, MayHaveBeenApplied};

use crate::ffi_guard::guard_or;
use crate::status::nevis_status;
use crate::strings::lossy_c_string;

/// What went wrong. `NEVIS_ERROR_NONE` is what nevis_error_kind() says about a NULL error (a
/// success); every other value is one failure class with a stable name (nevis_error_kind_name()).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum nevis_error_kind {
    /// No error (the error pointer was NULL).
    NEVIS_ERROR_NONE = 0,
    /// HTTP 400: the server rejected the request; the message names the field and the rule.
    NEVIS_ERROR_BAD_REQUEST = 1,
    /// HTTP 401: no credential was sent.
    NEVIS_ERROR_UNAUTHORIZED = 2,
    /// HTTP 403: the access key or intent token is not valid for this call.
    NEVIS_ERROR_FORBIDDEN = 3,
    /// HTTP 404: unknown user, username, authenticator or path.
    NEVIS_ERROR_NOT_FOUND = 4,
    /// HTTP 405: wrong method for the path.
    NEVIS_ERROR_METHOD_NOT_ALLOWED = 5,
    /// HTTP 409: duplicate content (e.g. the phone is already registered).
    NEVIS_ERROR_CONFLICT = 6,
    /// HTTP 412: a precondition failed.
    NEVIS_ERROR_PRECONDITION_FAILED = 7,
    /// HTTP 415: the server does not take the request's media type.
    NEVIS_ERROR_UNSUPPORTED_MEDIA_TYPE = 8,
    /// HTTP 413: the request body was too large.
    NEVIS_ERROR_PAYLOAD_TOO_LARGE = 9,
    /// HTTP 429: too many requests; see nevis_error_retry_after_ms().
    NEVIS_ERROR_RATE_LIMITED = 10,
    /// HTTP 5xx: the server failed.
    NEVIS_ERROR_SERVER = 11,
    /// No answer in time (connect, request, deadline), or a wait that ran out.
    NEVIS_ERROR_TIMEOUT = 12,
    /// The connection could not be made or broke.
    NEVIS_ERROR_CONNECTION = 13,
    /// TLS failed: the certificate is not trusted, expired or for another host.
    NEVIS_ERROR_TLS = 14,
    /// The server answered with something that is not the documented shape.
    NEVIS_ERROR_DECODE = 15,
    /// Rejected before sending: a field breaks a rule the API documents or has the wrong type.
    /// nevis_error_field() names it: a member of the request JSON by its path
    /// ("fido2Options.authenticatorSelection.userVerification", "channels[0]"), or the argument
    /// it was passed as ("user_id", "status_token").
    NEVIS_ERROR_INVALID_REQUEST = 16,
    /// The client options are unusable: nevis_error_field() names the nevis_client_options member
    /// ("max_connections", "ca_pem").
    NEVIS_ERROR_CONFIG = 17,
    /// The caller cancelled the call (nevis_cancel_trigger()).
    NEVIS_ERROR_CANCELLED = 18,
    /// The client was closed (nevis_client_close()) before or while the call ran.
    NEVIS_ERROR_CLOSED = 19,
    /// A C argument is unusable: NULL where a value is required, not UTF-8, text that is not a
    /// JSON object, or an options struct not filled by nevis_client_options_init().
    /// nevis_error_field() names the argument ("request_json", "user_id").
    NEVIS_ERROR_INVALID_ARGUMENT = 100,
    /// A bug inside the library (a panic) was caught before it could reach C. Please report it.
    NEVIS_ERROR_INTERNAL = 101,
}

impl nevis_error_kind {
    /// The binding's value for a core kind: one distinct value per kind.
    pub(crate) fn from_core(kind: ErrorKind) -> nevis_error_kind {
        use nevis_error_kind::*;
        match kind {
            ErrorKind::BadRequest => NEVIS_ERROR_BAD_REQUEST,
            ErrorKind::Unauthorized => NEVIS_ERROR_UNAUTHORIZED,
            ErrorKind::Forbidden => NEVIS_ERROR_FORBIDDEN,
            ErrorKind::NotFound => NEVIS_ERROR_NOT_FOUND,
            ErrorKind::MethodNotAllowed => NEVIS_ERROR_METHOD_NOT_ALLOWED,
            ErrorKind::Conflict => NEVIS_ERROR_CONFLICT,
            ErrorKind::PreconditionFailed => NEVIS_ERROR_PRECONDITION_FAILED,
            ErrorKind::UnsupportedMediaType => NEVIS_ERROR_UNSUPPORTED_MEDIA_TYPE,
            ErrorKind::PayloadTooLarge => NEVIS_ERROR_PAYLOAD_TOO_LARGE,
            ErrorKind::RateLimited => NEVIS_ERROR_RATE_LIMITED,
            ErrorKind::Server => NEVIS_ERROR_SERVER,
            ErrorKind::Timeout => NEVIS_ERROR_TIMEOUT,
            ErrorKind::Connection => NEVIS_ERROR_CONNECTION,
            ErrorKind::Tls => NEVIS_ERROR_TLS,
            ErrorKind::Decode => NEVIS_ERROR_DECODE,
            ErrorKind::InvalidRequest => NEVIS_ERROR_INVALID_REQUEST,
            ErrorKind::Config => NEVIS_ERROR_CONFIG,
            ErrorKind::Cancelled => NEVIS_ERROR_CANCELLED,
            ErrorKind::Closed => NEVIS_ERROR_CLOSED,
            ErrorKind::Internal => NEVIS_ERROR_INTERNAL,
        }
    }

    /// The kind with this numeric value, if there is one: every kind the core's kinds map to,
    /// plus the binding's own.
    pub(crate) fn from_raw(value: c_int) -> Option<nevis_error_kind> {
        use nevis_error_kind::*;
        ErrorKind::ALL
            .iter()
            .map(|&kind| nevis_error_kind::from_core(kind))
            .chain([NEVIS_ERROR_NONE, NEVIS_ERROR_INVALID_ARGUMENT])
            .find(|kind| *kind as c_int == value)
    }

    /// The stable snake_case name: the core's `ErrorKind::as_str` for core kinds.
    pub(crate) fn name(self) -> &'static std::ffi::CStr {
        use nevis_error_kind::*;
        match self {
            NEVIS_ERROR_NONE => c"none",
            NEVIS_ERROR_BAD_REQUEST => c"bad_request",
            NEVIS_ERROR_UNAUTHORIZED => c"unauthorized",
            NEVIS_ERROR_FORBIDDEN => c"forbidden",
            NEVIS_ERROR_NOT_FOUND => c"not_found",
            NEVIS_ERROR_METHOD_NOT_ALLOWED => c"method_not_allowed",
            NEVIS_ERROR_CONFLICT => c"conflict",
            NEVIS_ERROR_PRECONDITION_FAILED => c"precondition_failed",
            NEVIS_ERROR_UNSUPPORTED_MEDIA_TYPE => c"unsupported_media_type",
            NEVIS_ERROR_PAYLOAD_TOO_LARGE => c"payload_too_large",
            NEVIS_ERROR_RATE_LIMITED => c"rate_limited",
            NEVIS_ERROR_SERVER => c"server",
            NEVIS_ERROR_TIMEOUT => c"timeout",
            NEVIS_ERROR_CONNECTION => c"connection",
            NEVIS_ERROR_TLS => c"tls",
            NEVIS_ERROR_DECODE => c"decode",
            NEVIS_ERROR_INVALID_REQUEST => c"invalid_request",
            NEVIS_ERROR_CONFIG => c"config",
            NEVIS_ERROR_CANCELLED => c"cancelled",
            NEVIS_ERROR_CLOSED => c"closed",
            NEVIS_ERROR_INVALID_ARGUMENT => c"invalid_argument",
            NEVIS_ERROR_INTERNAL => c"internal",
        }
    }
}

/// Could the server have acted on the failed request (created the operation, sent the push or
/// SMS)? Decide on a retry with this: re-sending after YES or UNKNOWN may notify the user twice.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum nevis_applied {
    /// The request never reached the server, the server refused it before acting, or it only read.
    NEVIS_APPLIED_NO = 0,
    /// The server accepted it, but the answer could not be read.
    NEVIS_APPLIED_YES = 1,
    /// It was sent and no trustworthy answer came back (timeout, broken connection, 5xx).
    NEVIS_APPLIED_UNKNOWN = 2,
}

/// An error returned by a call. Owned by the caller; release it with nevis_error_free(). Opaque.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct nevis_error {
    pub(crate) kind: nevis_error_kind,
    pub(crate) message: CString,
    pub(crate) status: u16,
    pub(crate) body: Option<CString>,
    /// The error answer's bytes as received, unredacted (nevis_error_raw_body()).
    pub(crate) raw_body: Option<Vec<u8>>,
    pub(crate) field: Option<CString>,
    pub(crate) retry_after_ms: Option<u64>,
    pub(crate) applied: nevis_applied,
    pub(crate) attempts: u32,
    pub(crate) last_status: Option<nevis_status>,
    /// The core's retry policy for this error (nevis_error_is_retryable()).
    pub(crate) retryable: bool,
}

/// The Rust name of the error while it is being built; it crosses to C as `nevis_error *`.
pub(crate) type NevisError = nevis_error;

impl NevisError {
    fn new(kind: nevis_error_kind, message: &str) -> NevisError {
        nevis_error {
            kind,
            message: lossy_c_string(message),
            status: 0,
            body: None,
            raw_body: None,
            field: None,
            retry_after_ms: None,
            applied: nevis_applied::NEVIS_APPLIED_NO,
            attempts: 0,
            last_status: None,
            retryable: false,
        }
    }

    /// A core error. The core has already cut the call's secrets (access key, tokens, codes) out of
    /// every text a server may have echoed them into; only the raw body keeps what was received.
    pub(crate) fn from_core(err: &Error) -> NevisError {
        let mut out = NevisError::new(nevis_error_kind::from_core(err.kind()), &err.to_string());
        out.status = err.status().unwrap_or(0);
        out.body = err.api().map(|api| lossy_c_string(&api.body));
        out.raw_body = err.api().map(|api| api.raw_body().to_vec());
        out.field = err.field().map(lossy_c_string);
        out.retry_after_ms = err.retry_after().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        out.applied = match err.may_have_been_applied() {
            MayHaveBeenApplied::No => nevis_applied::NEVIS_APPLIED_NO,
            MayHaveBeenApplied::Yes => nevis_applied::NEVIS_APPLIED_YES,
            MayHaveBeenApplied::Unknown => nevis_applied::NEVIS_APPLIED_UNKNOWN,
        };
        out.attempts = err.attempts();
        out.last_status = err.last_status().map(|status| nevis_status::from_core(&status.status));
        out.retryable = err.is_retryable();
        out
    }

    /// A C argument is unusable; `what` must not contain the argument's value.
    pub(crate) fn invalid_argument(argument: &str, what: &str) -> NevisError {
        let mut out = NevisError::new(
            nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT,
            &format!("invalid_argument: {argument} {what}"),
        );
        out.field = Some(lossy_c_string(argument));
        out
    }

    /// A setting of the binding itself is unusable; `what` must not contain a secret.
    pub(crate) fn config(setting: &str, what: &str) -> NevisError {
        NevisError::from_core(&Error::config(setting, what))
    }

    /// The server's answer cannot be handed to C as it is.
    pub(crate) fn decode(what: &str) -> NevisError {
        NevisError::from_core(&Error::new(ErrorKind::Decode, what))
    }

    /// A panic caught at the boundary: the core's `internal` kind, with the panic's message.
    pub(crate) fn panic(payload: &(dyn Any + Send)) -> NevisError {
        let err = Error::from_panic(payload);
        let mut out = NevisError::from_core(&err);
        out.message = lossy_c_string(&format!("{err}: {}", err.causes().join(": ")));
        out
    }

    pub(crate) fn into_raw(self) -> *mut nevis_error {
        Box::into_raw(Box::new(self))
    }
}

/// # Safety
/// `err` is NULL or a live error from this library.
unsafe fn with_error<T>(err: *const nevis_error, absent: T, read: impl FnOnce(&nevis_error) -> T) -> T {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { err.as_ref() } {
        Some(err) => read(err),
        None => absent,
    }
}

/// The kind of `err`; NEVIS_ERROR_NONE when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_kind(err: *const nevis_error) -> nevis_error_kind {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(nevis_error_kind::NEVIS_ERROR_INTERNAL, || unsafe {
        with_error(err, nevis_error_kind::NEVIS_ERROR_NONE, |err| err.kind)
    })
}

/// The C kind of the `index`-th of the core's error kinds (from 0), NEVIS_ERROR_NONE past the
/// last one: the vocabulary every language shares, so a program (or a test) can check that it
/// handles each kind. Does not include NEVIS_ERROR_INVALID_ARGUMENT, which only C reports.
#[unsafe(no_mangle)]
pub extern "C" fn nevis_error_kind_at(index: usize) -> nevis_error_kind {
    guard_or(nevis_error_kind::NEVIS_ERROR_NONE, || {
        ErrorKind::ALL.get(index).map_or(nevis_error_kind::NEVIS_ERROR_NONE, |kind| nevis_error_kind::from_core(*kind))
    })
}

/// The stable snake_case name of a kind ("not_found", "invalid_argument", ...). The string is
/// static: never free it. Values that are not a `nevis_error_kind` give "other".
///
/// Takes an `int` rather than the enum: C lets any integer into an enum variable, and a value
/// outside the enum must be an "other", not undefined behaviour.
#[unsafe(no_mangle)]
pub extern "C" fn nevis_error_kind_name(kind: c_int) -> *const c_char {
    guard_or(c"other".as_ptr(), || nevis_error_kind::from_raw(kind).map_or(c"other", nevis_error_kind::name).as_ptr())
}

/// The message: kind, what happened and, for HTTP calls, the method and path. Never contains the
/// access key or tokens. Borrowed from `err`: valid until nevis_error_free(err). An empty string
/// when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_message(err: *const nevis_error) -> *const c_char {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(c"".as_ptr(), || unsafe { with_error(err, c"".as_ptr(), |err| err.message.as_ptr()) })
}

/// The HTTP status the server answered with, or 0 when there was no HTTP error answer.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_status(err: *const nevis_error) -> u16 {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(0, || unsafe { with_error(err, 0, |err| err.status) })
}

/// The body of the server's error answer as text (usually JSON with `error`, `message`, `path`,
/// `status`, `timestamp`; at most 8 KiB), or NULL when there was none. The call's secrets (access
/// key, tokens, codes) are replaced by `[redacted]` in case the server echoed them; see
/// nevis_error_raw_body() for the bytes as received. Borrowed from `err`: valid until
/// nevis_error_free(err).
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_body(err: *const nevis_error) -> *const c_char {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(ptr::null(), || unsafe {
        with_error(err, ptr::null(), |err| err.body.as_ref().map_or(ptr::null(), |body| body.as_ptr()))
    })
}

/// The body of the server's error answer exactly as received, UNREDACTED: if the server echoed
/// the access key or a token, it is in these bytes. Never log them; they exist for debugging a
/// server by hand. Returns the bytes (not NUL-terminated; they may contain NUL) and writes their
/// number to `*out_len`; NULL (and 0) when there was no error answer. Borrowed from `err`: valid
/// until nevis_error_free(err).
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed; `out_len` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_raw_body(err: *const nevis_error, out_len: *mut usize) -> *const u8 {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(ptr::null(), || unsafe {
        let raw = with_error(err, None, |err| err.raw_body.as_deref().map(|raw| (raw.as_ptr(), raw.len())));
        if !out_len.is_null() {
            out_len.write(raw.map_or(0, |(_, len)| len));
        }
        raw.map_or(ptr::null(), |(bytes, _)| bytes)
    })
}

/// For NEVIS_ERROR_INVALID_REQUEST, NEVIS_ERROR_CONFIG and NEVIS_ERROR_INVALID_ARGUMENT: the field,
/// setting or argument at fault ("username", "base_url", "request_json"), else NULL. Borrowed from
/// `err`: valid until nevis_error_free(err).
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_field(err: *const nevis_error) -> *const c_char {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(ptr::null(), || unsafe {
        with_error(err, ptr::null(), |err| err.field.as_ref().map_or(ptr::null(), |field| field.as_ptr()))
    })
}

/// Could the server have acted on the failed request? NEVIS_APPLIED_NO when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_may_have_been_applied(err: *const nevis_error) -> nevis_applied {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(nevis_applied::NEVIS_APPLIED_UNKNOWN, || unsafe {
        with_error(err, nevis_applied::NEVIS_APPLIED_NO, |err| err.applied)
    })
}

/// For NEVIS_ERROR_RATE_LIMITED (and 503s): how long the server asked to wait, in milliseconds;
/// -1 when it did not say.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_retry_after_ms(err: *const nevis_error) -> i64 {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(-1, || unsafe {
        with_error(err, -1, |err| err.retry_after_ms.map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX)))
    })
}

/// How many HTTP attempts were made (0 when the call failed before sending).
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_attempts(err: *const nevis_error) -> u32 {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(0, || unsafe { with_error(err, 0, |err| err.attempts) })
}

/// True when the same call may succeed if tried again later (rate limited, server error, timeout,
/// connection), by the same policy as every other language of the SDK; false when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_is_retryable(err: *const nevis_error) -> bool {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(false, || unsafe { with_error(err, false, |err| err.retryable) })
}

/// For a NEVIS_ERROR_TIMEOUT or NEVIS_ERROR_CANCELLED from nevis_wait_for_status(): writes the last
/// status the server reported to `*out_status` and returns true; returns false (and leaves
/// `*out_status` untouched) when there is none.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed; `out_status` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_last_status(err: *const nevis_error, out_status: *mut nevis_status) -> bool {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard_or(false, || unsafe {
        match with_error(err, None, |err| err.last_status) {
            Some(status) if !out_status.is_null() => {
                out_status.write(status);
                true
            }
            _ => false,
        }
    })
}

/// Releases an error. NULL is allowed (and does nothing). Every error a call returns must be
/// released exactly once; the strings its accessors returned die with it.
///
/// # Safety
/// `err` is NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_error_free(err: *mut nevis_error) {
    guard_or((), || {
        if !err.is_null() {
            // SAFETY: created by `into_raw` and freed once by the caller's contract.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_core_kind_maps_to_its_own_value_and_name() {
        let mut seen = HashSet::new();
        for &kind in ErrorKind::ALL {
            let mapped = nevis_error_kind::from_core(kind);
            assert!(seen.insert(mapped), "{kind:?} shares {mapped:?} with another kind");
            assert_eq!(mapped.name().to_str().unwrap(), kind.as_str(), "{kind:?}");
        }
        assert_eq!(seen.len(), ErrorKind::ALL.len());
        for extra in [nevis_error_kind::NEVIS_ERROR_NONE, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT] {
            assert!(!seen.contains(&extra), "{extra:?} is reserved for the binding");
        }
    }

    #[test]
    fn kind_names_come_from_any_int_without_undefined_behaviour() {
        // SAFETY: nevis_error_kind_name returns a static NUL-terminated name for any value.
        let name = |value: c_int| unsafe { std::ffi::CStr::from_ptr(nevis_error_kind_name(value)) }.to_str().unwrap();
        for &kind in ErrorKind::ALL {
            let mapped = nevis_error_kind::from_core(kind);
            assert_eq!(nevis_error_kind::from_raw(mapped as c_int), Some(mapped));
            assert_eq!(name(mapped as c_int), kind.as_str());
        }
        assert_eq!(name(nevis_error_kind::NEVIS_ERROR_INTERNAL as c_int), "internal");
        assert_eq!(name(nevis_error_kind::NEVIS_ERROR_NONE as c_int), "none");
        for value in [-1, 20, 99, 102, c_int::MAX, c_int::MIN] {
            assert_eq!(name(value), "other", "{value}");
        }
    }

    #[test]
    fn accessors_tolerate_null() {
        // SAFETY: NULL is allowed everywhere.
        unsafe {
            assert_eq!(nevis_error_kind(ptr::null()), nevis_error_kind::NEVIS_ERROR_NONE);
            assert_eq!(nevis_error_status(ptr::null()), 0);
            assert!(nevis_error_body(ptr::null()).is_null());
            assert_eq!(*nevis_error_message(ptr::null()), 0);
            assert_eq!(nevis_error_retry_after_ms(ptr::null()), -1);
            nevis_error_free(ptr::null_mut());
        }
    }

    #[test]
    fn a_secret_that_spells_part_of_the_kind_name_leaves_the_name_intact() {
        use crate::client::{nevis_client_free, nevis_client_new};
        use crate::options::nevis_client_options;
        // A closed port: the approval fails with `connection: could not connect: Connection
        // refused`, and the intent token is one of the call's secrets.
        let opts = nevis_client_options {
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"test-access-key".as_ptr(),
            max_retries: 0,
            ..Default::default()
        };
        let mut client = ptr::null_mut();
        // SAFETY: locals that outlive the calls; the error and client are freed once.
        unsafe {
            assert!(nevis_client_new(&opts, &mut client).is_null());
            let mut out = ptr::null_mut();
            let err = crate::operations::nevis_client_approve(
                client,
                c"{\"channel\":\"push\",\"username\":\"ada\"}".as_ptr(),
                c"onnection".as_ptr(),
                &mut out,
            );
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_CONNECTION);
            let message = std::ffi::CStr::from_ptr(nevis_error_message(err)).to_string_lossy().into_owned();
            assert!(message.starts_with("connection: could not connect: "), "{message}");
            assert!(!message[10..].contains("onnection"), "{message}");
            nevis_error_free(err);
            nevis_client_free(client);
        }
    }
}
