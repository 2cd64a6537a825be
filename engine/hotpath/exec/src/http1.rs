//! A keep-alive HTTP/1.1 connection to one plain-`http` send endpoint, for the hot path. A
//! request is written straight onto the socket, in one syscall, by the thread that sends it: no
//! client pool, no hop to a connection task. Replies are matched to requests in order by a
//! reader task. Anything unusual (a write that would block or is cut short, a reply it cannot
//! frame, a closed socket) fails that request with a transport error and, unless nothing was
//! written, takes the connection down; the broadcaster then sends through its ordinary client
//! until the next keep-warm tick connects again. `https` endpoints always take the ordinary
//! client.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;

use crate::rpc::RpcError;

/// The longest reply head accepted (status line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// The longest reply body accepted; a `sendTransaction` reply is under 200 bytes.
const MAX_BODY: usize = 64 * 1024;
/// The most a reader holds while a reply is incomplete (a chunked body's framing included).
const MAX_BUFFERED: usize = MAX_HEAD + 8 * MAX_BODY;

/// A reply: what the broadcaster judges a send by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

type Waiter = oneshot::Sender<Result<HttpReply, RpcError>>;

#[derive(Default)]
struct State {
    /// Replies owed, oldest first.
    pending: VecDeque<Waiter>,
    down: bool,
}

pub struct Http1Conn {
    write: OwnedWriteHalf,
    /// Everything before the Content-Length value.
    head: String,
    state: Arc<Mutex<State>>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks the connection down and fails every reply still owed.
fn take_down(state: &Mutex<State>, why: &str) {
    let pending = {
        let mut s = lock(state);
        s.down = true;
        std::mem::take(&mut s.pending)
    };
    for w in pending {
        let _ = w.send(Err(RpcError::Transport(why.to_owned())));
    }
}

/// The parts of an `http://host[:port]/path` URL a request needs: where to connect, the Host
/// header and the request target. `None` for anything else (`https` included).
pub fn plain_http(url: &str) -> Option<(String, String, String)> {
    let u = reqwest::Url::parse(url).ok()?;
    if u.scheme() != "http" || !u.username().is_empty() || u.password().is_some() {
        return None;
    }
    let host = u.host_str()?;
    let port = u.port_or_known_default()?;
    let authority = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let target = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    };
    Some((format!("{host}:{port}"), authority, target))
}

impl Http1Conn {
    /// Connects to a plain-`http` URL and starts its reader on the current runtime.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Arc<Self>, RpcError> {
        let (addr, authority, target) = plain_http(url)
            .ok_or_else(|| RpcError::Transport(format!("not a plain http URL: {url}")))?;
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr.as_str()))
            .await
            .map_err(|_| RpcError::Transport(format!("connect to {addr}: timed out")))?
            .map_err(|e| RpcError::Transport(format!("connect to {addr}: {e}")))?;
        stream
            .set_nodelay(true)
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        let (read, write) = stream.into_split();
        let state = Arc::new(Mutex::new(State::default()));
        tokio::spawn(read_replies(read, state.clone()));
        Ok(Arc::new(Self {
            write,
            head: format!(
                "POST {target} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: "
            ),
            state,
        }))
    }

    pub fn is_up(&self) -> bool {
        !lock(&self.state).down
    }

    /// Sends `body` as a POST and waits up to `within` for its reply ([`Pending::reply`]).
    pub async fn request(&self, body: &str, within: Duration) -> Result<HttpReply, RpcError> {
        self.write_now(body)?.reply(within).await
    }

    /// Writes the request now, without waiting: one vectored write on the socket, from the
    /// caller's own thread. Only a whole request is ever left on the connection.
    pub fn write_now(&self, body: &str) -> Result<Pending, RpcError> {
        let mut len = [0u8; 24];
        let len = content_length(&mut len, body.len());
        let parts = [
            IoSlice::new(self.head.as_bytes()),
            IoSlice::new(len),
            IoSlice::new(body.as_bytes()),
        ];
        let total = self.head.len() + len.len() + body.len();
        // Held across the write so replies are owed in the order requests went out.
        let mut state = lock(&self.state);
        if state.down {
            return Err(RpcError::Transport("the connection is down".into()));
        }
        match self.write.try_write_vectored(&parts) {
            Ok(n) if n == total => {
                let (tx, rx) = oneshot::channel();
                state.pending.push_back(tx);
                Ok(Pending {
                    reply: rx,
                    state: self.state.clone(),
                })
            }
            // Nothing written: the connection is still whole.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                Err(RpcError::Transport("the socket is not writable now".into()))
            }
            Ok(n) => {
                drop(state);
                take_down(&self.state, "a request was cut short");
                Err(RpcError::Transport(format!(
                    "wrote {n} of {total} bytes; connection dropped"
                )))
            }
            Err(e) => {
                drop(state);
                take_down(&self.state, "the connection failed");
                Err(RpcError::Transport(e.to_string()))
            }
        }
    }
}

