//! Websocket frames: parse, then decode whatever the frame carries.
#![no_main]

use kestrel_decode::account;
use kestrel_decode::frame::{self, Frame};
use kestrel_decode::logs::LogDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match frame::parse_frame(text) {
        Ok(Frame::Logs(n)) => {
            LogDecoder::new().decode(n.lines(), |_| {});
        }
        Ok(Frame::Account(n)) => {
            if let Ok(bytes) = n.account.data.bytes() {
                let _ = account::decode_account(&bytes);
            }
        }
        Ok(Frame::Program(n)) => {
            if let Ok(bytes) = n.account.data.bytes() {
                let _ = account::decode_account(&bytes);
            }
        }
        _ => {}
    }
});
