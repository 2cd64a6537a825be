//! The `kestrel` binary as a user runs it: real fixture files in, JSON lines and exit codes out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn fixture(path: &str) -> String {
    format!(
        "{}/../../../tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn kestrel(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// A command that worked: exit 0 (else its stderr is shown); its stdout.
fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    succeeded(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Bad input: exit 2, exactly one line on stderr naming the problem, no panic.
fn refused(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("kestrel "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn decodes_a_logs_notification_file() {
    let items = json_lines(&kestrel(
        &[
            "decode",
            &fixture("pump/logsNotification_pump_create_COMPOSED.json"),
        ],
        b"",
    ));
    assert_eq!(items.len(), 2);
    let create = &items[0];
    assert_eq!(create["event"], "CreateEvent");
    assert_eq!(create["name"], "Hawk Tuah");
    assert_eq!(create["symbol"], "$HAWK");
    assert_eq!(
        create["mint"],
        "5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"
    );
    assert_eq!(create["virtual_sol_reserves"], 30_000_000_000u64);
    assert_eq!(
        create["program"],
        "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P"
    );
    assert_eq!(create["instruction"], "create");
    assert_eq!(create["signature"], "COMPOSED_PLACEHOLDER_SIGNATURE");
    assert_eq!(create["slot"], 0);
    assert!(
        create.get("token_program").is_none(),
        "absent in the 2025-07 layout"
    );
    let trade = &items[1];
    assert_eq!(trade["event"], "TradeEvent");
    assert_eq!(trade["is_buy"], true);
    assert_eq!(trade["sol_amount"], 4_945_544);
    assert_eq!(trade["instruction"], "buy");
}

#[test]
fn decodes_log_lines_as_json_array_text_and_a_lone_line() {
    let array = std::fs::read(fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap();
    let from_array = json_lines(&kestrel(&["decode", "-"], &array));
    assert_eq!(from_array.len(), 2);

    let lines: Vec<String> = serde_json::from_slice(&array).unwrap();
    let from_text = json_lines(&kestrel(&["decode"], lines.join("\n").as_bytes()));
    assert_eq!(from_text, from_array);

    let lone = lines
        .iter()
        .find(|l| l.starts_with("Program data: G3Kp"))
        .unwrap();
    let one = json_lines(&kestrel(&["decode"], lone.as_bytes()));
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["event"], "CreateEvent");
    assert!(
        one[0].get("program").is_none(),
        "a lone line cannot tell its program"
    );
    assert_eq!(one[0]["name"], from_array[0]["name"]);
}

#[test]
fn decodes_account_frames_and_raw_account_data() {
    let items = json_lines(&kestrel(
        &[
            "decode",
            &fixture("pump/programNotification_bonding_curve_real.json"),
        ],
        b"",
    ));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["account"], "BondingCurve");
    assert_eq!(items[0]["real_quote_reserves"], 17_034_345_800u64);
    assert_eq!(
        items[0]["pubkey"],
        "B4tQwAZt4dG8f8QMvZmSfw7GKwzGaiWJcoif52bWqJdX"
    );
    assert_eq!(items[0]["slot"], 319_931_865);

    let curves: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("pump/bonding_curve_accounts_real.json")).unwrap(),
    )
    .unwrap();
    let b64 = curves["fresh_115B_113P6U1r"]["base64"].as_str().unwrap();
    for args in [vec!["decode"], vec!["decode", "--account", "bonding-curve"]] {
        let items = json_lines(&kestrel(&args, b64.as_bytes()));
        assert_eq!(
            items[0]["creator"],
            "Acp2tKDySe79AsxokjeEy7VdrvWD8bR4V9rLSFkvo6sx"
        );
        assert_eq!(items[0]["quote_mint"], "11111111111111111111111111111111");
        assert_eq!(items[0]["complete"], false);
    }
    // The RPC's [data, encoding] pair.
    let pair = format!("[\"{b64}\", \"base64\"]");
    assert_eq!(
        json_lines(&kestrel(&["decode"], pair.as_bytes()))[0]["account"],
        "BondingCurve"
    );

    let err = refused(&kestrel(&["decode", "--account", "global"], b64.as_bytes()));
    assert!(err.contains("expected a Global discriminator"), "{err}");
}

#[test]
fn text_logs_keep_runtime_lines_without_a_program_prefix() {
    let lines: Vec<String> = serde_json::from_str(
        &std::fs::read_to_string(fixture("pump/logs_create_and_buy_legacy_2025-07.json")).unwrap(),
    )
    .unwrap();
    let mut text = lines.join("\n");
    text.push_str("\nTransfer: insufficient lamports 0, need 1461600\n");
    assert_eq!(json_lines(&kestrel(&["decode"], text.as_bytes())).len(), 2);
}

#[test]
fn decodes_a_capture_of_many_frames() {
    let mut capture = String::new();
    for f in [
        "solana/logsSubscribe_response.json",
        "pump/logsNotification_pump_create_COMPOSED.json",
        "solana/slotNotification_official_doc.json",
        "pump/programNotification_bonding_curve_real.json",
    ] {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(fixture(f)).unwrap()).unwrap();
        capture.push_str(&v.to_string());
        capture.push('\n');
    }
    let items = json_lines(&kestrel(&["decode"], capture.as_bytes()));
    let kinds: Vec<&str> = items
        .iter()
        .map(|i| {
            i.get("event")
                .or(i.get("account"))
                .unwrap()
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(kinds, ["CreateEvent", "TradeEvent", "BondingCurve"]);
}

#[test]
fn decodes_raydium_and_pumpswap_pool_creation() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut init = vec![0u8];
    init.extend(1_700_000_000u64.to_le_bytes());
    init.extend([9u8, 6]);
    for v in [1u64, 1_000_000, 79_005_359_057, 206_900_000_000_000] {
        init.extend(v.to_le_bytes());
    }
    init.extend([3u8; 32]);
    let ray = "675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8";
    let logs = [
        format!("Program {ray} invoke [1]"),
        "Program log: initialize2: InitializeInstruction2 { nonce: 254, open_time: 1700000000, init_pc_amount: 79005359057, init_coin_amount: 206900000000000 }".to_owned(),
        format!("Program log: ray_log: {}", b64(&init)),
        format!("Program {ray} success"),
    ];
    let items = json_lines(&kestrel(&["decode"], logs.join("\n").as_bytes()));
    assert_eq!(items.len(), 1);
    let r = &items[0];
    assert_eq!(r["event"], "RaydiumInitialize2");
    assert_eq!(r["program"], ray);
    assert_eq!(r["instruction"], "initialize2");
    assert_eq!(
        (r["nonce"].as_u64(), r["open_time"].as_u64()),
        (Some(254), Some(1_700_000_000))
    );
    assert_eq!(r["init_coin_amount"], 206_900_000_000_000u64);
    assert_eq!(r["coin_amount"], 206_900_000_000_000u64);
    assert_eq!(
        (r["pc_decimals"].as_u64(), r["coin_decimals"].as_u64()),
        (Some(9), Some(6))
    );
    assert_eq!(r["market"], bs58::encode([3u8; 32]).into_string());

    let mut pool = kestrel_pump::discriminator::event::PUMP_AMM_CREATE_POOL.to_vec();
    pool.extend(1_700_000_000i64.to_le_bytes());
    pool.extend(0u16.to_le_bytes());
    pool.extend([1u8; 32]); // creator
    pool.extend([2u8; 32]); // base_mint
    pool.extend([0u8; 32]); // quote_mint
    pool.extend([6u8, 9]);
    for v in [1u64, 2, 3, 4, 5, 6, 7] {
        pool.extend(v.to_le_bytes());
    }
    pool.push(255);
    for k in [4u8, 5, 6, 7, 8] {
        pool.extend([k; 32]);
    }
    pool.push(0);
    let amm = "pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA";
    let logs = [
        format!("Program {amm} invoke [1]"),
        "Program log: Instruction: CreatePool".to_owned(),
        format!("Program data: {}", b64(&pool)),
        format!("Program {amm} success"),
    ];
    let items = json_lines(&kestrel(&["decode"], logs.join("\n").as_bytes()));
    assert_eq!(items[0]["event"], "CreatePoolEvent");
    assert_eq!(items[0]["instruction"], "create_pool");
    assert_eq!(
        items[0]["coin_creator"],
        bs58::encode([8u8; 32]).into_string()
    );
    assert_eq!(items[0]["is_mayhem_mode"], false);
}

#[test]
fn bad_input_is_refused_with_a_located_one_line_error() {
    let cases: [(&[u8], &str); 8] = [
        (b"", "input is empty"),
        (b"   \n", "input is empty"),
        (b"hello world", "line 1"),
        (
            b"{\"jsonrpc\":\"2.0\",\"method\":\"logsNotification\",\"params\":{",
            "byte",
        ),
        (b"\xff\xfe{}", "not UTF-8"),
        (
            b"Program data: vdt/007mYe5Iw6A0Ls+ejAFty+W3",
            "TradeEvent: mint truncated",
        ),
        (b"Program data: !!!", "invalid base64"),
        (
            b"[\"Program log: x\", \"Program log: y\" \"oops\"]",
            "expected `,` or `]` at byte 36",
        ),
    ];
    for (input, expect) in cases {
        let err = refused(&kestrel(&["decode"], input));
        assert!(
            err.contains(expect),
            "{:?}: {err}",
            String::from_utf8_lossy(input)
        );
    }
    // Offsets count from the start of the input, whitespace included.
    let err = refused(&kestrel(&["decode"], b"  {\"a\":x}"));
    assert!(err.contains("at byte 7"), "{err}");
    let err = refused(&kestrel(&["decode", "/nonexistent/frame.json"], b""));
    assert!(
        err.contains("/nonexistent/frame.json: cannot read"),
        "{err}"
    );
    // An event cut inside its oldest layout reports the byte where the cut field starts.
    let err = refused(&kestrel(&["decode"], b"Program data: G3KpTd7rY3YJAAAASGF3"));
    assert!(
        err.contains("CreateEvent: name truncated") && err.contains("at byte 8"),
        "{err}"
    );
}

#[test]
fn config_check_prints_the_effective_config_redacted() {
    let out = kestrel(&["config", "check"], b"");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# config/kestrel.toml: ok"), "{text}");
    assert!(text.contains("cluster = \"sim\""));

    let example = format!(
        "{}/../../../config/mainnet.example.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["config", "check", &example])
        .env("HELIUS_API_KEY", "do-not-print-me")
        .output()
        .unwrap();
    let text = succeeded(&out);
    assert!(!text.contains("do-not-print-me"), "{text}");
    assert!(text.contains("${HELIUS_API_KEY}"));

    // Unset, the reference is an error naming the key.
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["--config", &example, "config", "check"])
        .env_remove("HELIUS_API_KEY")
        .output()
        .unwrap();
    let err = refused(&out);
    assert!(
        err.contains("network.rpc[1]") && err.contains("HELIUS_API_KEY is not set"),
        "{err}"
    );
}

#[test]
fn config_check_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    for (text, expect) in [
        (
            "[network]\ncluster = \"sim\"\ntypo = 1\n",
            "bad.toml:3:1: network.typo: unknown field `typo`",
        ),
        (
            "[network]\ncluster = \"sim\"\n[sim]\nslot_ms = 999999\n",
            "bad.toml: sim.slot_ms: 999999 is out of range",
        ),
        ("[network]\ncluster = 5\n", "network.cluster"),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = refused(&kestrel(&["config", "check", path.to_str().unwrap()], b""));
        assert!(err.contains(expect), "{err}");
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["decode", "--help"],
        vec!["config", "--help"],
        vec!["config", "check", "--help"],
        vec!["run", "--help"],
        vec!["record", "--help"],
        vec!["backtest", "--help"],
    ] {
        let out = kestrel(&args, b"");
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage: kestrel"), "{args:?}: {text}");
    }
    let out = kestrel(&["decode", "--account", "nonsense"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_shipped_binary_has_no_benchmark_harness() {
    let out = kestrel(&["--help"], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.to_lowercase().contains("bench"), "{text}");
    let out = kestrel(&["bench", "e2e"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let frame = std::fs::read_to_string(fixture("pump/logsNotification_pump_create_COMPOSED.json"))
        .unwrap();
    let input = frame.repeat(2000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"event\":\"CreateEvent\""));
    // stdout is closed here, like `| head -1`.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A config for a quick run on free ports: launches every 200 ms, 50 ms slots.
fn quick_run_config(dir: &std::path::Path) -> std::path::PathBuf {
    let scenario = dir.join("quick.toml");
    std::fs::write(
        &scenario,
        "launch_every_ms = 200\ntrade_every_ms = 100\ncreators = 3\ntraders = 3\n\
         token_program = \"mixed\"\nbuy_lamports_min = 10000000\nbuy_lamports_max = 20000000\n\
         shapes = [{ shape = \"slow_grind\", weight = 1 }]\n",
    )
    .unwrap();
    let config = dir.join("kestrel.toml");
    std::fs::write(
        &config,
        format!(
            "[network]\ncluster = \"sim\"\n[sim]\nrpc_port = 0\nws_port = 0\nslot_ms = 50\n\
             scenario = \"{}\"\n[engine]\ncontrol = \"127.0.0.1:0\"\nstatus_every_ms = 500\n\
             [sniper]\nbuy_lamports = 10000000\n[journal]\ndir = \"{}\"\n",
            scenario.display(),
            dir.join("journal").display()
        ),
    )
    .unwrap();
    config
}

#[test]
fn run_trades_the_local_clusters_launches_and_prints_the_latency_table() {
    let dir = tempfile::tempdir().unwrap();
    let config = quick_run_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "run",
            "--duration",
            "5",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("throwaway wallet"), "{stderr}");
    assert!(stderr.contains("control http://127.0.0.1:"), "{stderr}");
    // The final status line and the stage table.
    let status = stdout.lines().next().unwrap_or_default();
    let bought: u64 = status
        .split(" | ")
        .find_map(|p| p.strip_prefix("bought "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(bought >= 3, "{stdout}");
    for stage in [
        "decode",
        "decide",
        "build_sign",
        "written",
        "send",
        "confirm",
    ] {
        let row = format!("{stage} ");
        assert!(
            stdout.lines().any(|l| l.starts_with(&row)),
            "{stage}: {stdout}"
        );
    }

    // The journal it wrote, read back the way a trader does (the newest in journal.dir).
    let journal_cmd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kestrel"))
            .args(["--config", config.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    let trades = json_lines(&journal_cmd(&["trades", "--json"]));
    let buys = trades.iter().filter(|t| t["side"] == "buy").count() as u64;
    assert!(buys >= bought, "{buys} journaled buys, {bought} bought");
    for t in &trades {
        assert!(t["signature"].as_str().unwrap().len() >= 64, "{t}");
        assert!(t["wallet_delta_lamports"].as_i64().is_some(), "{t}");
    }
    let pnl = json_lines(&journal_cmd(&["pnl", "--json"]));
    let total = pnl.last().unwrap();
    assert_eq!(total["total"], true, "{total}");
    assert_eq!(total["buys"].as_u64().unwrap(), buys, "{total}");
    let positions = json_lines(&journal_cmd(&["positions", "--json", "--all"]));
    assert!(!positions.is_empty());
    let human = journal_cmd(&["pnl", "--day", "today"]);
    assert!(human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).starts_with("day (UTC)"));
}

#[test]
fn journal_commands_refuse_bad_input_and_name_a_missing_journal() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let out = kestrel(&["pnl", "--journal", missing.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal at"));
    for (args, needle) in [
        (vec!["trades", "--since", "5y"], "unknown unit"),
        (vec!["trades", "--since", "soon"], "expected 90s"),
        (vec!["pnl", "--day", "2026-02-30"], "is not a date"),
    ] {
        let mut args = args.clone();
        args.extend(["--journal", missing.to_str().unwrap()]);
        let out = kestrel(&args, b"");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // Not a journal at all: a clear error, nothing written.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not sqlite").unwrap();
    let out = kestrel(&["positions", "--journal", junk.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("journal"));
    assert_eq!(std::fs::read(&junk).unwrap(), b"this is not sqlite");
}

#[test]
fn run_paper_mode_sends_nothing_but_fills_on_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let config = quick_run_config(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "run",
            "--dry-run",
            "--duration",
            "3",
        ])
        .output()
        .unwrap();
    let stdout = succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("paper trading"));
    assert!(stdout.contains("bought "), "{stdout}");
    // Nothing was broadcast, so the send stage has no samples.
    let send = stdout.lines().find(|l| l.starts_with("send ")).unwrap();
    assert_eq!(send.split_whitespace().nth(1), Some("0"), "{send}");
}

#[test]
fn run_refuses_a_keypair_others_can_read_and_bad_flags() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id.json");
    std::fs::write(&key, format!("{:?}", vec![1u8; 64])).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = kestrel(
        &[
            "run",
            "--rpc",
            "http://127.0.0.1:9",
            "--ws",
            "ws://127.0.0.1:9",
            "--keypair",
            key.to_str().unwrap(),
        ],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    assert!(!err.contains("[1, 1, 1"), "the key is never echoed: {err}");

    let out = kestrel(&["run", "--ws", "http://127.0.0.1:9"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ws or wss"));
}

#[test]
fn a_recorded_scenario_is_backtested_swept_and_reported_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = quick_run_config(dir.path());
    let config = config.to_str().unwrap();
    let capture = dir.path().join("quick.kcap");
    let capture_s = capture.to_str().unwrap();
    let scenario = dir.path().join("quick.toml");
    let scenario = scenario.to_str().unwrap();
    let out = kestrel(
        &[
            "--config",
            config,
            "record",
            "--out",
            capture_s,
            "--duration",
            "3",
            "--scenario",
            scenario,
        ],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("recorded "), "{err}");

    let report = dir.path().join("report");
    let out = kestrel(
        &[
            "--config",
            config,
            "backtest",
            capture_s,
            "--report",
            report.to_str().unwrap(),
        ],
        b"",
    );
    let stdout = succeeded(&out);
    let line = stdout.lines().last().unwrap();
    let fields: Vec<&str> = line.split(' ').collect();
    assert_eq!(fields[0], "backtest:", "{line}");
    let keys: Vec<&str> = fields[1..]
        .iter()
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "launches",
            "bought",
            "sold",
            "pnl_lamports",
            "win_rate",
            "max_drawdown_lamports",
            "events_per_s"
        ]
    );
    let launches: u64 = fields[1].trim_start_matches("launches=").parse().unwrap();
    assert!(launches >= 5, "{line}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("backtest.json")).unwrap())
            .unwrap();
    assert_eq!(json["summary"]["launches"], launches);
    // Every decision, one JSON object a line, as many as the report counts.
    let decisions = std::fs::read_to_string(report.join("decisions.jsonl")).unwrap();
    assert_eq!(
        decisions.lines().count() as u64,
        json["decisions_total"].as_u64().unwrap()
    );
    assert!(
        decisions
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok())
    );
    assert!(decisions.contains("\"kind\":\"launch\""));
    assert!(
        std::fs::read_to_string(report.join("backtest.html"))
            .unwrap()
            .contains("\"launches\"")
    );

    // A sweep: every point, ranked by PnL, then the best's line.
    let out = kestrel(
        &[
            "--config",
            config,
            "backtest",
            capture_s,
            "--sweep",
            "sniper.buy_lamports=5000000,10000000",
            "--sweep",
            "exits.stop_loss_bps=1000,2000",
        ],
        b"",
    );
    let stdout = succeeded(&out);
    let rows: Vec<&str> = stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("best:"))
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    let pnl: Vec<i64> = rows
        .iter()
        .map(|r| r.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        pnl.windows(2).all(|w| w[0] >= w[1]),
        "ranked by PnL: {stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("backtest: launches=")
    );

    // Cut short: read up to the damage, said, and still a result.
    let bytes = std::fs::read(&capture).unwrap();
    let cut = dir.path().join("cut.kcap");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = kestrel(
        &["--config", config, "backtest", cut.to_str().unwrap()],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("damaged capture") && err.contains("cut short"),
        "{err}"
    );

    // Bad input: refused with exit 2, naming what was wrong.
    for (args, says) in [
        (
            vec![dir.path().join("none.kcap").to_str().unwrap().to_owned()],
            "none.kcap",
        ),
        (vec![config.to_owned()], "not a Kestrel capture"),
        (
            vec![
                capture_s.to_owned(),
                "--set".into(),
                "sniper.buy_lamport=1".into(),
            ],
            "buy_lamport",
        ),
        (
            vec![
                capture_s.to_owned(),
                "--set".into(),
                "backtest.expire_bps=20000".into(),
            ],
            "backtest.expire_bps",
        ),
    ] {
        let mut all = vec!["--config", config, "backtest"];
        all.extend(args.iter().map(String::as_str));
        let out = kestrel(&all, b"");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
