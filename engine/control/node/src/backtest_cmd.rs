//! `kestrel backtest`: captures replayed through the live decision code against a simulated
//! venue (`kestrel_backtest`), once, or over a grid of settings in parallel (`--sweep`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use anyhow::{Context as _, Result, bail};
use kestrel_backtest::{DecisionLog, Finished, Outcome, Summary};
use kestrel_config::{Config, Override};

use kestrel::exit::EXIT_BAD_INPUT;

#[derive(Debug, clap::Args)]
#[command(
    about = "Replay captures through the live decision code against a simulated venue",
    long_about = "Replays capture files (from `kestrel record` or `kestrel run --record`) through \
                  the same decode → sniper → guardian → exits code the engine trades with, on the \
                  capture's clock, against a simulated venue: fills on the curve of the moment \
                  after the latency in [backtest], at the fee tier the coin's trades were charged, \
                  with the program's slippage checks, failures and network fees. The same inputs \
                  give the same results. The last line of output is for scripts:\n  \
                  backtest: launches=… bought=… sold=… pnl_lamports=… win_rate=… \
                  max_drawdown_lamports=… events_per_s=…",
    after_help = "Examples:\n  \
                  kestrel backtest session.kcap\n  \
                  kestrel backtest session.kcap --set sniper.name_deny='[\"inu\"]' --report out/\n  \
                  kestrel backtest session.kcap --sweep sniper.buy_lamports=10000000,50000000 \
                  --sweep exits.stop_loss_bps=1000,2000"
)]
pub(crate) struct Args {
    /// Capture files, replayed in the order given
    #[arg(required = true, value_name = "CAPTURE")]
    captures: Vec<PathBuf>,
    /// Change one config key for this run: section.key=value (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Try each value of a key: section.key=v1,v2,… (repeatable: the grid of all of them)
    #[arg(long = "sweep", value_name = "KEY=V1,V2")]
    sweeps: Vec<String>,
    /// Write backtest.json, decisions.jsonl (every decision) and backtest.html here (a sweep:
    /// sweep.json and one such folder per point)
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Runs at once in a sweep [default: the machine's cores]
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

pub(crate) fn run(args: &Args, config: Option<&Path>) -> u8 {
    match backtest(args, config) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "kestrel backtest: {e:#}");
            if e.downcast_ref::<kestrel_backtest::BacktestError>()
                .is_some_and(|b| matches!(b, kestrel_backtest::BacktestError::Open { .. }))
                || e.downcast_ref::<kestrel_config::ConfigError>().is_some()
            {
                EXIT_BAD_INPUT
            } else {
                1
            }
        }
    }
}

