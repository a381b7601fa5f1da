//! `nevis_call_options` and `nevis_client_with_options`: other limits, or a cancellation switch, for
//! some calls on an existing client's connection pool.
//!
//! C has no per-call keyword arguments, and a `_with` twin of every call would double the API and
//! the chances of passing options to the wrong one. So the options make a client: a second handle
//! on the same pool whose every call (waits included) uses them. A login route keeps one with a
//! tight timeout next to the shared client, or a request handler makes one with its own
//! `nevis_cancel` and frees it when the request ends. The core checks the values exactly as for
//! Rust callers.

use std::time::Duration;

use nevis_authcloud::RequestOptions;

use crate::client::{client_ref, nevis_client};
use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::{FfiResult, Out, guard, guard_or};
use crate::options::option_name;
use crate::status::nevis_cancel;

/// Limits for the calls of a client made with nevis_client_with_options(). Call
/// nevis_call_options_init() first, then set what you need; everything left at its initial value
/// keeps the setting of the client the new one is made from.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nevis_call_options {
    /// sizeof(nevis_call_options) as the program was compiled; nevis_call_options_init() sets it.
    /// A struct not filled by the init function is refused with NEVIS_ERROR_INVALID_ARGUMENT.
    pub struct_size: usize,
    /// Time for one HTTP attempt, in ms. 0: as the client.
    pub request_timeout_ms: u64,
    /// Time for a whole call including retries, in ms. 0: as the client.
    pub deadline_ms: u64,
    /// Retries after the first attempt (0 to 10). -1: as the client; other values are refused with
    /// NEVIS_ERROR_CONFIG.
    pub max_retries: i32,
    /// The longest Retry-After waited for before failing with NEVIS_ERROR_RATE_LIMITED, in ms. 0:
    /// as the client.
    pub max_retry_after_ms: u64,
    /// 1: also retry enrol, approve, verify and create_intent after failures where the server may
    /// have acted (only if a second push or SMS is acceptable); 0: never; -1: as the client.
    pub retry_non_idempotent: i32,
    /// When this switch is triggered (nevis_cancel_trigger(), from any thread), every call of the
    /// new client, running or later, ends with NEVIS_ERROR_CANCELLED. NULL: none. The new client
    /// keeps its own reference to the switch's state: the switch may be freed before the client.
    pub cancel: *const nevis_cancel,
}

impl Default for nevis_call_options {
    fn default() -> Self {
        nevis_call_options {
            struct_size: std::mem::size_of::<nevis_call_options>(),
            request_timeout_ms: 0,
            deadline_ms: 0,
            max_retries: -1,
            max_retry_after_ms: 0,
            retry_non_idempotent: -1,
            cancel: std::ptr::null(),
        }
    }
}

/// The smallest `struct_size` accepted: the struct as first published. It stays at this number
/// when fields are appended, so programs built against an older header keep working.
const FIRST_STRUCT_SIZE: usize = std::mem::size_of::<nevis_call_options>();

/// Fills `*opts` with "as the client" for every limit, no cancel switch, and sets its
/// `struct_size`. Does nothing when `opts` is NULL.
///
/// # Safety
/// `opts` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_call_options_init(opts: *mut nevis_call_options) {
    guard_or((), || {
        if !opts.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { opts.write(nevis_call_options::default()) };
        }
    })
}

/// A copy of the caller's options: the part its header declared, the defaults for the rest.
///
/// # Safety
/// `opts` is NULL or points to at least `struct_size` readable bytes, starting with that field.
unsafe fn read_call_options(opts: *const nevis_call_options) -> FfiResult<nevis_call_options> {
    if opts.is_null() {
        return Err(NevisError::invalid_argument("opts", "must not be NULL"));
    }
    // SAFETY: every version of the struct starts with `struct_size` (caller's contract).
    let declared = unsafe { std::ptr::addr_of!((*opts).struct_size).read_unaligned() };
    let current = std::mem::size_of::<nevis_call_options>();
    if declared < FIRST_STRUCT_SIZE || declared > current {
        return Err(NevisError::invalid_argument(
            "opts",
            &format!(
                "has struct_size {declared} (this library's is {current}): fill it with nevis_call_options_init() before setting fields"
            ),
        ));
    }
    let mut options = nevis_call_options::default();
    // SAFETY: the caller's struct is `declared` bytes long, a prefix of this version's layout.
    unsafe { std::ptr::copy_nonoverlapping(opts.cast::<u8>(), (&raw mut options).cast::<u8>(), declared) };
    Ok(options)
}

