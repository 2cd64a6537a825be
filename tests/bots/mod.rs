//! What the chat-bot tests share: a fake API served over real HTTP on loopback, the engine
//! on the local cluster with the sniper kept off the tests' coins, and a bridge to it as a
//! plugin's calls reach it.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use kestrel_engine::Engine;
use kestrel_engine::order::EngineEvent;
use kestrel_exec::JsonRpc;
use kestrel_plugin_bridge::{EngineBridge, RecentLaunches};
use kestrel_sniper::{Pattern, SniperConfig};

use super::harness::{self, Harness, SOL, wait_for};

/// Serves `app` on a free loopback port from `runtime`; its address.
pub(crate) fn serve(runtime: &tokio::runtime::Runtime, app: axum::Router) -> std::net::SocketAddr {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// The engine with a funded wallet and one feed, its events, and its sniper's config. The
/// sniper leaves coins named "test coin" alone: only the bots' users buy them.
pub(crate) fn engine(
    h: &Harness,
) -> (
    Engine,
    crossbeam_channel::Receiver<EngineEvent>,
    SniperConfig,
) {
    let wallet = h.funded_wallet(20 * SOL);
    let mut setup = h.setup(wallet, 1);
    setup.sniper.name_deny = vec![Pattern::new("test coin")];
    let (tx, rx) = crossbeam_channel::bounded(1024);
    setup.events = Some(tx);
    let sniper = setup.sniper.clone();
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    (engine, rx, sniper)
}

/// A bridge to `engine`, as the host gives plugins.
pub(crate) fn bridge(h: &Harness, engine: &Engine, recent: RecentLaunches) -> EngineBridge {
    let rpc = JsonRpc::new(reqwest::Client::new(), h.server.rpc_url(), "sim".into());
    EngineBridge::new(
        engine.handle(),
        rpc,
        kestrel_model::QuotePrices::SOL_ONLY,
        kestrel_units::Lamports(harness::BUY),
        recent,
    )
    .unwrap()
}
