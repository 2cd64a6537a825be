//! Kestrel's own PubSub reader: tokio-tungstenite for the socket, and every frame parsed once,
//! borrowing from its text ([`kestrel_decode::frame::parse_frame`]), straight into owned events.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kestrel_decode::frame::{Frame, parse_frame};
use kestrel_model::{SignatureText, mono_nanos};
use serde::Deserialize;
use serde_json::value::RawValue;
use solana_pubkey::Pubkey;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message;

use crate::extract::{Extractor, curve_update};
use crate::sink::Sink;
use crate::sink::{Closed, Origin};
use crate::{
    Backoff, EndpointContext, EndpointStats, FeedConfig, FeedEvent, SignatureUpdate, Stamped,
    Watch, WatchCommand,
};
use std::sync::Arc;

/// A connection that stayed up this long resets the backoff.
const HEALTHY_AFTER: Duration = Duration::from_secs(5);
/// Keep-alive: some providers close idle sockets after 30–60 s.
const PING_EVERY: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Logs(Pubkey),
    Slot,
    Account(Pubkey),
    Signature(SignatureText),
}

impl Kind {
    fn watch(self) -> Option<Watch> {
        match self {
            Kind::Account(p) => Some(Watch::Account(p)),
            Kind::Signature(s) => Some(Watch::Signature(s)),
            Kind::Logs(_) | Kind::Slot => None,
        }
    }
}

/// One connection's subscriptions.
#[derive(Default)]
struct Subs {
    next_id: u64,
    /// Request id → what it subscribes to.
    pending: HashMap<u64, Kind>,
    /// Subscription id → what it delivers.
    active: HashMap<u64, Kind>,
}

impl Subs {
    fn request(&mut self, kind: Kind, commitment: &str) -> String {
        self.next_id += 1;
        let id = self.next_id;
        self.pending.insert(id, kind);
        let c = commitment;
        match kind {
            Kind::Logs(program) => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"logsSubscribe","params":[{{"mentions":["{program}"]}},{{"commitment":"{c}"}}]}}"#
            ),
            Kind::Slot => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"slotSubscribe"}}"#),
            Kind::Account(p) => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"accountSubscribe","params":["{p}",{{"encoding":"base64","commitment":"{c}"}}]}}"#
            ),
            Kind::Signature(s) => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"signatureSubscribe","params":["{s}",{{"commitment":"{c}"}}]}}"#
            ),
        }
    }

    fn unsubscribe(&mut self, w: Watch) -> Option<String> {
        let (&sub, kind) = self.active.iter().find(|(_, k)| k.watch() == Some(w))?;
        let method = match kind {
            Kind::Account(_) => "accountUnsubscribe",
            Kind::Signature(_) => "signatureUnsubscribe",
            Kind::Logs(_) | Kind::Slot => return None,
        };
        self.active.remove(&sub);
        self.next_id += 1;
        Some(format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"{method}","params":[{sub}]}}"#,
            self.next_id
        ))
    }
}

impl Subs {
    /// Learns what a recorded request asked for, as if this session had sent it: a replay
    /// maps the replies and notifications exactly as the live session did.
    fn learn(&mut self, request: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(request) else {
            return;
        };
        let param = &v["params"][0];
        let key = |s: Option<&str>| s.and_then(|s| s.parse::<Pubkey>().ok());
        let kind = match v["method"].as_str() {
            Some("logsSubscribe") => key(param["mentions"][0].as_str()).map(Kind::Logs),
            Some("slotSubscribe") => Some(Kind::Slot),
            Some("accountSubscribe") => key(param.as_str()).map(Kind::Account),
            Some("signatureSubscribe") => param
                .as_str()
                .map(|s| Kind::Signature(SignatureText::new(s))),
            Some("accountUnsubscribe" | "signatureUnsubscribe") => {
                if let Some(sub) = param.as_u64() {
                    self.active.remove(&sub);
                }
                None
            }
            _ => None,
        };
        if let (Some(id), Some(kind)) = (v["id"].as_u64(), kind) {
            self.pending.insert(id, kind);
        }
    }
}

