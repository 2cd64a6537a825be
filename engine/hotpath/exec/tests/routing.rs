//! Off-curve routing against the local cluster over real sockets: a coin whose curve completes
//! is migrated to a PumpSwap pool; the Jupiter client quotes it through the cluster's
//! Jupiter-compatible endpoints; the route is signed as our own v0 transaction with the pool's
//! lookup table and lands. Jito bundles land atomically or not at all. And replies that are not
//! the API (an HTML error page, 429, truncated JSON) give clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use kestrel_exec::jito::{Inflight, Jito, JitoError, tip_instruction};
use kestrel_exec::jupiter::{Jupiter, JupiterError, QuoteRequest, RetryPolicy, SwapRequest};
use kestrel_exec::lookup::LookupTables;
use kestrel_exec::swap::{self, SwapPlan};
use kestrel_exec::tx::{self, Budget};
use kestrel_exec::{JsonRpc, Wallet};
use kestrel_pump::ids::{JITO_TIP_ACCOUNTS, TOKEN_PROGRAM, WSOL_MINT};
use kestrel_pump::pda;
use kestrel_sim::scenario::{self, ScriptedTrade};
use kestrel_sim::{SimOptions, SimServer};
use serde_json::json;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SOL: u64 = 1_000_000_000;

async fn cluster() -> SimServer {
    SimServer::start(SimOptions {
        slot_ms: 50,
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn rpc(sim: &SimServer) -> JsonRpc {
    JsonRpc::new(reqwest::Client::new(), sim.rpc_url(), "sim".into())
}

fn jupiter(sim: &SimServer) -> Jupiter {
    Jupiter::new(
        reqwest::Client::new(),
        &format!("{}/swap/v1", sim.rpc_url()),
        Some("test-key".into()),
        RetryPolicy::default(),
    )
}

async fn funded(sim: &SimServer, lamports: u64) -> (Keypair, Wallet) {
    let kp = Keypair::new();
    sim.cluster.airdrop(&kp.pubkey(), lamports).unwrap();
    let w = Wallet::from_keypair(kp.insecure_clone());
    (kp, w)
}

async fn blockhash(rpc: &JsonRpc) -> Hash {
    rpc.latest_blockhash().await.unwrap().0
}

/// Sends with preflight, so a failure is an error here.
async fn send(rpc: &JsonRpc, wire_b64: &str) -> Result<String, kestrel_exec::RpcError> {
    rpc.call("sendTransaction", json!([wire_b64, {"encoding": "base64"}]))
        .await
}

async fn token_balance(rpc: &JsonRpc, owner: &Pubkey, mint: &Pubkey) -> u64 {
    let ata = pda::associated_token_address(owner, &TOKEN_PROGRAM, mint);
    rpc.token_account_balance(&ata).await.unwrap().unwrap_or(0)
}

/// Launches a coin, lets `holder` buy some, then buys the rest of the curve so it completes.
async fn graduated_coin(sim: &SimServer, holder: &Keypair) -> Pubkey {
    let creator = Keypair::new();
    sim.cluster.airdrop(&creator.pubkey(), 10 * SOL).unwrap();
    let mint = Keypair::new();
    scenario::launch_coin(&sim.cluster, &creator, &mint, "Grad", "GRAD").unwrap();
    let buy = |who: &Keypair, lamports| {
        scenario::trade_coin(
            &sim.cluster,
            who,
            &mint.pubkey(),
            &creator.pubkey(),
            ScriptedTrade::Buy { lamports },
        )
    };
    buy(holder, SOL).unwrap();
    let whale = Keypair::new();
    sim.cluster.airdrop(&whale.pubkey(), 200 * SOL).unwrap();
    buy(&whale, 150 * SOL).unwrap();
    mint.pubkey()
}

#[tokio::test]
async fn a_graduated_coin_is_sold_through_the_jupiter_route_as_our_own_v0_transaction() {
    let sim = cluster().await;
    let rpc = rpc(&sim);
    let (holder_kp, holder) = funded(&sim, 5 * SOL).await;
    let mint = graduated_coin(&sim, &holder_kp).await;

    // The curve completed and was migrated: reserves gone, a pool holds them.
    let curve = rpc
        .account_data(&pda::bonding_curve(&mint))
        .await
        .unwrap()
        .1
        .unwrap();
    let c = kestrel_decode::account::decode_bonding_curve(&curve).unwrap();
    assert!(c.complete);
    assert_eq!(c.real_quote_reserves, 0);
    let pool = *sim
        .cluster
        .bank()
        .pools
        .get(&mint)
        .expect("migrated to a pool");
    assert_eq!(pool.key, kestrel_pump::amm::canonical_pool(&mint));

    let held = token_balance(&rpc, &holder.pubkey(), &mint).await;
    assert!(held > 0);
    let sol_before = rpc.balance(&holder.pubkey()).await.unwrap();

    let jup = jupiter(&sim);
    let quote = jup
        .quote(&QuoteRequest::exact_in(mint, WSOL_MINT, held, 300))
        .await
        .unwrap();
    assert_eq!(quote.in_amount, held);
    assert!(quote.out_amount > 0 && quote.other_amount_threshold <= quote.out_amount);
    assert_eq!(quote.route[0].amm_key, pool.key);
    assert!(quote.price_impact_bps > 0);
    let ixs = jup
        .swap_instructions(
            &quote,
            &SwapRequest {
                user: holder.pubkey(),
                wrap_and_unwrap_sol: true,
                compute_unit_price_micro_lamports: Some(10_000),
                dynamic_compute_unit_limit: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(ixs.lookup_tables, vec![pool.table]);

    let tables = LookupTables::default();
    assert!(tables.cached(&ixs.lookup_tables).is_none());
    let loaded = tables.fetch(&rpc, &ixs.lookup_tables).await.unwrap();
    assert!(!loaded[0].addresses.is_empty());
    let plan = SwapPlan {
        quote: quote.clone(),
        instructions: ixs,
        tables: tables.cached(&[pool.table]).unwrap(),
    };
    let signed = swap::sign(
        &holder,
        &plan,
        Budget {
            cu_limit: 200_000,
            cu_price: 10_000,
        },
        None,
        blockhash(&rpc).await,
    )
    .unwrap();
    assert_eq!(signed.wire[65], 0x80, "a v0 message");
    let sig = send(&rpc, &signed.base64()).await.unwrap();
    assert_eq!(sig, signed.signature_text.as_str());

    assert_eq!(token_balance(&rpc, &holder.pubkey(), &mint).await, 0);
    let sol_after = rpc.balance(&holder.pubkey()).await.unwrap();
    // Everything sold, at least the quote's floor received (less the network fee).
    let fee = 5_000 + 2_000; // signature + ceil(200_000 × 10_000 / 1e6)
    assert!(
        sol_after + fee >= sol_before + quote.other_amount_threshold,
        "{sol_before} → {sol_after}"
    );
    let logs = rpc.transaction_logs(&sig).await.unwrap().unwrap();
    assert_eq!(logs.token_delta(&holder.pubkey(), &mint), -i128::from(held));
    sim.stop().await;
}

#[tokio::test]
async fn sol_buys_a_pooled_coin_through_the_route_and_slippage_protects_a_stale_quote() {
    let sim = cluster().await;
    let rpc = rpc(&sim);
    let (holder_kp, _) = funded(&sim, 5 * SOL).await;
    let mint = graduated_coin(&sim, &holder_kp).await;
    let (_, buyer) = funded(&sim, 10 * SOL).await;
    let jup = jupiter(&sim);
    let req = SwapRequest {
        user: buyer.pubkey(),
        wrap_and_unwrap_sol: true,
        compute_unit_price_micro_lamports: None,
        dynamic_compute_unit_limit: false,
    };
    let quote = jup
        .quote(&QuoteRequest::exact_in(WSOL_MINT, mint, SOL, 50))
        .await
        .unwrap();
    let ixs = jup.swap_instructions(&quote, &req).await.unwrap();
    let tables = LookupTables::default();
    let plan = SwapPlan {
        quote: quote.clone(),
        tables: tables.fetch(&rpc, &ixs.lookup_tables).await.unwrap(),
        instructions: ixs,
    };
    let budget = Budget {
        cu_limit: 200_000,
        cu_price: 0,
    };
    // Someone else buys big first: the price moves past our 0.5 % slippage.
    let (_, other) = funded(&sim, 60 * SOL).await;
    let q2 = jup
        .quote(&QuoteRequest::exact_in(WSOL_MINT, mint, 50 * SOL, 5_000))
        .await
        .unwrap();
    let i2 = jup
        .swap_instructions(
            &q2,
            &SwapRequest {
                user: other.pubkey(),
                ..req.clone()
            },
        )
        .await
        .unwrap();
    let p2 = SwapPlan {
        quote: q2,
        tables: plan.tables.clone(),
        instructions: i2,
    };
    send(
        &rpc,
        &swap::sign(&other, &p2, budget, None, blockhash(&rpc).await)
            .unwrap()
            .base64(),
    )
    .await
    .unwrap();
    let stale = swap::sign(&buyer, &plan, budget, None, blockhash(&rpc).await).unwrap();
    let err = send(&rpc, &stale.base64()).await.unwrap_err();
    assert!(
        err.to_string().contains("0x1774"),
        "ExceededSlippage (6004): {err}"
    );
    assert_eq!(token_balance(&rpc, &buyer.pubkey(), &mint).await, 0);

    // A fresh quote goes through.
    let fresh = jup
        .quote(&QuoteRequest::exact_in(WSOL_MINT, mint, SOL, 50))
        .await
        .unwrap();
    let ixs = jup.swap_instructions(&fresh, &req).await.unwrap();
    let plan = SwapPlan {
        quote: fresh.clone(),
        tables: plan.tables,
        instructions: ixs,
    };
    send(
        &rpc,
        &swap::sign(&buyer, &plan, budget, None, blockhash(&rpc).await)
            .unwrap()
            .base64(),
    )
    .await
    .unwrap();
    assert!(token_balance(&rpc, &buyer.pubkey(), &mint).await >= fresh.other_amount_threshold);
    sim.stop().await;
}

#[tokio::test]
async fn the_router_refuses_what_it_cannot_route_with_jupiters_error_shape() {
    let sim = cluster().await;
    let jup = jupiter(&sim);
    let nowhere = Pubkey::new_unique();
    match jup
        .quote(&QuoteRequest::exact_in(WSOL_MINT, nowhere, SOL, 50))
        .await
    {
        Err(JupiterError::Api {
            status: 400, code, ..
        }) => {
            assert_eq!(code.as_deref(), Some("COULD_NOT_FIND_ANY_ROUTE"));
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

fn transfer_tx(
    from: &Wallet,
    to: &Pubkey,
    lamports: u64,
    tip: Option<u64>,
    bh: Hash,
) -> tx::SignedTx {
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&lamports.to_le_bytes());
    let mut ixs = vec![solana_instruction::Instruction {
        program_id: kestrel_pump::ids::SYSTEM_PROGRAM,
        accounts: vec![
            solana_instruction::AccountMeta::new(from.pubkey(), true),
            solana_instruction::AccountMeta::new(*to, false),
        ],
        data,
    }];
    if let Some(t) = tip {
        ixs.push(tip_instruction(&from.pubkey(), &JITO_TIP_ACCOUNTS[3], t));
    }
    tx::sign(from, &ixs, bh)
}

fn jito(sim: &SimServer) -> Jito {
    Jito::new(
        reqwest::Client::new(),
        vec![(format!("{}/api/v1/bundles", sim.rpc_url()), "sim".into())],
        None,
        50,
    )
}

#[tokio::test]
async fn a_bundle_lands_atomically_in_order_and_reports_its_status() {
    let sim = cluster().await;
    let rpc = rpc(&sim);
    let (_, a) = funded(&sim, 2 * SOL).await;
    let b = Pubkey::new_unique();
    let bh = blockhash(&rpc).await;
    let tip_before = rpc.balance(&JITO_TIP_ACCOUNTS[3]).await.unwrap();
    let t1 = transfer_tx(&a, &b, SOL / 2, None, bh);
    let t2 = transfer_tx(&a, &b, SOL / 4, Some(5_000), bh);
    let j = jito(&sim);
    let id = j.send_bundle(&[t1.base64(), t2.base64()]).await.unwrap();
    assert_eq!(id.len(), 64);
    assert_eq!(rpc.balance(&b).await.unwrap(), SOL / 2 + SOL / 4);
    assert_eq!(
        rpc.balance(&JITO_TIP_ACCOUNTS[3]).await.unwrap(),
        tip_before + 5_000
    );
    let statuses = rpc
        .signature_statuses(&[
            t1.signature_text.as_str().to_owned(),
            t2.signature_text.as_str().to_owned(),
        ])
        .await
        .unwrap();
    assert!(
        statuses
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.err.is_none()))
    );
    let landed_in = statuses[0].as_ref().unwrap().slot;
    assert_eq!(statuses[1].as_ref().unwrap().slot, landed_in, "one slot");
    assert_eq!(
        j.inflight_statuses(std::slice::from_ref(&id))
            .await
            .unwrap(),
        vec![Inflight::Landed { slot: landed_in }]
    );
    let s = j.bundle_statuses(std::slice::from_ref(&id)).await.unwrap();
    let s = s[0].as_ref().expect("landed bundle has a status");
    assert_eq!(
        s.transactions,
        vec![t1.signature_text.as_str(), t2.signature_text.as_str()]
    );
    assert!(s.err.is_none());
    sim.stop().await;
}

#[tokio::test]
async fn a_bundle_with_a_failing_transaction_lands_nothing_not_even_fees() {
    let sim = cluster().await;
    let rpc = rpc(&sim);
    let (_, a) = funded(&sim, 2 * SOL).await;
    let b = Pubkey::new_unique();
    let bh = blockhash(&rpc).await;
    let before = rpc.balance(&a.pubkey()).await.unwrap();
    let ok = transfer_tx(&a, &b, SOL / 2, None, bh);
    // More than is left after the first: fails on chain.
    let failing = transfer_tx(&a, &b, 3 * SOL, Some(5_000), bh);
    let j = jito(&sim);
    let id = j
        .send_bundle(&[ok.base64(), failing.base64()])
        .await
        .unwrap();
    assert_eq!(
        rpc.balance(&a.pubkey()).await.unwrap(),
        before,
        "no fee, no transfer"
    );
    assert_eq!(rpc.balance(&b).await.unwrap(), 0);
    let statuses = rpc
        .signature_statuses(&[ok.signature_text.as_str().to_owned()])
        .await
        .unwrap();
    assert!(
        statuses[0].is_none(),
        "the first transaction did not land either"
    );
    assert_eq!(
        j.inflight_statuses(std::slice::from_ref(&id))
            .await
            .unwrap(),
        vec![Inflight::Failed]
    );
    assert_eq!(
        j.bundle_statuses(std::slice::from_ref(&id)).await.unwrap(),
        vec![None]
    );

    // No tip: refused before anything runs.
    let untipped = transfer_tx(&a, &b, 1, None, bh);
    match j.send_bundle(&[untipped.base64()]).await {
        Err(JitoError::Rpc {
            code: -32602,
            message,
            ..
        }) => assert!(message.contains("tip"), "{message}"),
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

/// One HTTP reply per connection, in order, from a plain socket: what a proxy or a broken
/// server might send.
async fn scripted(replies: Vec<String>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for reply in replies {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(reply.as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn bad_api_replies_give_clear_errors() {
    let html =
        "<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body>blocked</body></html>";
    let base = scripted(vec![http(
        "403 Forbidden",
        "content-type: text/html\r\n",
        html,
    )])
    .await;
    let j = Jupiter::new(reqwest::Client::new(), &base, None, quick());
    let q = QuoteRequest::exact_in(WSOL_MINT, Pubkey::new_unique(), 1, 50);
    match j.quote(&q).await {
        Err(e @ JupiterError::NotJson { status: 403, .. }) => {
            assert!(e.to_string().contains("403 Forbidden"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // Truncated JSON, every attempt: retried, then reported as cut short.
    let cut = r#"{"inputMint":"So11111111111111111111111111111111111111112","inAmount":"10"#;
    let base = scripted(vec![http("200 OK", "", cut); 3]).await;
    let j = Jupiter::new(reqwest::Client::new(), &base, None, quick());
    assert!(matches!(j.quote(&q).await, Err(JupiterError::Truncated(_))));

    // 429 with Retry-After, then a good reply: honoured and retried.
    let good = include_str!("../../../../tests/fixtures/jupiter/jupiter_quote_response_2025.json");
    let base = scripted(vec![
        http(
            "429 Too Many Requests",
            "retry-after: 0\r\n",
            r#"{"error":"Rate limit exceeded"}"#,
        ),
        http("200 OK", "content-type: application/json\r\n", good),
    ])
    .await;
    let j = Jupiter::new(reqwest::Client::new(), &base, None, quick());
    assert_eq!(j.quote(&q).await.unwrap().out_amount, 66);

    // 429 every time: the caller learns it was rate limited.
    let base = scripted(vec![
        http("429 Too Many Requests", "retry-after: 0\r\n", "");
        3
    ])
    .await;
    let j = Jupiter::new(reqwest::Client::new(), &base, None, quick());
    assert!(matches!(
        j.quote(&q).await,
        Err(JupiterError::RateLimited { .. })
    ));
}
