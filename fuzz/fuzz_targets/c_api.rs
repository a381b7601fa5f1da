//! The C entry points with fuzzed arguments (JSON requests, strings that are not UTF-8, NULLs,
//! any numbers) against a client on a closed local port; see `src/capi.rs` for the contract checked.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nevis_authcloud_fuzz::capi::run(&mut Unstructured::new(data));
});
