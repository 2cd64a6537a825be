//! PumpSwap (pump_amm, `pAMMBay…`), where a graduated pump.fun coin trades: its PDAs, the Pool
//! account, the `buy_exact_quote_in` and `sell` instructions with the account lists of the
//! official IDL (idl/pump_amm.json), and constant-product math with fees on the quote leg.
//! Pool PDAs are docs/protocol.md §1.5: `["pool", index u16 LE, creator, base_mint, quote_mint]`, the
//! canonical one of a migrated coin created by `["pool-authority", mint]` under pump.fun.

use kestrel_units::Bps;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::discriminator::account::PUMP_AMM_POOL;
use crate::ids::{
    ASSOCIATED_TOKEN_PROGRAM, PUMP_AMM_PROGRAM, PUMP_FEES_PROGRAM, PUMP_PROGRAM, SYSTEM_PROGRAM,
    TOKEN_PROGRAM, WSOL_MINT,
};
use crate::pda::{associated_token_address, find_program_address};

/// Instruction discriminators (idl/pump_amm.json). PumpSwap `buy`/`sell` share theirs with
/// pump.fun's (docs/protocol.md §1.5).
pub mod ix {
    pub const BUY: [u8; 8] = [102, 6, 61, 18, 1, 218, 235, 234];
    pub const SELL: [u8; 8] = [51, 230, 133, 164, 1, 127, 131, 173];
    pub const BUY_EXACT_QUOTE_IN: [u8; 8] = [198, 46, 21, 82, 180, 217, 232, 112];
}

fn amm_pda(seeds: &[&[u8]]) -> Pubkey {
    find_program_address(seeds, &PUMP_AMM_PROGRAM).0
}

/// `["global_config"]`.
pub fn global_config() -> Pubkey {
    amm_pda(&[b"global_config"])
}

/// `["__event_authority"]` under PumpSwap.
pub fn event_authority() -> Pubkey {
    amm_pda(&[b"__event_authority"])
}

/// `["pool-authority", mint]` under pump.fun: the creator of a migrated coin's pool.
pub fn pool_authority(mint: &Pubkey) -> Pubkey {
    find_program_address(&[b"pool-authority", mint.as_ref()], &PUMP_PROGRAM).0
}

/// `["pool", index, creator, base_mint, quote_mint]`.
pub fn pool(index: u16, creator: &Pubkey, base_mint: &Pubkey, quote_mint: &Pubkey) -> Pubkey {
    amm_pda(&[
        b"pool",
        &index.to_le_bytes(),
        creator.as_ref(),
        base_mint.as_ref(),
        quote_mint.as_ref(),
    ])
}

/// The pool `migrate` creates for a graduated coin: index 0, SOL-quoted.
pub fn canonical_pool(mint: &Pubkey) -> Pubkey {
    pool(0, &pool_authority(mint), mint, &WSOL_MINT)
}

/// `["creator_vault", coin_creator]` under PumpSwap.
pub fn coin_creator_vault_authority(coin_creator: &Pubkey) -> Pubkey {
    amm_pda(&[b"creator_vault", coin_creator.as_ref()])
}

/// `["global_volume_accumulator"]` under PumpSwap.
pub fn global_volume_accumulator() -> Pubkey {
    amm_pda(&[b"global_volume_accumulator"])
}

/// `["user_volume_accumulator", user]` under PumpSwap.
pub fn user_volume_accumulator(user: &Pubkey) -> Pubkey {
    amm_pda(&[b"user_volume_accumulator", user.as_ref()])
}

/// `["fee_config", pump_amm program id]` under the fee program.
pub fn fee_config() -> Pubkey {
    find_program_address(
        &[b"fee_config", PUMP_AMM_PROGRAM.as_ref()],
        &PUMP_FEES_PROGRAM,
    )
    .0
}

/// The Pool account (idl/pump_amm.json `Pool`), after its 8-byte discriminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    pub pool_bump: u8,
    pub index: u16,
    pub creator: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub lp_mint: Pubkey,
    pub pool_base_token_account: Pubkey,
    pub pool_quote_token_account: Pubkey,
    pub lp_supply: u64,
    pub coin_creator: Pubkey,
    pub is_mayhem_mode: bool,
    pub is_cashback_coin: bool,
    /// Quote the pool prices with beyond its vault (2026-07, at byte 245; docs/protocol.md
    /// §1.7): the reserve a swap is priced on is vault + this. 0 on pools from before it.
    pub virtual_quote_reserves: i128,
}

