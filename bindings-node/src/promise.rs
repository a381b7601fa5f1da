//! Running a call on the core's runtime and settling its JavaScript promise.
//!
//! napi-rs has a tokio runtime of its own; this addon does not use it. Each call creates a plain
//! promise on the JavaScript thread and spawns its future on the core's shared runtime (the one
//! whose connection pools the clients use). Finished calls come back through one mailbox per
//! JavaScript environment (the main thread, each worker thread): runtime threads queue the outcome
//! and wake the JavaScript thread through a single threadsafe function, and the JavaScript thread
//! settles what it finds, a bounded batch at a time.
//!
//! Waking once per burst: a runtime thread that queues an answer does not wake the JavaScript
//! thread at once but when it runs out of tasks (`runtime::when_worker_idle`), so every answer of
//! the burst it is working through is settled in one turn of the event loop. Waking at once made
//! the two threads take turns on the CPU once per answer when they share one (one context switch
//! per call with 64 calls in flight, `make bench-profile`). The wake comes at once after
//! [`MAX_BATCH`] answers or after [`BUDGET`], so a long burst cannot hold answers back; the worker
//! then yields the CPU, so a JavaScript thread sharing it settles that batch (and runs its timers)
//! now rather than at the end of the burst.
//!
//! Why not napi-rs's `JsDeferred`: it creates a threadsafe function per call (an async handle, a
//! cleanup hook, an async resource) and wakes the event loop once per answer. With many calls in
//! flight that was most of what the JavaScript thread did per call (profiled with 64 and 1,000
//! calls in flight, bench/node). The mailbox does that work once per environment and coalesces
//! wake-ups.
//!
//! Staying responsive: one drain settles at most [`MAX_BATCH`] calls or works for [`BUDGET`], then
//! yields to the event loop with `setImmediate` before it continues, so timers and I/O run between
//! batches even when a thousand answers arrive at once. (Waking the threadsafe function again would
//! not yield: Node dispatches a call queued during a dispatch in the same turn.)
//!
//! Keeping Node alive: the mailbox's threadsafe function holds the event loop open only while
//! calls are pending (referenced when the first call starts, unreferenced when the last one
//! settles), so a script exits when its last promise settles; the runtime's own threads never hold
//! Node open.
//!
//! Panics stop here: the future runs under `catch_unwind`, and so does every callback Node makes
//! into this module, so a bug in this addon rejects one promise instead of aborting Node. When an
//! environment is torn down (a worker thread ends) with calls still running, their answers are
//! dropped: there is no promise left to settle.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use napi::bindgen_prelude::{Env, JsValue, Object, ToNapiValue};
use napi::sys;
use nevis_authcloud::{Error, ErrorKind};
use tokio::runtime::Handle;

use crate::errors::ToJs;

/// What a call hands back: its answer as JSON text in the API's wire shape (nothing for a call
/// without one), or a failure. index.js parses the text: one `JSON.parse` costs the JavaScript
/// thread a fraction of building the object through N-API a property at a time (about a third of
/// its time per call with 64 calls in flight, bench/node).
pub type Outcome = std::result::Result<Option<String>, Error>;

/// The most promises one drain settles before it yields to the event loop.
const MAX_BATCH: usize = 64;
/// The longest one drain works before it yields to the event loop.
const BUDGET: Duration = Duration::from_millis(1);

