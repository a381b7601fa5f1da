//! # nevis-authcloud-c
//!
//! The C binding of the Nevis Authentication Cloud SDK: `libnevis_authcloud` (shared and static)
//! and `include/nevis_authcloud.h`, which cbindgen generates from this crate on every build.
//!
//! The binding only converts: C strings and JSON in, the core's typed requests through the core
//! client on its shared runtime, JSON and typed values out. Conventions every exported function
//! follows (ownership, NULL handling, thread safety) are stated at the top of the header.
//!
//! Modules, one concept each:
//! - `ffi_guard` — the panic barrier and argument checks every entry point uses;
//! - `error` — `nevis_error` and the error kind enum;
//! - `strings` — handing strings to C and taking them back;
//! - `options` — `nevis_client_options`;
//! - `client` — the `nevis_client` handle;
//! - `call_options` — `nevis_call_options` and clients sharing a pool with other limits;
//! - `operations` — one function per API call;
//! - `status` — status polling, waiting and cancellation;
//! - `json` — JSON readers for C callers without a JSON library;
//! - `logging` — the core's log records delivered to a C callback.

// No unwrap or expect on anything input or the network can influence (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![allow(non_camel_case_types)]

pub mod call_options;
pub mod client;
pub mod error;
pub mod ffi_guard;
pub mod json;
pub mod logging;
pub mod operations;
pub mod options;
pub mod status;
pub mod strings;
