//! Off-curve routing at run time. The strategy thread names the holdings that leave through
//! Jupiter ([`RouteHooks::holdings`]); a task on the I/O runtime keeps a fresh quote, its
//! instructions and their lookup tables for each ([`Router::refresh`]), so an exit signs at
//! once; an order with no fresh plan for its size fetches one. Every route passes the
//! guardian's route caps before it is signed.

use kestrel_config::SendVia;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use kestrel_exec::JsonRpc;
use kestrel_exec::jito::Jito;
use kestrel_exec::jito::{random_tip_account, tip_instruction};
use kestrel_exec::jupiter::{Jupiter, JupiterError, QuoteRequest, SwapRequest};
use kestrel_exec::lookup::{LookupError, LookupTables};
use kestrel_exec::swap::{self, SwapPlan};
use kestrel_exec::tx::{Budget, Compiled, V0Error};
use kestrel_guardian::route::{ApprovedRoute, RouteLimits, RouteRefusal, check_route};
use kestrel_pump::ids::WSOL_MINT;
use kestrel_units::Bps;
use solana_pubkey::Pubkey;
use thiserror::Error;

use crate::metrics::Metrics;

/// What the kernel shares with the router.
#[derive(Clone, Debug, Default)]
pub struct RouteHooks {
    /// Mint → tokens held, for positions that exit through the route.
    pub holdings: Arc<DashMap<Pubkey, u64>>,
    /// Sell a position in full when its curve completes.
    pub sell_on_graduation: bool,
    /// Route every sell through Jupiter, curve coins too.
    pub curve_via_jupiter: bool,
}

#[derive(Debug, Error)]
pub enum RouteError {
    #[error(transparent)]
    Jupiter(#[from] JupiterError),
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error("refused by the guardian: {0}")]
    Refused(RouteRefusal),
    #[error("route cannot be signed: {0}")]
    Build(#[from] V0Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSettings {
    /// Slippage asked of Jupiter.
    pub slippage: Bps,
    pub limits: RouteLimits,
    pub refresh: Duration,
    pub max_age: Duration,
    pub cu_limit: u32,
    /// The compute-unit price routed sells are compiled with ahead of time (the sell price).
    pub cu_price: u64,
    /// The Jito tip compiled into each routed transaction, when bundles are sent.
    pub tip_lamports: Option<u64>,
}

/// A route ready to sign: the plan, and its message compiled with `budget`.
#[derive(Clone, Debug)]
pub struct ReadyRoute {
    pub plan: Arc<SwapPlan>,
    pub compiled: Arc<Compiled>,
    pub budget: Budget,
}

struct Cached {
    tokens: u64,
    at: Instant,
    ready: ReadyRoute,
}

#[derive(Clone)]
pub struct Router {
    jupiter: Jupiter,
    rpc: JsonRpc,
    tables: LookupTables,
    user: Pubkey,
    settings: RouteSettings,
    hooks: RouteHooks,
    plans: Arc<DashMap<Pubkey, Cached>>,
    metrics: Arc<Metrics>,
}

impl Router {
    pub fn new(
        jupiter: Jupiter,
        rpc: JsonRpc,
        user: Pubkey,
        settings: RouteSettings,
        hooks: RouteHooks,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            jupiter,
            rpc,
            tables: LookupTables::default(),
            user,
            settings,
            hooks,
            plans: Arc::new(DashMap::new()),
            metrics,
        }
    }

    pub fn settings(&self) -> &RouteSettings {
        &self.settings
    }

    /// A quote, its instructions and their tables, fetched now.
    async fn fetch(
        &self,
        input: Pubkey,
        output: Pubkey,
        amount: u64,
    ) -> Result<SwapPlan, RouteError> {
        let slippage = u16::try_from(self.settings.slippage.0).unwrap_or(u16::MAX);
        let quote = self
            .jupiter
            .quote(&QuoteRequest::exact_in(input, output, amount, slippage))
            .await?;
        let instructions = self
            .jupiter
            .swap_instructions(
                &quote,
                &SwapRequest {
                    user: self.user,
                    wrap_and_unwrap_sol: true,
                    compute_unit_price_micro_lamports: None,
                    dynamic_compute_unit_limit: false,
                },
            )
            .await?;
        let tables = match self.tables.cached(&instructions.lookup_tables) {
            Some(t) => t,
            None => {
                self.tables
                    .fetch(&self.rpc, &instructions.lookup_tables)
                    .await?
            }
        };
        Ok(SwapPlan {
            quote,
            instructions,
            tables,
        })
    }

