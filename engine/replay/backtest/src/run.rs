//! The replay: each capture's records go through the raw feed client's own frame handling
//! (parsing, extraction, first-arrival dedup) into the same kernel the live engine runs
//! (sniper → guardian → book → exits → re-entry), on the capture's clock, with the venue in
//! place of execution. One thread, no sockets, nothing read from the system clock on the
//! way: the same inputs make the same decisions, fills and report.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_capture::{Header, Reader, Record};
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
use crate::report::{Decision, DecisionLog, EquityPoint, HEAD, Outcome, Summary, Trade};
use crate::venue::{Band, Venue, VenueSettings};

/// How often exits are timed, as the live strategy thread does (in capture time).
const TICK_NS: u64 = 250_000_000;

/// How often the venue forgets quiet coins (slots).
const FORGET_EVERY_SLOTS: u64 = 150;

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
    /// The reader's error names the file.
    #[error("{error}")]
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
    #[error("the decision file could not be written: {0}")]
    DecisionFile(String),
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

/// Replays `captures`, in the order given, through a kernel made from `inputs`; every
/// decision in memory.
pub fn run(inputs: Inputs, captures: &[PathBuf]) -> Result<Finished, BacktestError> {
    run_with(inputs, captures, &DecisionLog::Memory)
}

/// [`run`], the decisions going where `log` says.
pub fn run_with(
    inputs: Inputs,
    captures: &[PathBuf],
    log: &DecisionLog,
) -> Result<Finished, BacktestError> {
    let first = captures.first().ok_or(BacktestError::NoCapture)?;
    let wallet = capture_wallet(first)?;
    let mut inputs = inputs;
    if inputs.latency_from_capture {
        let wallet = wallet.ok_or_else(|| BacktestError::NoWallet {
            path: first.display().to_string(),
        })?;
        inputs.venue.latency = measure(captures, wallet)?;
    }
    let mut backtest = Backtest::new(inputs, wallet, log)?;
    for path in captures {
        let reader = open(path)?;
        let header = reader.header().clone();
        backtest.replay(&header, &path.display().to_string(), reader);
    }
    backtest.finish()
}

/// A backtest fed capture by capture: [`run`] reads files; a bench or a tool may hand it
/// records it holds.
pub struct Backtest {
    state: Rc<RefCell<Replay>>,
    started: Instant,
    /// The last capture's start and the offset its times took: a rotated recording's next
    /// file (the same start) keeps the offset, so time runs on across the files.
    recording: Option<(u64, u64)>,
}

impl Backtest {
    /// A kernel made from `inputs` (their latency is final), trading as `wallet` (re-entry
    /// leaves its trades out).
    /// Its decisions go where `log` says (an error: its file cannot be made).
    pub fn new(
        inputs: Inputs,
        wallet: Option<Pubkey>,
        log: &DecisionLog,
    ) -> Result<Self, BacktestError> {
        let decisions = match log {
            DecisionLog::Memory => Decisions::Memory,
            DecisionLog::Discard => Decisions::Discard,
            DecisionLog::File(path) => {
                let file = std::fs::File::create(path)
                    .map_err(|e| BacktestError::DecisionFile(format!("{}: {e}", path.display())))?;
                Decisions::File(std::io::BufWriter::new(file))
            }
        };
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
        let state = Rc::new(RefCell::new(Replay {
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
        }));
        Ok(Self {
            state,
            started: Instant::now(),
            recording: None,
        })
    }

    /// Replays one capture's records (`name` for messages), after those replayed before.
    pub fn replay<R, E>(
        &mut self,
        header: &Header,
        name: &str,
        records: impl IntoIterator<Item = Result<R, E>>,
    ) where
        R: Borrow<Record>,
        E: std::fmt::Display,
    {
        let mut records = records.into_iter().peekable();
        let first_at = match records.peek() {
            Some(Ok(r)) => r.borrow().at_ns(),
            _ => 0,
        };
        // The capture's receive times are monotonic; its header says when it started.
        let offset = match self.recording {
            Some((started, offset)) if started == header.started_ms => offset,
            _ => header
                .started_ms
                .saturating_mul(1_000_000)
                .saturating_sub(first_at),
        };
        self.recording = Some((header.started_ms, offset));
        self.state.borrow_mut().offset = offset;
        let (signatures, _unused) = tokio::sync::mpsc::unbounded_channel();
        let sink = Sink::new(Handle(self.state.clone()), signatures).with_capture_clock(offset);
        let (_stats, n, damage) = kestrel_feed::raw::replay(&header.endpoints, sink, records);
        let mut s = self.state.borrow_mut();
        s.out.summary.records += n;
        if let Some(d) = damage {
            s.out
                .damage
                .push(format!("{name}: read up to record {n}: {d}"));
        }
    }

    /// Lands what was due, closes the books and says what was found (an error: the decision
    /// file could not be written).
    pub fn finish(self) -> Result<Finished, BacktestError> {
        let elapsed = self.started.elapsed();
        let outcome = match Rc::try_unwrap(self.state) {
            Ok(cell) => cell
                .into_inner()
                .finish()
                .map_err(BacktestError::DecisionFile)?,
            // The sink's handles end with each replay; nothing else holds the state.
            Err(shared) => RefCell::borrow(&shared).out.clone(),
        };
        Ok(Finished { outcome, elapsed })
    }
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

/// Where a replay keeps its decisions (see [`DecisionLog`]).
enum Decisions {
    Memory,
    File(std::io::BufWriter<std::fs::File>),
    Discard,
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
    /// When the venue next forgets quiet coins.
    next_forget: u64,
    next_tick: u64,
    sells: Vec<Order>,
    out: Outcome,
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
                let text = match &reason {
                    kestrel_engine::order::FailReason::OnChain(e) => e.to_string(),
                    other => other.to_string(),
                };
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

