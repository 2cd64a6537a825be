use super::*;

const SOL: u64 = 1_000_000_000;

fn cfg() -> ReentryConfig {
    ReentryConfig {
        enabled: true,
        reference: Reference::PriorHigh,
        breakout: Bps(1_000),
        min_net_buy: Lamports(2 * SOL),
        min_buyers: 3,
        window: Duration::from_secs(30),
        cooldown: Duration::from_secs(10),
        max_per_mint: 2,
        spend: Lamports(SOL / 10),
        size_scale: Bps(5_000),
        watch_for: Duration::from_secs(3_600),
        max_watched: 4,
        slippage: Bps(1_500),
        cu_price_micro_lamports: 1_000,
        prices: QuotePrices {
            usdc_per_sol: QuoteAmount(100_000_000),
        },
    }
}

fn price(sol: u64) -> Price {
    // Spot price `sol / 1000` per token unit.
    Price {
        quote: QuoteAmount(sol),
        token: TokenAmount(1_000),
    }
}

fn secs(s: u64) -> Timestamp {
    Timestamp(s * 1_000_000_000)
}

struct Setup {
    r: Reentry,
    mint: Pubkey,
    creator: Pubkey,
    own: Pubkey,
}

fn setup() -> Setup {
    let own = Pubkey::new_unique();
    let mut r = Reentry::new(cfg(), own);
    let (mint, creator) = (Pubkey::new_unique(), Pubkey::new_unique());
    r.on_exit(Closed {
        quote: Quote::Sol,
        mint,
        creator,
        high: price(2_000),
        exit: price(1_500),
        at: secs(100),
    });
    Setup {
        r,
        mint,
        creator,
        own,
    }
}

fn buy(mint: Pubkey, user: Pubkey, sol: u64, p: u64, at: u64) -> Trade {
    Trade {
        mint,
        user,
        is_buy: true,
        quote_amount: QuoteAmount(sol),
        price: price(p),
        at: secs(at),
    }
}

#[test]
fn unwatched_mints_are_not_decided() {
    let mut s = setup();
    let other = Pubkey::new_unique();
    assert_eq!(
        s.r.on_trade(&buy(other, Pubkey::new_unique(), SOL, 9_999, 200)),
        None
    );
}

#[test]
fn momentum_above_the_prior_high_re_enters_with_the_configured_size() {
    let mut s = setup();
    let users: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    // 2 200 is +10 % over the 2 000 high: the breakout, but one buyer is not enough.
    let d =
        s.r.on_trade(&buy(s.mint, users[0], SOL, 2_200, 120))
            .unwrap();
    assert_eq!(
        d,
        Decision::Pass(Pass::ThinVolume {
            net: SOL as i64,
            min: QuoteAmount(2 * SOL)
        })
    );
    let d =
        s.r.on_trade(&buy(s.mint, users[0], SOL, 2_200, 121))
            .unwrap();
    assert_eq!(d, Decision::Pass(Pass::FewBuyers { buyers: 1, min: 3 }));
    s.r.on_trade(&buy(s.mint, users[1], SOL / 2, 2_200, 122));
    let Decision::Enter(intent) =
        s.r.on_trade(&buy(s.mint, users[2], SOL / 2, 2_250, 123))
            .unwrap()
    else {
        panic!("expected an entry")
    };
    assert_eq!(intent.mint, s.mint);
    assert_eq!(intent.creator, s.creator);
    assert_eq!(
        intent.side,
        Side::Buy {
            quote: Quote::Sol,
            spend: QuoteAmount(SOL / 10)
        }
    );
    assert_eq!(s.r.entries_in(&s.mint), 1);
}

#[test]
fn the_breakout_is_measured_exactly() {
    let mut s = setup();
    // 2 199 is below +10 % of 2 000.
    let d =
        s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), 5 * SOL, 2_199, 120))
            .unwrap();
    assert_eq!(d, Decision::Pass(Pass::BelowBreakout));
}

#[test]
fn the_exit_price_can_be_the_reference() {
    let own = Pubkey::new_unique();
    let mut r = Reentry::new(
        ReentryConfig {
            reference: Reference::ExitPrice,
            min_buyers: 1,
            min_net_buy: Lamports(1),
            ..cfg()
        },
        own,
    );
    let mint = Pubkey::new_unique();
    r.on_exit(Closed {
        quote: Quote::Sol,
        mint,
        creator: Pubkey::new_unique(),
        high: price(2_000),
        exit: price(1_500),
        at: secs(100),
    });
    // +10 % of 1 500 is 1 650.
    assert!(matches!(
        r.on_trade(&buy(mint, Pubkey::new_unique(), SOL, 1_650, 200)),
        Some(Decision::Enter(_))
    ));
}

#[test]
fn cooldown_cap_and_size_scaling_hold() {
    let mut s = setup();
    let flood = |s: &mut Setup, at: u64| {
        let mut last = None;
        for _ in 0..3 {
            last =
                s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 9_000, at));
        }
        last.unwrap()
    };
    // 5 s after the exit: cooldown. (Those buys age out of the 30 s window by 140 s.)
    assert_eq!(flood(&mut s, 105), Decision::Pass(Pass::Cooldown));
    let Decision::Enter(first) = flood(&mut s, 140) else {
        panic!("first re-entry")
    };
    assert_eq!(first.spend(), QuoteAmount(SOL / 10));
    // Held and closed again: the next one is half the size.
    s.r.on_exit(Closed {
        quote: Quote::Sol,
        mint: s.mint,
        creator: s.creator,
        high: price(3_000),
        exit: price(2_000),
        at: secs(200),
    });
    let d = flood(&mut s, 240);
    let Decision::Enter(second) = d else {
        panic!("second re-entry: {d:?}")
    };
    assert_eq!(second.spend(), QuoteAmount(SOL / 20));
    s.r.on_exit(Closed {
        quote: Quote::Sol,
        mint: s.mint,
        creator: s.creator,
        high: price(3_400),
        exit: price(2_000),
        at: secs(300),
    });
    assert_eq!(flood(&mut s, 340), Decision::Pass(Pass::CapReached));
    assert_eq!(s.r.entries(), 2);
    assert_eq!(s.r.passes(Pass::CapReached.index()), 3);
}

