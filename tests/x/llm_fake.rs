//! An OpenAI-compatible chat-completions server as the X bot's tests fake it (FACTS §7.3):
//! `POST /v1/chat/completions` with a bearer key; it answers each request with the next
//! scripted post as structured content (`{"text": …}`), a `chat.completion` with usage,
//! and keeps the requests for the test to read.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

pub(crate) const KEY: &str = "sk-test-key";

#[derive(Default)]
pub(crate) struct LlmFake {
    /// The texts to answer with, in order.
    pub(crate) answers: Mutex<Vec<String>>,
    pub(crate) requests: Mutex<Vec<Value>>,
    pub(crate) bad_keys: Mutex<u32>,
}

async fn completions(
    State(fake): State<Arc<LlmFake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {KEY}")) {
        *fake.bad_keys.lock().unwrap() += 1;
        return (
            StatusCode::UNAUTHORIZED,
            Json(
                json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
            ),
        );
    }
    fake.requests.lock().unwrap().push(body.clone());
    let text = {
        let mut a = fake.answers.lock().unwrap();
        if a.is_empty() {
            "gm from the desk".to_owned()
        } else {
            a.remove(0)
        }
    };
    let content = json!({ "text": text }).to_string();
    (
        StatusCode::OK,
        Json(json!({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_796_256_000,
            "model": body["model"],
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": content, "refusal": null }, "finish_reason": "stop", "logprobs": null }],
            "usage": { "prompt_tokens": 420, "completion_tokens": 35, "total_tokens": 455 },
        })),
    )
}

pub(crate) fn router(fake: Arc<LlmFake>) -> axum::Router {
    axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(fake)
}