/// Bytes of a Pool as written here (through `virtual_quote_reserves`; older pools end after
/// `lp_supply`, at 211, or after the flags, at 245; live pools are longer still, 301 bytes).
pub const POOL_LEN: usize = 261;
const POOL_MIN_LEN: usize = 211;

impl Pool {
    pub fn decode(d: &[u8]) -> Option<Self> {
        if d.len() < POOL_MIN_LEN || d.get(..8)? != PUMP_AMM_POOL {
            return None;
        }
        let key = |at: usize| -> Option<Pubkey> {
            Some(Pubkey::new_from_array(d.get(at..at + 32)?.try_into().ok()?))
        };
        let flag = |at: usize| d.get(at).is_some_and(|b| *b != 0);
        Some(Self {
            pool_bump: d[8],
            index: u16::from_le_bytes(d.get(9..11)?.try_into().ok()?),
            creator: key(11)?,
            base_mint: key(43)?,
            quote_mint: key(75)?,
            lp_mint: key(107)?,
            pool_base_token_account: key(139)?,
            pool_quote_token_account: key(171)?,
            lp_supply: u64::from_le_bytes(d.get(203..211)?.try_into().ok()?),
            coin_creator: key(211).unwrap_or_default(),
            is_mayhem_mode: flag(243),
            is_cashback_coin: flag(244),
            virtual_quote_reserves: d
                .get(245..261)
                .and_then(|b| b.try_into().ok())
                .map_or(0, i128::from_le_bytes),
        })
    }

    /// The quote reserve a swap is priced on: the vault's balance plus the pool's virtual
    /// quote (never below zero). Pricing on the vault alone reads a live pool ~10 % low.
    pub fn quote_reserve(&self, vault: u64) -> u64 {
        let r = i128::from(vault).saturating_add(self.virtual_quote_reserves);
        u64::try_from(r.max(0)).unwrap_or(u64::MAX)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(POOL_LEN);
        d.extend_from_slice(&PUMP_AMM_POOL);
        d.push(self.pool_bump);
        d.extend_from_slice(&self.index.to_le_bytes());
        for k in [
            self.creator,
            self.base_mint,
            self.quote_mint,
            self.lp_mint,
            self.pool_base_token_account,
            self.pool_quote_token_account,
        ] {
            d.extend_from_slice(k.as_ref());
        }
        d.extend_from_slice(&self.lp_supply.to_le_bytes());
        d.extend_from_slice(self.coin_creator.as_ref());
        d.push(u8::from(self.is_mayhem_mode));
        d.push(u8::from(self.is_cashback_coin));
        d.extend_from_slice(&self.virtual_quote_reserves.to_le_bytes());
        d
    }
}

/// Every account of a swap on one pool, in IDL order (`sell` stops before the volume
/// accumulators; `buy_exact_quote_in` has them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapAccounts {
    pub pool: Pubkey,
    pub user: Pubkey,
    pub global_config: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub user_base_token_account: Pubkey,
    pub user_quote_token_account: Pubkey,
    pub pool_base_token_account: Pubkey,
    pub pool_quote_token_account: Pubkey,
    pub protocol_fee_recipient: Pubkey,
    pub protocol_fee_recipient_token_account: Pubkey,
    pub base_token_program: Pubkey,
    pub quote_token_program: Pubkey,
    pub event_authority: Pubkey,
    pub coin_creator_vault_ata: Pubkey,
    pub coin_creator_vault_authority: Pubkey,
    pub user_volume_accumulator: Pubkey,
}