/// Starts `call` on the core runtime and returns the promise of its outcome.
///
/// The call is handed to the runtime when the current JavaScript job ends (in a microtask), together
/// with every other call started in the same job: a thousand calls started in one loop wake the
/// runtime once, and its threads do not take the CPU from the JavaScript thread while it is still
/// starting calls.
pub fn spawn<'env, F>(env: &'env Env, call: F) -> napi::Result<Object<'env>>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    let (deferred, promise) = create_promise(env)?;
    let (mailbox, flush_fn) = Mailbox::start_call(env)?;
    let ticket = Ticket { deferred: Some(deferred), mailbox };
    let handle = match nevis_authcloud::runtime::handle() {
        Ok(handle) => handle,
        Err(err) => {
            ticket.finish(Err(err));
            return Ok(promise);
        }
    };
    let job: Job = Box::pin(async move {
        let outcome = match AssertUnwindSafe(call).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(payload) => Err(Error::from_panic(payload.as_ref())),
        };
        ticket.finish(outcome);
    });
    let first = STARTING.with(|starting| {
        let mut starting = starting.borrow_mut();
        let batch = starting.get_or_insert_with(|| (handle, Vec::new()));
        batch.1.push(job);
        batch.1.len() == 1
    });
    // SAFETY: a live environment and a reference of it, on its thread.
    if first && unsafe { !call_soon(env.raw(), flush_fn) } {
        start_batch();
    }
    Ok(promise)
}

/// A call on its way to the runtime.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

thread_local! {
    /// Calls started during the current JavaScript job, with the runtime they go to.
    static STARTING: RefCell<Option<(Handle, Vec<Job>)>> = const { RefCell::new(None) };
}

/// Hands every call started so far on this thread to the runtime. (Handing them over as one task
/// that spawns the rest on a worker was tried: it let the worker run the whole batch in one stretch
/// while the JavaScript thread waited for the CPU, and doubled the event loop's delay p99 when
/// 1,000 calls start in one tick, bench/node/lag.js.)
fn start_batch() {
    let batch = STARTING.try_with(|starting| starting.borrow_mut().take()).ok().flatten();
    if let Some((handle, jobs)) = batch {
        for job in jobs {
            handle.spawn(job);
        }
    }
}

/// The microtask that starts a batch.
unsafe extern "C" fn flush(_env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    let _ = catch_unwind(start_batch);
    ptr::null_mut()
}

/// Queues `function` as a microtask (`Promise.resolve().then(function)`: unlike the global
/// `queueMicrotask`, fake timers cannot intercept it); false if that failed.
unsafe fn call_soon(env: sys::napi_env, function: sys::napi_ref) -> bool {
    // SAFETY: forwarded from the caller; out-pointers are valid; the name is NUL-terminated.
    unsafe {
        in_handle_scope(env, || {
            let mut deferred = ptr::null_mut();
            let mut promise = ptr::null_mut();
            let mut undefined = ptr::null_mut();
            let mut then = ptr::null_mut();
            let mut callback = ptr::null_mut();
            let mut ignored = ptr::null_mut();
            let queued = sys::napi_create_promise(env, &mut deferred, &mut promise) == sys::Status::napi_ok
                && sys::napi_get_undefined(env, &mut undefined) == sys::Status::napi_ok
                && sys::napi_resolve_deferred(env, deferred, undefined) == sys::Status::napi_ok
                && sys::napi_get_named_property(env, promise, c"then".as_ptr(), &mut then) == sys::Status::napi_ok
                && sys::napi_get_reference_value(env, function, &mut callback) == sys::Status::napi_ok
                && sys::napi_call_function(env, promise, then, 1, &callback, &mut ignored) == sys::Status::napi_ok;
            cleared_unless(env, queued)
        })
    }
}

/// Runs `work` in a handle scope of its own, so that the JavaScript values it creates are released
/// when it returns (these run from the event loop, outside any scope Node opened for a call).
///
/// # Safety
/// `env` is a live environment, on its thread.
unsafe fn in_handle_scope<T>(env: sys::napi_env, work: impl FnOnce() -> T) -> T {
    let mut scope = ptr::null_mut();
    // SAFETY: forwarded from the caller.
    let opened = unsafe { sys::napi_open_handle_scope(env, &mut scope) } == sys::Status::napi_ok;
    let result = work();
    if opened {
        // SAFETY: the scope opened above, closed once.
        unsafe { sys::napi_close_handle_scope(env, scope) };
    }
    result
}

