//! Off-curve routing: a Jupiter route in hand → a signed transaction, with the lookup tables
//! cached. The route is a real one: the local cluster graduates a coin into a PumpSwap pool
//! and its Jupiter-compatible API answers `/quote` and `/swap-instructions` once, over HTTP,
//! before measuring. Each beside a baseline in the same run:
//! - `route/sign_v0`: Kestrel's assembly (our compute budget, the route's instructions,
//!   `v0::Message::try_compile` against the cached tables, our wire writer, one ed25519
//!   signature, the base64 `sendTransaction` body).
//! - `route/sign_precompiled`: what an exit pays when the quote refresher has compiled the
//!   route ahead (Kestrel's path for held positions): patch the blockhash, sign, encode.
//! - `route/decode_and_sign`: the same as `sign_v0` from the `/swap-instructions` reply's JSON
//!   text.
//! - baseline `route/sdk_versioned_tx`: the ordinary way with solana-sdk types:
//!   `VersionedTransaction::try_new` over the same compiled message, bincode, base64, and
//!   the same outputs ours yields (the signature as text, the `sendTransaction` body).

#![allow(clippy::print_stdout)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use kestrel_exec::jupiter::{
    Jupiter, QuoteRequest, RetryPolicy, SwapRequest, parse_swap_instructions,
};
use kestrel_exec::lookup::LookupTables;
use kestrel_exec::swap::{self, SwapPlan};
use kestrel_exec::tx::Budget;
use kestrel_exec::{JsonRpc, Wallet};
use kestrel_pump::ids::WSOL_MINT;
use kestrel_sim::scenario::{self, ScriptedTrade};
use kestrel_sim::{SimOptions, SimServer};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{VersionedMessage, v0};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

const SOL: u64 = 1_000_000_000;

struct Route {
    plan: SwapPlan,
    reply_json: String,
}

fn real_route(user: &Wallet) -> Route {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    rt.block_on(async {
        let sim = SimServer::start(SimOptions::default())
            .await
            .unwrap_or_else(|e| panic!("cluster: {e}"));
        let creator = Keypair::new();
        sim.cluster
            .airdrop(&creator.pubkey(), 10 * SOL)
            .unwrap_or_else(|e| panic!("{e}"));
        let mint = Keypair::new();
        scenario::launch_coin(&sim.cluster, &creator, &mint, "Bench", "BNCH")
            .unwrap_or_else(|e| panic!("{e}"));
        let whale = Keypair::new();
        sim.cluster
            .airdrop(&whale.pubkey(), 200 * SOL)
            .unwrap_or_else(|e| panic!("{e}"));
        scenario::trade_coin(
            &sim.cluster,
            &whale,
            &mint.pubkey(),
            &creator.pubkey(),
            ScriptedTrade::Buy {
                lamports: 150 * SOL,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let http = reqwest::Client::new();
        let jup = Jupiter::new(
            http.clone(),
            &format!("{}/swap/v1", sim.rpc_url()),
            None,
            RetryPolicy::default(),
        );
        let quote = jup
            .quote(&QuoteRequest::exact_in(
                mint.pubkey(),
                WSOL_MINT,
                1_000_000_000_000,
                300,
            ))
            .await
            .unwrap_or_else(|e| panic!("quote: {e}"));
        let req = SwapRequest {
            user: user.pubkey(),
            wrap_and_unwrap_sol: true,
            compute_unit_price_micro_lamports: None,
            dynamic_compute_unit_limit: false,
        };
        // The reply's text, as the wire carries it, for the decode bench.
        let body = serde_json::json!({
            "quoteResponse": quote.raw,
            "userPublicKey": user.pubkey().to_string(),
            "wrapAndUnwrapSol": true,
        });
        let reply_json = http
            .post(format!("{}/swap/v1/swap-instructions", sim.rpc_url()))
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("swap-instructions: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let instructions = jup
            .swap_instructions(&quote, &req)
            .await
            .unwrap_or_else(|e| panic!("swap-instructions: {e}"));
        let rpc = JsonRpc::new(http, sim.rpc_url(), "sim".into());
        let tables = LookupTables::default()
            .fetch(&rpc, &instructions.lookup_tables)
            .await
            .unwrap_or_else(|e| panic!("tables: {e}"));
        sim.stop().await;
        Route {
            plan: SwapPlan {
                quote,
                instructions,
                tables,
            },
            reply_json,
        }
    })
}

fn bench(c: &mut Criterion) {
    let kp = Keypair::new();
    let wallet = Wallet::from_keypair(kp.insecure_clone());
    let route = real_route(&wallet);
    let budget = Budget {
        cu_limit: 250_000,
        cu_price: 10_000,
    };
    let blockhash = Hash::new_from_array([7; 32]);
    let signed = swap::sign(&wallet, &route.plan, budget, None, blockhash)
        .unwrap_or_else(|e| panic!("sign: {e}"));
    println!(
        "route: {} instructions, {} lookup table(s), {} bytes signed",
        swap::instructions(&route.plan.instructions, budget, None).len(),
        route.plan.tables.len(),
        signed.wire.len()
    );

    let mut g = c.benchmark_group("route");
    g.bench_function("sign_v0", |b| {
        b.iter(|| {
            swap::sign(&wallet, black_box(&route.plan), budget, None, blockhash)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    let compiled = swap::compile(&wallet.pubkey(), &route.plan, budget, None)
        .unwrap_or_else(|e| panic!("compile: {e}"));
    assert_eq!(compiled.sign(&wallet, blockhash).wire, signed.wire);
    g.bench_function("sign_precompiled", |b| {
        b.iter(|| black_box(&compiled).sign(&wallet, blockhash))
    });
    g.bench_function("decode_and_sign", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(black_box(&route.reply_json))
                .unwrap_or_else(|e| panic!("{e}"));
            let instructions = parse_swap_instructions(v).unwrap_or_else(|e| panic!("{e}"));
            let ixs = swap::instructions(&instructions, budget, None);
            kestrel_exec::tx::sign_v0(&wallet, &ixs, &route.plan.tables, blockhash)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    g.bench_function("sdk_versioned_tx", |b| {
        b.iter(|| {
            let ixs = swap::instructions(black_box(&route.plan.instructions), budget, None);
            let msg = v0::Message::try_compile(&kp.pubkey(), &ixs, &route.plan.tables, blockhash)
                .unwrap_or_else(|e| panic!("{e}"));
            let tx = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[&kp])
                .unwrap_or_else(|e| panic!("{e}"));
            let wire = bincode::serialize(&tx).unwrap_or_else(|e| panic!("{e}"));
            // What ours also yields: the signature as text (to track it) and the request body.
            let b64 = STANDARD.encode(&wire);
            let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "sendTransaction",
                "params": [b64, {"encoding": "base64", "skipPreflight": true, "maxRetries": 0}]})
            .to_string();
            (tx.signatures[0].to_string(), body, wire)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
