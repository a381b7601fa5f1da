//! `nevis_authcloud._native`: the Rust half of the Python SDK.
//!
//! The core crate does all the work (validation, transport, retries, models). This module only
//! moves calls across the language boundary: the Python layer (`python/nevis_authcloud/`) turns
//! keyword arguments into the core's wire-shaped request JSON, one [`client::NativeClient`] runs the
//! operation on the core's process-wide runtime (blocking with the GIL released, or as an asyncio
//! future), and the answer comes back as the JSON the server sent, which Python turns into typed
//! result objects. Keeping the boundary to "operation name + JSON" means a single table
//! ([`operations`]) maps Python to the core for both the blocking and the asyncio client.

// No unwrap or expect on anything input or the network can influence (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use pyo3::prelude::*;

mod asyncio_bridge;
mod client;
mod config;
mod errors;
mod logging;
mod operations;
mod shutdown;

/// The version of this package (the workspace version), for `nevis_authcloud.__version__`.
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", VERSION)?;
    module.add_class::<client::NativeClient>()?;
    module.add_function(wrap_pyfunction!(errors::error_kinds, module)?)?;
    module.add_function(wrap_pyfunction!(errors::error_classes, module)?)?;
    module.add_function(wrap_pyfunction!(errors::retryable_kinds, module)?)?;
    module.add_function(wrap_pyfunction!(shutdown::begin_shutdown, module)?)?;
    module.add_function(wrap_pyfunction!(operations::operation_names, module)?)?;
    module.add_function(wrap_pyfunction!(logging::enable_span_hook, module)?)?;
    logging::install_bridge();
    Ok(())
}