fn backtest(args: &Args, config: Option<&Path>) -> Result<()> {
    let sets = args
        .sets
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    if args.sweeps.is_empty() {
        let (cfg, origin) = Config::resolve_with(config, &sets)?;
        let inputs = kestrel::setup::backtest_inputs(&cfg)?;
        let log = decision_log(args.report.as_deref())?;
        let done = kestrel_backtest::run_with(inputs, &args.captures, &log)?;
        warn_damage(&done.outcome);
        if let Some(dir) = &args.report {
            write_report(
                dir,
                &done.outcome,
                &title(&args.captures, &origin, &args.sets),
            )?;
        }
        say_summary(&done);
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", done.outcome.summary.line(done.events_per_s()))?;
        return Ok(());
    }
    let grid = grid(&args.sweeps)?;
    // Every point's config is checked before any runs.
    for point in &grid {
        let all: Vec<Override> = sets.iter().cloned().chain(point.iter().cloned()).collect();
        let (cfg, _) = Config::resolve_with(config, &all)?;
        kestrel::setup::backtest_inputs(&cfg)?;
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, grid.len());
    let _ = writeln!(
        std::io::stderr(),
        "sweeping {} settings over {} capture(s), {jobs} at a time",
        grid.len(),
        args.captures.len()
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<PointResult>>> = Mutex::new(vec![None; grid.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Relaxed);
                    let Some(point) = grid.get(i) else { break };
                    let r = run_point(args, config, &sets, point, i).map_err(|e| format!("{e:#}"));
                    if let Ok(mut all) = results.lock()
                        && let Some(slot) = all.get_mut(i)
                    {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut rows: Vec<(usize, Summary, u64)> = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Some(Ok((s, eps))) => rows.push((i, s, eps)),
            Some(Err(e)) => bail!("{}: {e}", show_point(&grid[i])),
            None => bail!("{}: did not run", show_point(&grid[i])),
        }
    }
    // Best PnL first; a tie goes to the shallower drawdown, then the grid's order.
    rows.sort_by_key(|(i, s, _)| {
        (
            std::cmp::Reverse(s.pnl_lamports),
            s.max_drawdown_lamports,
            *i,
        )
    });
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:>4}  {:>16}  {:>16}  {:>6}  {:>6}  {:>8}  settings",
        "rank", "pnl_lamports", "max_drawdown", "bought", "sold", "win_rate"
    )?;
    for (rank, (i, s, _)) in rows.iter().enumerate() {
        writeln!(
            out,
            "{:>4}  {:>16}  {:>16}  {:>6}  {:>6}  {:>8}  {}",
            rank + 1,
            s.pnl_lamports,
            s.max_drawdown_lamports,
            s.bought,
            s.sold,
            s.win_rate(),
            show_point(&grid[*i])
        )?;
    }
    if let Some(dir) = &args.report {
        let table: Vec<serde_json::Value> = rows
            .iter()
            .enumerate()
            .map(|(rank, (i, s, _))| {
                serde_json::json!({
                    "rank": rank + 1,
                    "point": i,
                    "settings": grid[*i].iter().map(|o| o.text.clone()).collect::<Vec<_>>(),
                    "report": format!("{i}/backtest.html"),
                    "summary": s,
                })
            })
            .collect();
        let path = dir.join("sweep.json");
        std::fs::write(&path, serde_json::to_string_pretty(&table)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some((i, best, eps)) = rows.first() {
        writeln!(out, "best: {}", show_point(&grid[*i]))?;
        writeln!(out, "{}", best.line(*eps))?;
    }
    Ok(())
}

/// A grid point's summary and events per second, or why it failed.
type PointResult = Result<(Summary, u64), String>;

fn run_point(
    args: &Args,
    config: Option<&Path>,
    sets: &[Override],
    point: &[Override],
    i: usize,
) -> Result<(Summary, u64)> {
    let all: Vec<Override> = sets.iter().cloned().chain(point.iter().cloned()).collect();
    let (cfg, origin) = Config::resolve_with(config, &all)?;
    let dir = args.report.as_ref().map(|d| d.join(i.to_string()));
    let log = decision_log(dir.as_deref())?;
    let inputs = kestrel::setup::backtest_inputs(&cfg)?;
    let done = kestrel_backtest::run_with(inputs, &args.captures, &log)?;
    if let Some(dir) = &dir {
        let texts: Vec<String> = all.iter().map(|o| o.text.clone()).collect();
        write_report(dir, &done.outcome, &title(&args.captures, &origin, &texts))?;
    }
    let eps = done.events_per_s();
    Ok((done.outcome.summary, eps))
}

/// Every combination of the sweeps' values, the first sweep varying slowest.
fn grid(sweeps: &[String]) -> Result<Vec<Vec<Override>>> {
    let mut grid: Vec<Vec<Override>> = vec![Vec::new()];
    for sweep in sweeps {
        let (key, values) = sweep
            .split_once('=')
            .with_context(|| format!("--sweep {sweep}: expected section.key=v1,v2"))?;
        let values = split_values(values);
        if values.is_empty() {
            bail!("--sweep {sweep}: no values");
        }
        let mut next = Vec::with_capacity(grid.len() * values.len());
        for point in &grid {
            for v in &values {
                let mut p = point.clone();
                p.push(Override::parse(&format!("{key}={v}"))?);
                next.push(p);
            }
        }
        grid = next;
    }
    if grid.len() > 10_000 {
        bail!("the sweep has {} points; at most 10000", grid.len());
    }
    Ok(grid)
}

/// `a,b,[1,2]`: split at commas outside brackets and quotes.
fn split_values(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

fn show_point(point: &[Override]) -> String {
    point
        .iter()
        .map(|o| o.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn title(captures: &[PathBuf], origin: &str, sets: &[String]) -> String {
    let names: Vec<String> = captures.iter().map(|c| c.display().to_string()).collect();
    let mut t = format!("{} · {origin}", names.join(", "));
    if !sets.is_empty() {
        t.push_str(" · ");
        t.push_str(&sets.join(" "));
    }
    t
}

/// With a report folder, every decision is written to its `decisions.jsonl` as it is made
/// (memory stays flat over any capture); without one, decisions are counted, not kept.
fn decision_log(dir: Option<&Path>) -> Result<DecisionLog> {
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot make {}", dir.display()))?;
            Ok(DecisionLog::File(dir.join("decisions.jsonl")))
        }
        None => Ok(DecisionLog::Discard),
    }
}

fn write_report(dir: &Path, outcome: &Outcome, title: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot make {}", dir.display()))?;
    let json = dir.join("backtest.json");
    std::fs::write(&json, outcome.to_json())
        .with_context(|| format!("cannot write {}", json.display()))?;
    let html = dir.join("backtest.html");
    std::fs::write(&html, kestrel_backtest::html::render(outcome, title))
        .with_context(|| format!("cannot write {}", html.display()))?;
    Ok(())
}

fn warn_damage(o: &Outcome) {
    for d in &o.damage {
        let _ = writeln!(std::io::stderr(), "warning: damaged capture: {d}");
    }
}

fn say_summary(done: &Finished) {
    let s = &done.outcome.summary;
    let o = &done.outcome;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "replayed {} records ({} feed events) in {:.2} s; latency {:?} slot(s)",
        s.records,
        s.events,
        done.elapsed.as_secs_f64(),
        o.latency_slots
    );
    let _ = writeln!(
        err,
        "launches {}: bought {}, skipped {}, refused {}; sells {} ({} closed, {} won); failed: {} buys, {} sells; open at end {} (unrealized {} lamports)",
        s.launches,
        s.bought,
        o.skips_by_reason.values().sum::<u64>(),
        o.refusals_by_reason.values().sum::<u64>(),
        s.sold,
        s.closed,
        s.wins,
        s.buys_failed,
        s.sells_failed,
        s.open_at_end,
        s.unrealized_lamports
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sweep_is_the_grid_of_every_value_of_every_key() {
        let g = grid(&[
            "sniper.buy_lamports=10000000,50000000".into(),
            "exits.stop_loss_bps=1000,2000,3000".into(),
        ])
        .unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(
            show_point(&g[1]),
            "sniper.buy_lamports=10000000 exits.stop_loss_bps=2000"
        );
        let lists = grid(&["backtest.latency_slots=[0,1],[2]".into()]).unwrap();
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0][0].text, "backtest.latency_slots=[0,1]");
        assert!(grid(&["sniper.buy_lamports=".into()]).is_err());
        assert!(grid(&["nokey".into()]).is_err());
    }
}
