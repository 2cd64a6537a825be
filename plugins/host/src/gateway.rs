//! A Discord gateway connection the host holds for a plugin that was granted one (FACTS
//! §6.6), so the plugin reads messages and member events without ever holding the bot token:
//! HELLO, the first heartbeat after `interval × jitter` and then every interval, IDENTIFY with
//! the token and the intents from config, READY's session kept for RESUME after a drop (to
//! `resume_gateway_url`), a missing heartbeat ACK taken as a zombie connection (closed with a
//! non-1000 code and resumed), op 7 and op 9 obeyed, and the close codes that mean a wrong
//! token or intents end the connection for good. It connects once the plugin has started and
//! asked for [`TOPIC`]. Each dispatch the plugin asked for is put in
//! its queue as a topic message on [`TOPIC`] (`{"t": <name>, "d": <payload>}`) from the sender
//! `host`; a full queue drops it, counted, as everywhere else. It runs on a thread of its own
//! in the idle scheduling class, with a small runtime of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::mailbox::{Mailbox, Mailboxes, Work};
use crate::wit::latest::TopicMessage;

/// The topic gateway dispatches arrive on.
pub const TOPIC: &str = "discord-gateway";
/// Discord's limit is 1000 IDENTIFY a day, after which it resets the token; the host keeps
/// far below it.
const IDENTIFY_PER_DAY: u32 = 100;
/// Discord allows 120 sends a minute per connection.
const SENDS_PER_MINUTE: u32 = 120;
/// How long a new connection may take to say HELLO.
const HELLO_WITHIN: Duration = Duration::from_secs(20);
/// Failed connections to `resume_gateway_url` before a new session is started instead.
const RESUME_TRIES: u32 = 3;

/// A gateway a plugin is granted.
#[derive(Clone, PartialEq, Eq)]
pub struct Gateway {
    /// `wss://gateway.discord.gg/?v=10&encoding=json`, or a test's.
    pub url: String,
    pub token: String,
    /// The intents bitset (config names them).
    pub intents: u64,
    /// Dispatch names delivered ("MESSAGE_CREATE", "GUILD_MEMBER_ADD"...).
    pub events: Vec<String>,
}

// By hand: the token stays out of logs.
impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("url", &self.url)
            .field("intents", &self.intents)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// What the connection has done, for status and tests.
#[derive(Debug, Default)]
pub struct GatewayStats {
    pub connects: AtomicU64,
    pub identifies: AtomicU64,
    pub resumes: AtomicU64,
    pub dispatches: AtomicU64,
    pub heartbeats: AtomicU64,
    /// Set when Discord refused for good (a wrong token or intents): no more tries.
    pub fatal: AtomicBool,
}

pub(crate) struct Running {
    thread: JoinHandle<()>,
    pub(crate) stats: Arc<GatewayStats>,
}

impl Running {
    pub(crate) fn join(self) {
        let _ = self.thread.join();
    }
}

/// Where a session stands between connections.
#[derive(Default)]
struct Session {
    id: Option<String>,
    resume_url: Option<String>,
    seq: Option<u64>,
    /// Connections made to resume that did not resume.
    failed_resumes: u32,
}

/// How one connection ended.
enum Ended {
    /// Resume if there is a session (a drop, op 7, a zombie).
    Resume,
    /// Start a new session (op 9 not resumable, 4007, 4009).
    Reidentify,
    /// Discord refused for good.
    Fatal(String),
    /// The host is stopping.
    Stop,
}

/// A number in [0, 1) from the clock: the heartbeat's jitter need not be cryptographic.
fn jitter() -> f64 {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(n % 1_000_000) / 1_000_000.0
}

pub(crate) fn start(
    plugin: String,
    gw: Gateway,
    mailboxes: Arc<Mailboxes>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Running> {
    let stats = Arc::new(GatewayStats::default());
    let s = stats.clone();
    let thread = std::thread::Builder::new()
        .name(format!("gateway-{plugin}"))
        .spawn(move || {
            crate::host::lower_priority();
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(plugin = %plugin, "gateway runtime: {e}");
                    return;
                }
            };
            rt.block_on(run(plugin, gw, mailboxes, stop, s));
        })?;
    Ok(Running { thread, stats })
}

