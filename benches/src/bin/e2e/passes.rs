//! The passes of a round: Kestrel as each variant (a layout under an idle policy) runs it,
//! the baseline, and the floor under each idle policy; and the pools their rounds add to.

use super::*;
use crate::report::units_line;

/// One Kestrel configuration measured: a layout under an idle policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Variant {
    pub(crate) layout: Layout,
    pub(crate) idle: IdleChoice,
}

impl Variant {
    /// `--layout` × `--idle`, each defaulting to the config's (its layout as `kestrel run`
    /// would choose it on this host).
    pub(crate) fn all(config: &Config, args: &E2eArgs) -> Vec<Variant> {
        let cores = kestrel_engine::threads::host_cores();
        let layouts = if args.layout.is_empty() {
            vec![match setup::layout(config.threads.layout) {
                Some(l) => l,
                None => Layout::for_host(cores).0,
            }]
        } else {
            args.layout.iter().map(|l| l.layout()).collect()
        };
        let idles = if args.idle.is_empty() {
            vec![config.threads.idle]
        } else {
            args.idle.iter().map(|i| i.choice()).collect()
        };
        let mut all = Vec::new();
        for idle in &idles {
            for layout in &layouts {
                let v = Variant {
                    layout: *layout,
                    idle: *idle,
                };
                if !all.contains(&v) {
                    all.push(v);
                }
            }
        }
        all
    }

    /// The idle policies the variants run under, each measured by a floor of its own.
    pub(crate) fn idles(variants: &[Variant]) -> Vec<IdleChoice> {
        let mut idles: Vec<IdleChoice> = Vec::new();
        for v in variants {
            if !idles.contains(&v.idle) {
                idles.push(v.idle);
            }
        }
        idles
    }

    pub(crate) fn layout_name(&self) -> &'static str {
        self.layout.name()
    }

    pub(crate) fn name(&self) -> String {
        format!("{}/{}", self.layout.name(), idle_name(self.idle))
    }

    pub(crate) fn apply(&self, config: &Config) -> Config {
        let mut c = config.clone();
        c.threads.layout = match self.layout {
            Layout::Inline => LayoutChoice::Inline,
            Layout::Pipeline => LayoutChoice::Pipeline,
        };
        c.threads.idle = self.idle;
        c
    }
}

pub(crate) fn idle_name(i: IdleChoice) -> &'static str {
    match i {
        IdleChoice::Park => "park",
        IdleChoice::Yield => "yield",
        IdleChoice::Spin => "spin",
    }
}

/// `--layout` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LayoutArg {
    Inline,
    Pipeline,
}

impl LayoutArg {
    pub(crate) fn layout(self) -> Layout {
        match self {
            LayoutArg::Inline => Layout::Inline,
            LayoutArg::Pipeline => Layout::Pipeline,
        }
    }
}

/// `--idle` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IdleArg {
    Park,
    Yield,
    Spin,
}

impl IdleArg {
    pub(crate) fn choice(self) -> IdleChoice {
        match self {
            IdleArg::Park => IdleChoice::Park,
            IdleArg::Yield => IdleChoice::Yield,
            IdleArg::Spin => IdleChoice::Spin,
        }
    }
}

/// One kind of pass in a round.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pass {
    /// Kestrel as `variants[i]` runs it.
    Kestrel(usize),
    Baseline,
    /// The floor client under `idles[i]`.
    Floor(usize),
}

impl Pass {
    pub(crate) fn name(&self, variants: &[Variant], idles: &[IdleChoice]) -> String {
        match self {
            Pass::Kestrel(v) => variants[*v].name(),
            Pass::Baseline => "baseline".to_owned(),
            Pass::Floor(f) => format!("floor/{}", idle_name(idles[*f])),
        }
    }
}

/// One pass kind's latencies over every round.
#[derive(Default)]
pub(crate) struct Pool {
    pub(crate) ns: Vec<u64>,
    pub(crate) split: Vec<(u64, u64)>,
    /// Kestrel's stage histograms, added over the rounds (in `Stage::ALL`'s order).
    pub(crate) stages: Vec<Histogram<u64>>,
    /// The inline hot thread's housekeeping units, over the rounds.
    pub(crate) housekeeping: Option<Histogram<u64>>,
    pub(crate) rounds: Vec<Summary>,
}