/// Replays a capture's records through this client's own frame handling (the same parsing,
/// extraction, first-arrival dedup and sink the live feeds use), on the current thread, in the
/// order they were recorded. `endpoints` are the capture's endpoint names. Stops at the first
/// damaged record (its error is returned with how many records went through) or when the
/// sink closes.
pub fn replay<R: std::borrow::Borrow<kestrel_capture::Record>, E: std::fmt::Display>(
    endpoints: &[String],
    sink: Sink,
    records: impl IntoIterator<Item = Result<R, E>>,
) -> (Arc<Vec<EndpointStats>>, u64, Option<String>) {
    use kestrel_capture::Record;
    let stats: Arc<Vec<EndpointStats>> = Arc::new(
        endpoints
            .iter()
            .map(|e| EndpointStats::new(e.clone()))
            .collect(),
    );
    let cfg = FeedConfig {
        endpoints: endpoints
            .iter()
            .map(|e| crate::FeedEndpoint {
                url: String::new(),
                name: e.clone(),
            })
            .collect(),
        commitment: "processed",
        programs: Vec::new(),
        client: crate::FeedClient::Raw,
        backoff_min: Duration::ZERO,
        backoff_max: Duration::ZERO,
        recorder: None,
    };
    let sink = std::rc::Rc::new(sink);
    let handle = crate::FeedHandle::new();
    let contexts: Vec<EndpointContext> = (0..endpoints.len())
        .map(|i| EndpointContext {
            index: u8::try_from(i).unwrap_or(u8::MAX),
            url: String::new(),
            cfg: cfg.clone(),
            sink: sink.clone(),
            stats: stats.clone(),
            handle: handle.clone(),
        })
        .collect();
    let mut subs: Vec<Subs> = contexts.iter().map(|_| Subs::default()).collect();
    let mut extractors: Vec<Extractor> = contexts.iter().map(|_| Extractor::new()).collect();
    let mut n: u64 = 0;
    // First arrivals are forgotten as live (by the capture's clock, so memory stays flat
    // over any length of capture).
    let mut prune_at = 0u64;
    for r in records {
        let r = match &r {
            Ok(r) => r.borrow(),
            Err(e) => return (stats, n, Some(e.to_string())),
        };
        n += 1;
        let at = r.at_ns();
        if at >= prune_at {
            sink.dedup.prune(at, crate::dedup::KEEP);
            prune_at = at.saturating_add(
                u64::try_from(crate::dedup::PRUNE_EVERY.as_nanos()).unwrap_or(u64::MAX),
            );
        }
        let endpoint = match r {
            Record::Frame { endpoint, .. }
            | Record::Slot { endpoint, .. }
            | Record::Sent { endpoint, .. }
            | Record::Connected { endpoint, .. } => usize::from(*endpoint),
        };
        let (Some(ctx), Some(sub), Some(ex)) = (
            contexts.get(endpoint),
            subs.get_mut(endpoint),
            extractors.get_mut(endpoint),
        ) else {
            continue;
        };
        match r {
            Record::Connected { .. } => *sub = Subs::default(),
            Record::Sent { text, .. } => sub.learn(&String::from_utf8_lossy(text)),
            Record::Frame { at_ns, text, .. } => {
                // Frames were text when recorded: the check (SIMD) almost always holds; the
                // lossy copy is for a capture damaged in a way its checksums missed.
                let text = match simdutf8::basic::from_utf8(text) {
                    Ok(t) => std::borrow::Cow::Borrowed(t),
                    Err(_) => String::from_utf8_lossy(text),
                };
                if on_text(ctx, sub, ex, &text, *at_ns).is_err() {
                    break;
                }
            }
            // The slot clock is in the frames already (slotNotification).
            Record::Slot { .. } => {}
        }
    }
    (stats, n, None)
}

fn watch_kind(w: Watch) -> Kind {
    match w {
        Watch::Account(p) => Kind::Account(p),
        Watch::Signature(s) => Kind::Signature(s),
    }
}

pub(crate) async fn run(ctx: EndpointContext) {
    let mut backoff = Backoff::new(ctx.cfg.backoff_min, ctx.cfg.backoff_max);
    let mut commands = ctx.handle.subscribe_commands();
    let mut extractor = Extractor::new();
    loop {
        let started = Instant::now();
        match session(&ctx, &mut commands, &mut extractor).await {
            Ok(SessionEnd::Closed) => return,
            Ok(SessionEnd::Dropped(reason)) => {
                if let Some(st) = ctx.stats() {
                    st.disconnects.fetch_add(1, Relaxed);
                    st.connected.store(false, Relaxed);
                }
                tracing::warn!(endpoint = ctx.index, "feed dropped: {reason}; reconnecting");
                let down = FeedEvent::Endpoint {
                    index: ctx.index,
                    up: false,
                };
                if send_plain(&ctx, down).is_err() {
                    return;
                }
            }
            Err(reason) => {
                if let Some(st) = ctx.stats() {
                    st.connect_failures.fetch_add(1, Relaxed);
                }
                tracing::debug!(endpoint = ctx.index, "feed connect failed: {reason}");
            }
        }
        if started.elapsed() >= HEALTHY_AFTER {
            backoff.reset();
        }
        tokio::time::sleep(backoff.next_wait()).await;
    }
}

