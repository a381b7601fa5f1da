//! The one wrapper every exported function runs in, and the checked conversions of C arguments.
//!
//! A Rust panic must never unwind into C (that is undefined behaviour, and since Rust 1.81 an abort
//! of the caller's whole process). So every `extern "C"` function of this crate hands its body to
//! [`guard`] (functions that return an error) or [`guard_or`] (accessors and destructors), which
//! catch the panic and turn it into a `NEVIS_ERROR_INTERNAL` error (the core's `internal` kind) or a harmless fallback value.
//! The argument helpers here turn NULL pointers and bytes that are not UTF-8 into
//! `NEVIS_ERROR_INVALID_ARGUMENT` errors that name the argument but never echo its value.

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::error::{NevisError, nevis_error};

pub(crate) type FfiResult<T> = Result<T, NevisError>;

/// Runs the body of an exported function that reports failure as `nevis_error *`.
pub(crate) fn guard(body: impl FnOnce() -> FfiResult<()>) -> *mut nevis_error {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ptr::null_mut(),
        Ok(Err(err)) => err.into_raw(),
        Err(payload) => NevisError::panic(payload.as_ref()).into_raw(),
    }
}

/// Runs the body of an exported function without an error channel; a panic yields `fallback`.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A required string argument, borrowed for the duration of the call.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { optional_str(ptr, name) }?.ok_or_else(|| NevisError::invalid_argument(name, "must not be NULL"))
}

/// An optional string argument: NULL means "not given".
///
/// # Safety
/// As for [`required_str`].
pub(crate) unsafe fn optional_str<'a>(ptr: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|err| {
        NevisError::invalid_argument(name, &format!("is not valid UTF-8 (bad byte at offset {})", err.valid_up_to()))
    })
}

/// Borrows the object behind a handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of this type from this library.
pub(crate) unsafe fn required_ref<'a, T>(ptr: *const T, name: &str) -> FfiResult<&'a T> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| NevisError::invalid_argument(name, "must not be NULL"))
}

/// An `out_...` parameter: cleared on entry (so it is NULL/zero whatever happens), written only
/// once the call has fully succeeded.
pub(crate) struct Out<T: Copy>(*mut T);

impl<T: Copy> Out<T> {
    /// # Safety
    /// `ptr` is NULL or valid for writing a `T`.
    pub(crate) unsafe fn clear(ptr: *mut T, empty: T) -> Out<T> {
        if !ptr.is_null() {
            // SAFETY: valid for writes by the caller's contract.
            unsafe { ptr.write(empty) };
        }
        Out(ptr)
    }

    pub(crate) fn set(&self, value: T) {
        if !self.0.is_null() {
            // SAFETY: checked in `clear`, whose contract covers the whole call.
            unsafe { self.0.write(value) };
        }
    }

    pub(crate) fn is_wanted(&self) -> bool {
        !self.0.is_null()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{NevisError, nevis_error_kind};

    fn take(err: *mut nevis_error) -> NevisError {
        assert!(!err.is_null());
        // SAFETY: a fresh error from `guard`.
        *unsafe { Box::from_raw(err) }
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let err = take(guard(|| panic!("boom {}", 42)));
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_INTERNAL);
        let message = err.message.to_str().unwrap();
        assert!(message.starts_with("internal: ") && message.contains("boom 42"), "{message}");
        assert!(!err.retryable);
        let err = take(guard(|| std::panic::panic_any(7_u8)));
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_INTERNAL);
    }

    #[test]
    fn success_is_null_and_errors_pass_through() {
        assert!(guard(|| Ok(())).is_null());
        let err = take(guard(|| Err(NevisError::invalid_argument("client", "must not be NULL"))));
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
        assert_eq!(guard_or(5, || panic!("no")), 5);
    }

    #[test]
    fn strings_are_checked_for_null_and_utf8_without_echoing_them() {
        // SAFETY: NULL and literal C strings.
        unsafe {
            let err = required_str(ptr::null(), "username").unwrap_err();
            assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
            assert_eq!(err.field.as_deref().map(|f| f.to_str().unwrap()), Some("username"));
            assert_eq!(optional_str(ptr::null(), "x").unwrap(), None);
            let bad = c"secret\xff";
            let err = required_str(bad.as_ptr(), "token").unwrap_err();
            let message = err.message.to_str().unwrap();
            assert!(message.contains("token") && message.contains("offset 6"), "{message}");
            assert!(!message.contains("secret"), "{message}");
            assert_eq!(required_str(c"alice".as_ptr(), "username").unwrap(), "alice");
        }
    }
}
