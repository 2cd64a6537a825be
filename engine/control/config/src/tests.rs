use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, "test.toml")
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn the_default_config_is_valid_and_points_at_the_local_cluster() {
    let c = Config::builtin().unwrap();
    assert_eq!(c.network.cluster, ClusterMode::Sim);
    assert_eq!(c.network.rpc[0].url().as_str(), "http://127.0.0.1:8899/");
    assert_eq!(c.network.ws[0].url().as_str(), "ws://127.0.0.1:8900/");
    assert_eq!(c.send_endpoints(), c.network.rpc.as_slice());
    assert_eq!(c.wallet.keypair, None);
    assert_eq!(c.sim.slot_ms, 400);
    assert_eq!(
        c.sim.scenario.as_deref(),
        Some(Path::new("config/scenarios/default.toml"))
    );
    assert_eq!(c.sim.faults, SimFaults::default());
}

#[test]
fn the_mainnet_example_is_valid_once_its_variables_are_set() {
    let text = include_str!("../../../../config/mainnet.example.toml");
    endpoint::set_test_env("HELIUS_API_KEY", "test-key-not-real");
    let c = parse(text).unwrap();
    assert_eq!(c.network.cluster, ClusterMode::Remote);
    assert_eq!(c.network.ws.len(), 2);
    assert!(
        c.network.rpc[1]
            .url()
            .as_str()
            .contains("test-key-not-real")
    );
    let shown = c.to_redacted_toml();
    assert!(!shown.contains("test-key-not-real"), "{shown}");
    assert!(shown.contains("${HELIUS_API_KEY}"));
}

#[test]
fn unknown_keys_name_the_file_the_key_and_the_line() {
    let e = err("[network]\ncluster = \"sim\"\nrcp = []\n");
    assert!(e.starts_with("test.toml:3:1: network.rcp: "), "{e}");
    assert!(e.contains("unknown field `rcp`"), "{e}");

    let e = err("[network]\ncluster = \"sim\"\n[sim]\nseeed = 3\n");
    assert!(e.starts_with("test.toml:4:1: sim.seeed: "), "{e}");
    assert!(e.contains("unknown field `seeed`"), "{e}");

    let e = err("[network]\ncluster = \"sim\"\n[bogus]\n");
    assert!(e.contains("unknown field `bogus`"), "{e}");
}

#[test]
fn wrong_types_name_the_key() {
    let e = err("[network]\ncluster = \"sim\"\n[sim]\nrpc_port = \"eighty\"\n");
    assert!(e.starts_with("test.toml:4:12: sim.rpc_port: "), "{e}");
    let e = err("[network]\ncluster = \"sim\"\n[sim]\nrpc_port = 70000\n");
    assert!(e.contains("sim.rpc_port"), "{e}");
    let e = err("[network]\ncluster = \"mainnet\"\n");
    assert!(
        e.contains("network.cluster") && e.contains("unknown variant `mainnet`"),
        "{e}"
    );
    let e = err("[network]\ncluster = \"sim\"\nrpc = [\"ftp://x\"]\n");
    assert!(
        e.contains("network.rpc[0]") && e.contains("scheme `ftp`"),
        "{e}"
    );
}

#[test]
fn out_of_range_values_are_refused() {
    let e = err("[network]\ncluster = \"sim\"\n[sim]\nslot_ms = 0\n");
    assert_eq!(e, "test.toml: sim.slot_ms: 0 is out of range 1..=60000");
    let e = err("[network]\ncluster = \"sim\"\nws = [\"http://127.0.0.1:1\"]\n");
    assert!(
        e.contains("network.ws[0]") && e.contains("expected ws or wss"),
        "{e}"
    );
    let e = err("[network]\ncluster = \"sim\"\n[sim]\nrpc_port = 5\nws_port = 5\n");
    assert!(e.contains("sim.ws_port"), "{e}");
}

#[test]
fn a_remote_cluster_needs_endpoints_and_a_keypair() {
    let e = err("[network]\ncluster = \"remote\"\n");
    assert!(e.contains("network.rpc"), "{e}");
    let e = err("[network]\ncluster = \"remote\"\nrpc = [\"http://a\"]\nws = [\"ws://a\"]\n");
    assert!(e.contains("wallet.keypair"), "{e}");
}

#[test]
fn secrets_cannot_be_written_inline() {
    let e = err("[network]\ncluster = \"sim\"\n[wallet]\nkeypair = \"[1,2,3]\"\n");
    assert!(e.contains("wallet.keypair"), "{e}");
    let e = err("[network]\ncluster = \"sim\"\n[wallet]\nkeypair = { secret = \"abc\" }\n");
    assert!(e.contains("wallet.keypair"), "{e}");
}

