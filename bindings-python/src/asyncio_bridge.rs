//! Runs a core call on the shared tokio runtime and hands its answer to an asyncio future.
//!
//! The asyncio side is plain asyncio: the future comes from `loop.create_future()` and is resolved
//! on the loop's own thread through `loop.call_soon_threadsafe`, the one thread-safe entry point
//! asyncio has. The tokio side touches Python only inside the shutdown gate ([`crate::shutdown`]),
//! so a call that finishes while the interpreter exits is dropped silently instead of crashing it.
//! This replaces pyo3-async-runtimes' `future_into_py`, which crashed at exit in about one run of
//! five (toolchain notes).
//!
//! Cancellation goes the other way: a done-callback on the asyncio future aborts the tokio task
//! when the future was cancelled (`task.cancel()`, `asyncio.wait_for` timing out), which drops the
//! core future and with it the HTTP request and any `wait_for_status` polling.

use std::future::Future;
use std::sync::Mutex;

use nevis_authcloud::runtime;
use pyo3::prelude::*;
use tokio::task::AbortHandle;

use crate::errors::Failure;
use crate::shutdown;

/// Spawns `work` and returns the asyncio future of the running loop that will carry its answer.
pub fn spawn<'py, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<String, Failure>> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let handle = runtime::handle().map_err(|err| Failure::from(err).into_pyerr(py))?;
    let loop_for_task = event_loop.unbind();
    let future_for_task = future.clone().unbind();
    let task = handle.spawn(async move {
        let outcome = work.await;
        deliver(loop_for_task, future_for_task, outcome);
    });
    let cancel = Bound::new(py, AbortOnCancel { task: task.abort_handle() })?;
    future.call_method1("add_done_callback", (cancel,))?;
    Ok(future)
}

/// Hands `outcome` to the loop, unless the interpreter is shutting down; then the Python objects
/// are leaked on purpose (releasing them would touch a finalizing interpreter).
fn deliver(event_loop: Py<PyAny>, future: Py<PyAny>, outcome: Result<String, Failure>) {
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

fn schedule_completion(py: Python<'_>, event_loop: Py<PyAny>, future: Py<PyAny>, outcome: Result<String, Failure>) {
    let (result, error) = match outcome {
        Ok(json) => (Some(json), None),
        Err(failure) => (None, Some(failure.into_pyerr(py).into_value(py).into_any())),
    };
    let complete = match Bound::new(py, CompleteFuture { future, result, error }) {
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
    result: Option<String>,
    error: Option<Py<PyAny>>,
}

#[pymethods]
impl CompleteFuture {
    fn __call__(&self, py: Python<'_>) -> PyResult<()> {
        let future = self.future.bind(py);
        if future.call_method0("done")?.is_truthy()? {
            return Ok(());
        }
        match (&self.result, &self.error) {
            (_, Some(error)) => future.call_method1("set_exception", (error.clone_ref(py),))?,
            (Some(json), None) => future.call_method1("set_result", (json.as_str(),))?,
            (None, None) => future.call_method1("set_result", (py.None(),))?,
        };
        Ok(())
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
        if future.call_method0("cancelled")?.is_truthy()? {
            self.task.abort();
        }
        Ok(())
    }
}
