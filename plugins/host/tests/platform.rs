//! The v0.2 platform against the real host: a frozen v0.1.0 component (checked in, built from
//! the main of 2026-12-02) beside v0.2.0 ones, durable storage across a restart, topics
//! between plugins, webhooks through the ingress (Discord's Ed25519 check, a secret header,
//! the caps and the deadline), and requests signed by the host with OAuth 1.0a, checked by an
//! independent implementation (`oauth1-request`) at a fake server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{msg, wait_for};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::{Signer as _, SigningKey};
use kestrel_plugin_host::latest::{Event, Inbound, Launch};
use kestrel_plugin_host::oauth1::Credentials;
use kestrel_plugin_host::{
    Grants, HostSettings, Inbound as Webhooks, Offline, PluginHost, PluginLimits, PluginSource,
    PluginSpec, Signer, Verify,
};

/// The probe and the Telegram bot as built from main on 2026-12-02, against 0.1.0.
fn frozen(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../testing/frozen/v0.1.0/{name}.wasm"))
}

fn limits() -> PluginLimits {
    PluginLimits {
        call_deadline: Duration::from_millis(2_000),
        restart_min: Duration::from_millis(100),
        restart_max: Duration::from_millis(400),
        tick: Duration::from_millis(50),
        // The computing tests here are the plugins' own; no pause after them.
        cpu_percent: 100,
        ..PluginLimits::default()
    }
}

fn probe(name: &str, settings: &[(&str, &str)], grants: Grants) -> PluginSpec {
    PluginSpec {
        name: name.into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::PROBE),
        settings: settings
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        grants,
        limits: limits(),
    }
}

fn say(host: &PluginHost, name: &str, text: &str) -> String {
    host.message(name, msg(text)).unwrap().join("\n")
}

fn running(host: &PluginHost, names: &[&str]) {
    wait_for("the plugins to run", || {
        names
            .iter()
            .all(|n| host.status_of(n).is_some_and(|s| s.running))
    });
}

fn start(specs: Vec<PluginSpec>, settings: &HostSettings) -> PluginHost {
    PluginHost::start(specs, Arc::new(Offline), settings).unwrap()
}

fn launch(name: &str) -> Event {
    Event::Launch(Launch {
        mint: "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P".into(),
        name: name.into(),
        symbol: "T".into(),
        creator: String::new(),
        quote: "SOL".into(),
        market_cap_lamports: 27_000_000_000,
        slot: 1,
        seen_ms: 0,
        mayhem: false,
        cashback: false,
    })
}

#[test]
fn a_frozen_v0_1_0_component_runs_unchanged_beside_v0_2_0_ones() {
    let mut old = probe("old", &[("mode", "echo")], Grants::default());
    old.source = PluginSource::File(frozen("probe"));
    let mut old_bot = probe(
        "old-telegram",
        &[("allowed_users", "42")],
        Grants::default(),
    );
    old_bot.source = PluginSource::File(frozen("telegram"));
    let all = Grants {
        events: kestrel_plugin_host::latest::EventKinds::all(),
        ..Grants::default()
    };
    let new = probe("new", &[("mode", "echo"), ("launch_keywords", "cat")], all);
    let host = start(vec![old, old_bot, new], &HostSettings::default());
    running(&host, &["old", "old-telegram", "new"]);
    let versions: Vec<(String, String)> = host
        .status()
        .into_iter()
        .map(|s| (s.name, s.version))
        .collect();
    assert_eq!(
        versions,
        [
            ("old".to_owned(), "0.1.0".to_owned()),
            ("old-telegram".to_owned(), "0.1.0".to_owned()),
            ("new".to_owned(), "0.2.0".to_owned())
        ]
    );
    assert_eq!(say(&host, "old", "hello from 0.1.0"), "hello from 0.1.0");
    // The old Telegram bot answers the host's messages as it always did.
    let help = host
        .message(
            "old-telegram",
            Inbound {
                chat: "42".into(),
                user: "42".into(),
                text: "/help".into(),
            },
        )
        .unwrap()
        .join("\n");
    assert!(help.contains("/buy"), "{help}");
    // Launches reach only the new plugin, through its filter.
    host.publish(&launch("Catcoin"));
    host.publish(&launch("Dogcoin"));
    host.publish(&Event::Alert("a".into()));
    wait_for("the events", || {
        say(&host, "new", "events").contains("\"alert\": 1")
    });
    assert_eq!(say(&host, "new", "events"), r#"{"alert": 1, "launch": 1}"#);
    let s = host.status_of("new").unwrap();
    assert_eq!(s.launches_held, 1);
    host.stop();
}

#[test]
fn storage_survives_a_restart_and_a_v0_1_0_plugin_keeps_its_store_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = HostSettings {
        storage_dir: Some(dir.path().to_owned()),
        ..HostSettings::default()
    };
    let mut old = probe("desk", &[], Grants::default());
    old.source = PluginSource::File(frozen("probe"));
    let host = start(vec![old], &settings);
    running(&host, &["desk"]);
    for _ in 0..3 {
        say(&host, "desk", "hi");
    }
    host.stop();
    assert!(dir.path().join("plugin-desk.sqlite").exists());
    // The same plugin, rebuilt against 0.2.0, finds what 0.1.0 wrote (its call counter).
    let host = start(vec![probe("desk", &[], Grants::default())], &settings);
    running(&host, &["desk"]);
    assert_eq!(say(&host, "desk", "calls"), "4");
    assert_eq!(say(&host, "desk", "kv:set case:1 warned"), "Ok(())");
    assert_eq!(say(&host, "desk", "kv:cas next - 1"), "Ok(true)");
    assert_eq!(say(&host, "desk", "kv:cas next - 1"), "Ok(false)");
    host.stop();
    let host = start(vec![probe("desk", &[], Grants::default())], &settings);
    running(&host, &["desk"]);
    assert_eq!(say(&host, "desk", "kv:get case:1"), "warned");
    assert_eq!(say(&host, "desk", "kv:keys case:"), "case:1");
    assert_eq!(say(&host, "desk", "kv:cas next 1 2"), "Ok(true)");
    host.stop();
}