impl Pool {
    pub(crate) fn add(&mut self, m: Measured, expected: u64) -> Result<()> {
        let Measured {
            ns,
            split,
            stages,
            housekeeping,
        } = m;
        match (&mut self.housekeeping, housekeeping) {
            (Some(mine), Some(more)) => mine
                .add(&more)
                .map_err(|e| anyhow::anyhow!("housekeeping histograms: {e}"))?,
            (mine @ None, more) => *mine = more,
            (Some(_), None) => {}
        }
        self.ns.extend_from_slice(&ns);
        self.split.extend_from_slice(&split);
        if self.stages.is_empty() {
            self.stages = stages;
        } else {
            for (mine, more) in self.stages.iter_mut().zip(&stages) {
                mine.add(more)
                    .map_err(|e| anyhow::anyhow!("stage histograms: {e}"))?;
            }
        }
        self.rounds.push(summarize(&ns, expected)?);
        Ok(())
    }
}

/// A pass's latencies (create published → buy received), their split at the frame's write,
/// and (Kestrel's) stage histograms and the longest unit of the inline hot thread's
/// housekeeping (ns).
pub(crate) struct Measured {
    pub(crate) ns: Vec<u64>,
    pub(crate) split: Vec<(u64, u64)>,
    pub(crate) stages: Vec<Histogram<u64>>,
    /// The inline hot thread's housekeeping units (empty in the pipeline).
    pub(crate) housekeeping: Option<Histogram<u64>>,
}

impl Measured {
    /// A client that is not Kestrel: latencies only.
    pub(crate) fn client(ns: Vec<u64>, split: Vec<(u64, u64)>) -> Self {
        Self {
            ns,
            split,
            stages: Vec::new(),
            housekeeping: None,
        }
    }
}

/// What every pass runs against.
/// What a Kestrel pass runs beside the engine: hostile plugins, a recording of its feeds.
#[derive(Clone, Copy, Default)]
pub(crate) struct Extras<'a> {
    pub(crate) attack: Option<&'a [AttackMode]>,
    /// Record every frame the feeds deliver to a capture in this folder.
    pub(crate) record: Option<&'a std::path::Path>,
}

pub(crate) struct Run<'a> {
    pub(crate) sim_rt: &'a tokio::runtime::Runtime,
    pub(crate) server: &'a SimServer,
    pub(crate) cluster: &'a Arc<Cluster>,
    pub(crate) tap: &'a Arc<LatencyTap>,
    pub(crate) args: &'a E2eArgs,
}

