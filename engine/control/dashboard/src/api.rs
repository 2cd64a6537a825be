//! The JSON API the page reads, described by `/api/openapi.json`: each answer is built from
//! what the engine publishes (atomics and copies, never a lock the hot path holds) or from the
//! journal, opened read-only for the request.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kestrel_engine::metrics::{Metrics, Stage};
use kestrel_guardian::exits::ExitReason;
use kestrel_guardian::{Reason, TradingState};
use kestrel_model::{calendar, mono_nanos};
use kestrel_sniper::SkipReason;
use kestrel_store::Reader;
use serde_json::{Value, json};

use crate::Board;

const DAY_MS: u64 = 86_400_000;
/// The latest instant the journal's nanosecond column holds, in ms.
const MAX_MS: u64 = i64::MAX as u64 / 1_000_000;

fn bad(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": msg }))).into_response()
}

fn unavailable(msg: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "error": msg })),
    )
        .into_response()
}

/// `(name, count)` for every non-zero counter of a by-reason array.
fn by_reason(
    counts: &[std::sync::atomic::AtomicU64],
    name: impl Fn(usize) -> &'static str,
) -> Value {
    Value::Object(
        counts
            .iter()
            .enumerate()
            .map(|(i, c)| (name(i).to_owned(), c.load(Relaxed)))
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k, json!(n)))
            .collect(),
    )
}

/// The overview: the engine's state, its money, its feeds.
pub fn status_value(b: &Board) -> Value {
    let p = &b.setup.published;
    let m: &Metrics = &p.metrics;
    let state =
        TradingState::from_code(m.trading_state.load(Relaxed)).map_or("unknown", |s| s.name());
    let feeds: Vec<Value> = p
        .feeds
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "connected": f.connected.load(Relaxed),
                "frames": f.frames.load(Relaxed),
                "first": f.first.load(Relaxed),
                "duplicates": f.duplicates.load(Relaxed),
                "mean_lag_us": f.mean_lag_us(),
                "max_lag_us": f.lag_ns_max.load(Relaxed) / 1_000,
                "disconnects": f.disconnects.load(Relaxed),
            })
        })
        .collect();
    let blockhash_age_ms = p
        .blockhash
        .get()
        .map(|r| mono_nanos().saturating_sub(r.fetched_at) / 1_000_000);
    json!({
        "trading_state": state,
        "paper": b.setup.paper,
        "wallet": b.setup.wallet,
        "wallet_lamports": m.wallet_lamports.load(Relaxed),
        "realized_lamports": m.realized_pnl_lamports.load(Relaxed),
        "unrealized_lamports": m.unrealized_pnl_lamports.load(Relaxed),
        "realized_usdc_units": m.realized_pnl_usdc_units.load(Relaxed),
        "unrealized_usdc_units": m.unrealized_pnl_usdc_units.load(Relaxed),
        "exposure_lamports": m.exposure_lamports.load(Relaxed),
        "open_positions": m.open_positions.load(Relaxed),
        "launches": m.launches.load(Relaxed),
        "bought": m.bought.load(Relaxed),
        "sold": m.sold.load(Relaxed),
        "slot": m.slot.load(Relaxed),
        "blockhash_age_ms": blockhash_age_ms,
        "uptime_s": b.started.elapsed().as_secs(),
        "feeds": feeds,
        "skipped": by_reason(&m.skipped, |i| SkipReason::ALL.get(i).map_or("unknown", |r| r.name())),
        "refused": by_reason(&m.refused, Reason::name_at),
        "exits": by_reason(&m.exits, ExitReason::name_at),
    })
}

pub async fn status(State(b): State<Arc<Board>>) -> Json<Value> {
    Json(status_value(&b))
}

