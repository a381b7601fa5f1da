//! The process-wide tokio runtime that the language bindings run every call on.
//!
//! Python, Node and C callers have no tokio runtime of their own. Each binding could build one per
//! client, but then every client would own its own threads and every connection pool would be tied
//! to a runtime that may be dropped under it. Instead all clients in a process share one
//! multi-threaded runtime, created lazily on first use.
//!
//! Fork safety: after `fork()` only the forking thread exists in the child, so a runtime inherited
//! from the parent has no worker threads and anything spawned on it would hang forever. The
//! runtime therefore remembers the process id that created it; a call from a different process
//! (a forked child: gunicorn, multiprocessing, celery prefork) builds a fresh runtime for the
//! child. The parent's runtime is deliberately leaked in the child: dropping it would try to join
//! threads that do not exist there.

use std::sync::{Arc, Mutex};

use tokio::runtime::{Builder, Handle, Runtime};

use crate::{Error, ErrorKind, Result};

struct Shared {
    pid: u32,
    runtime: Arc<Runtime>,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);

/// The shared runtime of this process, built on first use (and again in a forked child).
pub fn shared() -> Result<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(shared) = slot.as_ref() {
        if shared.pid == pid {
            return Ok(Arc::clone(&shared.runtime));
        }
    }
    let runtime = Arc::new(build()?);
    if let Some(inherited) = slot.take() {
        // Inherited across fork: its threads do not exist here, so it must never be dropped.
        std::mem::forget(inherited.runtime);
    }
    *slot = Some(Shared { pid, runtime: Arc::clone(&runtime) });
    Ok(runtime)
}

/// A handle to the shared runtime, for spawning.
pub fn handle() -> Result<Handle> {
    Ok(shared()?.handle().clone())
}

fn build() -> Result<Runtime> {
    // One worker per CPU this process may run on (its affinity mask and cgroup quota), at most 8:
    // the workers only move bytes, and a worker more than there are CPUs only takes turns with the
    // thread that called (the Python or JavaScript thread), which then waits longer for its
    // answers. Pinned to one CPU (bench/), two workers instead of one cost the blocking Python
    // client 5% of its calls and doubled Node's event-loop delay p99.
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("nevis-authcloud")
        .enable_all()
        .build()
        .map_err(|err| Error::new(ErrorKind::Config, "the SDK's runtime could not be started").with_source(err))
}

/// Runs `future` to completion on the shared runtime, blocking the calling thread. Must not be
/// called from inside the runtime itself.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    if Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::Config,
            "a blocking call was made from inside an async runtime; use the async API there",
        ));
    }
    Ok(shared()?.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_shared_within_a_process() {
        let first = shared().unwrap();
        let second = shared().unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(block_on(async { 40 + 2 }).unwrap(), 42);
    }

    #[test]
    fn blocking_inside_the_runtime_is_refused_not_a_panic() {
        let result = block_on(async { block_on(async { 1 }).map_err(|err| err.kind()) }).unwrap();
        assert_eq!(result, Err(ErrorKind::Config));
    }
}
