//! What the engine is made of: everything [`super::Engine::start`] needs, resolved from
//! config and flags by the binary's `setup` (the one place config becomes these types).

use std::time::Duration;

use crossbeam_channel::Sender;
use kestrel_exec::Wallet;
use kestrel_exec::send::SendPolicy;
use kestrel_feed::FeedConfig;
use kestrel_guardian::Limits;
use kestrel_guardian::exits::ExitRules;
use kestrel_reentry::ReentryConfig;
use kestrel_sniper::SniperConfig;
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

use crate::kernel::SellSettings;
use crate::order::EngineEvent;
use crate::pipeline::dispatcher::ConfirmPolicy;
use crate::pipeline::sign::ExecSettings;
use crate::routing::{JitoSending, RouteSettings};
use crate::threads::ThreadSettings;

/// Where the journal lives and how hard it syncs.
#[derive(Clone, Debug)]
pub struct JournalSetup {
    pub path: std::path::PathBuf,
    pub sync: kestrel_store::Sync,
}

/// Everything the engine needs, resolved from config and flags.
pub struct EngineSetup {
    pub feed: FeedConfig,
    /// (url, printable name)
    pub rpc: Vec<(String, String)>,
    /// Where transactions go; empty: the RPC endpoints.
    pub send: Vec<(String, String)>,
    pub wallet: Wallet,
    pub sniper: SniperConfig,
    pub limits: Limits,
    pub blacklisted_mints: Vec<Pubkey>,
    pub blacklisted_creators: Vec<Pubkey>,
    pub exits: ExitRules,
    pub reentry: ReentryConfig,
    /// `None`: no journal (benches, some tests).
    pub journal: Option<JournalSetup>,
    pub exec: ExecSettings,
    pub sell: SellSettings,
    /// Paper mode: real feeds, nothing sent, fills simulated on the curve.
    pub paper: bool,
    /// The balance paper mode trades against (`None`: the wallet's real balance).
    pub paper_balance: Option<Lamports>,
    pub threads: ThreadSettings,
    pub confirm: ConfirmPolicy,
    pub send_policy: SendPolicy,
    /// Capacity of the feed → strategy queue (the pipeline layout; inline has none).
    pub queue_capacity: usize,
    pub blockhash_every: Duration,
    pub balance_every: Duration,
    /// Off-curve routing through Jupiter (`None`: graduated positions are flagged only).
    pub route: Option<RouteSetup>,
    /// Sending through Jito (`None`: RPC only).
    pub jito: Option<JitoSending>,
    /// Where fills, exits, state changes and alerts go (`None`: nowhere).
    pub events: Option<Sender<EngineEvent>>,
}

/// What off-curve routing needs.
#[derive(Clone, Debug)]
pub struct RouteSetup {
    pub jupiter: kestrel_exec::jupiter::Jupiter,
    pub settings: RouteSettings,
    pub sell_on_graduation: bool,
    pub curve_via_jupiter: bool,
}
