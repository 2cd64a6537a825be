//! A small JSON-RPC client for what execution reads: blockhashes, signature statuses, a
//! transaction's logs (for the fill), balances. HTTP 429 comes back as
//! [`RpcError::RateLimited`] with the server's Retry-After, so callers can honour it.

use crate::jsonrpc::Envelope;
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
    /// The fee payer's balance change (post − pre): fees, rent, SOL in and out. `None` if the
    /// node did not report balances.
    pub payer_delta: Option<i64>,
    /// Token balances the node reported before and after, by (owner, mint).
    pub token_changes: Vec<TokenChange>,
}

/// One token account's balance around a transaction (`pre/postTokenBalances`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenChange {
    pub owner: Pubkey,
    pub mint: Pubkey,
    pub pre: u64,
    pub post: u64,
}

impl TransactionLogs {
    /// How much of `mint` the accounts `owner` holds gained (negative: lost).
    pub fn token_delta(&self, owner: &Pubkey, mint: &Pubkey) -> i128 {
        self.token_changes
            .iter()
            .filter(|c| c.owner == *owner && c.mint == *mint)
            .map(|c| i128::from(c.post) - i128::from(c.pre))
            .sum()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTokenBalance {
    account_index: u64,
    mint: String,
    #[serde(default)]
    owner: Option<String>,
    ui_token_amount: WireUiAmount,
}

#[derive(Deserialize)]
struct WireUiAmount {
    amount: String,
}

/// Pairs pre and post balances by account index; an account only on one side had 0 there.
fn token_changes(pre: &[WireTokenBalance], post: &[WireTokenBalance]) -> Vec<TokenChange> {
    let read = |b: &WireTokenBalance| -> Option<(u64, Pubkey, Pubkey, u64)> {
        Some((
            b.account_index,
            b.owner.as_deref()?.parse().ok()?,
            b.mint.parse().ok()?,
            b.ui_token_amount.amount.parse().ok()?,
        ))
    };
    let pre: Vec<_> = pre.iter().filter_map(read).collect();
    let post: Vec<_> = post.iter().filter_map(read).collect();
    let mut out: Vec<TokenChange> = Vec::new();
    for &(i, owner, mint, amount) in &pre {
        let after = post.iter().find(|p| p.0 == i).map_or(0, |p| p.3);
        out.push(TokenChange {
            owner,
            mint,
            pre: amount,
            post: after,
        });
    }
    for &(i, owner, mint, amount) in &post {
        if !pre.iter().any(|p| p.0 == i) {
            out.push(TokenChange {
                owner,
                mint,
                pre: 0,
                post: amount,
            });
        }
    }
    out
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
        let reply: Envelope<T> = serde_json::from_slice(&bytes)
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
            #[serde(default)]
            pre_balances: Option<Vec<u64>>,
            #[serde(default)]
            post_balances: Option<Vec<u64>>,
            #[serde(default)]
            pre_token_balances: Option<Vec<WireTokenBalance>>,
            #[serde(default)]
            post_token_balances: Option<Vec<WireTokenBalance>>,
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
            let payer_delta = meta.as_ref().and_then(|m| {
                let pre = *m.pre_balances.as_ref()?.first()?;
                let post = *m.post_balances.as_ref()?.first()?;
                Some(i128::from(post) - i128::from(pre)).and_then(|d| i64::try_from(d).ok())
            });
            TransactionLogs {
                slot: r.slot,
                err: meta.as_ref().and_then(|m| m.err.clone()),
                fee: meta.as_ref().map_or(0, |m| m.fee),
                payer_delta,
                token_changes: meta.as_ref().map_or_else(Vec::new, |m| {
                    token_changes(
                        m.pre_token_balances.as_deref().unwrap_or_default(),
                        m.post_token_balances.as_deref().unwrap_or_default(),
                    )
                }),
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

    /// An account's data (base64 on the wire), `None` if the account does not exist, and the
    /// slot the node read it at (to order it against what the feeds deliver).
    pub async fn account_data(&self, key: &Pubkey) -> Result<(u64, Option<Vec<u8>>), RpcError> {
        use base64::Engine as _;
        #[derive(Deserialize)]
        struct Account {
            data: (String, String),
        }
        #[derive(Deserialize)]
        struct Context {
            slot: u64,
        }
        #[derive(Deserialize)]
        struct R {
            context: Context,
            value: Option<Account>,
        }
        let r: R = self
            .call(
                "getAccountInfo",
                json!([key.to_string(), {"encoding": "base64", "commitment": "confirmed"}]),
            )
            .await?;
        let data = r
            .value
            .map(|a| {
                base64::engine::general_purpose::STANDARD
                    .decode(a.data.0.as_bytes())
                    .map_err(|e| RpcError::Decode(format!("getAccountInfo {key}: {e}")))
            })
            .transpose()?;
        Ok((r.context.slot, data))
    }

    /// Owners and data of up to 100 accounts, in order; `None` for one that does not exist.
    pub async fn multiple_accounts(
        &self,
        keys: &[Pubkey],
    ) -> Result<Vec<Option<(Pubkey, Vec<u8>)>>, RpcError> {
        use base64::Engine as _;
        #[derive(Deserialize)]
        struct Account {
            owner: String,
            data: (String, String),
        }
        #[derive(Deserialize)]
        struct R {
            value: Vec<Option<Account>>,
        }
        let list: Vec<String> = keys.iter().map(ToString::to_string).collect();
        let r: R = self
            .call(
                "getMultipleAccounts",
                json!([list, {"encoding": "base64", "commitment": "confirmed"}]),
            )
            .await?;
        if r.value.len() != keys.len() {
            return Err(RpcError::Decode(format!(
                "getMultipleAccounts: {} accounts for {} keys",
                r.value.len(),
                keys.len()
            )));
        }
        r.value
            .into_iter()
            .map(|a| {
                a.map(|a| {
                    let owner = a.owner.parse::<Pubkey>().map_err(|_| {
                        RpcError::Decode(format!("getMultipleAccounts: owner `{}`", a.owner))
                    })?;
                    let data = base64::engine::general_purpose::STANDARD
                        .decode(a.data.0.as_bytes())
                        .map_err(|e| RpcError::Decode(format!("getMultipleAccounts: {e}")))?;
                    Ok((owner, data))
                })
                .transpose()
            })
            .collect()
    }

    /// A token account's balance in base units; `None` if the account does not exist.
    pub async fn token_account_balance(&self, account: &Pubkey) -> Result<Option<u64>, RpcError> {
        #[derive(Deserialize)]
        struct Amount {
            amount: String,
        }
        #[derive(Deserialize)]
        struct R {
            value: Amount,
        }
        let r: Result<R, RpcError> = self
            .call(
                "getTokenAccountBalance",
                json!([account.to_string(), {"commitment": "confirmed"}]),
            )
            .await;
        match r {
            Ok(r) => r.value.amount.parse::<u64>().map(Some).map_err(|_| {
                RpcError::Decode(format!(
                    "getTokenAccountBalance: amount `{}` is not an integer",
                    r.value.amount
                ))
            }),
            // Invalid params: the node has no such account (closed, or never created).
            Err(RpcError::Rpc { code: -32602, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every token account `owner` holds under `program`: (account, mint, amount), read from
    /// the account data (the base layout SPL Token and Token-2022 share: mint, owner, amount).
    pub async fn token_accounts_by_owner(
        &self,
        owner: &Pubkey,
        program: &Pubkey,
    ) -> Result<Vec<(Pubkey, Pubkey, u64)>, RpcError> {
        use base64::Engine as _;
        #[derive(Deserialize)]
        struct Account {
            data: (String, String),
        }
        #[derive(Deserialize)]
        struct Keyed {
            pubkey: String,
            account: Account,
        }
        #[derive(Deserialize)]
        struct R {
            value: Vec<Keyed>,
        }
        let r: R = self
            .call(
                "getTokenAccountsByOwner",
                json!([owner.to_string(), {"programId": program.to_string()},
                       {"encoding": "base64", "commitment": "confirmed"}]),
            )
            .await?;
        let bad = |what: String| RpcError::Decode(format!("getTokenAccountsByOwner: {what}"));
        r.value
            .into_iter()
            .map(|k| {
                let account = k
                    .pubkey
                    .parse::<Pubkey>()
                    .map_err(|_| bad(format!("`{}` is not a public key", k.pubkey)))?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(k.account.data.0.as_bytes())
                    .map_err(|e| bad(format!("{}: {e}", k.pubkey)))?;
                let (Some(mint), Some(amount)) = (data.get(0..32), data.get(64..72)) else {
                    return Err(bad(format!(
                        "{}: {} bytes, not a token account",
                        k.pubkey,
                        data.len()
                    )));
                };
                let mint = Pubkey::try_from(mint).map_err(|_| bad("mint".into()))?;
                let amount =
                    u64::from_le_bytes(amount.try_into().map_err(|_| bad("amount".into()))?);
                Ok((account, mint, amount))
            })
            .collect()
    }

    /// The local cluster's faucet (and devnet's); mainnet refuses it.
    pub async fn request_airdrop(&self, key: &Pubkey, lamports: u64) -> Result<String, RpcError> {
        self.call("requestAirdrop", json!([key.to_string(), lamports]))
            .await
    }

    /// The local cluster's token faucet: `amount` base units of `mint` (USDC) to `key`'s
    /// token account (a real node has no such faucet and refuses it).
    pub async fn request_token_airdrop(
        &self,
        key: &Pubkey,
        amount: u64,
        mint: &Pubkey,
    ) -> Result<String, RpcError> {
        self.call(
            "requestAirdrop",
            json!([key.to_string(), amount, {"mint": mint.to_string()}]),
        )
        .await
    }

    /// Keeps the pooled connection warm.
    pub async fn health(&self) -> Result<String, RpcError> {
        self.call("getHealth", json!([])).await
    }
}