#[test]
fn a_plugin_filling_its_quota_is_refused_and_its_neighbour_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let settings = HostSettings {
        storage_dir: Some(dir.path().to_owned()),
        ..HostSettings::default()
    };
    let mut hog = probe("hog", &[], Grants::default());
    hog.limits.kv_bytes = 64 << 10;
    hog.limits.kv_writes_per_second = 10_000;
    let host = start(vec![hog, probe("calm", &[], Grants::default())], &settings);
    running(&host, &["hog", "calm"]);
    let r = say(&host, "hog", "kv:fill");
    assert!(
        r.starts_with("wrote ") && r.ends_with("then KvError::Quota(65536)"),
        "{r}"
    );
    let s = host.status_of("hog").unwrap();
    assert!(s.kv_bytes <= 64 << 10, "{s:?}");
    assert_eq!((s.kv_refused, s.faults), (1, 0));
    // Writes a second are bounded too, and with them the disk work one plugin causes.
    let mut slow = probe("slow", &[], Grants::default());
    slow.limits.kv_writes_per_second = 5;
    let other = start(vec![slow], &HostSettings::default());
    running(&other, &["slow"]);
    // The message itself spends one write (the probe's call counter).
    assert_eq!(
        say(&other, "slow", "kv:fill"),
        "wrote 4 then KvError::Busy(5)"
    );
    assert_eq!(other.status_of("slow").unwrap().kv_refused, 1);
    other.stop();
    // Deleting makes room again; the neighbour's store is its own.
    assert_eq!(say(&host, "hog", "kv:del fill:00000000"), "Ok(())");
    assert_eq!(say(&host, "hog", "kv:set x y"), "Ok(())");
    assert_eq!(say(&host, "calm", "kv:set a b"), "Ok(())");
    assert_eq!(say(&host, "calm", "kv:keys fill"), "");
    host.stop();
}

#[test]
fn a_draft_published_on_a_topic_reaches_its_subscriber_and_no_one_else() {
    let writer = Grants {
        publish_topics: vec!["drafts".into()],
        ..Grants::default()
    };
    let approver = Grants {
        subscribe_topics: vec!["drafts".into()],
        ..Grants::default()
    };
    let mut flooded = probe("approver", &[("topics", "drafts")], approver);
    flooded.limits.queue = 8;
    let host = start(
        vec![
            probe("x", &[], writer),
            flooded,
            // Asks for the topic without the grant: gets nothing.
            probe("nosy", &[("topics", "drafts")], Grants::default()),
        ],
        &HostSettings::default(),
    );
    running(&host, &["x", "approver", "nosy"]);
    assert_eq!(
        say(&host, "x", "topic:publish drafts gm, draft 1"),
        "Ok(())"
    );
    wait_for("the draft", || {
        say(&host, "approver", "topic:last") != "none"
    });
    assert_eq!(say(&host, "approver", "topic:last"), "drafts x gm, draft 1");
    assert_eq!(say(&host, "nosy", "topic:last"), "none");
    // Publishing is granted per topic, and bounded in rate.
    assert_eq!(
        say(&host, "x", "topic:publish approvals hi"),
        "Err(TopicError::NotGranted)"
    );
    assert_eq!(
        say(&host, "nosy", "topic:publish drafts hi"),
        "Err(TopicError::NotGranted)"
    );
    let r = say(&host, "x", "topic:flood drafts");
    assert!(r.ends_with("then TopicError::Busy"), "{r}");
    let s = host.status_of("x").unwrap();
    // One refused for the topic, one for the rate.
    assert!(s.topics_published <= 21 && s.topics_denied == 2, "{s:?}");
    host.stop();
}

