//! Raw account bytes through every account decoder, and the same bytes as event payloads.
#![no_main]

use kestrel_decode::account::{self, AccountKind};
use kestrel_decode::{pump, pump_amm, raydium};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = account::decode_account(data);
    let _ = account::decode_account_as(data, AccountKind::BondingCurve);
    let _ = account::decode_account_as(data, AccountKind::Global);
    let _ = pump::decode_event(data);
    let _ = pump_amm::decode_event(data);
    let _ = raydium::decode_ray_log(data);
});
