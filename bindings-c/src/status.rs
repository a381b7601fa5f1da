//! Where an operation stands: `nevis_status`, one status poll, and the blocking wait.
//!
//! A C caller deciding a login needs the state, not a JSON parser, so status calls hand it out as
//! a typed [`nevis_status`] next to the full JSON. Waiting can take minutes while a user looks for
//! their phone; `nevis_cancel` lets another thread (a request handler whose browser went away)
//! stop such a wait promptly.

use std::ffi::c_char;
use std::time::Duration;

use nevis_authcloud::{CancellationToken, OperationStatus, StatusResponse, WaitOptions};

use crate::client::{ARGUMENT_NAMES, client_ref, nevis_client};
use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::{FfiResult, Out, guard, guard_or, required_ref, required_str};
use crate::json::to_json;
use crate::strings::OutString;

/// The state of an enrolment or approval.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum nevis_status {
    /// The server does not know the token (garbage, expired, purged). Final. Also what
    /// `*out_status` holds after a failed call.
    NEVIS_STATUS_UNKNOWN = 0,
    /// The user has not reacted yet.
    NEVIS_STATUS_PENDING = 1,
    /// Done. Final. Check the `token` of the status JSON with nevis_client_introspect().
    NEVIS_STATUS_SUCCEEDED = 2,
    /// Declined, failed verification or timed out. Final.
    NEVIS_STATUS_FAILED = 3,
    /// A status newer than this SDK; read `status` in the JSON. Not final.
    NEVIS_STATUS_OTHER = 4,
}

impl nevis_status {
    pub(crate) fn from_core(status: &OperationStatus) -> nevis_status {
        match status {
            OperationStatus::Pending => nevis_status::NEVIS_STATUS_PENDING,
            OperationStatus::Succeeded => nevis_status::NEVIS_STATUS_SUCCEEDED,
            OperationStatus::Failed => nevis_status::NEVIS_STATUS_FAILED,
            OperationStatus::Unknown => nevis_status::NEVIS_STATUS_UNKNOWN,
            OperationStatus::Other(_) => nevis_status::NEVIS_STATUS_OTHER,
        }
    }
}

/// A cancellation switch for waits and for calls on a client from nevis_client_with_options().
/// Thread-safe: one thread waits with it, another triggers it.
/// Opaque; create with nevis_cancel_new(), release with nevis_cancel_free().
#[allow(non_camel_case_types)]
pub struct nevis_cancel {
    token: CancellationToken,
}

/// Creates an untriggered cancellation switch. `*out` belongs to the caller (nevis_cancel_free()).
///
/// # Safety
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_cancel_new(out: *mut *mut nevis_cancel) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = Out::clear(out, std::ptr::null_mut());
        if !out.is_wanted() {
            return Err(NevisError::invalid_argument("out", "must not be NULL"));
        }
        out.set(Box::into_raw(Box::new(nevis_cancel { token: CancellationToken::new() })));
        Ok(())
    })
}

impl nevis_cancel {
    /// The switch's token: a clone shares its state, so whoever holds one sees the trigger.
    pub(crate) fn token(&self) -> CancellationToken {
        self.token.clone()
    }
}

/// Triggers the switch: every wait using it, and every call on a client made with it in
/// nevis_call_options.cancel, now or later, ends promptly with NEVIS_ERROR_CANCELLED. May be
/// called from any thread, any number of times. NULL does nothing.
///
/// # Safety
/// `cancel` is NULL or a live switch from nevis_cancel_new().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_cancel_trigger(cancel: *const nevis_cancel) {
    guard_or((), || {
        // SAFETY: live by the caller's contract.
        if let Some(cancel) = unsafe { cancel.as_ref() } {
            cancel.token.cancel();
        }
    })
}

/// Releases a switch. NULL is allowed. Only once no wait uses it any more.
///
/// # Safety
/// `cancel` is NULL or a switch from nevis_cancel_new() that no thread uses any more.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_cancel_free(cancel: *mut nevis_cancel) {
    guard_or((), || {
        if !cancel.is_null() {
            // SAFETY: made by `nevis_cancel_new`, released once.
            drop(unsafe { Box::from_raw(cancel) });
        }
    })
}