impl Run<'_> {
    /// One pass of Kestrel: a fresh funded wallet, the engine started as `config` says,
    /// `args.launches` launches on mints of `side`, beside hostile plugins if `attack` names
    /// some.
    pub(crate) fn kestrel(
        &self,
        config: &Config,
        side: u64,
        name: &str,
        extras: Extras<'_>,
    ) -> Result<Measured> {
        let n = u64::from(self.args.launches);
        let ours = Wallet::ephemeral();
        let wallet = ours.pubkey().to_string();
        self.cluster
            .airdrop(&ours.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
            .map_err(anyhow::Error::msg)?;
        let mut setup = setup::engine_setup(config, ours)?;
        let recording = match extras.record {
            Some(dir) => {
                let path = dir.join(format!("{name}-{side}.kcap"));
                // As `kestrel run --record` starts it.
                let (recorder, recording) =
                    kestrel_engine::recording::start(&path, &setup.feed, 0, Some(wallet))?;
                setup.feed.recorder = Some(recorder);
                Some(recording)
            }
            None => None,
        };
        let attack = extras.attack;
        let engine = Engine::start(setup)?;
        wait_connected(&engine)?;
        let attack = match attack {
            Some(a) => Some(Attack::start(a)?),
            None => None,
        };
        say(&format!("{name}: launching"));
        let mints = launch(self.sim_rt, self.cluster, self.args, side)?;
        let ns = collect(self.tap, &mints)?;
        if let Some(a) = attack {
            say(&a.stop());
        }
        let split = self.tap.split_ns();
        let metrics = engine.metrics.clone();
        engine.stop();
        if let Some(r) = recording {
            let dropped = r.stats.dropped.load(std::sync::atomic::Ordering::Relaxed);
            let frames = r.finish()?;
            say(&format!(
                "{name}: recorded {frames} frames ({dropped} dropped)"
            ));
        }
        let housekeeping = Some(metrics.housekeeping()).filter(|h| !h.is_empty());
        say(&format!(
            "{name} stage table (µs since frame read):\n{}{}",
            kestrel_console::status::percentile_table(&metrics),
            housekeeping.as_ref().map(units_line).unwrap_or_default()
        ));
        let stages = Stage::ALL.iter().map(|&s| metrics.stage(s)).collect();
        self.tap.clear();
        Ok(Measured {
            ns,
            split,
            stages,
            housekeeping,
        })
    }

    /// `a` and `b` (Kestrel configs), `rounds` times each, alternating which goes first:
    /// the pooled latencies of each and every round's pair.
    #[allow(clippy::type_complexity)]
    pub(crate) fn paired(
        &self,
        a: &Config,
        b: &Config,
        b_name: &str,
        b_extras: Extras<'_>,
        side: &mut u64,
    ) -> Result<(Vec<u64>, Vec<u64>, Vec<(Summary, Summary)>)> {
        let n = u64::from(self.args.launches);
        let (mut pool_a, mut pool_b, mut rounds) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..self.args.rounds {
            *side += 2;
            let run_a = |s| {
                self.kestrel(a, s, "kestrel", Extras::default())
                    .map(|m| m.ns)
            };
            let run_b = |s| self.kestrel(b, s, b_name, b_extras).map(|m| m.ns);
            let (x, y) = if r % 2 == 0 {
                let x = run_a(*side)?;
                (x, run_b(*side + 1)?)
            } else {
                let y = run_b(*side + 1)?;
                (run_a(*side)?, y)
            };
            rounds.push((summarize(&x, n)?, summarize(&y, n)?));
            pool_a.extend(x);
            pool_b.extend(y);
        }
        Ok((pool_a, pool_b, rounds))
    }

    /// One pass of the baseline (see [`baseline`]): its own funded wallet and runtime.
    pub(crate) fn baseline(&self, side: u64) -> Result<Measured> {
        let n = u64::from(self.args.launches);
        let kp = seeded_keypair(self.cluster.seed(), "baseline", side);
        self.cluster
            .airdrop(&kp.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
            .map_err(anyhow::Error::msg)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("baseline")
            .enable_all()
            .build()?;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let task = rt.spawn(baseline(
            self.server.rpc_url(),
            self.server.ws_url(),
            kp,
            ready_tx,
        ));
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .context("the baseline did not subscribe")?;
        say("baseline: launching");
        let mints = launch(self.sim_rt, self.cluster, self.args, side)?;
        let ns = collect(self.tap, &mints)?;
        let split = self.tap.split_ns();
        task.abort();
        drop(rt);
        self.tap.clear();
        Ok(Measured::client(ns, split))
    }

    /// One pass of the floor client under `idle`: each launch's buy prepared and signed
    /// before the launch, written as its create's frame arrives (see `floor.rs`).
    pub(crate) fn floor(&self, idle: IdleChoice, side: u64) -> Result<Measured> {
        let n = u64::from(self.args.launches);
        let seed = self.cluster.seed();
        let payer = seeded_keypair(seed, "floor", side);
        self.cluster
            .airdrop(&payer.pubkey(), BUY.0 * (n + 10) + 10 * SOL)
            .map_err(anyhow::Error::msg)?;
        let creators = bench_creators(seed, side);
        let hash = self.cluster.latest_blockhash();
        let bodies = (0..n)
            .map(|i| {
                let creator = &creators[(i % CREATORS) as usize];
                let tx = buy_transaction(
                    &payer,
                    TradeInputs {
                        mint: bench_mint(seed, side, i).pubkey(),
                        user: payer.pubkey(),
                        creator: creator.pubkey(),
                        token_program: TOKEN_PROGRAM,
                        fee_recipient: FEE_RECIPIENT_0,
                        buyback_fee_recipient: BUYBACK_FEE_RECIPIENT_0,
                        is_cashback_coin: false,
                    },
                    TokenAmount(1),
                    hash,
                );
                let wire = bincode::serialize(&tx)?;
                Ok(format!(
                    r#"{{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["{}",{{"encoding":"base64","skipPreflight":true,"maxRetries":0}}]}}"#,
                    STANDARD.encode(wire)
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let floor = floor::Floor::start(
            self.server.ws_addr,
            self.server.rpc_addr,
            bodies,
            setup::idle(idle),
        )?;
        say(&format!("floor/{}: launching", idle_name(idle)));
        let mints = launch(self.sim_rt, self.cluster, self.args, side)?;
        let ns = collect(self.tap, &mints)?;
        let sent = floor.stop()?;
        if sent < mints.len() {
            say(&format!(
                "floor: wrote {sent} buys for {} launches",
                mints.len()
            ));
        }
        let split = self.tap.split_ns();
        self.tap.clear();
        Ok(Measured::client(ns, split))
    }
}
