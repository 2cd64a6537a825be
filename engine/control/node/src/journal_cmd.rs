//! `kestrel positions | trades | pnl`: the journal, read-only (safe beside a running engine).
//! Human tables by default; `--json` prints one object per line for scripts.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args as ClapArgs;
use kestrel_config::Config;
use kestrel_exec::Wallet;
use kestrel_model::Quote;
use kestrel_store::{DAY_NANOS, Reader};
use kestrel_units::QuoteAmount;
use serde_json::json;

use kestrel::exit::EXIT_BAD_INPUT;
use kestrel::setup::journal_path;

/// Which journal to read.
#[derive(Debug, ClapArgs)]
pub(crate) struct Which {
    /// The journal file [default: the configured wallet's in journal.dir, or the newest there]
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// The wallet whose journal to read (a Solana CLI keypair file)
    #[arg(long, value_name = "FILE")]
    keypair: Option<PathBuf>,
    /// The paper-mode journal
    #[arg(long)]
    paper: bool,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct PositionsArgs {
    #[command(flatten)]
    which: Which,
    /// Closed positions too
    #[arg(long)]
    all: bool,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct TradesArgs {
    #[command(flatten)]
    which: Which,
    /// Only fills since: a duration back from now (90s, 30m, 12h, 7d), a date (2026-11-22),
    /// or Unix seconds
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct PnlArgs {
    #[command(flatten)]
    which: Which,
    /// One UTC day: a date (2026-11-22) or `today`
    #[arg(long, value_name = "DAY")]
    day: Option<String>,
}

/// Bad input (exit 2) apart from failures (exit 1).
enum Failure {
    BadInput(anyhow::Error),
    Failed(anyhow::Error),
}

fn finish(what: &str, r: Result<(), Failure>) -> u8 {
    match r {
        Ok(()) => 0,
        Err(Failure::BadInput(e)) => {
            let _ = writeln!(std::io::stderr(), "kestrel {what}: {e:#}");
            EXIT_BAD_INPUT
        }
        Err(Failure::Failed(e)) => {
            let _ = writeln!(std::io::stderr(), "kestrel {what}: {e:#}");
            1
        }
    }
}

fn open(which: &Which, config: Option<&Path>) -> Result<Reader, Failure> {
    let path = locate(which, config).map_err(Failure::BadInput)?;
    Reader::open(&path).map_err(|e| Failure::Failed(e.into()))
}

fn locate(which: &Which, config: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = &which.journal {
        return Ok(p.clone());
    }
    let (config, _): (Config, String) = Config::resolve(config)?;
    let keypair = match &which.keypair {
        Some(k) => Some(k.clone()),
        None => config
            .wallet
            .keypair
            .as_ref()
            .map(|s| s.path())
            .transpose()?,
    };
    if let Some(k) = keypair {
        let w = Wallet::load(&k)?;
        return Ok(journal_path(&config, &w.pubkey(), which.paper));
    }
    // No wallet named (the local cluster's throwaway wallets): the newest journal.
    let dir = Path::new(&config.journal.dir);
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("no journal directory {} (journal.dir)", dir.display()))?;
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.ends_with(".db") || name.ends_with("-paper.db") != which.paper {
            continue;
        }
        let modified = e.metadata().and_then(|m| m.modified()).ok();
        if let Some(m) = modified
            && newest.as_ref().is_none_or(|(t, _)| m > *t)
        {
            newest = Some((m, p));
        }
    }
    match newest {
        Some((_, p)) => {
            let _ = writeln!(std::io::stderr(), "reading {}", p.display());
            Ok(p)
        }
        None => bail!(
            "no journal in {} (run the engine first, or pass --journal FILE)",
            dir.display()
        ),
    }
}

fn out(line: &str) -> bool {
    // A closed pipe (`| head`) ends the listing quietly.
    writeln!(std::io::stdout(), "{line}").is_ok()
}

fn sol(lamports: i128) -> String {
    let sign = if lamports < 0 { "-" } else { "" };
    let v = lamports.unsigned_abs();
    format!("{sign}{}.{:09}", v / 1_000_000_000, v % 1_000_000_000)
}

pub(crate) fn positions(args: &PositionsArgs, config: Option<&Path>) -> u8 {
    finish("positions", positions_inner(args, config))
}

fn positions_inner(args: &PositionsArgs, config: Option<&Path>) -> Result<(), Failure> {
    let r = open(&args.which, config)?;
    let fail = |e: kestrel_store::StoreError| Failure::Failed(e.into());
    let mut rows = r.open_positions().map_err(fail)?;
    if args.all {
        rows.extend(r.closed_positions(usize::MAX >> 1).map_err(fail)?);
    }
    if !args.which.json
        && !out(&format!(
            "{:<44} {:>20} {:>5} {:>14} {:>14} {:>14} {:>8}  {:<20} {}",
            "mint",
            "tokens",
            "quote",
            "cost",
            "value",
            "realized",
            "peak %",
            "opened (UTC)",
            "state"
        ))
    {
        return Ok(());
    }
    for p in rows {
        // Spot value at the last mark, before fees: tokens × virtual SOL / virtual tokens.
        let value = if p.mark_token == 0 {
            0
        } else {
            u128::from(p.tokens) * u128::from(p.mark_sol) / u128::from(p.mark_token)
        };
        let state = match (p.closed_ns, p.complete) {
            (Some(_), _) => "closed",
            (None, true) => "graduated (needs the off-curve route)",
            (None, false) => "open",
        };
        let line = if args.which.json {
            json!({
                "mint": p.mint.to_string(),
                "creator": p.creator.to_string(),
                "bonding_curve": p.bonding_curve.to_string(),
                "token_program": if p.token_2022 { "token2022" } else { "spl" },
                "mayhem": p.is_mayhem,
                // The amounts below count in this quote's base units (lamports for SOL).
                "quote": p.quote.symbol(),
                "tokens": p.tokens,
                "cost_lamports": p.cost,
                "value_lamports": u64::try_from(value).unwrap_or(u64::MAX),
                "realized_lamports": p.realized,
                "peak_ratio_bps": p.peak_ratio,
                "take_profit_levels_done": p.levels_done,
                "reentries": p.reentries,
                "opened_ns": p.opened_ns,
                "closed_ns": p.closed_ns,
                "state": state,
            })
            .to_string()
        } else {
            format!(
                "{:<44} {:>20} {:>5} {:>14} {:>14} {:>14} {:>8}  {:<20} {}",
                p.mint.to_string(),
                p.tokens,
                p.quote.symbol(),
                amount(p.quote, i128::from(p.cost)),
                amount(p.quote, i128::try_from(value).unwrap_or(i128::MAX)),
                amount(p.quote, i128::from(p.realized)),
                format!("{:+.1}", (p.peak_ratio as f64 - 10_000.0) / 100.0),
                dates::format_ns(p.opened_ns),
                state
            )
        };
        if !out(&line) {
            return Ok(());
        }
    }
    Ok(())
}

pub(crate) fn trades(args: &TradesArgs, config: Option<&Path>) -> u8 {
    finish("trades", trades_inner(args, config))
}

fn trades_inner(args: &TradesArgs, config: Option<&Path>) -> Result<(), Failure> {
    let since = match &args.since {
        Some(s) => dates::parse_since(s, now_ns()).map_err(Failure::BadInput)?,
        None => 0,
    };
    let r = open(&args.which, config)?;
    let fills = r.fills(since).map_err(|e| Failure::Failed(e.into()))?;
    if !args.which.json
        && !out(&format!(
            "{:<20} {:<4} {:<18} {:<44} {:>20} {:>5} {:>13} {:>12} {:>10} {:>14} {:>13}  {}",
            "time (UTC)",
            "side",
            "why",
            "mint",
            "tokens",
            "quote",
            "amount",
            "fees",
            "network",
            "wallet Δ",
            "realized",
            "signature"
        ))
    {
        return Ok(());
    }
    for f in fills {
        let line = if args.which.json {
            json!({
                "at_ns": f.at_ns,
                "side": f.side,
                "why": f.why,
                "mint": f.mint,
                "tokens": f.tokens,
                // `sol_lamports`, `fee_lamports` and `realized_lamports` count in this quote's
                // base units; network fees and the wallet's change are always lamports.
                "quote": f.quote.symbol(),
                "sol_lamports": f.sol_lamports,
                "fee_lamports": f.fee_lamports,
                "network_fee_lamports": f.network_fee,
                "wallet_delta_lamports": f.wallet_delta,
                "realized_lamports": f.realized,
                "slot": f.slot,
                "signature": f.signature,
                "order": f.order_id,
            })
            .to_string()
        } else {
            format!(
                "{:<20} {:<4} {:<18} {:<44} {:>20} {:>5} {:>13} {:>12} {:>10} {:>14} {:>13}  {}",
                dates::format_ns(f.at_ns),
                f.side,
                f.why,
                f.mint,
                f.tokens,
                f.quote.symbol(),
                amount(f.quote, i128::from(f.sol_lamports)),
                amount(f.quote, i128::from(f.fee_lamports)),
                f.network_fee,
                sol(i128::from(f.wallet_delta)),
                amount(f.quote, i128::from(f.realized)),
                f.signature
            )
        };
        if !out(&line) {
            return Ok(());
        }
    }
    Ok(())
}

pub(crate) fn pnl(args: &PnlArgs, config: Option<&Path>) -> u8 {
    finish("pnl", pnl_inner(args, config))
}

fn pnl_inner(args: &PnlArgs, config: Option<&Path>) -> Result<(), Failure> {
    let day = match args.day.as_deref() {
        None => None,
        Some("today") => Some(now_ns() / DAY_NANOS),
        Some(d) => Some(dates::parse_day(d).map_err(Failure::BadInput)?),
    };
    let r = open(&args.which, config)?;
    let fail = |e: kestrel_store::StoreError| Failure::Failed(e.into());
    let days = r.days(day).map_err(fail)?;
    let t = r.totals().map_err(fail)?;
    let json = args.which.json;
    // USDC's column only once the journal holds USDC results.
    let usdc = t.realized.usdc != 0 || t.open_cost.usdc != 0;
    let usdc_col = |v: i64| {
        if usdc {
            format!(" {:>14}", amount(Quote::Usdc, i128::from(v)))
        } else {
            String::new()
        }
    };
    let header = format!(
        "{:<12} {:>16}{} {:>14} {:>6} {:>14} {:>16} {:>6} {:>6}",
        "day (UTC)",
        "realized SOL",
        if usdc {
            format!(" {:>14}", "realized USDC")
        } else {
            String::new()
        },
        "network SOL",
        "failed",
        "failed fee SOL",
        "wallet Δ SOL",
        "buys",
        "sells"
    );
    if !json && !out(&header) {
        return Ok(());
    }
    for d in &days {
        let line = if json {
            json!({
                "day": dates::format_day(d.day),
                "realized_lamports": d.realized.sol,
                "realized_usdc_units": d.realized.usdc,
                "network_fees_lamports": d.network_fees,
                "failed_transactions": d.failed_txs,
                "failed_fees_lamports": d.failed_fees,
                "wallet_delta_lamports": d.wallet_delta,
                "buys": d.buys,
                "sells": d.sells,
            })
            .to_string()
        } else {
            format!(
                "{:<12} {:>16}{} {:>14} {:>6} {:>14} {:>16} {:>6} {:>6}",
                dates::format_day(d.day),
                sol(i128::from(d.realized.sol)),
                usdc_col(d.realized.usdc),
                sol(i128::from(d.network_fees)),
                d.failed_txs,
                sol(i128::from(d.failed_fees)),
                sol(i128::from(d.wallet_delta)),
                d.buys,
                d.sells
            )
        };
        if !out(&line) {
            return Ok(());
        }
    }
    if day.is_some() {
        return Ok(());
    }
    let expected = t
        .start_balance
        .map(|b| i128::from(b) + i128::from(t.wallet_delta));
    let line = if json {
        json!({
            "total": true,
            "realized_lamports": t.realized.sol,
            "realized_usdc_units": t.realized.usdc,
            "network_fees_lamports": t.network_fees,
            "failed_transactions": t.failed_txs,
            "failed_fees_lamports": t.failed_fees,
            "wallet_delta_lamports": t.wallet_delta,
            "buys": t.buys,
            "sells": t.sells,
            "open_positions": t.open_positions,
            "open_cost_lamports": t.open_cost.sol,
            "open_cost_usdc_units": t.open_cost.usdc,
            "start_balance_lamports": t.start_balance,
            "balance_lamports": expected.and_then(|e| u64::try_from(e).ok()),
        })
        .to_string()
    } else {
        let open_usdc = if t.open_cost.usdc > 0 {
            format!(" and {}", Quote::Usdc.show(QuoteAmount(t.open_cost.usdc)))
        } else {
            String::new()
        };
        format!(
            "{:<12} {:>16}{} {:>14} {:>6} {:>14} {:>16} {:>6} {:>6}\n\nopen positions {} at cost {} SOL{open_usdc}; wallet {} SOL at the start, {} SOL by the journal's transactions",
            "total",
            sol(i128::from(t.realized.sol)),
            usdc_col(t.realized.usdc),
            sol(i128::from(t.network_fees)),
            t.failed_txs,
            sol(i128::from(t.failed_fees)),
            sol(i128::from(t.wallet_delta)),
            t.buys,
            t.sells,
            t.open_positions,
            sol(i128::from(t.open_cost.sol)),
            t.start_balance.map_or("?".into(), |b| sol(i128::from(b))),
            expected.map_or("?".into(), sol),
        )
    };
    out(&line);
    Ok(())
}

/// `v` base units of `quote` in whole units, without the symbol (the row names the quote).
fn amount(quote: Quote, v: i128) -> String {
    match quote {
        Quote::Sol => sol(v),
        Quote::Usdc | Quote::Other(_) => {
            let v = i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
            let shown = quote.show_signed(v);
            shown
                .rsplit_once(' ')
                .map_or(shown.clone(), |(n, _)| n.to_owned())
        }
    }
}

fn now_ns() -> u64 {
    kestrel_model::SystemClock.now_ts().0
}

/// UTC calendar dates from day counts and back (the proleptic Gregorian calendar, by the
/// standard era arithmetic: 400-year eras of 146 097 days).
mod dates {
    use anyhow::{Result, anyhow, bail};

