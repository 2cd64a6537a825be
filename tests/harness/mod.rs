//! What the integration tests share: a local cluster on free ports with funded creators, and
//! the engine's setup against it.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use kestrel_engine::EngineSetup;
use kestrel_engine::kernel::SellSettings;
use kestrel_engine::pipeline::dispatcher::ConfirmPolicy;
use kestrel_engine::pipeline::sign::ExecSettings;
use kestrel_engine::threads::ThreadSettings;
use kestrel_exec::Wallet;
use kestrel_exec::send::SendPolicy;
use kestrel_exec::tx::FeeSettings;
use kestrel_feed::{FeedClient, FeedConfig, FeedEndpoint};
use kestrel_guardian::Limits;
use kestrel_guardian::exits::ExitRules;
use kestrel_pump::ids::{PUMP_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::pda;
use kestrel_reentry::ReentryConfig;
use kestrel_sim::cluster::seeded_keypair;
use kestrel_sim::faults::Faults;
use kestrel_sim::ledger::programs::token::TokenAccount;
use kestrel_sim::scenario::{ScriptedTrade, launch_coin, launch_coin_with_buy, trade_coin};
use kestrel_sim::{SimOptions, SimServer};
use kestrel_sniper::{FlagRule, SniperConfig};
use kestrel_testkit::TestDefault;
use kestrel_units::{Bps, Lamports};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

pub(crate) const SOL: u64 = 1_000_000_000;
pub(crate) const BUY: u64 = 20_000_000;

pub(crate) struct Harness {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) server: SimServer,
    pub(crate) launched: u64,
    pub(crate) creators: Vec<Keypair>,
}