/// `succeeded`, the result of a chain of N-API steps; when a step failed, the exception it may have
/// left pending is cleared, so that it cannot surface in unrelated JavaScript.
///
/// # Safety
/// `env` is a live environment, on its thread.
unsafe fn cleared_unless(env: sys::napi_env, succeeded: bool) -> bool {
    if !succeeded {
        let mut ignored = ptr::null_mut();
        // SAFETY: forwarded from the caller; the out-pointer is valid.
        unsafe { sys::napi_get_and_clear_last_exception(env, &mut ignored) };
    }
    succeeded
}

/// Rejects at once (for arguments refused on the JavaScript thread), keeping calls uniformly
/// asynchronous: a bad argument never throws synchronously from an `async`-style method.
pub fn reject<'env>(env: &'env Env, failure: Error) -> napi::Result<Object<'env>> {
    let (deferred, promise) = create_promise(env)?;
    settle(env.raw(), deferred, Err(failure));
    Ok(promise)
}

/// A promise's resolving end. Only ever used on the JavaScript thread of its environment; it
/// travels through runtime threads as an opaque pointer.
struct Deferred(sys::napi_deferred);

// SAFETY: the pointer is never dereferenced off the JavaScript thread that created it; runtime
// threads only carry it back to that thread through the mailbox.
unsafe impl Send for Deferred {}

fn create_promise(env: &Env) -> napi::Result<(Deferred, Object<'_>)> {
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: a live environment on its own thread; both out-pointers are valid.
    let status = unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) };
    check(status, "the promise could not be created")?;
    Ok((Deferred(deferred), Object::from_raw(env.raw(), promise)))
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::from(status), what.to_string()))
    }
}

/// A running call's claim on its promise. Finishing it posts the outcome to the mailbox; if the
/// runtime ever dropped the call unfinished, dropping the ticket still settles the promise.
struct Ticket {
    deferred: Option<Deferred>,
    mailbox: Arc<Shared>,
}

impl Ticket {
    fn finish(mut self, outcome: Outcome) {
        if let Some(deferred) = self.deferred.take() {
            self.mailbox.post(deferred, outcome);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(deferred) = self.deferred.take() {
            let failure = Error::new(ErrorKind::Cancelled, "the call was dropped before it finished");
            self.mailbox.post(deferred, Err(failure));
        }
    }
}

/// The part of a mailbox that runtime threads touch.
struct Shared {
    inner: Mutex<Inbox>,
}

struct Inbox {
    finished: VecDeque<(Deferred, Outcome)>,
    /// `None` once the environment is being torn down: answers are then dropped.
    tsfn: Option<Tsfn>,
    wake: Wake,
}

/// Whether the JavaScript thread will see what is queued.
#[derive(Clone, Copy)]
enum Wake {
    /// Nothing queued, nobody woken: the next answer arranges a wake-up.
    Idle,
    /// A runtime thread wakes the JavaScript thread when it runs out of tasks (or the next answer
    /// does, once [`MAX_BATCH`] are queued or the first has waited [`BUDGET`]).
    Deferred { since: Instant },
    /// The JavaScript thread has been woken (or is draining, or will resume draining) and will see
    /// what is queued; runtime threads do not wake it again.
    Signalled,
}

#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: threadsafe functions are made to be called from any thread; the handle is only used
// while `Inbox::tsfn` holds it, under the mutex that teardown also takes before releasing it.
unsafe impl Send for Tsfn {}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inbox> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a finished call and makes sure the JavaScript thread will see it: at once, or when
    /// this runtime thread runs out of tasks (see the module documentation).
    fn post(self: &Arc<Self>, deferred: Deferred, outcome: Outcome) {
        let mut inbox = self.lock();
        if inbox.tsfn.is_none() {
            return;
        }
        inbox.finished.push_back((deferred, outcome));
        match inbox.wake {
            Wake::Signalled => {}
            Wake::Deferred { since } => {
                if inbox.finished.len() >= MAX_BATCH || since.elapsed() >= BUDGET {
                    inbox.signal();
                    drop(inbox);
                    // This worker is still busy: offer the CPU to the JavaScript thread it just
                    // woke, which may share it (the event loop's delay, bench/node/lag.js).
                    std::thread::yield_now();
                }
            }
            Wake::Idle => {
                let shared = Arc::clone(self);
                match nevis_authcloud::runtime::when_worker_idle(move || shared.lock().signal_if_deferred()) {
                    Ok(()) => inbox.wake = Wake::Deferred { since: Instant::now() },
                    // Not on a runtime thread (a call refused before it ran): wake now.
                    Err(_) => inbox.signal(),
                }
            }
        }
    }

