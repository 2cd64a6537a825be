//! The Bot API as the host reaches it: `POST {api_base}/bot{secret:telegram_token}/<method>`
//! with a JSON body. The token is a secret the host fills in; the bot never holds it.

use kestrel_plugin_sdk::{HttpRequest, http};
use serde_json::Value;

pub struct Api {
    pub base: String,
}

impl Api {
    fn url(&self, method: &str) -> String {
        format!("{}/bot{{secret:telegram_token}}/{method}", self.base)
    }

    /// Calls `method` with `body`; the reply's JSON (`ok`, `result` or `error_code`...).
    pub fn call(&self, method: &str, body: &Value, timeout_ms: u32) -> Result<Value, String> {
        self.send(
            self.url(method),
            body.to_string().into_bytes(),
            method,
            timeout_ms,
        )
    }

    /// Calls `method` with its parameters in the query string (`query` already encoded; it
    /// may carry `{secret:…}`, which the host fills in).
    pub fn call_query(&self, method: &str, query: &str, timeout_ms: u32) -> Result<Value, String> {
        self.send(
            format!("{}?{query}", self.url(method)),
            b"{}".to_vec(),
            method,
            timeout_ms,
        )
    }

    fn send(
        &self,
        url: String,
        body: Vec<u8>,
        method: &str,
        timeout_ms: u32,
    ) -> Result<Value, String> {
        let req = HttpRequest {
            method: "POST".into(),
            url,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
            timeout_ms,
            signer: None,
        };
        let resp = http::send(&req).map_err(|e| format!("{method}: {e:?}"))?;
        serde_json::from_slice(&resp.body)
            .map_err(|e| format!("{method}: HTTP {}: not JSON ({e})", resp.status))
    }
}