/// A request on the wire, its reply still owed.
pub struct Pending {
    reply: oneshot::Receiver<Result<HttpReply, RpcError>>,
    state: Arc<Mutex<State>>,
}

impl Pending {
    /// Waits up to `within` for the reply. A reply that does not come in time takes the
    /// connection down: whatever follows it on the connection could no longer be trusted to
    /// be on time either.
    pub async fn reply(self, within: Duration) -> Result<HttpReply, RpcError> {
        match tokio::time::timeout(within, self.reply).await {
            Ok(r) => r.map_err(|_| RpcError::Transport("the connection closed".into()))?,
            Err(_) => {
                take_down(&self.state, "no reply in time");
                Err(RpcError::Transport(format!("no reply within {within:?}")))
            }
        }
    }
}

impl Drop for Http1Conn {
    fn drop(&mut self) {
        // Ends the reader (its socket half sees the shutdown) and fails what is owed.
        take_down(&self.state, "the connection was closed");
    }
}

/// `"{n}\r\n\r\n"` in `buf`, without allocating.
fn content_length(buf: &mut [u8; 24], mut n: usize) -> &[u8] {
    let mut i = buf.len() - 4;
    buf[i..].copy_from_slice(b"\r\n\r\n");
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// Fails what is owed however the reader ends, a panic included.
struct DownOnExit(Arc<Mutex<State>>);

impl Drop for DownOnExit {
    fn drop(&mut self) {
        take_down(&self.0, "the connection's reader stopped");
    }
}

/// Reads replies until the socket closes or a reply cannot be framed, handing each to the
/// oldest request still owed one.
async fn read_replies(read: OwnedReadHalf, state: Arc<Mutex<State>>) {
    let _down = DownOnExit(state.clone());
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    let why = loop {
        loop {
            match parse_reply(&buf) {
                Ok(Some(Framed { reply, close, used })) => {
                    buf.drain(..used);
                    let waiter = lock(&state).pending.pop_front();
                    let Some(w) = waiter else {
                        take_down(&state, "a reply nobody asked for");
                        return;
                    };
                    let _ = w.send(Ok(reply));
                    if close {
                        take_down(&state, "the server closed the connection");
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    take_down(&state, &format!("unreadable reply: {e}"));
                    return;
                }
            }
        }
        if buf.len() > MAX_BUFFERED {
            break format!("a reply over {MAX_BUFFERED} bytes");
        }
        if lock(&state).down {
            return;
        }
        if let Err(e) = read.readable().await {
            break e.to_string();
        }
        match read.try_read(&mut chunk) {
            Ok(0) => break "the server closed the connection".to_owned(),
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => break e.to_string(),
        }
    };
    take_down(&state, &why);
}

/// A whole reply found at the front of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Framed {
    pub reply: HttpReply,
    /// The server closes the connection after it.
    pub close: bool,
    /// The bytes it took.
    pub used: usize,
}

/// One whole HTTP/1.x reply at the front of `buf`, framed by Content-Length or chunks, with
/// any interim (1xx) replies before it skipped; `Ok(None)`: not all there yet. An error for
/// anything a keep-alive connection cannot frame.
pub fn parse_reply(buf: &[u8]) -> Result<Option<Framed>, String> {
    let mut at = 0;
    loop {
        match parse_one(buf.get(at..).unwrap_or_default())? {
            None => return Ok(None),
            Some(Parsed::Interim(used)) => at += used,
            Some(Parsed::Final(f)) => {
                return Ok(Some(Framed {
                    used: at + f.used,
                    ..f
                }));
            }
        }
    }
}

enum Parsed {
    /// A 1xx reply of this many bytes, to be skipped (RFC 9110 §15.2).
    Interim(usize),
    Final(Framed),
}

fn parse_one(buf: &[u8]) -> Result<Option<Parsed>, String> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > MAX_HEAD {
            return Err("reply headers too long".into());
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(buf.get(..end).unwrap_or_default())
        .map_err(|_| "reply headers are not text".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.split(' ');
    let version = words.next().unwrap_or_default();
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(format!("not an HTTP/1.x reply: {status_line:?}"));
    }
    let status: u16 = words
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| format!("no status in {status_line:?}"))?;
    if status == 101 {
        return Err("101 Switching Protocols on a request that asked for none".into());
    }
    if status < 200 {
        return Ok(Some(Parsed::Interim(end + 4)));
    }
    let mut length = None;
    let mut chunked = false;
    let mut close = version == "HTTP/1.0";
    let mut retry_after = None;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!("malformed header {line:?}"));
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("content-length") {
            let n: usize = v.parse().map_err(|_| format!("bad Content-Length {v:?}"))?;
            if length.is_some_and(|l| l != n) {
                return Err("two Content-Lengths".into());
            }
            length = Some(n);
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.eq_ignore_ascii_case("chunked");
            if !chunked {
                return Err(format!("unsupported Transfer-Encoding {v:?}"));
            }
        } else if k.eq_ignore_ascii_case("connection") {
            for token in v.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && version == "HTTP/1.0" {
                    close = false;
                }
            }
        } else if k.eq_ignore_ascii_case("retry-after") {
            retry_after = v.parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    // Both framings at once: chunked wins, and the connection cannot be trusted after it
    // (RFC 9112 §6.3).
    close |= chunked && length.is_some();
    let start = end + 4;
    let rest = buf.get(start..).unwrap_or_default();
    let (body, used) = if status == 204 || status == 304 {
        (Vec::new(), 0)
    } else if chunked {
        match dechunk(rest)? {
            Some(b) => b,
            None => return Ok(None),
        }
    } else {
        let Some(n) = length else {
            // The body would run to the end of the connection, which a keep-alive
            // connection cannot use.
            return Err("a reply without a length".into());
        };
        if n > MAX_BODY {
            return Err(format!("reply body of {n} bytes"));
        }
        match rest.get(..n) {
            Some(b) => (b.to_vec(), n),
            None => return Ok(None),
        }
    };
    Ok(Some(Parsed::Final(Framed {
        reply: HttpReply {
            status,
            retry_after,
            body,
        },
        close,
        used: start + used,
    })))
}

