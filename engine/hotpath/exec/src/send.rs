//! `sendTransaction` to every send endpoint at once. Each endpoint keeps a warm keep-alive
//! connection, kept open by a periodic `getHealth`, so a send is one write on an open socket:
//! for a plain-`http` endpoint (an RPC node next to the host) Kestrel's own HTTP/1.1
//! connection ([`crate::http1`]), written by the caller's thread itself; for `https`, and
//! whenever that connection is down, reqwest's pool. HTTP 429 is retried after the server's
//! Retry-After (capped), a bounded number of times; the same signed bytes are resent, so a
//! retry can never buy twice.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::join_all;
use kestrel_model::mono_nanos;

use crate::http1::{Http1Conn, Pending, plain_http};
use crate::jsonrpc::Envelope;
use crate::rpc::{RpcError, retry_after};

/// How long the keep-warm tick waits to open a direct connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a send waits for its reply: the HTTP client's own timeout.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct SendPolicy {
    /// Retries of one endpoint after 429 or a transport error.
    pub max_retries: u32,
    /// The longest Retry-After honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    /// The wait when the server gives no Retry-After.
    pub default_backoff: Duration,
    /// How long the direct connection waits for a reply before it is closed and the
    /// attempt goes through the client.
    pub reply_timeout: Duration,
}

impl Default for SendPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_retry_after: Duration::from_secs(2),
            default_backoff: Duration::from_millis(100),
            reply_timeout: REPLY_TIMEOUT,
        }
    }
}

#[derive(Clone)]
pub struct Broadcaster {
    client: reqwest::Client,
    endpoints: Arc<Vec<Endpoint>>,
    policy: SendPolicy,
}

struct Endpoint {
    url: String,
    name: String,
    /// For a plain-`http` URL: its direct connection, once the keep-warm tick has opened one.
    direct: Option<Mutex<Option<Arc<Http1Conn>>>>,
}

impl Endpoint {
    /// The direct connection, if there is one and it is up.
    fn direct(&self) -> Option<Arc<Http1Conn>> {
        let slot = self.direct.as_ref()?;
        let conn = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()?;
        conn.is_up().then_some(conn)
    }

    /// The direct connection, opened again if it is down. `None` for `https`.
    async fn direct_opened(&self) -> Option<Arc<Http1Conn>> {
        let slot = self.direct.as_ref()?;
        if let Some(c) = self.direct() {
            return Some(c);
        }
        match Http1Conn::connect(&self.url, CONNECT_TIMEOUT).await {
            Ok(c) => {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(c.clone());
                Some(c)
            }
            Err(e) => {
                tracing::debug!("send endpoint {}: no direct connection: {e}", self.name);
                None
            }
        }
    }
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

impl Broadcaster {
    /// `endpoints`: (url, printable name).
    pub fn new(
        client: reqwest::Client,
        endpoints: Vec<(String, String)>,
        policy: SendPolicy,
    ) -> Self {
        let endpoints = endpoints
            .into_iter()
            .map(|(url, name)| Endpoint {
                direct: plain_http(&url).map(|_| Mutex::new(None)),
                url,
                name,
            })
            .collect();
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
        let written = self.write_now(&body);
        self.send_written(body, written).await
    }

    /// The first attempt's writes, made now on the caller's thread: `body` goes onto every
    /// endpoint whose direct connection is up, so the request is on the wire before the
    /// caller yields. Finish with [`Broadcaster::send_written`].
    pub fn write_now(&self, body: &str) -> Written {
        let mut at = None;
        let pending = self
            .endpoints
            .iter()
            .map(|e| {
                let p = write_direct(e, body);
                if p.is_some() && at.is_none() {
                    at = Some(mono_nanos());
                }
                p
            })
            .collect();
        Written { pending, at }
    }

