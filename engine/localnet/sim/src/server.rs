//! The two listeners (JSON-RPC over HTTP, PubSub over websocket), the slot clock, and the
//! handle tests and `kestrel sim` use to start and stop a cluster on chosen or free ports.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cluster::Cluster;
use crate::faults::Faults;
use crate::scenario::Scenario;
use crate::services::rpc::{self, error::RpcError};

/// How to run a cluster.
#[derive(Debug)]
pub struct SimOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub rpc_port: u16,
    pub ws_port: u16,
    pub seed: u64,
    pub slot_ms: u64,
    /// Unix time of slot 0.
    pub genesis_unix: i64,
    pub faults: Faults,
    pub scenario: Option<Scenario>,
    /// Recorded frames to replay, and the pace (frames per second, 0: unpaced).
    pub replay: Option<(Vec<crate::cluster::ReplayFrame>, u32)>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            rpc_port: 0,
            ws_port: 0,
            seed: 1,
            slot_ms: 400,
            genesis_unix: 1_767_225_600, // 2026-01-01T00:00:00Z
            faults: Faults::none(),
            scenario: None,
            replay: None,
        }
    }
}

/// A running cluster. Dropping it without `stop` leaves its tasks to the runtime's shutdown.
pub struct SimServer {
    pub rpc_addr: SocketAddr,
    pub ws_addr: SocketAddr,
    pub cluster: Arc<Cluster>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Clone)]
struct AppState {
    cluster: Arc<Cluster>,
    shutdown: watch::Receiver<bool>,
}

/// Accepts connections, but closes them at once while the refuse-connections fault is on.
struct FaultyListener {
    inner: TcpListener,
    cluster: Arc<Cluster>,
    started: Instant,
}

