//! A small JSON-RPC client for what execution reads: blockhashes, signature statuses, a
//! transaction's logs (for the fill), balances. HTTP 429 comes back as
//! [`RpcError::RateLimited`] with the server's Retry-After, so callers can honour it.

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use solana_hash::Hash;
use solana_pubkey::Pubkey;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RpcError {
    #[error("rate limited (HTTP 429), retry after {retry_after:?}")]
    RateLimited { retry_after: Option<Duration> },
    #[error("HTTP {status}")]
    Http { status: u16 },
    #[error("transport: {0}")]
    Transport(String),
    #[error("RPC error {code}: {message}")]
    Rpc { code: i64, message: String },
    #[error("unexpected reply: {0}")]
    Decode(String),
}

impl RpcError {
    /// Worth trying again (later or elsewhere).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport(_) => true,
            Self::Http { status } => *status >= 500,
            Self::Rpc { .. } | Self::Decode(_) => false,
        }
    }
}

/// The Retry-After header, in seconds (the HTTP-date form is not used by RPC providers).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[derive(Clone)]
pub struct JsonRpc {
    client: reqwest::Client,
    url: String,
    name: String,
}

#[derive(Deserialize)]
struct Reply<T> {
    result: Option<T>,
    error: Option<ReplyError>,
}

#[derive(Deserialize)]
struct ReplyError {
    code: i64,
    message: String,
}

/// One entry of `getSignatureStatuses`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SignatureStatus {
    pub slot: u64,
    pub err: Option<Value>,
    pub confirmation_status: Option<String>,
}

/// What a fill needs from `getTransaction`.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionLogs {
    pub slot: u64,
    pub err: Option<Value>,
    pub logs: Vec<String>,
    pub fee: u64,
}

impl JsonRpc {
    /// `name` is what logs and errors print (the URL with secrets removed).
    pub fn new(client: reqwest::Client, url: String, name: String) -> Self {
        Self { client, url, name }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, RpcError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let resp = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        let status = resp.status();
        if status.as_u16() == 429 {
            return Err(RpcError::RateLimited {
                retry_after: retry_after(resp.headers()),
            });
        }
        if !status.is_success() {
            return Err(RpcError::Http {
                status: status.as_u16(),
            });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        let reply: Reply<T> = serde_json::from_slice(&bytes)
            .map_err(|e| RpcError::Decode(format!("{method}: {e}")))?;
        if let Some(e) = reply.error {
            return Err(RpcError::Rpc {
                code: e.code,
                message: e.message,
            });
        }
        reply
            .result
            .ok_or_else(|| RpcError::Decode(format!("{method}: no result")))
    }

    pub async fn latest_blockhash(&self) -> Result<(Hash, u64), RpcError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct V {
            blockhash: String,
            last_valid_block_height: u64,
        }
        #[derive(Deserialize)]
        struct R {
            value: V,
        }
        let r: R = self
            .call("getLatestBlockhash", json!([{"commitment": "confirmed"}]))
            .await?;
        let hash = r
            .value
            .blockhash
            .parse::<Hash>()
            .map_err(|_| RpcError::Decode("blockhash is not base58".into()))?;
        Ok((hash, r.value.last_valid_block_height))
    }

    pub async fn block_height(&self) -> Result<u64, RpcError> {
        self.call("getBlockHeight", json!([{"commitment": "confirmed"}]))
            .await
    }

    /// Statuses of up to 256 signatures, searching history.
    pub async fn signature_statuses(
        &self,
        signatures: &[String],
    ) -> Result<Vec<Option<SignatureStatus>>, RpcError> {
        #[derive(Deserialize)]
        struct R {
            value: Vec<Option<SignatureStatus>>,
        }
        let r: R = self
            .call(
                "getSignatureStatuses",
                json!([signatures, {"searchTransactionHistory": true}]),
            )
            .await?;
        Ok(r.value)
    }

    /// A confirmed transaction's logs, or `None` if the node does not have it (yet).
    pub async fn transaction_logs(
        &self,
        signature: &str,
    ) -> Result<Option<TransactionLogs>, RpcError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Meta {
            err: Option<Value>,
            #[serde(default)]
            log_messages: Option<Vec<String>>,
            #[serde(default)]
            fee: u64,
        }
        #[derive(Deserialize)]
        struct R {
            slot: u64,
            meta: Option<Meta>,
        }
        let r: Option<R> = self
            .call(
                "getTransaction",
                json!([signature, {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}]),
            )
            .await
            .or_else(|e| match e {
                // `result: null` decodes as "no result" above.
                RpcError::Decode(m) if m.ends_with("no result") => Ok(None),
                e => Err(e),
            })?;
        Ok(r.map(|r| {
            let meta = r.meta;
            TransactionLogs {
                slot: r.slot,
                err: meta.as_ref().and_then(|m| m.err.clone()),
                fee: meta.as_ref().map_or(0, |m| m.fee),
                logs: meta.and_then(|m| m.log_messages).unwrap_or_default(),
            }
        }))
    }

    pub async fn balance(&self, key: &Pubkey) -> Result<u64, RpcError> {
        #[derive(Deserialize)]
        struct R {
            value: u64,
        }
        let r: R = self
            .call(
                "getBalance",
                json!([key.to_string(), {"commitment": "confirmed"}]),
            )
            .await?;
        Ok(r.value)
    }

    /// The local cluster's faucet (and devnet's); mainnet refuses it.
    pub async fn request_airdrop(&self, key: &Pubkey, lamports: u64) -> Result<String, RpcError> {
        self.call("requestAirdrop", json!([key.to_string(), lamports]))
            .await
    }

    /// Keeps the pooled connection warm.
    pub async fn health(&self) -> Result<String, RpcError> {
        self.call("getHealth", json!([])).await
    }
}