/// The core's options; the core checks the values.
///
/// # Safety
/// `opts.cancel` is NULL or a live switch.
unsafe fn request_options(opts: &nevis_call_options) -> FfiResult<RequestOptions> {
    let ms = Duration::from_millis;
    let positive = |value: u64| (value > 0).then(|| ms(value));
    let max_retries = match opts.max_retries {
        -1 => None,
        retries if retries < 0 => {
            return Err(NevisError::config(
                "max_retries",
                &format!("must be -1 (as the client) or a whole number from 0 to 10 (got {retries})"),
            ));
        }
        retries => Some(retries.unsigned_abs()),
    };
    let retry_non_idempotent = match opts.retry_non_idempotent {
        -1 => None,
        0 => Some(false),
        1 => Some(true),
        other => {
            return Err(NevisError::config(
                "retry_non_idempotent",
                &format!("must be -1 (as the client), 0 or 1 (got {other})"),
            ));
        }
    };
    // SAFETY: NULL or live by the caller's contract.
    let cancel = unsafe { opts.cancel.as_ref() }.map(nevis_cancel::token);
    Ok(RequestOptions {
        request_timeout: positive(opts.request_timeout_ms),
        deadline: positive(opts.deadline_ms),
        max_retries,
        max_retry_after: positive(opts.max_retry_after_ms),
        retry_non_idempotent,
        cancel,
    })
}

/// Makes a client that shares `client`'s connection pool (no connection is opened) and whose every
/// call uses `opts` (see nevis_call_options). Thread-safe like any client. `*out` belongs to the
/// caller: release it with nevis_client_free() (independently of `client`, in any order). Closing
/// either with nevis_client_close() closes the pool they share, and so both. A value that breaks
/// its rule fails with NEVIS_ERROR_CONFIG naming the field; on failure `*out` is NULL.
///
/// # Safety
/// `client` is NULL or a live client; `opts` is NULL or filled by nevis_call_options_init() with
/// `cancel` NULL or a live switch; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_with_options(
    client: *const nevis_client,
    opts: *const nevis_call_options,
    out: *mut *mut nevis_client,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = Out::clear(out, std::ptr::null_mut());
        if !out.is_wanted() {
            return Err(NevisError::invalid_argument("out", "must not be NULL"));
        }
        let client = client_ref(client)?;
        let options = request_options(&read_call_options(opts)?)?;
        let inner = client
            .inner
            .with_options(options)
            .map_err(|err| NevisError::from_core(&err.with_field_renamed(option_name)))?;
        out.set(Box::into_raw(Box::new(nevis_client { inner })));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{nevis_error_free, nevis_error_kind};
    use crate::options::nevis_client_options;

    #[test]
    fn options_are_checked_and_the_child_shares_the_close() {
        let opts = nevis_client_options {
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"k".as_ptr(),
            ..Default::default()
        };
        let mut parent = std::ptr::null_mut();
        let mut child = std::ptr::null_mut();
        // SAFETY: locals; each client is freed once.
        unsafe {
            assert!(crate::client::nevis_client_new(&opts, &mut parent).is_null());
            let mut call = nevis_call_options { struct_size: 3, ..Default::default() };
            let err = nevis_client_with_options(parent, &call, &mut child);
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
            nevis_error_free(err);
            nevis_call_options_init(&mut call);
            call.max_retries = 11;
            let err = nevis_client_with_options(parent, &call, &mut child);
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_CONFIG);
            nevis_error_free(err);
            assert!(child.is_null());
            call.max_retries = 0;
            call.request_timeout_ms = 100;
            assert!(nevis_client_with_options(parent, &call, &mut child).is_null());
            crate::client::nevis_client_close(child);
            let err = crate::operations::nevis_client_ping(parent);
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_CLOSED);
            nevis_error_free(err);
            crate::client::nevis_client_free(child);
            crate::client::nevis_client_free(parent);
        }
    }
}
