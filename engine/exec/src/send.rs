//! `sendTransaction` to every send endpoint at once. Each endpoint keeps a warm keep-alive
//! connection (reqwest's pool, kept open by a periodic `getHealth`), so a send is one write
//! on an open socket. HTTP 429 is retried after the server's Retry-After (capped), a bounded
//! number of times; the same signed bytes are resent, so a retry can never buy twice.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use kestrel_model::mono_nanos;
use serde::Deserialize;

use crate::rpc::{RpcError, retry_after};

#[derive(Clone, Debug)]
pub struct SendPolicy {
    /// Retries of one endpoint after 429 or a transport error.
    pub max_retries: u32,
    /// The longest Retry-After honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    /// The wait when the server gives no Retry-After.
    pub default_backoff: Duration,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_retry_after: Duration::from_secs(2),
            default_backoff: Duration::from_millis(100),
        }
    }
}

#[derive(Clone)]
pub struct Broadcaster {
    client: reqwest::Client,
    endpoints: Arc<Vec<(String, String)>>,
    policy: SendPolicy,
}

/// How one broadcast went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    /// [`mono_nanos`] when the first endpoint accepted it.
    pub first_accepted_at: Option<u64>,
    pub accepted: usize,
    pub retries: u32,
    /// Endpoint name and the error that ended its attempts.
    pub failures: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct Reply {
    result: Option<String>,
    error: Option<ReplyError>,
}
#[derive(Deserialize)]
struct ReplyError {
    code: i64,
    message: String,
}

impl Broadcaster {
    /// `endpoints`: (url, printable name).
    pub fn new(client: reqwest::Client, endpoints: Vec<(String, String)>, policy: SendPolicy) -> Self {
        Self {
            client,
            endpoints: Arc::new(endpoints),
            policy,
        }
    }

    pub fn endpoints(&self) -> usize {
        self.endpoints.len()
    }

    /// Sends `body` (a prepared `sendTransaction` request) to every endpoint concurrently.
    pub async fn send(&self, body: Arc<str>) -> SendReport {
        let attempts = self
            .endpoints
            .iter()
            .map(|(url, name)| self.send_one(url, name, body.clone()));
        let results = join_all(attempts).await;
        let mut report = SendReport::default();
        for (name, r) in results {
            match r {
                Ok((at, retries)) => {
                    report.accepted += 1;
                    report.retries += retries;
                    report.first_accepted_at =
                        Some(report.first_accepted_at.map_or(at, |f: u64| f.min(at)));
                }
                Err((e, retries)) => {
                    report.retries += retries;
                    report.failures.push((name, e.to_string()));
                }
            }
        }
        report
    }

    async fn send_one(
        &self,
        url: &str,
        name: &str,
        body: Arc<str>,
    ) -> (String, Result<(u64, u32), (RpcError, u32)>) {
        let mut retries = 0;
        loop {
            let err = match self.post(url, body.clone()).await {
                Ok(()) => return (name.to_owned(), Ok((mono_nanos(), retries))),
                Err(e) => e,
            };
            if !err.is_transient() || retries >= self.policy.max_retries {
                return (name.to_owned(), Err((err, retries)));
            }
            let wait = match &err {
                RpcError::RateLimited {
                    retry_after: Some(d),
                } => (*d).min(self.policy.max_retry_after),
                _ => self.policy.default_backoff,
            };
            retries += 1;
            tracing::debug!("send to {name}: {err}; retry {retries} in {wait:?}");
            tokio::time::sleep(wait).await;
        }
    }

    async fn post(&self, url: &str, body: Arc<str>) -> Result<(), RpcError> {
        let resp = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 429 {
            return Err(RpcError::RateLimited {
                retry_after: retry_after(resp.headers()),
            });
        }
        if !(200..300).contains(&status) {
            return Err(RpcError::Http { status });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        let reply: Reply = serde_json::from_slice(&bytes)
            .map_err(|e| RpcError::Decode(format!("sendTransaction: {e}")))?;
        match (reply.result, reply.error) {
            (Some(_), _) => Ok(()),
            (None, Some(e)) => Err(RpcError::Rpc {
                code: e.code,
                message: e.message,
            }),
            (None, None) => Err(RpcError::Decode("sendTransaction: no result".into())),
        }
    }

    /// Opens (or keeps open) a connection to every endpoint.
    pub async fn warm(&self) {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#;
        let pings = self.endpoints.iter().map(|(url, _)| {
            self.client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
        });
        let _ = join_all(pings).await;
    }
}
