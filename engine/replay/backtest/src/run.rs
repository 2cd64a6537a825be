//! The replay: each capture's records go through the raw feed client's own frame handling
//! (parsing, extraction, first-arrival dedup) into the same kernel the live engine runs
//! (sniper → guardian → book → exits → re-entry), on the capture's clock, with the venue in
//! place of execution. One thread, no sockets, nothing read from the system clock on the
//! way: the same inputs make the same decisions, fills and report.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_capture::Reader;
use kestrel_engine::kernel::{Kernel, LaunchOutcome, Strategy};
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{ExecReport, Order, Why};
use kestrel_feed::sink::Closed;
use kestrel_feed::{Destination, EndpointStats, FeedEvent, Sink, Stamped};
use kestrel_model::{Clock, PerQuote, QuotePrices};
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

use crate::clock::ReplayClock;
use crate::latency::{Latency, Measure};
use crate::report::{Decision, EquityPoint, Outcome, Summary, Trade};
use crate::venue::{Band, Venue, VenueSettings};

/// How often exits are timed, as the live strategy thread does (in capture time).
const TICK_NS: u64 = 250_000_000;

/// What a backtest runs: the strategy from config, the venue, the wallet it starts with.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub strategy: Strategy,
    pub venue: VenueSettings,
    /// Replace the venue's latency with the one the recording engine's buys took.
    pub latency_from_capture: bool,
    pub balance: Lamports,
    pub prices: QuotePrices,
}

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("{path}: {error}")]
    Open {
        path: String,
        error: kestrel_capture::ReadError,
    },
    #[error(
        "{path}: latency_from_capture needs a capture written by `kestrel run --record` (this one names no wallet)"
    )]
    NoWallet { path: String },
    #[error("{path}: the capture's wallet `{wallet}` is not a public key")]
    BadWallet { path: String, wallet: String },
    #[error(
        "latency_from_capture: the captures hold no buy by {wallet} after a launch they hold; set backtest.latency_slots instead"
    )]
    NothingMeasured { wallet: Pubkey },
    #[error("no capture to replay")]
    NoCapture,
}

/// A finished run and how long it took (the one figure that is not an input's result).
pub struct Finished {
    pub outcome: Outcome,
    pub elapsed: Duration,
}

impl Finished {
    /// Feed events handled per second of the run.
    pub fn events_per_s(&self) -> u64 {
        let ns = self.elapsed.as_nanos().max(1);
        u64::try_from(u128::from(self.outcome.summary.events) * 1_000_000_000 / ns)
            .unwrap_or(u64::MAX)
    }
}

/// Replays `captures`, in the order given, through a kernel made from `inputs`.
pub fn run(inputs: Inputs, captures: &[PathBuf]) -> Result<Finished, BacktestError> {
    let started = Instant::now();
    let first = captures.first().ok_or(BacktestError::NoCapture)?;
    let wallet = capture_wallet(first)?;
    let mut venue = inputs.venue.clone();
    if inputs.latency_from_capture {
        let wallet = wallet.ok_or_else(|| BacktestError::NoWallet {
            path: first.display().to_string(),
        })?;
        venue.latency = measure(captures, wallet)?;
    }
    let clock = ReplayClock::default();
    let own = wallet.unwrap_or_default();
    let kernel = Kernel::new(
        inputs
            .strategy
            .parts(own, inputs.balance, Arc::new(Metrics::new())),
        clock.clone(),
    );
    let latency_slots = venue.latency.slots().to_vec();
    let state = Rc::new(RefCell::new(Replay {
        kernel,
        clock,
        venue: Venue::new(venue),
        prices: inputs.prices,
        offset: 0,
        slot: 0,
        notified: 0,
        next_tick: 0,
        sells: Vec::with_capacity(64),
        out: Outcome {
            latency_slots,
            ..Outcome::default()
        },
        fill_at: HashMap::new(),
        open: HashMap::new(),
        equity: 0,
        peak: 0,
    }));
    for path in captures {
        let reader = open(path)?;
        let header = reader.header().clone();
        let mut records = reader.peekable();
        let first_at = match records.peek() {
            Some(Ok(r)) => r.at_ns(),
            _ => 0,
        };
        // The capture's receive times are monotonic; its header says when it started.
        let offset = header
            .started_ms
            .saturating_mul(1_000_000)
            .saturating_sub(first_at);
        state.borrow_mut().offset = offset;
        let (signatures, _unused) = tokio::sync::mpsc::unbounded_channel();
        let sink = Sink::new(Handle(state.clone()), signatures).with_capture_clock(offset);
        let (_stats, n, damage) = kestrel_feed::raw::replay(&header.endpoints, sink, records);
        let mut s = state.borrow_mut();
        s.out.summary.records += n;
        if let Some(d) = damage {
            s.out
                .damage
                .push(format!("{}: read up to record {n}: {d}", path.display()));
        }
    }
    let replay = Rc::try_unwrap(state)
        .map_err(|_| BacktestError::NoCapture)?
        .into_inner();
    let outcome = replay.finish();
    Ok(Finished {
        outcome,
        elapsed: started.elapsed(),
    })
}

