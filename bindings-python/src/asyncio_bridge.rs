//! Runs a core call on the shared tokio runtime and hands its answer to an asyncio future.
//!
//! The asyncio side is plain asyncio: the future comes from `loop.create_future()` and is resolved
//! on the loop's own thread. The fast path never lets a tokio thread touch Python: each event loop
//! gets a [`LoopBridge`] (a mailbox plus a socket pair whose read end the loop watches with
//! `loop.add_reader`); a finished call is pushed into the mailbox and, when the mailbox was empty,
//! one byte is written to wake the loop, which then resolves every waiting future in one go.
//!
//! This replaced a `call_soon_threadsafe` per answer from the tokio thread. Profiling the asyncio
//! benchmark (bench/python) showed that path spending most of its time not in HTTP but in taking
//! the GIL from a thread Python did not know: CPython creates and destroys a thread state for each
//! such visit, including a fresh mmap-ed frame stack (page faults, munmap), and the worker waits
//! for the GIL while the loop runs. Batching by mailbox also wakes the loop once per burst of
//! answers instead of once per answer. Since the tokio side no longer enters Python, a call that
//! finishes while the interpreter exits cannot crash it either.
//!
//! Loops that cannot watch a file descriptor (Windows' proactor loop), loops that cannot be weakly
//! referenced, and a loop used again in a forked child fall back to the per-answer path, which
//! enters Python only inside the shutdown gate ([`crate::shutdown`]).
//!
//! Cancellation goes the other way: a done-callback on the asyncio future aborts the tokio task
//! when the future was cancelled (`task.cancel()`, `asyncio.wait_for` timing out), which drops the
//! core future and with it the HTTP request and any `wait_for_status` polling.

use std::future::Future;
use std::sync::Mutex;

use nevis_authcloud::runtime;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::task::AbortHandle;

use crate::errors::IntoPyErr;
use crate::shutdown;
use nevis_authcloud::Error;

/// Spawns `work` and returns the asyncio future of the running loop that will carry its answer.
pub fn spawn<'py, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<String, Error>> + Send + 'static,
{
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP.import(py, "asyncio", "get_running_loop")?.call0()?;
    let future = event_loop.call_method0(intern!(py, "create_future"))?;
    let handle = runtime::handle().map_err(|err| err.into_pyerr(py))?;
    let future_for_task = future.clone().unbind();
    let task = match mailbox::for_loop(py, &event_loop)? {
        Some(mailbox) => handle.spawn(async move {
            let outcome = work.await;
            mailbox.post(future_for_task, outcome);
        }),
        None => {
            let loop_for_task = event_loop.unbind();
            handle.spawn(async move {
                let outcome = work.await;
                deliver(loop_for_task, future_for_task, outcome);
            })
        }
    };
    let cancel = Bound::new(py, AbortOnCancel { task: task.abort_handle() })?;
    future.call_method1(intern!(py, "add_done_callback"), (cancel,))?;
    Ok(future)
}

/// Resolves `future` on its loop's thread, unless it was cancelled meanwhile.
fn complete(py: Python<'_>, future: &Bound<'_, PyAny>, outcome: Result<String, Error>) -> PyResult<()> {
    if future.call_method0(intern!(py, "done"))?.is_truthy()? {
        return Ok(());
    }
    match outcome {
        Ok(json) => future.call_method1(intern!(py, "set_result"), (json,))?,
        Err(failure) => future.call_method1(intern!(py, "set_exception"), (failure.into_pyerr(py).into_value(py),))?,
    };
    Ok(())
}

#[cfg(unix)]
mod mailbox {
    //! The per-loop mailbox of the fast path (see the module documentation).

    use std::io::{ErrorKind as IoErrorKind, Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::{Arc, Mutex, MutexGuard};

    use pyo3::exceptions::{PyNotImplementedError, PyTypeError};
    use pyo3::intern;
    use pyo3::prelude::*;
    use pyo3::sync::PyOnceLock;

    use nevis_authcloud::{Error, runtime};

    struct Delivery {
        future: Py<PyAny>,
        outcome: Result<String, Error>,
    }

    struct Inbox {
        deliveries: Vec<Delivery>,
        /// Set once the loop's bridge is gone: nobody will collect what is posted any more.
        closed: bool,
    }

    /// Shared by the loop's [`LoopBridge`] and every task that will answer on that loop.
    pub struct Mailbox {
        inbox: Mutex<Inbox>,
        wake: UnixStream,
    }

    impl Mailbox {
        fn inbox(&self) -> MutexGuard<'_, Inbox> {
            self.inbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
        }

        /// Called on a tokio thread, without the GIL and without touching Python: queues the
        /// answer and wakes the loop if it is not already due to drain the mailbox.
        pub fn post(&self, future: Py<PyAny>, outcome: Result<String, Error>) {
            let delivery = Delivery { future, outcome };
            let mut inbox = self.inbox();
            if inbox.closed {
                drop(inbox);
                // Releasing the Python objects here would need the GIL; the loop is gone anyway.
                std::mem::forget(delivery);
                return;
            }
            inbox.deliveries.push(delivery);
            let first = inbox.deliveries.len() == 1;
            drop(inbox);
            if first {
                // A full socket buffer (WouldBlock) means wake-ups are already pending: fine.
                let _ = (&self.wake).write(&[1]);
            }
        }
    }

    /// The loop's side of a mailbox: the reader callback registered with `loop.add_reader`.
    #[pyclass(module = "nevis_authcloud._native", frozen)]
    pub struct LoopBridge {
        mailbox: Arc<Mailbox>,
        readable: UnixStream,
        pid: u32,
    }