#[test]
fn our_own_trades_and_old_trades_are_not_momentum() {
    let mut s = setup();
    let other = Pubkey::new_unique();
    for t in 0..5 {
        s.r.on_trade(&buy(s.mint, s.own, SOL, 3_000, 111 + t));
    }
    // Two strangers long ago (outside the 30 s window) and two now.
    s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 3_000, 111));
    s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 3_000, 112));
    s.r.on_trade(&buy(s.mint, other, SOL, 3_000, 160));
    let d =
        s.r.on_trade(&buy(s.mint, other, 2 * SOL, 3_000, 161))
            .unwrap();
    assert_eq!(d, Decision::Pass(Pass::FewBuyers { buyers: 1, min: 3 }));
}

#[test]
fn sells_count_against_net_volume() {
    let mut s = setup();
    let mut sell = buy(s.mint, Pubkey::new_unique(), 2 * SOL, 3_000, 120);
    sell.is_buy = false;
    s.r.on_trade(&sell);
    let mut last = None;
    for _ in 0..3 {
        last =
            s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 3_000, 121));
    }
    assert_eq!(
        last.unwrap(),
        Decision::Pass(Pass::ThinVolume {
            net: SOL as i64,
            min: QuoteAmount(2 * SOL)
        })
    );
}

#[test]
fn a_failed_entry_gives_the_slot_back_and_watches_expire() {
    let mut s = setup();
    for _ in 0..3 {
        s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 3_000, 120));
    }
    assert_eq!(s.r.entries_in(&s.mint), 1);
    s.r.entry_failed(&s.mint);
    assert_eq!(s.r.entries_in(&s.mint), 0);
    // An hour after the exit the mint is forgotten.
    assert_eq!(
        s.r.on_trade(&buy(s.mint, Pubkey::new_unique(), SOL, 3_000, 3_701)),
        None
    );
    assert!(!s.r.watching(&s.mint));
}

#[test]
fn the_oldest_watch_gives_way_when_full() {
    let mut s = setup();
    for i in 0..4 {
        s.r.on_exit(Closed {
            quote: Quote::Sol,
            mint: Pubkey::new_unique(),
            creator: s.creator,
            high: price(1),
            exit: price(1),
            at: secs(200 + i),
        });
    }
    assert_eq!(s.r.watched(), 4);
    assert!(!s.r.watching(&s.mint));
}

#[test]
fn disabled_watches_nothing() {
    let mut r = Reentry::new(
        ReentryConfig {
            enabled: false,
            ..cfg()
        },
        Pubkey::new_unique(),
    );
    let mint = Pubkey::new_unique();
    r.on_exit(Closed {
        quote: Quote::Sol,
        mint,
        creator: mint,
        high: price(1),
        exit: price(1),
        at: secs(1),
    });
    assert!(!r.watching(&mint));
}

#[test]
fn pass_names_are_the_counter_names_in_order() {
    let names: Vec<&str> = (0..Pass::COUNT).map(Pass::name_at).collect();
    assert_eq!(
        names,
        [
            "cooldown",
            "cap_reached",
            "below_breakout",
            "thin_volume",
            "few_buyers",
        ]
    );
    assert_eq!(Pass::name_at(Pass::COUNT), "unknown");
    let thin = Pass::ThinVolume {
        net: 1,
        min: QuoteAmount(2),
    };
    assert_eq!(thin.index(), 3);
}

#[test]
fn a_usdc_coin_is_watched_and_re_entered_in_usdc_at_the_configured_price() {
    let own = Pubkey::new_unique();
    let mut r = Reentry::new(cfg(), own);
    let (mint, creator) = (Pubkey::new_unique(), Pubkey::new_unique());
    r.on_exit(Closed {
        quote: Quote::Usdc,
        mint,
        creator,
        high: price(2_000),
        exit: price(1_500),
        at: secs(100),
    });
    // 2 SOL of net buying is 200 USDC at 100 USDC/SOL: 150 USDC is thin.
    let users: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
    r.on_trade(&buy(mint, users[0], 50_000_000, 2_300, 120));
    r.on_trade(&buy(mint, users[1], 50_000_000, 2_300, 121));
    assert_eq!(
        r.on_trade(&buy(mint, users[2], 50_000_000, 2_300, 122)),
        Some(Decision::Pass(Pass::ThinVolume {
            net: 150_000_000,
            min: QuoteAmount(200_000_000)
        }))
    );
    let Some(Decision::Enter(intent)) = r.on_trade(&buy(mint, users[2], 60_000_000, 2_300, 123))
    else {
        panic!("expected an entry")
    };
    // 0.1 SOL is 10 USDC.
    assert_eq!(
        intent.side,
        Side::Buy {
            quote: Quote::Usdc,
            spend: QuoteAmount(10_000_000)
        }
    );
    // An unpriced quote is not watched.
    let mut unpriced = Reentry::new(
        ReentryConfig {
            prices: QuotePrices::SOL_ONLY,
            ..cfg()
        },
        own,
    );
    unpriced.on_exit(Closed {
        quote: Quote::Usdc,
        mint,
        creator,
        high: price(2_000),
        exit: price(1_500),
        at: secs(100),
    });
    assert!(!unpriced.watching(&mint));
}
