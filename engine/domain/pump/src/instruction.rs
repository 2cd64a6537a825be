//! Instruction builders for the pump.fun trades Kestrel sends, as free functions over accounts
//! derived ahead of time (docs/protocol.md §1.4: the IDL's accounts plus the remaining accounts of
//! docs/protocol.md §1.4.1). Deriving PDAs costs microseconds, so [`TradeAccounts`] is
//! built once per mint and the builders only copy keys. The v2 trades, which name every account
//! in the IDL and can trade USDC-quoted coins, are in the `v2` module and re-exported here.

mod v2;

pub use v2::{V2Accounts, V2Inputs, buy_exact_quote_in_v2, buy_v2, quote_mint_of_curve, sell_v2};

use kestrel_units::{Lamports, TokenAmount};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::discriminator::instruction as disc;
use crate::ids::{
    ASSOCIATED_TOKEN_PROGRAM, EVENT_AUTHORITY, FEE_CONFIG, GLOBAL, GLOBAL_VOLUME_ACCUMULATOR,
    MAYHEM_PROGRAM, METAPLEX_METADATA_PROGRAM, MINT_AUTHORITY, PUMP_FEES_PROGRAM, PUMP_PROGRAM,
    SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};

/// The rent sysvar, which `create` still lists.
pub const SYSVAR_RENT: Pubkey =
    Pubkey::from_str_const("SysvarRent111111111111111111111111111111111");
use crate::pda;

/// What a trade on one mint needs to know; everything else is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeInputs {
    pub mint: Pubkey,
    /// The trader's wallet (signer, fee payer).
    pub user: Pubkey,
    /// The bonding curve's `creator` field (from the CreateEvent or the curve account).
    pub creator: Pubkey,
    /// SPL Token for `create`, Token-2022 for `create_v2` mints.
    pub token_program: Pubkey,
    /// From Global's fee recipients, or its reserved list for mayhem coins.
    pub fee_recipient: Pubkey,
    /// From Global's buyback fee recipients.
    pub buyback_fee_recipient: Pubkey,
    /// Cashback coins take the user's volume accumulator on sells too.
    pub is_cashback_coin: bool,
}

/// Every account of a buy or sell on one mint, derived once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeAccounts {
    pub inputs: TradeInputs,
    pub bonding_curve: Pubkey,
    pub associated_bonding_curve: Pubkey,
    pub associated_user: Pubkey,
    pub creator_vault: Pubkey,
    pub user_volume_accumulator: Pubkey,
    pub bonding_curve_v2: Pubkey,
}

impl TradeAccounts {
    pub fn derive(inputs: TradeInputs) -> Self {
        let TradeInputs {
            mint,
            user,
            creator,
            token_program,
            ..
        } = inputs;
        let bonding_curve = pda::bonding_curve(&mint);
        Self {
            inputs,
            bonding_curve,
            associated_bonding_curve: pda::associated_bonding_curve(
                &bonding_curve,
                &token_program,
                &mint,
            ),
            associated_user: pda::associated_token_address(&user, &token_program, &mint),
            creator_vault: pda::creator_vault(&creator),
            user_volume_accumulator: pda::user_volume_accumulator(&user),
            bonding_curve_v2: pda::bonding_curve_v2(&mint),
        }
    }
}

fn data(discriminator: [u8; 8], args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + args.iter().map(|a| a.len()).sum::<usize>());
    out.extend_from_slice(&discriminator);
    for a in args {
        out.extend_from_slice(a);
    }
    out
}

/// The 16 IDL accounts of `buy` and `buy_exact_sol_in`, then `bonding_curve_v2` and a buyback
/// fee recipient: 18 in all.
fn buy_accounts(a: &TradeAccounts) -> Vec<AccountMeta> {
    let i = &a.inputs;
    vec![
        AccountMeta::new_readonly(GLOBAL, false),
        AccountMeta::new(i.fee_recipient, false),
        AccountMeta::new_readonly(i.mint, false),
        AccountMeta::new(a.bonding_curve, false),
        AccountMeta::new(a.associated_bonding_curve, false),
        AccountMeta::new(a.associated_user, false),
        AccountMeta::new(i.user, true),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        AccountMeta::new_readonly(i.token_program, false),
        AccountMeta::new(a.creator_vault, false),
        AccountMeta::new_readonly(EVENT_AUTHORITY, false),
        AccountMeta::new_readonly(PUMP_PROGRAM, false),
        AccountMeta::new_readonly(GLOBAL_VOLUME_ACCUMULATOR, false),
        AccountMeta::new(a.user_volume_accumulator, false),
        AccountMeta::new_readonly(FEE_CONFIG, false),
        AccountMeta::new_readonly(PUMP_FEES_PROGRAM, false),
        AccountMeta::new_readonly(a.bonding_curve_v2, false),
        AccountMeta::new(i.buyback_fee_recipient, false),
    ]
}

