//! Grows a capture to a given size: its frames and slots repeated, each pass later in time
//! and in slots than the last, with fresh transaction signatures (so first-arrival dedup and
//! the venue see new transactions, as a long session would give them). The README's memory
//! and speed figures for large captures are measured on captures made this way.
//!
//! `cargo run --release -p kestrel-capture --example grow -- IN OUT SIZE_MB`

use std::io::Write as _;
use std::path::PathBuf;

use kestrel_capture::{Reader, Record, Writer};

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, size_mb] = args.as_slice() else {
        return Err("usage: grow IN OUT SIZE_MB".into());
    };
    let target = size_mb.parse::<u64>()?.saturating_mul(1 << 20);
    let reader = Reader::open(&PathBuf::from(input))?;
    let header = reader.header().clone();
    let records: Vec<Record> = reader.collect::<Result<_, _>>()?;
    let first = records.first().map_or(0, Record::at_ns);
    let last = records.last().map_or(0, Record::at_ns);
    let span_ns = last.saturating_sub(first).saturating_add(1_000_000_000);
    let max_slot = records.iter().map(slot_of).max().unwrap_or(0);
    let span_slots = max_slot.saturating_add(10);
    let out = PathBuf::from(output);
    let mut w = Writer::create(&out, header, 0)?;
    let mut pass: u64 = 0;
    let mut written: u64 = 0;
    loop {
        for r in &records {
            let r = match r {
                // The sessions' requests once: later passes continue the same sessions.
                Record::Sent { .. } | Record::Connected { .. } if pass > 0 => continue,
                Record::Frame {
                    endpoint,
                    at_ns,
                    text,
                } => Record::Frame {
                    endpoint: *endpoint,
                    at_ns: at_ns + pass * span_ns,
                    text: shifted(text, pass, pass * span_slots),
                },
                Record::Slot {
                    endpoint,
                    at_ns,
                    slot,
                } => Record::Slot {
                    endpoint: *endpoint,
                    at_ns: at_ns + pass * span_ns,
                    slot: slot + pass * span_slots,
                },
                other => other.clone(),
            };
            w.push(&r)?;
            written += 1;
        }
        w.flush()?;
        pass += 1;
        let size = std::fs::metadata(&out)?.len();
        if size >= target {
            writeln!(
                std::io::stdout().lock(),
                "{}: {} passes, {} records, {} MB",
                out.display(),
                pass,
                written,
                size >> 20
            )?;
            return Ok(());
        }
    }
}

fn slot_of(r: &Record) -> u64 {
    match r {
        Record::Slot { slot, .. } => *slot,
        Record::Frame { text, .. } => serde_json::from_slice::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v["params"]["result"]["context"]["slot"].as_u64())
            .unwrap_or(0),
        _ => 0,
    }
}

/// The frame with its slots moved on by `slots` and its signature made this pass's own.
fn shifted(text: &[u8], pass: u64, slots: u64) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(text) else {
        return text.to_vec();
    };
    // Pointers, not indexing: indexing a missing key would add it to the frame.
    for at in [
        "/params/result/context/slot",
        "/params/result/slot",
        "/params/result/parent",
        "/params/result/root",
    ] {
        if let Some(slot) = v.pointer_mut(at)
            && let Some(n) = slot.as_u64()
        {
            *slot = (n + slots).into();
        }
    }
    if let Some(sig) = v.pointer_mut("/params/result/value/signature")
        && let Some(text) = sig.as_str()
    {
        let mut s = text.as_bytes().to_vec();
        let mut p = pass;
        for b in s.iter_mut().take(4) {
            *b = BASE58[usize::try_from(p % 58).unwrap_or(0)];
            p /= 58;
        }
        *sig = String::from_utf8_lossy(&s).into_owned().into();
    }
    v.to_string().into_bytes()
}
