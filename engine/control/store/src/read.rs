//! Reading the journal: recovery on start, and the CLI (read-only, beside a running engine).

use std::path::Path;
use std::str::FromStr;

use kestrel_model::{PerQuote, Quote, SignatureText};
use rusqlite::{Connection, OpenFlags, Row, params};
use solana_pubkey::Pubkey;

use crate::schema::VERSION;
use crate::{DAY_NANOS, PositionRecord, StoreError, Sync, TradeSide, int};

/// A read connection.
pub struct Reader {
    conn: Connection,
}

/// A signed transaction of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderSend {
    pub signature: SignatureText,
    pub last_valid_block: u64,
}

/// An order with no outcome: it may or may not have landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub id: u64,
    pub mint: Pubkey,
    pub creator: Pubkey,
    pub bonding_curve: Pubkey,
    pub token_2022: bool,
    pub is_cashback: bool,
    pub is_mayhem: bool,
    pub quote: Quote,
    pub side: TradeSide,
    /// In `quote`'s base units.
    pub spend_lamports: u64,
    pub tokens: u64,
    pub why: String,
    pub level: u8,
    /// Every signed version, oldest first; empty if it was never signed (so never sent).
    pub sends: Vec<OrderSend>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillView {
    pub signature: String,
    pub order_id: u64,
    pub mint: String,
    pub side: String,
    pub why: String,
    pub tokens: u64,
    /// What `sol_lamports`, `fee_lamports` and `realized` count in.
    pub quote: Quote,
    pub sol_lamports: u64,
    pub fee_lamports: u64,
    pub network_fee: u64,
    pub wallet_delta: i64,
    pub realized: i64,
    pub slot: u64,
    pub at_ns: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayPnl {
    pub day: u64,
    /// Per quote, in its units.
    pub realized: PerQuote<i64>,
    pub network_fees: u64,
    pub wallet_delta: i64,
    pub buys: u64,
    pub sells: u64,
    /// Transactions that landed and failed, and the network fees they paid (lamports, also
    /// in `network_fees`).
    pub failed_txs: u64,
    pub failed_fees: u64,
}

/// All days together, and what the open positions cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PnlTotals {
    /// Per quote, in its units.
    pub realized: PerQuote<i64>,
    pub network_fees: u64,
    pub failed_txs: u64,
    pub failed_fees: u64,
    /// The wallet's balance change over every journaled transaction: what the ledger shows.
    pub wallet_delta: i64,
    pub buys: u64,
    pub sells: u64,
    pub open_positions: u64,
    /// Per quote, in its units.
    pub open_cost: PerQuote<u64>,
    /// The wallet's balance when the journal was started (if recorded).
    pub start_balance: Option<u64>,
}

/// What recovery needs.
#[derive(Clone, Debug, Default)]
pub struct JournalState {
    pub open: Vec<PositionRecord>,
    /// Closed positions, newest first (re-entry watches).
    pub closed: Vec<PositionRecord>,
    pub in_flight: Vec<InFlight>,
    /// The last guardian state, if any was recorded.
    pub guardian: Option<String>,
    /// Today's realized PnL (day, per quote in its units).
    pub today: (u64, PerQuote<i64>),
    pub next_order_id: u64,
    pub wallet: Option<Pubkey>,
}

fn u(v: i64, table: &'static str, column: &'static str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        table,
        column,
        detail: format!("{v} is negative"),
    })
}

fn key(s: &str, table: &'static str, column: &'static str) -> Result<Pubkey, StoreError> {
    Pubkey::from_str(s).map_err(|_| StoreError::Corrupt {
        table,
        column,
        detail: format!("`{s}` is not a public key"),
    })
}

fn side_of(s: &str, table: &'static str) -> Result<TradeSide, StoreError> {
    match s {
        "buy" => Ok(TradeSide::Buy),
        "sell" => Ok(TradeSide::Sell),
        _ => Err(StoreError::Corrupt {
            table,
            column: "side",
            detail: format!("`{s}`"),
        }),
    }
}

