//! Every instruction builder of kestrel-pump against the IDL it is written from
//! (tests/fixtures/pump_idl.json, docs/protocol.md §1.4 and §1.7). For each builder the test
//! computes, from the IDL alone, what every account must be — its fixed `address`, or its PDA
//! found by interpreting the IDL's own `pda.seeds` and `pda.program` — and compares the built
//! instruction position by position: the account's name (which expected key sits there), and its
//! signer and writable flags. It also parses the data by the IDL's argument types: discriminator
//! first, then every argument, nothing left over.
//!
//! Why an interpreter rather than the crate's `pda` module: the builders derive through `pda`,
//! so checking them with it would only check that the crate agrees with itself. Here the seeds
//! come from the JSON and the addresses from solana-pubkey's reference `find_program_address`.
//!
//! What the IDL does not say is supplied by each case and named as such: the keys the caller
//! chooses (mint, user, fee recipients, the curve's creator), the few accounts the IDL lists
//! with no derivation (the user's token account, `create_v2`'s mayhem token vault), and the
//! remaining accounts the legacy trades append after the IDL's list (docs/protocol.md §1.4.1),
//! which are checked exactly as the tail.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test: a missing or malformed fixture, or a builder that disagrees, should stop it loudly"
)]

use std::collections::HashMap;

use kestrel_pump::ids::{
    BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, MAYHEM_PROGRAM, PUMP_PROGRAM, RESERVED_FEE_RECIPIENTS,
    TOKEN_2022_PROGRAM, TOKEN_PROGRAM, USDC_MINT, WSOL_MINT,
};
use kestrel_pump::instruction::{self, TradeAccounts, TradeInputs, V2Accounts, V2Inputs};
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use serde_json::Value;
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;

const ATA_PROGRAM: Pubkey = Pubkey::from_str_const("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

fn idl() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../tests/fixtures/pump_idl.json"
    );
    let text = std::fs::read_to_string(path).expect("the IDL fixture");
    serde_json::from_str(&text).expect("the IDL is JSON")
}

fn idl_instruction<'a>(idl: &'a Value, name: &str) -> &'a Value {
    idl["instructions"]
        .as_array()
        .expect("an instructions array")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no instruction {name} in the IDL"))
}

fn bytes(v: &Value) -> Vec<u8> {
    v.as_array()
        .expect("a byte array")
        .iter()
        .map(|b| u8::try_from(b.as_u64().expect("a byte")).expect("a byte in range"))
        .collect()
}

fn key_of_bytes(b: &[u8]) -> Pubkey {
    Pubkey::new_from_array(b.try_into().expect("32 bytes"))
}

/// The reference derivation, independent of the crate's fast one.
fn ata(owner: &Pubkey, token_program: &Pubkey, mint: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(
        &[owner.as_ref(), token_program.as_ref(), mint.as_ref()],
        &ATA_PROGRAM,
    )
    .0
}

fn pump_pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &PUMP_PROGRAM).0
}

