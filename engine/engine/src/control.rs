//! The control port (default 127.0.0.1:9464): `/health`, Prometheus `/metrics`, and a
//! read-only `/positions`. Served on the control runtime, never on the hot threads; every
//! handler reads published copies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use dashmap::DashMap;
use kestrel_exec::BlockhashCache;
use kestrel_feed::EndpointStats;
use kestrel_model::mono_nanos;
use solana_pubkey::Pubkey;

use crate::book::Position;
use crate::metrics::{Metrics, prometheus};

/// A blockhash older than this means the RPC side is not keeping up.
const STALE_BLOCKHASH_NS: u64 = 30_000_000_000;

#[derive(Clone)]
pub struct ControlState {
    pub metrics: Arc<Metrics>,
    pub feeds: Arc<Vec<EndpointStats>>,
    pub positions: Arc<DashMap<Pubkey, Position>>,
    pub blockhash: Arc<BlockhashCache>,
}

pub fn router(state: ControlState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/positions", get(positions))
        .with_state(state)
}

/// Binds and serves until the runtime stops. Returns the bound address.
pub async fn serve(addr: SocketAddr, state: ControlState) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router(state)).await {
            tracing::error!("control port: {e}");
        }
    });
    Ok(bound)
}

async fn health(State(s): State<ControlState>) -> impl IntoResponse {
    let connected = s.feeds.iter().filter(|f| f.connected.load(Relaxed)).count();
    let blockhash_age_ms = s
        .blockhash
        .get()
        .map(|r| mono_nanos().saturating_sub(r.fetched_at) / 1_000_000);
    let fresh = blockhash_age_ms.is_some_and(|ms| ms * 1_000_000 < STALE_BLOCKHASH_NS);
    let ok = connected > 0 && fresh;
    let state = match s.metrics.trading_state.load(Relaxed) {
        0 => "active",
        1 => "reducing",
        _ => "halted",
    };
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

async fn metrics(State(s): State<ControlState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        prometheus(&s.metrics, &s.feeds),
    )
}

async fn positions(State(s): State<ControlState>) -> impl IntoResponse {
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