const POSITION_COLUMNS: &str = "mint, creator, bonding_curve, token_program, is_cashback, tokens,
    cost, realized, opened_ns, peak_ratio, levels_done, reentries, mark_sol, mark_token, high_sol,
    high_token, complete, closed_ns, updated_ns, quote, is_mayhem";

/// Builds `$ty` from a row, each field read from the column of the same name, so a field
/// cannot be read from a neighbour's position.
macro_rules! by_name {
    ($row:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        $ty { $($field: $row.get(stringify!($field))?),* }
    };
}

/// A position row as raw SQL values, converted after the query (errors stay typed).
struct RawPosition {
    mint: String,
    creator: String,
    bonding_curve: String,
    token_program: String,
    is_cashback: bool,
    tokens: i64,
    cost: i64,
    realized: i64,
    opened_ns: i64,
    peak_ratio: i64,
    levels_done: i64,
    reentries: i64,
    mark_sol: i64,
    mark_token: i64,
    high_sol: i64,
    high_token: i64,
    complete: bool,
    closed_ns: Option<i64>,
    updated_ns: i64,
    quote: String,
    is_mayhem: bool,
}

fn raw_position(r: &Row<'_>) -> rusqlite::Result<RawPosition> {
    Ok(by_name!(
        r,
        RawPosition {
            mint,
            creator,
            bonding_curve,
            token_program,
            is_cashback,
            tokens,
            cost,
            realized,
            opened_ns,
            peak_ratio,
            levels_done,
            reentries,
            mark_sol,
            mark_token,
            high_sol,
            high_token,
            complete,
            closed_ns,
            updated_ns,
            quote,
            is_mayhem,
        }
    ))
}

fn position(raw: RawPosition) -> Result<PositionRecord, StoreError> {
    const T: &str = "positions";
    let levels_done = u8::try_from(raw.levels_done).map_err(|_| StoreError::Corrupt {
        table: T,
        column: "levels_done",
        detail: raw.levels_done.to_string(),
    })?;
    let reentries = u32::try_from(raw.reentries).map_err(|_| StoreError::Corrupt {
        table: T,
        column: "reentries",
        detail: raw.reentries.to_string(),
    })?;
    let token_2022 = match raw.token_program.as_str() {
        "spl" => false,
        "token2022" => true,
        other => {
            return Err(StoreError::Corrupt {
                table: T,
                column: "token_program",
                detail: other.to_owned(),
            });
        }
    };
    Ok(PositionRecord {
        mint: key(&raw.mint, T, "mint")?,
        creator: key(&raw.creator, T, "creator")?,
        bonding_curve: key(&raw.bonding_curve, T, "bonding_curve")?,
        token_2022,
        is_cashback: raw.is_cashback,
        is_mayhem: raw.is_mayhem,
        quote: crate::quote_of(&raw.quote, T)?,
        tokens: u(raw.tokens, T, "tokens")?,
        cost: u(raw.cost, T, "cost")?,
        realized: raw.realized,
        opened_ns: u(raw.opened_ns, T, "opened_ns")?,
        peak_ratio: u(raw.peak_ratio, T, "peak_ratio")?,
        levels_done,
        reentries,
        mark_sol: u(raw.mark_sol, T, "mark_sol")?,
        mark_token: u(raw.mark_token, T, "mark_token")?,
        high_sol: u(raw.high_sol, T, "high_sol")?,
        high_token: u(raw.high_token, T, "high_token")?,
        complete: raw.complete,
        closed_ns: raw.closed_ns.map(|c| u(c, T, "closed_ns")).transpose()?,
        updated_ns: u(raw.updated_ns, T, "updated_ns")?,
    })
}

