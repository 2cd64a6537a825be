//! The floor of the end-to-end harness: a client that does the least any client could. It reads
//! each create's frame off a plain websocket and writes a buy signed before the launch (no
//! decoding, no deriving, no signing on the path), then reads the reply. What it measures is
//! this host's own cost under the config's idle policy: the local cluster's publishing and two
//! loopback crossings. It waits for frames as the engine's hot threads wait for work (`park`
//! blocks in the read; `yield` and `spin` poll the socket), so both meet the host's wake-up
//! costs alike.

use std::io::{Read, Write as _};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use anyhow::{Context as _, Result, bail};
use kestrel_engine::threads::Idle;
use kestrel_exec::http1::{HttpReply, parse_reply};
use kestrel_pump::ids::PUMP_PROGRAM;
use tokio_tungstenite::tungstenite::{self, Message};

/// The line a create's logs carry; nothing else in the frame is looked at.
const CREATE_LINE: &str = "Program log: Instruction: Create";

/// A running floor client.
pub(crate) struct Floor {
    /// The websocket's socket, kept to unblock the reader when the pass ends.
    ws: TcpStream,
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<Result<usize>>,
}

impl Floor {
    /// Connects and subscribes; `bodies[i]` is the `sendTransaction` body written when the
    /// i-th create's frame arrives (launches arrive in order on one subscription).
    pub(crate) fn start(
        ws: SocketAddr,
        rpc: SocketAddr,
        bodies: Vec<String>,
        idle: Idle,
    ) -> Result<Self> {
        let sock = TcpStream::connect(ws).context("floor: connect to the websocket")?;
        sock.set_nodelay(true)?;
        let keep = sock.try_clone()?;
        let (mut socket, _) = tungstenite::client(format!("ws://{ws}"), sock)
            .map_err(|e| anyhow::anyhow!("floor: websocket handshake: {e}"))?;
        let subscribe = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"logsSubscribe","params":[{{"mentions":["{PUMP_PROGRAM}"]}},{{"commitment":"processed"}}]}}"#
        );
        socket.send(Message::text(subscribe))?;
        // The subscription's id comes back before any notification.
        match socket.read()? {
            Message::Text(t) if t.contains("\"result\"") => {}
            other => bail!("floor: logsSubscribe was not acknowledged: {other:?}"),
        }
        // Polling: a read with nothing there returns at once (tungstenite resumes a frame
        // read across WouldBlock).
        keep.set_nonblocking(idle != Idle::Park)?;
        let mut http = TcpStream::connect(rpc).context("floor: connect to the RPC port")?;
        http.set_nodelay(true)?;
        let requests: Vec<Vec<u8>> = bodies
            .iter()
            .map(|b| {
                format!(
                    "POST / HTTP/1.1\r\nHost: {rpc}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                    b.len()
                )
                .into_bytes()
            })
            .collect();
        let stopping = Arc::new(AtomicBool::new(false));
        let stopped = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("bench-floor".into())
            .spawn(move || {
                let mut sent = 0;
                let mut pending = Vec::with_capacity(4096);
                for request in &requests {
                    loop {
                        match socket.read() {
                            Ok(Message::Text(t)) if t.contains(CREATE_LINE) => break,
                            Ok(_) => {}
                            Err(tungstenite::Error::Io(e))
                                if e.kind() == std::io::ErrorKind::WouldBlock =>
                            {
                                if stopped.load(Ordering::Acquire) {
                                    return Ok(sent);
                                }
                                idle.pause();
                            }
                            // The pass is over: its socket was shut down.
                            Err(_) if stopped.load(Ordering::Acquire) => return Ok(sent),
                            Err(e) => bail!("floor: the websocket failed: {e}"),
                        }
                    }
                    http.write_all(request)?;
                    sent += 1;
                    read_reply(&mut http, &mut pending)?;
                }
                Ok(sent)
            })?;
        Ok(Self {
            ws: keep,
            stopping,
            thread,
        })
    }

    /// Ends the pass: the buys it wrote.
    pub(crate) fn stop(self) -> Result<usize> {
        self.stopping.store(true, Ordering::Release);
        let _ = self.ws.shutdown(Shutdown::Both);
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("floor: the client thread panicked"))?
    }
}

/// Reads one reply off `http` (bytes read past it stay in `buf` for the next call), so the
/// keep-alive connection is ready for the next request. Its content does not matter to the
/// floor.
fn read_reply(http: &mut impl Read, buf: &mut Vec<u8>) -> Result<HttpReply> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(f) = parse_reply(buf).map_err(|e| anyhow::anyhow!("floor: {e}"))? {
            buf.drain(..f.used);
            return Ok(f.reply);
        }
        let n = http.read(&mut chunk)?;
        if n == 0 {
            bail!("floor: the RPC connection closed");
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::net::TcpListener;

    /// A reply split across writes, and two replies back to back on one connection, are read
    /// one at a time; a reply without a length is an error, not a hang.
    #[test]
    fn replies_are_read_whole_and_one_at_a_time() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab")
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
            s.write_all(b"c").unwrap();
            s.write_all(b"de").unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n")
                .unwrap();
        });
        let mut c = TcpStream::connect(addr).unwrap();
        let mut buf = Vec::new();
        let first = read_reply(&mut c, &mut buf).unwrap();
        assert_eq!(first.body, b"abcde");
        server.join().unwrap();
        let e = read_reply(&mut c, &mut buf).unwrap_err();
        assert!(e.to_string().contains("without a length"), "{e}");
        // A connection that closes mid-reply is an error too.
        let mut cut = &b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"[..];
        let e = read_reply(&mut cut, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("closed"), "{e}");
    }
}