    use super::DAY_NANOS;

    pub(super) use kestrel_model::calendar::{civil, days_from_civil, format_day};

    pub(super) fn format_ns(ns: u64) -> String {
        let secs = ns / 1_000_000_000;
        let s = secs % 86_400;
        format!(
            "{} {:02}:{:02}:{:02}",
            format_day(secs / 86_400),
            s / 3_600,
            s % 3_600 / 60,
            s % 60
        )
    }

    /// `YYYY-MM-DD` → days since the epoch.
    pub(super) fn parse_day(s: &str) -> Result<u64> {
        let bad = || anyhow!("`{s}` is not a date like 2026-11-22");
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let (y, m, d): (i64, u32, u32) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 {
            return Err(bad());
        }
        let days = days_from_civil(y, m, d);
        // 2026-02-30 would roll into March: refuse what does not come back the same.
        if civil(days) != (y, m, d) {
            return Err(bad());
        }
        u64::try_from(days).map_err(|_| bad())
    }

    /// `--since`: a duration back from `now_ns`, a date, or Unix seconds → nanoseconds.
    pub(super) fn parse_since(s: &str, now_ns: u64) -> Result<u64> {
        if s.contains('-') {
            return Ok(parse_day(s)?.saturating_mul(DAY_NANOS));
        }
        let unit = s.trim_start_matches(|c: char| c.is_ascii_digit());
        let n: u64 = s[..s.len() - unit.len()]
            .parse()
            .map_err(|_| anyhow!("`{s}`: expected 90s, 30m, 12h, 7d, a date or Unix seconds"))?;
        let secs = match unit {
            "" => return Ok(n.saturating_mul(1_000_000_000)),
            "s" => n,
            "m" => n.saturating_mul(60),
            "h" => n.saturating_mul(3_600),
            "d" => n.saturating_mul(86_400),
            other => bail!("`{s}`: unknown unit `{other}` (s, m, h or d)"),
        };
        Ok(now_ns.saturating_sub(secs.saturating_mul(1_000_000_000)))
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used)]
        use super::*;

