//! Raw answers: the seed format of `corpus/decode_answer/` (an endpoint name, then an HTTP/1.1
//! answer as received), mutated at the byte level, through the core's decode path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nevis_authcloud_fuzz::answer::{RawAnswer, run};

fuzz_target!(|data: &[u8]| {
    if let Some(answer) = RawAnswer::parse(data) {
        run(&answer, false);
    }
});