async fn run(
    plugin: String,
    gw: Gateway,
    mailboxes: Arc<Mailboxes>,
    stop: Arc<AtomicBool>,
    stats: Arc<GatewayStats>,
) {
    let mut session = Session::default();
    let mut backoff = Duration::from_secs(1);
    let mut identifies: Vec<Instant> = Vec::new();
    until_wanted(&plugin, &mailboxes, &stop).await;
    while !stop.load(Ordering::Relaxed) {
        if session.failed_resumes >= RESUME_TRIES {
            // The resume host is gone or refuses: a new session.
            session = Session::default();
        }
        let resuming =
            session.id.is_some() && session.seq.is_some() && session.resume_url.is_some();
        if resuming {
            session.failed_resumes += 1;
        }
        if !resuming {
            // HELLO then identifies: nothing of an old session is sent.
            session = Session::default();
            identifies.retain(|t| t.elapsed() < Duration::from_secs(86_400));
            if identifies.len() >= IDENTIFY_PER_DAY as usize {
                tracing::error!(plugin = %plugin, "gateway: {IDENTIFY_PER_DAY} sessions started today; waiting");
                sleep_unless_stopped(&stop, Duration::from_secs(600)).await;
                continue;
            }
        }
        let url = match (&session.resume_url, resuming) {
            (Some(u), true) => with_query(u),
            _ => gw.url.clone(),
        };
        let started = Instant::now();
        let ended = connection(
            &plugin,
            &gw,
            &url,
            &mut session,
            &mailboxes,
            &stop,
            &stats,
            &mut identifies,
        )
        .await;
        match ended {
            Ended::Stop => return,
            Ended::Fatal(why) => {
                stats.fatal.store(true, Ordering::Relaxed);
                tracing::error!(plugin = %plugin, "gateway closed for good: {why}");
                return;
            }
            Ended::Reidentify => session = Session::default(),
            Ended::Resume => {}
        }
        // A connection that lasted resets the back-off; quick failures double it.
        if started.elapsed() > Duration::from_secs(60) {
            backoff = Duration::from_secs(1);
        }
        sleep_unless_stopped(&stop, backoff.mul_f64(0.5 + jitter())).await;
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}

/// `resume_gateway_url` as Discord gives it lacks the version and encoding.
fn with_query(url: &str) -> String {
    if url.contains('?') {
        url.to_owned()
    } else {
        format!("{}/?v=10&encoding=json", url.trim_end_matches('/'))
    }
}

async fn sleep_unless_stopped(stop: &AtomicBool, d: Duration) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        tokio::time::sleep(
            Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())),
        )
        .await;
    }
}

#[allow(clippy::too_many_arguments)] // One connection's whole context; a struct would only rename it.
async fn connection(
    plugin: &str,
    gw: &Gateway,
    url: &str,
    session: &mut Session,
    mailboxes: &Mailboxes,
    stop: &AtomicBool,
    stats: &GatewayStats,
    identifies: &mut Vec<Instant>,
) -> Ended {
    let ws = match tokio::time::timeout(
        Duration::from_secs(15),
        tokio_tungstenite::connect_async(url),
    )
    .await
    {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => {
            tracing::warn!(plugin = %plugin, "gateway: connecting: {e}");
            return Ended::Resume;
        }
        Err(_) => {
            tracing::warn!(plugin = %plugin, "gateway: connecting timed out");
            return Ended::Resume;
        }
    };
    stats.connects.fetch_add(1, Ordering::Relaxed);
    let (mut tx, mut rx) = ws.split();
    let mut interval: Option<Duration> = None;
    // Until HELLO comes, the "beat" is its deadline: a socket that never says HELLO is
    // dropped rather than waited on.
    let mut next_beat = Instant::now() + HELLO_WITHIN;
    let mut acked = true;
    let mut sends: Vec<Instant> = Vec::new();
    let close = |code: u16| {
        Message::Close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        }))
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            let _ = tx.send(close(1000)).await;
            return Ended::Stop;
        }
        let wait = next_beat
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(200));
        let frame = tokio::time::timeout(wait, rx.next()).await;
        if Instant::now() >= next_beat && interval.is_none() {
            tracing::warn!(plugin = %plugin, "gateway: no HELLO; reconnecting");
            return Ended::Resume;
        }
        if Instant::now() >= next_beat
            && let Some(iv) = interval
        {
            if !acked {
                // No ACK since the last beat: a zombie. Not 1000/1001, which end the session.
                tracing::warn!(plugin = %plugin, "gateway: no heartbeat ACK; reconnecting");
                let _ = tx.send(close(4000)).await;
                return Ended::Resume;
            }
            let beat = json!({ "op": 1, "d": session.seq });
            if send(&mut tx, &mut sends, beat).await.is_err() {
                return Ended::Resume;
            }
            stats.heartbeats.fetch_add(1, Ordering::Relaxed);
            acked = false;
            next_beat = Instant::now() + iv;
        }
        let msg = match frame {
            Err(_) => continue,
            Ok(None) => return Ended::Resume,
            Ok(Some(Err(e))) => {
                tracing::warn!(plugin = %plugin, "gateway: {e}");
                return Ended::Resume;
            }
            Ok(Some(Ok(m))) => m,
        };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Close(frame) => {
                let code = frame.map_or(1000, |f| u16::from(f.code));
                return match code {
                    4004 => Ended::Fatal("4004: authentication failed (the bot token)".into()),
                    4010..=4012 => Ended::Fatal(format!("{code}: invalid shard or API version")),
                    4013 => Ended::Fatal("4013: invalid intents".into()),
                    4014 => Ended::Fatal(
                        "4014: disallowed intents (enable them in the Developer Portal)".into(),
                    ),
                    4007 | 4009 => Ended::Reidentify,
                    _ => Ended::Resume,
                };
            }
            // Binary frames are for zlib-stream, which the host does not ask for.
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!(plugin = %plugin, "gateway: a frame that is not JSON");
            continue;
        };
        if let Some(s) = v["s"].as_u64() {
            session.seq = Some(s);
        }
        match v["op"].as_u64() {
            // HELLO: beat first after interval × jitter, then IDENTIFY or RESUME.
            Some(10) => {
                let iv = v["d"]["heartbeat_interval"]
                    .as_u64()
                    .unwrap_or(41_250)
                    .clamp(1_000, 600_000);
                let iv = Duration::from_millis(iv);
                interval = Some(iv);
                next_beat = Instant::now() + iv.mul_f64(jitter());
                let hello_reply = match (&session.id, session.seq) {
                    (Some(id), Some(seq)) => {
                        stats.resumes.fetch_add(1, Ordering::Relaxed);
                        json!({ "op": 6, "d": { "token": gw.token, "session_id": id, "seq": seq } })
                    }
                    _ => {
                        stats.identifies.fetch_add(1, Ordering::Relaxed);
                        identifies.push(Instant::now());
                        json!({ "op": 2, "d": {
                            "token": gw.token, "intents": gw.intents,
                            "properties": { "os": std::env::consts::OS, "browser": "kestrel", "device": "kestrel" },
                        }})
                    }
                };
                if send(&mut tx, &mut sends, hello_reply).await.is_err() {
                    return Ended::Resume;
                }
            }
            Some(11) => acked = true,
            // Discord asks for a beat now.
            Some(1) => {
                let beat = json!({ "op": 1, "d": session.seq });
                if send(&mut tx, &mut sends, beat).await.is_err() {
                    return Ended::Resume;
                }
            }
            Some(7) => {
                let _ = tx.send(close(4000)).await;
                return Ended::Resume;
            }
            Some(9) => {
                let resumable = v["d"].as_bool() == Some(true);
                let _ = tx.send(close(4000)).await;
                // Discord asks for a wait of 1 to 5 s before a new IDENTIFY.
                tokio::time::sleep(Duration::from_millis(1_000 + (jitter() * 4_000.0) as u64))
                    .await;
                return if resumable {
                    Ended::Resume
                } else {
                    Ended::Reidentify
                };
            }
            Some(0) => {
                let name = v["t"].as_str().unwrap_or("");
                if name == "READY" {
                    session.id = v["d"]["session_id"].as_str().map(str::to_owned);
                    // The token goes there on RESUME: only over the scheme config chose.
                    let scheme = gw.url.split("://").next().unwrap_or("wss");
                    session.resume_url = v["d"]["resume_gateway_url"]
                        .as_str()
                        .filter(|u| u.starts_with(&format!("{scheme}://")))
                        .map(str::to_owned);
                }
                if name == "READY" || name == "RESUMED" {
                    session.failed_resumes = 0;
                }
                if gw.events.iter().any(|e| e == name) {
                    stats.dispatches.fetch_add(1, Ordering::Relaxed);
                    deliver(plugin, mailboxes, name, &v["d"]);
                }
            }
            _ => {}
        }
    }
}

