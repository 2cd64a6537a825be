//! The Telegram Bot API as the bots' tests fake it at the network boundary: getUpdates with
//! long-poll semantics, sendMessage, editMessageText, answerCallbackQuery, setMyCommands,
//! setWebhook, deleteWebhook; forced replies (429, 409) by method; the token checked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};
use tokio::sync::Notify;

pub(crate) const TOKEN: &str = "123456:TEST-token";

/// The Bot API as the bot sees it, and what the bot did.
#[derive(Default)]
pub(crate) struct Fake {
    pub(crate) updates: Mutex<VecDeque<Value>>,
    pub(crate) next_id: Mutex<i64>,
    pub(crate) notify: Notify,
    pub(crate) sent: Mutex<Vec<(String, Value)>>,
    /// Replies to force: (method, status, body), used once each.
    pub(crate) faults: Mutex<Vec<(String, u16, Value)>>,
    pub(crate) bad_token: Mutex<u32>,
    /// setMyCommands, setWebhook and deleteWebhook calls: (method, body, query).
    pub(crate) setup_calls: Mutex<Vec<(String, Value, String)>>,
}

impl Fake {
    pub(crate) fn push(&self, mut update: Value) {
        let mut id = self.next_id.lock().unwrap();
        *id += 1;
        update["update_id"] = json!(*id);
        self.updates.lock().unwrap().push_back(update);
        self.notify.notify_waiters();
    }

    pub(crate) fn message(&self, from: i64, text: &str) {
        self.push(json!({ "message": {
            "message_id": 1, "date": 0, "text": text,
            "from": { "id": from, "is_bot": false, "first_name": "T" },
            "chat": { "id": from, "type": "private" },
        }}));
    }

    pub(crate) fn press(&self, from: i64, data: &str) {
        self.push(json!({ "callback_query": {
            "id": format!("cb{data}"), "data": data, "chat_instance": "1",
            "from": { "id": from, "is_bot": false, "first_name": "T" },
            "message": { "message_id": 99, "date": 0, "chat": { "id": from, "type": "private" } },
        }}));
    }

    pub(crate) fn sent_texts(&self, chat: i64) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, b)| {
                (m == "sendMessage" || m == "editMessageText") && b["chat_id"] == json!(chat)
            })
            .filter_map(|(_, b)| b["text"].as_str().map(str::to_owned))
            .collect()
    }

    /// The callback data of the last keyboard sent to `chat`.
    pub(crate) fn buttons(&self, chat: i64) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(m, b)| {
                m == "sendMessage" && b["chat_id"] == json!(chat) && b.get("reply_markup").is_some()
            })
            .map(|(_, b)| {
                b["reply_markup"]["inline_keyboard"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|row| row.as_array().unwrap().iter())
                    .map(|k| k["callback_data"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub(crate) async fn api(
    State(fake): State<Arc<Fake>>,
    Path((token, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> (axum::http::StatusCode, Json<Value>) {
    use axum::http::StatusCode;
    if token != format!("bot{TOKEN}") {
        *fake.bad_token.lock().unwrap() += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        );
    }
    let forced = {
        let mut f = fake.faults.lock().unwrap();
        f.iter()
            .position(|(m, _, _)| *m == method)
            .map(|i| f.remove(i))
    };
    if let Some((_, status, body)) = forced {
        return (StatusCode::from_u16(status).unwrap(), Json(body));
    }
    match method.as_str() {
        "getUpdates" => {
            let offset = body["offset"].as_i64().unwrap_or(0);
            let timeout = body["timeout"].as_u64().unwrap_or(0).min(5);
            let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
            loop {
                let ready: Vec<Value> = {
                    let mut q = fake.updates.lock().unwrap();
                    // Confirmed by the offset: forgotten.
                    q.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
                    q.iter().cloned().collect()
                };
                if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
                    return (StatusCode::OK, Json(json!({"ok": true, "result": ready})));
                }
                let _ = tokio::time::timeout_at(deadline, fake.notify.notified()).await;
            }
        }
        "setMyCommands" | "setWebhook" | "deleteWebhook" => {
            fake.setup_calls.lock().unwrap().push((
                method.clone(),
                body.clone(),
                query.unwrap_or_default(),
            ));
            (StatusCode::OK, Json(json!({"ok": true, "result": true})))
        }
        "sendMessage" | "editMessageText" | "answerCallbackQuery" => {
            fake.sent
                .lock()
                .unwrap()
                .push((method.clone(), body.clone()));
            let n = fake.sent.lock().unwrap().len();
            let result = if method == "answerCallbackQuery" {
                json!(true)
            } else {
                json!({ "message_id": n, "date": 0, "chat": { "id": body["chat_id"], "type": "private" }, "text": body["text"] })
            };
            (StatusCode::OK, Json(json!({"ok": true, "result": result})))
        }
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
        ),
    }
}