/// Writes a status answer to the out-parameters, all or nothing.
fn hand_out(status: &StatusResponse, out_status: &Out<nevis_status>, out_json: &OutString) -> FfiResult<()> {
    let json = if out_json.is_wanted() { Some(to_json(status)?) } else { None };
    if let Some(json) = json {
        out_json.set(json)?;
    }
    out_status.set(nevis_status::from_core(&status.status));
    Ok(())
}

/// `POST /api/v1/status`: one poll of where the operation of `status_token` stands.
///
/// `*out_status` gets the state; `*out_json` (caller-owned, nevis_string_free()) the answer:
/// `{"transactionId","status":"pending|succeeded|failed|unknown","userId"?,"username"?,
/// "token"?,"createdAt"?,"lastUpdatedAt"?}` where `token` (once succeeded) is the transaction
/// token to check with nevis_client_introspect(). A failed operation is an answer
/// (NEVIS_STATUS_FAILED), not an error.
///
/// # Safety
/// `client` is a live client; `status_token` a NUL-terminated string; `out_status` and `out_json`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_get_status(
    client: *const nevis_client,
    status_token: *const c_char,
    out_status: *mut nevis_status,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_status = Out::clear(out_status, nevis_status::NEVIS_STATUS_UNKNOWN);
        let out_json = OutString::clear(out_json);
        let client = client_ref(client)?;
        let token = required_str(status_token, "status_token")?.to_owned();
        let status =
            client.run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.get_status(&token).await })?;
        hand_out(&status, &out_status, &out_json)
    })
}

/// Polls the status of `status_token` until the operation is decided (succeeded, failed or
/// unknown) and hands out that final status like nevis_client_get_status().
///
/// `timeout_ms`: give up after this long with NEVIS_ERROR_TIMEOUT (nevis_error_last_status() then
/// tells the last state seen); 0 means the default of 5 minutes. `interval_ms`: the first pause
/// between polls, growing by half each round up to 2 s (or `interval_ms` if larger); 0 means the
/// default of 1 s. Blocks the calling thread for up to `timeout_ms`.
///
/// # Safety
/// As for nevis_client_get_status().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_wait_for_status(
    client: *const nevis_client,
    status_token: *const c_char,
    timeout_ms: u64,
    interval_ms: u64,
    out_status: *mut nevis_status,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: forwarded; a NULL switch means "not cancellable".
    unsafe {
        nevis_wait_for_status_cancellable(
            client,
            status_token,
            timeout_ms,
            interval_ms,
            std::ptr::null(),
            out_status,
            out_json,
        )
    }
}

/// nevis_wait_for_status() that also ends, with NEVIS_ERROR_CANCELLED, as soon as `cancel` is
/// triggered from another thread. `cancel` may be NULL (not cancellable) and is only borrowed.
///
/// # Safety
/// As for nevis_client_get_status(); `cancel` is NULL or a live switch.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_wait_for_status_cancellable(
    client: *const nevis_client,
    status_token: *const c_char,
    timeout_ms: u64,
    interval_ms: u64,
    cancel: *const nevis_cancel,
    out_status: *mut nevis_status,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_status = Out::clear(out_status, nevis_status::NEVIS_STATUS_UNKNOWN);
        let out_json = OutString::clear(out_json);
        let client = client_ref(client)?;
        let token = required_str(status_token, "status_token")?.to_owned();
        let mut options = WaitOptions::default();
        if timeout_ms > 0 {
            options = options.timeout(Duration::from_millis(timeout_ms));
        }
        if interval_ms > 0 {
            options = options.interval(Duration::from_millis(interval_ms));
        }
        if !cancel.is_null() {
            options = options.cancel_on(required_ref(cancel, "cancel")?.token.clone());
        }
        let status = client.run_with_arguments(ARGUMENT_NAMES, move |core| async move {
            core.wait_for_status(&token, options).await
        })?;
        hand_out(&status, &out_status, &out_json)
    })
}
