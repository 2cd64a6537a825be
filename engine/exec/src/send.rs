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
    pub fn new(
        client: reqwest::Client,
        endpoints: Vec<(String, String)>,
        policy: SendPolicy,
    ) -> Self {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every request with `status` (and Retry-After: 0 on 429),
    /// counting requests. Keep-alive, like an RPC provider.
    async fn server(status: u16, body: &'static str) -> (String, Arc<AtomicU32>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU32::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let c = c.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut have = Vec::new();
                    loop {
                        let Ok(n) = sock.read(&mut buf).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        have.extend_from_slice(&buf[..n]);
                        // One request per read is enough for these tiny bodies once the
                        // headers and the declared body are in.
                        let text = String::from_utf8_lossy(&have).to_string();
                        let Some(end) = text.find("\r\n\r\n") else {
                            continue;
                        };
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length: ")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if have.len() < end + 4 + len {
                            continue;
                        }
                        have.drain(..end + 4 + len);
                        c.fetch_add(1, Ordering::SeqCst);
                        let reason = if status == 429 {
                            "Too Many Requests"
                        } else {
                            "OK"
                        };
                        let resp = format!(
                            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nRetry-After: 0\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if sock.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, count)
    }

    fn policy() -> SendPolicy {
        SendPolicy {
            max_retries: 3,
            max_retry_after: Duration::from_millis(20),
            default_backoff: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn a_429_is_retried_exactly_max_retries_times_then_reported() {
        let (url, count) = server(429, r#"{"error":"rate limited"}"#).await;
        let b = Broadcaster::new(
            reqwest::Client::new(),
            vec![(url, "limited".into())],
            policy(),
        );
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(count.load(Ordering::SeqCst), 4, "one try and three retries");
        assert_eq!(r.accepted, 0);
        assert_eq!(r.retries, 3);
        assert!(r.first_accepted_at.is_none());
        assert!(r.failures[0].1.contains("429"), "{:?}", r.failures);
    }

    #[tokio::test]
    async fn every_endpoint_gets_the_transaction_and_one_success_is_enough() {
        let (ok, ok_count) = server(200, r#"{"jsonrpc":"2.0","result":"5sig","id":1}"#).await;
        let (bad, bad_count) = server(429, "{}").await;
        let b = Broadcaster::new(
            reqwest::Client::new(),
            vec![(ok, "ok".into()), (bad, "bad".into())],
            policy(),
        );
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(r.accepted, 1);
        assert!(r.first_accepted_at.is_some());
        assert_eq!(ok_count.load(Ordering::SeqCst), 1);
        assert_eq!(bad_count.load(Ordering::SeqCst), 4);
        assert_eq!(r.failures.len(), 1);
    }

    #[tokio::test]
    async fn an_rpc_error_is_not_retried() {
        let (url, count) = server(
            200,
            r#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"invalid transaction"},"id":1}"#,
        )
        .await;
        let b = Broadcaster::new(reqwest::Client::new(), vec![(url, "e".into())], policy());
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(r.retries, 0);
        assert!(r.failures[0].1.contains("invalid transaction"));
    }
}