/// What the IDL leaves to the caller, for one built instruction.
struct Case {
    /// Which IDL instruction the builder claims to build.
    idl_name: &'static str,
    ix: Instruction,
    /// Keys the IDL cannot know: the caller's choices (by account name) and fields of other
    /// accounts that seeds read (by path, such as `bonding_curve.creator`).
    inputs: Vec<(&'static str, Pubkey)>,
    /// Accounts the IDL lists with neither an address nor seeds: the key they must hold, and why.
    unspecified: Vec<(&'static str, Pubkey, &'static str)>,
    /// Accounts after the IDL's list, as (what, key, writable); the IDL knows nothing of them.
    tail: Vec<(&'static str, Pubkey, bool)>,
}

/// Resolves every account of an IDL instruction to the key it must hold.
struct Resolver<'a> {
    program: Pubkey,
    accounts: &'a [Value],
    inputs: &'a HashMap<&'static str, Pubkey>,
    unspecified: &'a HashMap<&'static str, Pubkey>,
    args: &'a HashMap<String, Vec<u8>>,
    resolved: HashMap<String, Pubkey>,
}

impl Resolver<'_> {
    fn account(&mut self, name: &str) -> Pubkey {
        if let Some(k) = self.resolved.get(name) {
            return *k;
        }
        let spec = self
            .accounts
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("a seed names account {name}, not in the instruction"));
        let has_rule = spec.get("address").is_some() || spec.get("pda").is_some();
        assert!(
            !(has_rule && self.unspecified.contains_key(name)),
            "{name}: the IDL derives it, the test must not supply it"
        );
        let key = if let Some(address) = spec["address"].as_str() {
            address.parse().expect("an IDL address")
        } else if let Some(pda) = spec.get("pda") {
            self.pda(pda)
        } else if let Some(k) = self.inputs.get(name).or(self.unspecified.get(name)) {
            *k
        } else {
            panic!("{name}: the IDL gives no address or seeds and the case supplies no key")
        };
        self.resolved.insert(name.to_owned(), key);
        key
    }

    /// The IDL's seed kinds: `const` (bytes), `account` (the key of a named account of this
    /// instruction, or a field of one such as `bonding_curve.creator`), `arg` (an argument's
    /// serialized bytes).
    fn seed(&mut self, seed: &Value) -> Vec<u8> {
        let path = || seed["path"].as_str().expect("a seed path");
        match seed["kind"].as_str().expect("a seed kind") {
            "const" => bytes(&seed["value"]),
            "account" if path().contains('.') => self
                .inputs
                .get(path())
                .unwrap_or_else(|| panic!("the case supplies no value for {}", path()))
                .to_bytes()
                .to_vec(),
            "account" => self.account(path()).to_bytes().to_vec(),
            "arg" => self
                .args
                .get(path())
                .unwrap_or_else(|| panic!("no argument {}", path()))
                .clone(),
            other => panic!("unknown seed kind {other}"),
        }
    }

    fn pda(&mut self, pda: &Value) -> Pubkey {
        let seeds: Vec<Vec<u8>> = pda["seeds"]
            .as_array()
            .expect("seeds")
            .iter()
            .map(|s| self.seed(s))
            .collect();
        let program = match pda.get("program") {
            None => self.program,
            Some(p) => key_of_bytes(&self.seed(p)),
        };
        let refs: Vec<&[u8]> = seeds.iter().map(Vec::as_slice).collect();
        Pubkey::find_program_address(&refs, &program).0
    }
}

/// Splits instruction data by the IDL's argument types, returning each argument's bytes.
fn parse_args(idl: &Value, spec: &Value, data: &[u8]) -> HashMap<String, Vec<u8>> {
    fn take<'d>(idl: &Value, ty: &Value, data: &'d [u8], at: &mut usize) -> &'d [u8] {
        let start = *at;
        let len = match ty {
            Value::String(t) => match t.as_str() {
                "u8" | "bool" => 1,
                "u16" => 2,
                "u32" => 4,
                "u64" | "i64" => 8,
                "u128" | "i128" => 16,
                "pubkey" => 32,
                "string" => {
                    let n = data
                        .get(start..start + 4)
                        .unwrap_or_else(|| panic!("a string length at {start}"));
                    4 + u32::from_le_bytes(n.try_into().expect("4 bytes")) as usize
                }
                other => panic!("argument type {other} not handled"),
            },
            Value::Object(o) if o.contains_key("defined") => {
                let name = &ty["defined"]["name"];
                let def = idl["types"]
                    .as_array()
                    .expect("types")
                    .iter()
                    .find(|t| t["name"] == *name)
                    .unwrap_or_else(|| panic!("no type {name}"));
                assert_eq!(
                    def["type"]["kind"], "struct",
                    "{name}: only structs handled"
                );
                for f in def["type"]["fields"].as_array().expect("fields") {
                    let fty = if f.is_object() && f.get("type").is_some() {
                        &f["type"]
                    } else {
                        f
                    };
                    take(idl, fty, data, at);
                }
                return &data[start..*at];
            }
            other => panic!("argument type {other} not handled"),
        };
        *at += len;
        data.get(start..*at)
            .unwrap_or_else(|| panic!("the data ends before an argument of type {ty}"))
    }

    let name = spec["name"].as_str().expect("a name");
    assert_eq!(
        data[..8],
        bytes(&spec["discriminator"])[..],
        "{name}: discriminator"
    );
    let mut at = 8;
    let mut out = HashMap::new();
    for arg in spec["args"].as_array().expect("args") {
        let arg_name = arg["name"].as_str().expect("an argument name").to_owned();
        let b = take(idl, &arg["type"], data, &mut at).to_vec();
        out.insert(arg_name, b);
    }
    assert_eq!(
        at,
        data.len(),
        "{name}: bytes left after the IDL's arguments"
    );
    out
}

