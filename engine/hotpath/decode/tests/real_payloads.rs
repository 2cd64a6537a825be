//! Real mainnet payloads (tests/fixtures, see SOURCES.md) decoded field by field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use kestrel_decode::account::{self, Account};
use kestrel_decode::frame::{self, AccountData, Frame};
use kestrel_decode::logs::{Decoded, Item, LogDecoder, PUMP_PROGRAM_ID, PumpInstruction};
use kestrel_decode::pump::PumpEvent;
use kestrel_decode::{ErrorKind, Pubkey};
use serde_json::Value;

fn fixture(path: &str) -> String {
    fs::read_to_string(format!(
        "{}/../../../tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn key(s: &str) -> Pubkey {
    s.parse().unwrap()
}

/// Decodes every item of a log list into its JSON form plus context.
fn decode_lines(lines: &[&str]) -> Vec<(Value, Option<String>, Option<String>)> {
    let mut out = Vec::new();
    LogDecoder::new().decode(lines.iter().copied(), |item| {
        let Decoded { context, item } = item.expect("decodes");
        out.push((
            serde_json::to_value(&item).unwrap(),
            context.program.map(str::to_owned),
            context.instruction_name().map(|c| c.into_owned()),
        ));
    });
    out
}

/// Every field the reference decode lists (not the `_`-prefixed notes) must match ours, and we
/// must not print fields the buffer does not hold.
fn assert_matches_reference(ours: &Value, reference: &Value) {
    let reference = reference.as_object().unwrap();
    let ours = ours.as_object().unwrap();
    for (k, v) in reference {
        if k.starts_with('_') || k == "total_len" {
            continue;
        }
        let mine = ours.get(k).unwrap_or_else(|| panic!("missing field {k}"));
        let want = if k.starts_with("is_") && v.is_number() {
            Value::Bool(v == 1)
        } else {
            v.clone()
        };
        assert_eq!(mine, &want, "field {k}");
    }
    let expected: Vec<_> = reference
        .keys()
        .filter(|k| !k.starts_with('_') && *k != "total_len")
        .collect();
    let extra: Vec<_> = ours.keys().filter(|k| !expected.contains(k)).collect();
    assert!(
        extra.is_empty(),
        "fields not in the buffer were printed: {extra:?}"
    );
}

#[test]
fn legacy_create_and_buy_transaction_decodes_completely() {
    let lines: Vec<String> =
        serde_json::from_str(&fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let items = decode_lines(&refs);
    let reference: Value =
        serde_json::from_str(&fixture("pump/program_data_events_decoded.json")).unwrap();

    assert_eq!(items.len(), 2, "one create and one trade");
    let (create, program, instruction) = &items[0];
    assert_eq!(program.as_deref(), Some(PUMP_PROGRAM_ID));
    assert_eq!(instruction.as_deref(), Some("create"));
    assert_matches_reference(create, &reference[0]);

    let (trade, program, instruction) = &items[1];
    assert_eq!(program.as_deref(), Some(PUMP_PROGRAM_ID));
    assert_eq!(instruction.as_deref(), Some("buy"));
    assert_matches_reference(trade, &reference[1]);
}

#[test]
fn typed_fields_of_the_real_events() {
    let lines: Vec<String> =
        serde_json::from_str(&fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap();
    let mut seen = 0;
    LogDecoder::new().decode(lines.iter().map(String::as_str), |item| {
        let d = item.unwrap();
        match d.item {
            Item::Pump(PumpEvent::Create(e)) => {
                assert_eq!(d.context.pump_instruction(), Some(PumpInstruction::Create));
                assert_eq!((e.name, e.symbol), ("Hawk Tuah", "$HAWK"));
                assert_eq!(
                    e.uri,
                    "https://ipfs.io/ipfs/QmewUKXySmJtqdiYVKuaZa296hHEusCRFp9uivU9kCqoGT"
                );
                assert_eq!(e.mint, key("5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"));
                assert_eq!(
                    e.bonding_curve,
                    key("BCXjZiGzrvWTkur2gQaNHQ61rS7XPJdqgPEe9Hmc2Nc7")
                );
                assert_eq!(e.user, e.creator);
                assert_eq!(e.timestamp, 1_753_562_716);
                assert_eq!(e.virtual_token_reserves.unwrap().0, 1_073_000_000_000_000);
                assert_eq!(e.virtual_sol_reserves.unwrap().0, 30_000_000_000);
                assert_eq!(e.real_token_reserves.unwrap().0, 793_100_000_000_000);
                assert_eq!(e.token_total_supply.unwrap().0, 1_000_000_000_000_000);
                assert_eq!(
                    e.token_program, None,
                    "2025-07 layout ends before token_program"
                );
                assert_eq!(e.trailing_bytes, 0);
                seen += 1;
            }
            Item::Pump(PumpEvent::Trade(e)) => {
                assert_eq!(d.context.pump_instruction(), Some(PumpInstruction::Buy));
                assert!(e.is_buy);
                assert_eq!(e.sol_amount.0, 4_945_544);
                assert_eq!(e.token_amount.0, 176_856_457_560);
                assert_eq!(e.fee.unwrap().0, 46_983);
                assert_eq!(e.creator_fee.unwrap().0, 2_473);
                assert_eq!(
                    e.fee_recipient,
                    Some(key("CebN5WGQ4jvEPvsVU4EoHEpgzq1VV7AbicfhtW4xC9iM"))
                );
                assert_eq!(
                    e.track_volume, None,
                    "2025-07 layout ends before track_volume"
                );
                seen += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    assert_eq!(seen, 2);
}

#[test]
fn logs_notification_frame_decodes_with_signature_and_slot() {
    let text = fixture("pump/logsNotification_pump_create_COMPOSED.json");
    let Frame::Logs(n) = frame::parse_frame(&text).unwrap() else {
        panic!("not logs")
    };
    assert!(n.succeeded());
    assert_eq!(n.signature, "COMPOSED_PLACEHOLDER_SIGNATURE");
    let mut names = Vec::new();
    LogDecoder::new().decode(n.lines(), |item| {
        let d = item.unwrap();
        names.push(
            serde_json::to_value(&d.item).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    });
    assert_eq!(names, ["CreateEvent", "TradeEvent"]);
}

#[test]
fn log_lines_and_the_signature_borrow_from_the_frame_unless_escaped() {
    use std::borrow::Cow;
    let text = fixture("pump/logsNotification_pump_create_COMPOSED.json");
    let Frame::Logs(n) = frame::parse_frame(&text).unwrap() else {
        panic!("not logs")
    };
    assert!(matches!(n.signature, Cow::Borrowed(_)));
    let logs = n.logs.as_ref().unwrap();
    assert!(logs.len() > 20);
    assert!(logs.iter().all(|l| matches!(l, Cow::Borrowed(_))));
    // A line with an escape is unescaped into its own string.
    let escaped = r#"{"jsonrpc":"2.0","method":"logsNotification","params":{"result":{"context":{"slot":5},"value":{"signature":"s","err":null,"logs":["Program log: say \"hi\"","plain"]}},"subscription":1}}"#;
    let Frame::Logs(n) = frame::parse_frame(escaped).unwrap() else {
        panic!("not logs")
    };
    let lines: Vec<&str> = n.lines().collect();
    assert_eq!(lines, [r#"Program log: say "hi""#, "plain"]);
    let logs = n.logs.as_ref().unwrap();
    assert!(matches!(logs[0], Cow::Owned(_)) && matches!(logs[1], Cow::Borrowed(_)));
}

#[test]
fn real_program_notification_of_a_49_byte_curve() {
    let text = fixture("pump/programNotification_bonding_curve_real.json");
    let Frame::Program(n) = frame::parse_frame(&text).unwrap() else {
        panic!("not program")
    };
    assert_eq!((n.subscription, n.slot), (57587, 319_931_865));
    assert_eq!(n.pubkey, "B4tQwAZt4dG8f8QMvZmSfw7GKwzGaiWJcoif52bWqJdX");
    assert_eq!(n.account.owner, PUMP_PROGRAM_ID);
    assert_eq!(n.account.rent_epoch, u64::MAX);
    let data = n.account.data.bytes().unwrap();
    assert_eq!(data.len(), 49);
    let Account::BondingCurve(c) = account::decode_account(&data).unwrap() else {
        panic!()
    };
    assert_eq!(c.virtual_token_reserves.0, 684_393_493_085_733);
    assert_eq!(c.virtual_quote_reserves, 47_034_345_800);
    assert_eq!(c.real_token_reserves.0, 404_493_493_085_733);
    assert_eq!(c.real_quote_reserves, 17_034_345_800);
    assert_eq!(c.token_total_supply.0, 1_000_000_000_000_000);
    assert!(!c.complete);
    assert_eq!(
        (
            c.creator,
            c.is_mayhem_mode,
            c.is_cashback_coin,
            c.quote_mint
        ),
        (None, None, None, None)
    );
    assert!(c.is_sol_paired());
}

#[test]
fn real_bonding_curves_match_their_reference_decode() {
    let reference: Value =
        serde_json::from_str(&fixture("pump/bonding_curve_accounts_real.json")).unwrap();
    for (name, r) in reference.as_object().unwrap() {
        let data = kestrel_decode::frame::AccountData::Base64(r["base64"].as_str().unwrap().into())
            .bytes()
            .unwrap();
        assert_eq!(data.len() as u64, r["len"].as_u64().unwrap(), "{name}");
        let ours = serde_json::to_value(account::decode_account(&data).unwrap()).unwrap();
        assert_eq!(ours["account"], "BondingCurve");
        for (k, v) in r.as_object().unwrap() {
            if matches!(k.as_str(), "len" | "disc_ok" | "base64") {
                continue;
            }
            let want = if matches!(
                k.as_str(),
                "complete" | "is_mayhem_mode" | "is_cashback_coin"
            ) {
                Value::Bool(v == 1)
            } else {
                v.clone()
            };
            assert_eq!(ours[k], want, "{name}.{k}");
        }
    }
}

#[test]
fn official_doc_frames_parse() {
    let t_a = fixture("solana/accountNotification_base58_official_doc.json");
    let Frame::Account(a) = frame::parse_frame(&t_a).unwrap() else {
        panic!()
    };
    assert_eq!(
        (a.subscription, a.slot, a.account.lamports, a.account.space),
        (23784, 5_199_307, 33594, Some(80))
    );
    let bytes = a.account.data.bytes().unwrap();
    assert_eq!(bytes.len(), 80);
    // A nonce account is not a pump.fun account: a clear error, not a guess.
    let err = account::decode_account(&bytes).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::UnknownDiscriminator { .. }),
        "{err}"
    );

    let t_p = fixture("solana/programNotification_base58_official_doc.json");
    let Frame::Program(p) = frame::parse_frame(&t_p).unwrap() else {
        panic!()
    };
    assert_eq!(p.pubkey, "H4vnBqifaSACnKa7acsxstsY1iV1bvJNxsCY7enrd1hq");

    let t_j = fixture("solana/accountNotification_jsonParsed_official_doc.json");
    let Frame::Account(j) = frame::parse_frame(&t_j).unwrap() else {
        panic!()
    };
    assert_eq!(
        j.account.data,
        AccountData::Unsupported("jsonParsed".into())
    );
    assert!(
        j.account
            .data
            .bytes()
            .unwrap_err()
            .to_string()
            .contains("jsonParsed")
    );

    let t_s = fixture("solana/slotNotification_official_doc.json");
    let Frame::Slot(s) = frame::parse_frame(&t_s).unwrap() else {
        panic!()
    };
    assert_eq!((s.parent, s.root, s.slot), (75, 44, 76));

    let t_l = fixture("solana/logsNotification_official_doc.json");
    let Frame::Logs(l) = frame::parse_frame(&t_l).unwrap() else {
        panic!()
    };
    assert_eq!(l.lines().count(), 1);

    for reply in [
        "solana/logsSubscribe_response.json",
        "solana/unsubscribe_response.json",
    ] {
        let text = fixture(reply);
        assert!(
            matches!(frame::parse_frame(&text).unwrap(), Frame::Reply { .. }),
            "{reply}"
        );
    }
}
