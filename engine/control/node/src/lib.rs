//! The `kestrel` package's library half: what the binary and the end-to-end harness (in
//! `benches/`) share: [`setup`], the one place where a validated config becomes the engine's
//! types, and [`exit`], the exit statuses.

pub mod exit;
pub mod setup;
