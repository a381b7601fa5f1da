//! `Canceller`: the native end of an `AbortSignal`.
//!
//! JavaScript cannot hand a signal to Rust, so the JS layer creates a `Canceller`, passes it with
//! the call and calls `cancel()` from the signal's `abort` listener. The core's wait loop watches
//! the same cancellation token and stops polling at once.

use napi_derive::napi;
use nevis_authcloud::CancellationToken;

/// A cancellation token JavaScript can trigger.
#[napi]
pub struct Canceller {
    token: CancellationToken,
}

#[napi]
impl Canceller {
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Canceller {
        Canceller { token: CancellationToken::new() }
    }

    /// Stops the call this canceller was given to; calling it again does nothing.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.token.cancel();
    }

    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

impl Canceller {
    pub(crate) fn token(&self) -> CancellationToken {
        self.token.clone()
    }
}