impl SwapAccounts {
    /// Derives every account of `user` trading on `pool`. The quote side is SPL Token (WSOL).
    pub fn derive(
        pool_key: Pubkey,
        pool: &Pool,
        user: Pubkey,
        base_token_program: Pubkey,
        protocol_fee_recipient: Pubkey,
    ) -> Self {
        let quote_token_program = TOKEN_PROGRAM;
        let vault_authority = coin_creator_vault_authority(&pool.coin_creator);
        Self {
            pool: pool_key,
            user,
            global_config: global_config(),
            base_mint: pool.base_mint,
            quote_mint: pool.quote_mint,
            user_base_token_account: associated_token_address(
                &user,
                &base_token_program,
                &pool.base_mint,
            ),
            user_quote_token_account: associated_token_address(
                &user,
                &quote_token_program,
                &pool.quote_mint,
            ),
            pool_base_token_account: pool.pool_base_token_account,
            pool_quote_token_account: pool.pool_quote_token_account,
            protocol_fee_recipient,
            protocol_fee_recipient_token_account: associated_token_address(
                &protocol_fee_recipient,
                &quote_token_program,
                &pool.quote_mint,
            ),
            base_token_program,
            quote_token_program,
            event_authority: event_authority(),
            coin_creator_vault_ata: associated_token_address(
                &vault_authority,
                &quote_token_program,
                &pool.quote_mint,
            ),
            coin_creator_vault_authority: vault_authority,
            user_volume_accumulator: user_volume_accumulator(&user),
        }
    }

    fn metas(&self, with_volume: bool) -> Vec<AccountMeta> {
        let mut v = vec![
            AccountMeta::new(self.pool, false),
            AccountMeta::new(self.user, true),
            AccountMeta::new_readonly(self.global_config, false),
            AccountMeta::new_readonly(self.base_mint, false),
            AccountMeta::new_readonly(self.quote_mint, false),
            AccountMeta::new(self.user_base_token_account, false),
            AccountMeta::new(self.user_quote_token_account, false),
            AccountMeta::new(self.pool_base_token_account, false),
            AccountMeta::new(self.pool_quote_token_account, false),
            AccountMeta::new_readonly(self.protocol_fee_recipient, false),
            AccountMeta::new(self.protocol_fee_recipient_token_account, false),
            AccountMeta::new_readonly(self.base_token_program, false),
            AccountMeta::new_readonly(self.quote_token_program, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(ASSOCIATED_TOKEN_PROGRAM, false),
            AccountMeta::new_readonly(self.event_authority, false),
            AccountMeta::new_readonly(PUMP_AMM_PROGRAM, false),
            AccountMeta::new(self.coin_creator_vault_ata, false),
            AccountMeta::new_readonly(self.coin_creator_vault_authority, false),
        ];
        if with_volume {
            v.push(AccountMeta::new(global_volume_accumulator(), false));
            v.push(AccountMeta::new(self.user_volume_accumulator, false));
        }
        v.push(AccountMeta::new_readonly(fee_config(), false));
        v.push(AccountMeta::new_readonly(PUMP_FEES_PROGRAM, false));
        v
    }

    /// The accounts every swap on this pool shares, whoever trades: what a lookup table holds.
    pub fn shared(&self) -> Vec<Pubkey> {
        vec![
            self.pool,
            self.global_config,
            self.base_mint,
            self.quote_mint,
            self.pool_base_token_account,
            self.pool_quote_token_account,
            self.protocol_fee_recipient,
            self.protocol_fee_recipient_token_account,
            self.base_token_program,
            self.quote_token_program,
            SYSTEM_PROGRAM,
            ASSOCIATED_TOKEN_PROGRAM,
            self.event_authority,
            PUMP_AMM_PROGRAM,
            self.coin_creator_vault_ata,
            self.coin_creator_vault_authority,
            global_volume_accumulator(),
            fee_config(),
            PUMP_FEES_PROGRAM,
        ]
    }
}

/// `sell`: `base_amount_in` of the coin for at least `min_quote_amount_out` lamports of WSOL.
pub fn sell(a: &SwapAccounts, base_amount_in: u64, min_quote_amount_out: u64) -> Instruction {
    let mut data = ix::SELL.to_vec();
    data.extend_from_slice(&base_amount_in.to_le_bytes());
    data.extend_from_slice(&min_quote_amount_out.to_le_bytes());
    Instruction {
        program_id: PUMP_AMM_PROGRAM,
        accounts: a.metas(false),
        data,
    }
}

/// `buy_exact_quote_in`: spend `spendable_quote_in` (fees included) for at least
/// `min_base_amount_out`. `track_volume` is the IDL's OptionBool, one byte.
pub fn buy_exact_quote_in(
    a: &SwapAccounts,
    spendable_quote_in: u64,
    min_base_amount_out: u64,
) -> Instruction {
    let mut data = ix::BUY_EXACT_QUOTE_IN.to_vec();
    data.extend_from_slice(&spendable_quote_in.to_le_bytes());
    data.extend_from_slice(&min_base_amount_out.to_le_bytes());
    data.push(0);
    Instruction {
        program_id: PUMP_AMM_PROGRAM,
        accounts: a.metas(true),
        data,
    }
}

/// A pool's fee rates, charged on the quote leg (GlobalConfig's three basis-point fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolFees {
    pub lp: Bps,
    pub protocol: Bps,
    pub coin_creator: Bps,
}

