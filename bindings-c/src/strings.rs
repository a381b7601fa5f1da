//! Strings crossing the boundary: the one way the library hands out a string, and the one way to
//! release it.
//!
//! Every `char *` the library returns was made by [`OutString::set`] and must go back through
//! [`nevis_string_free`], which wipes the bytes before freeing them: response JSON holds status
//! tokens, transaction tokens and recovery codes, which should not linger in freed memory.

use std::ffi::{CString, c_char};
use std::ptr;

use zeroize::Zeroize;

use crate::error::NevisError;
use crate::ffi_guard::{FfiResult, Out, guard_or};

/// A `char **out_...` parameter.
pub(crate) struct OutString(Out<*mut c_char>);

impl OutString {
    /// # Safety
    /// `ptr` is NULL or valid for writing a pointer.
    pub(crate) unsafe fn clear(ptr: *mut *mut c_char) -> OutString {
        // SAFETY: forwarded from the caller's contract.
        OutString(unsafe { Out::clear(ptr, ptr::null_mut()) })
    }

    pub(crate) fn is_wanted(&self) -> bool {
        self.0.is_wanted()
    }

    /// Hands `text` to the caller (if they asked for it). Fails if it holds a NUL byte, which a
    /// C string cannot carry.
    pub(crate) fn set(&self, text: String) -> FfiResult<()> {
        let text = owned_c_string(text)?;
        if self.0.is_wanted() {
            self.0.set(text.into_raw());
        }
        Ok(())
    }
}

/// Converts text for C; a NUL inside is a decode failure of what the server sent.
pub(crate) fn owned_c_string(text: String) -> FfiResult<CString> {
    CString::new(text).map_err(|err| {
        let position = err.nul_position();
        let mut bytes = err.into_vec();
        bytes.zeroize();
        NevisError::decode(&format!(
            "the answer contains a NUL byte at offset {position}, which a C string cannot hold"
        ))
    })
}

/// For messages: a NUL byte is replaced, never an error.
pub(crate) fn lossy_c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// Releases a string returned by this library (through any `char **out_...` parameter), wiping
/// its bytes first. NULL is allowed (and does nothing). Never pass strings from elsewhere, and
/// never free a library string with free().
///
/// # Safety
/// `text` is NULL or a string returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_string_free(text: *mut c_char) {
    guard_or((), || {
        if !text.is_null() {
            // SAFETY: made by `CString::into_raw` in `OutString::set`, released once.
            let mut bytes = unsafe { CString::from_raw(text) }.into_bytes_with_nul();
            bytes.zeroize();
        }
    })
}

/// The version of this library, e.g. "0.1.0". Static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nevis_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_the_out_parameter() {
        let mut slot: *mut c_char = std::ptr::dangling_mut::<c_char>();
        // SAFETY: `slot` is a local.
        unsafe {
            let out = OutString::clear(&mut slot);
            assert!(slot.is_null(), "cleared on entry");
            out.set("{\"a\":1}".to_string()).unwrap();
            assert_eq!(std::ffi::CStr::from_ptr(slot).to_str().unwrap(), "{\"a\":1}");
            nevis_string_free(slot);
            nevis_string_free(ptr::null_mut());
            let unwanted = OutString::clear(ptr::null_mut());
            unwanted.set("ignored".to_string()).unwrap();
        }
    }

    #[test]
    fn nul_bytes_are_reported_not_truncated() {
        assert!(owned_c_string("a\0b".to_string()).is_err());
        assert_eq!(lossy_c_string("a\0b").to_str().unwrap(), "a\u{FFFD}b");
    }
}
