//! The v2 trades, `buy_v2`, `sell_v2` and `buy_exact_quote_in_v2` (docs/protocol.md §1.7): the
//! only instructions that can trade a coin quoted in something other than SOL (USDC), with both
//! fee recipients named in the IDL's list rather than appended, and no optional account (27, 26
//! and 27 accounts). Every address is derived here from eight keys the caller already knows, so
//! a trade needs no RPC read; [`V2Accounts`] is derived once per coin and the builders only copy keys.

use kestrel_units::{QuoteAmount, TokenAmount};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::data;
use crate::discriminator::instruction as disc;
use crate::ids::{
    ASSOCIATED_TOKEN_PROGRAM, EVENT_AUTHORITY, FEE_CONFIG, GLOBAL, GLOBAL_VOLUME_ACCUMULATOR,
    PUMP_FEES_PROGRAM, PUMP_PROGRAM, SYSTEM_PROGRAM, WSOL_MINT,
};
use crate::pda;

/// The keys a v2 trade on one coin starts from; [`V2Accounts::derive`] derives the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V2Inputs {
    /// The coin (the IDL's `base_mint`).
    pub mint: Pubkey,
    /// WSOL for SOL-paired coins (the curve stores `Pubkey::default()` for them; see
    /// [`quote_mint_of_curve`]), USDC for USDC-paired ones.
    pub quote_mint: Pubkey,
    /// Token-2022 for `create_v2` coins, SPL Token for legacy ones (docs/protocol.md §1.7 item 5).
    pub base_token_program: Pubkey,
    /// SPL Token for both WSOL and USDC.
    pub quote_token_program: Pubkey,
    /// The trader's wallet: signer and fee payer.
    pub user: Pubkey,
    /// The bonding curve's current `creator` field, never the create instruction's argument:
    /// fee sharing may have replaced it (docs/protocol.md §1.7, 2026-01-10 row).
    pub creator: Pubkey,
    /// From the normal set, or the reserved set for mayhem coins ([`crate::fee_recipient`]).
    pub fee_recipient: Pubkey,
    /// From the buyback set.
    pub buyback_fee_recipient: Pubkey,
}

/// Every account of a v2 trade on one coin, derived locally (docs/protocol.md §1.7 tables;
/// the `associated_*` names are the IDL's). ATA(o, p, m) below means the associated token
/// account of owner o for token program p and mint m.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V2Accounts {
    pub inputs: V2Inputs,
    /// ATA(fee_recipient, quote token program, quote mint).
    pub associated_quote_fee_recipient: Pubkey,
    /// ATA(buyback_fee_recipient, quote token program, quote mint).
    pub associated_quote_buyback_fee_recipient: Pubkey,
    /// `["bonding-curve", mint]`.
    pub bonding_curve: Pubkey,
    /// ATA(bonding_curve, base token program, mint).
    pub associated_base_bonding_curve: Pubkey,
    /// ATA(bonding_curve, quote token program, quote mint).
    pub associated_quote_bonding_curve: Pubkey,
    /// ATA(user, base token program, mint): where bought tokens land.
    pub associated_base_user: Pubkey,
    /// ATA(user, quote token program, quote mint).
    pub associated_quote_user: Pubkey,
    /// `["creator-vault", creator]`.
    pub creator_vault: Pubkey,
    /// ATA(creator_vault, quote token program, quote mint).
    pub associated_creator_vault: Pubkey,
    /// `["sharing-config", mint]` under the fee program.
    pub sharing_config: Pubkey,
    /// `["user_volume_accumulator", user]`.
    pub user_volume_accumulator: Pubkey,
    /// ATA(user_volume_accumulator, quote token program, quote mint).
    pub associated_user_volume_accumulator: Pubkey,
}

/// The quote mint a v2 instruction names for a curve whose `quote_mint` field is
/// `curve_quote_mint`: SOL-paired curves store `Pubkey::default()` there (docs/protocol.md §1.3)
/// but the instruction takes the WSOL mint (§1.7).
pub fn quote_mint_of_curve(curve_quote_mint: &Pubkey) -> Pubkey {
    if *curve_quote_mint == Pubkey::default() {
        WSOL_MINT
    } else {
        *curve_quote_mint
    }
}

