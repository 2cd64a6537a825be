//! The journal: an embedded SQLite database (WAL) that Kestrel writes from its own thread and
//! reads back on start, and that `kestrel positions | trades | pnl` read while the engine runs.
//!
//! Records are plain `Copy` values (keys as `Pubkey`, signatures inline, names `&'static str`),
//! so the strategy thread hands them over without allocating or waking anyone. The writer
//! wakes every few milliseconds and folds whatever is queued into one SQLite transaction; a
//! record sent with [`Journal::durable`] is acknowledged once its batch has committed.
//!
//! The one write the hot path waits for is the [`SendLog`]: before a signed transaction is
//! broadcast, its order and signature are appended there (one `write(2)`), so an order is on
//! disk before it can land; recovery folds the log into the database.
//!
//! Durability: WAL with `synchronous = NORMAL` survives a crash of the process (kill -9) at
//! any point, which is what the engine's recovery relies on; `FULL` also survives a power
//! cut, at the price of an fsync per batch.

mod read;
mod schema;
pub mod send_log;
mod writer;

pub use read::{DayPnl, FillView, InFlight, JournalState, OrderSend, PnlTotals, Reader};
pub use schema::VERSION as SCHEMA_VERSION;
pub use send_log::SendLog;
pub use writer::Journal;

use kestrel_model::{Quote, SignatureText};
use solana_pubkey::Pubkey;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    // `error`, not `source`: the message already carries it (no repeat in error chains).
    #[error("journal {path}: {error}")]
    Open {
        path: String,
        error: rusqlite::Error,
    },
    #[error("journal directory {path}: {error}")]
    Dir { path: String, error: std::io::Error },
    #[error("journal: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "journal schema version {found} is newer than this build knows ({known}); use a newer kestrel"
    )]
    TooNew { found: u32, known: u32 },
    #[error("journal: bad value in {table}.{column}: {detail}")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        detail: String,
    },
    #[error("journal: cannot start the writer thread: {0}")]
    Thread(std::io::Error),
    #[error("no journal at {0} (the engine writes it on its first run)")]
    Missing(String),
    #[error(
        "journal {path} has schema version {found}; this build reads {known} (run the engine once to upgrade it)"
    )]
    OldSchema {
        path: String,
        found: u32,
        known: u32,
    },
    #[error("journal writer has stopped")]
    Closed,
    #[error("journal: amount {0} does not fit SQLite's signed 64-bit integer")]
    Overflow(u64),
}

/// How hard each commit is pushed to disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sync {
    /// Survives a process crash; a power cut may lose the last commits.
    #[default]
    Normal,
    /// Survives a power cut too (an fsync per batch).
    Full,
}

/// A short name held inline (an order's `why`): `Copy`, no allocation.
pub type Name = kestrel_model::InlineStr<24>;

/// Nanoseconds in a UTC day.
pub const DAY_NANOS: u64 = 86_400 * 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeSide {
    Buy,
    Sell,
}

impl TradeSide {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Sell => "sell",
        }
    }
}

/// An intent the guardian approved, as the strategy thread made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: u64,
    pub mint: Pubkey,
    /// What a buy's position needs if the buy fills while the engine is down.
    pub creator: Pubkey,
    pub bonding_curve: Pubkey,
    pub token_2022: bool,
    pub is_cashback: bool,
    /// A mayhem-mode coin (2026-12).
    pub is_mayhem: bool,
    /// What the coin is priced in; the amounts count in it (2026-12).
    pub quote: Quote,
    pub side: TradeSide,
    /// In `quote`'s base units (lamports for SOL).
    pub spend_lamports: u64,
    pub tokens: u64,
    /// What made it: `snipe`, `reentry`, or an exit reason's name.
    pub why: Name,
    pub level: u8,
    pub slippage_bps: u64,
    pub cu_price: u64,
    pub at_ns: u64,
}

