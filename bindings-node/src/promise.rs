//! Running a call on the core's runtime and settling a JavaScript promise with its outcome.
//!
//! napi-rs has a tokio runtime of its own; this addon does not use it. Each call creates a
//! deferred promise on the JavaScript thread, spawns its future on the core's shared runtime (the
//! one whose connection pools the clients use) and settles the promise through the deferred's
//! thread-safe function. The deferred keeps the event loop alive only while its call is pending,
//! and the runtime's own threads never hold Node open: a script exits when its last promise
//! settles.
//!
//! Panics stop here: the future runs under `catch_unwind`, and so does the conversion back to
//! JavaScript values, so a bug in this addon rejects one promise instead of aborting Node.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use napi::bindgen_prelude::{Env, Object};
use serde_json::Value;

use crate::errors::Failure;

/// What a call hands back: JSON in the API's wire shape, or a failure.
pub type Outcome = std::result::Result<Value, Failure>;

/// Starts `call` on the core runtime and returns the promise of its outcome.
pub fn spawn<'env, F>(env: &'env Env, call: F) -> napi::Result<Object<'env>>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<Value, Box<dyn FnOnce(Env) -> napi::Result<Value>>>()?;
    match nevis_authcloud::runtime::handle() {
        Ok(handle) => {
            handle.spawn(async move {
                let outcome = match AssertUnwindSafe(call).catch_unwind().await {
                    Ok(outcome) => outcome,
                    Err(payload) => Err(Failure::panic(payload.as_ref())),
                };
                deferred.resolve(Box::new(move |env| settle(&env, outcome)));
            });
        }
        Err(err) => deferred.resolve(Box::new(move |env| settle(&env, Err(Failure::from(err))))),
    }
    Ok(promise)
}

/// Rejects at once (for arguments refused on the JavaScript thread), keeping calls uniformly
/// asynchronous: a bad argument never throws synchronously from an `async`-style method.
pub fn reject<'env>(env: &'env Env, failure: Failure) -> napi::Result<Object<'env>> {
    let (deferred, promise) = env.create_deferred::<Value, Box<dyn FnOnce(Env) -> napi::Result<Value>>>()?;
    deferred.resolve(Box::new(move |env| settle(&env, Err(failure))));
    Ok(promise)
}

/// Runs on the JavaScript thread when the call is done.
fn settle(env: &Env, outcome: Outcome) -> napi::Result<Value> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| match outcome {
        Ok(value) => Ok(value),
        Err(failure) => Err(failure.into_js_error(env)),
    })) {
        Ok(result) => result,
        Err(payload) => Err(Failure::panic(payload.as_ref()).into_js_error(env)),
    }
}