    fn pop(&self) -> Option<(Deferred, Outcome)> {
        let mut inbox = self.lock();
        let next = inbox.finished.pop_front();
        if next.is_none() {
            inbox.wake = Wake::Idle;
        }
        next
    }
}

impl Inbox {
    /// Wakes the JavaScript thread, which will drain the queue.
    fn signal(&mut self) {
        let Some(tsfn) = self.tsfn else { return };
        self.wake = Wake::Signalled;
        // SAFETY: the function is alive while the inbox holds it (see `Tsfn`); the queue is
        // unbounded, so a non-blocking call only fails when Node is closing it, in which case the
        // environment is going away and nothing is left to settle.
        unsafe {
            sys::napi_call_threadsafe_function(tsfn.0, ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking)
        };
    }

    /// The deferred wake-up, run by the runtime thread once it is idle: the queue may have been
    /// drained (or the wake given) meanwhile.
    fn signal_if_deferred(&mut self) {
        if matches!(self.wake, Wake::Deferred { .. }) {
            self.signal();
        }
    }
}

/// The JavaScript-thread half of a mailbox.
struct Mailbox {
    env: sys::napi_env,
    shared: Arc<Shared>,
    tsfn: Tsfn,
    /// Calls started and not yet settled; the threadsafe function keeps Node alive while > 0.
    pending: usize,
    /// `setImmediate` and the native function it is given to continue a drain, and the native
    /// function that starts a batch of calls (strong references).
    set_immediate: sys::napi_ref,
    resume: sys::napi_ref,
    flush: sys::napi_ref,
}

thread_local! {
    /// The mailbox of the environment running on this thread (each environment has its own thread).
    static MAILBOX: RefCell<Option<Mailbox>> = const { RefCell::new(None) };
}