/// One signed transaction of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendRecord {
    pub order_id: u64,
    pub signature: SignatureText,
    pub blockhash: solana_hash::Hash,
    pub last_valid_block: u64,
    pub at_ns: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutcomeRecord {
    pub order_id: u64,
    pub filled: bool,
    pub signature: Option<SignatureText>,
    pub detail: &'static str,
    pub at_ns: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillRecord {
    pub signature: SignatureText,
    pub order_id: u64,
    pub mint: Pubkey,
    pub side: TradeSide,
    pub tokens: u64,
    /// What the coin is priced in: `sol_lamports`, `fee_lamports` and `realized` count in it
    /// (2026-12); `network_fee` and `wallet_delta` are always lamports.
    pub quote: Quote,
    pub sol_lamports: u64,
    pub fee_lamports: u64,
    pub network_fee: u64,
    pub wallet_delta: i64,
    pub realized: i64,
    pub slot: u64,
    pub at_ns: u64,
}

/// A transaction that landed and failed: no fill, but the ledger charged its fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostRecord {
    pub signature: SignatureText,
    pub order_id: u64,
    pub network_fee: u64,
    pub wallet_delta: i64,
    pub slot: u64,
    pub at_ns: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionRecord {
    pub mint: Pubkey,
    pub creator: Pubkey,
    pub bonding_curve: Pubkey,
    pub token_2022: bool,
    pub is_cashback: bool,
    /// A mayhem-mode coin: its trades pay the reserved fee recipients (2026-12).
    pub is_mayhem: bool,
    /// What the coin is priced in: `cost`, `realized`, `mark_sol` and `high_sol` count in it
    /// (2026-12).
    pub quote: Quote,
    pub tokens: u64,
    pub cost: u64,
    pub realized: i64,
    pub opened_ns: u64,
    pub peak_ratio: u64,
    pub levels_done: u8,
    pub reentries: u32,
    pub mark_sol: u64,
    pub mark_token: u64,
    pub high_sol: u64,
    pub high_token: u64,
    pub complete: bool,
    pub closed_ns: Option<u64>,
    pub updated_ns: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconcileRecord {
    pub mint: Pubkey,
    pub journal_tokens: u64,
    pub chain_tokens: u64,
    pub action: &'static str,
    pub at_ns: u64,
}

/// Everything the journal stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "records cross to the writer by value: boxing the fill would allocate on the strategy thread for every fill"
)]
pub enum Record {
    /// Wallet, mode, starting balance: set once, kept.
    Meta {
        key: &'static str,
        value: MetaValue,
    },
    Order(OrderRecord),
    Send(SendRecord),
    Outcome(OutcomeRecord),
    /// A fill, with the order's outcome and the position it left, in one transaction (a
    /// crash never leaves a fill without its position, or the reverse); also adds to the
    /// day's PnL. A fill already booked (same signature) changes nothing.
    Fill {
        fill: FillRecord,
        position: PositionRecord,
        cause: &'static str,
    },
    /// A failed transaction's fee; also adds to the day's fees and wallet change.
    Cost(CostRecord),
    Position {
        position: PositionRecord,
        cause: &'static str,
    },
    Guardian {
        state: &'static str,
        cause: &'static str,
        at_ns: u64,
    },
    Reconcile(ReconcileRecord),
    /// An operator's command as it arrived: `origin` says where from ("dashboard 127.0.0.1",
    /// kept short and static by the caller's choice of words), `queued` whether the engine took it.
    Action(ActionRecord),
}

/// An operator's command (pause, resume, kill, sell) and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    /// "dashboard", "control-port".
    pub origin: &'static str,
    /// "pause", "resume", "halt", "halt-and-sell-all", "sell".
    pub action: &'static str,
    pub mint: Option<Pubkey>,
    pub percent: Option<u8>,
    pub queued: bool,
    pub at_ns: u64,
}

/// A meta value (kept `Copy`: a key or a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaValue {
    Key(Pubkey),
    Number(u64),
    Name(&'static str),
}

pub(crate) fn int(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Overflow(v))
}

/// A quote as the journal spells it: `SOL`, `USDC`, or the mint in base58.
pub(crate) fn quote_text(q: Quote) -> String {
    match q {
        Quote::Sol | Quote::Usdc => q.symbol(),
        Quote::Other(m) => m.to_string(),
    }
}

/// The journal's spelling back.
pub(crate) fn quote_of(s: &str, table: &'static str) -> Result<Quote, StoreError> {
    Quote::parse(s).ok_or_else(|| StoreError::Corrupt {
        table,
        column: "quote",
        detail: format!("`{s}` is not a quote"),
    })
}