type Sink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// Sends a payload within Discord's 120 a minute (beyond, it waits).
async fn send(tx: &mut Sink, sends: &mut Vec<Instant>, v: Value) -> Result<(), ()> {
    sends.retain(|t| t.elapsed() < Duration::from_secs(60));
    if sends.len() >= SENDS_PER_MINUTE as usize
        && let Some(first) = sends.first()
    {
        tokio::time::sleep(Duration::from_secs(60).saturating_sub(first.elapsed())).await;
    }
    sends.push(Instant::now());
    tx.send(Message::Text(v.to_string().into()))
        .await
        .map_err(|_| ())
}

/// Waits (unless stopping) for the plugin to have started and asked for [`TOPIC`]: a session
/// begun before would hand READY's first dispatches (the messages of its first seconds) to no
/// one. A plugin starting slowly (compiling its component on a loaded machine) lost them so.
async fn until_wanted(plugin: &str, mailboxes: &Mailboxes, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        if mailboxes.get(plugin).is_some_and(wants_dispatches) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The plugin asked for [`TOPIC`] at its last start.
fn wants_dispatches(m: &Mailbox) -> bool {
    m.shared.wanted().topics.iter().any(|t| t == TOPIC)
}

fn deliver(plugin: &str, mailboxes: &Mailboxes, name: &str, d: &Value) {
    let Some(m) = mailboxes.get(plugin).filter(|m| wants_dispatches(m)) else {
        return;
    };
    let body = json!({ "t": name, "d": d }).to_string().into_bytes();
    let sent_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let _ = m.offer(Work::Topic(TopicMessage {
        topic: TOPIC.into(),
        sender: "host".into(),
        body,
        sent_ms,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_url_gets_the_version_and_encoding_and_jitter_stays_below_one() {
        assert_eq!(
            with_query("wss://resume.example"),
            "wss://resume.example/?v=10&encoding=json"
        );
        assert_eq!(with_query("wss://r.example/?v=10"), "wss://r.example/?v=10");
        assert!((0.0..1.0).contains(&jitter()));
    }
}