/// `buy`: exactly `amount` tokens, paying at most `max_sol_cost` lamports including fees.
pub fn buy(
    a: &TradeAccounts,
    amount: TokenAmount,
    max_sol_cost: Lamports,
    track_volume: bool,
) -> Instruction {
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: buy_accounts(a),
        data: data(
            disc::BUY,
            &[
                &amount.0.to_le_bytes(),
                &max_sol_cost.0.to_le_bytes(),
                &[u8::from(track_volume)],
            ],
        ),
    }
}

/// `buy_exact_sol_in`: spend `spendable_sol_in` lamports (fees included), for at least
/// `min_tokens_out` tokens.
pub fn buy_exact_sol_in(
    a: &TradeAccounts,
    spendable_sol_in: Lamports,
    min_tokens_out: TokenAmount,
    track_volume: bool,
) -> Instruction {
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: buy_accounts(a),
        data: data(
            disc::BUY_EXACT_SOL_IN,
            &[
                &spendable_sol_in.0.to_le_bytes(),
                &min_tokens_out.0.to_le_bytes(),
                &[u8::from(track_volume)],
            ],
        ),
    }
}

/// `sell`: `amount` tokens for at least `min_sol_output` lamports after fees. The 14 IDL
/// accounts (creator_vault before token_program, unlike buy), then the user volume accumulator
/// for cashback coins, `bonding_curve_v2` and a buyback fee recipient.
pub fn sell(a: &TradeAccounts, amount: TokenAmount, min_sol_output: Lamports) -> Instruction {
    let i = &a.inputs;
    let mut accounts = vec![
        AccountMeta::new_readonly(GLOBAL, false),
        AccountMeta::new(i.fee_recipient, false),
        AccountMeta::new_readonly(i.mint, false),
        AccountMeta::new(a.bonding_curve, false),
        AccountMeta::new(a.associated_bonding_curve, false),
        AccountMeta::new(a.associated_user, false),
        AccountMeta::new(i.user, true),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        AccountMeta::new(a.creator_vault, false),
        AccountMeta::new_readonly(i.token_program, false),
        AccountMeta::new_readonly(EVENT_AUTHORITY, false),
        AccountMeta::new_readonly(PUMP_PROGRAM, false),
        AccountMeta::new_readonly(FEE_CONFIG, false),
        AccountMeta::new_readonly(PUMP_FEES_PROGRAM, false),
    ];
    if i.is_cashback_coin {
        accounts.push(AccountMeta::new(a.user_volume_accumulator, false));
    }
    accounts.push(AccountMeta::new_readonly(a.bonding_curve_v2, false));
    accounts.push(AccountMeta::new(i.buyback_fee_recipient, false));
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts,
        data: data(
            disc::SELL,
            &[&amount.0.to_le_bytes(), &min_sol_output.0.to_le_bytes()],
        ),
    }
}

fn borsh_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// `create`: a new SPL-Token coin on a fresh curve. `mint` must sign; `user` pays.
pub fn create(
    mint: &Pubkey,
    user: &Pubkey,
    creator: &Pubkey,
    name: &str,
    symbol: &str,
    uri: &str,
) -> Instruction {
    let bonding_curve = pda::bonding_curve(mint);
    let metadata = pda::metadata(mint);
    let mut data = disc::CREATE.to_vec();
    borsh_str(&mut data, name);
    borsh_str(&mut data, symbol);
    borsh_str(&mut data, uri);
    data.extend_from_slice(creator.as_ref());
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: vec![
            AccountMeta::new(*mint, true),
            AccountMeta::new_readonly(MINT_AUTHORITY, false),
            AccountMeta::new(bonding_curve, false),
            AccountMeta::new(
                pda::associated_bonding_curve(&bonding_curve, &TOKEN_PROGRAM, mint),
                false,
            ),
            AccountMeta::new_readonly(GLOBAL, false),
            AccountMeta::new_readonly(METAPLEX_METADATA_PROGRAM, false),
            AccountMeta::new(metadata, false),
            AccountMeta::new(*user, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
            AccountMeta::new_readonly(ASSOCIATED_TOKEN_PROGRAM, false),
            AccountMeta::new_readonly(SYSVAR_RENT, false),
            AccountMeta::new_readonly(EVENT_AUTHORITY, false),
            AccountMeta::new_readonly(PUMP_PROGRAM, false),
        ],
        data,
    }
}

