//! `GET /api/stream`: Server-Sent Events the page updates from. A new listener first gets the
//! whole state (`status`, `latency`); then `status` every second and `latency` every two, and
//! each `fill`, `exit`, `state`, `alert` and operator `action` as it happens. Every event
//! carries an id (ms since the epoch); a slow listener that falls behind is told (`lagged`)
//! and the page reloads its tables. The browser reconnects by itself.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::{Board, api, unix_ms};

fn event(kind: &str, data: String) -> Event {
    Event::default()
        .event(kind)
        .id(unix_ms().to_string())
        .data(data)
}

/// The snapshots, published for every listener once a second while anyone listens.
pub fn start_ticker(board: Arc<Board>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            n += 1;
            if board.events.receiver_count() == 0 {
                continue;
            }
            let status = api::status_value(&board).to_string();
            let _ = board.events.send(("status".into(), status));
            if n.is_multiple_of(2) {
                let latency = api::latency_value(&board.setup.published.metrics).to_string();
                let _ = board.events.send(("latency".into(), latency));
            }
        }
    });
}

pub async fn stream(
    State(b): State<Arc<Board>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = vec![
        event("status", api::status_value(&b).to_string()),
        event(
            "latency",
            api::latency_value(&b.setup.published.metrics).to_string(),
        ),
    ];
    let rx = b.events.subscribe();
    let live = stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok((kind, data)) => Some((Ok(event(&kind, data)), rx)),
            // Fell behind: the page reloads what it shows.
            Err(RecvError::Lagged(n)) => {
                let e = event("lagged", json!({ "missed": n }).to_string());
                Some((Ok(e), rx))
            }
            Err(RecvError::Closed) => None,
        }
    });
    let head = stream::iter(first.into_iter().map(Ok));
    Sse::new(futures_util::StreamExt::chain(head, live))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
