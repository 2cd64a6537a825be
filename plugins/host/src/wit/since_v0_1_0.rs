//! `kestrel:plugin@0.1.0` (`plugins/wit/since_v0.1.0`, frozen): its host bindings, and its
//! imports served by converting into the latest version's. A component built against 0.1.0
//! runs unchanged: it sees the events 0.1.0 knows (fills, exits, state changes, alerts), in
//! 0.1.0's shapes, and its `kv` is the same durable store 0.2.0 plugins get.

use super::latest;
use crate::imports::State;

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "plugin",
});

use kestrel::plugin::{clock, engine, http, kv, log, types};

impl types::Host for State {}

impl From<types::HttpRequest> for latest::HttpRequest {
    fn from(r: types::HttpRequest) -> Self {
        Self {
            method: r.method,
            url: r.url,
            headers: r.headers,
            body: r.body,
            timeout_ms: r.timeout_ms,
            signer: None,
        }
    }
}

impl From<latest::HttpResponse> for types::HttpResponse {
    fn from(r: latest::HttpResponse) -> Self {
        Self {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}

impl From<latest::HttpError> for types::HttpError {
    fn from(e: latest::HttpError) -> Self {
        match e {
            latest::HttpError::Denied(m) => Self::Denied(m),
            latest::HttpError::Timeout => Self::Timeout,
            latest::HttpError::TooLarge => Self::TooLarge,
            latest::HttpError::Transport(m) => Self::Transport(m),
            latest::HttpError::Busy => Self::Busy,
        }
    }
}

impl From<latest::CommandError> for types::CommandError {
    fn from(e: latest::CommandError) -> Self {
        match e {
            latest::CommandError::NotGranted => Self::NotGranted,
            latest::CommandError::BadInput(m) => Self::BadInput(m),
            latest::CommandError::Refused(m) => Self::Refused(m),
            latest::CommandError::Unavailable => Self::Unavailable,
        }
    }
}

impl From<latest::Level> for types::Level {
    fn from(l: latest::Level) -> Self {
        match l {
            latest::Level::Debug => Self::Debug,
            latest::Level::Info => Self::Info,
            latest::Level::Warn => Self::Warn,
            latest::Level::Error => Self::Error,
        }
    }
}

impl From<types::Level> for latest::Level {
    fn from(l: types::Level) -> Self {
        match l {
            types::Level::Debug => Self::Debug,
            types::Level::Info => Self::Info,
            types::Level::Warn => Self::Warn,
            types::Level::Error => Self::Error,
        }
    }
}

/// The event in 0.1.0's shape; none for the kinds 0.1.0 does not have (launches, digests).
pub(crate) fn event(e: &latest::Event) -> Option<Event> {
    Some(match e {
        latest::Event::Fill(f) => Event::Fill(types::Fill {
            mint: f.mint.clone(),
            is_buy: f.is_buy,
            tokens: f.tokens,
            sol_lamports: f.sol_lamports,
            why: f.why.clone(),
            signature: f.signature.clone(),
        }),
        latest::Event::Exit(x) => Event::Exit((x.mint.clone(), x.reason.clone())),
        latest::Event::StateChanged(s) => Event::StateChanged(s.clone()),
        latest::Event::Alert(a) => Event::Alert(a.clone()),
        latest::Event::Launch(_) | latest::Event::Digest(_) => return None,
    })
}

/// 0.1.0's event kinds in the latest's terms (0.1.0 has the first four).
pub(crate) fn kinds(k: EventKinds) -> latest::EventKinds {
    [
        (EventKinds::FILLS, latest::EventKinds::FILLS),
        (EventKinds::EXITS, latest::EventKinds::EXITS),
        (EventKinds::STATES, latest::EventKinds::STATES),
        (EventKinds::ALERTS, latest::EventKinds::ALERTS),
    ]
    .into_iter()
    .filter(|(old, _)| k & *old == *old)
    .fold(latest::EventKinds::empty(), |acc, (_, new)| acc | new)
}

impl http::Host for State {
    fn send(
        &mut self,
        request: types::HttpRequest,
    ) -> Result<types::HttpResponse, types::HttpError> {
        latest::kestrel::plugin::http::Host::send(self, request.into())
            .map(Into::into)
            .map_err(Into::into)
    }
}

impl engine::Host for State {
    fn buy(&mut self, mint: String, lamports: u64) -> Result<String, types::CommandError> {
        latest::kestrel::plugin::engine::Host::buy(self, mint, lamports).map_err(Into::into)
    }

    fn sell(&mut self, mint: String, percent: u8) -> Result<String, types::CommandError> {
        latest::kestrel::plugin::engine::Host::sell(self, mint, percent).map_err(Into::into)
    }

    fn pause(&mut self) -> Result<String, types::CommandError> {
        latest::kestrel::plugin::engine::Host::pause(self).map_err(Into::into)
    }

    fn resume(&mut self) -> Result<String, types::CommandError> {
        latest::kestrel::plugin::engine::Host::resume(self).map_err(Into::into)
    }

    fn kill(&mut self, sell_all: bool) -> Result<String, types::CommandError> {
        latest::kestrel::plugin::engine::Host::kill(self, sell_all).map_err(Into::into)
    }

    fn positions(&mut self) -> Vec<types::Position> {
        latest::kestrel::plugin::engine::Host::positions(self)
            .into_iter()
            .map(|p| types::Position {
                mint: p.mint,
                tokens: p.tokens,
                cost_lamports: p.cost_lamports,
                value_lamports: p.value_lamports,
                graduated: p.graduated,
                selling: p.selling,
            })
            .collect()
    }

    fn pnl(&mut self) -> types::PnlReport {
        let p = latest::kestrel::plugin::engine::Host::pnl(self);
        types::PnlReport {
            realized_lamports: p.realized_lamports,
            unrealized_lamports: p.unrealized_lamports,
            open_positions: p.open_positions,
            exposure_lamports: p.exposure_lamports,
            wallet_lamports: p.wallet_lamports,
        }
    }

    fn status(&mut self) -> types::EngineStatus {
        let s = latest::kestrel::plugin::engine::Host::status(self);
        types::EngineStatus {
            // 0.1.0 documents three states: a pause reads as halted, as it did.
            trading_state: if s.trading_state == "paused" {
                "halted".into()
            } else {
                s.trading_state
            },
            launches: s.launches,
            bought: s.bought,
            sold: s.sold,
            open_positions: s.open_positions,
            slot: s.slot,
        }
    }
}

impl kv::Host for State {
    fn get(&mut self, key: String) -> Option<Vec<u8>> {
        latest::kestrel::plugin::kv::Host::get(self, key)
            .ok()
            .flatten()
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        latest::kestrel::plugin::kv::Host::set(self, key, value)
            .map_err(|e| crate::imports::kv::describe(&e))
    }

    fn delete(&mut self, key: String) {
        let _ = latest::kestrel::plugin::kv::Host::delete(self, key);
    }
}

impl log::Host for State {
    fn log(&mut self, level: types::Level, message: String) {
        latest::kestrel::plugin::log::Host::log(self, level.into(), message);
    }
}

impl clock::Host for State {
    fn now_ms(&mut self) -> u64 {
        latest::kestrel::plugin::clock::Host::now_ms(self)
    }
}