/// `create_v2`: a new Token-2022 coin. Mayhem mode is not offered here.
pub fn create_v2(
    mint: &Pubkey,
    user: &Pubkey,
    creator: &Pubkey,
    name: &str,
    symbol: &str,
    uri: &str,
    is_cashback_enabled: bool,
) -> Instruction {
    let bonding_curve = pda::bonding_curve(mint);
    // Seeds from the IDL's `pda` entries of create_v2.
    let mayhem_pda = |seed: &[u8]| Pubkey::find_program_address(&[seed], &MAYHEM_PROGRAM).0;
    let mut data = disc::CREATE_V2.to_vec();
    borsh_str(&mut data, name);
    borsh_str(&mut data, symbol);
    borsh_str(&mut data, uri);
    data.extend_from_slice(creator.as_ref());
    data.push(0); // is_mayhem_mode
    data.push(u8::from(is_cashback_enabled));
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: vec![
            AccountMeta::new(*mint, true),
            AccountMeta::new_readonly(MINT_AUTHORITY, false),
            AccountMeta::new(bonding_curve, false),
            AccountMeta::new(
                pda::associated_bonding_curve(&bonding_curve, &TOKEN_2022_PROGRAM, mint),
                false,
            ),
            AccountMeta::new_readonly(GLOBAL, false),
            AccountMeta::new(*user, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(TOKEN_2022_PROGRAM, false),
            AccountMeta::new_readonly(ASSOCIATED_TOKEN_PROGRAM, false),
            AccountMeta::new(MAYHEM_PROGRAM, false),
            AccountMeta::new_readonly(mayhem_pda(b"global-params"), false),
            AccountMeta::new(mayhem_pda(b"sol-vault"), false),
            AccountMeta::new(
                Pubkey::find_program_address(&[b"mayhem-state", mint.as_ref()], &MAYHEM_PROGRAM).0,
                false,
            ),
            // The IDL gives no seeds for mayhem_token_vault; the sol vault's Token-2022 account
            // is our reading (UNCONFIRMED). Unused unless mayhem mode is on.
            AccountMeta::new(
                pda::associated_token_address(&mayhem_pda(b"sol-vault"), &TOKEN_2022_PROGRAM, mint),
                false,
            ),
            AccountMeta::new_readonly(EVENT_AUTHORITY, false),
            AccountMeta::new_readonly(PUMP_PROGRAM, false),
        ],
        data,
    }
}

/// The associated token program's `create_idempotent` (instruction 1) of `ata`, the account
/// of `wallet` for `mint` under `token_program`, derived by the caller (deriving costs µs).
pub fn ata_create_idempotent(
    payer: &Pubkey,
    ata: &Pubkey,
    wallet: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    Instruction {
        program_id: ASSOCIATED_TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*ata, false),
            AccountMeta::new_readonly(*wallet, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(*token_program, false),
        ],
        data: vec![1],
    }
}

/// Compute budget `SetComputeUnitLimit` (instruction 2).
pub fn set_compute_unit_limit(units: u32) -> Instruction {
    let mut data = vec![2];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: crate::ids::COMPUTE_BUDGET_PROGRAM,
        accounts: Vec::new(),
        data,
    }
}