    fn finish(mut self) -> Result<Outcome, String> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kestrel_capture::writer::rotated;
    use kestrel_capture::{Header, Writer};
    use kestrel_engine::kernel::SellSettings;
    use kestrel_guardian::Limits;
    use kestrel_guardian::exits::ExitRules;
    use kestrel_pump::curve::FeeRates;
    use kestrel_sniper::SniperConfig;
    use kestrel_testkit::TestDefault;
    use kestrel_testkit::frames::CREATE_BUY_FRAME;

    fn inputs() -> Inputs {
        let rates = FeeRates::test_default();
        Inputs {
            strategy: Strategy {
                sniper: SniperConfig::test_default(),
                limits: Limits::test_default(),
                blacklisted_mints: vec![],
                blacklisted_creators: vec![],
                exits: ExitRules::default(),
                reentry: kestrel_reentry::ReentryConfig::default(),
                sell: SellSettings::test_default(),
                rates,
            },
            venue: VenueSettings {
                latency: Latency::new(vec![1]).unwrap(),
                expire_bps: 0,
                buy_cu_limit: 120_000,
                sell_cu_limit: 100_000,
                rates,
            },
            latency_from_capture: false,
            balance: Lamports(10_000_000_000),
            prices: QuotePrices {
                usdc_per_sol: kestrel_units::QuoteAmount::ZERO,
            },
        }
    }

    /// The real create+buy frame as the `k`th transaction: its own signature, one second
    /// after the one before.
    fn records(n: u64) -> Vec<Record> {
        (0..n)
            .map(|k| Record::Frame {
                endpoint: 0,
                at_ns: 5_000_000_000 + k * 1_000_000_000,
                text: CREATE_BUY_FRAME
                    .replace("COMPOSED_PLACEHOLDER_SIGNATURE", &format!("sig{k}"))
                    .into_bytes(),
            })
            .collect()
    }

    fn header() -> Header {
        Header {
            endpoints: vec!["feed0".into()],
            started_ms: 1_800_000_000_000,
            writer: "test".into(),
            wallet: None,
        }
    }

    fn launch_times(o: &Outcome) -> Vec<u64> {
        o.decisions
            .iter()
            .filter_map(|d| match d {
                Decision::Launch { at_ms, .. } => Some(*at_ms),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_rotated_recording_replays_as_one_session_on_one_clock() {
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("whole.kcap");
        let mut w = Writer::create(&whole, header(), 0).unwrap();
        for r in records(6) {
            w.push(&r).unwrap();
        }
        w.flush().unwrap();
        // The same records, a new file after each block.
        let base = dir.path().join("rotated.kcap");
        let mut w = Writer::create(&base, header(), 1).unwrap();
        for r in records(6) {
            w.push(&r).unwrap();
            w.flush().unwrap();
        }
        let files: Vec<PathBuf> = (0..6).map(|n| rotated(&base, n)).collect();
        assert!(files.iter().all(|f| f.exists()));
        let one = run(inputs(), &[whole]).unwrap().outcome;
        let many = run(inputs(), &files).unwrap().outcome;
        // One launch a second from the recording's start, in both.
        let start = header().started_ms;
        assert_eq!(
            launch_times(&one),
            (0..6).map(|k| start + k * 1_000).collect::<Vec<_>>()
        );
        assert_eq!(one.to_json(), many.to_json());
        assert_eq!(one.summary.records, 6);
    }

    #[test]
    fn a_decision_file_holds_every_decision_the_memory_log_does_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let capture = dir.path().join("c.kcap");
        let mut w = Writer::create(&capture, header(), 0).unwrap();
        for r in records(6) {
            w.push(&r).unwrap();
        }
        w.flush().unwrap();
        let captures = [capture];
        let all = run(inputs(), &captures).unwrap().outcome;
        let file = dir.path().join("decisions.jsonl");
        let logged = run_with(inputs(), &captures, &DecisionLog::File(file.clone()))
            .unwrap()
            .outcome;
        let lines: Vec<String> = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let expected: Vec<String> = all
            .decisions
            .iter()
            .map(|d| serde_json::to_string(d).unwrap())
            .collect();
        assert!(expected.len() >= 6);
        assert_eq!(lines, expected);
        assert_eq!(logged.decisions_total, all.decisions_total);
        assert_eq!(logged.summary, all.summary);
        let counted = run_with(inputs(), &captures, &DecisionLog::Discard)
            .unwrap()
            .outcome;
        assert_eq!(counted.decisions_total, all.decisions_total);
        assert_eq!(counted.summary, all.summary);
    }

    #[test]
    fn no_capture_or_a_missing_one_is_an_error_that_names_it() {
        assert!(matches!(run(inputs(), &[]), Err(BacktestError::NoCapture)));
        let e = run(inputs(), &[PathBuf::from("/nonexistent/x.kcap")])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent/x.kcap"), "{e}");
    }
}
