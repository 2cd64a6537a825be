//! The same feed through solana-pubsub-client's `PubsubClient`: each notification arrives
//! parsed into owned types (`RpcLogsResponse`, `UiAccount`, …), and is then turned into the
//! engine's events. Kept beside [`crate::raw`] as the ordinary way, selectable by config and
//! benchmarked against it. Frames are stamped when the client yields them, after its parse.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kestrel_model::{SignatureText, mono_nanos};
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcSignatureSubscribeConfig, RpcTransactionLogsConfig,
    RpcTransactionLogsFilter,
};
use solana_rpc_client_api::response::{ProcessedSignatureResult, RpcSignatureResult};
use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio::task::JoinHandle;

use crate::extract::Extractor;
use crate::sink::Origin;
use crate::{Backoff, EndpointContext, FeedEvent, SignatureUpdate, Stamped, Watch, WatchCommand};

const HEALTHY_AFTER: Duration = Duration::from_secs(5);

fn commitment(c: &str) -> CommitmentConfig {
    match c {
        "processed" => CommitmentConfig::processed(),
        "finalized" => CommitmentConfig::finalized(),
        _ => CommitmentConfig::confirmed(),
    }
}

pub(crate) async fn run(ctx: EndpointContext) {
    let ctx = Rc::new(ctx);
    let mut backoff = Backoff::new(ctx.cfg.backoff_min, ctx.cfg.backoff_max);
    loop {
        let started = Instant::now();
        match PubsubClient::new(&ctx.url).await {
            Ok(client) => {
                let end = session(ctx.clone(), Arc::new(client)).await;
                if let Some(st) = ctx.stats() {
                    st.disconnects.fetch_add(1, Relaxed);
                    st.connected.store(false, Relaxed);
                }
                let now = mono_nanos();
                let down = Stamped {
                    event: FeedEvent::Endpoint {
                        index: ctx.index,
                        up: false,
                    },
                    endpoint: ctx.index,
                    read_at: now,
                    decoded_at: now,
                };
                if end.is_none() || ctx.sink.send(down, ctx.stats()).is_err() {
                    return;
                }
                tracing::warn!(endpoint = ctx.index, "feed dropped; reconnecting");
            }
            Err(e) => {
                if let Some(st) = ctx.stats() {
                    st.connect_failures.fetch_add(1, Relaxed);
                }
                tracing::debug!(endpoint = ctx.index, "feed connect failed: {e}");
            }
        }
        if started.elapsed() >= HEALTHY_AFTER {
            backoff.reset();
        }
        tokio::time::sleep(backoff.next_wait()).await;
    }
}

/// Why a stream task ended: `Some(())` the stream broke, `None` the engine is closing.
type Ended = Option<()>;

