//! The replay: each capture's records go through the raw feed client's own frame handling
//! (parsing, extraction, first-arrival dedup) into the same kernel the live engine runs
//! (sniper → guardian → book → exits → re-entry), on the capture's clock, with the venue in
//! place of execution. The kernel on one thread (a file's blocks are read ahead on another),
//! no sockets, nothing read from the system clock on the way: the same inputs make the same
//! decisions, fills and report.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use kestrel_capture::{Header, ReadAhead, Reader, Record};
use kestrel_engine::kernel::Strategy;
use kestrel_feed::sink::Closed;
use kestrel_feed::{Destination, EndpointStats, Sink, Stamped};
use kestrel_model::QuotePrices;
use kestrel_units::Lamports;
use solana_pubkey::Pubkey;

use crate::latency::{Latency, Measure};
use crate::replay::{Decisions, Handle, Replay};
use crate::report::{DecisionLog, Outcome};
use crate::venue::VenueSettings;

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
        let (header, records) = read(path)?;
        backtest.replay(&header, &path.display().to_string(), records);
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
    /// leaves its trades out); its decisions go where `log` says (an error: its file cannot
    /// be made).
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
        let state = Rc::new(RefCell::new(Replay::new(inputs, wallet, decisions)));
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
    Reader::open(path).map_err(|error| open_error(path, error))
}

fn open_error(path: &Path, error: kestrel_capture::ReadError) -> BacktestError {
    BacktestError::Open {
        path: path.display().to_string(),
        error,
    }
}

/// A capture's header, and its records read ahead on a thread of their own (zstd beside the
/// replay: on two cores a backtest runs at the replay's speed, not the sum of both).
fn read(path: &Path) -> Result<(Header, ReadAhead), BacktestError> {
    let reader = open(path)?;
    let header = reader.header().clone();
    let records = reader
        .read_ahead()
        .map_err(|error| open_error(path, error))?;
    Ok((header, records))
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
        let (header, records) = read(path)?;
        let (signatures, _unused) = tokio::sync::mpsc::unbounded_channel();
        let sink = Sink::new(Measuring(m.clone()), signatures);
        kestrel_feed::raw::replay(&header.endpoints, sink, records);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::report::Decision;
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

    /// A one-file capture of `records(6)` at `path`.
    fn capture_of_six(path: &Path) -> PathBuf {
        let mut w = Writer::create(path, header(), 0).unwrap();
        for r in records(6) {
            w.push(&r).unwrap();
        }
        w.flush().unwrap();
        path.to_owned()
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
        let whole = capture_of_six(&dir.path().join("whole.kcap"));
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
        let capture = capture_of_six(&dir.path().join("c.kcap"));
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