fn open(path: &Path) -> Result<Reader, BacktestError> {
    Reader::open(path).map_err(|error| BacktestError::Open {
        path: path.display().to_string(),
        error,
    })
}

fn capture_wallet(path: &Path) -> Result<Option<Pubkey>, BacktestError> {
    let reader = open(path)?;
    match &reader.header().wallet {
        None => Ok(None),
        Some(w) => w.parse().map(Some).map_err(|_| BacktestError::BadWallet {
            path: path.display().to_string(),
            wallet: w.clone(),
        }),
    }
}

/// The latencies `wallet`'s buys took in `captures`.
fn measure(captures: &[PathBuf], wallet: Pubkey) -> Result<Latency, BacktestError> {
    let m = Rc::new(RefCell::new(Measure::new(wallet)));
    for path in captures {
        let reader = open(path)?;
        let endpoints = reader.header().endpoints.clone();
        let (signatures, _unused) = tokio::sync::mpsc::unbounded_channel();
        let sink = Sink::new(Measuring(m.clone()), signatures);
        kestrel_feed::raw::replay(&endpoints, sink, reader);
    }
    let measured = std::mem::take(&mut m.borrow_mut().measured);
    Latency::new(measured).ok_or(BacktestError::NothingMeasured { wallet })
}

struct Measuring(Rc<RefCell<Measure>>);

impl Destination for Measuring {
    fn deliver(&self, s: Stamped, _: Option<&EndpointStats>) -> Result<(), Closed> {
        self.0.borrow_mut().observe(&s);
        Ok(())
    }
}

/// The feed's destination in a replay: the kernel and the venue, on this thread.
struct Handle(Rc<RefCell<Replay>>);

impl Destination for Handle {
    fn deliver(&self, s: Stamped, _: Option<&EndpointStats>) -> Result<(), Closed> {
        self.0.borrow_mut().on_event(&s);
        Ok(())
    }
}

/// A replay in progress: the one owner of the kernel, the venue and what was found.
struct Replay {
    kernel: Kernel<ReplayClock>,
    clock: ReplayClock,
    venue: Venue,
    prices: QuotePrices,
    /// Capture receive time → Unix time, for the capture being read.
    offset: u64,
    /// The highest slot the market data (launches, trades, curves) has reached: orders are
    /// decided and land on this clock, not the slot notifications', which run ahead of the
    /// data by the commitment's lag.
    slot: u64,
    /// The highest slot notified, to land what is still due when the capture ends.
    notified: u64,
    next_tick: u64,
    sells: Vec<Order>,
    out: Outcome,
    /// Each buy's fill in `out.decisions`, for its band.
    fill_at: HashMap<u64, usize>,
    /// Open positions: when each opened and what its sells have realized.
    open: HashMap<Pubkey, (u64, i64)>,
    equity: i64,
    peak: i64,
}

/// The slot of a market-data event (`None`: slots and endpoint changes).
fn data_slot(e: &FeedEvent) -> Option<u64> {
    match e {
        FeedEvent::Launch(l) => Some(l.slot),
        FeedEvent::Trade(t) => Some(t.slot),
        FeedEvent::Curve(c) => Some(c.slot),
        FeedEvent::Slot(_) | FeedEvent::Endpoint { .. } => None,
    }
}