impl Mailbox {
    /// Counts one more pending call in the mailbox of `env` (created on first use); also hands
    /// out the function that starts a batch of calls.
    fn start_call(env: &Env) -> napi::Result<(Arc<Shared>, sys::napi_ref)> {
        MAILBOX.with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_none_or(|mailbox| mailbox.env != env.raw()) {
                *slot = Some(Mailbox::create(env)?);
            }
            let Some(mailbox) = slot.as_mut() else {
                return Err(napi::Error::from_reason("the answer mailbox could not be created"));
            };
            mailbox.pending += 1;
            if mailbox.pending == 1 {
                // SAFETY: a live function of this environment, on its thread.
                unsafe { sys::napi_ref_threadsafe_function(mailbox.env, mailbox.tsfn.0) };
            }
            Ok((Arc::clone(&mailbox.shared), mailbox.flush))
        })
    }

    fn create(env: &Env) -> napi::Result<Mailbox> {
        let raw = env.raw();
        let (set_immediate, resume, flush) = scheduler(env)?;
        let shared =
            Arc::new(Shared { inner: Mutex::new(Inbox { finished: VecDeque::new(), tsfn: None, wake: Wake::Idle }) });
        let name = env.create_string("nevis-authcloud answers")?;
        // The function's context owns one reference to `shared`, released by `finalize`.
        let context = Arc::into_raw(Arc::clone(&shared)) as *mut c_void;
        let mut tsfn = ptr::null_mut();
        // SAFETY: a live environment on its thread; no JavaScript function is needed because
        // `drain` does the work; `finalize` and `drain` have the signatures Node calls.
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                raw,
                ptr::null_mut(),
                ptr::null_mut(),
                name.raw(),
                0,
                1,
                ptr::null_mut(),
                Some(finalize),
                context,
                Some(drain),
                &mut tsfn,
            )
        };
        if let Err(err) = check(status, "the answer mailbox could not be created") {
            // SAFETY: made by `Arc::into_raw` above and not handed to Node.
            drop(unsafe { Arc::from_raw(context as *const Shared) });
            return Err(err);
        }
        // Idle until a call starts: an unused mailbox must not keep Node alive.
        // SAFETY: the function was just created on this thread.
        unsafe { sys::napi_unref_threadsafe_function(raw, tsfn) };
        // Runs before Node finalizes the function (hooks run in reverse order of registration, and
        // Node registered the function's own teardown when it was created).
        let hook_data = Arc::into_raw(Arc::clone(&shared)) as *mut c_void;
        // SAFETY: `teardown` has the hook signature and takes back `hook_data`.
        let status = unsafe { sys::napi_add_env_cleanup_hook(raw, Some(teardown), hook_data) };
        if let Err(err) = check(status, "the answer mailbox could not be registered") {
            // SAFETY: the hook was not registered, so this reference is still ours; the function
            // is released (its finalizer frees the context).
            unsafe {
                drop(Arc::from_raw(hook_data as *const Shared));
                sys::napi_release_threadsafe_function(tsfn, sys::ThreadsafeFunctionReleaseMode::abort);
            }
            return Err(err);
        }
        shared.lock().tsfn = Some(Tsfn(tsfn));
        Ok(Mailbox { env: raw, shared, tsfn: Tsfn(tsfn), pending: 0, set_immediate, resume, flush })
    }
}

/// `setImmediate` (the `node:timers` one when `process.getBuiltinModule` exists, so that fake
/// timers installed on the global object later cannot capture the mailbox's continuation), the
/// native `resume` and `flush` functions, all held by strong references for the life of the
/// environment.
fn scheduler(env: &Env) -> napi::Result<(sys::napi_ref, sys::napi_ref, sys::napi_ref)> {
    let raw = env.raw();
    // SAFETY: a live environment on its thread; every out-pointer is valid; names are
    // NUL-terminated; `resume` has the callback signature.
    unsafe {
        let mut global = ptr::null_mut();
        check(sys::napi_get_global(raw, &mut global), "no global object")?;
        let mut holder = global;
        let mut process = ptr::null_mut();
        let mut get_builtin = ptr::null_mut();
        let mut kind = sys::ValueType::napi_undefined;
        if sys::napi_get_named_property(raw, global, c"process".as_ptr(), &mut process) == sys::Status::napi_ok
            && sys::napi_get_named_property(raw, process, c"getBuiltinModule".as_ptr(), &mut get_builtin)
                == sys::Status::napi_ok
            && sys::napi_typeof(raw, get_builtin, &mut kind) == sys::Status::napi_ok
            && kind == sys::ValueType::napi_function
        {
            let mut name = ptr::null_mut();
            let mut timers = ptr::null_mut();
            check(sys::napi_create_string_utf8(raw, c"node:timers".as_ptr(), 11, &mut name), "no string")?;
            if sys::napi_call_function(raw, process, get_builtin, 1, &name, &mut timers) == sys::Status::napi_ok {
                holder = timers;
            } else {
                let mut ignored = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(raw, &mut ignored);
            }
        }
        let mut set_immediate = ptr::null_mut();
        check(
            sys::napi_get_named_property(raw, holder, c"setImmediate".as_ptr(), &mut set_immediate),
            "no setImmediate",
        )?;
        let mut resume_fn = ptr::null_mut();
        check(
            sys::napi_create_function(
                raw,
                c"nevisAuthcloudDrain".as_ptr(),
                19,
                Some(resume),
                ptr::null_mut(),
                &mut resume_fn,
            ),
            "the drain function could not be created",
        )?;
        let mut flush_fn = ptr::null_mut();
        check(
            sys::napi_create_function(
                raw,
                c"nevisAuthcloudStart".as_ptr(),
                19,
                Some(flush),
                ptr::null_mut(),
                &mut flush_fn,
            ),
            "the start function could not be created",
        )?;
        let mut set_immediate_ref = ptr::null_mut();
        let mut resume_ref = ptr::null_mut();
        let mut flush_ref = ptr::null_mut();
        check(sys::napi_create_reference(raw, set_immediate, 1, &mut set_immediate_ref), "no reference")?;
        check(sys::napi_create_reference(raw, resume_fn, 1, &mut resume_ref), "no reference")?;
        check(sys::napi_create_reference(raw, flush_fn, 1, &mut flush_ref), "no reference")?;
        Ok((set_immediate_ref, resume_ref, flush_ref))
    }
}