impl V2Accounts {
    /// Derives every PDA and ATA; about a dozen address searches, so once per coin, off the hot path.
    pub fn derive(inputs: V2Inputs) -> Self {
        let V2Inputs {
            mint,
            quote_mint,
            base_token_program,
            quote_token_program,
            user,
            creator,
            fee_recipient,
            buyback_fee_recipient,
        } = inputs;
        let quote_ata = |owner: &Pubkey| {
            pda::associated_token_address(owner, &quote_token_program, &quote_mint)
        };
        let bonding_curve = pda::bonding_curve(&mint);
        let creator_vault = pda::creator_vault(&creator);
        let user_volume_accumulator = pda::user_volume_accumulator(&user);
        Self {
            inputs,
            associated_quote_fee_recipient: quote_ata(&fee_recipient),
            associated_quote_buyback_fee_recipient: quote_ata(&buyback_fee_recipient),
            bonding_curve,
            associated_base_bonding_curve: pda::associated_token_address(
                &bonding_curve,
                &base_token_program,
                &mint,
            ),
            associated_quote_bonding_curve: quote_ata(&bonding_curve),
            associated_base_user: pda::associated_token_address(&user, &base_token_program, &mint),
            associated_quote_user: quote_ata(&user),
            creator_vault,
            associated_creator_vault: quote_ata(&creator_vault),
            sharing_config: pda::sharing_config(&mint),
            user_volume_accumulator,
            associated_user_volume_accumulator: quote_ata(&user_volume_accumulator),
        }
    }

    /// The same coin with other fee recipients: pump.fun wants them drawn afresh for each
    /// transaction (docs/protocol.md §1.7 item 8), and only their two quote ATAs depend on them.
    pub fn with_fee_recipients(self, fee_recipient: Pubkey, buyback_fee_recipient: Pubkey) -> Self {
        let i = self.inputs;
        let quote_ata = |owner: &Pubkey| {
            pda::associated_token_address(owner, &i.quote_token_program, &i.quote_mint)
        };
        Self {
            inputs: V2Inputs {
                fee_recipient,
                buyback_fee_recipient,
                ..i
            },
            associated_quote_fee_recipient: quote_ata(&fee_recipient),
            associated_quote_buyback_fee_recipient: quote_ata(&buyback_fee_recipient),
            ..self
        }
    }
}

/// The IDL's account list of the v2 trades (docs/protocol.md §1.7). The buys list
/// `global_volume_accumulator` after `sharing_config`; `sell_v2` is the same list without it.
fn v2_accounts(a: &V2Accounts, with_global_volume_accumulator: bool) -> Vec<AccountMeta> {
    let i = &a.inputs;
    let mut accounts = Vec::with_capacity(27);
    accounts.extend([
        AccountMeta::new_readonly(GLOBAL, false),
        AccountMeta::new_readonly(i.mint, false),
        AccountMeta::new_readonly(i.quote_mint, false),
        AccountMeta::new_readonly(i.base_token_program, false),
        AccountMeta::new_readonly(i.quote_token_program, false),
        AccountMeta::new_readonly(ASSOCIATED_TOKEN_PROGRAM, false),
        AccountMeta::new(i.fee_recipient, false),
        AccountMeta::new(a.associated_quote_fee_recipient, false),
        AccountMeta::new(i.buyback_fee_recipient, false),
        AccountMeta::new(a.associated_quote_buyback_fee_recipient, false),
        AccountMeta::new(a.bonding_curve, false),
        AccountMeta::new(a.associated_base_bonding_curve, false),
        AccountMeta::new(a.associated_quote_bonding_curve, false),
        AccountMeta::new(i.user, true),
        AccountMeta::new(a.associated_base_user, false),
        AccountMeta::new(a.associated_quote_user, false),
        AccountMeta::new(a.creator_vault, false),
        AccountMeta::new(a.associated_creator_vault, false),
        AccountMeta::new_readonly(a.sharing_config, false),
    ]);
    if with_global_volume_accumulator {
        accounts.push(AccountMeta::new_readonly(GLOBAL_VOLUME_ACCUMULATOR, false));
    }
    accounts.extend([
        AccountMeta::new(a.user_volume_accumulator, false),
        AccountMeta::new(a.associated_user_volume_accumulator, false),
        AccountMeta::new_readonly(FEE_CONFIG, false),
        AccountMeta::new_readonly(PUMP_FEES_PROGRAM, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
        AccountMeta::new_readonly(EVENT_AUTHORITY, false),
        AccountMeta::new_readonly(PUMP_PROGRAM, false),
    ]);
    accounts
}

/// `buy_v2`: exactly `amount_tokens`, paying at most `max_quote_cost` of the quote mint, fees
/// included (the IDL's `amount`, `max_sol_cost`). 27 accounts.
pub fn buy_v2(
    a: &V2Accounts,
    amount_tokens: TokenAmount,
    max_quote_cost: QuoteAmount,
) -> Instruction {
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: v2_accounts(a, true),
        data: data(
            disc::BUY_V2,
            &[
                &amount_tokens.0.to_le_bytes(),
                &max_quote_cost.0.to_le_bytes(),
            ],
        ),
    }
}

