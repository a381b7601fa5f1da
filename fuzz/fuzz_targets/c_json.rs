//! The C JSON readers (nevis_json_get, nevis_json_status_token, nevis_json_transaction_id) on raw
//! input: a first line with the JSON Pointer, then the document, both as a C caller would pass
//! them (cut at the first NUL, not necessarily UTF-8). Seeds in `corpus/c_json/` are real answers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nevis_authcloud_fuzz::capi::{Text, json_helpers};

fuzz_target!(|data: &[u8]| {
    let (pointer, document) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (Text::from_bytes(&data[..at]), Text::from_bytes(&data[at + 1..])),
        None => (Text::null(), Text::from_bytes(data)),
    };
    json_helpers(&document, &pointer, true);
});
