//! A strategy-thread kernel built from test defaults: no journal, no feed, no sockets. A test
//! overrides what it is about with struct-update syntax and builds it on the clock it wants:
//!
//! ```ignore
//! let clock = TestClock::default();
//! let mut k = TestKernel { exits: my_rules, ..TestKernel::test_default() }.build(clock.clone());
//! ```

use std::sync::Arc;

use kestrel_engine::book::Book;
use kestrel_engine::kernel::{Kernel, KernelParts, SellSettings, Strategy};
use kestrel_engine::metrics::Metrics;
use kestrel_guardian::Limits;
use kestrel_guardian::exits::ExitRules;
use kestrel_model::Clock;
use kestrel_pump::curve::FeeRates;
use kestrel_reentry::ReentryConfig;
use kestrel_sniper::SniperConfig;
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

use crate::TestDefault;

/// Everything a test kernel is made of, each part a test default until overridden.
pub struct TestKernel {
    pub sniper: SniperConfig,
    pub limits: Limits,
    pub blacklisted_mints: Vec<Pubkey>,
    pub blacklisted_creators: Vec<Pubkey>,
    pub exits: ExitRules,
    pub reentry: ReentryConfig,
    /// Our wallet (re-entry leaves our own trades out).
    pub own: Pubkey,
    /// The wallet's balance as the book starts it.
    pub wallet: Lamports,
    /// Positions and pending buys the book makes room for.
    pub capacity: usize,
    pub rates: FeeRates,
    pub sell: SellSettings,
    pub metrics: Arc<Metrics>,
}

impl TestDefault for TestKernel {
    /// The strategies' test defaults, exits off (a test of exits says which), re-entry off,
    /// 1,000 SOL in the wallet, room for 256.
    fn test_default() -> Self {
        Self {
            sniper: SniperConfig::test_default(),
            limits: Limits::test_default(),
            blacklisted_mints: vec![],
            blacklisted_creators: vec![],
            exits: ExitRules::default(),
            reentry: ReentryConfig::default(),
            own: Pubkey::default(),
            wallet: Lamports(1_000_000_000_000),
            capacity: 256,
            rates: FeeRates::test_default(),
            sell: SellSettings::test_default(),
            metrics: Arc::new(Metrics::new()),
        }
    }
}

impl TestKernel {
    /// The parts, for a caller that adds a journal or a feed before building.
    pub fn parts(self) -> KernelParts {
        let strategy = Strategy {
            sniper: self.sniper,
            limits: self.limits,
            blacklisted_mints: self.blacklisted_mints,
            blacklisted_creators: self.blacklisted_creators,
            exits: self.exits,
            reentry: self.reentry,
            sell: self.sell,
            rates: self.rates,
        };
        KernelParts {
            // The room a test asks for, not the one the limits would make.
            book: Book::new(self.wallet, self.capacity),
            ..strategy.parts(self.own, self.wallet, self.metrics)
        }
    }

    pub fn build<C: Clock>(self, clock: C) -> Kernel<C> {
        Kernel::new(self.parts(), clock)
    }
}
