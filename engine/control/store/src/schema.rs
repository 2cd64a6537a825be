//! The journal's schema, as numbered migrations. `PRAGMA user_version` holds the number of
//! the last one applied; each runs once, in order, inside a transaction. A journal written
//! by a newer Kestrel (a higher version than this build knows) is refused, not guessed at.

use rusqlite::Connection;

use crate::StoreError;

/// Migration `i` takes the schema from version `i` to `i + 1`. No foreign keys: the journal
/// must never refuse a fill because some other row is missing (the engine writes an order's
/// intent before anything that refers to it).
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- An intent the guardian approved: written when the order is made.
    CREATE TABLE orders (
        id             INTEGER PRIMARY KEY,
        mint           TEXT NOT NULL,
        creator        TEXT NOT NULL,
        bonding_curve  TEXT NOT NULL,
        token_program  TEXT NOT NULL CHECK (token_program IN ('spl', 'token2022')),
        is_cashback    INTEGER NOT NULL,
        side           TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        spend_lamports INTEGER NOT NULL,
        tokens         INTEGER NOT NULL,
        why            TEXT NOT NULL,
        level          INTEGER NOT NULL DEFAULT 0,
        slippage_bps   INTEGER NOT NULL,
        cu_price       INTEGER NOT NULL,
        at_ns          INTEGER NOT NULL
    );
    CREATE INDEX orders_mint ON orders (mint);
    -- Each signed transaction of an order (re-signs add rows), durable before it is sent.
    CREATE TABLE sends (
        signature        TEXT PRIMARY KEY,
        order_id         INTEGER NOT NULL,
        blockhash        TEXT NOT NULL,
        last_valid_block INTEGER NOT NULL,
        at_ns            INTEGER NOT NULL
    );
    CREATE INDEX sends_order ON sends (order_id);
    -- How an order ended.
    CREATE TABLE outcomes (
        order_id  INTEGER PRIMARY KEY,
        status    TEXT NOT NULL CHECK (status IN ('filled', 'failed')),
        signature TEXT,
        detail    TEXT NOT NULL,
        at_ns     INTEGER NOT NULL
    );
    -- Fills, as the transactions' own TradeEvents state them.
    CREATE TABLE fills (
        signature      TEXT PRIMARY KEY,
        order_id       INTEGER NOT NULL,
        mint           TEXT NOT NULL,
        side           TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        tokens         INTEGER NOT NULL,
        sol_lamports   INTEGER NOT NULL,
        fee_lamports   INTEGER NOT NULL,
        network_fee    INTEGER NOT NULL,
        -- The fee payer's balance change in the transaction (rent and all): the ledger's figure.
        wallet_delta   INTEGER NOT NULL,
        realized       INTEGER NOT NULL,
        slot           INTEGER NOT NULL,
        at_ns          INTEGER NOT NULL
    );
    CREATE INDEX fills_at ON fills (at_ns);
    -- Transactions that landed and failed: the fee the ledger charged.
    CREATE TABLE failed_costs (
        signature    TEXT PRIMARY KEY,
        order_id     INTEGER NOT NULL,
        network_fee  INTEGER NOT NULL,
        wallet_delta INTEGER NOT NULL,
        slot         INTEGER NOT NULL,
        at_ns        INTEGER NOT NULL
    );
    -- Positions as they stand now (closed ones keep their row, for re-entry and history).
    CREATE TABLE positions (
        mint          TEXT PRIMARY KEY,
        creator       TEXT NOT NULL,
        bonding_curve TEXT NOT NULL,
        token_program TEXT NOT NULL CHECK (token_program IN ('spl', 'token2022')),
        is_cashback   INTEGER NOT NULL,
        tokens        INTEGER NOT NULL,
        cost          INTEGER NOT NULL,
        realized      INTEGER NOT NULL,
        opened_ns     INTEGER NOT NULL,
        peak_ratio    INTEGER NOT NULL,
        levels_done   INTEGER NOT NULL,
        reentries     INTEGER NOT NULL,
        mark_sol      INTEGER NOT NULL,
        mark_token    INTEGER NOT NULL,
        high_sol      INTEGER NOT NULL,
        high_token    INTEGER NOT NULL,
        complete      INTEGER NOT NULL,
        closed_ns     INTEGER,
        updated_ns    INTEGER NOT NULL
    );
    -- Every change of a position, with its cause.
    CREATE TABLE position_changes (
        id       INTEGER PRIMARY KEY,
        mint     TEXT NOT NULL,
        tokens   INTEGER NOT NULL,
        cost     INTEGER NOT NULL,
        cause    TEXT NOT NULL,
        at_ns    INTEGER NOT NULL
    );
    CREATE TABLE guardian_states (
        id     INTEGER PRIMARY KEY,
        state  TEXT NOT NULL CHECK (state IN ('active', 'reducing', 'halted')),
        cause  TEXT NOT NULL,
        at_ns  INTEGER NOT NULL
    );
    -- Per UTC day (days since the Unix epoch).
    CREATE TABLE daily_pnl (
        day          INTEGER PRIMARY KEY,
        realized     INTEGER NOT NULL,
        network_fees INTEGER NOT NULL,
        wallet_delta INTEGER NOT NULL,
        buys         INTEGER NOT NULL,
        sells        INTEGER NOT NULL
    );
    -- What start-up reconciliation found on chain that the journal did not say.
    CREATE TABLE reconciliations (
        id             INTEGER PRIMARY KEY,
        mint           TEXT NOT NULL,
        journal_tokens INTEGER NOT NULL,
        chain_tokens   INTEGER NOT NULL,
        action         TEXT NOT NULL,
        at_ns          INTEGER NOT NULL
    );
    ",
    // 2 (2026-12-02): coins quoted in USDC, mayhem coins, and what failed transactions cost.
    // Amount columns named for lamports (`spend_lamports`, `sol_lamports`, `fee_lamports`,
    // `cost`, `realized`, `mark_sol`, `high_sol`) count the row's `quote` from here on:
    // lamports for SOL, USDC base units for USDC. Rows from version 1 are SOL.
    r"
    ALTER TABLE orders ADD COLUMN quote TEXT NOT NULL DEFAULT 'SOL';
    ALTER TABLE orders ADD COLUMN is_mayhem INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE fills ADD COLUMN quote TEXT NOT NULL DEFAULT 'SOL';
    ALTER TABLE positions ADD COLUMN quote TEXT NOT NULL DEFAULT 'SOL';
    ALTER TABLE positions ADD COLUMN is_mayhem INTEGER NOT NULL DEFAULT 0;
    -- `realized` stays the day's SOL result; USDC's is kept beside it.
    ALTER TABLE daily_pnl ADD COLUMN realized_usdc INTEGER NOT NULL DEFAULT 0;
    -- Transactions that landed and failed that day, and the network fees they paid (also in
    -- network_fees).
    ALTER TABLE daily_pnl ADD COLUMN failed_txs INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE daily_pnl ADD COLUMN failed_fees INTEGER NOT NULL DEFAULT 0;
    ",
    // 3 (2026-12-03): the operator's pause is a state of its own ('paused'), told apart from
    // a halt. SQLite cannot change a CHECK in place: the table is copied into a new one.
    r"
    CREATE TABLE guardian_states_v3 (
        id     INTEGER PRIMARY KEY,
        state  TEXT NOT NULL CHECK (state IN ('active', 'reducing', 'halted', 'paused')),
        cause  TEXT NOT NULL,
        at_ns  INTEGER NOT NULL
    );
    INSERT INTO guardian_states_v3 (id, state, cause, at_ns)
        SELECT id, state, cause, at_ns FROM guardian_states;
    DROP TABLE guardian_states;
    ALTER TABLE guardian_states_v3 RENAME TO guardian_states;
    ",
    // 4 (2026-12-03): what the operator asked for, from where (the dashboard, the control
    // port), and whether it was queued: the engine's own rows say what it then did.
    r"
    CREATE TABLE operator_actions (
        id       INTEGER PRIMARY KEY,
        origin   TEXT NOT NULL,
        action   TEXT NOT NULL,
        mint     TEXT,
        percent  INTEGER,
        queued   INTEGER NOT NULL,
        at_ns    INTEGER NOT NULL
    );
    ",
];

/// The schema version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings `conn` to [`VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let have: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if have > VERSION {
        return Err(StoreError::TooNew {
            found: have,
            known: VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(VERSION)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_version_2_journal_keeps_its_guardian_states_and_learns_paused() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        let insert = "INSERT INTO guardian_states (state, cause, at_ns) VALUES (?1, 'x', 1)";
        conn.execute(insert, ["halted"]).unwrap();
        assert!(conn.execute(insert, ["paused"]).is_err());
        assert_eq!(migrate(&mut conn).unwrap(), VERSION);
        conn.execute(insert, ["paused"]).unwrap();
        assert!(conn.execute(insert, ["sleepy"]).is_err());
        let states: Vec<String> = conn
            .prepare("SELECT state FROM guardian_states ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(states, ["halted", "paused"]);
    }
}
