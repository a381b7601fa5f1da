//! The native half of the Node.js SDK (`nevis-authcloud` on npm).
//!
//! This addon is deliberately thin: it turns JavaScript values into the core's request types,
//! runs every call on the core's process-wide tokio runtime, and hands back plain objects in the
//! API's camelCase wire shape. The JavaScript layer next to it (`index.js`, `errors.js`) adds the
//! typed surface: `AbortSignal` handling, redaction in `util.inspect`, and real error classes built
//! from the failure description this addon attaches to every rejection.
//!
//! Nothing here blocks the event loop: a call validates and converts its arguments on the
//! JavaScript thread, then the request, the retries and the JSON encoding of the answer happen on
//! the runtime's threads, and only the final conversion to JavaScript values runs back on the
//! JavaScript thread when the promise settles. The core's log events reach JavaScript the same
//! way (`logging`): queued from the runtime's threads, delivered on the JavaScript thread.

// No unwrap or expect on anything input or the network can influence (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cancel;
mod client;
mod errors;
mod logging;
mod options;
mod promise;
mod requests;

pub use cancel::Canceller;
pub use client::NativeClient;
#[cfg(debug_assertions)]
pub use client::panic_for_tests;
pub use errors::{error_classes, error_kinds, retryable_kinds};
pub use logging::{LogRecord, SpanRecord, set_log_sink, set_span_sink};

/// The addon's own allocations (calls, requests, answers, tokio's tasks) go to mimalloc, not to
/// the C library's malloc that Node itself uses. Most of them are freed on another thread than the
/// one that made them (a call starts on the JavaScript thread and ends on a runtime thread, its
/// answer the other way round), which glibc's malloc handles with arena locks and consolidation:
/// a tenth of the CPU time of a call with 64 in flight (`make bench-profile`), 2 µs per call less
/// with mimalloc (bench/node/throughput.js). JavaScript values are V8's and unaffected.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
