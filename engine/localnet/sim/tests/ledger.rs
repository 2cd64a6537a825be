//! The ledger's rules through the RPC: blockhash expiry, priority fees, token instructions,
//! graduation, and the read methods a client uses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use kestrel_decode::logs::{Item, LogDecoder};
use kestrel_decode::pump::PumpEvent;
use kestrel_pump::ids::{PUMP_PROGRAM, TOKEN_PROGRAM, WSOL_MINT};
use kestrel_pump::instruction as pump_ix;
use kestrel_pump::pda;
use kestrel_sim::ledger::programs::{ata, system};
use kestrel_sim::scenario::trade_accounts;
use kestrel_sim::{SimOptions, SimServer};
use kestrel_units::{Lamports, TokenAmount};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{RpcSendTransactionConfig, RpcSimulateTransactionConfig};
use solana_signer::Signer;
use solana_transaction::Transaction;

const SOL: u64 = 1_000_000_000;
const COMPUTE_BUDGET: Pubkey =
    Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");

async fn start(slot_ms: u64) -> (SimServer, RpcClient) {
    let server = SimServer::start(SimOptions {
        slot_ms,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let rpc = RpcClient::new_with_commitment(server.rpc_url(), CommitmentConfig::confirmed());
    (server, rpc)
}

async fn funded(rpc: &RpcClient, lamports: u64) -> Keypair {
    let k = Keypair::new();
    let sig = rpc.request_airdrop(&k.pubkey(), lamports).await.unwrap();
    while !rpc.confirm_transaction(&sig).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    k
}

async fn send(
    rpc: &RpcClient,
    ixs: &[Instruction],
    payer: &Keypair,
    extra: &[&Keypair],
) -> solana_signature::Signature {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let mut signers = vec![payer];
    signers.extend_from_slice(extra);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &signers, blockhash);
    rpc.send_and_confirm_transaction(&tx).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blockhashes_expire_after_150_blocks() {
    let (server, rpc) = start(2).await;
    let payer = funded(&rpc, SOL).await;
    let (old, last_valid) = rpc
        .get_latest_blockhash_with_commitment(CommitmentConfig::processed())
        .await
        .unwrap();
    assert!(
        rpc.is_blockhash_valid(&old, CommitmentConfig::processed())
            .await
            .unwrap()
    );
    while rpc
        .get_block_height_with_commitment(CommitmentConfig::processed())
        .await
        .unwrap()
        <= last_valid
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !rpc.is_blockhash_valid(&old, CommitmentConfig::processed())
            .await
            .unwrap()
    );
    let tx = Transaction::new_signed_with_payer(
        &[system::ix::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            SOL / 10,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        old,
    );
    let err = rpc.send_transaction(&tx).await.unwrap_err();
    assert!(format!("{err:?}").contains("BlockhashNotFound"), "{err:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fee_is_per_signature_plus_priority() {
    let (server, rpc) = start(10).await;
    let payer = funded(&rpc, SOL).await;
    let to = Pubkey::new_unique();
    let limit = Instruction {
        program_id: COMPUTE_BUDGET,
        accounts: vec![],
        data: [vec![2], 300_000u32.to_le_bytes().to_vec()].concat(),
    };
    let price = Instruction {
        program_id: COMPUTE_BUDGET,
        accounts: vec![],
        data: [vec![3], 1_000_000u64.to_le_bytes().to_vec()].concat(),
    };
    let before = rpc.get_balance(&payer.pubkey()).await.unwrap();
    send(
        &rpc,
        &[
            limit,
            price,
            system::ix::transfer(&payer.pubkey(), &to, SOL / 10),
        ],
        &payer,
        &[],
    )
    .await;
    let after = rpc.get_balance(&payer.pubkey()).await.unwrap();
    // 5000 per signature + 1 lamport per CU (1e6 micro-lamports) × 300k CU.
    assert_eq!(before - after, SOL / 10 + 5_000 + 300_000);
    let fees = rpc.get_recent_prioritization_fees(&[to]).await.unwrap();
    assert!(
        fees.iter().any(|f| f.prioritization_fee == 1_000_000),
        "{fees:?}"
    );

    // Rent: a transfer that would leave a new account below exemption fails.
    let tiny = Transaction::new_signed_with_payer(
        &[system::ix::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1_000,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        rpc.get_latest_blockhash().await.unwrap(),
    );
    let err = rpc.send_transaction(&tiny).await.unwrap_err();
    assert!(
        format!("{err:?}").contains("InsufficientFundsForRent"),
        "{err:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrapped_sol_and_token_instructions() {
    let (server, rpc) = start(10).await;
    let owner = funded(&rpc, 5 * SOL).await;
    let wsol_ata = pda::associated_token_address(&owner.pubkey(), &TOKEN_PROGRAM, &WSOL_MINT);
    // Create a wSOL account, fund it, sync, then close it back to the wallet.
    let create =
        ata::ix::create_idempotent(&owner.pubkey(), &owner.pubkey(), &WSOL_MINT, &TOKEN_PROGRAM);
    let fund = system::ix::transfer(&owner.pubkey(), &wsol_ata, SOL);
    let sync = Instruction {
        program_id: TOKEN_PROGRAM,
        accounts: vec![AccountMeta::new(wsol_ata, false)],
        data: vec![17],
    };
    send(&rpc, &[create.clone(), fund, sync], &owner, &[]).await;
    let bal = rpc.get_token_account_balance(&wsol_ata).await.unwrap();
    assert_eq!(bal.amount, SOL.to_string());
    assert_eq!(bal.decimals, 9);
    // create_idempotent again is a no-op.
    send(&rpc, &[create], &owner, &[]).await;
    let accounts = rpc
        .get_token_accounts_by_owner(
            &owner.pubkey(),
            solana_rpc_client_api::request::TokenAccountsFilter::Mint(WSOL_MINT),
        )
        .await
        .unwrap();
    assert_eq!(accounts.len(), 1);
    let before = rpc.get_balance(&owner.pubkey()).await.unwrap();
    let close = Instruction {
        program_id: TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(wsol_ata, false),
            AccountMeta::new(owner.pubkey(), false),
            AccountMeta::new_readonly(owner.pubkey(), true),
        ],
        data: vec![9],
    };
    send(&rpc, &[close], &owner, &[]).await;
    assert_eq!(
        rpc.get_balance(&owner.pubkey()).await.unwrap(),
        before + SOL + 2_039_280 - 5_000
    );
    assert!(
        rpc.get_account(&wsol_ata).await.is_err(),
        "closed accounts are gone"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_curve_graduates_when_its_tokens_run_out() {
    let (server, rpc) = start(10).await;
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = Keypair::new();
    send(
        &rpc,
        &[
            system::ix::transfer(
                &creator.pubkey(),
                &pda::creator_vault(&creator.pubkey()),
                890_880,
            ),
            pump_ix::create_v2(
                &mint.pubkey(),
                &creator.pubkey(),
                &creator.pubkey(),
                "Grad",
                "GRAD",
                "https://g",
                false,
            ),
        ],
        &creator,
        &[&mint],
    )
    .await;
    let token_2022 = kestrel_pump::ids::TOKEN_2022_PROGRAM;
    let whale = funded(&rpc, 200 * SOL).await;
    let accounts = trade_accounts(whale.pubkey(), mint.pubkey(), creator.pubkey(), token_2022);
    let all = TokenAmount(793_100_000_000_000);
    let sig = send(
        &rpc,
        &[
            ata::ix::create_idempotent(
                &whale.pubkey(),
                &whale.pubkey(),
                &mint.pubkey(),
                &token_2022,
            ),
            pump_ix::buy(&accounts, all, Lamports(150 * SOL), false),
        ],
        &whale,
        &[],
    )
    .await;
    let tx = rpc
        .get_transaction(
            &sig,
            solana_transaction_status_client_types::UiTransactionEncoding::Json,
        )
        .await
        .unwrap();
    let logs: Vec<String> = Option::from(tx.transaction.meta.unwrap().log_messages).unwrap();
    let mut events = Vec::new();
    LogDecoder::new().decode(logs.iter().map(String::as_str), |i| {
        if let Ok(d) = i {
            events.push(match d.item {
                Item::Pump(PumpEvent::Trade(_)) => "trade",
                Item::Pump(PumpEvent::Complete(_)) => "complete",
                _ => "other",
            });
        }
    });
    assert_eq!(events, ["trade", "complete"]);
    let curve = rpc
        .get_account(&pda::bonding_curve(&mint.pubkey()))
        .await
        .unwrap();
    let c = kestrel_decode::account::decode_bonding_curve(&curve.data).unwrap();
    assert!(c.complete);
    assert_eq!(c.real_token_reserves.0, 0);
    // A completed curve refuses trades with BondingCurveComplete (6005).
    let more = pump_ix::buy(&accounts, TokenAmount(1_000), Lamports(SOL), false);
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let err = rpc
        .send_transaction(&Transaction::new_signed_with_payer(
            &[more],
            Some(&whale.pubkey()),
            &[&whale],
            blockhash,
        ))
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("Custom(6005)"), "{err:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_simulation_and_base58_sends() {
    let (server, rpc) = start(10).await;
    let payer = funded(&rpc, 2 * SOL).await;
    let to = Pubkey::new_unique();
    let ix = system::ix::transfer(&payer.pubkey(), &to, SOL / 2);
    let tx = Transaction::new_signed_with_payer(
        &[ix],
        Some(&payer.pubkey()),
        &[&payer],
        rpc.get_latest_blockhash().await.unwrap(),
    );
    let sim = rpc
        .simulate_transaction_with_config(
            &tx,
            RpcSimulateTransactionConfig {
                sig_verify: true,
                ..RpcSimulateTransactionConfig::default()
            },
        )
        .await
        .unwrap()
        .value;
    assert!(sim.err.is_none(), "{sim:?}");
    assert_eq!(
        sim.logs.unwrap(),
        [
            "Program 11111111111111111111111111111111 invoke [1]",
            "Program 11111111111111111111111111111111 success"
        ]
    );
    assert_eq!(
        rpc.get_balance(&to).await.unwrap(),
        0,
        "a simulation changes nothing"
    );

    // base58, the RPC's default encoding.
    let cfg = RpcSendTransactionConfig {
        encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base58),
        ..RpcSendTransactionConfig::default()
    };
    let sig = rpc.send_transaction_with_config(&tx, cfg).await.unwrap();
    while !rpc.confirm_transaction(&sig).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let statuses = rpc
        .get_signature_statuses(&[sig, solana_signature::Signature::default()])
        .await
        .unwrap()
        .value;
    assert!(statuses[0].as_ref().unwrap().err.is_none());
    assert!(statuses[1].is_none());
    let many = rpc
        .get_multiple_accounts(&[to, Pubkey::new_unique(), PUMP_PROGRAM])
        .await
        .unwrap();
    assert_eq!(many[0].as_ref().unwrap().lamports, SOL / 2);
    assert!(many[1].is_none());
    assert!(many[2].as_ref().unwrap().executable);
    assert!(rpc.get_block_height().await.unwrap() <= rpc.get_slot().await.unwrap());
    server.stop().await;
}
