//! PubSub over websocket: slot, logs, account, program and signature subscriptions with
//! mainnet's envelopes, each delivered when its commitment level is reached.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::ws::{Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use crate::cluster::{AccountsEvent, Cluster, Event, LandedEvent};
use crate::ledger::account::Account;
use crate::ledger::bank::Commitment;
use crate::services::encode::{AccountEncoding, ui_account};
use crate::services::rpc::error::RpcError;
use crate::services::rpc::params::pubkey;

#[derive(Clone, Debug)]
enum Filter {
    DataSize(usize),
    Memcmp { offset: usize, bytes: Vec<u8> },
}

#[derive(Clone, Debug)]
enum Kind {
    Slot,
    Logs {
        mentions: Option<Pubkey>,
    },
    Account {
        key: Pubkey,
        encoding: AccountEncoding,
    },
    Program {
        program: Pubkey,
        encoding: AccountEncoding,
        filters: Vec<Filter>,
    },
    Signature {
        sig: Signature,
    },
}

#[derive(Clone, Debug)]
struct Sub {
    kind: Kind,
    commitment: Commitment,
}

struct Outgoing {
    due: Instant,
    text: String,
    close: bool,
}

/// A notification envelope around `result`, already JSON, in mainnet's key order. (Written by
/// hand so a logsNotification's value, serialized once per event, is not parsed back into a
/// tree for every subscriber.)
fn notification(method: &str, id: u64, result: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"{method}","params":{{"result":{result},"subscription":{id}}}}}"#
    )
}

fn reply(id: &Value, result: Result<Value, RpcError>) -> String {
    match result {
        Ok(v) => json!({ "jsonrpc": "2.0", "result": v, "id": id }).to_string(),
        Err(e) => json!({ "jsonrpc": "2.0", "error": e.to_json(), "id": id }).to_string(),
    }
}

fn config_commitment(cfg: Option<&Value>) -> Result<Commitment, RpcError> {
    match cfg.and_then(|c| c.get("commitment")) {
        None | Some(Value::Null) => Ok(Commitment::Finalized),
        Some(Value::String(s)) => Commitment::parse(s)
            .ok_or_else(|| RpcError::invalid_params(format!("unknown commitment `{s}`"))),
        Some(_) => Err(RpcError::invalid_params("commitment must be a string")),
    }
}

fn config_encoding(cfg: Option<&Value>) -> Result<AccountEncoding, RpcError> {
    match cfg.and_then(|c| c.get("encoding")).and_then(Value::as_str) {
        None => Ok(AccountEncoding::Base58),
        Some(e) => AccountEncoding::parse(e).map_err(RpcError::invalid_params),
    }
}

fn parse_filters(cfg: Option<&Value>) -> Result<Vec<Filter>, RpcError> {
    let Some(list) = cfg.and_then(|c| c.get("filters")) else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| RpcError::invalid_params("filters must be an array"))?;
    if list.len() > 4 {
        return Err(RpcError::invalid_params("Too many filters provided; max 4"));
    }
    list.iter()
        .map(|f| {
            if let Some(n) = f.get("dataSize").and_then(Value::as_u64) {
                return Ok(Filter::DataSize(usize::try_from(n).unwrap_or(usize::MAX)));
            }
            let m = f
                .get("memcmp")
                .ok_or_else(|| RpcError::invalid_params("filter must be dataSize or memcmp"))?;
            let offset = m
                .get("offset")
                .and_then(Value::as_u64)
                .ok_or_else(|| RpcError::invalid_params("memcmp.offset must be an integer"))?;
            let text = m
                .get("bytes")
                .and_then(Value::as_str)
                .ok_or_else(|| RpcError::invalid_params("memcmp.bytes must be a string"))?;
            let bytes = match m
                .get("encoding")
                .and_then(Value::as_str)
                .unwrap_or("base58")
            {
                "base58" => {
                    if text.len() > 175 {
                        return Err(RpcError::invalid_params(
                            "Encoded binary (base 58) data should be less than 128 bytes",
                        ));
                    }
                    bs58::decode(text)
                        .into_vec()
                        .map_err(|_| RpcError::invalid_params("invalid base58 in memcmp.bytes"))?
                }
                "base64" => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_err(|_| RpcError::invalid_params("invalid base64 in memcmp.bytes"))?
                }
                other => {
                    return Err(RpcError::invalid_params(format!(
                        "unknown memcmp encoding `{other}`"
                    )));
                }
            };
            Ok(Filter::Memcmp {
                offset: usize::try_from(offset).unwrap_or(usize::MAX),
                bytes,
            })
        })
        .collect()
}