        #[test]
        fn dates_round_trip_and_bad_ones_are_refused() {
            assert_eq!(format_day(0), "1970-01-01");
            assert_eq!(format_day(20_414), "2025-11-22");
            assert_eq!(parse_day("2026-11-22").unwrap(), 20_779);
            assert_eq!(parse_day("2024-02-29").unwrap(), 19_782);
            for d in (0..40_000).step_by(37) {
                let (y, m, dd) = civil(d);
                assert_eq!(days_from_civil(y, m, dd), d);
            }
            for bad in [
                "2026-02-30",
                "2026-13-01",
                "22-11-2026x",
                "yesterday",
                "2026-11",
            ] {
                assert!(parse_day(bad).is_err(), "{bad}");
            }
            assert_eq!(
                format_ns(1_763_769_600_000_000_000 + 3_723_000_000_000),
                "2025-11-22 01:02:03"
            );
        }

        #[test]
        fn since_takes_durations_dates_and_seconds() {
            let now = 1_000_000 * 1_000_000_000;
            assert_eq!(parse_since("90s", now).unwrap(), now - 90 * 1_000_000_000);
            assert_eq!(parse_since("2h", now).unwrap(), now - 7_200 * 1_000_000_000);
            assert_eq!(
                parse_since("1d", now).unwrap(),
                now - 86_400 * 1_000_000_000
            );
            assert_eq!(parse_since("12345", now).unwrap(), 12_345 * 1_000_000_000);
            assert_eq!(parse_since("1970-01-02", now).unwrap(), DAY_NANOS);
            assert!(parse_since("5y", now).is_err());
            assert!(parse_since("soon", now).is_err());
        }
    }
}
