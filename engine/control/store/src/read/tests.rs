#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::{FillRecord, Journal, MetaValue, OrderRecord, OutcomeRecord, Record, SendRecord};

const DAY: u64 = 20_000 * DAY_NANOS;

fn sig(n: u8) -> SignatureText {
    SignatureText::new(&format!("{n}sig{}", "1".repeat(80)))
}

fn order(id: u64, mint: Pubkey, side: TradeSide) -> OrderRecord {
    OrderRecord {
        id,
        mint,
        creator: Pubkey::new_unique(),
        bonding_curve: Pubkey::new_unique(),
        token_2022: false,
        is_cashback: false,
        is_mayhem: false,
        quote: kestrel_model::Quote::Sol,
        side,
        spend_lamports: 50_000_000,
        tokens: 0,
        why: crate::Name::new("snipe"),
        level: 0,
        slippage_bps: 1_500,
        cu_price: 100_000,
        at_ns: DAY + id,
    }
}

fn pos(mint: Pubkey, tokens: u64, closed: Option<u64>) -> PositionRecord {
    PositionRecord {
        mint,
        creator: Pubkey::new_unique(),
        bonding_curve: Pubkey::new_unique(),
        token_2022: true,
        is_cashback: false,
        is_mayhem: true,
        quote: kestrel_model::Quote::Sol,
        tokens,
        cost: 50_000_000,
        realized: 0,
        opened_ns: DAY,
        peak_ratio: 12_000,
        levels_done: 1,
        reentries: 0,
        mark_sol: 30_000_000_000,
        mark_token: 1_000_000_000_000_000,
        high_sol: 31_000_000_000,
        high_token: 990_000_000_000_000,
        complete: false,
        closed_ns: closed,
        updated_ns: DAY + 5,
    }
}

fn fill(
    n: u8,
    order_id: u64,
    mint: Pubkey,
    side: TradeSide,
    delta: i64,
    realized: i64,
) -> FillRecord {
    FillRecord {
        signature: sig(n),
        order_id,
        mint,
        side,
        tokens: 1_000,
        quote: kestrel_model::Quote::Sol,
        sol_lamports: 49_000_000,
        fee_lamports: 600_000,
        network_fee: 17_000,
        wallet_delta: delta,
        realized,
        slot: 77,
        at_ns: DAY + u64::from(n),
    }
}