/// Checks one built instruction against the IDL; panics with the first difference.
fn conforms(idl: &Value, case: &Case) {
    let name = case.idl_name;
    let spec = idl_instruction(idl, name);
    let ix = &case.ix;
    let program: Pubkey = idl["address"]
        .as_str()
        .expect("the IDL's address")
        .parse()
        .expect("a program id");
    assert_eq!(ix.program_id, program, "{name}: program id");
    let args = parse_args(idl, spec, &ix.data);

    let accounts = spec["accounts"].as_array().expect("accounts");
    assert_eq!(
        ix.accounts.len(),
        accounts.len() + case.tail.len(),
        "{name}: {} IDL accounts plus {} remaining ones",
        accounts.len(),
        case.tail.len()
    );
    let inputs: HashMap<_, _> = case.inputs.iter().copied().collect();
    let unspecified: HashMap<_, _> = case.unspecified.iter().map(|(n, k, _)| (*n, *k)).collect();
    let mut resolver = Resolver {
        program,
        accounts,
        inputs: &inputs,
        unspecified: &unspecified,
        args: &args,
        resolved: HashMap::new(),
    };
    let expected: Vec<(String, Pubkey)> = accounts
        .iter()
        .map(|a| {
            let n = a["name"].as_str().expect("an account name");
            (n.to_owned(), resolver.account(n))
        })
        .collect();

    // Names by position: the IDL account whose key the builder put at each index. Two IDL
    // accounts may share a key (both token programs are SPL Token for a legacy coin's SOL
    // trade); such a pair cannot be told apart, so the cases also use keys that differ.
    let built: Vec<String> = ix.accounts[..accounts.len()]
        .iter()
        .zip(&expected)
        .map(|(m, (n, k))| {
            if m.pubkey == *k {
                n.clone()
            } else {
                expected
                    .iter()
                    .find(|(_, e)| *e == m.pubkey)
                    .map_or_else(|| format!("unknown key {}", m.pubkey), |(o, _)| o.clone())
            }
        })
        .collect();
    let want: Vec<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(built, want, "{name}: accounts by position");

    for (i, (a, meta)) in accounts.iter().zip(&ix.accounts).enumerate() {
        let n = &want[i];
        let flag = |f: &str| a[f].as_bool().unwrap_or(false);
        assert_eq!(meta.is_signer, flag("signer"), "{name}: #{i} {n} signer");
        assert_eq!(
            meta.is_writable,
            flag("writable"),
            "{name}: #{i} {n} writable"
        );
    }

    // The remaining accounts, which only docs/protocol.md §1.4.1 describes.
    for (j, ((what, key, writable), meta)) in case
        .tail
        .iter()
        .zip(&ix.accounts[accounts.len()..])
        .enumerate()
    {
        let i = accounts.len() + j;
        assert_eq!(meta.pubkey, *key, "{name}: #{i} {what}");
        assert_eq!(meta.is_writable, *writable, "{name}: #{i} {what} writable");
        assert!(!meta.is_signer, "{name}: #{i} {what} signs");
    }
}

/// Keys for one coin, all distinct so that a swap cannot hide.
struct Coin {
    mint: Pubkey,
    user: Pubkey,
    creator: Pubkey,
    fee_recipient: Pubkey,
    buyback_fee_recipient: Pubkey,
}

fn coin(mayhem: bool) -> Coin {
    Coin {
        mint: "5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"
            .parse()
            .expect("a key"),
        user: Pubkey::new_from_array([7; 32]),
        // The curve's creator, deliberately not the user: a vault derived from the wrong one fails.
        creator: "59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6"
            .parse()
            .expect("a key"),
        fee_recipient: if mayhem {
            RESERVED_FEE_RECIPIENTS[3]
        } else {
            FEE_RECIPIENTS[5]
        },
        buyback_fee_recipient: BUYBACK_FEE_RECIPIENTS[6],
    }
}

