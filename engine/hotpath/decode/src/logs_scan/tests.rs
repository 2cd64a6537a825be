//! The logs scanner checked against serde: wherever the scanner answers, `parse_frame_json`
//! must give the same frame. Apart from `logs_scan.rs` because it imports the frame parser,
//! which imports the scanner.

use proptest::prelude::*;

use super::*;
use crate::frame::{Frame, parse_frame, parse_frame_json};

const CREATE: &str =
    include_str!("../../../../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json");
const DOC: &str =
    include_str!("../../../../../tests/fixtures/solana/logsNotification_official_doc.json");
const OTHERS: [&str; 4] = [
    include_str!(
        "../../../../../tests/fixtures/solana/accountNotification_base58_official_doc.json"
    ),
    include_str!(
        "../../../../../tests/fixtures/solana/programNotification_base58_official_doc.json"
    ),
    include_str!("../../../../../tests/fixtures/solana/slotNotification_official_doc.json"),
    include_str!("../../../../../tests/fixtures/solana/logsSubscribe_response.json"),
];

/// The scanner's answer, checked against serde's: when it answers, serde must give the
/// same logs frame.
fn agree(text: &str) -> Option<LogsNotification<'_>> {
    let scanned = scan(text)?;
    match parse_frame_json(text) {
        Ok(Frame::Logs(n)) => assert_eq!(n, scanned, "scanner and serde differ on {text}"),
        other => panic!("the scanner read a frame serde reads as {other:?}: {text}"),
    }
    Some(scanned)
}

/// A small logs frame with its parts in the given order and the given extras.
fn frame(value: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"logsNotification","params":{{"result":{{"context":{{"slot":7}},"value":{value}}},"subscription":3}}}}"#
    )
}

#[test]
fn real_logs_frames_scan_as_serde_reads_them_and_borrow_every_line() {
    for text in [CREATE, DOC] {
        let n = scan(text).expect("scans");
        assert!(agree(text).is_some());
        assert!(
            n.logs
                .iter()
                .flatten()
                .all(|l| matches!(l, Cow::Borrowed(_)))
        );
        assert!(matches!(n.signature, Cow::Borrowed(_)));
    }
    let n = scan(CREATE).expect("scans");
    assert!(n.logs.as_ref().is_some_and(|l| l.len() > 50));
}

#[test]
fn other_frames_are_left_to_serde() {
    for text in OTHERS {
        assert!(scan(text).is_none(), "{text}");
        assert!(parse_frame(text).is_ok());
    }
}

#[test]
fn keys_in_any_order_unknown_keys_and_whitespace_are_read() {
    let texts = [
        r#" { "params" : { "subscription" : 3 , "result" : { "value" : { "logs" : [ "a" , "b" ] , "err" : null , "signature" : "s" } , "context" : { "apiVersion" : "2.0.15" , "slot" : 7 } } } , "method" : "logsNotification" , "jsonrpc" : "2.0" } "#.to_owned(),
        frame(r#"{"signature":"s","err":null,"logs":["a","b"],"extra":[{"x":[1,-2.5e+3,true,false,null,"\u00e9\n"]}]}"#),
    ];
    for text in texts {
        let n = agree(&text).expect("scans");
        assert_eq!((n.subscription, n.slot, n.signature.as_ref()), (3, 7, "s"));
        assert!(n.err.is_none());
        assert_eq!(n.lines().collect::<Vec<_>>(), ["a", "b"]);
    }
}

#[test]
fn errors_and_null_logs_read_as_serde_does() {
    let text =
        frame(r#"{"signature":"s","err":{"InstructionError":[2,{"Custom":6002}]},"logs":null}"#);
    let n = agree(&text).expect("scans");
    assert_eq!(
        n.err.map(RawValue::get),
        Some(r#"{"InstructionError":[2,{"Custom":6002}]}"#)
    );
    assert!(n.logs.is_none());
}

#[test]
fn what_the_scanner_is_unsure_of_goes_to_serde_with_the_same_result() {
    // An escaped line: serde unescapes it into its own string.
    let escaped = frame(r#"{"signature":"s","err":null,"logs":["Program log: say \"hi\""]}"#);
    assert!(scan(&escaped).is_none());
    match parse_frame(&escaped) {
        Ok(Frame::Logs(n)) => assert_eq!(n.lines().next(), Some(r#"Program log: say "hi""#)),
        other => panic!("{other:?}"),
    }
    // Malformed or not what serde accepts: the scanner declines and serde reports it.
    let refused = [
        frame(r#"{"signature":"s","signature":"t","err":null,"logs":[]}"#),
        frame(r#"{"signature":"s","err":null,"logs":["a",]}"#),
        frame(r#"{"signature":null,"err":null,"logs":[]}"#),
        frame(r#"{"signature":"s","err":null,"logs":["a\u0001"]}"#).replace("\\u0001", "\u{1}"),
        frame(r#"{"signature":"s","err":null,"logs":[1]}"#),
        frame(r#"{"signature":"s","err":nul,"logs":[]}"#),
        frame(r#"{"signature":"s","err":null,"logs":[],"x":01}"#),
        frame(r#"{"signature":"s","err":null,"logs":[],"x":"\q"}"#),
        frame(r#"{"signature":"s","err":null,"logs":[]}"#).replace("\"slot\":7", "\"slot\":7.0"),
        frame(r#"{"signature":"s","err":null,"logs":[]}"#).replace("\"slot\":7", "\"slot\":-7"),
        frame(r#"{"signature":"s","err":null,"logs":[]}"#).replace(":3}", ":18446744073709551616}"),
        frame(r#"{"signature":"s","err":null,"logs":[]}"#) + "x",
        frame(r#"{"signature":"s","err":null,"logs":[]}"#).replace("}}", "}"),
        frame(r#"{"signature":"s","err":null,"logs":[]}"#)
            .replace("\"method\"", "\"method\":\"x\",\"method\""),
    ];
    for text in &refused {
        assert!(agree(text).is_none(), "scanned {text}");
        assert!(parse_frame(text).is_err(), "serde accepted {text}");
    }
}

proptest! {
    /// Whatever a frame is cut or spliced into, the scanner never reads it otherwise than
    /// serde does.
    #[test]
    fn mangled_frames_never_scan_otherwise_than_serde_reads_them(
        base in prop::sample::select(vec![CREATE, DOC]),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..4, prop::sample::select(vec![
                "\"", "\\", ",", ":", "{", "}", "[", "]", " ", "0", "-", "1e9", "null",
                "\"x\":1,", "\\u00", "\u{1}", "é", "\"logs\":[],",
            ])),
            1..6,
        ),
    ) {
        let mut text = base.to_owned();
        for (at, cut, insert) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let mut j = (i + cut).min(text.len());
            while !text.is_char_boundary(j) {
                j += 1;
            }
            text.replace_range(i..j, insert);
        }
        agree(&text);
        // Whatever it is, parse_frame answers without panicking.
        let _ = parse_frame(&text);
    }
}
