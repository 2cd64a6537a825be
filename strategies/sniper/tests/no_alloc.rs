//! The decision path (sniper, then guardian) allocates nothing per launch: a counting global
//! allocator watches a thousand decisions.

#![allow(clippy::unwrap_used, clippy::panic)]

use kestrel_guardian::{Guardian, Limits};
use kestrel_model::{Launch, Timestamp, TokenProgram};
use kestrel_sniper::{CreatorBuyRule, Decision, FlagRule, Pattern, Sniper, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_testkit::alloc::{CountingAllocator, allocations};
use kestrel_testkit::exposure::EmptyBook;
use kestrel_units::{Bps, Lamports};
use solana_pubkey::Pubkey;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn a_thousand_decisions_allocate_nothing() {
    let cfg = SniperConfig {
        name_deny: vec![Pattern::new("rug"), Pattern::new("scam")],
        symbol_deny: vec![Pattern::new("xxx")],
        creator_deny: vec![Pubkey::new_from_array([9; 32])],
        mayhem: FlagRule::Forbid,
        creator_buy: Some(CreatorBuyRule {
            required: false,
            min: Lamports(0),
            max: Lamports(10_000_000_000),
        }),
        max_market_cap: Some(Lamports(100_000_000_000)),
        max_launches_per_minute: 120,
        buy_size: kestrel_model::PerQuote {
            sol: kestrel_units::QuoteAmount(100_000_000),
            usdc: kestrel_units::QuoteAmount::ZERO,
        },
        slippage: Bps(1_000),
        cu_price_micro_lamports: 100_000,
        ..SniperConfig::test_default()
    };
    let mut sniper = Sniper::new(cfg);
    let limits = Limits {
        max_sol_per_trade: Lamports(1_000_000_000),
        max_total_exposure: Lamports(50_000_000_000),
        max_open_positions: 10,
        max_exposure_per_creator: Lamports(2_000_000_000),
        sol_reserve: Lamports(500_000_000),
        max_slippage: Bps(1_500),
        ..Limits::test_default()
    };
    let mut guardian = Guardian::new(limits, vec![Pubkey::new_from_array([8; 32])], vec![]);
    let names = ["Hawk Tuah", "Rug City", "Moon Cat", "Scamcoin"];
    let launches: Vec<Launch<'static>> = (0..1000u64)
        .map(|i| Launch {
            mint: Pubkey::new_from_array([(i % 251) as u8; 32]),
            bonding_curve: Pubkey::new_from_array([1; 32]),
            creator: Pubkey::new_from_array([(i % 7) as u8; 32]),
            name: names[(i % 4) as usize],
            symbol: "SYM",
            token_program: if i % 2 == 0 {
                TokenProgram::Spl
            } else {
                TokenProgram::Token2022
            },
            is_mayhem_mode: i % 13 == 0,
            creator_buy: (i % 3 == 0).then_some(kestrel_units::QuoteAmount(500_000_000)),
            seen_at: Timestamp(i * 50_000_000),
            ..Launch::test_default()
        })
        .collect();

    let before = allocations();
    let mut bought = 0u32;
    for l in &launches {
        if let Decision::Buy(intent) = sniper.on_launch(l)
            && guardian
                .check(intent, &EmptyBook(Lamports(100_000_000_000)))
                .is_ok()
        {
            bought += 1;
        }
    }
    let after = allocations();
    assert_eq!(after - before, 0, "the decision path allocated");
    assert!(bought > 0 && sniper.buys() > 0, "the test exercised buys");
    // And the counter does count.
    let probe = std::hint::black_box(Box::new(after));
    assert!(allocations() > after, "{probe}");
}