fn legacy_cases(token_program: Pubkey, cashback: bool) -> Vec<Case> {
    let c = coin(false);
    let a = TradeAccounts::derive(TradeInputs {
        mint: c.mint,
        user: c.user,
        creator: c.creator,
        token_program,
        fee_recipient: c.fee_recipient,
        buyback_fee_recipient: c.buyback_fee_recipient,
        is_cashback_coin: cashback,
    });
    let inputs = vec![
        ("mint", c.mint),
        ("user", c.user),
        ("fee_recipient", c.fee_recipient),
        ("token_program", token_program),
        ("bonding_curve.creator", c.creator),
    ];
    let unspecified = vec![(
        "associated_user",
        ata(&c.user, &token_program, &c.mint),
        "the buyer's token account, ATA(user, token_program, mint) (docs/protocol.md §1.4)",
    )];
    // docs/protocol.md §1.4.1: bonding_curve_v2 read-only, then one buyback recipient writable.
    let v2_then_buyback = vec![
        (
            "bonding_curve_v2",
            pump_pda(&[b"bonding-curve-v2", c.mint.as_ref()]),
            false,
        ),
        ("buyback fee recipient", c.buyback_fee_recipient, true),
    ];
    let mut sell_tail = Vec::new();
    if cashback {
        // Cashback coins' sells also take the user's volume accumulator, first.
        sell_tail.push((
            "user_volume_accumulator (cashback coin)",
            pump_pda(&[b"user_volume_accumulator", c.user.as_ref()]),
            true,
        ));
    }
    sell_tail.extend(v2_then_buyback.iter().copied());
    vec![
        Case {
            idl_name: "buy",
            ix: instruction::buy(&a, TokenAmount(1_000), Lamports(2_000), true),
            inputs: inputs.clone(),
            unspecified: unspecified.clone(),
            tail: v2_then_buyback.clone(),
        },
        Case {
            idl_name: "buy_exact_sol_in",
            ix: instruction::buy_exact_sol_in(&a, Lamports(2_000), TokenAmount(1_000), false),
            inputs: inputs.clone(),
            unspecified: unspecified.clone(),
            tail: v2_then_buyback,
        },
        Case {
            idl_name: "sell",
            ix: instruction::sell(&a, TokenAmount(1_000), Lamports(2_000)),
            inputs,
            unspecified,
            tail: sell_tail,
        },
    ]
}

fn v2_cases(
    quote_mint: Pubkey,
    base_token_program: Pubkey,
    quote_token_program: Pubkey,
    mayhem: bool,
) -> Vec<Case> {
    let c = coin(mayhem);
    let a = V2Accounts::derive(V2Inputs {
        mint: c.mint,
        quote_mint,
        base_token_program,
        quote_token_program,
        user: c.user,
        creator: c.creator,
        fee_recipient: c.fee_recipient,
        buyback_fee_recipient: c.buyback_fee_recipient,
    });
    let inputs = vec![
        ("base_mint", c.mint),
        ("quote_mint", quote_mint),
        ("base_token_program", base_token_program),
        ("quote_token_program", quote_token_program),
        ("user", c.user),
        ("fee_recipient", c.fee_recipient),
        ("buyback_fee_recipient", c.buyback_fee_recipient),
        ("bonding_curve.creator", c.creator),
    ];
    let unspecified = vec![(
        "associated_base_user",
        ata(&c.user, &base_token_program, &c.mint),
        "ATA(user, base_token_program, base_mint) (docs/protocol.md §1.7, row 14)",
    )];
    let case = |idl_name, ix| Case {
        idl_name,
        ix,
        inputs: inputs.clone(),
        unspecified: unspecified.clone(),
        tail: Vec::new(),
    };
    vec![
        case(
            "buy_v2",
            instruction::buy_v2(&a, TokenAmount(1_000), QuoteAmount(2_000)),
        ),
        case(
            "sell_v2",
            instruction::sell_v2(&a, TokenAmount(1_000), QuoteAmount(2_000)),
        ),
        case(
            "buy_exact_quote_in_v2",
            instruction::buy_exact_quote_in_v2(&a, QuoteAmount(2_000), TokenAmount(1_000)),
        ),
    ]
}