#[test]
fn keypair_sources() {
    let c = parse("[network]\ncluster = \"sim\"\n[wallet]\nkeypair = { file = \"/k.json\" }\n")
        .unwrap();
    assert_eq!(
        c.wallet.keypair.unwrap().path().unwrap(),
        PathBuf::from("/k.json")
    );

    let c = parse("[network]\ncluster = \"sim\"\n[wallet]\nkeypair = { path_env = \"KESTREL_TEST_KP_UNSET\" }\n").unwrap();
    let e = c.wallet.keypair.unwrap().path().unwrap_err().to_string();
    assert_eq!(
        e,
        "wallet.keypair.path_env: environment variable KESTREL_TEST_KP_UNSET is not set"
    );

    let e =
        err("[network]\ncluster = \"sim\"\n[wallet]\nkeypair = { path_env = \"not a name\" }\n");
    assert!(e.contains("not an environment variable name"), "{e}");
}

#[test]
fn fault_rates_are_shares() {
    let e = err("[network]\ncluster = \"sim\"\n[sim.faults]\nrpc_429_rate = 1.5\n");
    assert_eq!(
        e,
        "test.toml: sim.faults.rpc_429_rate: 1.5 is out of range 0..=1"
    );
}

#[test]
fn syntax_errors_have_a_position() {
    let e = err("[network\ncluster = \"sim\"\n");
    assert!(e.starts_with("test.toml:1:"), "{e}");
}

#[test]
fn load_names_the_missing_file() {
    let e = Config::load(Path::new("/nonexistent/kestrel.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/nonexistent/kestrel.toml: cannot read"),
        "{e}"
    );
}

#[test]
fn redacted_output_parses_back_to_the_same_config() {
    let c = Config::builtin().unwrap();
    let again = parse(&c.to_redacted_toml()).unwrap();
    assert_eq!(c, again);
}

const MINIMAL: &str = "[network]\ncluster = \"sim\"\n";

#[test]
fn the_engine_sections_default_to_what_the_file_says() {
    let file = Config::builtin().unwrap();
    let bare = parse(MINIMAL).unwrap();
    // The shipped file spells out the defaults; leaving a section out means the same.
    assert_eq!(file.sniper, bare.sniper);
    assert_eq!(file.guardian, bare.guardian);
    assert_eq!(file.exec, bare.exec);
    assert_eq!(file.engine, bare.engine);
    assert_eq!(file.feed, bare.feed);
    assert_eq!(file.threads, bare.threads);
    assert_eq!(file.exits, bare.exits);
    assert_eq!(file.reentry, bare.reentry);
    assert_eq!(file.journal, bare.journal);
    assert_eq!(file.route, bare.route);
    assert_eq!(file.jito, bare.jito);
    assert_eq!(file.backtest, bare.backtest);
    assert_eq!(file.engine.control_addr().map(|a| a.port()), Some(9464));
    assert_eq!(file.sniper.mayhem, Rule::Forbid);
}

#[test]
fn bad_engine_settings_name_their_key() {
    let cases = [
        (
            "[sniper]\ncreator_deny = [\"not-a-key\"]",
            "sniper.creator_deny[0]",
        ),
        (
            "[guardian]\nblacklisted_mints = [\"11111111111111111111111111111111\", \"abc\"]",
            "guardian.blacklisted_mints[1]",
        ),
        ("[sniper]\nbuy_lamports = 0", "sniper.buy_lamports"),
        ("[sniper]\nslippage_bps = 10001", "sniper.slippage_bps"),
        ("[exec]\nbuy_cu_limit = 5", "exec.buy_cu_limit"),
        ("[engine]\ncontrol = \"localhost\"", "engine.control"),
        ("[engine]\nqueue_capacity = 0", "engine.queue_capacity"),
        (
            "[feed]\nbackoff_min_ms = 10\nbackoff_max_ms = 5",
            "feed.backoff_min_ms",
        ),
        ("[feed]\nclient = \"fast\"", "feed.client"),
        ("[exec]\nnonces = \"random\"", "exec.nonces"),
        ("[sniper]\nmayhem = \"maybe\"", "sniper.mayhem"),
        ("[sniper]\nbuy_lamports = 0.05", "sniper.buy_lamports"),
        (
            "[sniper]\ncreator_buy_min_lamports = 5\ncreator_buy_max_lamports = 1",
            "sniper.creator_buy_min_lamports",
        ),
    ];
    for (section, key) in cases {
        let e = err(&format!("{MINIMAL}{section}\n"));
        assert!(e.contains(key), "{section}: {e}");
    }
    // An empty control address turns the port off.
    let c = parse(&format!("{MINIMAL}[engine]\ncontrol = \"\"\n")).unwrap();
    assert_eq!(c.engine.control_addr(), None);
}

#[test]
fn route_and_jito_settings_are_checked() {
    for (section, key) in [
        ("[jito]\ntip_lamports = 999\n", "jito.tip_lamports"),
        (
            "[jito]\nrequests_per_second = 0\n",
            "jito.requests_per_second",
        ),
        (
            "[jito]\nblock_engines = [\"ftp://x\"]\n",
            "jito.block_engines",
        ),
        (
            "[route]\nslippage_bps = 2000\nmax_slippage_bps = 1000\n",
            "route.slippage_bps",
        ),
        (
            "[route]\nmax_price_impact_bps = 10001\n",
            "route.max_price_impact_bps",
        ),
        ("[route]\njupiter_url = \"ws://x\"\n", "route.jupiter_url"),
        ("[jito]\nsend_via = \"pigeon\"\n", "send_via"),
    ] {
        let e = err(&format!("{MINIMAL}{section}"));
        assert!(e.contains(key), "{section}: {e}");
    }
}