impl PoolFees {
    pub fn total(self) -> u64 {
        self.lp.0 + self.protocol.0 + self.coin_creator.0
    }
}

/// The quote-side split of one swap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuoteLeg {
    /// Quote moved by the curve (before fees).
    pub curve: u64,
    pub lp_fee: u64,
    pub protocol_fee: u64,
    pub coin_creator_fee: u64,
}

impl QuoteLeg {
    pub fn fees(&self) -> u64 {
        self.lp_fee + self.protocol_fee + self.coin_creator_fee
    }
}

fn fee(amount: u64, rate: Bps) -> u64 {
    (u128::from(amount) * u128::from(rate.0)).div_ceil(10_000) as u64
}

fn split(curve: u64, fees: PoolFees) -> QuoteLeg {
    QuoteLeg {
        curve,
        lp_fee: fee(curve, fees.lp),
        protocol_fee: fee(curve, fees.protocol),
        coin_creator_fee: fee(curve, fees.coin_creator),
    }
}

/// Selling `base_in`: the quote out of the pool, `floor(b·Q/(B+b))`, and the fees taken from
/// it. `None` on an empty pool or when fees exceed the proceeds.
pub fn sell_quote(
    base_in: u64,
    pool_base: u64,
    pool_quote: u64,
    fees: PoolFees,
) -> Option<QuoteLeg> {
    if base_in == 0 || pool_base == 0 || pool_quote == 0 {
        return None;
    }
    let out = u128::from(base_in) * u128::from(pool_quote)
        / (u128::from(pool_base) + u128::from(base_in));
    let leg = split(u64::try_from(out).ok()?, fees);
    (leg.fees() <= leg.curve).then_some(leg)
}

