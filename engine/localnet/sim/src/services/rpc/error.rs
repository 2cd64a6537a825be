//! The JSON-RPC error object, with the standard codes and the messages mainnet's RPC words.

use serde_json::{Value, json};

/// A JSON-RPC error object.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn parse_error() -> Self {
        Self {
            code: -32700,
            message: "Parse error".into(),
            data: None,
        }
    }
    pub fn invalid_request() -> Self {
        Self {
            code: -32600,
            message: "Invalid request".into(),
            data: None,
        }
    }
    pub fn method_not_found() -> Self {
        Self {
            code: -32601,
            message: "Method not found".into(),
            data: None,
        }
    }
    pub fn invalid_params(detail: impl AsRef<str>) -> Self {
        Self {
            code: -32602,
            message: format!("Invalid params: {}", detail.as_ref()),
            data: None,
        }
    }
    pub fn invalid_param(detail: impl AsRef<str>) -> Self {
        Self {
            code: -32602,
            message: format!("Invalid param: {}", detail.as_ref()),
            data: None,
        }
    }
    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}