fn send_plain(ctx: &EndpointContext, event: FeedEvent) -> Result<(), Closed> {
    let now = mono_nanos();
    ctx.sink.send(
        Stamped {
            event,
            endpoint: ctx.index,
            read_at: now,
            decoded_at: now,
        },
        ctx.stats(),
    )
}

enum SessionEnd {
    /// The engine is shutting down.
    Closed,
    /// The socket went away after connecting.
    Dropped(String),
}

async fn session(
    ctx: &EndpointContext,
    commands: &mut tokio::sync::broadcast::Receiver<WatchCommand>,
    extractor: &mut Extractor,
) -> Result<SessionEnd, String> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(ctx.url.as_str(), None, true)
        .await
        .map_err(|e| e.to_string())?;
    let (mut tx, mut rx) = ws.split();
    let commitment = ctx.cfg.commitment;
    let mut subs = Subs::default();
    let mut requests = Vec::new();
    for p in &ctx.cfg.programs {
        requests.push(subs.request(Kind::Logs(*p), commitment));
    }
    requests.push(subs.request(Kind::Slot, commitment));
    // Commands queued before this connection are covered by the current set.
    while commands.try_recv().is_ok() {}
    for w in ctx.handle.current() {
        requests.push(subs.request(watch_kind(w), commitment));
    }
    // A new connection: a replay starts a fresh session's subscriptions here.
    if let Some(rec) = &ctx.cfg.recorder {
        rec.connected(usize::from(ctx.index), mono_nanos());
    }
    for r in requests {
        if let Some(rec) = &ctx.cfg.recorder {
            rec.sent(usize::from(ctx.index), mono_nanos(), &r);
        }
        if let Err(e) = tx.send(Message::text(r)).await {
            return Ok(SessionEnd::Dropped(e.to_string()));
        }
    }
    if let Some(st) = ctx.stats() {
        st.connected.store(true, Relaxed);
    }
    let up = FeedEvent::Endpoint {
        index: ctx.index,
        up: true,
    };
    if send_plain(ctx, up).is_err() {
        return Ok(SessionEnd::Closed);
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            biased;
            msg = rx.next() => {
                let read_at = mono_nanos();
                let text = match msg {
                    None => return Ok(SessionEnd::Dropped("closed by the server".into())),
                    Some(Err(e)) => return Ok(SessionEnd::Dropped(e.to_string())),
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(_))) => {
                        return Ok(SessionEnd::Dropped("closed by the server".into()));
                    }
                    Some(Ok(_)) => continue,
                };
                match on_text(ctx, &mut subs, extractor, text.as_str(), read_at) {
                    Ok(()) => {}
                    Err(Closed) => return Ok(SessionEnd::Closed),
                }
            }
            cmd = commands.recv() => {
                let request = match cmd {
                    Ok(WatchCommand::Add(w)) => Some(subs.request(watch_kind(w), commitment)),
                    Ok(WatchCommand::Remove(w)) => subs.unsubscribe(w),
                    Err(RecvError::Lagged(_)) => {
                        // Too many changes at once: resync by reconnecting.
                        return Ok(SessionEnd::Dropped("watch commands lagged".into()));
                    }
                    Err(RecvError::Closed) => return Ok(SessionEnd::Closed),
                };
                if let (Some(r), Some(rec)) = (&request, &ctx.cfg.recorder) {
                    rec.sent(usize::from(ctx.index), mono_nanos(), r);
                }
                if let Some(r) = request
                    && let Err(e) = tx.send(Message::text(r)).await {
                    return Ok(SessionEnd::Dropped(e.to_string()));
                }
            }
            _ = ping.tick() => {
                if let Err(e) = tx.send(Message::Ping(Vec::new().into())).await {
                    return Ok(SessionEnd::Dropped(e.to_string()));
                }
            }
        }
    }
}

