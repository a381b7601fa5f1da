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
//!
//! Waking a caller once per burst: a binding whose answers travel back to another thread (the
//! JavaScript thread, an asyncio loop) can hand its wake-up to [`when_worker_idle`], which runs it
//! when the worker thread that finished the call runs out of tasks, instead of at once. Waking at
//! once made the two threads take turns on the CPU once per answer when they share one (profiled:
//! one context switch per call in Node with 64 calls in flight, `make bench-profile`); waking when
//! the worker is idle delivers every answer of a burst in one turn.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::AbortHandle;

use crate::{Error, ErrorKind, Result};

struct Shared {
    pid: u32,
    runtime: Arc<Runtime>,
}

static SHARED: Mutex<Option<Shared>> = Mutex::new(None);

/// The shared runtime of this process, built on first use (and again in a forked child).
pub fn shared() -> Result<Arc<Runtime>> {
    let pid = process_id();
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

/// This process's id, as `std::process::id()` gives it, without a system call each time.
///
/// glibc no longer caches `getpid()`, and every call checked it once or more (this runtime, and
/// the Python binding's fork checks): one of the 3.5 system calls a Node call made (strace, bench/node).
/// The id is read once per process: a `pthread_atfork` handler forgets it in a forked child, which
/// then reads its own. (glibc removes the handler if the library is ever unloaded.) Should the
/// handler not be registered, every use asks the kernel, as before.
pub fn process_id() -> u32 {
    // Whether the handler was registered: decided once, on first use.
    static CACHING: OnceLock<bool> = OnceLock::new();
    if !*CACHING.get_or_init(forget_process_id_in_children) {
        return std::process::id();
    }
    match PROCESS_ID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PROCESS_ID.store(pid, Ordering::Relaxed);
            pid
        }
        pid => pid,
    }
}

/// The cached process id; 0 until it is read, and again in a forked child.
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

#[cfg(unix)]
fn forget_process_id_in_children() -> bool {
    // Runs in the child, before `fork()` returns there: only an atomic store (async-signal-safe).
    extern "C" fn forget() {
        PROCESS_ID.store(0, Ordering::Relaxed);
    }
    // SAFETY: registers a handler that only stores to an atomic; no other state is touched.
    unsafe { libc::pthread_atfork(None, None, Some(forget)) == 0 }
}

/// Without `fork()` a process keeps its id.
#[cfg(not(unix))]
fn forget_process_id_in_children() -> bool {
    true
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
        .on_thread_park(run_idle_work)
        .on_thread_stop(run_idle_work)
        .enable_all()
        .build()
        .map_err(|err| Error::new(ErrorKind::Config, "the SDK's runtime could not be started").with_source(err))
}

/// Work deferred until the worker thread runs out of tasks.
type IdleWork = Box<dyn FnOnce() + Send>;

thread_local! {
    /// `Some` on a worker thread of the shared runtime once it has parked for the first time: only
    /// those threads run the list (before each park), so only they may defer work to it. Threads
    /// of the blocking pool and callers of [`block_on`] never park through the runtime's hook and
    /// stay `None`.
    static IDLE_WORK: RefCell<Option<Vec<IdleWork>>> = const { RefCell::new(None) };
}

/// Runs `work` on the calling thread when it next runs out of tasks (just before it parks), if the
/// calling thread is a worker of the shared runtime; otherwise gives `work` back, for the caller to
/// run at once. A worker stopping runs what it deferred, so deferred work always runs.
///
/// The worker is idle as soon as no task is ready, so the delay is the length of the current burst
/// of ready tasks. A caller whose answers could pile up behind a long burst bounds that itself (the
/// Node mailbox wakes at once after a batch's worth of answers or a millisecond).
pub fn when_worker_idle<F: FnOnce() + Send + 'static>(work: F) -> std::result::Result<(), F> {
    let mut work = Some(work);
    let deferred = IDLE_WORK
        .try_with(|list| match list.borrow_mut().as_mut() {
            Some(list) => {
                if let Some(work) = work.take() {
                    list.push(Box::new(work));
                }
                true
            }
            None => false,
        })
        .unwrap_or(false);
    match work {
        Some(work) if !deferred => Err(work),
        _ => Ok(()),
    }
}

/// The runtime's park and stop hook: runs what this worker deferred, and from its first park on
/// lets it defer work.
fn run_idle_work() {
    let due = IDLE_WORK.try_with(|list| list.borrow_mut().replace(Vec::new())).ok().flatten().unwrap_or_default();
    for work in due {
        // A hook that panicked must neither unwind into tokio's worker loop nor stop the others.
        let _ = catch_unwind(AssertUnwindSafe(work));
    }
}

/// Starts `future` on the shared runtime's worker threads, for a thread outside the runtime to wait
/// for its output ([`Waiting::wait`]). What the blocking bindings run their calls with.
///
/// Why not [`block_on`]: it polls the call on the waiting thread while the connection's task runs
/// on a worker, so the request, the response head and every piece of the body each cross between
/// the two threads (seven thread switches per sequential call, `make bench-profile`). Here the call
/// and its connection run on one worker, and the waiting thread only sleeps until the answer: one
/// wake-up there and one back.
pub fn start<F>(future: F) -> Result<Waiting<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    refuse_inside_runtime()?;
    let (sender, answer) = mpsc::sync_channel(1);
    let task = shared()?.spawn(async move {
        // A panic becomes an error for the waiting thread instead of a lost answer.
        let outcome =
            AssertUnwindSafe(future).catch_unwind().await.map_err(|payload| Error::from_panic(payload.as_ref()));
        let _ = sender.send(outcome);
    });
    Ok(Waiting { answer, task: task.abort_handle() })
}