    /// Compiles `plan` with `cu_price` (and the tip, when bundles are sent).
    pub fn compile(&self, plan: Arc<SwapPlan>, cu_price: u64) -> Result<ReadyRoute, RouteError> {
        let budget = Budget {
            cu_limit: self.settings.cu_limit,
            cu_price,
        };
        let tip = self
            .settings
            .tip_lamports
            .map(|t| tip_instruction(&self.user, &random_tip_account(), t));
        let compiled = Arc::new(swap::compile(&self.user, &plan, budget, tip)?);
        Ok(ReadyRoute {
            plan,
            compiled,
            budget,
        })
    }

    fn approve(&self, plan: &SwapPlan) -> Result<ApprovedRoute, RouteError> {
        check_route(
            &self.settings.limits,
            Bps(u64::from(plan.quote.slippage_bps)),
            Bps(u64::from(plan.quote.price_impact_bps)),
        )
        .map_err(RouteError::Refused)
    }

    /// The route to sell `tokens` of `mint` at `cu_price`: the refreshed one, compiled ahead,
    /// if it is for this size and young enough, otherwise a new one. Either way the guardian
    /// checks it.
    pub async fn sell(
        &self,
        mint: Pubkey,
        tokens: u64,
        cu_price: u64,
    ) -> Result<ReadyRoute, RouteError> {
        let cached = self.plans.get(&mint).and_then(|c| {
            (c.tokens == tokens && c.at.elapsed() <= self.settings.max_age).then(|| c.ready.clone())
        });
        let ready = match cached {
            Some(r) => {
                self.metrics.route_plans_ready.fetch_add(1, Relaxed);
                if r.budget.cu_price == cu_price {
                    r
                } else {
                    self.compile(r.plan, cu_price)?
                }
            }
            None => {
                self.metrics.route_plans_fetched.fetch_add(1, Relaxed);
                let plan = Arc::new(self.fetch(mint, WSOL_MINT, tokens).await?);
                self.compile(plan, cu_price)?
            }
        };
        self.approve(&ready.plan)?;
        // Used once: a later exit of what is left asks again.
        self.plans.remove(&mint);
        Ok(ready)
    }

    /// The route to buy `mint` with `lamports`.
    pub async fn buy(
        &self,
        mint: Pubkey,
        lamports: u64,
        cu_price: u64,
    ) -> Result<ReadyRoute, RouteError> {
        self.metrics.route_plans_fetched.fetch_add(1, Relaxed);
        let plan = Arc::new(self.fetch(WSOL_MINT, mint, lamports).await?);
        let ready = self.compile(plan, cu_price)?;
        self.approve(&ready.plan)?;
        Ok(ready)
    }

    /// Keeps a fresh plan for every holding the kernel routes, until `stop`.
    pub async fn refresh(&self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.settings.refresh);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            let held: Vec<(Pubkey, u64)> = self
                .hooks
                .holdings
                .iter()
                .map(|e| (*e.key(), *e.value()))
                .collect();
            self.plans
                .retain(|m, _| self.hooks.holdings.contains_key(m));
            for (mint, tokens) in held {
                if tokens == 0 {
                    continue;
                }
                let fetched = self.fetch(mint, WSOL_MINT, tokens).await;
                match fetched.and_then(|p| self.compile(Arc::new(p), self.settings.cu_price)) {
                    Ok(ready) => {
                        self.plans.insert(
                            mint,
                            Cached {
                                tokens,
                                at: Instant::now(),
                                ready,
                            },
                        );
                    }
                    Err(e) => tracing::debug!(%mint, "quote refresh failed: {e}"),
                }
            }
        }
    }

    /// Whether a fresh plan is held for `mint` (status, tests).
    pub fn has_fresh_plan(&self, mint: &Pubkey) -> bool {
        self.plans
            .get(mint)
            .is_some_and(|c| c.at.elapsed() <= self.settings.max_age)
    }
}

/// Jito sending: the block engines, and the tip every transaction then carries.
#[derive(Clone, Debug)]
pub struct JitoSending {
    pub jito: Jito,
    pub via: SendVia,
    pub tip_lamports: u64,
}
