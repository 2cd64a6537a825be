//! Truncated, extended and corrupted input never panics: it decodes or it errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_decode::logs::LogDecoder;
use kestrel_decode::{account, frame, pump, pump_amm, raydium};
use proptest::prelude::*;

fn fixture(path: &str) -> String {
    fs::read_to_string(format!(
        "{}/../../../tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn real_event_bytes() -> Vec<Vec<u8>> {
    let lines: Vec<String> =
        serde_json::from_str(&fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap();
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .map(|b| STANDARD.decode(b).unwrap())
        .collect()
}

fn real_curve_bytes() -> Vec<u8> {
    let v: serde_json::Value =
        serde_json::from_str(&fixture("pump/bonding_curve_accounts_real.json")).unwrap();
    STANDARD
        .decode(v["fresh_115B_113P6U1r"]["base64"].as_str().unwrap())
        .unwrap()
}

fn decode_everything(bytes: &[u8]) {
    let _ = pump::decode_event(bytes);
    let _ = pump_amm::decode_event(bytes);
    let _ = account::decode_account(bytes);
    let _ = raydium::decode_ray_log(bytes);
    for kind in [
        account::AccountKind::BondingCurve,
        account::AccountKind::Global,
    ] {
        let _ = account::decode_account_as(bytes, kind);
    }
}

fn walk(lines: &[String]) {
    let mut items = 0usize;
    LogDecoder::new().decode(lines.iter().map(String::as_str), |_| items += 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        decode_everything(&bytes);
    }

    #[test]
    fn real_events_truncated_extended_or_corrupted(
        which in 0usize..2,
        cut in 0usize..400,
        extra in proptest::collection::vec(any::<u8>(), 0..64),
        flips in proptest::collection::vec((0usize..400, any::<u8>()), 0..6),
    ) {
        let mut bytes = real_event_bytes()[which].clone();
        bytes.truncate(cut.min(bytes.len()));
        bytes.extend_from_slice(&extra);
        for (at, v) in flips {
            if let Some(b) = bytes.get_mut(at) { *b = v; }
        }
        decode_everything(&bytes);
    }

    #[test]
    fn real_curve_any_length_or_corruption(
        len in 0usize..200,
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..6),
    ) {
        let mut bytes = real_curve_bytes();
        bytes.resize(len, 0);
        for (at, v) in flips {
            if let Some(b) = bytes.get_mut(at) { *b = v; }
        }
        decode_everything(&bytes);
    }

    #[test]
    fn frames_corrupted_anywhere(
        cut in 0usize..9000,
        flips in proptest::collection::vec((0usize..9000, any::<char>()), 0..4),
    ) {
        let text = fixture("pump/logsNotification_pump_create_COMPOSED.json");
        let mut chars: Vec<char> = text.chars().collect();
        chars.truncate(cut.min(chars.len()));
        for (at, c) in flips {
            if let Some(slot) = chars.get_mut(at) { *slot = c; }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(frame::Frame::Logs(n)) = frame::parse_frame(&text) {
            let lines: Vec<String> = n.lines().map(str::to_owned).collect();
            walk(&lines);
        }
        if let Ok(frame::Frame::Account(a)) = frame::parse_frame(&text)
            && let Ok(bytes) = a.account.data.bytes()
        {
            decode_everything(&bytes);
        }
    }

    #[test]
    fn log_lines_shuffled_and_mangled(
        picks in proptest::collection::vec((0usize..102, 0usize..200, any::<bool>()), 0..80),
    ) {
        let real: Vec<String> =
            serde_json::from_str(&fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap();
        let lines: Vec<String> = picks
            .into_iter()
            .map(|(i, cut, keep)| {
                let l = &real[i % real.len()];
                if keep { l.clone() } else { l.chars().take(cut).collect() }
            })
            .collect();
        walk(&lines);
    }

    #[test]
    fn arbitrary_log_text(lines in proptest::collection::vec("Program [ -~]{0,80}", 0..40)) {
        walk(&lines);
    }

    #[test]
    fn arbitrary_frame_text(text in "\\{[ -~]{0,300}\\}") {
        let _ = frame::parse_frame(&text);
    }
}