/// Called by Node on the JavaScript thread when a runtime thread woke the mailbox.
unsafe extern "C" fn drain(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        // The function is being torn down; nothing is left to settle.
        return;
    }
    // SAFETY: `context` is the `Arc<Shared>` given at creation, alive until `finalize`.
    let shared = unsafe { &*(context as *const Shared) };
    let _ = catch_unwind(AssertUnwindSafe(|| drain_some(env, shared)));
}

/// Called through `setImmediate` to continue a drain that yielded.
unsafe extern "C" fn resume(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let shared = MAILBOX
            .try_with(|slot| slot.borrow().as_ref().filter(|m| m.env == env).map(|m| Arc::clone(&m.shared)))
            .ok()
            .flatten();
        if let Some(shared) = shared {
            drain_some(env, &shared);
        }
    }));
    ptr::null_mut()
}

/// Settles queued calls until the queue is empty, or until the batch or time budget is spent; then
/// the rest waits for the next turn of the event loop (the wake stays `Signalled` meanwhile, so runtime
/// threads do not wake the thread again).
fn drain_some(env: sys::napi_env, shared: &Shared) {
    let started = Instant::now();
    let mut settled = 0;
    let mut more = false;
    while let Some((deferred, outcome)) = shared.pop() {
        settle(env, deferred, outcome);
        settled += 1;
        if settled >= MAX_BATCH || started.elapsed() >= BUDGET {
            more = true;
            break;
        }
    }
    // Bookkeeping first, without holding the slot while JavaScript runs below.
    let schedule = MAILBOX
        .try_with(|slot| {
            let mut slot = slot.borrow_mut();
            let mailbox = slot.as_mut().filter(|m| m.env == env)?;
            mailbox.pending = mailbox.pending.saturating_sub(settled);
            if mailbox.pending == 0 {
                // SAFETY: a live function of this environment, on its thread.
                unsafe { sys::napi_unref_threadsafe_function(env, mailbox.tsfn.0) };
            }
            Some((mailbox.set_immediate, mailbox.resume, mailbox.tsfn))
        })
        .ok()
        .flatten();
    if let (true, Some((set_immediate, resume, tsfn))) = (more, schedule) {
        // SAFETY: live references of this environment, on its thread.
        if unsafe { !call_later(env, set_immediate, resume) } {
            // Could not yield (setImmediate threw): keep going in this turn rather than stall.
            // SAFETY: the function is alive while the environment is.
            unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn.0,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }
}

/// `setImmediate(resume)`; false if that failed (the exception is cleared).
unsafe fn call_later(env: sys::napi_env, set_immediate: sys::napi_ref, resume: sys::napi_ref) -> bool {
    // SAFETY: forwarded from the caller; out-pointers are valid.
    unsafe {
        in_handle_scope(env, || {
            let mut function = ptr::null_mut();
            let mut argument = ptr::null_mut();
            let mut receiver = ptr::null_mut();
            let mut ignored = ptr::null_mut();
            let called = sys::napi_get_reference_value(env, set_immediate, &mut function) == sys::Status::napi_ok
                && sys::napi_get_reference_value(env, resume, &mut argument) == sys::Status::napi_ok
                && sys::napi_get_undefined(env, &mut receiver) == sys::Status::napi_ok
                && sys::napi_call_function(env, receiver, function, 1, &argument, &mut ignored) == sys::Status::napi_ok;
            cleared_unless(env, called)
        })
    }
}

/// The environment is going away: stop accepting answers and release the function.
unsafe extern "C" fn teardown(hook_data: *mut c_void) {
    // SAFETY: the reference handed over in `Mailbox::create`.
    let shared = unsafe { Arc::from_raw(hook_data as *const Shared) };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let (tsfn, dropped) = {
            let mut inbox = shared.lock();
            (inbox.tsfn.take(), std::mem::take(&mut inbox.finished))
        };
        // Answers nobody can receive any more; their deferreds die with the environment.
        drop(dropped);
        if let Some(tsfn) = tsfn {
            // SAFETY: taken out of the inbox under its lock, so no runtime thread calls it any more.
            unsafe { sys::napi_release_threadsafe_function(tsfn.0, sys::ThreadsafeFunctionReleaseMode::abort) };
        }
        let _ = MAILBOX.try_with(|slot| {
            let mut slot = slot.borrow_mut();
            if slot.as_ref().is_some_and(|mailbox| Arc::ptr_eq(&mailbox.shared, &shared)) {
                // The references die with the environment.
                *slot = None;
            }
        });
    }));
}