fn create_cases() -> Vec<Case> {
    let c = coin(false);
    let program = (
        "program",
        PUMP_PROGRAM,
        "Anchor's event-CPI `program` account, the pump program itself; the IDL gives no address",
    );
    let sol_vault = Pubkey::find_program_address(&[b"sol-vault"], &MAYHEM_PROGRAM).0;
    vec![
        Case {
            idl_name: "create",
            ix: instruction::create(&c.mint, &c.user, &c.creator, "Hawk", "HAWK", "https://x"),
            inputs: vec![("mint", c.mint), ("user", c.user)],
            unspecified: vec![program],
            tail: Vec::new(),
        },
        Case {
            idl_name: "create_v2",
            ix: instruction::create_v2(
                &c.mint,
                &c.user,
                &c.creator,
                "Hawk",
                "HAWK",
                "https://x",
                true,
            ),
            inputs: vec![("mint", c.mint), ("user", c.user)],
            unspecified: vec![
                (
                    "mayhem_token_vault",
                    ata(&sol_vault, &TOKEN_2022_PROGRAM, &c.mint),
                    "no seeds in the IDL; the crate's reading, ATA(sol_vault, Token-2022, mint), \
                     is UNCONFIRMED (docs/protocol.md §8) and only used in mayhem mode",
                ),
                program,
            ],
            tail: Vec::new(),
        },
    ]
}

#[test]
fn legacy_trades_match_the_idl_then_append_the_documented_remaining_accounts() {
    let idl = idl();
    for token_program in [TOKEN_PROGRAM, TOKEN_2022_PROGRAM] {
        for cashback in [false, true] {
            for case in legacy_cases(token_program, cashback) {
                conforms(&idl, &case);
            }
        }
    }
}

#[test]
fn v2_trades_match_the_idl_for_sol_and_usdc_coins_of_either_token_program() {
    let idl = idl();
    for (quote_mint, base_token_program, mayhem) in [
        (WSOL_MINT, TOKEN_PROGRAM, false),
        (WSOL_MINT, TOKEN_2022_PROGRAM, true),
        (USDC_MINT, TOKEN_2022_PROGRAM, false),
        (USDC_MINT, TOKEN_PROGRAM, true),
    ] {
        for case in v2_cases(quote_mint, base_token_program, TOKEN_PROGRAM, mayhem) {
            conforms(&idl, &case);
        }
    }
}

#[test]
fn create_instructions_match_the_idl() {
    let idl = idl();
    for case in create_cases() {
        conforms(&idl, &case);
    }
}

#[test]
fn every_builder_is_covered() {
    // The IDL instructions the crate builds; a new builder belongs in this file's cases.
    let mut covered: Vec<&str> = legacy_cases(TOKEN_PROGRAM, false)
        .into_iter()
        .chain(v2_cases(WSOL_MINT, TOKEN_PROGRAM, TOKEN_PROGRAM, false))
        .chain(create_cases())
        .map(|c| c.idl_name)
        .collect();
    covered.sort_unstable();
    assert_eq!(
        covered,
        [
            "buy",
            "buy_exact_quote_in_v2",
            "buy_exact_sol_in",
            "buy_v2",
            "create",
            "create_v2",
            "sell",
            "sell_v2"
        ]
    );
}

#[test]
fn the_checker_catches_a_swap_a_flag_and_a_wrong_seed() {
    // The checker must be able to fail: break a correct instruction three ways.
    let idl = idl();
    let pristine = || {
        v2_cases(USDC_MINT, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, false)
            .into_iter()
            .next()
            .expect("buy_v2")
    };
    conforms(&idl, &pristine());
    let fails = |case: Case| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conforms(&idl, &case))).is_err()
    };

    let mut swapped = pristine();
    swapped.ix.accounts.swap(7, 8);
    assert!(fails(swapped), "two accounts swapped");

    let mut flag = pristine();
    flag.ix.accounts[18].is_writable = true;
    assert!(fails(flag), "sharing_config made writable");

    let mut vault = pristine();
    // A creator vault derived from the user instead of the curve's creator (error 2006 on chain).
    vault.ix.accounts[16].pubkey = pump_pda(&[b"creator-vault", coin(false).user.as_ref()]);
    assert!(fails(vault), "creator vault of the wrong creator");

    let mut data = pristine();
    data.ix.data.push(0);
    assert!(fails(data), "a trailing byte");
}
