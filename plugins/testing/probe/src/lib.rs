//! A plugin for testing the host (the sandbox tests, the benches, the e2e harness's
//! `--hostile` modes). Built against the latest interface.
//!
//! `mode` picks what a plain `on-message` does:
//! - `echo`: replies with the text (the call-overhead bench);
//! - `spin`: loops forever;
//! - `memory`: allocates until it is stopped;
//! - `http`: GETs the URL in the message and replies with the outcome;
//! - `buy`: asks the engine to buy `<mint> <lamports>` and replies with the outcome;
//! - `flood`: sends 1000 HTTP requests to the URL in the message and 1000 log lines, and
//!   replies with how many requests got through;
//! - `panic`: panics.
//!
//! In every mode, a message starting with a verb runs it instead:
//! - `kv:set K V`, `kv:get K`, `kv:del K`, `kv:cas K OLD NEW` (`-` for none), `kv:keys P`,
//!   `kv:usage`, `kv:fill` (writes 1 KiB values until the quota refuses; replies how many),
//!   `kv:clear P` (deletes every key starting with P);
//! - `topic:publish T BODY`, `topic:flood T` (publishes until refused, 10,000 at most),
//!   `topic:last` (the last message received: `topic sender body`);
//! - `signed URL SIGNER` (POSTs a JSON body to URL signed by SIGNER, replies the status);
//! - `curve MINT`, `launches N`, `events` (counts of the events received by kind);
//! - `calls` (the number of messages handled, from the store).
//!
//! `webhook` (setting) picks what `on-webhook` does: `echo` (default: status 200, the path,
//! query and body back as `path?query body`), `slow` (computes `slow_ms`, 500 by default,
//! then echoes), `spin` (loops forever). `topics` (comma-separated) are received;
//! `launch_keywords` (comma-separated) filter launches.

use std::collections::BTreeMap;

use kestrel_plugin_sdk::{
    Event, EventKinds, HttpRequest, Inbound, LaunchFilter, Level, Plugin, Subscriptions,
    TopicMessage, WebhookRequest, WebhookResponse, engine, http, kv, log, topics,
};

struct Probe {
    mode: String,
    webhook: String,
    slow_ms: u64,
    topics: Vec<String>,
    launch_keywords: Vec<String>,
    last_topic: Option<TopicMessage>,
    events: BTreeMap<&'static str, u64>,
}

fn request(method: &str, url: &str) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        url: url.into(),
        headers: Vec::new(),
        body: Vec::new(),
        timeout_ms: 2_000,
        signer: None,
    }
}