/// Compute budget `SetComputeUnitPrice` (instruction 3), micro-lamports per unit.
pub fn set_compute_unit_price(micro_lamports: u64) -> Instruction {
    let mut data = vec![3];
    data.extend_from_slice(&micro_lamports.to_le_bytes());
    Instruction {
        program_id: crate::ids::COMPUTE_BUDGET_PROGRAM,
        accounts: Vec::new(),
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BUYBACK_FEE_RECIPIENT_0, FEE_RECIPIENT_0};

    fn key(s: &str) -> Pubkey {
        s.parse().unwrap()
    }

    fn hawk(cashback: bool, token_program: Pubkey) -> TradeAccounts {
        TradeAccounts::derive(TradeInputs {
            mint: key("5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"),
            user: key("59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6"),
            creator: key("59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6"),
            token_program,
            fee_recipient: FEE_RECIPIENT_0,
            buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
            is_cashback_coin: cashback,
        })
    }

    /// (name, writable, signer) of an instruction's IDL accounts.
    fn idl_accounts(name: &str) -> Vec<(String, bool, bool)> {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../tests/fixtures/pump_idl.json"
        ))
        .unwrap();
        let idl: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ix = idl["instructions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap();
        ix["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap().to_owned(),
                    a["writable"].as_bool().unwrap_or(false),
                    a["signer"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }

    fn flags(ix: &Instruction) -> Vec<(bool, bool)> {
        ix.accounts
            .iter()
            .map(|m| (m.is_writable, m.is_signer))
            .collect()
    }

    #[test]
    fn buy_matches_the_idl_plus_two_remaining_accounts() {
        let a = hawk(false, TOKEN_PROGRAM);
        for ix in [
            buy(&a, TokenAmount(176_856_457_560), Lamports(5_000_000), true),
            buy_exact_sol_in(&a, Lamports(5_000_000), TokenAmount(1), true),
        ] {
            assert_eq!(ix.program_id, PUMP_PROGRAM);
            assert_eq!(ix.accounts.len(), 18);
            let idl = idl_accounts(if ix.data[..8] == disc::BUY {
                "buy"
            } else {
                "buy_exact_sol_in"
            });
            let expected: Vec<(bool, bool)> = idl.iter().map(|(_, w, s)| (*w, *s)).collect();
            assert_eq!(flags(&ix)[..16], expected[..]);
            assert_eq!(
                ix.accounts[4].pubkey,
                key("M2wP9aFevwfpvcFgXwgZdMR5B7Xn35xqwwoydx5kwJj")
            );
            assert_eq!(
                ix.accounts[9].pubkey,
                key("GH6nk7xQGxYY99XQXhD9iaYXYsaRe9wAH8K1nNdx9Z9s")
            );
            assert_eq!(
                ix.accounts[13].pubkey,
                key("D2mHdA6hfhJfPprCAKjRb26o35FYzU3fE4fbfzvVaKNi")
            );
            assert_eq!(
                (ix.accounts[16].pubkey, ix.accounts[16].is_writable),
                (key("6ZTQwYLvhxUWMgwdWYc8kcTtSycRUFZjJhRse29Ls9xv"), false)
            );
            assert_eq!(
                (ix.accounts[17].pubkey, ix.accounts[17].is_writable),
                (BUYBACK_FEE_RECIPIENT_0, true)
            );
            assert_eq!(ix.data.len(), 25);
        }
    }

    #[test]
    fn buy_data_layout() {
        let ix = buy(
            &hawk(false, TOKEN_PROGRAM),
            TokenAmount(0x0102),
            Lamports(0x0304),
            true,
        );
        let mut want = disc::BUY.to_vec();
        want.extend(0x0102u64.to_le_bytes());
        want.extend(0x0304u64.to_le_bytes());
        want.push(1);
        assert_eq!(ix.data, want);
    }

    #[test]
    fn sell_matches_the_idl_and_adds_the_cashback_account_only_for_cashback_coins() {
        let plain = sell(&hawk(false, TOKEN_PROGRAM), TokenAmount(10), Lamports(1));
        assert_eq!(plain.accounts.len(), 16);
        let idl: Vec<(bool, bool)> = idl_accounts("sell")
            .iter()
            .map(|(_, w, s)| (*w, *s))
            .collect();
        assert_eq!(flags(&plain)[..14], idl[..]);
        assert_eq!(
            plain.accounts[8].pubkey,
            key("GH6nk7xQGxYY99XQXhD9iaYXYsaRe9wAH8K1nNdx9Z9s"),
            "creator_vault before token_program"
        );
        assert_eq!(plain.accounts[9].pubkey, TOKEN_PROGRAM);
        assert_eq!(plain.data.len(), 24);
        assert_eq!(plain.data[..8], disc::SELL);

        let cashback = sell(&hawk(true, TOKEN_PROGRAM), TokenAmount(10), Lamports(1));
        assert_eq!(cashback.accounts.len(), 17);
        assert_eq!(
            cashback.accounts[14].pubkey,
            key("D2mHdA6hfhJfPprCAKjRb26o35FYzU3fE4fbfzvVaKNi")
        );
        assert!(cashback.accounts[14].is_writable);
    }

    #[test]
    fn create_instructions_match_the_idl() {
        let mint = Pubkey::new_unique();
        let user = Pubkey::new_unique();
        let ix = create(&mint, &user, &user, "Name", "SYM", "https://x");
        let idl: Vec<(bool, bool)> = idl_accounts("create")
            .iter()
            .map(|(_, w, s)| (*w, *s))
            .collect();
        assert_eq!(flags(&ix), idl);
        assert_eq!(ix.data[..8], disc::CREATE);
        let ix2 = create_v2(&mint, &user, &user, "Name", "SYM", "https://x", false);
        let idl2: Vec<(bool, bool)> = idl_accounts("create_v2")
            .iter()
            .map(|(_, w, s)| (*w, *s))
            .collect();
        assert_eq!(flags(&ix2), idl2);
        assert_eq!(ix2.accounts[7].pubkey, TOKEN_2022_PROGRAM);
    }

    #[test]
    fn token_2022_mints_use_token_2022_accounts() {
        let a = hawk(false, TOKEN_2022_PROGRAM);
        let ix = buy(&a, TokenAmount(1), Lamports(1), false);
        assert_eq!(ix.accounts[8].pubkey, TOKEN_2022_PROGRAM);
        assert_ne!(
            ix.accounts[4].pubkey,
            hawk(false, TOKEN_PROGRAM).associated_bonding_curve
        );
    }
}
