//! Kestrel's capture files: every frame the feeds delivered (first copies and duplicates),
//! with the endpoint it came from and its monotonic receive time, and the slot clock, so a
//! session can be replayed through the same decode → kernel code that traded it.
//!
//! The layout, version 1 (2026-12-03), append-only:
//!
//! ```text
//! file    = header block*
//! header  = "KESTRELCAP" (10 bytes) · version u16 LE · length u32 LE · JSON (endpoints, …)
//! block   = "KBLK" · compressed length u32 LE · records u32 LE · CRC-32 of the compressed
//!           bytes u32 LE · a zstd frame of records
//! record  = kind u8 · endpoint u16 LE · time ns u64 LE · length u32 LE · bytes
//!   kind 1: a frame received (its text)
//!   kind 2: a slot (u64 LE)
//!   kind 3: a request sent (its text: the subscriptions a replay must map replies to)
//!   kind 4: a new connection (no bytes: subscriptions start afresh)
//! ```
//!
//! A block is written whole or not at all from the reader's point of view: a crash leaves at
//! most a torn last block, and [`Reader`] reads every record before it, then says where the
//! damage is. Files rotate by size (`FILE`, `FILE.1`, `FILE.2`, …), each with its header.

pub mod read_ahead;
pub mod reader;
pub mod recorder;
pub mod writer;

pub use read_ahead::ReadAhead;
pub use reader::{ReadError, Reader};
pub use recorder::{Recorder, RecorderStats, Recording};
pub use writer::{WriteError, Writer};

/// The file's first bytes.
pub const MAGIC: &[u8; 10] = b"KESTRELCAP";
/// A block's first bytes.
pub const BLOCK_MAGIC: &[u8; 4] = b"KBLK";
/// The layout this build writes and reads.
pub const VERSION: u16 = 1;
/// A block holds at most this much before compression (a record larger goes alone).
pub const BLOCK_BYTES: usize = 256 * 1024;
/// No record is larger (a feed frame is far smaller; a bigger length is damage).
pub const MAX_RECORD: usize = 16 * 1024 * 1024;

/// What a record holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A frame as the endpoint sent it (the JSON-RPC text), received at `at_ns`.
    Frame {
        endpoint: u16,
        at_ns: u64,
        text: Vec<u8>,
    },
    /// The slot an endpoint reported at `at_ns`.
    Slot {
        endpoint: u16,
        at_ns: u64,
        slot: u64,
    },
    /// A request sent to the endpoint (a subscription), at `at_ns`.
    Sent {
        endpoint: u16,
        at_ns: u64,
        text: Vec<u8>,
    },
    /// The endpoint (re)connected at `at_ns`: what follows is a new session.
    Connected { endpoint: u16, at_ns: u64 },
}

impl Record {
    pub fn at_ns(&self) -> u64 {
        match self {
            Record::Frame { at_ns, .. }
            | Record::Slot { at_ns, .. }
            | Record::Sent { at_ns, .. }
            | Record::Connected { at_ns, .. } => *at_ns,
        }
    }

    /// Appends the record's bytes to `out`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let (kind, endpoint, at_ns, body): (u8, u16, u64, &[u8]) = match self {
            Record::Frame {
                endpoint,
                at_ns,
                text,
            } => (1, *endpoint, *at_ns, text),
            Record::Sent {
                endpoint,
                at_ns,
                text,
            } => (3, *endpoint, *at_ns, text),
            Record::Connected { endpoint, at_ns } => (4, *endpoint, *at_ns, &[][..]),
            Record::Slot {
                endpoint,
                at_ns,
                slot,
            } => {
                out.push(2);
                out.extend_from_slice(&endpoint.to_le_bytes());
                out.extend_from_slice(&at_ns.to_le_bytes());
                out.extend_from_slice(&8u32.to_le_bytes());
                out.extend_from_slice(&slot.to_le_bytes());
                return;
            }
        };
        out.push(kind);
        out.extend_from_slice(&endpoint.to_le_bytes());
        out.extend_from_slice(&at_ns.to_le_bytes());
        out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(body);
    }
}

/// The header's JSON: what the reader needs to know of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The endpoints' printable names (no secrets), by index.
    pub endpoints: Vec<String>,
    /// When recording started, ms since the Unix epoch.
    pub started_ms: u64,
    /// The program that wrote it (`kestrel 0.1.0`).
    pub writer: String,
    /// The wallet the recording engine traded with (base58), so a backtest can tell its own
    /// fills in the frames (and measure how many slots its buys took to land). Added
    /// 2026-12-03; absent for a listen-only recording.
    pub wallet: Option<String>,
}

impl Header {
    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::json!({
            "endpoints": self.endpoints,
            "started_ms": self.started_ms,
            "writer": self.writer,
            "wallet": self.wallet,
        })
        .to_string()
        .into_bytes()
    }

    pub(crate) fn from_json(bytes: &[u8]) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            endpoints: v["endpoints"]
                .as_array()?
                .iter()
                .map(|e| e.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?,
            started_ms: v["started_ms"].as_u64()?,
            writer: v["writer"].as_str()?.to_owned(),
            wallet: v["wallet"].as_str().map(str::to_owned),
        })
    }
}
