//! Kestrel's test kit: what tests and benches share instead of copying it (NautilusTrader's
//! `testkit` and `TestDefault` are the model).
//!
//! - [`TestDefault`]: config values that make a test's intent obvious by what it overrides
//!   (`SniperConfig { buy_size: …, ..SniperConfig::test_default() }`);
//! - [`kernel::TestKernel`]: a strategy-thread kernel from those defaults, with no journal,
//!   feed or sockets, driven by a [`clock::TestClock`] the test moves by hand;
//! - [`alloc::CountingAllocator`]: a global allocator that counts, for the no-allocation
//!   guarantees of the decision path;
//! - [`exposure::EmptyBook`]: a book holding nothing, for the guardian alone;
//! - [`frames`]: the real pump.fun payloads in the repository, and the events they decode to.

pub mod alloc;
pub mod clock;
mod defaults;
pub mod exposure;
#[cfg(feature = "kernel")]
pub mod frames;
#[cfg(feature = "kernel")]
pub mod kernel;

pub use defaults::{TEST_BUY, TEST_BUY_USDC, TEST_PRICES};

/// A value that suits most tests: permissive filters, limits that do not get in the way,
/// amounts small enough that a funded test wallet never runs dry.
pub trait TestDefault {
    fn test_default() -> Self;
}