/// Node is destroying the function: release the context's reference.
unsafe extern "C" fn finalize(_env: sys::napi_env, _data: *mut c_void, context: *mut c_void) {
    if !context.is_null() {
        // SAFETY: the reference handed over in `Mailbox::create`, released once.
        drop(unsafe { Arc::from_raw(context as *const Shared) });
    }
}

/// Resolves or rejects one promise on the JavaScript thread, in a handle scope of its own.
fn settle(env: sys::napi_env, deferred: Deferred, outcome: Outcome) {
    // SAFETY: a live environment on its thread; `deferred` belongs to it and is settled exactly
    // once, here.
    unsafe {
        in_handle_scope(env, || {
            let converted = catch_unwind(AssertUnwindSafe(|| convert(env, outcome)))
                .unwrap_or_else(|payload| Err(Error::from_panic(payload.as_ref()).into_js_error(&Env::from_raw(env))));
            match converted {
                Ok(value) => {
                    sys::napi_resolve_deferred(env, deferred.0, value);
                }
                Err(error) => {
                    let reason = match ToNapiValue::to_napi_value(env, error) {
                        Ok(reason) => reason,
                        Err(_) => plain_error(env),
                    };
                    sys::napi_reject_deferred(env, deferred.0, reason);
                }
            }
        })
    }
}

/// The outcome as a JavaScript value, or the error to reject with.
fn convert(env: sys::napi_env, outcome: Outcome) -> Result<sys::napi_value, napi::Error> {
    match outcome {
        // SAFETY: a live environment on its thread.
        Ok(Some(text)) => unsafe { String::to_napi_value(env, text) },
        // SAFETY: as above.
        Ok(None) => unsafe { <()>::to_napi_value(env, ()) },
        Err(failure) => Err(failure.into_js_error(&Env::from_raw(env))),
    }
}

/// The last resort when even the error cannot be built: a bare `Error`.
unsafe fn plain_error(env: sys::napi_env) -> sys::napi_value {
    let mut message = ptr::null_mut();
    let mut error = ptr::null_mut();
    let text = "nevis-authcloud: the answer could not be converted";
    // SAFETY: a live environment on its thread; valid pointers and length.
    unsafe {
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut message);
        sys::napi_create_error(env, ptr::null_mut(), message, &mut error);
    }
    error
}
