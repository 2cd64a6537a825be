//! The crash test: `kestrel run` against a `kestrel sim` process, killed with SIGKILL at
//! random moments over many iterations (before it connects, during recovery, mid-trade), then
//! restarted once more to settle. Afterwards the journal must agree with the cluster's ledger:
//! the wallet's balance to the lamport, every open position's tokens, no fill booked twice, no
//! launch bought twice, and nothing left in flight.
//!
//! The kill moments come from a seeded generator; set KESTREL_CRASH_SEED to replay a run, and
//! KESTREL_CRASH_ITERATIONS for a longer one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// One JSON-RPC call over a plain HTTP/1.1 connection.
fn rpc(url: &str, method: &str, params: Value) -> Value {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    let json = reply.split("\r\n\r\n").nth(1).unwrap();
    let v: Value = serde_json::from_str(json).unwrap();
    assert!(v.get("error").is_none(), "{method}: {v}");
    v["result"].clone()
}

fn balance(url: &str, key: &str) -> u64 {
    rpc(url, "getBalance", json!([key, {"commitment": "confirmed"}]))["value"]
        .as_u64()
        .unwrap()
}

/// mint → tokens the wallet holds, over both token programs.
fn holdings(url: &str, owner: &str) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    for program in [
        "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
        "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
    ] {
        let r = rpc(
            url,
            "getTokenAccountsByOwner",
            json!([owner, {"programId": program}, {"encoding": "jsonParsed", "commitment": "confirmed"}]),
        );
        for a in r["value"].as_array().unwrap() {
            let info = &a["account"]["data"]["parsed"]["info"];
            let amount: u64 = info["tokenAmount"]["amount"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            if amount > 0 {
                *out.entry(info["mint"].as_str().unwrap().to_owned())
                    .or_default() += amount;
            }
        }
    }
    out
}

fn kestrel(config: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kestrel"));
    c.arg("--config").arg(config);
    c
}

