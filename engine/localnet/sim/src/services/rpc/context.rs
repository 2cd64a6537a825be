//! The `context` every RPC response with a slot carries, and the version the cluster claims.

use serde_json::{Value, json};

pub const VERSION: &str = "4.2.2";

pub fn context(slot: u64) -> Value {
    json!({ "slot": slot, "apiVersion": VERSION })
}

pub fn with_context(slot: u64, value: Value) -> Value {
    json!({ "context": context(slot), "value": value })
}