fn on_text(
    ctx: &EndpointContext,
    subs: &mut Subs,
    extractor: &mut Extractor,
    text: &str,
    read_at: u64,
) -> Result<(), Closed> {
    let stats = ctx.stats();
    if let Some(st) = stats {
        st.frames.fetch_add(1, Relaxed);
    }
    // Every frame as it came, duplicates and replies included: a copy queued, never a wait.
    if let Some(r) = &ctx.cfg.recorder {
        r.frame(usize::from(ctx.index), read_at, text);
    }
    let frame = match parse_frame(text) {
        Ok(f) => f,
        Err(e) => {
            if let Some(st) = stats {
                st.bad_frames.fetch_add(1, Relaxed);
            }
            tracing::debug!(endpoint = ctx.index, "bad frame: {e}");
            return Ok(());
        }
    };
    match frame {
        Frame::Logs(n) => {
            if !n.succeeded() {
                return Ok(());
            }
            let sig = SignatureText::new(&n.signature);
            let from = Origin {
                endpoint: ctx.index,
                stats,
                read_at,
            };
            ctx.sink
                .transaction(extractor, from, sig, n.slot, n.lines())
        }
        Frame::Slot(s) => ctx.sink.slot(ctx.index, s.slot, read_at),
        Frame::Account(n) => {
            let Some(Kind::Account(key)) = subs.active.get(&n.subscription).copied() else {
                return Ok(());
            };
            match curve_update(key, &n) {
                Ok(update) => ctx.sink.send(
                    Stamped {
                        event: FeedEvent::Curve(update),
                        endpoint: ctx.index,
                        read_at,
                        decoded_at: mono_nanos(),
                    },
                    stats,
                ),
                Err(e) => {
                    tracing::debug!(endpoint = ctx.index, "curve {key}: {e}");
                    Ok(())
                }
            }
        }
        Frame::Reply { id, result, error } => {
            let id = id.and_then(|r| r.get().parse::<u64>().ok());
            let Some(kind) = id.and_then(|id| subs.pending.remove(&id)) else {
                return Ok(());
            };
            match (result.and_then(|r| r.get().parse::<u64>().ok()), error) {
                (Some(sub), None) => {
                    subs.active.insert(sub, kind);
                }
                (_, err) => {
                    tracing::warn!(
                        endpoint = ctx.index,
                        "subscription {kind:?} refused: {}",
                        err.map_or("no id", |e| e.get())
                    );
                }
            }
            Ok(())
        }
        Frame::Other { method } if method == "signatureNotification" => {
            signature_note(ctx, subs, text, read_at)
        }
        Frame::Program(_) | Frame::Other { .. } => Ok(()),
    }
}

#[derive(Deserialize)]
struct SigNote<'a> {
    #[serde(borrow)]
    params: SigParams<'a>,
}
#[derive(Deserialize)]
struct SigParams<'a> {
    subscription: u64,
    #[serde(borrow)]
    result: SigResult<'a>,
}
#[derive(Deserialize)]
struct SigResult<'a> {
    context: SigContext,
    #[serde(borrow)]
    value: &'a RawValue,
}
#[derive(Deserialize)]
struct SigContext {
    slot: u64,
}
#[derive(Deserialize)]
struct SigValue<'a> {
    #[serde(borrow)]
    err: Option<&'a RawValue>,
}

fn signature_note(
    ctx: &EndpointContext,
    subs: &mut Subs,
    text: &str,
    read_at: u64,
) -> Result<(), Closed> {
    let Ok(note) = serde_json::from_str::<SigNote<'_>>(text) else {
        if let Some(st) = ctx.stats() {
            st.bad_frames.fetch_add(1, Relaxed);
        }
        return Ok(());
    };
    let p = note.params;
    // The server ends a signature subscription after its one notification.
    let Some(Kind::Signature(signature)) = subs.active.remove(&p.subscription) else {
        return Ok(());
    };
    // `"receivedSignature"` (when asked for) is not an outcome.
    let Ok(value) = serde_json::from_str::<SigValue<'_>>(p.result.value.get()) else {
        return Ok(());
    };
    let watch = Watch::Signature(signature);
    // The first endpoint to report it answers for all.
    if !ctx.handle.is_watched(&watch) {
        return Ok(());
    }
    ctx.handle.unwatch(watch);
    ctx.sink.signature(SignatureUpdate {
        signature,
        slot: p.result.context.slot,
        err: value
            .err
            .map(|e| e.get().to_owned())
            .filter(|e| e != "null"),
        read_at,
    })
}
