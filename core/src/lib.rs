//! # nevis-authcloud
//!
//! A client for the [Nevis Authentication Cloud](https://docs.nevis.net/authcloud/) REST API:
//! passwordless login and transaction signing with the Nevis Access App, SMS codes, FIDO2
//! passkeys and recovery codes.
//!
//! This crate is the single implementation behind the Python, Node.js and C SDKs: configuration,
//! transport, retries, timeouts, models, validation and error kinds live here once, and the
//! bindings only convert types.
//!
//! ```no_run
//! use nevis_authcloud::{ApprovalRequest, Client, ClientConfig, OperationStatus, WaitOptions};
//!
//! # async fn run() -> nevis_authcloud::Result<()> {
//! let client = Client::new(ClientConfig::builder().instance("acme-123").access_key("eyJ…").build()?)?;
//! let approval = client.approve(&ApprovalRequest::push("alice").confirm("Pay CHF 10 to Bob?")).await?;
//! let status = client.wait_for_status(approval.status_token.expose(), WaitOptions::default()).await?;
//! if status.status == OperationStatus::Succeeded {
//!     // introspect status.token before trusting the result
//! }
//! # Ok(()) }
//! ```

// No unwrap or expect on anything input or the network can influence (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod client;
mod config;
mod connector;
mod error;
/// Entry points for the fuzz targets in `fuzz/` (only with `--cfg fuzzing`, set by cargo-fuzz).
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod log_event;
pub mod logging;
mod logs;
pub mod models;
mod redact;
mod request_json;
mod response;
mod retry;
pub mod runtime;
mod secret;
mod tls;
mod transport;
mod validate;
mod wait;

pub use client::{Client, RequestOptions};
pub use config::{ClientConfig, ClientConfigBuilder, SDK_USER_AGENT};
pub use error::{ApiErrorBody, Error, ErrorKind, MayHaveBeenApplied, RequestInfo, Result, Timestamp, catch_panic};
pub use logs::{LogExport, MAX_LOG_EXPORT_TEXT_BYTES};
pub use models::*;
pub use request_json::{MAX_REQUEST_DEPTH, json_type, request_from_json};
pub use secret::Secret;
pub use tokio_util::sync::CancellationToken;
pub use transport::json_problem;
pub use wait::WaitOptions;

/// The repository README's Rust example, compiled by `cargo test` (as a doctest) so the README
/// cannot drift from the API it shows. Only doctests see it; it is not part of the library.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
