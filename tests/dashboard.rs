//! The dashboard, served over real HTTP beside the engine on the local cluster with its
//! journal: the API answers as its OpenAPI document says (each answer checked against its
//! schema), the controls refuse anyone without a session or without the CSRF token and work
//! with them, and every action lands in the journal with its origin; then a real browser
//! (Debian's chromium, headless, driven over the DevTools protocol) loads the page with no
//! console errors, sees a fill made on the local cluster appear without a reload, signs in with
//! the operator's token and pauses the engine. Screenshots of each page and the page's weight
//! and fill→DOM latency are written for the closing note.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "harness/mod.rs"]
mod harness;

#[path = "dashboard/cdp.rs"]
mod cdp;

use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use harness::{Harness, SOL, wait_for};
use kestrel_dashboard::{Board, Setup};
use kestrel_engine::Engine;
use kestrel_engine::engine::JournalSetup;
use kestrel_guardian::TradingState;
use kestrel_sim::faults::Faults;
use serde_json::{Value, json};

const TOKEN: &str = "operator-secret-token";

struct World {
    h: Harness,
    engine: Engine,
    addr: SocketAddr,
    journal: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let h = Harness::new(Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.db");
    let mut setup = h.setup(h.funded_wallet(20 * SOL), 1);
    setup.journal = Some(JournalSetup {
        path: journal.clone(),
        sync: kestrel_store::Sync::Normal,
    });
    let (tx, rx) = crossbeam_channel::bounded(1_024);
    setup.events = Some(tx);
    let engine = Engine::start(setup).unwrap();
    wait_for("the feed", Duration::from_secs(10), || {
        engine.feeds.iter().all(|f| f.connected.load(Relaxed))
    });
    let board = Board::new(Setup {
        published: engine.published(),
        journal: Some(journal.clone()),
        plugins: None,
        token: Some(TOKEN.into()),
        wallet: engine.wallet.to_string(),
        paper: false,
        explorer_tx: "https://explorer.solana.com/tx/{signature}?cluster=custom".into(),
        exit_rules: vec!["stop loss at -30.00 %".into()],
    });
    let events = board.clone();
    std::thread::spawn(move || {
        for e in rx {
            events.engine_event(&e);
        }
    });
    let addr = h
        .runtime
        .block_on(kestrel_dashboard::serve(
            "127.0.0.1:0".parse().unwrap(),
            board,
        ))
        .unwrap();
    World {
        h,
        engine,
        addr,
        journal,
        _dir: dir,
    }
}

/// Checks `v` against a JSON schema of the OpenAPI document: `$ref`, `type` (one or a
/// list), `properties`, `required`, `items`, `enum`, `additionalProperties`.
fn conforms(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return conforms(doc, &doc["components"]["schemas"][name], v, at);
    }
    let kind = |t: &str| match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => false,
    };
    let ok = match &schema["type"] {
        Value::String(t) => kind(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(kind),
        _ => true,
    };
    if !ok {
        return Err(format!("{at}: {v} is not {}", schema["type"]));
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {e:?}"));
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let k = r.as_str().unwrap();
        if v.get(k).is_none() {
            return Err(format!("{at}: `{k}` is missing"));
        }
    }
    if let (Some(props), Some(o)) = (schema["properties"].as_object(), v.as_object()) {
        for (k, s) in props {
            if let Some(x) = o.get(k) {
                conforms(doc, s, x, &format!("{at}.{k}"))?;
            }
        }
    }
    if let (Some(extra), Some(o)) = (schema.get("additionalProperties"), v.as_object())
        && extra.is_object()
    {
        for (k, x) in o {
            conforms(doc, extra, x, &format!("{at}.{k}"))?;
        }
    }
    if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            conforms(doc, items, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

impl World {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let url = self.url(path);
        self.h.runtime.block_on(async {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
        })
    }

    fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> (u16, Value, Option<String>) {
        let url = self.url(path);
        self.h.runtime.block_on(async {
            let mut req = reqwest::Client::new().post(url).json(&body);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            let r = req.send().await.unwrap();
            let cookie = r
                .headers()
                .get("set-cookie")
                .map(|c| c.to_str().unwrap().to_owned());
            (
                r.status().as_u16(),
                r.json().await.unwrap_or(Value::Null),
                cookie,
            )
        })
    }

    /// Trades once: a launch the sniper buys, until the fill is journaled.
    fn fill(&mut self) {
        let before = self.engine.metrics.bought.load(Relaxed);
        self.h.launch(0);
        wait_for("a buy", Duration::from_secs(20), || {
            self.engine.metrics.bought.load(Relaxed) > before
        });
    }
}

#[test]
fn the_api_answers_as_its_openapi_document_says_and_the_controls_need_a_session() {
    let mut w = world();
    w.fill();
    wait_for("the fill in the journal", Duration::from_secs(20), || {
        w.get("/api/trades")
            .1
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    let (_, doc) = w.get("/api/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/status",
        "/api/positions",
        "/api/trades",
        "/api/pnl",
        "/api/plugins",
        "/api/latency",
        "/api/log",
        "/api/session",
        "/api/x",
    ] {
        let (status, v) = w.get(path);
        assert_eq!(status, 200, "{path}: {v}");
        let schema =
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{path} is in the document");
        conforms(&doc, schema, &v, path).unwrap_or_else(|e| panic!("{e}"));
    }
    // What the overview shows comes from the engine: the fill is counted, the position open.
    assert_eq!(w.get("/api/status").1["bought"], 1);
    assert_eq!(w.get("/api/positions").1.as_array().unwrap().len(), 1);
    let today = w.get("/api/pnl").1["today"].as_str().unwrap().to_owned();
    let (status, day) = w.get(&format!("/api/pnl?day={today}"));
    assert_eq!((status, day["days"][0]["buys"].clone()), (200, json!(1)));
    // Bad input: a clear error, nothing changed.
    for (path, code) in [
        ("/api/trades?since=yesterday", 400),
        ("/api/pnl?day=2026-02-30", 400),
        ("/api/trades?limit=5", 400),
    ] {
        let (status, v) = w.get(path);
        assert_eq!(status, code, "{path}: {v}");
        conforms(
            &doc,
            &json!({"$ref": "#/components/schemas/Error"}),
            &v,
            path,
        )
        .unwrap();
    }
    // A page on another site, or one that rebinds its name to 127.0.0.1: refused.
    let (status, _, _) = w.post(
        "/api/login",
        &[("origin", "https://evil.example")],
        json!({ "token": TOKEN }),
    );
    assert_eq!(status, 403);
    let rebound = w.h.runtime.block_on(async {
        reqwest::Client::new()
            .get(w.url("/api/status"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(rebound, 421);
    let form = w.h.runtime.block_on(async {
        reqwest::Client::new()
            .post(w.url("/api/login"))
            .header("content-type", "text/plain")
            .body(format!("{{\"token\":\"{TOKEN}\"}}"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(form, 415, "a cross-site form cannot sign in");
    // No session: refused; a wrong token: refused.
    assert_eq!(w.post("/api/control/pause", &[], json!({})).0, 401);
    assert_eq!(
        w.post("/api/login", &[], json!({ "token": "guess" })).0,
        401
    );
    let (status, v, cookie) = w.post("/api/login", &[], json!({ "token": TOKEN }));
    assert_eq!(status, 200);
    let cookie = cookie.expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = v["csrf"].as_str().unwrap().to_owned();
    // A session without its CSRF token, or from another site: refused.
    assert_eq!(
        w.post("/api/control/pause", &[("cookie", &session)], json!({}))
            .0,
        403
    );
    let foreign = [
        ("cookie", session.as_str()),
        ("x-csrf-token", csrf.as_str()),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(w.post("/api/control/pause", &foreign, json!({})).0, 403);
    let ok = [
        ("cookie", session.as_str()),
        ("x-csrf-token", csrf.as_str()),
    ];
    assert_eq!(
        w.post(
            "/api/control/sell",
            &ok,
            json!({ "mint": "nope", "percent": 50 })
        )
        .0,
        400
    );
    assert_eq!(
        w.post(
            "/api/control/sell",
            &ok,
            json!({ "mint": "11111111111111111111111111111111", "percent": 0 })
        )
        .0,
        400
    );
    assert_eq!(
        w.post("/api/control/launch-missiles", &ok, json!({})).0,
        404
    );
    assert_eq!(
        TradingState::from_code(w.engine.metrics.trading_state.load(Relaxed)),
        Some(TradingState::Active)
    );
    // With both: it works, and the journal says who asked.
    assert_eq!(w.post("/api/control/pause", &ok, json!({})).0, 202);
    wait_for("the pause", Duration::from_secs(10), || {
        TradingState::from_code(w.engine.metrics.trading_state.load(Relaxed))
            == Some(TradingState::Paused)
    });
    assert_eq!(w.post("/api/control/resume", &ok, json!({})).0, 202);
    wait_for("the journal's rows", Duration::from_secs(10), || {
        kestrel_store::Reader::open(&w.journal)
            .unwrap()
            .actions(10)
            .unwrap()
            .len()
            == 2
    });
    let rows = kestrel_store::Reader::open(&w.journal)
        .unwrap()
        .actions(10)
        .unwrap();
    let said: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|(o, a, q, _)| (o.as_str(), a.as_str(), *q))
        .collect();
    assert_eq!(
        said,
        [("dashboard", "resume", true), ("dashboard", "pause", true)]
    );
    // Anything but loopback without a token is refused at start.
    let open = Board::new(Setup {
        published: w.engine.published(),
        journal: None,
        plugins: None,
        token: None,
        wallet: String::new(),
        paper: false,
        explorer_tx: String::new(),
        exit_rules: Vec::new(),
    });
    let e =
        w.h.runtime
            .block_on(kestrel_dashboard::serve("0.0.0.0:0".parse().unwrap(), open))
            .unwrap_err();
    assert!(e.to_string().contains("KESTREL_DASHBOARD_TOKEN"), "{e}");
}

#[test]
fn a_browser_sees_a_fill_live_and_pauses_the_engine_with_the_token() {
    let mut w = world();
    let url = w.url("/");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut b = rt.block_on(cdp::Browser::launch());
    rt.block_on(b.goto(&url));
    rt.block_on(b.wait_for(
        "the stream",
        "window.__kestrel !== undefined && __kestrel.events > 1 && document.getElementById('state').textContent === 'active'",
        Duration::from_secs(20),
    ));
    let weight = rt.block_on(b.eval(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).filter(e => !e.name.includes('/api/')).reduce((n, e) => n + e.transferSize, 0)",
    ));
    let loaded_ms = rt
        .block_on(b.eval("Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd)"));
    // A fill on the local cluster appears on the page without a reload.
    w.fill();
    rt.block_on(b.wait_for(
        "the fill on the page",
        "__kestrel.fills.length > 0 && document.querySelector('#trades-body tr[data-signature]') !== null",
        Duration::from_secs(20),
    ));
    let fill = rt.block_on(b.eval("__kestrel.fills[0]"));
    let fill_to_dom_ms = fill["dom_ms"].as_i64().unwrap() - fill["sent_ms"].as_i64().unwrap();
    rt.block_on(b.wait_for(
        "the position on the page",
        "location.hash = '#positions'; document.querySelectorAll('#positions-body tr').length === 1",
        Duration::from_secs(10),
    ));
    // Signed out, the page offers no controls; signed in with the token, pause works.
    assert_eq!(
        rt.block_on(b.eval("document.getElementById('controls').classList.contains('hidden')")),
        json!(true)
    );
    rt.block_on(b.eval(&format!(
        "document.getElementById('token').value = '{TOKEN}'; document.getElementById('login').requestSubmit(); true"
    )));
    rt.block_on(b.wait_for(
        "the controls",
        "!document.getElementById('controls').classList.contains('hidden')",
        Duration::from_secs(10),
    ));
    rt.block_on(b.eval("document.getElementById('pause').click(); true"));
    rt.block_on(b.wait_for(
        "the paused state on the page",
        "document.getElementById('state').textContent === 'paused'",
        Duration::from_secs(10),
    ));
    assert_eq!(
        TradingState::from_code(w.engine.metrics.trading_state.load(Relaxed)),
        Some(TradingState::Paused)
    );
    // A screenshot of each page, for the closing note.
    for page in [
        "overview",
        "positions",
        "trades",
        "pnl",
        "skips",
        "plugins",
        "log",
    ] {
        rt.block_on(b.eval(&format!("location.hash = '#{page}'; true")));
        rt.block_on(async { tokio::time::sleep(Duration::from_millis(400)).await });
        let png = rt.block_on(b.screenshot());
        std::fs::write(shots.join(format!("{page}.png")), png).unwrap();
    }
    let errors = b.errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    println!(
        "dashboard: page {} bytes, loaded in {} ms, fill to DOM {fill_to_dom_ms} ms; screenshots in {}",
        weight,
        loaded_ms,
        shots.display()
    );
}

/// The plugins' side as the host gives it to the dashboard: one X post, and the actions sent.
#[derive(Default)]
struct XView {
    sent: std::sync::Mutex<Vec<(String, u64, String)>>,
}

impl kestrel_dashboard::PluginView for XView {
    fn plugins(&self) -> Vec<Value> {
        vec![json!({
            "name": "x", "state": "running", "restarts": 0, "faults": 0, "cpu_percent": 1,
            "http_refused": 0, "queue": 0, "dropped": 0, "memory_kib": 1_280, "last_fault": null,
        })]
    }

    fn x_posts(&self) -> Option<Vec<Value>> {
        Some(vec![json!({
            "id": 3, "hash": "0badcafe", "state": "draft", "text": "gm from the desk",
            "category": "gm", "source": "library gm/one", "weighted": 16, "cost": "$0.015",
            "at": null, "issues": [], "actions": ["approve", "edit", "reject", "post_now"],
        })])
    }

    fn x_act(&self, action: &str, id: u64, hash: &str) -> Result<(), String> {
        self.sent
            .lock()
            .unwrap()
            .push((action.into(), id, hash.into()));
        Ok(())
    }
}

#[test]
fn the_x_queue_is_shown_and_approved_from_a_signed_in_session_only() {
    let w = world();
    let view = std::sync::Arc::new(XView::default());
    let board = Board::new(Setup {
        published: w.engine.published(),
        journal: None,
        plugins: Some(view.clone()),
        token: Some(TOKEN.into()),
        wallet: String::new(),
        paper: false,
        explorer_tx: String::new(),
        exit_rules: Vec::new(),
    });
    let addr =
        w.h.runtime
            .block_on(kestrel_dashboard::serve(
                "127.0.0.1:0".parse().unwrap(),
                board,
            ))
            .unwrap();
    let x = World { addr, ..w };
    let (_, doc) = x.get("/api/openapi.json");
    for path in ["/api/x", "/api/plugins"] {
        let (status, v) = x.get(path);
        assert_eq!(status, 200);
        let schema =
            &doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        conforms(&doc, schema, &v, path).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(x.get("/api/x").1["posts"][0]["hash"], "0badcafe");
    assert_eq!(
        x.post("/api/x/approve/3", &[], json!({ "hash": "0badcafe" }))
            .0,
        401
    );
    let (_, v, cookie) = x.post("/api/login", &[], json!({ "token": TOKEN }));
    let session = cookie.unwrap().split(';').next().unwrap().to_owned();
    let csrf = v["csrf"].as_str().unwrap().to_owned();
    let ok = [
        ("cookie", session.as_str()),
        ("x-csrf-token", csrf.as_str()),
    ];
    assert_eq!(
        x.post("/api/x/approve/3", &ok, json!({})).0,
        400,
        "the words shown are named"
    );
    assert_eq!(
        x.post("/api/x/edit/3", &ok, json!({ "hash": "0badcafe" }))
            .0,
        404
    );
    assert_eq!(
        x.post("/api/x/approve/3", &ok, json!({ "hash": "0badcafe" }))
            .0,
        202
    );
    assert_eq!(
        *view.sent.lock().unwrap(),
        [("approve".to_owned(), 3, "0badcafe".to_owned())]
    );
}
