//! PubSub and JSON-RPC at the wire: envelopes, commitment timing, filters, unsubscribe, error
//! codes, scenarios, replay and every fault, through plain websocket and HTTP clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use kestrel_sim::faults::Faults;
use kestrel_sim::scenario::{Scenario, Shape, ShapeWeight, TokenProgramChoice};
use kestrel_sim::{SimOptions, SimServer};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PUMP: &str = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P";

fn scenario(every_ms: u64) -> Scenario {
    Scenario {
        launch_every_ms: every_ms,
        launches: 0,
        trade_every_ms: every_ms,
        creators: 3,
        traders: 5,
        token_program: TokenProgramChoice::Mixed,
        buy_lamports_min: 10_000_000,
        buy_lamports_max: 100_000_000,
        dev_buy_lamports: 10_000_000,
        shapes: vec![ShapeWeight {
            shape: Shape::PumpThenDump,
            weight: 1,
        }],
        mayhem_share: 0.0,
        cashback_share: 0.0,
        usdc_share: 0.0,
    }
}

async fn start(opts: SimOptions) -> SimServer {
    SimServer::start(opts).await.unwrap()
}

async fn open(server: &SimServer) -> Ws {
    connect_async(server.ws_url()).await.unwrap().0
}

async fn request(ws: &mut Ws, id: u64, method: &str, params: Value) -> Value {
    ws.send(Message::Text(
        json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    loop {
        let v = next_json(ws).await;
        if v.get("id") == Some(&json!(id)) {
            return v;
        }
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("ok");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

async fn next_notification(ws: &mut Ws, method: &str) -> Value {
    loop {
        let v = next_json(ws).await;
        if v["method"] == method {
            return v;
        }
    }
}

async fn rpc(server: &SimServer, body: Value) -> Value {
    reqwest::Client::new()
        .post(server.rpc_url())
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_have_mainnet_envelopes() {
    let server = start(SimOptions {
        slot_ms: 20,
        scenario: Some(scenario(60)),
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    let sub = request(&mut ws, 1, "slotSubscribe", json!([])).await;
    let id = sub["result"].as_u64().unwrap();
    let n = next_notification(&mut ws, "slotNotification").await;
    assert_eq!(n["jsonrpc"], "2.0");
    assert_eq!(n["params"]["subscription"], id);
    let r = &n["params"]["result"];
    assert_eq!(
        r["parent"].as_u64().unwrap() + 1,
        r["slot"].as_u64().unwrap()
    );
    assert!(
        r.get("context").is_none(),
        "slot notifications have no context"
    );
    assert_eq!(
        request(&mut ws, 2, "slotUnsubscribe", json!([id])).await["result"],
        true
    );

    let logs = request(
        &mut ws,
        3,
        "logsSubscribe",
        json!([{ "mentions": [PUMP] }, { "commitment": "processed" }]),
    )
    .await;
    let logs_id = logs["result"].as_u64().unwrap();
    let n = next_notification(&mut ws, "logsNotification").await;
    assert_eq!(n["params"]["subscription"], logs_id);
    let v = &n["params"]["result"]["value"];
    assert!(n["params"]["result"]["context"]["slot"].is_u64());
    assert!(v["signature"].is_string() && v.get("err").is_some() && v["logs"].is_array());
    assert!(v["logs"].as_array().unwrap().iter().any(|l| {
        l.as_str()
            .unwrap()
            .starts_with(&format!("Program {PUMP} invoke"))
    }));

    let prog = request(&mut ws, 4, "programSubscribe", json!([PUMP, { "encoding": "base64", "commitment": "processed", "filters": [{ "dataSize": 151 }] }])).await;
    let prog_id = prog["result"].as_u64().unwrap();
    let n = loop {
        let n = next_notification(&mut ws, "programNotification").await;
        if n["params"]["subscription"] == prog_id {
            break n;
        }
    };
    let acc = &n["params"]["result"]["value"]["account"];
    assert_eq!(acc["owner"], PUMP);
    assert_eq!(acc["data"][1], "base64");
    assert_eq!(acc["space"], 151);
    assert!(n["params"]["result"]["value"]["pubkey"].is_string());
    // The frame decodes as a bonding curve, as a mainnet one does.
    let text = n.to_string();
    let kestrel_decode::frame::Frame::Program(p) =
        kestrel_decode::frame::parse_frame(&text).unwrap()
    else {
        panic!()
    };
    assert!(
        kestrel_decode::account::decode_bonding_curve(&p.account.data.bytes().unwrap()).is_ok()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commitment_levels_arrive_in_order_and_later() {
    let server = start(SimOptions {
        slot_ms: 30,
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    let mut subs = Vec::new();
    for (i, level) in ["processed", "confirmed", "finalized"].iter().enumerate() {
        let r = request(
            &mut ws,
            i as u64,
            "logsSubscribe",
            json!(["all", { "commitment": level }]),
        )
        .await;
        subs.push(r["result"].as_u64().unwrap());
    }
    let to = solana_pubkey::Pubkey::new_unique();
    let sig = rpc(&server, json!({ "jsonrpc": "2.0", "id": 9, "method": "requestAirdrop", "params": [to.to_string(), 1_000_000_000u64] })).await;
    let sig = sig["result"].as_str().unwrap().to_owned();
    let mut slots = Vec::new();
    for expected in &subs {
        let n = next_notification(&mut ws, "logsNotification").await;
        assert_eq!(&n["params"]["subscription"], expected);
        assert_eq!(n["params"]["result"]["value"]["signature"], sig);
        slots.push(server.cluster.bank().slot());
    }
    assert!(slots[0] < slots[1] && slots[1] < slots[2], "{slots:?}");
    assert!(
        slots[2] - slots[0] >= 31,
        "finalized comes ~32 slots after processed: {slots:?}"
    );

    // signatureSubscribe after landing: one notification, then the subscription is gone.
    let r = request(
        &mut ws,
        20,
        "signatureSubscribe",
        json!([sig, { "commitment": "confirmed" }]),
    )
    .await;
    let id = r["result"].as_u64().unwrap();
    let n = next_notification(&mut ws, "signatureNotification").await;
    assert_eq!(n["params"]["subscription"], id);
    assert_eq!(n["params"]["result"]["value"]["err"], Value::Null);
    let again = request(&mut ws, 21, "signatureUnsubscribe", json!([id])).await;
    assert_eq!(again["error"]["code"], -32602);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_subscriptions_and_filters() {
    let server = start(SimOptions {
        slot_ms: 20,
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    let who = solana_pubkey::Pubkey::new_unique();
    let r = request(
        &mut ws,
        1,
        "accountSubscribe",
        json!([who.to_string(), { "encoding": "base58", "commitment": "processed" }]),
    )
    .await;
    let id = r["result"].as_u64().unwrap();
    rpc(&server, json!({ "jsonrpc": "2.0", "id": 1, "method": "requestAirdrop", "params": [who.to_string(), 2_000_000_000u64] })).await;
    let n = next_notification(&mut ws, "accountNotification").await;
    assert_eq!(n["params"]["subscription"], id);
    let v = &n["params"]["result"]["value"];
    assert_eq!(v["lamports"], 2_000_000_000u64);
    assert_eq!(v["data"], json!(["", "base58"]));
    assert_eq!(v["owner"], "11111111111111111111111111111111");

    // memcmp on the owner field of token accounts selects nothing here: no notification.
    let r = request(&mut ws, 2, "programSubscribe", json!(["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", { "filters": [{ "memcmp": { "offset": 32, "bytes": who.to_string() } }], "commitment": "processed" }])).await;
    assert!(r["result"].is_u64());
    let bad = request(
        &mut ws,
        3,
        "programSubscribe",
        json!([PUMP, { "filters": [{ "memcmp": { "offset": 0, "bytes": "0OIl" } }] }]),
    )
    .await;
    assert_eq!(bad["error"]["code"], -32602);
    let bad = request(&mut ws, 4, "accountSubscribe", json!(["not-a-key"])).await;
    assert_eq!(bad["error"]["code"], -32602);
    let bad = request(
        &mut ws,
        5,
        "logsSubscribe",
        json!([{ "mentions": [PUMP, PUMP] }]),
    )
    .await;
    assert_eq!(
        bad["error"]["message"],
        "Invalid Request: Only 1 address supported"
    );
    let bad = request(&mut ws, 6, "blockSubscribe", json!([])).await;
    assert_eq!(bad["error"]["code"], -32601);
    ws.send(Message::Text("{nope".into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["error"]["code"], -32700);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_rpc_errors_have_the_standard_codes() {
    let server = start(SimOptions::default()).await;
    let client = reqwest::Client::new();
    let raw = |body: &'static str| {
        let client = client.clone();
        let url = server.rpc_url();
        async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(raw("{not json").await["error"]["code"], -32700);
    assert_eq!(
        raw("{\"id\":1,\"method\":\"getSlot\"}").await["error"]["code"],
        -32600
    );
    assert_eq!(raw("[]").await["error"]["code"], -32600);
    assert_eq!(
        raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getNothing\"}").await["error"]["code"],
        -32601
    );
    assert_eq!(
        raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getBalance\",\"params\":[\"zz\"]}").await["error"]
            ["code"],
        -32602
    );
    assert_eq!(raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sendTransaction\",\"params\":[\"AAAA\",{\"encoding\":\"base64\"}]}").await["error"]["code"], -32602);
    assert_eq!(raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"simulateTransaction\",\"params\":[\"AAAA\",{\"sigVerify\":true,\"replaceRecentBlockhash\":true}]}").await["error"]["code"], -32602);
    let batch = raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getHealth\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"x\"}]").await;
    assert_eq!(batch[0]["result"], "ok");
    assert_eq!(batch[1]["error"]["code"], -32601);
    let v = rpc(&server, json!({ "jsonrpc": "2.0", "id": 1, "method": "getAccountInfo", "params": [PUMP, { "encoding": "base64" }] })).await;
    assert_eq!(v["result"]["value"]["executable"], true);
    let rent = rpc(&server, json!({ "jsonrpc": "2.0", "id": 1, "method": "getMinimumBalanceForRentExemption", "params": [165] })).await;
    assert_eq!(rent["result"], 2_039_280);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_repeat_with_their_seed() {
    let mut mints = Vec::new();
    for _ in 0..2 {
        let server = start(SimOptions {
            slot_ms: 20,
            seed: 7,
            scenario: Some(Scenario {
                launches: 3,
                ..scenario(50)
            }),
            ..SimOptions::default()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut created: Vec<String> = server
            .cluster
            .bank()
            .accounts()
            .filter(|(_, a)| a.owner.to_string() == PUMP && a.data.len() == 151)
            .map(|(k, _)| k.to_string())
            .collect();
        created.sort();
        assert_eq!(created.len(), 3, "three launches, then no more");
        mints.push(created);
        server.stop().await;
    }
    assert_eq!(mints[0], mints[1], "the same seed gives the same launches");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_429_drops_refusals_and_duplicates() {
    // 429 with Retry-After on every request.
    let mut f = Faults::none();
    f.rpc_429_rate = 1.0;
    f.retry_after_secs = 3;
    let server = start(SimOptions {
        faults: f,
        ..SimOptions::default()
    })
    .await;
    let resp = reqwest::Client::new()
        .post(server.rpc_url())
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "3");
    server.stop().await;

    // Websockets dropped every 150 ms.
    let mut f = Faults::none();
    f.ws_drop_every = Some(Duration::from_millis(150));
    let server = start(SimOptions {
        slot_ms: 20,
        faults: f,
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    request(&mut ws, 1, "slotSubscribe", json!([])).await;
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                _ => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket was dropped");
    server.stop().await;

    // Connections refused for the first 300 ms.
    let mut f = Faults::none();
    f.refuse_connections = Some((Duration::ZERO, Duration::from_millis(300)));
    let server = start(SimOptions {
        faults: f,
        ..SimOptions::default()
    })
    .await;
    assert!(connect_async(server.ws_url()).await.is_err());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(connect_async(server.ws_url()).await.is_ok());
    server.stop().await;

    // A dropped socket at random (here: always, at the first notification).
    let mut f = Faults::none();
    f.ws_drop_chance = 1.0;
    let server = start(SimOptions {
        slot_ms: 20,
        faults: f,
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    request(&mut ws, 1, "slotSubscribe", json!([])).await;
    let end = tokio::time::timeout(Duration::from_secs(3), ws.next())
        .await
        .unwrap();
    assert!(
        matches!(end, None | Some(Err(_)) | Some(Ok(Message::Close(_)))),
        "{end:?}"
    );
    server.stop().await;

    // Slow responses: never sooner than the configured delay.
    let mut f = Faults::none();
    f.rpc_delay = Duration::from_millis(120);
    let server = start(SimOptions {
        faults: f,
        ..SimOptions::default()
    })
    .await;
    let t = std::time::Instant::now();
    let v = rpc(
        &server,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "getHealth" }),
    )
    .await;
    assert_eq!(v["result"], "ok");
    assert!(t.elapsed() >= Duration::from_millis(120));
    server.stop().await;

    // Every notification twice, 50 ms late.
    let mut f = Faults::none();
    f.notify_duplicate_rate = 1.0;
    f.notify_delay = Duration::from_millis(50);
    let server = start(SimOptions {
        slot_ms: 20,
        faults: f,
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    request(&mut ws, 1, "slotSubscribe", json!([])).await;
    let a = next_notification(&mut ws, "slotNotification").await;
    let b = next_notification(&mut ws, "slotNotification").await;
    assert_eq!(a, b, "duplicated");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_a_recorded_capture() {
    let frame = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json"
    ))
    .unwrap();
    let compact = serde_json::from_str::<Value>(&frame).unwrap().to_string();
    let recording = format!("{compact}\n{compact}\n");
    let frames = kestrel_sim::services::replay::parse(&recording).unwrap();
    assert!(kestrel_sim::services::replay::parse("{\"method\":\"blockNotification\"}").is_err());
    let server = start(SimOptions {
        replay: Some((frames, 5)),
        ..SimOptions::default()
    })
    .await;
    let mut ws = open(&server).await;
    let r = request(&mut ws, 1, "logsSubscribe", json!([{ "mentions": [PUMP] }])).await;
    let id = r["result"].as_u64().unwrap();
    let n = next_notification(&mut ws, "logsNotification").await;
    assert_eq!(
        n["params"]["subscription"], id,
        "re-addressed to our subscription"
    );
    assert_eq!(
        n["params"]["result"]["value"]["signature"],
        "COMPOSED_PLACEHOLDER_SIGNATURE"
    );
    server.stop().await;
}
