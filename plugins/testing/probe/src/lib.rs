//! A plugin for testing the host. `mode` picks what `on-message` does:
//! - `echo`: replies with the text (the call-overhead bench);
//! - `spin`: loops forever;
//! - `memory`: allocates until it is stopped;
//! - `http`: GETs the URL in the message and replies with the outcome;
//! - `buy`: asks the engine to buy `<mint> <lamports>` and replies with the outcome;
//! - `flood`: sends 1000 HTTP requests to the URL in the message and 1000 log lines, and
//!   replies with how many requests got through;
//! - `panic`: panics.
//!
//! Every mode counts its calls in the key-value store (`calls`).

use kestrel_plugin_sdk::{EventKinds, HttpRequest, Inbound, Level, Plugin, engine, http, kv, log};

struct Probe {
    mode: String,
}

fn get(url: &str) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        url: url.into(),
        headers: Vec::new(),
        body: Vec::new(),
        timeout_ms: 2_000,
    }
}

impl Plugin for Probe {
    fn init(settings: Vec<(String, String)>) -> Result<Self, String> {
        let mode = settings
            .iter()
            .find(|(k, _)| k == "mode")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| "echo".into());
        Ok(Self { mode })
    }

    fn subscriptions(&self) -> EventKinds {
        EventKinds::all()
    }

    fn on_message(&mut self, m: Inbound) -> Vec<String> {
        let calls = kv::get("calls")
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_le_bytes)
            + 1;
        let _ = kv::set("calls", &calls.to_le_bytes());
        match self.mode.as_str() {
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "http" => match http::send(&get(&m.text)) {
                Ok(r) => vec![format!("status {}", r.status)],
                Err(e) => vec![format!("error {e:?}")],
            },
            "buy" => {
                let mut parts = m.text.split_whitespace();
                let mint = parts.next().unwrap_or_default();
                let lamports = parts.next().and_then(|l| l.parse().ok()).unwrap_or(1);
                match engine::buy(mint, lamports) {
                    Ok(r) => vec![format!("ok {r}")],
                    Err(e) => vec![format!("error {e:?}")],
                }
            }
            "flood" => {
                let mut through = 0;
                for i in 0..1_000 {
                    if http::send(&get(&m.text)).is_ok() {
                        through += 1;
                    }
                    log::log(Level::Info, &format!("flood {i} {}", "x".repeat(4_000)));
                }
                vec![format!("through {through}")]
            }
            "panic" => panic!("the probe panics on purpose"),
            _ => vec![m.text],
        }
    }
}

kestrel_plugin_sdk::register_plugin!(Probe);
