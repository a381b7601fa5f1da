//! The gate every tokio thread passes before touching Python, so none does while the interpreter
//! finalizes.
//!
//! A tokio worker completes asyncio futures and forwards log events, and it may finish its work at
//! any moment, including while CPython is tearing itself down after the main script ended. Touching
//! Python then crashes the process (SIGSEGV or abort in about one run of five). The fix is a
//! flag behind a read/write lock: a worker holds the read lock for as long as it touches Python and
//! does nothing if the flag is set; an `atexit` hook (registered by `nevis_authcloud/__init__.py`)
//! takes the write lock with the GIL released — so workers holding the read lock can still get the
//! GIL and finish — and sets the flag. After that, no worker enters Python again.
//!
//! The lock is per process: after `fork()` a worker of the parent might have held the read lock at
//! the moment of the fork, and that lock would stay held forever in the child. The child therefore
//! gets a fresh gate, and the inherited one is leaked.

use std::cell::Cell;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use pyo3::prelude::*;

struct ProcessGate {
    pid: u32,
    shutting_down: Arc<RwLock<bool>>,
}

static GATE: Mutex<Option<ProcessGate>> = Mutex::new(None);

thread_local! {
    /// True while this thread is inside the gate, so a log event emitted while we touch Python is
    /// dropped instead of taking the read lock twice (which deadlocks when a writer is waiting).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

fn current_gate() -> Arc<RwLock<bool>> {
    let pid = nevis_authcloud::runtime::process_id();
    let mut slot = GATE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(gate) = slot.as_ref() {
        if gate.pid == pid {
            return Arc::clone(&gate.shutting_down);
        }
    }
    let fresh = Arc::new(RwLock::new(false));
    if let Some(inherited) = slot.take() {
        // May be read-locked by a thread that does not exist in this process: never touch it.
        std::mem::forget(inherited);
    }
    *slot = Some(ProcessGate { pid, shutting_down: Arc::clone(&fresh) });
    fresh
}

/// Runs `touch_python` while holding the gate open, or returns `None` without running it when the
/// interpreter is shutting down (or this thread is already inside the gate).
pub fn while_python_alive<R>(touch_python: impl FnOnce() -> R) -> Option<R> {
    if INSIDE.with(Cell::get) {
        return None;
    }
    let gate = current_gate();
    let guard: RwLockReadGuard<'_, bool> = gate.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *guard {
        return None;
    }
    INSIDE.with(|inside| inside.set(true));
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            INSIDE.with(|inside| inside.set(false));
        }
    }
    let _leave = Leave;
    Some(touch_python())
}

/// Called from `atexit`: closes the gate for good. Waits (with the GIL released) until every
/// worker currently touching Python has finished.
#[pyfunction]
pub fn begin_shutdown(py: Python<'_>) {
    py.detach(|| {
        let gate = current_gate();
        let mut flag = gate.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *flag = true;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_refuses_reentry_from_the_same_thread() {
        let outer = while_python_alive(|| while_python_alive(|| 1));
        assert_eq!(outer, Some(None));
        assert_eq!(while_python_alive(|| 2), Some(2));
    }
}