impl axum::serve::Listener for FaultyListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    if self.cluster.faults.refusing(self.started.elapsed()) {
                        drop(stream);
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    return (stream, addr);
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl SimServer {
    pub async fn start(opts: SimOptions) -> io::Result<Self> {
        let SimOptions {
            bind,
            rpc_port,
            ws_port,
            seed,
            slot_ms,
            genesis_unix,
            faults,
            scenario,
            replay,
        } = opts;
        if slot_ms == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "slot_ms must be at least 1",
            ));
        }
        let cluster = Cluster::new(seed, slot_ms, genesis_unix, faults.seeded(seed));
        let rpc_listener = TcpListener::bind((bind, rpc_port)).await?;
        let ws_listener = TcpListener::bind((bind, ws_port)).await?;
        let rpc_addr = rpc_listener.local_addr()?;
        let ws_addr = ws_listener.local_addr()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState {
            cluster: cluster.clone(),
            shutdown: shutdown_rx.clone(),
        };
        let started = Instant::now();

        let rpc_app = Router::new()
            .route("/", post(rpc_handler))
            .route("/swap/v1/quote", get(quote_handler))
            .route(
                "/swap/v1/swap-instructions",
                post(swap_instructions_handler),
            )
            .route("/api/v1/bundles", post(bundles_handler))
            .with_state(state.clone());
        let ws_app = Router::new().route("/", get(ws_handler)).with_state(state);
        let mut tasks = Vec::new();
        for (listener, app) in [(rpc_listener, rpc_app), (ws_listener, ws_app)] {
            let listener = FaultyListener {
                inner: listener,
                cluster: cluster.clone(),
                started,
            };
            let mut stop = shutdown_rx.clone();
            tasks.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            }));
        }

        // The slot clock.
        let clock_cluster = cluster.clone();
        let mut stop = shutdown_rx.clone();
        tasks.push(tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_millis(slot_ms));
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            interval.tick().await;
            loop {
                tokio::select! {
                    _ = interval.tick() => clock_cluster.tick(),
                    _ = stop.changed() => break,
                }
            }
        }));

        if let Some(scenario) = scenario {
            tasks.push(tokio::spawn(crate::scenario::run(
                scenario,
                cluster.clone(),
                shutdown_rx.clone(),
            )));
        }
        if let Some((frames, rate)) = replay {
            tasks.push(tokio::spawn(crate::services::replay::run(
                frames,
                rate,
                cluster.clone(),
                shutdown_rx.clone(),
            )));
        }
        Ok(Self {
            rpc_addr,
            ws_addr,
            cluster,
            shutdown,
            tasks,
        })
    }

    pub fn rpc_url(&self) -> String {
        format!("http://{}", self.rpc_addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// Stops the listeners, the clock and open websockets, and waits for them.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// The faults every HTTP endpoint shares: a delay, and 429 with Retry-After.
async fn http_faults(cluster: &Cluster) -> Option<Response> {
    cluster.stats.rpc_requests.fetch_add(1, Ordering::Relaxed);
    let faults = &cluster.faults;
    if !faults.rpc_delay.is_zero() {
        tokio::time::sleep(faults.rpc_delay).await;
    }
    if faults.roll(faults.rpc_429_rate) {
        let mut r = (StatusCode::TOO_MANY_REQUESTS, "Too many requests for a specific RPC call, contact your app developer or support@rpcpool.com.").into_response();
        if let Ok(v) = HeaderValue::from_str(&faults.retry_after_secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Some(r);
    }
    None
}

fn json_reply(status: u16, v: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn quote_handler(
    State(state): State<AppState>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Some(r) = http_faults(&state.cluster).await {
        return r;
    }
    match crate::services::jupiter::quote(&state.cluster, &q) {
        Ok(v) => json_reply(200, &v),
        Err((status, v)) => json_reply(status, &v),
    }
}

async fn swap_instructions_handler(State(state): State<AppState>, body: Bytes) -> Response {
    if let Some(r) = http_faults(&state.cluster).await {
        return r;
    }
    match crate::services::jupiter::swap_instructions(&state.cluster, &body) {
        Ok(v) => json_reply(200, &v),
        Err((status, v)) => json_reply(status, &v),
    }
}

async fn bundles_handler(State(state): State<AppState>, body: Bytes) -> Response {
    if let Some(r) = http_faults(&state.cluster).await {
        return r;
    }
    let reply = match serde_json::from_slice::<Value>(&body) {
        Err(_) => {
            serde_json::json!({ "jsonrpc": "2.0", "error": RpcError::parse_error().to_json(), "id": null })
        }
        Ok(req) => {
            let id = req.get("id").cloned().unwrap_or(Value::Null);
            let method = req
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let params = req.get("params").cloned().unwrap_or(Value::Null);
            match crate::services::jito::handle(&state.cluster, method, &params) {
                Ok(v) => serde_json::json!({ "jsonrpc": "2.0", "result": v, "id": id }),
                Err(e) => serde_json::json!({ "jsonrpc": "2.0", "error": e.to_json(), "id": id }),
            }
        }
    };
    json_reply(200, &reply)
}

async fn rpc_handler(State(state): State<AppState>, body: Bytes) -> Response {
    let cluster = state.cluster;
    if let Some(r) = http_faults(&cluster).await {
        return r;
    }
    let out = match serde_json::from_slice::<Value>(&body) {
        Err(_) => Some(
            serde_json::json!({ "jsonrpc": "2.0", "error": RpcError::parse_error().to_json(), "id": null }),
        ),
        Ok(Value::Array(batch)) if batch.is_empty() => Some(
            serde_json::json!({ "jsonrpc": "2.0", "error": RpcError::invalid_request().to_json(), "id": null }),
        ),
        Ok(Value::Array(batch)) => {
            let replies: Vec<Value> = batch
                .iter()
                .filter_map(|r| rpc::handle_request(&cluster, r))
                .collect();
            Some(Value::Array(replies))
        }
        Ok(req) => rpc::handle_request(&cluster, &req),
    };
    match out {
        Some(v) => ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn ws_handler(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let AppState { cluster, shutdown } = state;
    ws.max_message_size(1 << 20)
        .on_upgrade(move |socket| crate::services::pubsub::serve(socket, cluster, shutdown))
}