// ---- the ingress ----

/// FACTS §6.1's key pair (seed 00..1f).
fn discord_key() -> SigningKey {
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    SigningKey::from_bytes(&seed)
}

const PUBLIC_HEX: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";

fn hooks(verify: Verify) -> Grants {
    Grants {
        inbound: Some(Webhooks::new(verify)),
        ..Grants::default()
    }
}

fn ingress_host(specs: Vec<PluginSpec>) -> (PluginHost, SocketAddr) {
    let host = start(
        specs,
        &HostSettings {
            ingress: Some("127.0.0.1:0".parse().unwrap()),
            ..HostSettings::default()
        },
    );
    let addr = host.ingress_addr().unwrap();
    (host, addr)
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// POSTs `body` with `headers`; (status, body).
fn post(url: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut rb = reqwest::Client::new().post(url).body(body);
        for (n, v) in headers {
            rb = rb.header(*n, v);
        }
        let r = rb.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

fn signed(ts: u64, body: &[u8]) -> Vec<(&'static str, String)> {
    let mut m = ts.to_string().into_bytes();
    m.extend_from_slice(body);
    let sig = discord_key().sign(&m);
    let hex: String = sig.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    vec![
        ("X-Signature-Ed25519", hex),
        ("X-Signature-Timestamp", ts.to_string()),
    ]
}

#[test]
fn a_signed_webhook_reaches_its_plugin_and_forged_stale_or_oversized_ones_never_do() {
    let discord = Verify::discord_ed25519(PUBLIC_HEX).unwrap();
    let (host, addr) = ingress_host(vec![
        probe("discord", &[], hooks(discord)),
        probe("quiet", &[], Grants::default()),
    ]);
    running(&host, &["discord", "quiet"]);
    let url = format!("http://{addr}/hooks/discord/interactions?x=1");
    let body = br#"{"type":1}"#.to_vec();
    let now = now_secs();
    let (status, text) = post(&url, &signed(now, &body), body.clone());
    assert_eq!(
        (status, text.as_str()),
        (200, r#"/interactions?x=1 {"type":1}"#)
    );
    // One byte more than was signed.
    let mut longer = body.clone();
    longer.push(b' ');
    assert_eq!(post(&url, &signed(now, &body), longer).0, 401);
    // Signed, but ten minutes old: a replay.
    assert_eq!(post(&url, &signed(now - 600, &body), body.clone()).0, 401);
    // A signature that is not the key's.
    let mut forged = signed(now, &body);
    let first = if forged[0].1.starts_with('0') {
        "1"
    } else {
        "0"
    };
    forged[0].1.replace_range(0..1, first);
    assert_eq!(post(&url, &forged, body.clone()).0, 401);
    assert_eq!(post(&url, &[], body.clone()).0, 401);
    // Over the 64 KiB cap: refused before it is read.
    let big = vec![b'a'; 65 << 10];
    assert_eq!(post(&url, &signed(now, &big), big).0, 413);
    // Unknown plugin, a plugin without webhooks, another root: 404.
    assert_eq!(
        post(&format!("http://{addr}/hooks/nobody/x"), &[], vec![]).0,
        404
    );
    assert_eq!(
        post(&format!("http://{addr}/hooks/quiet/x"), &[], vec![]).0,
        404
    );
    assert_eq!(post(&format!("http://{addr}/other"), &[], vec![]).0, 404);
    let s = host.status_of("discord").unwrap();
    assert_eq!(
        (s.webhooks, s.webhooks_refused, s.faults),
        (1, 5, 0),
        "{s:?}"
    );
    host.stop();
}

#[test]
fn a_secret_header_guards_a_hook_and_a_slow_plugin_gets_503_and_a_fault() {
    let secret = Verify::HeaderSecret {
        header: "X-Telegram-Bot-Api-Secret-Token".into(),
        secret: "tok_123".into(),
    };
    let mut slow_grants = hooks(Verify::None);
    if let Some(i) = slow_grants.inbound.as_mut() {
        i.deadline = Duration::from_millis(200);
    }
    let (host, addr) = ingress_host(vec![
        probe("tg", &[], hooks(secret)),
        probe(
            "slow",
            &[("webhook", "slow"), ("slow_ms", "600")],
            slow_grants,
        ),
    ]);
    running(&host, &["tg", "slow"]);
    let url = format!("http://{addr}/hooks/tg");
    let good = [("X-Telegram-Bot-Api-Secret-Token", "tok_123".to_owned())];
    assert_eq!(post(&url, &good, b"{}".to_vec()), (200, "/? {}".to_owned()));
    let bad = [("X-Telegram-Bot-Api-Secret-Token", "tok_124".to_owned())];
    assert_eq!(post(&url, &bad, b"{}".to_vec()).0, 401);
    assert_eq!(post(&url, &[], b"{}".to_vec()).0, 401);
    let (status, _) = post(&format!("http://{addr}/hooks/slow/x"), &[], b"{}".to_vec());
    assert_eq!(status, 503);
    let s = host.status_of("slow").unwrap();
    assert_eq!((s.webhooks_late, s.faults), (1, 1), "{s:?}");
    assert!(s.running, "a late answer is counted, not a crash: {s:?}");
    host.stop();
}

// ---- host-side signing ----

/// A field of an `Authorization: OAuth k="v", …` header (either implementation's spacing).
fn oauth_field(header: &str, name: &str) -> Option<String> {
    header
        .trim_start_matches("OAuth ")
        .split(',')
        .map(str::trim)
        .find_map(|kv| kv.strip_prefix(&format!("{name}=\"")))
        .map(|v| v.trim_end_matches('"').to_owned())
}

/// A fake X: checks each request's OAuth 1.0a header by recomputing it with `oauth1-request`
/// from the nonce and timestamp the header carries; 201 if it matches, 401 if not.
async fn fake_x(creds: Credentials, seen: Arc<Mutex<Vec<String>>>) -> SocketAddr {
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method, uri: axum::http::Uri, headers: axum::http::HeaderMap| {
            let (creds, seen) = (creds.clone(), seen.clone());
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().unwrap().push(auth.clone());
                let field = |name: &str| oauth_field(&auth, name).unwrap_or_default();
                let (nonce, ts) = (field("oauth_nonce"), field("oauth_timestamp"));
                let token = oauth1_request::Token::from_parts(
                    creds.consumer_key.as_str(),
                    creds.consumer_secret.as_str(),
                    creds.token.as_str(),
                    creds.token_secret.as_str(),
                );
                let mut b =
                    oauth1_request::Builder::with_token(token, oauth1_request::HmacSha1::new());
                b.nonce(nonce.as_str())
                    .timestamp(ts.parse::<std::num::NonZeroU64>().ok())
                    .version(true);
                let host = format!("http://{}{}", headers["host"].to_str().unwrap(), uri.path());
                let expected = b.authorize(method.as_str(), host, &());
                let sig = |h: &str| oauth_field(h, "oauth_signature");
                if sig(&auth).is_some() && sig(&auth) == sig(&expected) {
                    axum::http::StatusCode::CREATED
                } else {
                    axum::http::StatusCode::UNAUTHORIZED
                }
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[test]
fn the_host_signs_with_oauth1_and_an_independent_implementation_agrees() {
    let creds = Credentials {
        consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
        consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
        token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
        token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let addr = rt.block_on(fake_x(creds.clone(), seen.clone()));
    let grants = Grants {
        http_hosts: vec!["127.0.0.1".into()],
        signers: vec![("x".into(), Signer::OAuth1(creds.clone()))],
        ..Grants::default()
    };
    let host = start(
        vec![
            probe("poster", &[], grants),
            probe(
                "other",
                &[],
                Grants {
                    http_hosts: vec!["127.0.0.1".into()],
                    ..Grants::default()
                },
            ),
        ],
        &HostSettings::default(),
    );
    running(&host, &["poster", "other"]);
    let url = format!("http://{addr}/2/tweets");
    assert_eq!(
        say(&host, "poster", &format!("signed {url} x")),
        "status 201"
    );
    assert_eq!(
        say(&host, "poster", &format!("signed {url} x")),
        "status 201"
    );
    // A signer not granted to the plugin: refused before anything leaves.
    let r = say(&host, "other", &format!("signed {url} x"));
    assert!(r.contains("Denied") && r.contains("signer"), "{r}");
    let r = say(&host, "poster", &format!("signed {url} y"));
    assert!(r.contains("Denied"), "{r}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    // Fresh nonces; the secrets never travel.
    assert_ne!(seen[0], seen[1]);
    assert!(
        seen.iter()
            .all(|h| !h.contains(&creds.consumer_secret) && !h.contains(&creds.token_secret))
    );
    host.stop();
}