#[test]
fn what_is_written_reads_back_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let (held, sold, flying, unsigned) = (
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
        Pubkey::new_unique(),
    );
    let wallet = Pubkey::new_unique();
    {
        let j = Journal::open(&path, Sync::Normal).unwrap();
        j.record(Record::Meta {
            key: "wallet",
            value: MetaValue::Key(wallet),
        });
        j.record(Record::Meta {
            key: "start_balance",
            value: MetaValue::Number(5_000_000_000),
        });
        // Meta is set once: a second start keeps the first balance.
        j.record(Record::Meta {
            key: "start_balance",
            value: MetaValue::Number(1),
        });
        for (id, m) in [(1, held), (2, sold), (4, flying), (5, unsigned)] {
            j.record(Record::Order(order(id, m, TradeSide::Buy)));
        }
        j.record(Record::Order(order(3, sold, TradeSide::Sell)));
        for (id, n) in [(1, 1), (2, 2), (3, 3), (4, 4)] {
            j.durable(Record::Send(SendRecord {
                order_id: id,
                signature: sig(n),
                blockhash: solana_hash::Hash::new_from_array([n; 32]),
                last_valid_block: 150 + u64::from(n),
                at_ns: DAY + id,
            }))
            .unwrap();
        }
        for id in 1..=3 {
            j.record(Record::Outcome(OutcomeRecord {
                order_id: id,
                filled: true,
                signature: Some(sig(id as u8)),
                detail: "filled",
                at_ns: DAY + 10,
            }));
        }
        j.record(Record::Fill {
            fill: fill(1, 1, held, TradeSide::Buy, -52_100_000, 0),
            position: pos(held, 1_000, None),
            cause: "snipe",
        });
        j.record(Record::Fill {
            fill: fill(2, 2, sold, TradeSide::Buy, -52_100_000, 0),
            position: pos(sold, 1_000, None),
            cause: "snipe",
        });
        j.record(Record::Fill {
            fill: fill(3, 3, sold, TradeSide::Sell, 60_000_000, 10_000_000),
            position: pos(sold, 0, Some(DAY + 9)),
            cause: "take_profit",
        });
        // A fill reported twice (live and by recovery) is booked once, and its stale
        // position does not overwrite the newer one.
        j.record(Record::Fill {
            fill: fill(3, 3, sold, TradeSide::Sell, 60_000_000, 10_000_000),
            position: pos(sold, 1_000, None),
            cause: "take_profit",
        });
        j.record(Record::Guardian {
            state: "halted",
            cause: "command",
            at_ns: DAY + 11,
        });
        j.flush().unwrap();
        assert_eq!(j.waits(), 0);
        j.close();
    }
    let r = Reader::open(&path).unwrap();
    let s = r.state(DAY + 100, 10).unwrap();
    assert_eq!(s.open.len(), 1);
    assert_eq!(s.open[0].mint, held);
    assert_eq!(s.open[0].tokens, 1_000);
    assert!(s.open[0].token_2022);
    assert!(s.open[0].is_mayhem, "mayhem survives a restart");
    assert_eq!(s.closed.len(), 1);
    assert_eq!(s.closed[0].mint, sold);
    assert_eq!(s.guardian.as_deref(), Some("halted"));
    assert_eq!(
        s.today,
        (
            20_000,
            PerQuote {
                sol: 10_000_000,
                usdc: 0
            }
        )
    );
    assert_eq!(s.next_order_id, 6);
    assert_eq!(s.wallet, Some(wallet));
    // Order 4 was signed and has no outcome; order 5 was never signed.
    assert_eq!(s.in_flight.len(), 2);
    assert_eq!(s.in_flight[0].id, 4);
    assert_eq!(s.in_flight[0].sends.len(), 1);
    assert_eq!(s.in_flight[0].sends[0].signature, sig(4));
    assert_eq!(s.in_flight[0].sends[0].last_valid_block, 154);
    assert_eq!(s.in_flight[1].id, 5);
    assert!(s.in_flight[1].sends.is_empty());
    let fills = r.fills(0).unwrap();
    assert_eq!(fills.len(), 3);
    assert_eq!(fills[2].why, "snipe");
    assert_eq!(r.fills(DAY + 3).unwrap().len(), 1);
    let t = r.totals().unwrap();
    assert_eq!(t.realized.sol, 10_000_000);
    assert_eq!(t.wallet_delta, -52_100_000 * 2 + 60_000_000);
    assert_eq!(t.network_fees, 3 * 17_000);
    assert_eq!((t.buys, t.sells), (2, 1));
    assert_eq!((t.open_positions, t.open_cost.sol), (1, 50_000_000));
    assert_eq!(t.start_balance, Some(5_000_000_000));
}

#[test]
fn a_second_writer_run_migrates_nothing_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let mint = Pubkey::new_unique();
    let j = Journal::open(&path, Sync::Full).unwrap();
    j.durable(Record::Order(order(1, mint, TradeSide::Buy)))
        .unwrap();
    j.close();
    let j = Journal::open(&path, Sync::Normal).unwrap();
    j.close();
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.state(DAY, 1).unwrap().next_order_id, 2);
}

#[test]
fn a_missing_or_newer_journal_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    let e = Reader::open(&path).err().unwrap().to_string();
    assert!(e.contains("no journal at"), "{e}");
    let newer = dir.path().join("newer.db");
    {
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Journal::open(&newer, Sync::Normal)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("newer than this build"), "{e}");
    let e = Reader::open(&newer).err().unwrap().to_string();
    assert!(e.contains("newer than this build"), "{e}");
}

#[test]
fn a_corrupt_value_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path, Sync::Normal).unwrap();
    j.durable(Record::Position {
        position: pos(Pubkey::new_unique(), 5, None),
        cause: "buy",
    })
    .unwrap();
    j.close();
    {
        let c = Connection::open(&path).unwrap();
        c.execute("UPDATE positions SET creator = 'not-a-key'", [])
            .unwrap();
    }
    let e = Reader::open(&path)
        .unwrap()
        .open_positions()
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("positions.creator"), "{e}");
}