/// Open positions at the curve's spot price, with the journal's peak and the exit rules.
pub async fn positions(State(b): State<Arc<Board>>) -> Response {
    let peaks: Vec<(String, u64)> = match &b.setup.journal {
        Some(path) => match read(path, |r| r.open_positions()).await {
            Ok(rows) => rows
                .iter()
                // The exit rules' peak: the highest price since entry, in bps of the entry
                // price (0: not marked yet), as the value the position had there.
                .filter(|r| r.peak_ratio > 0)
                .map(|r| {
                    let peak = u128::from(r.cost) * u128::from(r.peak_ratio) / 10_000;
                    (r.mint.to_string(), u64::try_from(peak).unwrap_or(u64::MAX))
                })
                .collect(),
            Err(e) => return unavailable(format!("the journal cannot be read: {e}")),
        },
        None => Vec::new(),
    };
    let mut list: Vec<Value> = b
        .setup
        .published
        .positions
        .iter()
        .map(|p| {
            let value = if p.mark.virtual_token.0 == 0 {
                0
            } else {
                u64::try_from(
                    u128::from(p.tokens.0) * u128::from(p.mark.virtual_quote.0)
                        / u128::from(p.mark.virtual_token.0),
                )
                .unwrap_or(u64::MAX)
            };
            let mint = p.mint.to_string();
            let peak = peaks.iter().find(|(m, _)| *m == mint).map(|(_, v)| *v);
            json!({
                "mint": mint,
                "quote": p.quote.symbol(),
                "tokens": p.tokens.0,
                "cost": p.cost.0,
                "value": value,
                "pnl": i128::from(value) - i128::from(p.cost.0),
                "peak": peak,
                "exit_rules": b.setup.exit_rules,
                "selling": p.selling,
                "graduated": p.complete,
            })
        })
        .collect();
    list.sort_by(|a, b| a["mint"].as_str().cmp(&b["mint"].as_str()));
    Json(Value::Array(list)).into_response()
}

