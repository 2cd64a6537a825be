//! The [`TestDefault`] values of the strategies' and the kernel's settings: permissive,
//! so that a test states only what it is about.

use kestrel_guardian::Limits;
use kestrel_guardian::exits::{ExitRules, TakeProfit, Trailing};
use kestrel_model::{Launch, PerQuote, Quote, QuotePrices, Timestamp, TokenProgram};
use kestrel_pump::curve::FeeRates;
use kestrel_sniper::{FlagRule, SniperConfig};
use kestrel_units::{Bps, Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use crate::TestDefault;

/// What a test buys by default: 0.01 SOL.
pub const TEST_BUY: Lamports = Lamports(10_000_000);

/// What a test buys a USDC coin for by default: 1.5 USDC, 0.01 SOL at [`TEST_PRICES`].
pub const TEST_BUY_USDC: QuoteAmount = QuoteAmount(1_500_000);

/// The price tests count USDC at: 150 USDC per SOL.
pub const TEST_PRICES: QuotePrices = QuotePrices {
    usdc_per_sol: QuoteAmount(150_000_000),
};

impl TestDefault for SniperConfig {
    /// No filters; every launch is bought for [`TEST_BUY`] at 10 % slippage.
    fn test_default() -> Self {
        Self {
            quote_mints: vec![Quote::Sol],
            name_allow: vec![],
            name_deny: vec![],
            symbol_allow: vec![],
            symbol_deny: vec![],
            creator_allow: vec![],
            creator_deny: vec![],
            token_program: None,
            mayhem: FlagRule::Any,
            cashback: FlagRule::Any,
            creator_buy: None,
            max_market_cap: None,
            max_launches_per_minute: 0,
            buy_size: PerQuote {
                sol: QuoteAmount::from(TEST_BUY),
                usdc: TEST_BUY_USDC,
            },
            prices: TEST_PRICES,
            slippage: Bps(1_000),
            cu_price_micro_lamports: 1_000,
        }
    }
}

impl TestDefault for Limits {
    /// [`TEST_BUY`] a trade, 100 SOL of exposure, 100 positions, no reserve, no loss limit.
    fn test_default() -> Self {
        Self {
            max_sol_per_trade: TEST_BUY,
            max_total_exposure: Lamports(100_000_000_000),
            max_open_positions: 100,
            max_exposure_per_creator: Lamports(100_000_000_000),
            sol_reserve: Lamports(0),
            max_slippage: Bps(2_000),
            max_cu_price: 1_000_000,
            daily_loss_limit: None,
            prices: TEST_PRICES,
        }
    }
}

impl TestDefault for ExitRules {
    /// Every rule armed: take half at +50 % and the rest at +150 %, a 30 % stop-loss, a 20 %
    /// trail armed at +50 %, an hour's hold, the creator's sell, a 50 % liquidity drain.
    fn test_default() -> Self {
        let mut rules = Self {
            take_profit: vec![
                TakeProfit {
                    gain: Bps(5_000),
                    percent: 50,
                },
                TakeProfit {
                    gain: Bps(15_000),
                    percent: 100,
                },
            ],
            stop_loss: Some(Bps(3_000)),
            trailing: Some(Trailing {
                arm: Bps(5_000),
                trail: Bps(2_000),
            }),
            max_hold: Some(std::time::Duration::from_secs(3_600)),
            creator_sells: true,
            liquidity_drain: Some(Bps(5_000)),
        };
        // Valid by construction (ascending, shares within 100); `validate` also orders them.
        let _ = rules.validate();
        rules
    }
}

#[cfg(feature = "kernel")]
impl TestDefault for kestrel_engine::kernel::SellSettings {
    /// 20 % slippage on sells, a modest priority fee.
    fn test_default() -> Self {
        Self {
            slippage: Bps(2_000),
            cu_price_micro_lamports: 1_000,
        }
    }
}

impl TestDefault for FeeRates {
    /// The 2026 bonding-curve tier the local cluster charges: 0.95 % protocol, 0.30 % creator.
    fn test_default() -> Self {
        Self {
            protocol: Bps(95),
            creator: Bps(30),
        }
    }
}

impl TestDefault for Launch<'static> {
    /// A fresh SOL curve (pump.fun's initial reserves, docs/protocol.md §1.5) of an SPL coin,
    /// no creator buy, seen at time zero.
    fn test_default() -> Self {
        Self {
            mint: Pubkey::new_from_array([1; 32]),
            quote: Quote::Sol,
            bonding_curve: Pubkey::new_from_array([2; 32]),
            creator: Pubkey::new_from_array([3; 32]),
            name: "Test Coin",
            symbol: "TEST",
            token_program: TokenProgram::Spl,
            is_mayhem_mode: false,
            is_cashback: false,
            virtual_token_reserves: TokenAmount(1_073_000_000_000_000),
            virtual_quote_reserves: QuoteAmount(30_000_000_000),
            real_token_reserves: TokenAmount(793_100_000_000_000),
            token_total_supply: TokenAmount(1_000_000_000_000_000),
            creator_buy: None,
            seen_at: Timestamp(0),
        }
    }
}
