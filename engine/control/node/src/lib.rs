//! The `kestrel` package's library half: what the binary and the end-to-end harness (in
//! `benches/`) share. One module: [`setup`], the one place where a validated config becomes
//! the engine's types.

pub mod setup;