/// `sell_v2`: `amount_tokens` for at least `min_quote_output` of the quote mint, after fees
/// (the IDL's `amount`, `min_sol_output`). 26 accounts.
pub fn sell_v2(
    a: &V2Accounts,
    amount_tokens: TokenAmount,
    min_quote_output: QuoteAmount,
) -> Instruction {
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: v2_accounts(a, false),
        data: data(
            disc::SELL_V2,
            &[
                &amount_tokens.0.to_le_bytes(),
                &min_quote_output.0.to_le_bytes(),
            ],
        ),
    }
}

/// `buy_exact_quote_in_v2`: spend `spendable_quote_in` of the quote mint, fees included, for at
/// least `min_tokens_out`. The same 27 accounts as `buy_v2`.
pub fn buy_exact_quote_in_v2(
    a: &V2Accounts,
    spendable_quote_in: QuoteAmount,
    min_tokens_out: TokenAmount,
) -> Instruction {
    Instruction {
        program_id: PUMP_PROGRAM,
        accounts: v2_accounts(a, true),
        data: data(
            disc::BUY_EXACT_QUOTE_IN_V2,
            &[
                &spendable_quote_in.0.to_le_bytes(),
                &min_tokens_out.0.to_le_bytes(),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{
        BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, USDC_MINT,
    };

    fn key(s: &str) -> Pubkey {
        s.parse().unwrap()
    }

    // The hawk launch of pda.rs's tests, whose derived addresses are checked there.
    fn hawk(quote_mint: Pubkey) -> V2Accounts {
        V2Accounts::derive(V2Inputs {
            mint: key("5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"),
            quote_mint,
            base_token_program: TOKEN_PROGRAM,
            quote_token_program: TOKEN_PROGRAM,
            user: key("59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6"),
            creator: key("59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6"),
            fee_recipient: FEE_RECIPIENTS[0],
            buyback_fee_recipient: BUYBACK_FEE_RECIPIENTS[0],
        })
    }

    #[test]
    fn the_buys_take_27_accounts_and_the_sell_26_none_optional() {
        let a = hawk(WSOL_MINT);
        assert_eq!(
            buy_v2(&a, TokenAmount(1), QuoteAmount(1)).accounts.len(),
            27
        );
        assert_eq!(
            buy_exact_quote_in_v2(&a, QuoteAmount(1), TokenAmount(1))
                .accounts
                .len(),
            27
        );
        let sell = sell_v2(&a, TokenAmount(1), QuoteAmount(1));
        assert_eq!(sell.accounts.len(), 26);
        assert!(
            !sell
                .accounts
                .iter()
                .any(|m| m.pubkey == GLOBAL_VOLUME_ACCUMULATOR)
        );
    }

    #[test]
    fn data_is_the_discriminator_then_two_little_endian_u64s() {
        let a = hawk(WSOL_MINT);
        for (ix, d, first, second) in [
            (
                buy_v2(&a, TokenAmount(0x0102), QuoteAmount(0x0304)),
                disc::BUY_V2,
                0x0102u64,
                0x0304u64,
            ),
            (
                sell_v2(&a, TokenAmount(0x0506), QuoteAmount(0x0708)),
                disc::SELL_V2,
                0x0506,
                0x0708,
            ),
            (
                buy_exact_quote_in_v2(&a, QuoteAmount(0x090a), TokenAmount(0x0b0c)),
                disc::BUY_EXACT_QUOTE_IN_V2,
                0x090a,
                0x0b0c,
            ),
        ] {
            let mut want = d.to_vec();
            want.extend(first.to_le_bytes());
            want.extend(second.to_le_bytes());
            assert_eq!(ix.data, want);
            assert_eq!(ix.data.len(), 24);
        }
    }

    #[test]
    fn v2_discriminators_match_the_hex_of_the_protocol_reference() {
        // docs/protocol.md §1.7, "v2 instruction data".
        let hex = |d: [u8; 8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(disc::BUY_V2), "b817ee6167c5d33d");
        assert_eq!(hex(disc::SELL_V2), "5df6823ce7e940b2");
        assert_eq!(hex(disc::BUY_EXACT_QUOTE_IN_V2), "c2ab1c46684d5b2f");
    }

    #[test]
    fn accounts_shared_with_the_legacy_buy_are_the_same_addresses() {
        let a = hawk(WSOL_MINT);
        assert_eq!(
            a.associated_base_bonding_curve,
            key("M2wP9aFevwfpvcFgXwgZdMR5B7Xn35xqwwoydx5kwJj")
        );
        assert_eq!(
            a.creator_vault,
            key("GH6nk7xQGxYY99XQXhD9iaYXYsaRe9wAH8K1nNdx9Z9s")
        );
        assert_eq!(
            a.user_volume_accumulator,
            key("D2mHdA6hfhJfPprCAKjRb26o35FYzU3fE4fbfzvVaKNi")
        );
    }

    #[test]
    fn a_usdc_coin_changes_only_the_quote_side() {
        let sol = hawk(WSOL_MINT);
        let usdc = hawk(USDC_MINT);
        assert_eq!(sol.bonding_curve, usdc.bonding_curve);
        assert_eq!(
            sol.associated_base_bonding_curve,
            usdc.associated_base_bonding_curve
        );
        assert_eq!(sol.associated_base_user, usdc.associated_base_user);
        assert_ne!(
            sol.associated_quote_bonding_curve,
            usdc.associated_quote_bonding_curve
        );
        assert_ne!(sol.associated_creator_vault, usdc.associated_creator_vault);
        assert_eq!(
            buy_v2(&usdc, TokenAmount(1), QuoteAmount(1)).accounts[2].pubkey,
            USDC_MINT
        );
    }

    #[test]
    fn a_token_2022_coin_changes_only_the_base_side() {
        let spl = hawk(WSOL_MINT);
        let t22 = V2Accounts::derive(V2Inputs {
            base_token_program: TOKEN_2022_PROGRAM,
            ..spl.inputs
        });
        assert_ne!(spl.associated_base_user, t22.associated_base_user);
        assert_ne!(
            spl.associated_base_bonding_curve,
            t22.associated_base_bonding_curve
        );
        assert_eq!(
            spl.associated_quote_bonding_curve,
            t22.associated_quote_bonding_curve
        );
    }

    #[test]
    fn new_fee_recipients_equal_a_fresh_derivation() {
        let a = hawk(USDC_MINT);
        let moved = a.with_fee_recipients(FEE_RECIPIENTS[5], BUYBACK_FEE_RECIPIENTS[3]);
        let fresh = V2Accounts::derive(V2Inputs {
            fee_recipient: FEE_RECIPIENTS[5],
            buyback_fee_recipient: BUYBACK_FEE_RECIPIENTS[3],
            ..a.inputs
        });
        assert_eq!(moved, fresh);
        assert_ne!(moved, a);
    }

    #[test]
    fn a_sol_curve_names_the_wsol_mint() {
        assert_eq!(quote_mint_of_curve(&Pubkey::default()), WSOL_MINT);
        assert_eq!(quote_mint_of_curve(&USDC_MINT), USDC_MINT);
    }
}