impl Replay {
    fn now_ms(&self) -> u64 {
        self.clock.now().0 / 1_000_000
    }

    fn on_event(&mut self, s: &Stamped) {
        self.clock.advance_to(s.read_at.saturating_add(self.offset));
        let event_slot = data_slot(&s.event);
        match (&s.event, event_slot) {
            (FeedEvent::Slot(n), _) => self.notified = self.notified.max(*n),
            (_, Some(n)) => self.slot = self.slot.max(n),
            _ => {}
        }
        let now = self.clock.now().0;
        if now >= self.next_tick {
            if self.next_tick != 0 {
                self.kernel.on_timer(&mut self.sells);
                self.submit_sells();
            }
            self.next_tick = now.saturating_add(TICK_NS);
        }
        let (reports, bands) = self.venue.settle(self.slot);
        for r in reports {
            self.apply(r);
        }
        self.close_bands(bands);
        self.venue.observe(&s.event);
        let order = self.kernel.on_feed(s);
        self.out.summary.events += 1;
        if let FeedEvent::Launch(l) = &s.event {
            self.out.summary.launches += 1;
            let (decision, reason, order) = match self.kernel.last_launch() {
                Some(LaunchOutcome::Bought { order }) => ("bought", None, Some(order)),
                Some(LaunchOutcome::Skipped(r)) => {
                    *self
                        .out
                        .skips_by_reason
                        .entry(r.name().to_owned())
                        .or_default() += 1;
                    ("skipped", Some(r.name().to_owned()), None)
                }
                Some(LaunchOutcome::Refused(r)) => {
                    *self
                        .out
                        .refusals_by_reason
                        .entry(r.name().to_owned())
                        .or_default() += 1;
                    ("refused", Some(r.to_string()), None)
                }
                None => ("skipped", None, None),
            };
            self.out.decisions.push(Decision::Launch {
                at_ms: self.now_ms(),
                slot: l.slot,
                mint: l.mint.to_string(),
                symbol: l.symbol.as_str().to_owned(),
                decision,
                reason,
                order,
            });
        }
        if let Some(o) = order {
            // Decided on this event: it lands counting from the event's own slot.
            self.submit(o, event_slot.unwrap_or(self.slot));
        }
    }

    fn submit_sells(&mut self) {
        let sells = std::mem::take(&mut self.sells);
        for o in &sells {
            self.submit(*o, self.slot);
        }
        self.sells = sells;
        self.sells.clear();
    }

    fn submit(&mut self, o: Order, slot: u64) {
        if let Why::Exit(reason) = o.why {
            *self
                .out
                .exits_by_reason
                .entry(reason.name().to_owned())
                .or_default() += 1;
            self.out.decisions.push(Decision::Exit {
                at_ms: self.now_ms(),
                slot,
                mint: o.coin.mint.to_string(),
                reason: reason.name(),
                order: o.id,
            });
        }
        let sent = self.venue.submit(o, slot);
        self.kernel.on_report(sent);
    }

    fn realized(&self) -> i64 {
        in_lamports(self.kernel.book().realized(), self.prices)
    }