/// Reads the journal off the async runtime (SQLite blocks), in a connection of its own.
async fn read<T: Send + 'static>(
    path: &std::path::Path,
    f: impl FnOnce(&Reader) -> Result<T, kestrel_store::StoreError> + Send + 'static,
) -> Result<T, String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || Reader::open(&path).and_then(|r| f(&r)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Fills one answer holds at most; the next page starts after the last one's `at_ms`.
const TRADES_PAGE: usize = 500;

fn param<'a>(q: &'a Option<String>, key: &str) -> Result<Option<&'a str>, String> {
    let mut found = None;
    for pair in q
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some((k, v)) if k == key => found = Some(v),
            _ => {
                return Err(format!(
                    "unknown parameter `{}`: only `{key}`",
                    pair.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    Ok(found)
}

/// `GET /api/trades?since=<ms since the epoch>`: the journal's fills, oldest first.
pub async fn trades(State(b): State<Arc<Board>>, RawQuery(q): RawQuery) -> Response {
    let since_ms = match param(&q, "since") {
        Ok(None) => 0,
        Ok(Some(v)) => match v.parse::<u64>() {
            Ok(ms) if ms <= MAX_MS => ms,
            Ok(_) | Err(_) => {
                return bad(format!(
                    "since: `{}` is not milliseconds since the epoch",
                    v.chars().take(24).collect::<String>()
                ));
            }
        },
        Err(e) => return bad(e),
    };
    let Some(path) = &b.setup.journal else {
        return Json(json!([])).into_response();
    };
    let since_ns = since_ms.saturating_mul(1_000_000);
    let fills = match read(path, move |r| r.fills_page(since_ns, TRADES_PAGE)).await {
        Ok(f) => f,
        Err(e) => return unavailable(format!("the journal cannot be read: {e}")),
    };
    let list: Vec<Value> = fills
        .iter()
        .map(|f| {
            json!({
                "signature": f.signature,
                "link": b.setup.explorer_tx.replace("{signature}", &f.signature),
                "mint": f.mint,
                "side": f.side,
                "why": f.why,
                "tokens": f.tokens,
                "quote": f.quote.symbol(),
                "amount": f.sol_lamports,
                "fees": f.fee_lamports,
                "network_fee": f.network_fee,
                "realized": f.realized,
                "slot": f.slot,
                "at_ms": f.at_ns / 1_000_000,
            })
        })
        .collect();
    Json(Value::Array(list)).into_response()
}

/// `YYYY-MM-DD` (1970 to 9999, a day that exists) as days since the epoch.
pub fn day_number(s: &str) -> Option<u64> {
    let mut it = s.split('-');
    let (y, m, d): (i64, u32, u32) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if it.next().is_some()
        || !(1970..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
    {
        return None;
    }
    let back = u64::try_from(calendar::days_from_civil(y, m, d)).ok()?;
    // 2026-02-30 comes back as another date: it does not exist.
    (calendar::format_day(back) == s).then_some(back)
}

/// `GET /api/pnl[?day=YYYY-MM-DD]`: each UTC day's result and the equity curve (realized,
/// cumulative); with `day`, that day only.
pub async fn pnl(State(b): State<Arc<Board>>, RawQuery(q): RawQuery) -> Response {
    let day = match param(&q, "day") {
        Ok(None) => None,
        Ok(Some(v)) => match day_number(v) {
            Some(d) => Some(d),
            None => {
                return bad(format!(
                    "day: `{}` is not a date like 2026-12-03",
                    v.chars().take(24).collect::<String>()
                ));
            }
        },
        Err(e) => return bad(e),
    };
    let Some(path) = &b.setup.journal else {
        return Json(json!({ "days": [] })).into_response();
    };
    // Every day, so the equity is the running total even when one day is asked for.
    let days = match read(path, |r| r.days(None)).await {
        Ok(d) => d,
        Err(e) => return unavailable(format!("the journal cannot be read: {e}")),
    };
    let mut equity: i64 = 0;
    let list: Vec<Value> = days
        .iter()
        .map(|d| {
            let net = d
                .realized
                .sol
                .saturating_sub(i64::try_from(d.network_fees).unwrap_or(i64::MAX));
            equity = equity.saturating_add(net);
            let shown = day.is_none_or(|x| x == d.day);
            (
                shown,
                json!({
                    "day": calendar::format_day(d.day),
                    "realized_lamports": d.realized.sol,
                    "realized_usdc_units": d.realized.usdc,
                    "network_fees": d.network_fees,
                    "wallet_delta": d.wallet_delta,
                    "buys": d.buys,
                    "sells": d.sells,
                    "failed_txs": d.failed_txs,
                    "equity_lamports": equity,
                }),
            )
        })
        .filter(|(shown, _)| *shown)
        .map(|(_, v)| v)
        .collect();
    let today = calendar::format_day(crate::unix_ms() / DAY_MS);
    Json(json!({ "today": today, "days": list })).into_response()
}

pub async fn plugins(State(b): State<Arc<Board>>) -> Json<Value> {
    Json(Value::Array(
        b.setup
            .plugins
            .as_ref()
            .map(|p| p.plugins())
            .unwrap_or_default(),
    ))
}

/// Per stage, since the frame was read: count and percentiles in µs.
pub fn latency_value(m: &Metrics) -> Value {
    Value::Array(
        Stage::ALL
            .iter()
            .map(|&s| {
                let h = m.stage(s);
                let q = |p: f64| {
                    if h.is_empty() {
                        0
                    } else {
                        h.value_at_quantile(p) / 1_000
                    }
                };
                json!({
                    "stage": s.name(),
                    "count": h.len(),
                    "p50_us": q(0.5),
                    "p90_us": q(0.9),
                    "p99_us": q(0.99),
                    "p999_us": q(0.999),
                    "max_us": if h.is_empty() { 0 } else { h.max() / 1_000 },
                })
            })
            .collect(),
    )
}

pub async fn latency(State(b): State<Arc<Board>>) -> Json<Value> {
    Json(latency_value(&b.setup.published.metrics))
}

/// `GET /api/x`: the X bot's queue, newest first (`running: false` when no X bot runs).
pub async fn x_queue(State(b): State<Arc<Board>>) -> Json<Value> {
    match b.setup.plugins.as_ref().and_then(|p| p.x_posts()) {
        Some(mut posts) => {
            posts.sort_by_key(|p| std::cmp::Reverse(p["id"].as_u64().unwrap_or(0)));
            Json(json!({ "running": true, "posts": posts }))
        }
        None => Json(json!({ "running": false, "posts": [] })),
    }
}

pub async fn log(State(b): State<Arc<Board>>) -> Json<Value> {
    let lines: Vec<Value> = b
        .log
        .lock()
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default();
    Json(Value::Array(lines))
}

pub async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../assets/openapi.json"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_into_dates_and_back() {
        assert_eq!(calendar::format_day(0), "1970-01-01");
        assert_eq!(calendar::format_day(20_790), "2026-12-03");
        assert_eq!(day_number("2026-12-03"), Some(20_790));
        assert_eq!(day_number("2024-02-29"), Some(19_782));
        assert_eq!(day_number("2026-02-30"), None);
        assert_eq!(day_number("yesterday"), None);
        assert_eq!(day_number("9000000000000000000-01-01"), None);
    }
}
