//! Decoders for what Solana websocket feeds carry about pump.fun launches and trades.
//!
//! Layers, innermost first:
//! - [`borsh`]: a bounds-checked cursor; every read names its field, so an error says what was
//!   cut short and at which byte.
//! - [`pump`], [`pump_amm`], [`raydium`], [`account`]: the event and account layouts of the
//!   official IDLs. Fields are only ever appended to these layouts (docs/protocol.md §1.2), so every
//!   field newer than the oldest layout is an `Option`, decoding stops cleanly at the end of the
//!   buffer, and trailing bytes from layouts newer than ours are counted and ignored.
//! - [`logs`]: walks a transaction's log lines with the invoke/success stack, so each
//!   `Program data:` line is attributed to the program that printed it and the instruction it ran.
//! - [`frame`]: websocket notification frames (`logsNotification`, `accountNotification`,
//!   `programNotification`), parsed borrowing from the frame text; [`logs_scan`] scans the
//!   hottest of them, `logsNotification`, without serde.
//!
//! Nothing here panics on input: the crate denies indexing and unwraps, and is fuzzed.

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod account;
pub mod borsh;
mod error;
pub mod frame;
pub mod json;
pub mod logs;
mod logs_notification;
pub mod logs_scan;
pub mod pump;
pub mod pump_amm;
pub mod raydium;

pub use error::{DecodeError, ErrorKind};
pub use solana_pubkey::Pubkey;
