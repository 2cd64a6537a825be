//! The writer thread: the only connection that writes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use rusqlite::{Connection, OpenFlags, Transaction, params};

use crate::schema;
use crate::{DAY_NANOS, MetaValue, Record, StoreError, Sync, TradeSide, int};

/// Records queued at most before a sender waits (counted in [`Journal::waits`]).
const QUEUE: usize = 65_536;
/// Records folded into one SQLite transaction at most.
const BATCH: usize = 4_096;

type Ack = Sender<Result<(), String>>;

enum Msg {
    Record(Record),
    Durable(Record, Ack),
    Flush(Ack),
}

/// The handle to the journal's writer thread. Cloning shares the thread.
#[derive(Clone)]
pub struct Journal {
    tx: Sender<Msg>,
    path: Arc<PathBuf>,
    waits: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
    thread: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

/// Opens (creating if need be) the database at `path` and brings its schema up to date.
pub(crate) fn open_rw(path: &Path, sync: Sync) -> Result<Connection, StoreError> {
    let open_err = |error| StoreError::Open {
        path: path.display().to_string(),
        error,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|error| StoreError::Dir {
            path: dir.display().to_string(),
            error,
        })?;
    }
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(open_err)?;
    conn.pragma_update(
        None,
        "synchronous",
        match sync {
            Sync::Normal => "NORMAL",
            Sync::Full => "FULL",
        },
    )
    .map_err(open_err)?;
    // Readers (the CLI) may hold the WAL briefly; wait rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open_err)?;
    schema::migrate(&mut conn)?;
    Ok(conn)
}