    fn apply(&mut self, r: ExecReport) {
        let at_ms = self.now_ms();
        let (realized_before, fees_before) = (self.realized(), self.kernel.book().network_fees().0);
        let report = r.clone();
        self.kernel.on_report(r);
        let realized = self.realized().saturating_sub(realized_before);
        let fee = self
            .kernel
            .book()
            .network_fees()
            .0
            .saturating_sub(fees_before);
        match report {
            ExecReport::Filled(f) => {
                let side = if f.is_buy { "buy" } else { "sell" };
                if f.is_buy {
                    self.out.summary.bought += 1;
                    self.open.insert(f.mint, (at_ms, 0));
                    self.fill_at.insert(f.order, self.out.decisions.len());
                } else {
                    self.out.summary.sold += 1;
                    if let Some(o) = self.open.get_mut(&f.mint) {
                        o.1 = o.1.saturating_add(realized);
                    }
                    if self.kernel.book().position(&f.mint).is_none()
                        && let Some((opened_ms, total)) = self.open.remove(&f.mint)
                    {
                        self.out.summary.closed += 1;
                        if total > 0 {
                            self.out.summary.wins += 1;
                        }
                        self.out.trades.push(Trade {
                            mint: f.mint.to_string(),
                            opened_ms,
                            closed_ms: at_ms,
                            realized_lamports: total,
                            exit: f.why.name(),
                        });
                    }
                }
                self.out.decisions.push(Decision::Fill {
                    at_ms,
                    slot: f.slot,
                    order: f.order,
                    mint: f.mint.to_string(),
                    side,
                    why: f.why.name(),
                    tokens: f.tokens.0,
                    quote_amount: f.quote_amount.0,
                    fees: f.fees.0,
                    network_fee_lamports: f.network_fee.0,
                    realized_lamports: (!f.is_buy).then_some(realized),
                    band_tokens: None,
                });
            }
            ExecReport::Failed {
                order,
                why,
                mint,
                is_buy,
                reason,
                landed,
            } => {
                if is_buy {
                    self.out.summary.buys_failed += 1;
                } else {
                    self.out.summary.sells_failed += 1;
                }
                let text = match &reason {
                    kestrel_engine::order::FailReason::OnChain(e) => e.to_string(),
                    other => other.to_string(),
                };
                *self.out.failures_by_reason.entry(text.clone()).or_default() += 1;
                self.out.decisions.push(Decision::Failed {
                    at_ms,
                    slot: landed.map_or(self.slot, |l| l.slot),
                    order,
                    mint: mint.to_string(),
                    side: if is_buy { "buy" } else { "sell" },
                    why: why.name(),
                    reason: text,
                    network_fee_lamports: fee,
                });
            }
            _ => return,
        }
        let equity = self
            .realized()
            .saturating_sub(i64::try_from(self.kernel.book().network_fees().0).unwrap_or(i64::MAX));
        if equity != self.equity || self.out.equity.is_empty() {
            self.equity = equity;
            self.peak = self.peak.max(equity);
            let drawdown = self.peak.saturating_sub(equity);
            self.out.summary.max_drawdown_lamports =
                self.out.summary.max_drawdown_lamports.max(drawdown);
            self.out.equity.push(EquityPoint {
                at_ms,
                lamports: equity,
            });
        }
    }

    fn close_bands(&mut self, bands: Vec<Band>) {
        for b in bands {
            if let Some(i) = self.fill_at.remove(&b.order)
                && let Some(Decision::Fill { band_tokens, .. }) = self.out.decisions.get_mut(i)
            {
                *band_tokens = b.tokens;
            }
        }
    }

    fn finish(mut self) -> Outcome {
        // No more data will come: what was due by the last slot notified lands on the curves
        // as last recorded.
        let (reports, bands) = self.venue.settle(self.slot.max(self.notified));
        for r in reports {
            self.apply(r);
        }
        self.close_bands(bands);
        let bands = self.venue.close_bands();
        self.close_bands(bands);
        let book = self.kernel.book();
        let rates = self.kernel.rates();
        let network = book.network_fees().0;
        let mut s: Summary = std::mem::take(&mut self.out.summary);
        s.network_fees_lamports = network;
        s.pnl_lamports = self
            .realized()
            .saturating_sub(i64::try_from(network).unwrap_or(i64::MAX));
        s.unrealized_lamports = in_lamports(book.unrealized(rates), self.prices);
        s.open_at_end = book.positions().count() as u64;
        s.unsettled = self.venue.in_flight() as u64;
        s.win_rate_bps = (s.wins * 10_000).checked_div(s.closed).unwrap_or(0);
        self.out.summary = s;
        self.out
    }
}

/// Figures in each quote, summed in lamports at the operator's stated prices.
fn in_lamports(v: PerQuote<i64>, prices: QuotePrices) -> i64 {
    let usdc = match prices.usdc_per_sol.0 {
        0 => 0,
        per_sol => {
            let l = i128::from(v.usdc) * i128::from(kestrel_units::LAMPORTS_PER_SOL)
                / i128::from(per_sol);
            i64::try_from(l).unwrap_or(if l < 0 { i64::MIN } else { i64::MAX })
        }
    };
    v.sol.saturating_add(usdc)
}
