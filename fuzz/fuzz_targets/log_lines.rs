//! Log lines of one transaction (newline-separated), through the invoke-stack walker and every
//! event decoder it reaches.
#![no_main]

use kestrel_decode::logs::LogDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut decoder = LogDecoder::new();
    decoder.decode(text.lines(), |item| {
        if let Ok(d) = item {
            let _ = d.context.instruction_name();
        }
    });
});