impl Journal {
    /// Opens the journal and starts its writer thread.
    pub fn open(path: &Path, sync: Sync) -> Result<Self, StoreError> {
        let conn = open_rw(path, sync)?;
        let (tx, rx) = bounded(QUEUE);
        let written = Arc::new(AtomicU64::new(0));
        let w = written.clone();
        let thread = std::thread::Builder::new()
            .name("kestrel-journal".into())
            .spawn(move || writer_loop(conn, &rx, &w))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            tx,
            path: Arc::new(path.to_path_buf()),
            waits: Arc::new(AtomicU64::new(0)),
            written,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues a record; returns at once unless the queue is full (then waits, counted).
    pub fn record(&self, r: Record) {
        match self.tx.try_send(Msg::Record(r)) {
            Ok(()) => {}
            Err(TrySendError::Full(m)) => {
                self.waits.fetch_add(1, Relaxed);
                if self.tx.send(m).is_err() {
                    tracing::error!("journal writer has stopped: a record was lost");
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!("journal writer has stopped: a record was lost");
            }
        }
    }

    /// Writes a record and returns once it (and everything queued before it) is committed.
    pub fn durable(&self, r: Record) -> Result<(), StoreError> {
        let (ack, done) = bounded(1);
        self.tx
            .send(Msg::Durable(r, ack))
            .map_err(|_| StoreError::Closed)?;
        match done.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Corrupt {
                table: "-",
                column: "-",
                detail: e,
            }),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Returns once everything queued so far is committed.
    pub fn flush(&self) -> Result<(), StoreError> {
        let (ack, done) = bounded(1);
        self.tx
            .send(Msg::Flush(ack))
            .map_err(|_| StoreError::Closed)?;
        match done.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Corrupt {
                table: "-",
                column: "-",
                detail: e,
            }),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Times a sender found the queue full.
    pub fn waits(&self) -> u64 {
        self.waits.load(Relaxed)
    }

    /// Records committed so far.
    pub fn written(&self) -> u64 {
        self.written.load(Relaxed)
    }

    /// Flushes and stops the writer thread (once all clones are done with it).
    pub fn close(self) {
        let _ = self.flush();
        let Journal { tx, thread, .. } = self;
        drop(tx);
        if let Ok(mut t) = thread.lock()
            && Arc::strong_count(&thread) == 1
            && let Some(t) = t.take()
        {
            let _ = t.join();
        }
    }
}

/// How often the writer wakes to write what has been queued. It never waits on the queue
/// itself, so handing it a record is a plain enqueue for the hot threads (no wakeup, no
/// syscall), and its SQLite work runs on its own schedule rather than right after each order,
/// when the execution thread needs the core.
const TICK: std::time::Duration = std::time::Duration::from_millis(10);

fn writer_loop(mut conn: Connection, rx: &Receiver<Msg>, written: &AtomicU64) {
    let mut batch: Vec<Msg> = Vec::with_capacity(BATCH);
    loop {
        let mut closed = false;
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        if batch.is_empty() {
            if closed {
                return;
            }
            std::thread::sleep(TICK);
            continue;
        }
        match write_batch(&mut conn, &batch) {
            Ok(()) => {
                let records = batch.iter().filter(|m| !matches!(m, Msg::Flush(_))).count();
                written.fetch_add(records as u64, Relaxed);
                for m in batch.drain(..) {
                    if let Msg::Durable(_, ack) | Msg::Flush(ack) = m {
                        let _ = ack.send(Ok(()));
                    }
                }
            }
            // One bad record must not cost the others: each on its own, and only the
            // record that fails is lost (and reported to whoever waits on it).
            Err(e) => {
                tracing::warn!(
                    "journal: a batch of {} failed ({e}); writing one by one",
                    batch.len()
                );
                for m in batch.drain(..) {
                    let one = std::slice::from_ref(&m);
                    let r = write_batch(&mut conn, one).map_err(|e| e.to_string());
                    match (&m, r) {
                        (Msg::Flush(ack), Ok(())) => {
                            let _ = ack.send(Ok(()));
                        }
                        (_, Ok(())) => {
                            written.fetch_add(1, Relaxed);
                            if let Msg::Durable(_, ack) = &m {
                                let _ = ack.send(Ok(()));
                            }
                        }
                        (Msg::Durable(r, ack), Err(e)) => {
                            tracing::error!("journal: a record was not written ({e}): {r:?}");
                            let _ = ack.send(Err(e));
                        }
                        (Msg::Record(r), Err(e)) => {
                            tracing::error!("journal: a record was not written ({e}): {r:?}");
                        }
                        (Msg::Flush(ack), Err(e)) => {
                            let _ = ack.send(Err(e));
                        }
                    }
                }
            }
        }
    }
}

fn write_batch(conn: &mut Connection, batch: &[Msg]) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    for m in batch {
        match m {
            Msg::Record(r) | Msg::Durable(r, _) => write(&tx, r)?,
            Msg::Flush(_) => {}
        }
    }
    tx.commit()?;
    Ok(())
}

/// What one fill or failed transaction adds to its day.
struct Day {
    /// The realized PnL and the quote it counts in.
    realized: (kestrel_model::Quote, i64),
    network_fee: u64,
    wallet_delta: i64,
    buys: i64,
    sells: i64,
    /// 1 for a transaction that landed and failed.
    failed: i64,
}

/// Adds to the UTC day of `at_ns` in `daily_pnl`: the one place the day's figures change.
fn add_to_day(tx: &Transaction<'_>, at_ns: u64, d: Day) -> Result<(), StoreError> {
    // SOL's result in `realized`, USDC's beside it; a quote not traded has no column.
    let (sol, usdc) = match d.realized {
        (kestrel_model::Quote::Sol, r) => (r, 0),
        (kestrel_model::Quote::Usdc, r) => (0, r),
        (kestrel_model::Quote::Other(_), _) => (0, 0),
    };
    let failed_fees = if d.failed > 0 { int(d.network_fee)? } else { 0 };
    tx.prepare_cached(
        "INSERT INTO daily_pnl (day, realized, network_fees, wallet_delta, buys, sells,
         realized_usdc, failed_txs, failed_fees)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (day) DO UPDATE SET
           realized = realized + excluded.realized,
           network_fees = network_fees + excluded.network_fees,
           wallet_delta = wallet_delta + excluded.wallet_delta,
           buys = buys + excluded.buys,
           sells = sells + excluded.sells,
           realized_usdc = realized_usdc + excluded.realized_usdc,
           failed_txs = failed_txs + excluded.failed_txs,
           failed_fees = failed_fees + excluded.failed_fees",
    )?
    .execute(params![
        int(at_ns / DAY_NANOS)?,
        sol,
        int(d.network_fee)?,
        d.wallet_delta,
        d.buys,
        d.sells,
        usdc,
        d.failed,
        failed_fees,
    ])?;
    Ok(())
}

fn write_position(
    tx: &Transaction<'_>,
    p: &crate::PositionRecord,
    cause: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO positions (mint, creator, bonding_curve, token_program,
         is_cashback, tokens, cost, realized, opened_ns, peak_ratio, levels_done, reentries,
         mark_sol, mark_token, high_sol, high_token, complete, closed_ns, updated_ns, quote,
         is_mayhem)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
         ?17, ?18, ?19, ?20, ?21)",
    )?
    .execute(params![
        p.mint.to_string(),
        p.creator.to_string(),
        p.bonding_curve.to_string(),
        if p.token_2022 { "token2022" } else { "spl" },
        p.is_cashback,
        int(p.tokens)?,
        int(p.cost)?,
        p.realized,
        int(p.opened_ns)?,
        int(p.peak_ratio)?,
        p.levels_done,
        p.reentries,
        int(p.mark_sol)?,
        int(p.mark_token)?,
        int(p.high_sol)?,
        int(p.high_token)?,
        p.complete,
        p.closed_ns.map(int).transpose()?,
        int(p.updated_ns)?,
        crate::quote_text(p.quote),
        p.is_mayhem,
    ])?;
    tx.prepare_cached(
        "INSERT INTO position_changes (mint, tokens, cost, cause, at_ns)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        p.mint.to_string(),
        int(p.tokens)?,
        int(p.cost)?,
        cause,
        int(p.updated_ns)?,
    ])?;
    Ok(())
}

fn side(s: TradeSide) -> &'static str {
    s.as_str()
}