/// A call started with [`start`]. Dropping it before the answer cancels the call (its future is
/// dropped on the runtime, which closes its request).
pub struct Waiting<T> {
    answer: Receiver<Result<T>>,
    task: AbortHandle,
}

impl<T> Waiting<T> {
    /// Blocks until the call ends.
    pub fn wait(self) -> Result<T> {
        self.answer.recv().unwrap_or_else(|_| Err(Self::lost()))
    }

    /// Blocks until the call ends or `limit` passes (`None`: still running; wait again or drop to
    /// cancel). For a waiting thread that must do something now and then, such as running Python's
    /// signal handlers.
    pub fn wait_at_most(&mut self, limit: Duration) -> Option<Result<T>> {
        match self.answer.recv_timeout(limit) {
            Ok(outcome) => Some(outcome),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Err(Self::lost())),
        }
    }

    /// The task ended without an answer: only when the runtime dropped it (shutting down).
    fn lost() -> Error {
        Error::new(ErrorKind::Cancelled, "the call was dropped before it finished")
    }
}

impl<T> Drop for Waiting<T> {
    fn drop(&mut self) {
        // No effect once the task has finished.
        self.task.abort();
    }
}

fn refuse_inside_runtime() -> Result<()> {
    if Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::Config,
            "a blocking call was made from inside an async runtime; use the async API there",
        ));
    }
    Ok(())
}

/// Runs `future` to completion on the shared runtime, blocking the calling thread, which polls it.
/// Must not be called from inside the runtime itself. For futures that borrow; a call that owns
/// its arguments is cheaper through [`start`].
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    refuse_inside_runtime()?;
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

    #[cfg(unix)]
    #[test]
    fn a_forked_child_reads_its_own_process_id_not_the_cached_one() {
        let parent = process_id();
        assert_eq!(parent, std::process::id());
        // SAFETY: the child only reads its id and leaves with `_exit` (no allocation, no lock).
        let child = unsafe { libc::fork() };
        if child == 0 {
            let own = process_id();
            let correct = own == std::process::id() && own != parent;
            // SAFETY: ends the child without running the test harness's exit handlers.
            unsafe { libc::_exit(if correct { 0 } else { 1 }) };
        }
        assert!(child > 0, "fork failed");
        let mut status = 0;
        // SAFETY: waits for the child forked above; the out-pointer is valid.
        assert_eq!(unsafe { libc::waitpid(child, &mut status, 0) }, child);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "the child saw a wrong id: {status}");
        assert_eq!(process_id(), parent);
    }

    #[test]
    fn work_deferred_by_a_worker_runs_once_it_is_idle_and_other_threads_get_it_back() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Not a worker: the work comes back to be run at once.
        assert!(when_worker_idle(|| ()).is_err());
        let ran = Arc::new(AtomicUsize::new(0));
        let runtime = shared().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let for_task = Arc::clone(&ran);
        runtime.spawn(async move {
            // Let the worker park once, so that it may defer work.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let for_work = Arc::clone(&for_task);
            let deferred = when_worker_idle(move || {
                for_work.fetch_add(1, Ordering::SeqCst);
            })
            .is_ok();
            // Still busy with this task: the work has not run yet.
            let _ = sender.send((deferred, for_task.load(Ordering::SeqCst)));
        });
        let (deferred, before) = receiver.recv().unwrap();
        assert!(deferred, "a worker that has parked defers the work");
        assert_eq!(before, 0, "deferred work waits until the worker is idle");
        let started = std::time::Instant::now();
        while ran.load(Ordering::SeqCst) == 0 && started.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(ran.load(Ordering::SeqCst), 1, "the idle worker ran the deferred work once");
    }

    #[test]
    fn a_started_call_answers_the_waiting_thread_and_dropping_it_cancels() {
        assert_eq!(start(async { 40 + 2 }).unwrap().wait().unwrap(), 42);
        let mut slow = start(async { tokio::time::sleep(Duration::from_secs(30)).await }).unwrap();
        assert!(slow.wait_at_most(Duration::from_millis(20)).is_none(), "still running");
        let task = slow.task.clone();
        drop(slow);
        let started = std::time::Instant::now();
        while !task.is_finished() && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(task.is_finished(), "dropping the waiting end cancels the call");
        let panicked = start(async { panic!("boom in a started call") }).unwrap().wait();
        let failure = panicked.unwrap_err();
        assert_eq!(failure.kind(), ErrorKind::Internal, "{failure}");
    }

    #[test]
    fn blocking_inside_the_runtime_is_refused_not_a_panic() {
        let result = block_on(async { block_on(async { 1 }).map_err(|err| err.kind()) }).unwrap();
        assert_eq!(result, Err(ErrorKind::Config));
    }
}