/// Runs one connection until a stream breaks (`Some`) or the engine closes (`None`).
async fn session(ctx: Rc<EndpointContext>, client: Arc<PubsubClient>) -> Ended {
    let (ended_tx, mut ended_rx) = mpsc::channel::<Ended>(16);
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    let c = commitment(ctx.cfg.commitment);
    for program in ctx.cfg.programs.clone() {
        let (ctx, client, ended) = (ctx.clone(), client.clone(), ended_tx.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let filter = RpcTransactionLogsFilter::Mentions(vec![program.to_string()]);
            let config = RpcTransactionLogsConfig {
                commitment: Some(c),
            };
            let Ok((mut stream, _unsub)) = client.logs_subscribe(filter, config).await else {
                let _ = ended.send(Some(())).await;
                return;
            };
            let mut extractor = Extractor::new();
            while let Some(note) = stream.next().await {
                let read_at = mono_nanos();
                if let Some(st) = ctx.stats() {
                    st.frames.fetch_add(1, Relaxed);
                }
                if note.value.err.is_some() {
                    continue;
                }
                let sig = SignatureText::new(&note.value.signature);
                let lines = note.value.logs.iter().map(String::as_str);
                let from = Origin {
                    endpoint: ctx.index,
                    stats: ctx.stats(),
                    read_at,
                };
                if ctx
                    .sink
                    .transaction(&mut extractor, from, sig, note.context.slot, lines)
                    .is_err()
                {
                    let _ = ended.send(None).await;
                    return;
                }
            }
            let _ = ended.send(Some(())).await;
        }));
    }
    {
        let (ctx, client, ended) = (ctx.clone(), client.clone(), ended_tx.clone());
        tasks.push(tokio::task::spawn_local(async move {
            let Ok((mut stream, _unsub)) = client.slot_subscribe().await else {
                let _ = ended.send(Some(())).await;
                return;
            };
            while let Some(s) = stream.next().await {
                if ctx.sink.slot(ctx.index, s.slot, mono_nanos()).is_err() {
                    let _ = ended.send(None).await;
                    return;
                }
            }
            let _ = ended.send(Some(())).await;
        }));
    }
    if let Some(st) = ctx.stats() {
        st.connected.store(true, Relaxed);
    }
    let now = mono_nanos();
    let up = Stamped {
        event: FeedEvent::Endpoint {
            index: ctx.index,
            up: true,
        },
        endpoint: ctx.index,
        read_at: now,
        decoded_at: now,
    };
    if ctx.sink.send(up, ctx.stats()).is_err() {
        return None;
    }

    let mut commands = ctx.handle.subscribe_commands();
    let mut watches: HashMap<Watch, JoinHandle<()>> = HashMap::new();
    for w in ctx.handle.current() {
        watches.insert(w, spawn_watch(&ctx, &client, w, c, ended_tx.clone()));
    }
    let end = loop {
        tokio::select! {
            e = ended_rx.recv() => break e.flatten(),
            cmd = commands.recv() => match cmd {
                Ok(WatchCommand::Add(w)) => {
                    watches
                        .entry(w)
                        .or_insert_with(|| spawn_watch(&ctx, &client, w, c, ended_tx.clone()));
                }
                Ok(WatchCommand::Remove(w)) => {
                    if let Some(t) = watches.remove(&w) {
                        t.abort();
                    }
                }
                Err(RecvError::Lagged(_)) => break Some(()),
                Err(RecvError::Closed) => break None,
            },
        }
    };
    for t in tasks.into_iter().chain(watches.into_values()) {
        t.abort();
    }
    end
}

fn spawn_watch(
    ctx: &Rc<EndpointContext>,
    client: &Arc<PubsubClient>,
    w: Watch,
    c: CommitmentConfig,
    ended: mpsc::Sender<Ended>,
) -> JoinHandle<()> {
    let (ctx, client) = (ctx.clone(), client.clone());
    tokio::task::spawn_local(async move {
        match w {
            Watch::Account(key) => {
                let config = RpcAccountInfoConfig {
                    encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                    commitment: Some(c),
                    ..RpcAccountInfoConfig::default()
                };
                let Ok((mut stream, _unsub)) = client.account_subscribe(&key, Some(config)).await
                else {
                    let _ = ended.send(Some(())).await;
                    return;
                };
                while let Some(note) = stream.next().await {
                    let read_at = mono_nanos();
                    let Some(bytes) = note.value.data.decode() else {
                        continue;
                    };
                    let Ok(curve) = kestrel_decode::account::decode_bonding_curve(&bytes) else {
                        continue;
                    };
                    let update = crate::extract::curve_of(key, note.context.slot, &curve);
                    let stamped = Stamped {
                        event: FeedEvent::Curve(update),
                        endpoint: ctx.index,
                        read_at,
                        decoded_at: mono_nanos(),
                    };
                    if ctx.sink.send(stamped, ctx.stats()).is_err() {
                        let _ = ended.send(None).await;
                        return;
                    }
                }
                let _ = ended.send(Some(())).await;
            }
            Watch::Signature(sig) => {
                let Ok(signature) = sig.as_str().parse::<solana_signature::Signature>() else {
                    return;
                };
                let config = RpcSignatureSubscribeConfig {
                    commitment: Some(c),
                    enable_received_notification: Some(false),
                };
                let Ok((mut stream, _unsub)) =
                    client.signature_subscribe(&signature, Some(config)).await
                else {
                    let _ = ended.send(Some(())).await;
                    return;
                };
                if let Some(note) = stream.next().await {
                    let read_at = mono_nanos();
                    let RpcSignatureResult::ProcessedSignature(ProcessedSignatureResult { err }) =
                        note.value
                    else {
                        return;
                    };
                    if !ctx.handle.is_watched(&w) {
                        return;
                    }
                    ctx.handle.unwatch(w);
                    let update = SignatureUpdate {
                        signature: sig,
                        slot: note.context.slot,
                        err: err.map(|e| {
                            serde_json::to_string(&e).unwrap_or_else(|_| format!("{e:?}"))
                        }),
                        read_at,
                    };
                    if ctx.sink.signature(update).is_err() {
                        let _ = ended.send(None).await;
                    }
                }
            }
        }
    })
}