fn json_lines(config: &Path, args: &[&str], journal: &Path) -> Vec<Value> {
    let out = kestrel(config)
        .args(args)
        .arg("--json")
        .arg("--journal")
        .arg(journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A small deterministic generator (64-bit LCG): the kill moments, replayable by seed.
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn engine_config(
    dir: &Path,
    name: &str,
    rpc_url: &str,
    ws_url: &str,
    trading: &str,
) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "[network]\ncluster = \"remote\"\nrpc = [\"{rpc_url}\"]\nws = [\"{ws_url}\"]\n\
             [wallet]\nkeypair = {{ file = \"{}\" }}\n\
             [engine]\ncontrol = \"\"\nstatus_every_ms = 0\n\
             [exec]\nconfirm_poll_ms = 200\nresend_ms = 500\nblockhash_refresh_ms = 100\n\
             [journal]\ndir = \"{}\"\n{trading}",
            dir.join("id.json").display(),
            dir.join("journal").display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn kill_9_at_random_moments_loses_no_fill_and_the_journal_agrees_with_the_ledger() {
    let seed: u64 = std::env::var("KESTREL_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_122);
    let iterations: u32 = std::env::var("KESTREL_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let dir = tempfile::tempdir().unwrap();

    // The cluster: a launch every 150 ms, traders pumping and dumping, 50 ms slots (so an
    // unconfirmed transaction's blockhash expires in seconds, not a minute).
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(
        &scenario,
        "launch_every_ms = 150\ntrade_every_ms = 60\ncreators = 4\ntraders = 6\n\
         token_program = \"mixed\"\nbuy_lamports_min = 50000000\nbuy_lamports_max = 400000000\n\
         shapes = [{ shape = \"pump_then_dump\", weight = 3 }, { shape = \"slow_grind\", weight = 2 }, \
         { shape = \"instant_rug\", weight = 1 }]\n",
    )
    .unwrap();
    let sim_config = dir.path().join("sim.toml");
    std::fs::write(
        &sim_config,
        format!(
            "[network]\ncluster = \"sim\"\n[sim]\nslot_ms = 50\nseed = 5\nscenario = \"{}\"\n",
            scenario.display()
        ),
    )
    .unwrap();
    let mut sim = Sim(kestrel(&sim_config)
        .args(["sim", "--rpc-port", "0", "--ws-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let mut line = String::new();
    BufReader::new(sim.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (rpc_url, ws_url) = {
        let mut parts = line.split_whitespace();
        let rpc_url = parts.next().unwrap().trim_start_matches("rpc=").to_owned();
        let ws_url = parts.next().unwrap().trim_start_matches("ws=").to_owned();
        (rpc_url, ws_url)
    };

    // The wallet: a keypair file the engine loads on every start.
    let key = Keypair::new();
    let me = key.pubkey().to_string();
    let keyfile = dir.path().join("id.json");
    std::fs::write(
        &keyfile,
        serde_json::to_string(&key.to_bytes().to_vec()).unwrap(),
    )
    .unwrap();
    std::fs::set_permissions(&keyfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    rpc(&rpc_url, "requestAirdrop", json!([me, 20_000_000_000u64]));
    let start = Instant::now();
    while balance(&rpc_url, &me) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "airdrop never confirmed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    const TRADING: &str = "[sniper]\nbuy_lamports = 10000000\nmax_launches_per_minute = 0\nmayhem = \"any\"\n\
         [guardian]\nmax_open_positions = 20\ndaily_loss_limit_lamports = 0\n\
         [exits]\ntake_profit = [{ gain_bps = 3000, sell_percent = 50 }]\nstop_loss_bps = 2000\n\
         max_hold_secs = 2\n\
         [reentry]\nenabled = true\nmin_buyers = 2\nmin_net_buy_lamports = 200000000\n\
         cooldown_secs = 0\nbuy_lamports = 5000000\n";
    // Runs alternate between the two thread layouts, each recovering what the other left.
    let trading = |layout: &str| {
        engine_config(
            dir.path(),
            &format!("trade-{layout}.toml"),
            &rpc_url,
            &ws_url,
            &format!("[threads]\nlayout = \"{layout}\"\n{}", TRADING),
        )
    };
    let trading = [trading("inline"), trading("pipeline")];
    // Settling: recovery resolves what was in flight; nothing new is ordered.
    let settle = engine_config(
        dir.path(),
        "settle.toml",
        &rpc_url,
        &ws_url,
        "[sniper]\nname_allow = [\"no coin is called this\"]\n\
         [exits]\ntake_profit = []\nstop_loss_bps = 0\ntrailing_bps = 0\nmax_hold_secs = 0\n\
         creator_sells = false\nliquidity_drain_bps = 0\n[reentry]\nenabled = false\n",
    );

    let mut moments = Moments(seed);
    let mut killed_at = Vec::new();
    for i in 0..iterations {
        let log = std::fs::File::create(dir.path().join(format!("run{i}.log"))).unwrap();
        let mut child = kestrel(&trading[i as usize % 2])
            .args(["run", "--keypair"])
            .arg(&keyfile)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let ms = moments.next_ms(200, 3_500);
        std::thread::sleep(Duration::from_millis(ms));
        // SIGKILL: no destructor, no flush, no goodbye.
        let _ = child.kill();
        let _ = child.wait();
        killed_at.push(ms);
    }
    let out = kestrel(&settle)
        .args(["run", "--duration", "2", "--keypair"])
        .arg(&keyfile)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "settling run failed (seed {seed}, kills {killed_at:?}): {stderr}"
    );

    let journal = dir.path().join("journal").join(format!("{me}.db"));
    let ctx = format!("seed {seed}, kills at {killed_at:?} ms");

    // Something happened: fills were booked across the crashes.
    let trades = json_lines(&settle, &["trades"], &journal);
    let buys = trades.iter().filter(|t| t["side"] == "buy").count();
    assert!(buys >= 3, "only {buys} buys over {iterations} runs ({ctx})");

    // No fill booked twice; no launch bought twice by the sniper.
    let mut signatures = HashSet::new();
    let mut snipes: HashMap<String, u32> = HashMap::new();
    for t in &trades {
        assert!(
            signatures.insert(t["signature"].as_str().unwrap().to_owned()),
            "{t} twice ({ctx})"
        );
        if t["side"] == "buy" && t["why"] == "snipe" {
            *snipes
                .entry(t["mint"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
    }
    for (mint, n) in &snipes {
        assert_eq!(*n, 1, "{mint} sniped {n} times ({ctx})");
    }

    // The ledger: the wallet's balance is the start plus every journaled transaction's change.
    let pnl = json_lines(&settle, &["pnl"], &journal);
    let total = pnl.iter().find(|l| l["total"] == true).unwrap();
    let expected = total["balance_lamports"].as_u64().unwrap();
    let actual = balance(&rpc_url, &me);
    assert_eq!(
        expected, actual,
        "wallet balance vs journal ({ctx}): {total}"
    );

    // Positions: exactly what the chain holds.
    let chain = holdings(&rpc_url, &me);
    let positions = json_lines(&settle, &["positions"], &journal);
    let journal_held: HashMap<String, u64> = positions
        .iter()
        .map(|p| {
            (
                p["mint"].as_str().unwrap().to_owned(),
                p["tokens"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(journal_held, chain, "positions vs token accounts ({ctx})");

    // What the crashes interrupted, for the record (timing decides; not asserted).
    let mut resolved = 0;
    let mut restored = 0;
    for i in 0..iterations {
        let log =
            std::fs::read_to_string(dir.path().join(format!("run{i}.log"))).unwrap_or_default();
        resolved += log.matches("in-flight order resolved").count();
        restored += log.matches("recovered from the journal").count();
    }
    let sells = trades.len() - buys;
    eprintln!(
        "crash test ({ctx}): {buys} buys, {sells} sells, {} open positions; {restored} runs \
         recovered state, {resolved} in-flight orders resolved by signature",
        positions.len()
    );

    // Nothing left in flight.
    let reader = kestrel_store::Reader::open(&journal).unwrap();
    assert!(
        reader.in_flight().unwrap().is_empty(),
        "in flight after settling ({ctx})"
    );
    drop(sim);
}
