//! A replay in progress: each feed event the raw client hands on goes to the venue (orders
//! due land first, on the curve as recorded before the event), then to the kernel; what the
//! kernel decides is sent to the venue, and every decision, fill and failure is logged and
//! counted. One owner of the kernel, the venue and what was found (`run.rs` feeds it).

use std::cell::RefCell;
// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::{HashMap, HashMapExt};
use std::io::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use kestrel_engine::kernel::{Kernel, LaunchOutcome};
use kestrel_engine::metrics::Metrics;
use kestrel_engine::order::{ExecReport, Order, Why};
use kestrel_feed::sink::Closed;
use kestrel_feed::{Destination, EndpointStats, FeedEvent, Stamped};
use kestrel_model::{Clock, PerQuote, QuotePrices};
use solana_pubkey::Pubkey;

use crate::clock::ReplayClock;
use crate::report::{Decision, EquityPoint, HEAD, Outcome, Summary, Trade};
use crate::run::Inputs;
use crate::venue::{Band, Venue};

/// How often exits are timed, as the live strategy thread does (in capture time).
const TICK_NS: u64 = 250_000_000;

/// How often the venue forgets quiet coins (slots).
const FORGET_EVERY_SLOTS: u64 = 150;

/// Where a replay keeps its decisions (see [`DecisionLog`]).
pub(crate) enum Decisions {
    Memory,
    File(std::io::BufWriter<std::fs::File>),
    Discard,
}

/// The feed's destination in a replay: the kernel and the venue, on this thread.
pub(crate) struct Handle(pub(crate) Rc<RefCell<Replay>>);

impl Destination for Handle {
    fn deliver(&self, s: Stamped, _: Option<&EndpointStats>) -> Result<(), Closed> {
        self.0.borrow_mut().on_event(&s);
        Ok(())
    }
}

/// A replay in progress: the one owner of the kernel, the venue and what was found.
pub(crate) struct Replay {
    kernel: Kernel<ReplayClock>,
    clock: ReplayClock,
    venue: Venue,
    prices: QuotePrices,
    /// Capture receive time → Unix time, for the capture being read.
    pub(crate) offset: u64,
    /// The highest slot the market data (launches, trades, curves) has reached: orders are
    /// decided and land on this clock, not the slot notifications', which run ahead of the
    /// data by the commitment's lag.
    slot: u64,
    /// The highest slot notified, to land what is still due when the capture ends.
    notified: u64,
    /// When the venue next forgets quiet coins.
    next_forget: u64,
    next_tick: u64,
    sells: Vec<Order>,
    pub(crate) out: Outcome,
    /// Where decisions go.
    decisions: Decisions,
    /// The first error writing it, said at the end.
    decision_error: Option<String>,
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
    pub(crate) fn new(inputs: Inputs, wallet: Option<Pubkey>, decisions: Decisions) -> Self {
        let clock = ReplayClock::default();
        let kernel = Kernel::new(
            inputs.strategy.parts(
                wallet.unwrap_or_default(),
                inputs.balance,
                Arc::new(Metrics::new()),
            ),
            clock.clone(),
        );
        let latency_slots = inputs.venue.latency.slots().to_vec();
        Self {
            kernel,
            clock,
            venue: Venue::new(inputs.venue),
            prices: inputs.prices,
            offset: 0,
            slot: 0,
            notified: 0,
            next_forget: 0,
            next_tick: 0,
            sells: Vec::with_capacity(64),
            out: Outcome {
                latency_slots,
                ..Outcome::default()
            },
            decisions,
            decision_error: None,
            open: HashMap::new(),
            equity: 0,
            peak: 0,
        }
    }

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
        if self.slot >= self.next_forget {
            let book = self.kernel.book();
            self.venue.forget_quiet(self.slot, |m| {
                book.position(m).is_some() || book.pending_buy(m).is_some()
            });
            self.next_forget = self.slot.saturating_add(FORGET_EVERY_SLOTS);
        }
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
            self.decide(Decision::Launch {
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
            self.decide(Decision::Exit {
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
                self.decide(Decision::Fill {
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
                let text = reason.detail();
                *self.out.failures_by_reason.entry(text.clone()).or_default() += 1;
                self.decide(Decision::Failed {
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
            self.decide(Decision::Band {
                order: b.order,
                mint: b.mint.to_string(),
                band_tokens: b.tokens,
            });
        }
    }

    /// Logs a decision as the run keeps them.
    fn decide(&mut self, d: Decision) {
        self.out.decisions_total += 1;
        if let Decisions::File(file) = &mut self.decisions
            && self.decision_error.is_none()
        {
            let written = serde_json::to_writer(&mut *file, &d)
                .map_err(|e| e.to_string())
                .and_then(|()| file.write_all(b"\n").map_err(|e| e.to_string()));
            if let Err(e) = written {
                self.decision_error = Some(e);
            }
        }
        if matches!(self.decisions, Decisions::Memory) || self.out.decisions.len() < HEAD {
            self.out.decisions.push(d);
        }
    }

    pub(crate) fn finish(mut self) -> Result<Outcome, String> {
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
        s.realized_lamports = self.realized();
        s.unrealized_lamports = in_lamports(book.unrealized(rates), self.prices);
        s.pnl_lamports = s
            .realized_lamports
            .saturating_add(s.unrealized_lamports)
            .saturating_sub(i64::try_from(network).unwrap_or(i64::MAX));
        s.open_at_end = book.positions().count() as u64;
        s.unsettled = self.venue.in_flight() as u64;
        s.win_rate_bps = (s.wins * 10_000).checked_div(s.closed).unwrap_or(0);
        self.out.summary = s;
        if let Decisions::File(f) = &mut self.decisions
            && let Err(e) = f.flush()
        {
            self.decision_error.get_or_insert(e.to_string());
        }
        match self.decision_error {
            Some(e) => Err(e),
            None => Ok(self.out),
        }
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