pub(crate) fn write(tx: &Transaction<'_>, r: &Record) -> Result<(), StoreError> {
    match r {
        Record::Meta { key, value } => {
            let v = match value {
                MetaValue::Key(k) => k.to_string(),
                MetaValue::Number(n) => n.to_string(),
                MetaValue::Name(s) => (*s).to_owned(),
            };
            tx.prepare_cached("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, v])?;
        }
        Record::Order(o) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO orders (id, mint, creator, bonding_curve, token_program,
                 is_cashback, side, spend_lamports, tokens, why, level, slippage_bps, cu_price,
                 at_ns, quote, is_mayhem)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                int(o.id)?,
                o.mint.to_string(),
                o.creator.to_string(),
                o.bonding_curve.to_string(),
                if o.token_2022 { "token2022" } else { "spl" },
                o.is_cashback,
                side(o.side),
                int(o.spend_lamports)?,
                int(o.tokens)?,
                o.why.as_str(),
                o.level,
                int(o.slippage_bps)?,
                int(o.cu_price)?,
                int(o.at_ns)?,
                crate::quote_text(o.quote),
                o.is_mayhem,
            ])?;
        }
        Record::Send(s) => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO sends (signature, order_id, blockhash, last_valid_block, at_ns)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                s.signature.as_str(),
                int(s.order_id)?,
                s.blockhash.to_string(),
                int(s.last_valid_block)?,
                int(s.at_ns)?,
            ])?;
        }
        Record::Outcome(o) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO outcomes (order_id, status, signature, detail, at_ns)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                int(o.order_id)?,
                if o.filled { "filled" } else { "failed" },
                o.signature.as_ref().map(|s| s.as_str().to_owned()),
                o.detail,
                int(o.at_ns)?,
            ])?;
        }
        Record::Fill {
            fill: f,
            position,
            cause,
        } => {
            // A fill is booked once, whoever reports it first (live tracking or recovery).
            let n = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO fills (signature, order_id, mint, side, tokens,
                     sol_lamports, fee_lamports, network_fee, wallet_delta, realized, slot, at_ns,
                     quote)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )?
                .execute(params![
                    f.signature.as_str(),
                    int(f.order_id)?,
                    f.mint.to_string(),
                    side(f.side),
                    int(f.tokens)?,
                    int(f.sol_lamports)?,
                    int(f.fee_lamports)?,
                    int(f.network_fee)?,
                    f.wallet_delta,
                    f.realized,
                    int(f.slot)?,
                    int(f.at_ns)?,
                    crate::quote_text(f.quote),
                ])?;
            if n == 1 {
                let (buys, sells) = match f.side {
                    TradeSide::Buy => (1, 0),
                    TradeSide::Sell => (0, 1),
                };
                add_to_day(
                    tx,
                    f.at_ns,
                    Day {
                        realized: (f.quote, f.realized),
                        network_fee: f.network_fee,
                        wallet_delta: f.wallet_delta,
                        buys,
                        sells,
                        failed: 0,
                    },
                )?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO outcomes (order_id, status, signature, detail, at_ns)
                     VALUES (?1, 'filled', ?2, 'filled', ?3)",
                )?
                .execute(params![
                    int(f.order_id)?,
                    f.signature.as_str(),
                    int(f.at_ns)?
                ])?;
                write_position(tx, position, cause)?;
            }
        }
        Record::Cost(c) => {
            let n = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO failed_costs (signature, order_id, network_fee,
                     wallet_delta, slot, at_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    c.signature.as_str(),
                    int(c.order_id)?,
                    int(c.network_fee)?,
                    c.wallet_delta,
                    int(c.slot)?,
                    int(c.at_ns)?,
                ])?;
            if n == 1 {
                add_to_day(
                    tx,
                    c.at_ns,
                    Day {
                        realized: (kestrel_model::Quote::Sol, 0),
                        network_fee: c.network_fee,
                        wallet_delta: c.wallet_delta,
                        buys: 0,
                        sells: 0,
                        failed: 1,
                    },
                )?;
            }
        }
        Record::Position { position, cause } => write_position(tx, position, cause)?,
        Record::Guardian {
            state,
            cause,
            at_ns,
        } => {
            tx.prepare_cached(
                "INSERT INTO guardian_states (state, cause, at_ns) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![state, cause, int(*at_ns)?])?;
        }
        Record::Action(a) => {
            tx.prepare_cached(
                "INSERT INTO operator_actions (origin, action, mint, percent, queued, at_ns)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                a.origin,
                a.action,
                a.mint.map(|m| m.to_string()),
                a.percent,
                a.queued,
                int(a.at_ns)?
            ])?;
        }
        Record::Reconcile(r) => {
            tx.prepare_cached(
                "INSERT INTO reconciliations (mint, journal_tokens, chain_tokens, action, at_ns)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                r.mint.to_string(),
                int(r.journal_tokens)?,
                int(r.chain_tokens)?,
                r.action,
                int(r.at_ns)?,
            ])?;
        }
    }
    Ok(())
}
