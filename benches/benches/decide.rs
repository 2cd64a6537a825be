//! The decision: a launch through the sniper's filters and the guardian's gate, to an approved
//! intent or a typed skip. Baseline in the same run: the same rules written the plain way
//! (owned, lower-cased Strings and a HashSet lookup per launch), as a first version would.

use std::collections::HashSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kestrel_guardian::{Guardian, Limits};
use kestrel_model::{Launch, Timestamp};
use kestrel_sniper::{Decision, FlagRule, Pattern, Sniper, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_testkit::exposure::EmptyBook;
use kestrel_units::{Bps, Lamports};
use solana_pubkey::Pubkey;

fn deny_words() -> Vec<&'static str> {
    vec!["rug", "scam", "honeypot", "test", "fake"]
}

fn launch(i: u64) -> Launch<'static> {
    Launch {
        mint: Pubkey::new_from_array([(i % 251) as u8; 32]),
        bonding_curve: Pubkey::new_from_array([1; 32]),
        creator: Pubkey::new_from_array([(i % 7) as u8; 32]),
        name: "Hawk Tuah Official",
        symbol: "HAWK",
        creator_buy: Some(kestrel_units::QuoteAmount(500_000_000)),
        seen_at: Timestamp(i * 1_000_000_000),
        ..Launch::test_default()
    }
}

fn decide(c: &mut Criterion) {
    let cfg = SniperConfig {
        name_deny: deny_words().into_iter().map(Pattern::new).collect(),
        symbol_deny: vec![Pattern::new("xxx")],
        creator_deny: (0..64u8)
            .map(|b| Pubkey::new_from_array([b.wrapping_add(100); 32]))
            .collect(),
        mayhem: FlagRule::Forbid,
        max_market_cap: Some(Lamports(100_000_000_000)),
        buy_size: kestrel_model::PerQuote {
            sol: kestrel_units::QuoteAmount(100_000_000),
            usdc: kestrel_units::QuoteAmount::ZERO,
        },
        cu_price_micro_lamports: 100_000,
        ..SniperConfig::test_default()
    };
    let limits = Limits {
        max_sol_per_trade: Lamports(1_000_000_000),
        max_total_exposure: Lamports(50_000_000_000),
        max_open_positions: 10,
        max_exposure_per_creator: Lamports(2_000_000_000),
        sol_reserve: Lamports(500_000_000),
        max_slippage: Bps(1_500),
        ..Limits::test_default()
    };
    let mut sniper = Sniper::new(cfg);
    let mut guardian = Guardian::new(
        limits,
        (0..64u8)
            .map(|b| Pubkey::new_from_array([b.wrapping_add(200); 32]))
            .collect(),
        vec![],
    );
    let mut group = c.benchmark_group("decide");
    let mut i = 0u64;
    group.bench_function("kestrel_sniper_and_guardian", |b| {
        b.iter(|| {
            i += 1;
            let l = launch(i);
            match sniper.on_launch(black_box(&l)) {
                Decision::Buy(intent) => black_box(
                    guardian
                        .check(intent, &EmptyBook(Lamports(100_000_000_000)))
                        .is_ok(),
                ),
                Decision::Skip(_) => false,
            }
        })
    });

    let denied_creators: HashSet<Pubkey> = (0..64u8)
        .map(|b| Pubkey::new_from_array([b.wrapping_add(100); 32]))
        .collect();
    let words: Vec<String> = deny_words().into_iter().map(str::to_owned).collect();
    let mut j = 0u64;
    group.bench_function("baseline_plain", |b| {
        b.iter(|| {
            j += 1;
            let l = launch(j);
            let name = l.name.to_lowercase();
            let symbol = l.symbol.to_lowercase();
            let ok = !words.iter().any(|w| name.contains(w.as_str()))
                && !symbol.contains("xxx")
                && !denied_creators.contains(&l.creator)
                && !l.is_mayhem_mode
                && (l.virtual_quote_reserves.0 as f64 * l.token_total_supply.0 as f64
                    / l.virtual_token_reserves.0 as f64)
                    < 100e9;
            black_box(ok)
        })
    });
    group.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