fn list(settings: &[(String, String)], key: &str) -> Vec<String> {
    settings
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn setting(settings: &[(String, String)], key: &str, default: &str) -> String {
    settings
        .iter()
        .find(|(k, _)| k == key)
        .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
}

/// Computes for about `ms` milliseconds (no sleeping: the host counts computing).
fn compute_for(ms: u64) {
    let start = kestrel_plugin_sdk::clock::now_ms();
    let mut x: u64 = 0;
    while kestrel_plugin_sdk::clock::now_ms().saturating_sub(start) < ms {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }
}

fn opt(s: &str) -> Option<Vec<u8>> {
    (s != "-").then(|| s.as_bytes().to_vec())
}

impl Probe {
    fn verb(&mut self, text: &str) -> Option<Vec<String>> {
        let mut w = text.splitn(3, ' ');
        let verb = w.next()?;
        let (a, b) = (w.next().unwrap_or(""), w.next().unwrap_or(""));
        Some(vec![match verb {
            "kv:set" => format!("{:?}", kv::set(a, b.as_bytes())),
            "kv:get" => match kv::get(a) {
                Ok(Some(v)) => String::from_utf8_lossy(&v).into_owned(),
                Ok(None) => "none".into(),
                Err(e) => format!("{e:?}"),
            },
            "kv:del" => format!("{:?}", kv::delete(a)),
            "kv:cas" => {
                let (old, new) = b.split_once(' ').unwrap_or((b, "-"));
                format!(
                    "{:?}",
                    kv::compare_and_set(a, opt(old).as_deref(), opt(new).as_deref())
                )
            }
            "kv:keys" => match kv::keys(a, None, 100) {
                Ok(k) => k.join(","),
                Err(e) => format!("{e:?}"),
            },
            "kv:usage" => format!("{:?}", kv::usage()),
            "kv:clear" => {
                let mut n = 0u32;
                while let Ok(keys) = kv::keys(a, None, 1_000) {
                    if keys.is_empty() {
                        break;
                    }
                    for k in keys {
                        if kv::delete(&k).is_ok() {
                            n += 1;
                        }
                    }
                }
                format!("deleted {n}")
            }
            "kv:fill" => {
                let mut n = 0u32;
                let refused = loop {
                    match kv::set(&format!("fill:{n:08}"), &[7u8; 1_024]) {
                        Ok(()) => n += 1,
                        Err(e) => break format!("{e:?}"),
                    }
                };
                format!("wrote {n} then {refused}")
            }
            "topic:publish" => format!("{:?}", topics::publish(a, b.as_bytes())),
            "topic:flood" => {
                let mut n = 0u32;
                let refused = loop {
                    if n == 10_000 {
                        break "none".to_owned();
                    }
                    match topics::publish(a, format!("flood {n}").as_bytes()) {
                        Ok(()) => n += 1,
                        Err(e) => break format!("{e:?}"),
                    }
                };
                format!("published {n} then {refused}")
            }
            "topic:last" => match &self.last_topic {
                Some(m) => format!(
                    "{} {} {}",
                    m.topic,
                    m.sender,
                    String::from_utf8_lossy(&m.body)
                ),
                None => "none".into(),
            },
            "signed" => {
                let mut r = request("POST", a);
                r.headers = vec![("content-type".into(), "application/json".into())];
                r.body = br#"{"text":"hello"}"#.to_vec();
                r.signer = Some(b.into());
                match http::send(&r) {
                    Ok(r) => format!("status {}", r.status),
                    Err(e) => format!("error {e:?}"),
                }
            }
            "curve" => format!("{:?}", engine::curve(a)),
            "launches" => format!("{:?}", engine::recent_launches(a.parse().unwrap_or(10))),
            "events" => format!("{:?}", self.events),
            "calls" => kv::get("calls")
                .ok()
                .flatten()
                .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
                .map_or(0, u64::from_le_bytes)
                .to_string(),
            _ => return None,
        }])
    }
}

impl Plugin for Probe {
    fn init(settings: Vec<(String, String)>) -> Result<Self, String> {
        Ok(Self {
            mode: setting(&settings, "mode", "echo"),
            webhook: setting(&settings, "webhook", "echo"),
            slow_ms: setting(&settings, "slow_ms", "500").parse().unwrap_or(500),
            topics: list(&settings, "topics"),
            launch_keywords: list(&settings, "launch_keywords"),
            last_topic: None,
            events: BTreeMap::new(),
        })
    }

    fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            events: EventKinds::all(),
            launch_filter: (!self.launch_keywords.is_empty()).then(|| LaunchFilter {
                quotes: Vec::new(),
                keywords: self.launch_keywords.clone(),
                per_minute: 0,
            }),
            topics: self.topics.clone(),
        }
    }

    fn on_message(&mut self, m: Inbound) -> Vec<String> {
        let calls = kv::get("calls")
            .ok()
            .flatten()
            .and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
            .map_or(0, u64::from_le_bytes)
            + 1;
        let _ = kv::set("calls", &calls.to_le_bytes());
        if let Some(r) = self.verb(&m.text) {
            return r;
        }
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
            "http" => match http::send(&request("GET", &m.text)) {
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
                    if http::send(&request("GET", &m.text)).is_ok() {
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

    fn on_event(&mut self, e: Event) {
        let kind = match e {
            Event::Launch(_) => "launch",
            Event::Fill(_) => "fill",
            Event::Exit(_) => "exit",
            Event::StateChanged(_) => "state",
            Event::Alert(_) => "alert",
            Event::Digest(_) => "digest",
        };
        *self.events.entry(kind).or_default() += 1;
    }

    fn on_webhook(&mut self, r: WebhookRequest) -> WebhookResponse {
        match self.webhook.as_str() {
            "spin" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "slow" => compute_for(self.slow_ms),
            _ => {}
        }
        let mut body = format!("{}?{} ", r.path, r.query).into_bytes();
        body.extend_from_slice(&r.body);
        WebhookResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body,
        }
    }

    fn on_topic(&mut self, m: TopicMessage) {
        self.last_topic = Some(m);
    }
}

kestrel_plugin_sdk::register_plugin!(Probe);
