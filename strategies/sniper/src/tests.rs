use kestrel_units::TokenAmount;

use super::*;

const SOL: u64 = 1_000_000_000;

fn config() -> SniperConfig {
    SniperConfig {
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
            sol: QuoteAmount(SOL / 10),
            usdc: QuoteAmount(20_000_000),
        },
        prices: QuotePrices {
            usdc_per_sol: QuoteAmount(200_000_000),
        },
        slippage: Bps(1_000),
        cu_price_micro_lamports: 200_000,
    }
}

pub(crate) fn launch(name: &'static str, symbol: &'static str, secs: u64) -> Launch<'static> {
    Launch {
        mint: Pubkey::new_from_array([secs as u8; 32]),
        quote: Quote::Sol,
        bonding_curve: Pubkey::new_from_array([3; 32]),
        creator: Pubkey::new_from_array([4; 32]),
        name,
        symbol,
        token_program: TokenProgram::Spl,
        is_mayhem_mode: false,
        is_cashback: false,
        virtual_token_reserves: TokenAmount(1_073_000_000_000_000),
        virtual_quote_reserves: QuoteAmount(30_000_000_000),
        real_token_reserves: TokenAmount(793_100_000_000_000),
        token_total_supply: TokenAmount(1_000_000_000_000_000),
        creator_buy: None,
        seen_at: Timestamp(secs * 1_000_000_000),
    }
}

fn skip(s: &mut Sniper, l: &Launch<'_>) -> SkipReason {
    match s.on_launch(l) {
        Decision::Skip(r) => r,
        Decision::Buy(_) => panic!("bought {}", l.name),
    }
}

#[test]
fn a_coin_priced_in_a_quote_it_does_not_trade_is_skipped_for_its_quote() {
    let mut s = Sniper::new(config());
    let mut usdc = launch("Hawk Tuah", "HAWK", 1);
    usdc.quote = Quote::Usdc;
    assert_eq!(skip(&mut s, &usdc), SkipReason::QuoteMint);
    assert_eq!(s.skipped(SkipReason::QuoteMint), 1);
    let mut both = Sniper::new(SniperConfig {
        quote_mints: vec![Quote::Sol, Quote::Usdc],
        ..config()
    });
    // Bought in its own quote, at the USDC size.
    let Decision::Buy(i) = both.on_launch(&usdc) else {
        panic!("skipped a USDC coin the sniper trades")
    };
    assert_eq!(
        i.side,
        Side::Buy {
            quote: Quote::Usdc,
            spend: QuoteAmount(20_000_000)
        }
    );
    // A quote listed without a buy size is not bought.
    let mut no_size = Sniper::new(SniperConfig {
        quote_mints: vec![Quote::Sol, Quote::Usdc],
        buy_size: PerQuote {
            sol: QuoteAmount(SOL / 10),
            usdc: QuoteAmount::ZERO,
        },
        ..config()
    });
    assert_eq!(skip(&mut no_size, &usdc), SkipReason::QuoteMint);
}

#[test]
fn sol_thresholds_apply_to_a_usdc_coin_at_the_configured_price() {
    // 200 USDC per SOL: a 28 SOL ceiling is 5 600 USDC of market cap.
    let mut cfg = config();
    cfg.quote_mints = vec![Quote::Usdc];
    cfg.max_market_cap = Some(Lamports(28 * SOL));
    let mut s = Sniper::new(cfg);
    let mut l = launch("Hawk Tuah", "HAWK", 1);
    l.quote = Quote::Usdc;
    // 6 000 USDC virtual: a cap of ~5 592 USDC, under the ceiling.
    l.virtual_quote_reserves = QuoteAmount(6_000_000_000);
    assert!(matches!(s.on_launch(&l), Decision::Buy(_)));
    // 6 100 USDC virtual: ~5 685 USDC, over it.
    l.virtual_quote_reserves = QuoteAmount(6_100_000_000);
    l.seen_at = Timestamp(2_000_000_000);
    assert_eq!(skip(&mut s, &l), SkipReason::MarketCapTooHigh);
}

#[test]
fn buys_at_the_fixed_size_with_the_configured_caps() {
    let mut s = Sniper::new(config());
    let Decision::Buy(i) = s.on_launch(&launch("Hawk Tuah", "HAWK", 1)) else {
        panic!()
    };
    assert_eq!(
        i.side,
        Side::Buy {
            quote: Quote::Sol,
            spend: QuoteAmount(SOL / 10)
        }
    );
    assert_eq!(
        (i.max_slippage, i.cu_price_micro_lamports),
        (Bps(1_000), 200_000)
    );
    assert_eq!(i.mint, launch("", "", 1).mint);
    assert_eq!(s.buys(), 1);
}

#[test]
fn name_and_symbol_patterns_are_case_insensitive() {
    let mut cfg = config();
    cfg.name_deny = vec![Pattern::new("RUG")];
    cfg.symbol_allow = vec![Pattern::new("cat"), Pattern::new("dog")];
    let mut s = Sniper::new(cfg);
    assert_eq!(
        skip(&mut s, &launch("Big rug pull", "CAT", 1)),
        SkipReason::NameDenied
    );
    assert_eq!(
        skip(&mut s, &launch("Fine", "FROG", 2)),
        SkipReason::SymbolNotAllowed
    );
    assert!(matches!(
        s.on_launch(&launch("Fine", "SuperCat", 3)),
        Decision::Buy(_)
    ));
    assert_eq!(s.skipped(SkipReason::NameDenied), 1);
    assert_eq!(s.skipped(SkipReason::SymbolNotAllowed), 1);
    assert!(Pattern::new("").matches("anything"));
    assert!(!Pattern::new("longer than").matches("short"));
}

