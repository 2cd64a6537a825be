//! The Discord gateway fake: HELLO, READY after IDENTIFY, RESUMED after RESUME (with the
//! dispatches the session missed replayed first, as Discord does), heartbeat ACKs (unless told
//! not to), dispatches the test sends, and a dropped socket on demand.

use super::*;

/// GUILD_MEMBERS, GUILD_MESSAGES, MESSAGE_CONTENT.
pub(crate) const INTENTS: u64 = (1 << 1) | (1 << 9) | (1 << 15);

/// Discord's gateway as the host sees it: HELLO, READY after IDENTIFY, RESUMED after RESUME,
/// ACKs for heartbeats (unless told not to), and what the test sends.
#[derive(Default)]
pub(crate) struct Gw {
    pub(crate) addr: Mutex<String>,
    /// Payloads the host sent: (connection, path, payload).
    pub(crate) received: Mutex<Vec<(u32, String, Value)>>,
    /// Close codes the host sent.
    pub(crate) closes: Mutex<Vec<u16>>,
    pub(crate) connections: std::sync::atomic::AtomicU32,
    pub(crate) seq: std::sync::atomic::AtomicU64,
    pub(crate) no_ack: std::sync::atomic::AtomicBool,
    /// What the current connection should send: dispatches, or `None` to drop the socket.
    pub(crate) to_send: Mutex<Vec<Option<(String, Value)>>>,
    /// Every dispatch the test made, as sent: a RESUME gets those after its `seq` again, so a
    /// connection that dies while one is on the wire (a late ACK on a loaded machine makes the
    /// host reconnect) loses nothing, as on Discord.
    pub(crate) dispatched: Mutex<Vec<Value>>,
}

impl Gw {
    pub(crate) fn ops(&self, op: u64) -> Vec<(u32, String, Value)> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, _, v)| v["op"] == op)
            .cloned()
            .collect()
    }

    pub(crate) fn dispatch(&self, t: &str, d: Value) {
        self.to_send.lock().unwrap().push(Some((t.to_owned(), d)));
    }
}

pub(crate) async fn gw_upgrade(
    State(g): State<Arc<Gw>>,
    uri: Uri,
    ws: axum::extract::ws::WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| gw_serve(socket, g, uri.path().to_owned()))
}

pub(crate) async fn gw_serve(mut socket: axum::extract::ws::WebSocket, g: Arc<Gw>, path: String) {
    use axum::extract::ws::Message;
    let n = g.connections.fetch_add(1, Relaxed) + 1;
    let send = |v: Value| Message::Text(v.to_string().into());
    if socket
        .send(send(json!({"op": 10, "d": {"heartbeat_interval": 300}})))
        .await
        .is_err()
    {
        return;
    }
    loop {
        let next = std::mem::take(&mut *g.to_send.lock().unwrap());
        for item in next {
            match item {
                Some((t, d)) => {
                    let s = g.seq.fetch_add(1, Relaxed) + 1;
                    let frame = json!({"op": 0, "t": t, "s": s, "d": d});
                    g.dispatched.lock().unwrap().push(frame.clone());
                    let _ = socket.send(send(frame)).await;
                }
                // Dropped without a close frame, as a network failure does.
                None => return,
            }
        }
        let msg = match tokio::time::timeout(Duration::from_millis(20), socket.recv()).await {
            Err(_) => continue,
            Ok(None) | Ok(Some(Err(_))) => return,
            Ok(Some(Ok(m))) => m,
        };
        let v: Value = match msg {
            Message::Text(t) => serde_json::from_str(t.as_str()).unwrap(),
            Message::Close(f) => {
                g.closes.lock().unwrap().push(f.map_or(1005, |f| f.code));
                return;
            }
            _ => continue,
        };
        g.received
            .lock()
            .unwrap()
            .push((n, path.clone(), v.clone()));
        let reply = match v["op"].as_u64() {
            Some(1) if !g.no_ack.load(Relaxed) => Some(json!({"op": 11})),
            Some(2) => {
                let addr = g.addr.lock().unwrap().clone();
                let s = g.seq.fetch_add(1, Relaxed) + 1;
                Some(json!({"op": 0, "t": "READY", "s": s, "d": {
                    "v": 10, "session_id": "sess-1", "resume_gateway_url": format!("ws://{addr}/resume"),
                    "user": {"id": BOT_USER, "username": "Kestrel"},
                }}))
            }
            Some(6) => {
                let after = v["d"]["seq"].as_u64().unwrap_or(0);
                let missed: Vec<Value> = g
                    .dispatched
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|f| f["s"].as_u64() > Some(after))
                    .cloned()
                    .collect();
                for frame in missed {
                    if socket.send(send(frame)).await.is_err() {
                        return;
                    }
                }
                let s = g.seq.fetch_add(1, Relaxed) + 1;
                Some(json!({"op": 0, "t": "RESUMED", "s": s, "d": null}))
            }
            _ => None,
        };
        if let Some(r) = reply
            && socket.send(send(r)).await.is_err()
        {
            return;
        }
    }
}