impl Reader {
    /// Opens an existing journal read-only (safe beside a running engine).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| StoreError::Open {
            path: path.display().to_string(),
            error,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found != VERSION {
            if found > VERSION {
                return Err(StoreError::TooNew {
                    found,
                    known: VERSION,
                });
            }
            return Err(StoreError::OldSchema {
                path: path.display().to_string(),
                found,
                known: VERSION,
            });
        }
        Ok(Self { conn })
    }

    /// Opens read-write (creating and migrating if need be), for recovery before the writer
    /// starts.
    pub fn open_for_recovery(path: &Path, sync: Sync) -> Result<Self, StoreError> {
        Ok(Self {
            conn: crate::writer::open_rw(path, sync)?,
        })
    }

    /// Folds the send log's records into the database, through the writer's own statements
    /// (already there: unchanged). Returns how many signed transactions were new.
    pub fn ingest_sends(
        &mut self,
        sends: &[crate::send_log::LoggedSend],
    ) -> Result<usize, StoreError> {
        let count = |c: &Connection| -> Result<i64, StoreError> {
            Ok(c.query_row("SELECT COUNT(*) FROM sends", [], |r| r.get(0))?)
        };
        let before = count(&self.conn)?;
        let tx = self.conn.transaction()?;
        for l in sends {
            crate::writer::write(&tx, &crate::Record::Order(l.order))?;
            crate::writer::write(&tx, &crate::Record::Send(l.send))?;
        }
        tx.commit()?;
        Ok(usize::try_from(count(&self.conn)? - before).unwrap_or(0))
    }

    fn positions_where(&self, filter: &str) -> Result<Vec<PositionRecord>, StoreError> {
        let sql = format!("SELECT {POSITION_COLUMNS} FROM positions WHERE {filter}");
        let mut stmt = self.conn.prepare(&sql)?;
        let raws = stmt
            .query_map([], raw_position)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raws.into_iter().map(position).collect()
    }

    /// Positions still held, oldest first.
    pub fn open_positions(&self) -> Result<Vec<PositionRecord>, StoreError> {
        self.positions_where("closed_ns IS NULL ORDER BY opened_ns")
    }

    /// Closed positions, newest first.
    pub fn closed_positions(&self, limit: usize) -> Result<Vec<PositionRecord>, StoreError> {
        self.positions_where(&format!(
            "closed_ns IS NOT NULL ORDER BY closed_ns DESC LIMIT {limit}"
        ))
    }

    /// Orders without an outcome, with their signed transactions.
    pub fn in_flight(&self) -> Result<Vec<InFlight>, StoreError> {
        const T: &str = "orders";
        let mut stmt = self.conn.prepare(
            "SELECT o.id, o.mint, o.side, o.spend_lamports, o.tokens, o.why, o.level, o.creator,
             o.bonding_curve, o.token_program, o.is_cashback, o.is_mayhem, o.quote FROM orders o
             LEFT JOIN outcomes x ON x.order_id = o.id WHERE x.order_id IS NULL ORDER BY o.id",
        )?;
        struct Raw {
            id: i64,
            mint: String,
            side: String,
            spend_lamports: i64,
            tokens: i64,
            why: String,
            level: i64,
            creator: String,
            bonding_curve: String,
            token_program: String,
            is_cashback: bool,
            is_mayhem: bool,
            quote: String,
        }
        let raws = stmt
            .query_map([], |r| {
                Ok(by_name!(
                    r,
                    Raw {
                        id,
                        mint,
                        side,
                        spend_lamports,
                        tokens,
                        why,
                        level,
                        creator,
                        bonding_curve,
                        token_program,
                        is_cashback,
                        is_mayhem,
                        quote,
                    }
                ))
            })?
            .collect::<rusqlite::Result<Vec<Raw>>>()?;
        let mut sends = self.conn.prepare(
            "SELECT signature, last_valid_block FROM sends WHERE order_id = ?1 ORDER BY at_ns",
        )?;
        struct RawSend {
            signature: String,
            last_valid_block: i64,
        }
        let mut out = Vec::with_capacity(raws.len());
        for o in raws {
            let signed = sends
                .query_map(params![o.id], |r| {
                    Ok(by_name!(
                        r,
                        RawSend {
                            signature,
                            last_valid_block
                        }
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .map(|s| {
                    Ok(OrderSend {
                        signature: SignatureText::new(&s.signature),
                        last_valid_block: u(s.last_valid_block, "sends", "last_valid_block")?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            out.push(InFlight {
                id: u(o.id, T, "id")?,
                mint: key(&o.mint, T, "mint")?,
                creator: key(&o.creator, T, "creator")?,
                bonding_curve: key(&o.bonding_curve, T, "bonding_curve")?,
                token_2022: o.token_program == "token2022",
                is_cashback: o.is_cashback,
                is_mayhem: o.is_mayhem,
                quote: crate::quote_of(&o.quote, T)?,
                side: side_of(&o.side, T)?,
                spend_lamports: u(o.spend_lamports, T, "spend_lamports")?,
                tokens: u(o.tokens, T, "tokens")?,
                why: o.why,
                level: u8::try_from(o.level).unwrap_or(0),
                sends: signed,
            });
        }
        Ok(out)
    }

    /// The operator's latest actions, newest first: (origin, action, queued, at_ns).
    pub fn actions(&self, limit: usize) -> Result<Vec<(String, String, bool, u64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT origin, action, queued, at_ns FROM operator_actions ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (origin, action, queued, at) = row?;
            out.push((origin, action, queued, u64::try_from(at).unwrap_or(0)));
        }
        Ok(out)
    }

    /// Fills at or after `since_ns`, oldest first.
    pub fn fills(&self, since_ns: u64) -> Result<Vec<FillView>, StoreError> {
        self.fills_page(since_ns, usize::MAX)
    }

    /// At most `limit` fills at or after `since_ns`, oldest first (the next page starts
    /// after the last one's `at_ns`).
    pub fn fills_page(&self, since_ns: u64, limit: usize) -> Result<Vec<FillView>, StoreError> {
        const T: &str = "fills";
        let mut stmt = self.conn.prepare(
            "SELECT f.signature, f.order_id, f.mint, f.side, COALESCE(o.why, '') AS why, f.tokens,
             f.sol_lamports, f.fee_lamports, f.network_fee, f.wallet_delta, f.realized, f.slot,
             f.at_ns, f.quote FROM fills f LEFT JOIN orders o ON o.id = f.order_id
             WHERE f.at_ns >= ?1 ORDER BY f.at_ns, f.rowid LIMIT ?2",
        )?;
        struct Raw {
            signature: String,
            order_id: i64,
            mint: String,
            side: String,
            why: String,
            tokens: i64,
            sol_lamports: i64,
            fee_lamports: i64,
            network_fee: i64,
            wallet_delta: i64,
            realized: i64,
            slot: i64,
            at_ns: i64,
            quote: String,
        }
        let raws = stmt
            .query_map(
                params![int(since_ns)?, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(by_name!(
                        r,
                        Raw {
                            signature,
                            order_id,
                            mint,
                            side,
                            why,
                            tokens,
                            sol_lamports,
                            fee_lamports,
                            network_fee,
                            wallet_delta,
                            realized,
                            slot,
                            at_ns,
                            quote,
                        }
                    ))
                },
            )?
            .collect::<rusqlite::Result<Vec<Raw>>>()?;
        raws.into_iter()
            .map(|f| {
                Ok(FillView {
                    signature: f.signature,
                    order_id: u(f.order_id, T, "order_id")?,
                    mint: f.mint,
                    side: f.side,
                    why: f.why,
                    tokens: u(f.tokens, T, "tokens")?,
                    quote: crate::quote_of(&f.quote, T)?,
                    sol_lamports: u(f.sol_lamports, T, "sol_lamports")?,
                    fee_lamports: u(f.fee_lamports, T, "fee_lamports")?,
                    network_fee: u(f.network_fee, T, "network_fee")?,
                    wallet_delta: f.wallet_delta,
                    realized: f.realized,
                    slot: u(f.slot, T, "slot")?,
                    at_ns: u(f.at_ns, T, "at_ns")?,
                })
            })
            .collect()
    }

    /// Per-day PnL, oldest first; `day` picks one.
    pub fn days(&self, day: Option<u64>) -> Result<Vec<DayPnl>, StoreError> {
        const T: &str = "daily_pnl";
        let (sql, arg) = match day {
            Some(d) => (
                "SELECT day, realized, network_fees, wallet_delta, buys, sells, realized_usdc,
                 failed_txs, failed_fees FROM daily_pnl WHERE day = ?1",
                int(d)?,
            ),
            None => (
                "SELECT day, realized, network_fees, wallet_delta, buys, sells, realized_usdc,
                 failed_txs, failed_fees FROM daily_pnl WHERE day >= ?1 ORDER BY day",
                0,
            ),
        };
        struct Raw {
            day: i64,
            realized: i64,
            network_fees: i64,
            wallet_delta: i64,
            buys: i64,
            sells: i64,
            realized_usdc: i64,
            failed_txs: i64,
            failed_fees: i64,
        }
        let mut stmt = self.conn.prepare(sql)?;
        let raws = stmt
            .query_map(params![arg], |r| {
                Ok(by_name!(
                    r,
                    Raw {
                        day,
                        realized,
                        network_fees,
                        wallet_delta,
                        buys,
                        sells,
                        realized_usdc,
                        failed_txs,
                        failed_fees,
                    }
                ))
            })?
            .collect::<rusqlite::Result<Vec<Raw>>>()?;
        raws.into_iter()
            .map(|d| {
                Ok(DayPnl {
                    day: u(d.day, T, "day")?,
                    realized: PerQuote {
                        sol: d.realized,
                        usdc: d.realized_usdc,
                    },
                    network_fees: u(d.network_fees, T, "network_fees")?,
                    wallet_delta: d.wallet_delta,
                    buys: u(d.buys, T, "buys")?,
                    sells: u(d.sells, T, "sells")?,
                    failed_txs: u(d.failed_txs, T, "failed_txs")?,
                    failed_fees: u(d.failed_fees, T, "failed_fees")?,
                })
            })
            .collect()
    }

    pub fn totals(&self) -> Result<PnlTotals, StoreError> {
        let mut t = PnlTotals::default();
        for d in self.days(None)? {
            t.realized.sol = t.realized.sol.saturating_add(d.realized.sol);
            t.realized.usdc = t.realized.usdc.saturating_add(d.realized.usdc);
            t.network_fees = t.network_fees.saturating_add(d.network_fees);
            t.failed_txs += d.failed_txs;
            t.failed_fees = t.failed_fees.saturating_add(d.failed_fees);
            t.wallet_delta = t.wallet_delta.saturating_add(d.wallet_delta);
            t.buys += d.buys;
            t.sells += d.sells;
        }
        for p in self.open_positions()? {
            t.open_positions += 1;
            if let Some(c) = t.open_cost.get_mut(p.quote) {
                *c = c.saturating_add(p.cost);
            }
        }
        t.start_balance = self
            .meta("start_balance")?
            .and_then(|v| v.parse::<u64>().ok());
        Ok(t)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT value FROM meta WHERE key = ?1")?;
        let mut rows = stmt.query(params![key])?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get("value")?),
            None => None,
        })
    }

    /// Everything recovery needs, as of `now_ns`.
    pub fn state(&self, now_ns: u64, closed_limit: usize) -> Result<JournalState, StoreError> {
        let guardian: Option<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT state FROM guardian_states ORDER BY id DESC LIMIT 1")?;
            let mut rows = stmt.query([])?;
            match rows.next()? {
                Some(r) => Some(r.get("state")?),
                None => None,
            }
        };
        let day = now_ns / DAY_NANOS;
        let today = self
            .days(Some(day))?
            .first()
            .map_or((day, PerQuote::default()), |d| (d.day, d.realized));
        let max_id: Option<i64> = self
            .conn
            .query_row("SELECT MAX(id) FROM orders", [], |r| r.get(0))?;
        let wallet = match self.meta("wallet")? {
            Some(w) => Some(key(&w, "meta", "wallet")?),
            None => None,
        };
        Ok(JournalState {
            open: self.open_positions()?,
            closed: self.closed_positions(closed_limit)?,
            in_flight: self.in_flight()?,
            guardian,
            today,
            next_order_id: u(max_id.unwrap_or(0), "orders", "id")? + 1,
            wallet,
        })
    }
}

#[cfg(test)]
mod tests;
