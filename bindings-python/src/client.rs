//! `_native.NativeClient`: one core client, usable from the blocking and the asyncio Python client.
//!
//! Blocking calls run on the core's process-wide runtime with the GIL released for the whole wait,
//! so other Python threads keep running. On the main thread, a blocking call looks every
//! [`SIGNAL_CHECK_INTERVAL`] for a signal Python must handle (Ctrl-C): it runs the handler, and if
//! the handler raises (`KeyboardInterrupt`) it drops the call's future, which cancels the request
//! or the polling, and raises that exception; the client stays usable. The client is fork-aware: connection pools belong to the
//! runtime (and epoll instance) of the process that made them, so the first call in a forked child
//! builds a fresh core client from the same configuration. The parent's client is leaked in the
//! child, never dropped: dropping it would deregister sockets from an epoll instance the child
//! shares with the parent and stall the parent's connections.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nevis_authcloud::{Client, ClientConfig, Error, RequestOptions, runtime};
use pyo3::prelude::*;

use crate::asyncio_bridge;
use crate::config::{Settings, keyword, seconds};
use crate::errors::{IntoPyErr, panic_free};
use crate::logging;
use crate::operations::Operation;

/// How long a blocking call on the main thread goes without running Python's signal handlers: the
/// bound on how late Ctrl-C is honoured (its cost is one wake-up of the waiting thread per slice).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Why a blocking call ended without its answer.
enum Stop {
    Failed(Error),
    /// A signal handler raised this (a `KeyboardInterrupt` for Ctrl-C).
    Signalled(PyErr),
}

/// Waits for a started call with the GIL released. On the main thread it wakes every
/// [`SIGNAL_CHECK_INTERVAL`] to run Python's signal handlers (with the GIL): if one raises, the call
/// is dropped (which cancels its HTTP request) and the handler's exception is returned; handlers
/// that return normally let the call go on.
fn wait_releasing_the_gil(
    py: Python<'_>,
    mut waiting: runtime::Waiting<Result<String, Error>>,
    check_signals: bool,
) -> Result<String, Stop> {
    if !check_signals {
        return py.detach(move || waiting.wait()).and_then(|result| result).map_err(Stop::Failed);
    }
    loop {
        if let Some(outcome) = py.detach(|| waiting.wait_at_most(SIGNAL_CHECK_INTERVAL)) {
            return outcome.and_then(|result| result).map_err(Stop::Failed);
        }
        py.check_signals().map_err(Stop::Signalled)?;
    }
}

/// Whether the calling thread is Python's main thread, the only one that runs signal handlers.
fn on_main_thread(py: Python<'_>) -> bool {
    static MAIN_THREAD: pyo3::sync::PyOnceLock<u64> = pyo3::sync::PyOnceLock::new();
    let main = MAIN_THREAD.get_or_try_init(py, || {
        py.import("threading")?.call_method0("main_thread")?.getattr("ident")?.extract::<u64>()
    });
    // SAFETY: reads the calling thread's identifier; no other effect. (`c_ulong` is 32 bits on
    // Windows, hence the conversion.)
    #[allow(clippy::useless_conversion)]
    let current = u64::from(unsafe { pyo3::ffi::PyThread_get_thread_ident() });
    // Unknown main thread: check anyway (checking from another thread is harmless, only slower).
    main.map_or(true, |main| *main == current)
}

struct Live {
    pid: u32,
    client: Client,
}

/// One connection pool and what it was made from, shared by a client and its `with_options` views.
struct Pool {
    config: ClientConfig,
    access_key_hint: String,
    /// `None` once closed.
    live: Mutex<Option<Live>>,
}

#[pyclass(module = "nevis_authcloud._native", frozen)]
pub struct NativeClient {
    pool: Arc<Pool>,
    /// This view's limits (all `None` for the client itself).
    options: RequestOptions,
}

impl NativeClient {
    /// The core client for this process (rebuilt after a fork) with this view's limits, or the
    /// error for a closed client.
    fn client(&self) -> Result<Client, Error> {
        let pid = runtime::process_id();
        let mut live = self.pool.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(current) = live.as_mut() else {
            return Err(Error::closed());
        };
        if current.pid != pid {
            let fresh = Client::new(self.pool.config.clone())?;
            let inherited = std::mem::replace(current, Live { pid, client: fresh });
            std::mem::forget(inherited);
        }
        current.client.with_options(self.options.clone())
    }

