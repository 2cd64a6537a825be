//! The error enums against the IDLs they are written from: every IDL error has a variant with
//! its code, name and message, and every program-defined variant (code 6000 and up, below
//! Anchor's framework codes) is in the IDL.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a missing or malformed fixture should stop it loudly"
)]

use kestrel_pump::error::{PumpError, PumpSwapError};
use serde_json::Value;

/// (code, name, message) of every entry in an IDL's `errors`, the message defaulting to the
/// name as Anchor's does.
fn idl_errors(file: &str) -> Vec<(u32, String, String)> {
    let path = format!(
        "{}/../../../tests/fixtures/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the IDL fixture");
    let idl: Value = serde_json::from_str(&text).expect("the IDL is JSON");
    idl["errors"]
        .as_array()
        .expect("an errors array")
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("a name").to_owned();
            let msg = e["msg"].as_str().unwrap_or(&name).to_owned();
            let code = u32::try_from(e["code"].as_u64().expect("a code")).expect("a u32 code");
            (code, name, msg)
        })
        .collect()
}

#[test]
fn every_pump_idl_error_has_its_variant() {
    let idl = idl_errors("pump_idl.json");
    assert!(!idl.is_empty());
    for (code, name, msg) in &idl {
        let e = PumpError::from_code(*code).unwrap_or_else(|| panic!("no variant for {code}"));
        assert_eq!(
            (e.code(), e.name(), e.to_string()),
            (*code, name.as_str(), msg.clone())
        );
    }
    for e in PumpError::ALL.iter().filter(|e| e.code() >= 6000) {
        assert!(
            idl.iter().any(|(c, _, _)| *c == e.code()),
            "{e:?} not in the IDL"
        );
    }
}

#[test]
fn every_pump_amm_idl_error_has_its_variant() {
    let idl = idl_errors("pump_amm_idl.json");
    assert!(!idl.is_empty());
    for (code, name, msg) in &idl {
        let e = PumpSwapError::from_code(*code).unwrap_or_else(|| panic!("no variant for {code}"));
        assert_eq!(
            (e.code(), e.name(), e.to_string()),
            (*code, name.as_str(), msg.clone())
        );
    }
    for e in PumpSwapError::ALL.iter().filter(|e| e.code() >= 6000) {
        assert!(
            idl.iter().any(|(c, _, _)| *c == e.code()),
            "{e:?} not in the IDL"
        );
    }
}