impl Harness {
    pub(crate) fn new(faults: Faults) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(SimServer::start(SimOptions {
                slot_ms: 50,
                faults,
                ..SimOptions::default()
            }))
            .unwrap();
        let creators: Vec<Keypair> = (0..3)
            .map(|i| seeded_keypair(7, "test-creator", i))
            .collect();
        for c in &creators {
            server.cluster.airdrop(&c.pubkey(), 100 * SOL).unwrap();
        }
        Self {
            runtime,
            server,
            launched: 0,
            creators,
        }
    }

    pub(crate) fn funded_wallet(&self, lamports: u64) -> Wallet {
        let w = Wallet::ephemeral();
        self.server.cluster.airdrop(&w.pubkey(), lamports).unwrap();
        w
    }

    /// Launches a coin by creator `c`; returns its mint.
    pub(crate) fn launch(&mut self, c: usize) -> Pubkey {
        let mint = seeded_keypair(7, "test-mint", self.launched);
        self.launched += 1;
        let name = format!("Test Coin {}", self.launched);
        launch_coin(
            &self.server.cluster,
            &self.creators[c],
            &mint,
            &name,
            "TEST",
        )
        .unwrap();
        mint.pubkey()
    }

    pub(crate) fn setup(&self, wallet: Wallet, feeds: usize) -> EngineSetup {
        let ws = self.server.ws_url();
        let rpc = self.server.rpc_url();
        EngineSetup {
            feed: FeedConfig {
                endpoints: (0..feeds)
                    .map(|i| FeedEndpoint {
                        url: ws.clone(),
                        name: format!("feed{i}"),
                    })
                    .collect(),
                commitment: "confirmed",
                programs: vec![PUMP_PROGRAM],
                client: FeedClient::Raw,
                backoff_min: Duration::from_millis(20),
                backoff_max: Duration::from_millis(200),
                recorder: None,
            },
            rpc: vec![(rpc.clone(), "rpc".into())],
            send: Vec::new(),
            wallet,
            sniper: SniperConfig {
                mayhem: FlagRule::Forbid,
                buy_size: kestrel_model::PerQuote {
                    sol: kestrel_units::QuoteAmount(BUY),
                    usdc: kestrel_units::QuoteAmount::ZERO,
                },
                slippage: Bps(1_500),
                cu_price_micro_lamports: 10_000,
                ..SniperConfig::test_default()
            },
            limits: Limits {
                max_sol_per_trade: Lamports(BUY),
                max_total_exposure: Lamports(100 * BUY),
                max_open_positions: 50,
                max_exposure_per_creator: Lamports(100 * BUY),
                sol_reserve: Lamports(SOL / 10),
                max_slippage: Bps(2_500),
                ..Limits::test_default()
            },
            blacklisted_mints: vec![],
            blacklisted_creators: vec![],
            exits: ExitRules::default(),
            reentry: ReentryConfig::default(),
            journal: None,
            exec: ExecSettings {
                fees: FeeSettings::default(),
                buy_cu_limit: 120_000,
                sell_cu_limit: 100_000,
                nonces_ahead: true,
            },
            sell: SellSettings {
                slippage: Bps(2_500),
                cu_price_micro_lamports: 10_000,
            },
            paper: false,
            paper_balance: None,
            threads: ThreadSettings::default(),
            confirm: ConfirmPolicy {
                poll_every: Duration::from_millis(200),
                resend_every: Duration::from_millis(500),
                max_resigns: 2,
                commitment: "confirmed",
            },
            send_policy: SendPolicy {
                max_retries: 3,
                max_retry_after: Duration::from_millis(50),
                default_backoff: Duration::from_millis(10),
                reply_timeout: Duration::from_secs(10),
            },
            queue_capacity: 1024,
            blockhash_every: Duration::from_millis(100),
            balance_every: Duration::from_secs(60),
            route: None,
            jito: None,
            events: None,
        }
    }

    /// The console's control port for `engine`, on the engine's control plane, at a free
    /// port. Returns its address.
    pub(crate) fn serve_control(engine: &kestrel_engine::Engine) -> std::net::SocketAddr {
        engine
            .on_control_plane(kestrel_console::port::serve(
                "127.0.0.1:0".parse().unwrap(),
                engine.published(),
            ))
            .unwrap()
    }

    pub(crate) fn token_balance(&self, owner: &Pubkey, mint: &Pubkey) -> u64 {
        let ata = pda::associated_token_address(owner, &TOKEN_PROGRAM, mint);
        let bank = self.server.cluster.bank();
        bank.account(&ata)
            .and_then(|a| TokenAccount::unpack(&a.data))
            .map_or(0, |t| t.amount)
    }

    pub(crate) fn lamports(&self, key: &Pubkey) -> u64 {
        self.server
            .cluster
            .bank()
            .account(key)
            .map_or(0, |a| a.lamports)
    }

    /// Launches a USDC-quoted coin by creator `c`; returns its mint.
    pub(crate) fn launch_usdc(&mut self, c: usize) -> Pubkey {
        let mint = seeded_keypair(7, "test-mint", self.launched);
        self.launched += 1;
        let name = format!("Test USDC Coin {}", self.launched);
        kestrel_sim::scenario::launch_usdc_coin(
            &self.server.cluster,
            &self.creators[c],
            &mint,
            &name,
            "USDT",
        )
        .unwrap();
        mint.pubkey()
    }

    /// Launches a coin by creator `c` with the creator's own buy bundled; returns its mint.
    pub(crate) fn launch_with_buy(&mut self, c: usize, lamports: u64) -> Pubkey {
        let mint = seeded_keypair(7, "test-mint", self.launched);
        self.launched += 1;
        let name = format!("Test Coin {}", self.launched);
        launch_coin_with_buy(
            &self.server.cluster,
            &self.creators[c],
            &mint,
            &name,
            "TEST",
            lamports,
        )
        .unwrap();
        mint.pubkey()
    }

    /// A keypair with `lamports` from the faucet.
    pub(crate) fn funded_keypair(&self, lamports: u64) -> Keypair {
        let k = Keypair::new();
        self.server.cluster.airdrop(&k.pubkey(), lamports).unwrap();
        k
    }

    /// A scripted trade by `trader` on a coin of creator `c`.
    pub(crate) fn trade(&self, trader: &Keypair, mint: &Pubkey, c: usize, t: ScriptedTrade) {
        trade_coin(
            &self.server.cluster,
            trader,
            mint,
            &self.creators[c].pubkey(),
            t,
        )
        .unwrap();
    }

    /// The coin's curve as the cluster holds it: (virtual SOL, virtual tokens, real SOL).
    pub(crate) fn curve(&self, mint: &Pubkey) -> (u64, u64, u64) {
        let bank = self.server.cluster.bank();
        let acc = bank.account(&pda::bonding_curve(mint)).unwrap();
        let c = kestrel_decode::account::decode_bonding_curve(&acc.data).unwrap();
        (
            c.virtual_quote_reserves,
            c.virtual_token_reserves.0,
            c.real_quote_reserves,
        )
    }

    pub(crate) fn stop(self) {
        let Harness {
            runtime, server, ..
        } = self;
        runtime.block_on(server.stop());
    }
}

pub(crate) fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}
