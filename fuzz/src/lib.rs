//! Shared parts of the fuzz targets in `fuzz_targets/`.
//!
//! - [`answer`]: an HTTP answer (from raw seed bytes or built from structured input) run through
//!   the core's decode path, and the properties every outcome must have;
//! - [`json`]: structure-aware JSON: realistic answer and request bodies from the simulator and
//!   the API reference, changed by fuzzer-chosen mutations, so inputs get past serde's first byte
//!   and deep into the decoders and validators;
//! - [`capi`]: calling the C entry points with fuzzed arguments and checking the C contract.
//!
//! A property that does not hold is a `panic!` here, which libFuzzer reports as a crash with the
//! input that caused it.

pub mod answer;
pub mod capi;
pub mod json;

/// The prefix of every secret the structured generators plant (status tokens, transaction tokens,
/// recovery codes, intent tokens, SMS codes). Nothing else they generate contains it, so finding it
/// in an error message, a `Debug` string or a log line is a leak.
pub const SECRET_MARK: &str = "sEcReTmArK";
