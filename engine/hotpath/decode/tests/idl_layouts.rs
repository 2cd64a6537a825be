//! Every layout the official IDLs describe, including the newer and older ones no fixture
//! shows: a Borsh encoder driven by the IDL JSON writes each event and account, and our
//! decoder must give back every field under the IDL's own name, stop cleanly at each older
//! layout's end, and ignore bytes from layouts newer than ours, aligned or not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;

use kestrel_decode::account::{self, AccountKind};
use kestrel_decode::logs::{Item, LogDecoder};
use kestrel_decode::{pump, pump_amm};
use serde_json::{Map, Value, json};

fn idl(name: &str) -> Value {
    let path = format!(
        "{}/../../../tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

struct Layout {
    discriminator: Vec<u8>,
    fields: Vec<(String, Value)>, // (name, IDL type)
}

/// The IDL's discriminator of an event, account or instruction.
fn discriminator(idl: &Value, section: &str, name: &str) -> Vec<u8> {
    idl[section]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap()["discriminator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect()
}

fn layout(idl: &Value, section: &str, name: &str) -> Layout {
    Layout {
        discriminator: discriminator(idl, section, name),
        fields: layout_of_type(idl, name),
    }
}

/// A distinct, deterministic value for field `i` of type `ty`, as (borsh bytes, expected JSON).
fn sample(idl: &Value, ty: &Value, i: usize) -> (Vec<u8>, Value) {
    let key = |seed: usize| {
        let bytes = [u8::try_from(seed % 250 + 1).unwrap(); 32];
        (bytes.to_vec(), json!(bs58::encode(bytes).into_string()))
    };
    match ty {
        Value::String(s) => match s.as_str() {
            "u8" => (vec![i as u8 + 3], json!(i as u8 + 3)),
            "u16" => (
                (1000 + i as u16).to_le_bytes().to_vec(),
                json!(1000 + i as u16),
            ),
            "u64" => {
                let v = 1_000_000_007u64 * (i as u64 + 1);
                (v.to_le_bytes().to_vec(), json!(v))
            }
            "i64" => {
                let v = 1_753_562_716i64 + i as i64;
                (v.to_le_bytes().to_vec(), json!(v))
            }
            "bool" => (vec![u8::from(i % 2 == 1)], json!(i % 2 == 1)),
            "pubkey" => key(i),
            "string" => {
                let s = format!("field-{i}-π");
                let mut b = (s.len() as u32).to_le_bytes().to_vec();
                b.extend_from_slice(s.as_bytes());
                (b, json!(s))
            }
            other => panic!("type {other}"),
        },
        Value::Object(o) if o.contains_key("array") => {
            let (elem, n) = (&o["array"][0], o["array"][1].as_u64().unwrap() as usize);
            let mut bytes = Vec::new();
            let mut vals = Vec::new();
            for j in 0..n {
                let (b, v) = sample(idl, elem, i * 10 + j);
                bytes.extend(b);
                vals.push(v);
            }
            (bytes, Value::Array(vals))
        }
        Value::Object(o) if o.contains_key("vec") => {
            let name = o["vec"]["defined"]["name"].as_str().unwrap();
            let inner = layout_of_type(idl, name);
            let mut bytes = 2u32.to_le_bytes().to_vec();
            let mut vals = Vec::new();
            for j in 0..2 {
                let mut obj = Map::new();
                for (k, (fname, fty)) in inner.iter().enumerate() {
                    let (b, v) = sample(idl, fty, i * 7 + j * 3 + k);
                    bytes.extend(b);
                    obj.insert(fname.clone(), v);
                }
                vals.push(Value::Object(obj));
            }
            (bytes, Value::Array(vals))
        }
        other => panic!("type {other}"),
    }
}

fn layout_of_type(idl: &Value, name: &str) -> Vec<(String, Value)> {
    let ty = idl["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap();
    ty["type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["type"].clone()))
        .collect()
}

/// The encoded item, the byte offset where each field ends, and the expected JSON fields.
fn encode(idl: &Value, l: &Layout) -> (Vec<u8>, Vec<usize>, Vec<(String, Value)>) {
    let mut bytes = l.discriminator.clone();
    let mut ends = Vec::new();
    let mut expected = Vec::new();
    for (i, (name, ty)) in l.fields.iter().enumerate() {
        let (b, v) = sample(idl, ty, i);
        bytes.extend(b);
        ends.push(bytes.len());
        expected.push((name.clone(), v));
    }
    (bytes, ends, expected)
}

fn fields_of(v: Value, tag: &str) -> Map<String, Value> {
    let mut m = v.as_object().unwrap().clone();
    m.remove(tag).expect("tag present");
    m
}

fn expect_prefix(expected: &[(String, Value)], n: usize) -> Map<String, Value> {
    expected.iter().take(n).cloned().collect()
}

/// Runs the full check for one event layout. `oldest` is how many fields the oldest mainnet
/// layout has.
fn check_event(idl_name: &str, name: &str, oldest: usize, decode: impl Fn(&[u8]) -> Option<Value>) {
    let idl = idl(idl_name);
    let l = layout(&idl, "events", name);
    let (bytes, ends, expected) = encode(&idl, &l);

    // The newest layout, whole: every IDL field, exactly.
    let full = decode(&bytes).unwrap_or_else(|| panic!("{name}: full layout did not decode"));
    assert_eq!(full["event"], json!(name));
    assert_eq!(
        fields_of(full, "event"),
        expect_prefix(&expected, expected.len()),
        "{name}"
    );

    // Bytes from a layout newer than ours are ignored.
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0xAB; 37]);
    assert_eq!(
        fields_of(decode(&longer).unwrap(), "event"),
        expect_prefix(&expected, expected.len())
    );

    // Every older layout (ending at a field boundary) decodes to just its fields.
    for n in oldest..ends.len() {
        let cut = &bytes[..ends[n - 1]];
        let v =
            decode(cut).unwrap_or_else(|| panic!("{name}: layout of {n} fields did not decode"));
        assert_eq!(
            fields_of(v, "event"),
            expect_prefix(&expected, n),
            "{name} with {n} fields"
        );
    }
    // Inside the oldest layout a cut is an error, never a panic. Past it, a field that does not
    // fit whole ends the known layout: the fields before it decode, the rest is trailing.
    for len in 0..bytes.len() {
        let got = decode(&bytes[..len]);
        if len < ends[oldest - 1] {
            assert!(
                got.is_none(),
                "{name}: a cut at {len} bytes inside the oldest layout decoded"
            );
        } else {
            let whole = ends.iter().filter(|e| **e <= len).count();
            let v = got.unwrap_or_else(|| panic!("{name}: a cut at {len} bytes was refused"));
            assert_eq!(
                fields_of(v, "event"),
                expect_prefix(&expected, whole),
                "{name} cut at {len}"
            );
        }
    }
}

fn pump_json(data: &[u8]) -> Option<Value> {
    pump::decode_event(data)
        .ok()
        .flatten()
        .map(|e| serde_json::to_value(e).unwrap())
}

fn amm_json(data: &[u8]) -> Option<Value> {
    pump_amm::decode_event(data)
        .ok()
        .flatten()
        .map(|e| serde_json::to_value(e).unwrap())
}

#[test]
fn create_event_every_layout() {
    check_event("pump_idl.json", "CreateEvent", 8, pump_json);
}

#[test]
fn trade_event_every_layout() {
    check_event("pump_idl.json", "TradeEvent", 10, pump_json);
}

#[test]
fn complete_event_every_layout() {
    check_event("pump_idl.json", "CompleteEvent", 4, pump_json);
}

#[test]
fn migration_event_every_layout() {
    check_event(
        "pump_idl.json",
        "CompletePumpAmmMigrationEvent",
        8,
        pump_json,
    );
}

#[test]
fn pumpswap_create_pool_every_layout() {
    check_event("pump_amm_idl.json", "CreatePoolEvent", 19, amm_json);
}

/// docs/protocol.md §1.2: a real 2026 TradeEvent (ix_name "buy", no shareholders) is 358 bytes.
#[test]
fn a_2026_trade_event_is_358_bytes_and_decodes_fully() {
    let mut b = kestrel_pump::discriminator::event::TRADE.to_vec();
    b.extend([7u8; 32]); // mint
    b.extend(5_000_000u64.to_le_bytes());
    b.extend(170_000_000_000u64.to_le_bytes());
    b.push(1);
    b.extend([8u8; 32]); // user
    b.extend(1_770_000_000i64.to_le_bytes());
    for v in [
        30_005_000_000u64,
        1_072_830_000_000_000,
        5_000_000,
        792_930_000_000_000,
    ] {
        b.extend(v.to_le_bytes());
    }
    b.extend([9u8; 32]); // fee_recipient
    b.extend(95u64.to_le_bytes());
    b.extend(47_500u64.to_le_bytes());
    b.extend([10u8; 32]); // creator
    b.extend(30u64.to_le_bytes());
    b.extend(15_000u64.to_le_bytes());
    b.push(1); // track_volume
    for v in [0u64, 0, 5_000_000, 1_770_000_000] {
        b.extend(v.to_le_bytes());
    }
    assert_eq!(
        b.len(),
        258,
        "ix_name starts at 258 (docs/protocol.md §1.2)"
    );
    b.extend(3u32.to_le_bytes());
    b.extend(b"buy");
    b.push(0); // mayhem_mode
    for v in [0u64, 0, 5000, 23_750] {
        b.extend(v.to_le_bytes());
    }
    b.extend(0u32.to_le_bytes()); // shareholders
    b.extend([0u8; 32]); // quote_mint = SOL
    for v in [5_000_000u64, 30_005_000_000, 5_000_000] {
        b.extend(v.to_le_bytes());
    }
    assert_eq!(b.len(), 358);
    let Some(pump::PumpEvent::Trade(t)) = pump::decode_event(&b).unwrap() else {
        panic!()
    };
    assert_eq!(t.ix_name, Some("buy"));
    assert_eq!(t.buyback_fee.map(|l| l.0), Some(23_750));
    assert_eq!(t.shareholders.map(|s| s.len()), Some(0));
    assert_eq!(t.real_quote_reserves, Some(5_000_000));
    assert_eq!(t.trailing_bytes, 0);
}

fn check_account(name: &str, kind: AccountKind, min_fields: usize) {
    let idl = idl("pump_idl.json");
    let l = layout(&idl, "accounts", name);
    let (bytes, ends, expected) = encode(&idl, &l);
    let decode = |d: &[u8]| {
        let auto = account::decode_account(d)
            .ok()
            .map(|a| serde_json::to_value(a).unwrap());
        let forced = account::decode_account_as(d, kind)
            .ok()
            .map(|a| serde_json::to_value(a).unwrap());
        assert_eq!(auto, forced);
        auto
    };
    let full = decode(&bytes).unwrap();
    assert_eq!(full["account"], json!(name));
    assert_eq!(
        fields_of(full, "account"),
        expect_prefix(&expected, expected.len())
    );

    // Accounts are zero-padded: any length decodes the fields that fit whole.
    for len in 0..bytes.len() + 40 {
        let mut data = bytes.clone();
        data.resize(len, 0);
        let fit = ends.iter().filter(|e| **e <= len).count();
        match decode(&data) {
            Some(v) => {
                assert!(
                    fit >= min_fields,
                    "{name}: {len} bytes decoded with {fit} fields"
                );
                let got = fields_of(v, "account");
                let want = if len <= bytes.len() {
                    expect_prefix(&expected, fit)
                } else {
                    expect_prefix(&expected, expected.len())
                };
                assert_eq!(got, want, "{name} at {len} bytes");
            }
            None => assert!(
                fit < min_fields,
                "{name}: {len} bytes ({fit} fields) refused"
            ),
        }
    }
}

#[test]
fn bonding_curve_every_length() {
    check_account("BondingCurve", AccountKind::BondingCurve, 6);
    // The real lengths of docs/protocol.md §1.3.
    assert_eq!(account::BONDING_CURVE_MIN_LEN, 49);
}

#[test]
fn global_every_length() {
    check_account("Global", AccountKind::Global, 8);
}

#[test]
fn forcing_the_wrong_account_kind_is_an_error() {
    let idl = idl("pump_idl.json");
    let (bytes, _, _) = encode(&idl, &layout(&idl, "accounts", "BondingCurve"));
    let err = account::decode_account_as(&bytes, AccountKind::Global).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Global: expected a Global discriminator"),
        "{err}"
    );
}

#[test]
fn our_discriminators_are_the_idl_ones() {
    use kestrel_pump::discriminator::{account as a, event as e, instruction as i};
    let pump = idl("pump_idl.json");
    let amm = idl("pump_amm_idl.json");
    let disc =
        |idl: &Value, section: &str, name: &str| -> Vec<u8> { discriminator(idl, section, name) };
    assert_eq!(disc(&pump, "events", "CreateEvent"), e::CREATE);
    assert_eq!(disc(&pump, "events", "TradeEvent"), e::TRADE);
    assert_eq!(disc(&pump, "events", "CompleteEvent"), e::COMPLETE);
    assert_eq!(
        disc(&pump, "events", "CompletePumpAmmMigrationEvent"),
        e::COMPLETE_PUMP_AMM_MIGRATION
    );
    assert_eq!(
        disc(&amm, "events", "CreatePoolEvent"),
        e::PUMP_AMM_CREATE_POOL
    );
    assert_eq!(disc(&pump, "accounts", "BondingCurve"), a::BONDING_CURVE);
    assert_eq!(disc(&pump, "accounts", "Global"), a::GLOBAL);
    assert_eq!(disc(&amm, "accounts", "Pool"), a::PUMP_AMM_POOL);
    for (name, d) in [
        ("create", i::CREATE),
        ("create_v2", i::CREATE_V2),
        ("buy", i::BUY),
        ("sell", i::SELL),
        ("buy_exact_sol_in", i::BUY_EXACT_SOL_IN),
        ("buy_v2", i::BUY_V2),
        ("sell_v2", i::SELL_V2),
        ("buy_exact_quote_in_v2", i::BUY_EXACT_QUOTE_IN_V2),
        ("migrate", i::MIGRATE),
    ] {
        assert_eq!(disc(&pump, "instructions", name), d, "{name}");
    }
}

/// Instruction names in the output are the IDL's, for every pump instruction the logs name.
#[test]
fn logged_instruction_names_map_to_the_idl_names() {
    let idl = idl("pump_idl.json");
    for ix in idl["instructions"].as_array().unwrap() {
        let snake = ix["name"].as_str().unwrap();
        let pascal: String = snake
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(kestrel_decode::logs::snake_case(&pascal), snake);
    }
}

/// A pump-looking event printed by another program is not a pump.fun event, even when that
/// program was invoked by pump or invokes it.
#[test]
fn attribution_follows_the_invoke_stack() {
    let idl = idl("pump_idl.json");
    let (bytes, _, _) = encode(&idl, &layout(&idl, "events", "TradeEvent"));
    use base64::Engine as _;
    let data = format!(
        "Program data: {}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    let router = "Router1111111111111111111111111111111111111";
    let pump = kestrel_decode::logs::PUMP_PROGRAM_ID;
    let lines = vec![
        format!("Program {router} invoke [1]"),
        data.clone(), // the router prints it: not ours
        format!("Program {pump} invoke [2]"),
        "Program log: Instruction: Sell".to_owned(),
        data.clone(), // pump prints it inside the router's CPI: ours, instruction sell
        format!("Program {pump} invoke [3]"), // emit_cpi self-invoke
        format!("Program {pump} consumed 2009 of 74156 compute units"),
        format!("Program {pump} success"),
        format!("Program {pump} success"),
        data.clone(), // back in the router
        format!("Program {router} success"),
    ];
    let mut got = Vec::new();
    LogDecoder::new().decode(lines.iter().map(String::as_str), |r| {
        let d = r.unwrap();
        assert!(matches!(d.item, Item::Pump(pump::PumpEvent::Trade(_))));
        got.push((
            d.context.line,
            d.context.depth,
            d.context.instruction_name().unwrap().into_owned(),
        ));
    });
    assert_eq!(got, vec![(4, 2, "sell".to_owned())]);
}