fn matches_filters(acc: &Account, filters: &[Filter]) -> bool {
    filters.iter().all(|f| match f {
        Filter::DataSize(n) => acc.data.len() == *n,
        Filter::Memcmp { offset, bytes } => {
            acc.data.get(*offset..offset.saturating_add(bytes.len())) == Some(bytes.as_slice())
        }
    })
}

/// A connection's subscriptions and what waits for its commitment level.
struct Session {
    cluster: Arc<Cluster>,
    subs: HashMap<u64, Sub>,
    next_id: u64,
    /// (slot at which it is due, subscription, notification text)
    pending: Vec<(u64, u64, String)>,
    out: mpsc::Sender<Outgoing>,
}

impl Session {
    fn send(&self, text: String) -> bool {
        let faults = &self.cluster.faults;
        let due = Instant::now() + faults.notify_delay;
        if faults.roll(faults.ws_drop_chance) {
            let _ = self.out.try_send(Outgoing {
                due,
                text: String::new(),
                close: true,
            });
            return false;
        }
        let copies = if faults.roll(faults.notify_duplicate_rate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self
                .out
                .try_send(Outgoing {
                    due,
                    text: text.clone(),
                    close: false,
                })
                .is_err()
            {
                // A client too slow to drain its socket is cut off, as mainnet's RPC does.
                let _ = self.out.try_send(Outgoing {
                    due,
                    text: String::new(),
                    close: true,
                });
                return false;
            }
            self.cluster
                .stats
                .notifications_sent
                .fetch_add(1, Ordering::Relaxed);
        }
        true
    }

    fn subscribe(&mut self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        let cfg = params.get(1);
        let (kind, commitment) = match method {
            "slotSubscribe" => (Kind::Slot, Commitment::Processed),
            "logsSubscribe" => {
                let filter = params
                    .first()
                    .ok_or_else(|| RpcError::invalid_params("missing filter"))?;
                let mentions = match filter {
                    Value::String(s) if s == "all" || s == "allWithVotes" => None,
                    Value::Object(o) => {
                        let list = o.get("mentions").and_then(Value::as_array).ok_or_else(|| RpcError::invalid_params("filter must be \"all\", \"allWithVotes\" or {\"mentions\": [pubkey]}"))?;
                        if list.len() != 1 {
                            return Err(RpcError {
                                code: -32602,
                                message: "Invalid Request: Only 1 address supported".into(),
                                data: None,
                            });
                        }
                        Some(pubkey(list[0].as_str().unwrap_or_default())?)
                    }
                    _ => {
                        return Err(RpcError::invalid_params(
                            "filter must be \"all\", \"allWithVotes\" or {\"mentions\": [pubkey]}",
                        ));
                    }
                };
                (Kind::Logs { mentions }, config_commitment(cfg)?)
            }
            "accountSubscribe" => {
                let key = pubkey(
                    params
                        .first()
                        .and_then(Value::as_str)
                        .ok_or_else(|| RpcError::invalid_params("missing pubkey"))?,
                )?;
                (
                    Kind::Account {
                        key,
                        encoding: config_encoding(cfg)?,
                    },
                    config_commitment(cfg)?,
                )
            }
            "programSubscribe" => {
                let program = pubkey(
                    params
                        .first()
                        .and_then(Value::as_str)
                        .ok_or_else(|| RpcError::invalid_params("missing program id"))?,
                )?;
                (
                    Kind::Program {
                        program,
                        encoding: config_encoding(cfg)?,
                        filters: parse_filters(cfg)?,
                    },
                    config_commitment(cfg)?,
                )
            }
            "signatureSubscribe" => {
                let s = params
                    .first()
                    .and_then(Value::as_str)
                    .ok_or_else(|| RpcError::invalid_params("missing signature"))?;
                let sig = Signature::from_str(s).map_err(|_| {
                    RpcError::invalid_param(format!("`{s}` is not a base58 signature"))
                })?;
                (Kind::Signature { sig }, config_commitment(cfg)?)
            }
            _ => return Err(RpcError::method_not_found()),
        };
        let id = self.next_id;
        self.next_id += 1;
        // A signature already landed is reported at once (or when its level is reached).
        if let Kind::Signature { sig } = &kind {
            let bank = self.cluster.bank();
            if let Some(r) = bank.transaction(sig) {
                let text = notification(
                    "signatureNotification",
                    id,
                    &json!({ "context": { "slot": r.slot }, "value": { "err": r.err.as_ref().map(|e| e.to_json()) } }).to_string(),
                );
                let due = r.slot + commitment.lag();
                let ready = due <= bank.slot();
                drop(bank);
                if ready {
                    self.pending.push((0, id, text));
                } else {
                    self.pending.push((due, id, text));
                }
                self.subs.insert(id, Sub { kind, commitment });
                return Ok(json!(id));
            }
        }
        self.subs.insert(id, Sub { kind, commitment });
        Ok(json!(id))
    }

