//! Kestrel's dashboard: the operator's live web page, served by `kestrel run` on the control
//! plane (never on a hot thread). It reads what the engine publishes and the journal, pushes
//! changes over one Server-Sent Events stream, and takes the operator's commands (pause,
//! resume, kill, sell) only from a signed-in session with its CSRF token, journaling each with
//! its origin. Static assets are embedded in the binary; the page needs no build step.
//!
//! - [`auth`]: the operator's token, sessions (HttpOnly, SameSite=Strict cookies), CSRF;
//! - [`api`]: the JSON API (`/api/status`, `/api/positions`, `/api/trades`, `/api/pnl`,
//!   `/api/plugins`, `/api/latency`, `/api/log`) and its OpenAPI document;
//! - [`stream`]: `/api/stream`, the live feed the page updates from;
//! - [`controls`]: the POSTs that change something;
//! - [`assets`]: the page itself.

pub mod api;
pub mod assets;
pub mod auth;
pub mod controls;
pub mod stream;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::routing::{get, post};
use kestrel_engine::Published;
use kestrel_engine::order::EngineEvent;
use serde_json::{Value, json};

/// What the plugins' host lets the dashboard see, without the dashboard linking wasmtime.
pub trait PluginView: Send + Sync + 'static {
    /// One JSON object a plugin: name, state, restarts, faults, CPU share, HTTP refusals,
    /// queue depth, memory.
    fn plugins(&self) -> Vec<Value>;

    /// The X bot's posts as it last showed them to its approval chats; none: no X bot runs.
    fn x_posts(&self) -> Option<Vec<Value>> {
        None
    }

    /// An approval-chat action (`approve`, `reject`, `post_now`) for the X bot, as the
    /// dashboard's operator (`dashboard:operator` among its approvers); `hash` is the start of
    /// the hash of the words the page showed.
    fn x_act(&self, action: &str, id: u64, hash: &str) -> Result<(), String> {
        let _ = (action, id, hash);
        Err("no X bot runs".into())
    }
}

/// How the dashboard is set up.
pub struct Setup {
    pub published: Published,
    /// The journal's file, read for trades and PnL; none: no journal.
    pub journal: Option<PathBuf>,
    pub plugins: Option<Arc<dyn PluginView>>,
    /// The operator's token; none: read-only.
    pub token: Option<String>,
    /// The wallet's address, for the page.
    pub wallet: String,
    pub paper: bool,
    /// An explorer's transaction page with `{signature}` (from config).
    pub explorer_tx: String,
    /// The exit rules armed on every position, as words ("take profit at +100 %").
    pub exit_rules: Vec<String>,
}

/// Why the dashboard did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "the dashboard would listen on {0}, off loopback, without KESTREL_DASHBOARD_TOKEN: set the token or listen on 127.0.0.1"
    )]
    Unprotected(SocketAddr),
    #[error("cannot bind the dashboard on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// Lines of the log tail kept.
const LOG_LINES: usize = 200;

/// The dashboard's shared state.
pub struct Board {
    pub setup: Setup,
    pub sessions: auth::Sessions,
    /// Events for the stream, as `(event name, JSON)`.
    pub events: tokio::sync::broadcast::Sender<(String, String)>,
    /// The engine's events and the operator's actions, newest last.
    pub log: Mutex<VecDeque<Value>>,
    pub started: Instant,
    /// Served on loopback: requests must name a loopback host (a page on another site that
    /// rebinds its name to 127.0.0.1 is refused).
    pub loopback: std::sync::atomic::AtomicBool,
}

impl Board {
    pub fn new(setup: Setup) -> Arc<Self> {
        let (events, _) = tokio::sync::broadcast::channel(1_024);
        Arc::new(Self {
            setup,
            sessions: auth::Sessions::default(),
            events,
            log: Mutex::new(VecDeque::new()),
            started: Instant::now(),
            loopback: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Tells the page: kept in the log tail and pushed on the stream.
    pub fn tell(&self, kind: &str, v: Value) {
        let line = json!({ "at_ms": unix_ms(), "kind": kind, "data": v });
        if let Ok(mut log) = self.log.lock() {
            if log.len() >= LOG_LINES {
                log.pop_front();
            }
            log.push_back(line.clone());
        }
        // Nobody listening is not an error.
        let _ = self.events.send((kind.to_owned(), line.to_string()));
    }

    /// An engine event, as the page shows it. Called from the node's event thread.
    pub fn engine_event(&self, e: &EngineEvent) {
        match e {
            EngineEvent::Fill { fill, realized } => self.tell(
                "fill",
                json!({
                    "mint": fill.mint.to_string(),
                    "side": if fill.is_buy { "buy" } else { "sell" },
                    "tokens": fill.tokens.0,
                    "quote": fill.quote.symbol(),
                    "amount": fill.quote_amount.0,
                    "fees": fill.fees.0,
                    "network_fee": fill.network_fee.0,
                    "realized": realized,
                    "why": fill.why.name(),
                    "signature": fill.signature.to_string(),
                    "link": self.setup.explorer_tx.replace("{signature}", &fill.signature.to_string()),
                    "slot": fill.slot,
                }),
            ),
            EngineEvent::Exit { mint, reason } => self.tell(
                "exit",
                json!({ "mint": mint.to_string(), "reason": reason.name() }),
            ),
            EngineEvent::State(s) => self.tell("state", json!({ "state": s.name() })),
            EngineEvent::Alert(a) => self.tell("alert", json!({ "text": a })),
            // Launches come by the hundred: the overview counts them instead.
            EngineEvent::Launch(_) => {}
        }
    }
}

pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub fn router(board: Arc<Board>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{file}", get(assets::file))
        .route("/api/status", get(api::status))
        .route("/api/positions", get(api::positions))
        .route("/api/trades", get(api::trades))
        .route("/api/pnl", get(api::pnl))
        .route("/api/plugins", get(api::plugins))
        .route("/api/latency", get(api::latency))
        .route("/api/log", get(api::log))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/stream", get(stream::stream))
        .route("/api/session", get(auth::session))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/control/{action}", post(controls::control))
        .route("/api/x", get(api::x_queue))
        .route("/api/x/{action}/{id}", post(controls::x_action))
        .layer(axum::middleware::from_fn_with_state(
            board.clone(),
            loopback_host,
        ))
        .with_state(board)
}

/// On loopback, only loopback names: DNS rebinding cannot read the page from another site.
async fn loopback_host(
    axum::extract::State(b): axum::extract::State<Arc<Board>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if b.loopback.load(std::sync::atomic::Ordering::Relaxed) {
        let host = req
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
        if !matches!(name, "localhost" | "127.0.0.1" | "[::1]") {
            return (
                axum::http::StatusCode::MISDIRECTED_REQUEST,
                "this dashboard answers to localhost names only",
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// Binds and serves on the current runtime until it stops; the bound address. A listener off
/// loopback needs the operator's token.
pub async fn serve(addr: SocketAddr, board: Arc<Board>) -> Result<SocketAddr, StartError> {
    if !addr.ip().is_loopback() && board.setup.token.is_none() {
        return Err(StartError::Unprotected(addr));
    }
    board.loopback.store(
        addr.ip().is_loopback(),
        std::sync::atomic::Ordering::Relaxed,
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Bind(addr, e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| StartError::Bind(addr, e))?;
    stream::start_ticker(board.clone());
    tokio::spawn(async move {
        let app = router(board).into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("dashboard: {e}");
        }
    });
    Ok(bound)
}