#[test]
fn creator_lists_token_program_and_flags() {
    let bad = Pubkey::new_from_array([4; 32]);
    let mut cfg = config();
    cfg.creator_deny = vec![bad];
    let mut s = Sniper::new(cfg);
    assert_eq!(
        skip(&mut s, &launch("A", "A", 1)),
        SkipReason::CreatorDenied
    );

    let mut cfg = config();
    cfg.creator_allow = vec![Pubkey::new_from_array([5; 32])];
    assert_eq!(
        skip(&mut Sniper::new(cfg), &launch("A", "A", 1)),
        SkipReason::CreatorNotAllowed
    );

    let mut cfg = config();
    cfg.token_program = Some(TokenProgram::Token2022);
    assert_eq!(
        skip(&mut Sniper::new(cfg), &launch("A", "A", 1)),
        SkipReason::TokenProgram
    );

    let mut cfg = config();
    cfg.mayhem = FlagRule::Forbid;
    cfg.cashback = FlagRule::Require;
    let mut s = Sniper::new(cfg);
    let mut l = launch("A", "A", 1);
    l.is_mayhem_mode = true;
    assert_eq!(skip(&mut s, &l), SkipReason::Mayhem);
    l.is_mayhem_mode = false;
    assert_eq!(skip(&mut s, &l), SkipReason::Cashback);
    l.is_cashback = true;
    assert!(matches!(s.on_launch(&l), Decision::Buy(_)));
}

#[test]
fn the_creators_own_buy_within_a_window() {
    let mut cfg = config();
    cfg.creator_buy = Some(CreatorBuyRule {
        required: true,
        min: Lamports(SOL / 10),
        max: Lamports(2 * SOL),
    });
    let mut s = Sniper::new(cfg);
    let mut l = launch("A", "A", 1);
    assert_eq!(skip(&mut s, &l), SkipReason::NoCreatorBuy);
    l.creator_buy = Some(QuoteAmount(SOL / 100));
    assert_eq!(skip(&mut s, &l), SkipReason::CreatorBuyTooSmall);
    l.creator_buy = Some(QuoteAmount(5 * SOL));
    assert_eq!(skip(&mut s, &l), SkipReason::CreatorBuyTooLarge);
    l.creator_buy = Some(QuoteAmount(SOL));
    assert!(matches!(s.on_launch(&l), Decision::Buy(_)));
}

#[test]
fn market_cap_ceiling_at_entry() {
    let mut cfg = config();
    // A fresh curve is worth 27.96 SOL (30 SOL × 1e15 / 1.073e15).
    cfg.max_market_cap = Some(Lamports(27_000_000_000));
    let mut s = Sniper::new(cfg.clone());
    assert_eq!(
        skip(&mut s, &launch("A", "A", 1)),
        SkipReason::MarketCapTooHigh
    );
    cfg.max_market_cap = Some(Lamports(28_000_000_000));
    assert!(matches!(
        Sniper::new(cfg).on_launch(&launch("A", "A", 1)),
        Decision::Buy(_)
    ));
}

#[test]
fn launches_per_minute_slide() {
    let mut cfg = config();
    cfg.max_launches_per_minute = 2;
    let mut s = Sniper::new(cfg);
    assert!(matches!(
        s.on_launch(&launch("A", "A", 0)),
        Decision::Buy(_)
    ));
    assert!(matches!(
        s.on_launch(&launch("B", "B", 10)),
        Decision::Buy(_)
    ));
    assert_eq!(skip(&mut s, &launch("C", "C", 30)), SkipReason::RateLimited);
    // 60 s after the first buy, one slot frees.
    assert!(matches!(
        s.on_launch(&launch("D", "D", 60)),
        Decision::Buy(_)
    ));
    assert_eq!(skip(&mut s, &launch("E", "E", 65)), SkipReason::RateLimited);
    assert!(matches!(
        s.on_launch(&launch("F", "F", 71)),
        Decision::Buy(_)
    ));
    assert_eq!(s.skipped(SkipReason::RateLimited), 2);
    assert_eq!(SkipReason::RateLimited.name(), "rate_limited");
}

#[test]
fn skip_reasons_are_listed_in_order_with_their_counter_names() {
    let names: Vec<&str> = SkipReason::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "name_denied",
            "name_not_allowed",
            "symbol_denied",
            "symbol_not_allowed",
            "creator_denied",
            "creator_not_allowed",
            "token_program",
            "mayhem",
            "cashback",
            "no_creator_buy",
            "creator_buy_too_small",
            "creator_buy_too_large",
            "market_cap_too_high",
            "rate_limited",
            "quote_mint",
        ]
    );
    for (i, r) in SkipReason::ALL.into_iter().enumerate() {
        assert_eq!(r.index(), i);
    }
}
