//! The dashboard's controls: `POST /api/control/{pause|resume|halt|halt-and-sell-all|sell}`
//! (a sell with `{"mint": "…", "percent": 1..=100}`), from a signed-in session with its CSRF
//! token only. Each goes to the strategy thread like any operator command (a sell passes the
//! guardian there) and is journaled with its origin, "dashboard".

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kestrel_console::actions;
use kestrel_engine::order::Command;
use serde_json::{Value, json};
use solana_pubkey::Pubkey;

use crate::Board;

fn answer(status: StatusCode, v: Value) -> Response {
    (status, Json(v)).into_response()
}

pub async fn control(
    State(b): State<Arc<Board>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if b.setup.token.is_none() {
        return answer(
            StatusCode::FORBIDDEN,
            json!({ "error": "the controls are off: start kestrel with KESTREL_DASHBOARD_TOKEN set" }),
        );
    }
    if let Err((status, msg)) = b.sessions.check(&headers) {
        return answer(status, json!({ "error": msg }));
    }
    let command = match action.as_str() {
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "halt" => Command::Kill { sell_all: false },
        "halt-and-sell-all" => Command::Kill { sell_all: true },
        "sell" => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let Some(mint) = v["mint"].as_str().and_then(|m| m.parse::<Pubkey>().ok()) else {
                return answer(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "a sell needs {\"mint\": a base58 address, \"percent\": 1 to 100}" }),
                );
            };
            let Some(percent) = v["percent"]
                .as_u64()
                .and_then(|p| u8::try_from(p).ok())
                .filter(|p| (1..=100).contains(p))
            else {
                return answer(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "percent: a whole number from 1 to 100" }),
                );
            };
            Command::Sell { mint, percent }
        }
        other => {
            return answer(
                StatusCode::NOT_FOUND,
                json!({ "error": format!("no control `{}`: pause, resume, halt, halt-and-sell-all, sell", other.chars().take(32).collect::<String>()) }),
            );
        }
    };
    let name = actions::action_name(&command);
    match actions::submit(&b.setup.published, "dashboard", command) {
        Ok(()) => {
            b.tell(
                "action",
                json!({ "action": name, "by": "dashboard", "queued": true }),
            );
            answer(StatusCode::ACCEPTED, json!({ "queued": name }))
        }
        Err(e) => {
            b.tell(
                "action",
                json!({ "action": name, "by": "dashboard", "queued": false }),
            );
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": e.to_string() }),
            )
        }
    }
}

/// `POST /api/x/{approve|reject|post_now}/{id}` with `{"hash": "…"}` (the words the page
/// showed): an X post's approval, from a signed-in session with its CSRF token.
pub async fn x_action(
    State(b): State<Arc<Board>>,
    Path((action, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err((status, msg)) = b.sessions.check(&headers) {
        return answer(status, json!({ "error": msg }));
    }
    if !matches!(action.as_str(), "approve" | "reject" | "post_now") {
        return answer(
            StatusCode::NOT_FOUND,
            json!({ "error": "the X actions are approve, reject and post_now" }),
        );
    }
    let Ok(id) = id.parse::<u64>() else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "the post's id is a number" }),
        );
    };
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let hash = v["hash"].as_str().unwrap_or("");
    if hash.len() != 8 || !hash.bytes().all(|c| c.is_ascii_hexdigit()) {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "hash: the 8 hex digits of the words shown" }),
        );
    }
    let Some(view) = &b.setup.plugins else {
        return answer(StatusCode::NOT_FOUND, json!({ "error": "no X bot runs" }));
    };
    let r = view.x_act(&action, id, hash);
    // Journaled with its origin like the engine's controls; the X bot keeps the post's story.
    if let Some(j) = &b.setup.published.journal {
        j.record(kestrel_store::Record::Action(kestrel_store::ActionRecord {
            origin: "dashboard",
            action: match action.as_str() {
                "approve" => "x-approve",
                "reject" => "x-reject",
                _ => "x-post-now",
            },
            mint: None,
            percent: None,
            queued: r.is_ok(),
            at_ns: crate::unix_ms().saturating_mul(1_000_000),
        }));
    }
    match r {
        Ok(()) => {
            b.tell(
                "action",
                json!({ "action": format!("x {action} #{id}"), "by": "dashboard", "queued": true }),
            );
            answer(
                StatusCode::ACCEPTED,
                json!({ "queued": format!("x {action} #{id}") }),
            )
        }
        Err(e) => {
            b.tell("action", json!({ "action": format!("x {action} #{id}"), "by": "dashboard", "queued": false }));
            answer(StatusCode::SERVICE_UNAVAILABLE, json!({ "error": e }))
        }
    }
}