    fn client_or_raise(&self, py: Python<'_>) -> PyResult<Client> {
        self.client().map_err(|err| err.into_pyerr(py))
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (*, instance=None, base_url=None, access_key=None, timeout=None, connect_timeout=None,
        deadline=None, max_retries=None, max_connections=None, retry_backoff=None, max_retry_after=None,
        ca_certs_pem=None, proxy=None,
        use_env_proxy=false, app_info=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        instance: Option<String>,
        base_url: Option<String>,
        access_key: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        deadline: Option<f64>,
        max_retries: Option<u32>,
        max_connections: Option<usize>,
        retry_backoff: Option<(f64, f64)>,
        max_retry_after: Option<f64>,
        ca_certs_pem: Option<String>,
        proxy: Option<String>,
        use_env_proxy: bool,
        app_info: Option<String>,
    ) -> PyResult<NativeClient> {
        let settings = Settings {
            instance,
            base_url,
            access_key,
            timeout,
            connect_timeout,
            deadline,
            max_retries,
            max_connections,
            retry_backoff,
            max_retry_after,
            ca_certs_pem,
            proxy,
            use_env_proxy,
            app_info,
        };
        panic_free(py, || {
            let (config, access_key_hint) = settings.build().map_err(|err| err.into_pyerr(py))?;
            // Building the client loads the system's root certificates: no GIL needed for that.
            let client = py.detach(|| Client::new(config.clone())).map_err(|err| err.into_pyerr(py))?;
            let pool =
                Pool { config, access_key_hint, live: Mutex::new(Some(Live { pid: runtime::process_id(), client })) };
            Ok(NativeClient { pool: Arc::new(pool), options: RequestOptions::default() })
        })
    }

    /// Runs `operation` and blocks until it is done, with the GIL released. Returns the answer as
    /// JSON text. On the main thread, a signal handler that raises (Ctrl-C) ends the call within
    /// [`SIGNAL_CHECK_INTERVAL`], cancelling the request, with the handler's exception.
    fn call(&self, py: Python<'_>, operation: &str, arguments: &str) -> PyResult<String> {
        panic_free(py, || {
            let operation = Operation::parse(operation, arguments).map_err(|err| err.into_pyerr(py))?;
            let client = self.client_or_raise(py)?;
            let work = logging::Scoped::new(logging::threshold(py), operation.run(client));
            let waiting = runtime::start(work).map_err(|err| err.into_pyerr(py))?;
            let outcome = wait_releasing_the_gil(py, waiting, on_main_thread(py));
            outcome.map_err(|stop| match stop {
                Stop::Failed(err) => err.into_pyerr(py),
                Stop::Signalled(raised) => raised,
            })
        })
    }

    /// Starts `operation` on the shared runtime and returns an asyncio future (of the running loop)
    /// that resolves to the answer as JSON text. Cancelling the future cancels the request.
    fn call_async<'py>(&self, py: Python<'py>, operation: &str, arguments: &str) -> PyResult<Bound<'py, PyAny>> {
        panic_free(py, || {
            let operation = Operation::parse(operation, arguments).map_err(|err| err.into_pyerr(py))?;
            let client = self.client_or_raise(py)?;
            asyncio_bridge::spawn(py, logging::Scoped::new(logging::threshold(py), operation.run(client)))
        })
    }

    /// A view of the same pool whose calls use other limits (given ones override this view's).
    /// The core checks them: a bad value raises `ConfigurationError` naming the keyword.
    #[pyo3(signature = (*, timeout=None, deadline=None, max_retries=None, max_retry_after=None,
        retry_non_idempotent=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        deadline: Option<f64>,
        max_retries: Option<u32>,
        max_retry_after: Option<f64>,
        retry_non_idempotent: Option<bool>,
    ) -> PyResult<NativeClient> {
        panic_free(py, || {
            let merged = (|| -> Result<RequestOptions, Error> {
                let mut options = self.options.clone();
                if let Some(timeout) = timeout {
                    options.request_timeout = Some(seconds("timeout", timeout)?);
                }
                if let Some(deadline) = deadline {
                    options.deadline = Some(seconds("deadline", deadline)?);
                }
                if max_retries.is_some() {
                    options.max_retries = max_retries;
                }
                if let Some(max) = max_retry_after {
                    options.max_retry_after = Some(seconds("max_retry_after", max)?);
                }
                if retry_non_idempotent.is_some() {
                    options.retry_non_idempotent = retry_non_idempotent;
                }
                options.validate().map_err(|err| err.with_field_renamed(keyword))?;
                Ok(options)
            })()
            .map_err(|err| err.into_pyerr(py))?;
            Ok(NativeClient { pool: Arc::clone(&self.pool), options: merged })
        })
    }

    /// Closes the connection pool this client shares with its views: calls in flight end with
    /// `ClientClosedError`, later calls raise it without sending anything.
    fn close(&self, py: Python<'_>) {
        let taken = self.pool.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(live) = taken {
            if live.pid == runtime::process_id() {
                live.client.close();
                py.detach(move || drop(live));
            } else {
                std::mem::forget(live);
            }
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.pool.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).is_none()
    }

    /// The effective configuration, without the access key (only its last characters).
    fn settings(&self) -> Vec<(&'static str, Option<String>)> {
        let config = &self.pool.config;
        let options = &self.options;
        let timeout = options.request_timeout.unwrap_or(config.request_timeout());
        let deadline = options.deadline.or(config.deadline());
        vec![
            ("base_url", Some(config.base_url().to_string())),
            ("access_key_hint", Some(self.pool.access_key_hint.clone())),
            ("timeout", Some(timeout.as_secs_f64().to_string())),
            ("connect_timeout", Some(config.connect_timeout().as_secs_f64().to_string())),
            ("deadline", deadline.map(|deadline| deadline.as_secs_f64().to_string())),
            ("max_retries", Some(options.max_retries.unwrap_or(config.max_retries()).to_string())),
            ("max_connections", Some(config.max_connections().to_string())),
            ("user_agent", Some(config.user_agent().to_string())),
        ]
    }

    fn __repr__(&self) -> String {
        format!("NativeClient(base_url={:?}, closed={})", self.pool.config.base_url(), self.closed())
    }
}