    #[pymethods]
    impl LoopBridge {
        /// Runs on the loop's thread when the wake-up socket is readable: resolves every future
        /// whose answer arrived. Wake-up bytes are consumed before the mailbox is emptied, so an
        /// answer posted meanwhile always leaves a byte behind for the next round.
        fn __call__(&self, py: Python<'_>) -> PyResult<()> {
            let mut sink = [0u8; 256];
            loop {
                match (&self.readable).read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(err) if err.kind() == IoErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let deliveries = std::mem::take(&mut self.mailbox.inbox().deliveries);
            let mut first_error = None;
            for Delivery { future, outcome } in deliveries {
                if let Err(err) = super::complete(py, future.bind(py), outcome) {
                    first_error.get_or_insert(err);
                }
            }
            first_error.map_or(Ok(()), Err)
        }
    }

    impl Drop for LoopBridge {
        fn drop(&mut self) {
            // Runs with the GIL held (the bridge is a Python object): the futures still queued can
            // be released here, and nothing is queued after this.
            let leftover = {
                let mut inbox = self.mailbox.inbox();
                inbox.closed = true;
                std::mem::take(&mut inbox.deliveries)
            };
            drop(leftover);
        }
    }

    /// The mailbox of `event_loop`, made and registered on first use; `None` when this loop
    /// cannot have one (then answers take the per-answer path).
    pub fn for_loop(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Option<Arc<Mailbox>>> {
        // loop -> LoopBridge, or False for a loop that cannot watch file descriptors.
        static BRIDGES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let bridges = BRIDGES
            .get_or_try_init(py, || py.import("weakref")?.getattr("WeakKeyDictionary")?.call0().map(Bound::unbind))?
            .bind(py);
        let known = bridges.call_method1(intern!(py, "get"), (event_loop,));
        let known = match known {
            Ok(known) => known,
            // Not weakly referenceable (a loop class without __weakref__).
            Err(err) if err.is_instance_of::<PyTypeError>(py) => return Ok(None),
            Err(err) => return Err(err),
        };
        if let Ok(bridge) = known.cast::<LoopBridge>() {
            let bridge = bridge.get();
            // A loop inherited through fork shares its socket pair with the parent.
            return Ok((bridge.pid == runtime::process_id()).then(|| Arc::clone(&bridge.mailbox)));
        }
        if !known.is_none() {
            return Ok(None);
        }
        let Ok((readable, wake)) = UnixStream::pair() else { return Ok(None) };
        if readable.set_nonblocking(true).is_err() || wake.set_nonblocking(true).is_err() {
            return Ok(None);
        }
        let fd = readable.as_raw_fd();
        let mailbox = Arc::new(Mailbox { inbox: Mutex::new(Inbox { deliveries: Vec::new(), closed: false }), wake });
        let bridge =
            Bound::new(py, LoopBridge { mailbox: Arc::clone(&mailbox), readable, pid: runtime::process_id() })?;
        match event_loop.call_method1(intern!(py, "add_reader"), (fd, &bridge)) {
            Ok(_) => {
                bridges.set_item(event_loop, bridge)?;
                Ok(Some(mailbox))
            }
            Err(err) if err.is_instance_of::<PyNotImplementedError>(py) => {
                bridges.set_item(event_loop, false)?;
                Ok(None)
            }
            Err(err) => Err(err),
        }
    }
}

#[cfg(not(unix))]
mod mailbox {
    use std::sync::Arc;

    use pyo3::prelude::*;

    use nevis_authcloud::Error;

    pub struct Mailbox;

    impl Mailbox {
        pub fn post(&self, _future: Py<PyAny>, _outcome: Result<String, Error>) {}
    }

    pub fn for_loop(_py: Python<'_>, _event_loop: &Bound<'_, PyAny>) -> PyResult<Option<Arc<Mailbox>>> {
        Ok(None)
    }
}

/// The per-answer path: hands `outcome` to the loop with `call_soon_threadsafe`, unless the
/// interpreter is shutting down; then the Python objects are leaked on purpose (releasing them
/// would touch a finalizing interpreter).
fn deliver(event_loop: Py<PyAny>, future: Py<PyAny>, outcome: Result<String, Error>) {
    let pending = Mutex::new(Some((event_loop, future, outcome)));
    shutdown::while_python_alive(|| {
        Python::try_attach(|py| {
            let taken = pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
            if let Some((event_loop, future, outcome)) = taken {
                schedule_completion(py, event_loop, future, outcome);
            }
        })
    });
    let undelivered = pending.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(objects) = undelivered {
        std::mem::forget(objects);
    }
}

fn schedule_completion(py: Python<'_>, event_loop: Py<PyAny>, future: Py<PyAny>, outcome: Result<String, Error>) {
    let complete = match Bound::new(py, CompleteFuture { future, outcome: Mutex::new(Some(outcome)) }) {
        Ok(complete) => complete,
        Err(_) => return,
    };
    // Fails only when the loop is already closed: nobody is waiting any more.
    let _ = event_loop.bind(py).call_method1("call_soon_threadsafe", (complete,));
}

/// Runs on the loop's thread: resolves the future unless it was cancelled meanwhile.
#[pyclass(module = "nevis_authcloud._native", frozen)]
struct CompleteFuture {
    future: Py<PyAny>,
    outcome: Mutex<Option<Result<String, Error>>>,
}

#[pymethods]
impl CompleteFuture {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let outcome = self.outcome.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        match outcome {
            Some(outcome) => complete(py, self.future.bind(py), outcome),
            None => Ok(()),
        }
    }
}

/// The future's done-callback: a cancelled future aborts the tokio task behind it.
#[pyclass(module = "nevis_authcloud._native", frozen)]
struct AbortOnCancel {
    task: AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0(intern!(future.py(), "cancelled"))?.is_truthy()? {
            self.task.abort();
        }
        Ok(())
    }
}