    fn unsubscribe(&mut self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        let id = params
            .first()
            .and_then(Value::as_u64)
            .ok_or_else(|| RpcError::invalid_params("missing subscription id"))?;
        let want = method.trim_end_matches("Unsubscribe");
        match self.subs.get(&id) {
            Some(sub) if kind_name(&sub.kind) == want => {
                self.subs.remove(&id);
                self.pending.retain(|(_, s, _)| *s != id);
                Ok(json!(true))
            }
            _ => Err(RpcError {
                code: -32602,
                message: "Invalid subscription id.".into(),
                data: None,
            }),
        }
    }

    fn on_slot(&mut self, slot: u64, parent: u64, root: u64) {
        let slot_subs: Vec<u64> = self
            .subs
            .iter()
            .filter(|(_, s)| matches!(s.kind, Kind::Slot))
            .map(|(id, _)| *id)
            .collect();
        for id in slot_subs {
            self.send(notification(
                "slotNotification",
                id,
                &json!({ "parent": parent, "root": root, "slot": slot }).to_string(),
            ));
        }
        self.flush(slot);
    }

    fn flush(&mut self, slot: u64) {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(d, _, _)| *d <= slot);
        self.pending = later;
        for (_, id, text) in due {
            if self.send(text) {
                // Signature subscriptions end with their one notification.
                if self
                    .subs
                    .get(&id)
                    .is_some_and(|s| matches!(s.kind, Kind::Signature { .. }))
                {
                    self.subs.remove(&id);
                }
            }
        }
    }

    fn on_landed(&mut self, e: &LandedEvent, current_slot: u64) {
        self.on_change(Some(e), e.record.slot, &e.changed, current_slot);
    }

    /// Accounts changed outside any transaction (the cluster migrating a completed curve).
    fn on_accounts(&mut self, e: &AccountsEvent, current_slot: u64) {
        self.on_change(None, e.slot, &e.changed, current_slot);
    }

    fn on_change(
        &mut self,
        landed: Option<&LandedEvent>,
        slot: u64,
        changed: &crate::ledger::bank::Changed,
        current_slot: u64,
    ) {
        let bank = self.cluster.bank();
        let decimals = |mint: &Pubkey| {
            bank.account(mint)
                .and_then(|a| crate::ledger::programs::token::Mint::unpack(&a.data))
                .map(|m| m.decimals)
        };
        let mut out: Vec<(u64, u64, String)> = Vec::new();
        for (id, sub) in &self.subs {
            let due = slot + sub.commitment.lag();
            match &sub.kind {
                Kind::Slot => {}
                Kind::Logs { mentions } => {
                    if let Some(e) = landed
                        && mentions.is_none_or(|k| e.record.account_keys.contains(&k))
                    {
                        let result = format!(
                            r#"{{"context":{{"slot":{slot}}},"value":{}}}"#,
                            e.logs_value()
                        );
                        out.push((due, *id, notification("logsNotification", *id, &result)));
                    }
                }
                Kind::Account { key, encoding } => {
                    if let Some((_, acc)) = changed.iter().find(|(k, _)| k == key) {
                        let shown = if acc.lamports == 0 {
                            Account::wallet(0)
                        } else {
                            acc.clone()
                        };
                        if let Ok(v) = ui_account(&shown, *encoding, None, decimals) {
                            out.push((
                                due,
                                *id,
                                notification(
                                    "accountNotification",
                                    *id,
                                    &json!({ "context": { "slot": slot }, "value": v }).to_string(),
                                ),
                            ));
                        }
                    }
                }
                Kind::Program {
                    program,
                    encoding,
                    filters,
                } => {
                    for (key, acc) in changed {
                        if acc.owner == *program
                            && acc.lamports > 0
                            && matches_filters(acc, filters)
                            && let Ok(v) = ui_account(acc, *encoding, None, decimals)
                        {
                            let value = json!({ "pubkey": key.to_string(), "account": v });
                            out.push((
                                due,
                                *id,
                                notification(
                                    "programNotification",
                                    *id,
                                    &json!({ "context": { "slot": slot }, "value": value })
                                        .to_string(),
                                ),
                            ));
                        }
                    }
                }
                Kind::Signature { sig } => {
                    if let Some(r) = landed.map(|e| &e.record)
                        && *sig == r.signature
                    {
                        let value = json!({ "err": r.err.as_ref().map(|e| e.to_json()) });
                        out.push((
                            due,
                            *id,
                            notification(
                                "signatureNotification",
                                *id,
                                &json!({ "context": { "slot": slot }, "value": value }).to_string(),
                            ),
                        ));
                    }
                }
            }
        }
        drop(bank);
        self.pending.extend(out);
        self.flush(current_slot);
    }
}