/// A chunked body at the front of `buf`: the body and the bytes it took.
fn dechunk(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let rest = buf.get(at..).unwrap_or_default();
        let Some(eol) = find(rest, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(rest.get(..eol).unwrap_or_default())
            .map_err(|_| "bad chunk size".to_owned())?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_hex:?}"))?;
        at += eol + 2;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            let rest = buf.get(at..).unwrap_or_default();
            let Some(end) = find(rest, b"\r\n") else {
                return Ok(None);
            };
            if end == 0 {
                return Ok(Some((body, at + 2)));
            }
            let Some(end) = find(rest, b"\r\n\r\n") else {
                return Ok(None);
            };
            return Ok(Some((body, at + end + 4)));
        }
        if size > MAX_BODY.saturating_sub(body.len()) {
            return Err("chunked reply too long".into());
        }
        // Both sums are bounded by the buffer's length plus MAX_BODY + 2.
        let Some(data) = buf.get(at..at + size) else {
            return Ok(None);
        };
        match buf.get(at + size..at + size + 2) {
            Some(b"\r\n") => {}
            Some(_) => return Err("chunk not followed by CRLF".into()),
            None => return Ok(None),
        }
        body.extend_from_slice(data);
        at += size + 2;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const T: Duration = Duration::from_secs(5);

    fn parsed(raw: &[u8]) -> (HttpReply, bool, usize) {
        let f = parse_reply(raw).unwrap().unwrap();
        (f.reply, f.close, f.used)
    }

    #[test]
    fn content_length_is_written_without_allocating() {
        let mut b = [0u8; 24];
        assert_eq!(content_length(&mut b, 0), b"0\r\n\r\n");
        assert_eq!(content_length(&mut b, 1234), b"1234\r\n\r\n");
        let max = format!("{}\r\n\r\n", usize::MAX);
        assert_eq!(content_length(&mut b, usize::MAX), max.as_bytes());
    }

    #[test]
    fn urls_split_into_address_host_and_target() {
        assert_eq!(
            plain_http("http://127.0.0.1:8899"),
            Some(("127.0.0.1:8899".into(), "127.0.0.1:8899".into(), "/".into()))
        );
        assert_eq!(
            plain_http("http://rpc.local/api?key=1"),
            Some((
                "rpc.local:80".into(),
                "rpc.local".into(),
                "/api?key=1".into()
            ))
        );
        assert_eq!(plain_http("https://rpc.example.com"), None);
        assert_eq!(plain_http("http://user:pw@rpc.local"), None);
        assert_eq!(plain_http("not a url"), None);
    }

    #[test]
    fn replies_are_framed_by_length_or_chunks_and_only_when_whole() {
        let one =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
        let (r, close, used) = parsed(one);
        assert_eq!(
            (r.status, r.body.as_slice(), close, used),
            (200, &b"hello"[..], false, one.len())
        );
        // Every cut short of the whole reply waits for more.
        for cut in 0..one.len() {
            assert_eq!(parse_reply(&one[..cut]).unwrap(), None, "cut at {cut}");
        }
        // Two replies back to back: the first is taken alone.
        let two = [&one[..], &one[..]].concat();
        assert_eq!(parsed(&two).2, one.len());

        let chunked = b"HTTP/1.1 429 Too Many Requests\r\ntransfer-encoding: chunked\r\nRetry-After: 3\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT";
        let (r, _, used) = parsed(chunked);
        assert_eq!(r.status, 429);
        assert_eq!(r.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(r.body, b"Wikipedia");
        assert_eq!(&chunked[used..], b"NEXT");
        for cut in 0..chunked.len() - 4 {
            assert_eq!(parse_reply(&chunked[..cut]).unwrap(), None, "cut at {cut}");
        }
        let plain_end =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
        assert_eq!(parsed(plain_end).0.body, b"ok");

        let (_, close, _) =
            parsed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assert!(close);
        let (_, close, _) = parsed(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert!(close);
        let (_, close, _) =
            parsed(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        assert!(!close);
        let (_, close, _) =
            parsed(b"HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 0\r\n\r\n");
        assert!(close);
        // Chunked and a length at once: read as chunked, and the connection is not trusted.
        let (r, close, _) = parsed(
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        );
        assert_eq!((r.body.as_slice(), close), (&b"ok"[..], true));
        // Interim replies are skipped; their bytes count in what the reply took.
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let (r, _, used) = parsed(interim);
        assert_eq!(
            (r.status, r.body.as_slice(), used),
            (200, &b"ok"[..], interim.len())
        );
        assert_eq!(parse_reply(b"HTTP/1.1 100 Continue\r\n\r\n").unwrap(), None);
        let no_content = b"HTTP/1.1 204 No Content\r\n\r\nX";
        let (r, _, used) = parsed(no_content);
        assert_eq!(
            (r.status, r.body.len(), used),
            (204, 0, no_content.len() - 1)
        );
    }

    #[test]
    fn replies_it_cannot_frame_are_errors() {
        let bad: [&[u8]; 11] = [
            b"SMTP 220 hello\r\n\r\n",
            b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 99 Odd\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
            // A chunk size that would overflow the body's length.
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nX\r\nffffffffffffffff\r\n",
            b"HTTP/1.1 200 OK\r\n\r\nbody to the end",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
        ];
        for b in bad {
            assert!(parse_reply(b).is_err(), "{:?}", String::from_utf8_lossy(b));
        }
        assert!(parse_reply(&vec![b'a'; MAX_HEAD + 1]).is_err());
        let huge = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(parse_reply(huge.as_bytes()).is_err());
        let chunk_no_crlf = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX";
        assert!(parse_reply(chunk_no_crlf).is_err());
    }

    /// A server that answers each request with its own body, after `delay` for a body that
    /// says "slow", and closes after a body that says "bye".
    async fn echo_server() -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/rpc", l.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut have = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let Some(end) = find(&have, b"\r\n\r\n") else {
                            let Ok(n) = s.read(&mut buf).await else {
                                return;
                            };
                            if n == 0 {
                                return;
                            }
                            have.extend_from_slice(&buf[..n]);
                            continue;
                        };
                        let head = String::from_utf8_lossy(&have[..end]).to_string();
                        assert!(
                            head.starts_with("POST /rpc HTTP/1.1\r\nHost: 127.0.0.1:"),
                            "{head}"
                        );
                        let len: usize = head
                            .split("\r\n")
                            .find_map(|l| l.strip_prefix("Content-Length: "))
                            .unwrap()
                            .parse()
                            .unwrap();
                        while have.len() < end + 4 + len {
                            let n = s.read(&mut buf).await.unwrap();
                            have.extend_from_slice(&buf[..n]);
                        }
                        let body: Vec<u8> = have.drain(..end + 4 + len).skip(end + 4).collect();
                        if body == b"slow" {
                            tokio::time::sleep(Duration::from_millis(30)).await;
                        }
                        if body == b"bye" {
                            return;
                        }
                        let mut reply =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                                .into_bytes();
                        reply.extend_from_slice(&body);
                        // Byte by byte: the reader must put replies together.
                        for b in reply {
                            s.write_all(&[b]).await.unwrap();
                        }
                    }
                });
            }
        });
        url
    }

    #[tokio::test]
    async fn requests_in_flight_together_get_their_own_replies() {
        let url = echo_server().await;
        let c = Http1Conn::connect(&url, Duration::from_secs(2))
            .await
            .unwrap();
        let (a, b, d) = tokio::join!(
            c.request("slow", T),
            c.request("second", T),
            c.request("3", T)
        );
        assert_eq!(a.unwrap().body, b"slow");
        assert_eq!(b.unwrap().body, b"second");
        assert_eq!(d.unwrap().body, b"3");
        assert!(c.is_up());
    }

    #[tokio::test]
    async fn a_request_written_now_keeps_its_place_even_if_nobody_waits() {
        let url = echo_server().await;
        let c = Http1Conn::connect(&url, Duration::from_secs(2))
            .await
            .unwrap();
        // On the wire before anything is awaited; its reply is owed in turn.
        let first = c.write_now("slow").unwrap();
        let dropped = c.write_now("dropped").unwrap();
        drop(dropped);
        let third = c.request("third", T).await.unwrap();
        assert_eq!(third.body, b"third");
        assert_eq!(first.reply(T).await.unwrap().body, b"slow");
        assert!(c.is_up());
    }

    #[tokio::test]
    async fn a_closed_connection_fails_what_is_owed_and_stays_down() {
        let url = echo_server().await;
        let c = Http1Conn::connect(&url, Duration::from_secs(2))
            .await
            .unwrap();
        let e = c.request("bye", T).await.unwrap_err();
        assert!(matches!(e, RpcError::Transport(_)), "{e}");
        assert!(!c.is_up());
        let e = c.request("again", T).await.unwrap_err();
        assert!(e.to_string().contains("down"), "{e}");
    }

    #[tokio::test]
    async fn a_reply_that_never_ends_is_cut_off_not_buffered_for_ever() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            // A chunk-size line whose extension never ends.
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=")
                .await;
            let filler = vec![b'a'; 64 * 1024];
            while s.write_all(&filler).await.is_ok() {}
        });
        let c = Http1Conn::connect(&url, Duration::from_secs(2))
            .await
            .unwrap();
        let e = c.request("{}", T).await.unwrap_err();
        assert!(e.to_string().contains("bytes"), "{e}");
        assert!(!c.is_up());
    }

    #[tokio::test]
    async fn only_plain_http_is_connected() {
        let e = Http1Conn::connect("https://127.0.0.1:1/", Duration::from_secs(1))
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a plain http URL"), "{e}");
        // Nothing listens on port 1.
        assert!(
            Http1Conn::connect("http://127.0.0.1:1/", Duration::from_secs(1))
                .await
                .is_err()
        );
    }
}