#[test]
fn exits_reentry_and_journal_settings_are_checked() {
    let e = err(&format!(
        "{MINIMAL}[exits]\ntake_profit = [{{ gain_bps = 5000, sell_percent = 50 }}, {{ gain_bps = 0, sell_percent = 50 }}]\n"
    ));
    assert!(e.contains("exits.take_profit[1]"), "{e}");
    let e = err(&format!(
        "{MINIMAL}[exits]\ntake_profit = [{{ gain_bps = 5000, sell_percent = 101 }}]\n"
    ));
    assert!(e.contains("sell_percent"), "{e}");
    let e = err(&format!(
        "{MINIMAL}[exits]\ntrailing_bps = 100\ntrailing_arm_bps = 0\n"
    ));
    assert!(e.contains("exits.trailing_arm_bps"), "{e}");
    let e = err(&format!("{MINIMAL}[exits]\nstop_loss_bps = 10000\n"));
    assert!(e.contains("exits.stop_loss_bps"), "{e}");
    let e = err(&format!("{MINIMAL}[reentry]\nreference = \"moon\"\n"));
    assert!(e.contains("reference"), "{e}");
    let e = err(&format!(
        "{MINIMAL}[reentry]\nenabled = true\nbuy_lamports = 0\n"
    ));
    assert!(e.contains("reentry.buy_lamports"), "{e}");
    let e = err(&format!("{MINIMAL}[journal]\ndir = \" \"\n"));
    assert!(e.contains("journal.dir"), "{e}");
    let e = err(&format!("{MINIMAL}[journal]\nsync = \"sometimes\"\n"));
    assert!(e.contains("sync"), "{e}");
    // Every rule off is a valid choice.
    let c = parse(&format!(
        "{MINIMAL}[exits]\ntake_profit = []\nstop_loss_bps = 0\ntrailing_bps = 0\nmax_hold_secs = 0\n\
         creator_sells = false\nliquidity_drain_bps = 0\n[reentry]\nenabled = false\n[journal]\nenabled = false\n"
    ))
    .unwrap();
    assert!(c.exits.take_profit.is_empty() && !c.reentry.enabled && !c.journal.enabled);
}

#[test]
fn usdc_is_traded_only_with_a_usdc_buy_size_and_a_stated_sol_price() {
    let c = parse("[network]\ncluster = \"sim\"\n[sniper]\nquote_mints = [\"sol\"]\n").unwrap();
    assert_eq!(c.sniper.quote_mints, ["sol"]);
    let base = "[network]\ncluster = \"sim\"\n[sniper]\nquote_mints = [\"SOL\", \"USDC\"]\n";
    let e = err(base);
    assert!(e.contains("sniper.buy_usdc_units"), "{e}");
    let e = err(&format!("{base}buy_usdc_units = 5000000\n"));
    assert!(e.contains("quotes.usdc_per_sol"), "{e}");
    let c = parse(&format!(
        "{base}buy_usdc_units = 5000000\n[quotes]\nusdc_per_sol = 150000000\n"
    ))
    .unwrap();
    assert_eq!(c.quotes.usdc_per_sol, 150_000_000);
    let e = err("[network]\ncluster = \"sim\"\n[sniper]\nquote_mints = [\"BONK\"]\n");
    assert!(
        e.contains("sniper.quote_mints[0]") && e.contains("SOL or USDC"),
        "{e}"
    );
}

#[test]
fn a_set_changes_one_key_and_is_held_to_the_files_rules() {
    let sets =
        |s: &[&str]| -> Vec<Override> { s.iter().map(|t| Override::parse(t).unwrap()).collect() };
    let c = Config::from_toml_with(
        DEFAULT_TOML,
        "kestrel.toml",
        &sets(&[
            "sniper.buy_lamports=10000000",
            "backtest.latency_slots=[0, 2]",
        ]),
    )
    .unwrap();
    assert_eq!(c.sniper.buy_lamports, 10_000_000);
    assert_eq!(c.backtest.latency_slots, [0, 2]);
    // Everything else is the file's.
    let file = Config::from_toml(DEFAULT_TOML, "kestrel.toml").unwrap();
    assert_eq!(c.exits, file.exits);
    // Refused as the file would be, naming the key (and that it came from --set).
    for (set, says) in [
        ("sniper.buy_lamport=1", "with --set"),
        ("sniper.buy_lamport=1", "buy_lamport"),
        ("backtest.expire_bps=20000", "backtest.expire_bps"),
        ("sniper.buy_lamports=lots", "sniper.buy_lamports"),
    ] {
        let e = Config::from_toml_with(DEFAULT_TOML, "kestrel.toml", &sets(&[set]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{set}: {e}");
    }
}
