//! Structured answers: realistic bodies for every endpoint changed by fuzzer-chosen mutations,
//! with the statuses and headers (Retry-After, Content-Type) a server or proxy sends, through the
//! core's decode path; planted secrets must never show.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use nevis_authcloud_fuzz::answer::{run, structured};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok((answer, planted)) = structured(&mut u) {
        run(&answer, planted);
    }
});