#[test]
fn the_cli_reads_while_the_writer_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let j = Journal::open(&path, Sync::Normal).unwrap();
    let r = Reader::open(&path).unwrap();
    j.durable(Record::Fill {
        fill: fill(200, 1, Pubkey::new_unique(), TradeSide::Buy, -1, 0),
        position: pos(Pubkey::new_unique(), 0, Some(DAY)),
        cause: "snipe",
    })
    .unwrap();
    for n in 0..50u8 {
        j.record(Record::Fill {
            fill: fill(n, 1, Pubkey::new_unique(), TradeSide::Buy, -1, 0),
            position: pos(Pubkey::new_unique(), 0, Some(DAY)),
            cause: "snipe",
        });
        let _ = r.fills(0).unwrap();
    }
    j.flush().unwrap();
    assert_eq!(j.written(), 51);
    assert_eq!(r.fills(0).unwrap().len(), 51);
    j.close();
}

#[test]
fn the_send_log_folds_into_the_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let log_path = crate::send_log::path_for(&path);
    let log = crate::SendLog::open(&log_path, Sync::Normal).unwrap();
    let mint = Pubkey::new_unique();
    // The order reached the send log, never the database (a crash right after the send).
    let o = order(7, mint, TradeSide::Buy);
    let s = SendRecord {
        order_id: 7,
        signature: sig(7),
        blockhash: solana_hash::Hash::new_from_array([7; 32]),
        last_valid_block: 300,
        at_ns: DAY,
    };
    log.append(&o, &s).unwrap();
    let (logged, torn) = crate::send_log::read(&log_path).unwrap();
    assert_eq!(torn, 0);
    let mut r = Reader::open_for_recovery(&path, Sync::Normal).unwrap();
    assert_eq!(r.ingest_sends(&logged).unwrap(), 1);
    assert_eq!(r.ingest_sends(&logged).unwrap(), 0, "idempotent");
    let st = r.state(DAY, 1).unwrap();
    assert_eq!(st.in_flight.len(), 1);
    let f = &st.in_flight[0];
    assert_eq!((f.id, f.mint, f.creator), (7, mint, o.creator));
    assert_eq!(
        f.sends,
        vec![OrderSend {
            signature: sig(7),
            last_valid_block: 300
        }]
    );
    assert_eq!(st.next_order_id, 8);
}

#[test]
fn usdc_fills_and_failed_transactions_are_kept_apart_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let (sol_coin, usdc_coin) = (Pubkey::new_unique(), Pubkey::new_unique());
    {
        let j = Journal::open(&path, Sync::Full).unwrap();
        let usdc = kestrel_model::Quote::Usdc;
        j.record(Record::Order(OrderRecord {
            quote: usdc,
            ..order(1, usdc_coin, TradeSide::Sell)
        }));
        j.record(Record::Fill {
            fill: FillRecord {
                quote: usdc,
                ..fill(1, 1, usdc_coin, TradeSide::Sell, -17_000, 2_500_000)
            },
            position: PositionRecord {
                quote: usdc,
                ..pos(usdc_coin, 0, Some(DAY + 2))
            },
            cause: "take_profit",
        });
        j.record(Record::Fill {
            fill: fill(2, 2, sol_coin, TradeSide::Sell, 1_000, -4_000),
            position: pos(sol_coin, 0, Some(DAY + 3)),
            cause: "stop_loss",
        });
        for n in 3..5u8 {
            j.record(Record::Cost(crate::CostRecord {
                signature: sig(n),
                order_id: 3,
                network_fee: 5_000,
                wallet_delta: -5_000,
                slot: 9,
                at_ns: DAY + u64::from(n),
            }));
        }
        j.flush().unwrap();
        j.close();
    }
    let r = Reader::open(&path).unwrap();
    let t = r.totals().unwrap();
    assert_eq!(
        t.realized,
        PerQuote {
            sol: -4_000,
            usdc: 2_500_000
        }
    );
    assert_eq!((t.failed_txs, t.failed_fees), (2, 10_000));
    assert_eq!(t.network_fees, 2 * 17_000 + 10_000);
    let fills = r.fills(0).unwrap();
    assert_eq!(fills[0].quote, kestrel_model::Quote::Usdc);
    assert_eq!(fills[1].quote, kestrel_model::Quote::Sol);
    let closed = r.closed_positions(10).unwrap();
    assert!(closed.iter().any(|p| p.quote == kestrel_model::Quote::Usdc));
}