/// Buying with `spendable` quote (fees on top): the part the curve gets,
/// `floor(spendable·10000/(10000+fee_bps))`, and the base it buys, `floor(q·B/(Q+q))`.
pub fn buy_base(
    spendable: u64,
    pool_base: u64,
    pool_quote: u64,
    fees: PoolFees,
) -> Option<(u64, QuoteLeg)> {
    if spendable == 0 || pool_base == 0 || pool_quote == 0 {
        return None;
    }
    let net = u128::from(spendable) * 10_000 / (10_000 + u128::from(fees.total()));
    let mut leg = split(u64::try_from(net).ok()?, fees);
    // Rounding each fee up can overshoot the budget by a lamport or two: take it off the curve.
    while leg.curve + leg.fees() > spendable && leg.curve > 0 {
        leg = split(leg.curve - 1, fees);
    }
    let base = u128::from(leg.curve) * u128::from(pool_base)
        / (u128::from(pool_quote) + u128::from(leg.curve));
    let base = u64::try_from(base).ok()?;
    (base > 0 && base < pool_base).then_some((base, leg))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEES: PoolFees = PoolFees {
        lp: Bps(20),
        protocol: Bps(5),
        coin_creator: Bps(5),
    };

    #[test]
    fn pool_round_trips_and_old_short_pools_decode() {
        let p = Pool {
            pool_bump: 254,
            index: 0,
            creator: Pubkey::new_unique(),
            base_mint: Pubkey::new_unique(),
            quote_mint: WSOL_MINT,
            lp_mint: Pubkey::new_unique(),
            pool_base_token_account: Pubkey::new_unique(),
            pool_quote_token_account: Pubkey::new_unique(),
            lp_supply: 42,
            coin_creator: Pubkey::new_unique(),
            is_mayhem_mode: false,
            is_cashback_coin: true,
            virtual_quote_reserves: 3_000_000_000,
        };
        let d = p.encode();
        assert_eq!(d.len(), POOL_LEN);
        assert_eq!(Pool::decode(&d), Some(p));
        let old = Pool::decode(&d[..211]).unwrap();
        assert_eq!(old.coin_creator, Pubkey::default());
        // A pool from before the virtual reserves prices on its vault alone.
        let before = Pool::decode(&d[..245]).unwrap();
        assert_eq!(before.virtual_quote_reserves, 0);
        assert_eq!(before.quote_reserve(7), 7);
        // A live pool is longer than the fields known here: the rest is not read.
        let mut live = d.clone();
        live.resize(301, 0xaa);
        assert_eq!(Pool::decode(&live), Some(p));
        assert_eq!(Pool::decode(&d[..100]), None);
        let mut wrong = d.clone();
        wrong[0] ^= 1;
        assert_eq!(Pool::decode(&wrong), None);
    }

    #[test]
    fn virtual_quote_reserves_count_in_what_a_swap_pays() {
        let p = Pool {
            virtual_quote_reserves: 100_000,
            ..Pool::decode(&[PUMP_AMM_POOL.as_slice(), &[0u8; 237]].concat()).unwrap()
        };
        assert_eq!(p.quote_reserve(1_000_000), 1_100_000);
        // Selling into vault + virtual pays more than into the vault alone.
        let on_vault = sell_quote(1_000, 1_000_000, 1_000_000, FEES).unwrap();
        let counted = sell_quote(1_000, 1_000_000, p.quote_reserve(1_000_000), FEES).unwrap();
        assert!(counted.curve > on_vault.curve);
        // A negative virtual reserve lowers it, never below zero.
        let negative = Pool {
            virtual_quote_reserves: -2_000_000,
            ..p
        };
        assert_eq!(negative.quote_reserve(1_000_000), 0);
    }

    #[test]
    fn sell_math_is_constant_product_with_fees_rounded_up() {
        let leg = sell_quote(1_000, 1_000_000, 1_000_000, FEES).unwrap();
        // 1000·1e6/(1e6+1000) = 999.000999 → 999
        assert_eq!(leg.curve, 999);
        assert_eq!(leg.lp_fee, 2); // ceil(1.998)
        assert_eq!(leg.protocol_fee, 1);
        assert_eq!(leg.coin_creator_fee, 1);
        assert_eq!(sell_quote(0, 1, 1, FEES), None);
        assert_eq!(sell_quote(5, 0, 1, FEES), None);
    }

    #[test]
    fn a_buy_never_spends_more_than_its_budget() {
        for spend in [1_000u64, 12_345, 1_000_000_007, 85_000_000_000] {
            let (base, leg) = buy_base(spend, 206_900_000_000_000, 84_000_000_000, FEES).unwrap();
            assert!(leg.curve + leg.fees() <= spend, "{spend}");
            assert!(base > 0);
        }
        assert_eq!(buy_base(0, 1, 1, FEES), None);
    }

    #[test]
    fn the_canonical_pool_is_derived_from_the_pool_authority() {
        let mint = Pubkey::new_unique();
        assert_eq!(
            canonical_pool(&mint),
            pool(0, &pool_authority(&mint), &mint, &WSOL_MINT)
        );
        assert_ne!(
            canonical_pool(&mint),
            pool(1, &pool_authority(&mint), &mint, &WSOL_MINT)
        );
    }

    #[test]
    fn sell_and_buy_carry_the_idl_account_lists() {
        let pool = Pool::decode(
            &Pool {
                pool_bump: 1,
                index: 0,
                creator: Pubkey::new_unique(),
                base_mint: Pubkey::new_unique(),
                quote_mint: WSOL_MINT,
                lp_mint: Pubkey::new_unique(),
                pool_base_token_account: Pubkey::new_unique(),
                pool_quote_token_account: Pubkey::new_unique(),
                lp_supply: 0,
                coin_creator: Pubkey::new_unique(),
                is_mayhem_mode: false,
                is_cashback_coin: false,
                virtual_quote_reserves: 0,
            }
            .encode(),
        )
        .unwrap();
        let a = SwapAccounts::derive(
            Pubkey::new_unique(),
            &pool,
            Pubkey::new_unique(),
            TOKEN_PROGRAM,
            Pubkey::new_unique(),
        );
        let s = sell(&a, 10, 9);
        assert_eq!(s.accounts.len(), 21);
        assert_eq!(&s.data[..8], &ix::SELL);
        assert_eq!(s.data.len(), 24);
        let b = buy_exact_quote_in(&a, 10, 9);
        assert_eq!(b.accounts.len(), 23);
        assert_eq!(b.data.len(), 25);
        assert!(b.accounts[1].is_signer);
        assert_eq!(b.accounts[19].pubkey, global_volume_accumulator());
    }
}
