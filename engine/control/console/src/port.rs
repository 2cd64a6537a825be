//! The control port (default 127.0.0.1:9464): `/health`, Prometheus `/metrics`, a read-only
//! `/positions`, and the operator's commands as POSTs: `/pause`, `/resume`, `/kill`
//! (`?sell_all=true` sells everything), `/sell?mint=…&percent=…`. Served on the control
//! runtime, never on the hot threads; reads use published copies, and commands are queued to
//! the strategy thread (which owns the state and passes every sell through the guardian).

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;

use axum::Router;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kestrel_model::mono_nanos;
use solana_pubkey::Pubkey;

use kestrel_engine::Published;
use kestrel_engine::order::Command;
use kestrel_guardian::TradingState;

use crate::prometheus::prometheus;

/// A blockhash older than this means the RPC side is not keeping up.
const STALE_BLOCKHASH_NS: u64 = 30_000_000_000;

pub fn router(state: Published) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/positions", get(positions))
        .route("/pause", post(pause))
        .route("/resume", post(resume))
        .route("/kill", post(kill))
        .route("/sell", post(sell))
        .with_state(state)
}

/// Binds and serves until the runtime stops. Returns the bound address.
pub async fn serve(addr: SocketAddr, state: Published) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(state)).await {
            tracing::error!("control port: {e}");
        }
    });
    Ok(bound)
}

async fn health(State(s): State<Published>) -> impl IntoResponse {
    let connected = s.feeds.iter().filter(|f| f.connected.load(Relaxed)).count();
    let blockhash_age_ms = s
        .blockhash
        .get()
        .map(|r| mono_nanos().saturating_sub(r.fetched_at) / 1_000_000);
    let fresh = blockhash_age_ms.is_some_and(|ms| ms * 1_000_000 < STALE_BLOCKHASH_NS);
    let ok = connected > 0 && fresh;
    let state = TradingState::from_code(s.metrics.trading_state.load(Relaxed))
        .map_or("unknown", |s| s.name());
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "degraded" },
        "feeds_connected": connected,
        "feeds": s.feeds.len(),
        "blockhash_age_ms": blockhash_age_ms,
        "trading_state": state,
        "slot": s.metrics.slot.load(Relaxed),
    });
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body))
}

async fn metrics(State(s): State<Published>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        prometheus(&s.metrics, &s.feeds),
    )
}

async fn positions(State(s): State<Published>) -> impl IntoResponse {
    let list: Vec<serde_json::Value> = s
        .positions
        .iter()
        .map(|p| {
            serde_json::json!({
                "mint": p.mint.to_string(),
                "creator": p.creator.to_string(),
                "tokens": p.tokens.0,
                "cost_lamports": p.cost.0,
                "complete": p.complete,
            })
        })
        .collect();
    axum::Json(list)
}

fn reply(code: StatusCode, body: serde_json::Value) -> (StatusCode, axum::Json<serde_json::Value>) {
    (code, axum::Json(body))
}

fn queue(s: &Published, c: Command) -> (StatusCode, axum::Json<serde_json::Value>) {
    match crate::actions::submit(s, "control-port", c) {
        Ok(()) => reply(
            StatusCode::ACCEPTED,
            serde_json::json!({ "accepted": format!("{c:?}") }),
        ),
        Err(e) => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({ "error": e.to_string() }),
        ),
    }
}

fn bad(msg: String) -> (StatusCode, axum::Json<serde_json::Value>) {
    reply(StatusCode::BAD_REQUEST, serde_json::json!({ "error": msg }))
}

/// `a=1&b=2` → pairs; unknown keys are refused by the caller.
fn params(q: Option<&str>) -> Vec<(&str, &str)> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect()
}

async fn pause(State(s): State<Published>) -> impl IntoResponse {
    queue(&s, Command::Pause)
}

async fn resume(State(s): State<Published>) -> impl IntoResponse {
    queue(&s, Command::Resume)
}

async fn kill(State(s): State<Published>, RawQuery(q): RawQuery) -> impl IntoResponse {
    let mut sell_all = false;
    for (k, v) in params(q.as_deref()) {
        match (k, v) {
            ("sell_all", "true") => sell_all = true,
            ("sell_all", "false") => sell_all = false,
            _ => return bad(format!("unknown parameter `{k}={v}` (sell_all=true|false)")),
        }
    }
    queue(&s, Command::Kill { sell_all })
}

async fn sell(State(s): State<Published>, RawQuery(q): RawQuery) -> impl IntoResponse {
    let (mut mint, mut percent) = (None, None);
    for (k, v) in params(q.as_deref()) {
        match k {
            "mint" => match v.parse::<Pubkey>() {
                Ok(m) => mint = Some(m),
                Err(_) => return bad(format!("mint `{v}` is not a base58 public key")),
            },
            "percent" => match v.parse::<u8>() {
                Ok(p) if (1..=100).contains(&p) => percent = Some(p),
                _ => return bad(format!("percent `{v}` is not within 1..=100")),
            },
            _ => return bad(format!("unknown parameter `{k}` (mint, percent)")),
        }
    }
    let Some(mint) = mint else {
        return bad("mint is required".into());
    };
    if !s.positions.contains_key(&mint) {
        return reply(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": format!("no open position in {mint}") }),
        );
    }
    queue(
        &s,
        Command::Sell {
            mint,
            percent: percent.unwrap_or(100),
        },
    )
}