impl Session {
    fn on_replay(&mut self, frame: &crate::cluster::ReplayFrame) {
        let r = &frame.result;
        let targets: Vec<u64> = self
            .subs
            .iter()
            .filter(|(_, sub)| match (&sub.kind, frame.method.as_str()) {
                (Kind::Slot, "slotNotification") => true,
                (Kind::Logs { mentions }, "logsNotification") => mentions.is_none_or(|k| {
                    let needle = format!("Program {k} invoke");
                    r.pointer("/value/logs")
                        .and_then(Value::as_array)
                        .is_some_and(|logs| {
                            logs.iter()
                                .any(|l| l.as_str().is_some_and(|l| l.starts_with(&needle)))
                        })
                }),
                (Kind::Program { program, .. }, "programNotification") => {
                    r.pointer("/value/account/owner").and_then(Value::as_str)
                        == Some(program.to_string().as_str())
                }
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect();
        let result = r.to_string();
        for id in targets {
            self.send(notification(&frame.method, id, &result));
        }
    }
}

fn kind_name(k: &Kind) -> &'static str {
    match k {
        Kind::Slot => "slot",
        Kind::Logs { .. } => "logs",
        Kind::Account { .. } => "account",
        Kind::Program { .. } => "program",
        Kind::Signature { .. } => "signature",
    }
}

/// Serves one websocket until the client leaves, a fault drops it, or the cluster stops.
pub async fn serve(socket: WebSocket, cluster: Arc<Cluster>, mut shutdown: watch::Receiver<bool>) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(1 << 15);
    let tap = cluster.tap().cloned();
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            // Only a configured delay waits: the timer wheel rounds every sleep up to the
            // next millisecond, even one already due.
            if msg.due > Instant::now() {
                tokio::time::sleep_until(msg.due).await;
            }
            if msg.close {
                let _ = sink.close().await;
                break;
            }
            // With the benchmark's tap on, keep a copy of create frames to mark them written.
            let create = tap
                .as_ref()
                .filter(|_| msg.text.contains("Instruction: Create"))
                .map(|_| msg.text.clone());
            if sink.send(Message::Text(msg.text.into())).await.is_err() {
                break;
            }
            if let (Some(tap), Some(text)) = (&tap, create) {
                tap.frame_written(text, Instant::now().into_std());
            }
        }
    });
    let mut events = cluster.subscribe();
    let mut session = Session {
        cluster: cluster.clone(),
        subs: HashMap::new(),
        next_id: 0,
        pending: Vec::new(),
        out: out_tx.clone(),
    };
    let drop_at = cluster.faults.ws_drop_every.map(|d| Instant::now() + d);
    loop {
        tokio::select! {
            msg = stream.next() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                let response = handle_text(&mut session, &text);
                if out_tx.send(Outgoing { due: Instant::now(), text: response, close: false }).await.is_err() {
                    break;
                }
                let slot = cluster.bank().slot();
                session.flush(slot);
            }
            ev = events.recv() => match ev {
                Ok(Event::Slot { slot, parent, root }) => session.on_slot(slot, parent, root),
                Ok(Event::Replay(frame)) => session.on_replay(&frame),
                Ok(Event::Landed(e)) => {
                    let slot = cluster.bank().slot();
                    session.on_landed(&e, slot);
                }
                Ok(Event::Accounts(e)) => {
                    let slot = cluster.bank().slot();
                    session.on_accounts(&e, slot);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            () = async { match drop_at { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {
                let _ = out_tx.send(Outgoing { due: Instant::now(), text: String::new(), close: true }).await;
                break;
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(session);
    drop(out_tx);
    let _ = writer.await;
}

fn handle_text(session: &mut Session, text: &str) -> String {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return reply(&Value::Null, Err(RpcError::parse_error()));
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let (Some(method), true) = (
        req.get("method").and_then(Value::as_str),
        req.get("jsonrpc").and_then(Value::as_str) == Some("2.0"),
    ) else {
        return reply(&id, Err(RpcError::invalid_request()));
    };
    let params = match req.get("params") {
        Some(Value::Array(a)) => a.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return reply(
                &id,
                Err(RpcError::invalid_params("`params` should be an array")),
            );
        }
    };
    let result = if method.ends_with("Unsubscribe") {
        session.unsubscribe(method, &params)
    } else {
        session.subscribe(method, &params)
    };
    reply(&id, result)
}