    /// [`Broadcaster::send`] after [`Broadcaster::write_now`]: waits for the written
    /// requests' replies and sends to every other endpoint through the client, with the
    /// usual retries.
    pub async fn send_written(&self, body: Arc<str>, written: Written) -> SendReport {
        let mut pending = written.pending.into_iter();
        let attempts = self
            .endpoints
            .iter()
            .map(|e| self.send_one(e, &body, pending.next()));
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
        endpoint: &Endpoint,
        body: &Arc<str>,
        mut written: Option<Option<Pending>>,
    ) -> (String, Result<(u64, u32), (RpcError, u32)>) {
        let name = &endpoint.name;
        let mut retries = 0;
        loop {
            let err = match self.post(endpoint, body, written.take()).await {
                Ok(()) => return (name.clone(), Ok((mono_nanos(), retries))),
                Err(e) => e,
            };
            if !err.is_transient() || retries >= self.policy.max_retries {
                return (name.clone(), Err((err, retries)));
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

    /// One attempt: through the direct connection when it is up and, should that fail before
    /// a reply, at once through the client: the bytes are the same, so a second copy is
    /// harmless, though the server may see one attempt twice. Else through the client.
    /// `written`: the direct write was already tried (by [`Broadcaster::write_now`]), and
    /// this is what it left on the connection, if anything.
    async fn post(
        &self,
        endpoint: &Endpoint,
        body: &Arc<str>,
        written: Option<Option<Pending>>,
    ) -> Result<(), RpcError> {
        let direct = written.unwrap_or_else(|| write_direct(endpoint, body));
        if let Some(p) = direct {
            match p.reply(self.policy.reply_timeout).await {
                Ok(r) => return judge(r.status, r.retry_after, &r.body),
                Err(e) => tracing::warn!(
                    "send to {}: direct connection: {e}; sending through the client",
                    endpoint.name
                ),
            }
        }
        let resp = self
            .client
            .post(&endpoint.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let wait = retry_after(resp.headers());
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RpcError::Transport(e.without_url().to_string()))?;
        judge(status, wait, &bytes)
    }

    /// Opens (or keeps open) a connection to every endpoint: the direct one of a plain-`http`
    /// endpoint, opened again if it went down, and the client's.
    pub async fn warm(&self) {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#;
        let wait = self.policy.reply_timeout;
        let pings = self.endpoints.iter().map(|e| async move {
            if let Some(conn) = e.direct_opened().await {
                let _ = conn.request(body, wait).await;
            }
            let _ = self
                .client
                .post(&e.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await;
        });
        join_all(pings).await;
    }

    /// How many endpoints have a direct connection up.
    #[cfg(test)]
    fn direct_up(&self) -> usize {
        self.endpoints
            .iter()
            .filter(|e| e.direct().is_some())
            .count()
    }
}

/// Requests already on the wire (see [`Broadcaster::write_now`]).
pub struct Written {
    /// One slot per endpoint (none when nothing was tried): its request, when its direct
    /// connection took the write.
    pending: Vec<Option<Pending>>,
    /// [`mono_nanos`] when the first write completed; `None` when nothing was written.
    pub at: Option<u64>,
}

impl Written {
    /// Nothing tried: [`Broadcaster::send_written`] sends to every endpoint as `send` does.
    pub fn none() -> Self {
        Self {
            pending: Vec::new(),
            at: None,
        }
    }

    /// Every endpoint has the request already: nothing is left to send but retries.
    pub fn everywhere(&self) -> bool {
        !self.pending.is_empty() && self.pending.iter().all(Option::is_some)
    }
}

/// `body` written on the endpoint's direct connection, if it is up and takes the write.
fn write_direct(endpoint: &Endpoint, body: &str) -> Option<Pending> {
    match endpoint.direct()?.write_now(body) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(
                "send to {}: direct connection: {e}; sending through the client",
                endpoint.name
            );
            None
        }
    }
}

/// A `sendTransaction` reply judged: accepted, or why not.
fn judge(status: u16, retry_after: Option<Duration>, body: &[u8]) -> Result<(), RpcError> {
    if status == 429 {
        return Err(RpcError::RateLimited { retry_after });
    }
    if !(200..300).contains(&status) {
        return Err(RpcError::Http { status });
    }
    let reply: Envelope<String> = serde_json::from_slice(body)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every request with `status` (and Retry-After: 0 on 429),
    /// counting requests. Keep-alive, like an RPC provider.
    async fn server(status: u16, body: &'static str) -> (String, Arc<AtomicU32>) {
        let (url, count, _) = server_seeing(status, body).await;
        (url, count)
    }

    /// [`server`], also telling for each request (getHealth aside) whether it came through
    /// Kestrel's own connection (its exact header spelling) rather than reqwest's.
    async fn server_seeing(
        status: u16,
        body: &'static str,
    ) -> (String, Arc<AtomicU32>, Arc<std::sync::Mutex<Vec<bool>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU32::new(0));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, seen_by) = (count.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (c, seen_by) = (c.clone(), seen_by.clone());
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
                        let request: Vec<u8> = have.drain(..end + 4 + len).collect();
                        let request = String::from_utf8_lossy(&request);
                        if request.contains("getHealth") {
                            let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                            if sock.write_all(ok.as_bytes()).await.is_err() {
                                return;
                            }
                            continue;
                        }
                        c.fetch_add(1, Ordering::SeqCst);
                        seen_by.lock().unwrap().push(
                            request.contains("Content-Type: application/json\r\nContent-Length: "),
                        );
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
        (url, count, seen)
    }

    fn policy() -> SendPolicy {
        SendPolicy {
            max_retries: 3,
            max_retry_after: Duration::from_millis(20),
            default_backoff: Duration::from_millis(5),
            reply_timeout: Duration::from_millis(300),
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

    #[tokio::test]
    async fn a_warm_plain_http_endpoint_is_sent_to_directly_with_the_same_rules() {
        let (ok, ok_count, ok_seen) =
            server_seeing(200, r#"{"jsonrpc":"2.0","result":"5sig","id":1}"#).await;
        let (limited, limited_count, limited_seen) = server_seeing(429, "{}").await;
        let b = Broadcaster::new(
            reqwest::Client::new(),
            vec![(ok, "ok".into()), (limited, "limited".into())],
            policy(),
        );
        assert_eq!(b.direct_up(), 0, "opened by the keep-warm tick, not before");
        b.warm().await;
        assert_eq!(b.direct_up(), 2);
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(r.accepted, 1);
        assert_eq!(r.retries, 3);
        assert_eq!(ok_count.load(Ordering::SeqCst), 1);
        assert_eq!(limited_count.load(Ordering::SeqCst), 4);
        assert_eq!(*ok_seen.lock().unwrap(), [true]);
        assert_eq!(*limited_seen.lock().unwrap(), [true; 4]);
        assert!(r.failures[0].1.contains("429"), "{:?}", r.failures);
    }

    #[tokio::test]
    async fn write_now_puts_the_request_on_direct_connections_and_the_rest_goes_by_client() {
        let ok = r#"{"jsonrpc":"2.0","result":"5sig","id":1}"#;
        let (warm, warm_count, warm_seen) = server_seeing(200, ok).await;
        let (cold, cold_count, cold_seen) = server_seeing(200, ok).await;
        let only_warm = Broadcaster::new(
            reqwest::Client::new(),
            vec![(warm.clone(), "warm".into())],
            policy(),
        );
        only_warm.warm().await;
        let both = Broadcaster::new(
            reqwest::Client::new(),
            vec![(warm, "warm".into()), (cold, "cold".into())],
            policy(),
        );
        // `both` has no direct connection yet: nothing is written, and every endpoint is
        // left to the client.
        let w = both.write_now("{}");
        assert!(w.at.is_none() && !w.everywhere());
        let r = both.send_written(Arc::from("{}"), w).await;
        assert_eq!(r.accepted, 2);
        assert_eq!(*cold_seen.lock().unwrap(), [false]);

        // Written on the warm connection before anything is awaited.
        let w = only_warm.write_now("{}");
        assert!(w.at.is_some() && w.everywhere());
        let r = only_warm.send_written(Arc::from("{}"), w).await;
        assert_eq!((r.accepted, r.retries), (1, 0));
        assert_eq!(warm_count.load(Ordering::SeqCst), 2);
        assert_eq!(*warm_seen.lock().unwrap(), [false, true]);
        assert_eq!(cold_count.load(Ordering::SeqCst), 1);
    }

    /// An endpoint whose first connection (the direct one, opened first by `warm`) answers
    /// getHealth and then, on the next request, hangs up (`silent` false) or never answers
    /// (`silent` true). Later connections reach a healthy server. Returns the URL and the
    /// count of requests the healthy server answered.
    async fn flaky_endpoint(silent: bool) -> (String, Arc<AtomicU32>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (url, count) = server(200, r#"{"jsonrpc":"2.0","result":"5sig","id":1}"#).await;
        let upstream = url.trim_start_matches("http://").to_owned();
        tokio::spawn(async move {
            let mut first = true;
            while let Ok((mut sock, _)) = l.accept().await {
                let upstream = upstream.clone();
                if std::mem::take(&mut first) {
                    tokio::spawn(async move {
                        let mut buf = [0u8; 4096];
                        let _ = sock.read(&mut buf).await;
                        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        let _ = sock.write_all(ok.as_bytes()).await;
                        let _ = sock.read(&mut buf).await;
                        if silent {
                            // Holds the socket open and never answers.
                            std::future::pending::<()>().await;
                        }
                    });
                    continue;
                }
                tokio::spawn(async move {
                    let mut up = tokio::net::TcpStream::connect(upstream).await.unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
                });
            }
        });
        (format!("http://{addr}"), count)
    }

    #[tokio::test]
    async fn a_direct_connection_that_drops_falls_back_to_the_client_until_rewarmed() {
        let (url, count) = flaky_endpoint(false).await;
        let b = Broadcaster::new(
            reqwest::Client::new(),
            vec![(url, "flaky".into())],
            policy(),
        );
        b.warm().await;
        assert_eq!(b.direct_up(), 1);
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(r.accepted, 1, "{:?}", r.failures);
        assert_eq!(r.retries, 0, "the client took it in the same attempt");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(b.direct_up(), 0);
        b.warm().await;
        assert_eq!(b.direct_up(), 1, "the keep-warm tick connects again");
        let r = b.send(Arc::from("{}")).await;
        assert_eq!(r.accepted, 1);
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_direct_connection_that_never_answers_is_closed_after_the_reply_timeout() {
        let (url, count) = flaky_endpoint(true).await;
        let b = Broadcaster::new(
            reqwest::Client::new(),
            vec![(url, "silent".into())],
            policy(),
        );
        b.warm().await;
        assert_eq!(b.direct_up(), 1);
        let r = tokio::time::timeout(Duration::from_secs(5), b.send(Arc::from("{}")))
            .await
            .expect("a silent connection must not hold the send");
        assert_eq!(r.accepted, 1, "{:?}", r.failures);
        assert_eq!(r.retries, 0);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(b.direct_up(), 0, "closed, not left to hold later sends");
    }
}
