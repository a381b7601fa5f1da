//! `nevis_client`: the opaque handle C code holds, its constructor and destructor, and the one
//! place where a core future is run to completion for a blocking C call.
//!
//! The handle owns a core `Client` (itself an `Arc` around one connection pool), so any number of
//! C threads may call through the same `const nevis_client *` at once. Every call blocks on the
//! core's process-wide runtime; no binding-owned runtime or thread exists.
//!
//! Closing (`nevis_client_close`) is the core's `Client::close`: calls still running on the pool end
//! at once with the `closed` kind, later calls fail with it before sending anything. The handle
//! itself stays valid until `nevis_client_free`, so a thread that races a close gets an error,
//! never a dangling pointer.

use std::future::Future;

use nevis_authcloud::{Client, runtime};

use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::{FfiResult, Out, guard, guard_or, required_ref};
use crate::options::{build_config, nevis_client_options, option_name, read_options};

/// A client for one Authentication Cloud instance. Thread-safe: share one per process (or per
/// instance) among all threads. Opaque; create with nevis_client_new(), release with
/// nevis_client_free().
#[allow(non_camel_case_types)]
pub struct nevis_client {
    pub(crate) inner: Client,
}

impl nevis_client {
    /// Runs the call that `operation` builds (given a handle on this client's pool; the call owns
    /// its arguments) on the shared runtime and blocks until it ends, then turns a core error into
    /// a C error (whose texts the core has already redacted). The call runs on a runtime thread
    /// with its connection, so it costs two thread switches, not one per message exchanged
    /// (`runtime::start`). Closing and cancelling are the core's: a closed client's call ends with
    /// the `closed` kind, also when it is closed while the call runs.
    pub(crate) fn run<T, Fut>(&self, operation: impl FnOnce(Client) -> Fut) -> FfiResult<T>
    where
        Fut: Future<Output = nevis_authcloud::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        self.run_with_arguments(&[], operation)
    }
}

/// The C argument each path parameter is passed as, for errors that name one: the core names it
/// as the API does (`userId`), the caller passed `user_id`.
pub(crate) const ARGUMENT_NAMES: &[(&str, &str)] = &[
    ("statusToken", "status_token"),
    ("userId", "user_id"),
    ("objectId", "object_id"),
    ("authenticatorId", "authenticator_id"),
];

impl nevis_client {
    /// [`Self::run`] for a call with C arguments of its own (a token, an id): a validation error
    /// about one of `arguments` (core name → C argument) names it as the C caller wrote it.
    pub(crate) fn run_with_arguments<T, Fut>(
        &self,
        arguments: &[(&str, &str)],
        operation: impl FnOnce(Client) -> Fut,
    ) -> FfiResult<T>
    where
        Fut: Future<Output = nevis_authcloud::Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let outcome =
            runtime::start(operation(self.inner.clone())).and_then(runtime::Waiting::wait).and_then(|result| result);
        let rename = |field: &str| arguments.iter().find(|(core, _)| *core == field).map(|(_, c)| c.to_string());
        outcome.map_err(|err| NevisError::from_core(&err.with_field_renamed(rename)))
    }
}

/// Borrows the client behind a handle argument.
///
/// # Safety
/// `client` is NULL or a live client from nevis_client_new().
pub(crate) unsafe fn client_ref<'a>(client: *const nevis_client) -> FfiResult<&'a nevis_client> {
    // SAFETY: forwarded from the caller's contract.
    unsafe { required_ref(client, "client") }
}

/// Creates a client from `opts` (validated here: a bad setting fails now with
/// NEVIS_ERROR_CONFIG naming it, not on the first login). No request is sent. On success `*out`
/// is a client the caller owns and releases with nevis_client_free(); on failure `*out` is NULL.
///
/// # Safety
/// `opts` is NULL or a valid options struct whose strings are NUL-terminated; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_new(
    opts: *const nevis_client_options,
    out: *mut *mut nevis_client,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = Out::clear(out, std::ptr::null_mut());
        if !out.is_wanted() {
            return Err(NevisError::invalid_argument("out", "must not be NULL"));
        }
        let opts = read_options(opts)?;
        let config = build_config(&opts)?;
        let inner = Client::new(config).map_err(|err| NevisError::from_core(&err.with_field_renamed(option_name)))?;
        out.set(Box::into_raw(Box::new(nevis_client { inner })));
        Ok(())
    })
}

/// Closes a client's connection pool: calls still running on other threads end promptly with
/// NEVIS_ERROR_CLOSED (their requests are cancelled; nevis_error_may_have_been_applied() says
/// whether the request had been written), and every later call fails with NEVIS_ERROR_CLOSED
/// without sending anything. The pool is shared with every client made from this one with
/// nevis_client_with_options() (and with the one it was made from): all of them are closed.
/// Closing twice is harmless; NULL is allowed (and does nothing). The handle stays valid:
/// nevis_client_free() is still required, once no thread uses it any more.
///
/// # Safety
/// `client` is NULL or a live client from nevis_client_new().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_close(client: *const nevis_client) {
    guard_or((), || {
        // SAFETY: NULL or live by the caller's contract.
        if let Some(client) = unsafe { client.as_ref() } {
            client.inner.close();
        }
    })
}

/// Releases a client and its connections. NULL is allowed (and does nothing). Call it once, after
/// every thread has finished its calls on this client.
///
/// # Safety
/// `client` is NULL or a client from nevis_client_new() that is not used by any thread any more.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_free(client: *mut nevis_client) {
    guard_or((), || {
        if !client.is_null() {
            // SAFETY: made by `nevis_client_new`, released once by the caller's contract.
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::nevis_error_kind;

    #[test]
    fn new_checks_its_arguments() {
        let mut client = std::ptr::null_mut();
        // SAFETY: NULL or locals.
        unsafe {
            let err = nevis_client_new(std::ptr::null(), &mut client);
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
            crate::error::nevis_error_free(err);
            let opts = nevis_client_options {
                base_url: c"http://127.0.0.1:9".as_ptr(),
                access_key: c"k".as_ptr(),
                ..Default::default()
            };
            let err = nevis_client_new(&opts, std::ptr::null_mut());
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_INVALID_ARGUMENT);
            crate::error::nevis_error_free(err);
            assert!(nevis_client_new(&opts, &mut client).is_null());
            assert!(!client.is_null());
            nevis_client_free(client);
        }
    }

    #[test]
    fn a_closed_client_fails_calls_with_the_closed_kind() {
        let opts = nevis_client_options {
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"k".as_ptr(),
            ..Default::default()
        };
        let mut client = std::ptr::null_mut();
        // SAFETY: locals; the client is freed once, after its last use.
        unsafe {
            assert!(nevis_client_new(&opts, &mut client).is_null());
            nevis_client_close(client);
            nevis_client_close(client);
            nevis_client_close(std::ptr::null());
            let err = crate::operations::nevis_client_ping(client);
            assert_eq!((*err).kind, nevis_error_kind::NEVIS_ERROR_CLOSED);
            assert_eq!((*err).attempts, 0);
            crate::error::nevis_error_free(err);
            nevis_client_free(client);
        }
    }
}
