//! The logs scanner against serde: whenever the scanner reads a frame, serde must read the
//! same logs frame from it.
#![no_main]

use kestrel_decode::frame::{self, Frame};
use kestrel_decode::logs_scan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(scanned) = logs_scan::scan(text) else { return };
    match frame::parse_frame_json(text) {
        Ok(Frame::Logs(n)) => assert_eq!(n, scanned, "{text}"),
        other => panic!("the scanner read a frame serde reads as {other:?}: {text}"),
    }
});
