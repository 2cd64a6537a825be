//! The local cluster through the real Rust clients over real sockets: solana-rpc-client's
//! RpcClient and solana-pubsub-client's PubsubClient, as any Solana program would use them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::StreamExt;
use kestrel_decode::logs::{Item, LogDecoder};
use kestrel_decode::pump::PumpEvent;
use kestrel_pump::ids::{PUMP_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::instruction as pump_ix;
use kestrel_pump::pda;
use kestrel_sim::ledger::programs::{ata, system};
use kestrel_sim::scenario::trade_accounts;
use kestrel_sim::{SimOptions, SimServer};
use kestrel_units::{Lamports, TokenAmount};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcSendTransactionConfig, RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_api::request::RpcError as ClientRpcError;
use solana_signer::Signer;
use solana_transaction::Transaction;

const SOL: u64 = 1_000_000_000;

async fn cluster() -> SimServer {
    SimServer::start(SimOptions {
        slot_ms: 20,
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn rpc(server: &SimServer) -> RpcClient {
    RpcClient::new_with_commitment(server.rpc_url(), CommitmentConfig::confirmed())
}

async fn funded(rpc: &RpcClient, lamports: u64) -> Keypair {
    let k = Keypair::new();
    let sig = rpc.request_airdrop(&k.pubkey(), lamports).await.unwrap();
    for _ in 0..200 {
        if rpc.confirm_transaction(&sig).await.unwrap() {
            return k;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("airdrop not confirmed");
}

async fn send(
    rpc: &RpcClient,
    ixs: &[solana_instruction::Instruction],
    payer: &Keypair,
    extra: &[&Keypair],
) -> Result<solana_signature::Signature, solana_rpc_client_api::client_error::Error> {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let mut signers = vec![payer];
    signers.extend_from_slice(extra);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &signers, blockhash);
    rpc.send_and_confirm_transaction(&tx).await
}

/// Creates a coin; returns its mint.
async fn launch(rpc: &RpcClient, creator: &Keypair) -> Pubkey {
    let mint = Keypair::new();
    let vault = pda::creator_vault(&creator.pubkey());
    let ixs = vec![
        system::ix::transfer(&creator.pubkey(), &vault, 890_880),
        pump_ix::create(
            &mint.pubkey(),
            &creator.pubkey(),
            &creator.pubkey(),
            "Test Coin",
            "TEST",
            "https://example.com/t.json",
        ),
    ];
    send(rpc, &ixs, creator, &[&mint]).await.unwrap();
    mint.pubkey()
}

fn custom_code(err: &solana_rpc_client_api::client_error::Error) -> String {
    format!("{err:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_a_launch_buy_and_sell_it_back() {
    let server = cluster().await;
    let rpc = rpc(&server);
    assert_eq!(rpc.get_version().await.unwrap().solana_core, "4.2.2");
    assert!(rpc.get_slot().await.unwrap() < 1_000);

    // Watch pump.fun's logs as a sniper would.
    let pubsub = PubsubClient::new(&server.ws_url()).await.unwrap();
    let (mut logs, _unsub) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![PUMP_PROGRAM.to_string()]),
            RpcTransactionLogsConfig {
                commitment: Some(CommitmentConfig::processed()),
            },
        )
        .await
        .unwrap();

    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch(&rpc, &creator).await;

    let note = tokio::time::timeout(Duration::from_secs(10), logs.next())
        .await
        .unwrap()
        .unwrap();
    let mut created = None;
    LogDecoder::new().decode(note.value.logs.iter().map(String::as_str), |item| {
        if let Ok(d) = item
            && let Item::Pump(PumpEvent::Create(e)) = d.item
        {
            created = Some((
                e.mint,
                e.creator,
                e.token_program,
                d.context.instruction_name().unwrap().into_owned(),
            ));
        }
    });
    let (m, c, tp, ix) = created.expect("a CreateEvent in the notification");
    assert_eq!(
        (m, c, tp, ix.as_str()),
        (mint, creator.pubkey(), Some(TOKEN_PROGRAM), "create")
    );

    // Buy 0.5 SOL worth with a 10% slippage cap.
    let trader = funded(&rpc, 5 * SOL).await;
    let before = rpc.get_balance(&trader.pubkey()).await.unwrap();
    let accounts = trade_accounts(trader.pubkey(), mint, creator.pubkey(), TOKEN_PROGRAM);
    let tokens = TokenAmount(10_000_000_000_000);
    let buy = pump_ix::buy(&accounts, tokens, Lamports(SOL), false);
    let create_ata =
        ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &TOKEN_PROGRAM);
    let sig = send(&rpc, &[create_ata, buy], &trader, &[]).await.unwrap();

    // Its TradeEvent, from getTransaction. Without a commitment the method answers at
    // `finalized`, 32 slots after `confirmed` (what send_and_confirm waited for): ask until
    // the transaction gets there.
    let mut tx = None;
    for _ in 0..200 {
        match rpc
            .get_transaction(
                &sig,
                solana_transaction_status_client_types::UiTransactionEncoding::Json,
            )
            .await
        {
            Ok(t) => {
                tx = Some(t);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let tx = tx.expect("the transaction is finalized within 10 s");
    let meta = tx.transaction.meta.unwrap();
    let logs_vec: Vec<String> = Option::from(meta.log_messages).unwrap();
    let mut trade = None;
    LogDecoder::new().decode(logs_vec.iter().map(String::as_str), |item| {
        if let Ok(d) = item
            && let Item::Pump(PumpEvent::Trade(e)) = d.item
        {
            trade = Some((
                e.token_amount,
                e.sol_amount,
                e.fee.unwrap(),
                e.creator_fee.unwrap(),
                e.ix_name.map(str::to_owned),
            ));
        }
    });
    let (got_tokens, curve_sol, fee, creator_fee, ix_name) = trade.expect("a TradeEvent");
    assert_eq!(got_tokens, tokens);
    assert_eq!(ix_name.as_deref(), Some("buy"));
    // The curve math of docs/protocol.md §1.5 on a fresh curve.
    let fresh = kestrel_pump::curve::Reserves {
        virtual_token: TokenAmount(1_073_000_000_000_000),
        virtual_quote: kestrel_units::QuoteAmount(30_000_000_000),
        real_token: TokenAmount(793_100_000_000_000),
        real_quote: kestrel_units::QuoteAmount(0),
    };
    let rates = kestrel_pump::curve::FeeRates {
        protocol: kestrel_units::Bps(95),
        creator: kestrel_units::Bps(30),
    };
    let leg = kestrel_pump::curve::buy_exact_tokens(&fresh, tokens, rates).unwrap();
    assert_eq!(
        (curve_sol, fee, creator_fee),
        (
            Lamports(leg.curve.0),
            Lamports(leg.protocol_fee.0),
            Lamports(leg.creator_fee.0)
        )
    );

    // The wallet paid exactly: curve + fees + the token account's rent + the signature fee.
    let ata_key = pda::associated_token_address(&trader.pubkey(), &TOKEN_PROGRAM, &mint);
    let after = rpc.get_balance(&trader.pubkey()).await.unwrap();
    assert_eq!(
        before - after,
        leg.buyer_pays().unwrap().0 + 2_039_280 + 5_000
    );
    let balance = rpc.get_token_account_balance(&ata_key).await.unwrap();
    assert_eq!(balance.amount, tokens.0.to_string());
    assert_eq!(balance.decimals, 6);

    // Sell it all back.
    let sell = pump_ix::sell(&accounts, tokens, Lamports(1));
    send(&rpc, &[sell], &trader, &[]).await.unwrap();
    let balance = rpc.get_token_account_balance(&ata_key).await.unwrap();
    assert_eq!(balance.amount, "0");
    let after_sell = rpc.get_balance(&trader.pubkey()).await.unwrap();
    assert!(after_sell > after, "the sell paid out");
    assert!(after_sell < before, "a round trip costs fees");

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_mainnet_errors() {
    let server = cluster().await;
    let rpc = rpc(&server);
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch(&rpc, &creator).await;
    let trader = funded(&rpc, 2 * SOL).await;
    let accounts = trade_accounts(trader.pubkey(), mint, creator.pubkey(), TOKEN_PROGRAM);
    let create_ata =
        ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &TOKEN_PROGRAM);

    // Slippage: a max cost below the price.
    let buy = pump_ix::buy(
        &accounts,
        TokenAmount(10_000_000_000_000),
        Lamports(1_000),
        false,
    );
    let err = send(&rpc, &[create_ata.clone(), buy], &trader, &[])
        .await
        .unwrap_err();
    assert!(custom_code(&err).contains("Custom(6002)"), "{err:?}");

    // A wrong PDA: another mint's bonding curve.
    let mut buy = pump_ix::buy(&accounts, TokenAmount(1_000_000), Lamports(SOL), false);
    buy.accounts[3].pubkey = pda::bonding_curve(&Pubkey::new_unique());
    let err = send(&rpc, &[create_ata.clone(), buy], &trader, &[])
        .await
        .unwrap_err();
    assert!(custom_code(&err).contains("Custom(2006)"), "{err:?}");

    // Too little SOL for the buy.
    let buy = pump_ix::buy(
        &accounts,
        TokenAmount(700_000_000_000_000),
        Lamports(100 * SOL),
        false,
    );
    let err = send(&rpc, &[create_ata.clone(), buy], &trader, &[])
        .await
        .unwrap_err();
    assert!(custom_code(&err).contains("Custom(1)"), "{err:?}");

    // A stale blockhash is refused at preflight.
    let buy = pump_ix::buy(&accounts, TokenAmount(1_000_000), Lamports(SOL), false);
    let tx = Transaction::new_signed_with_payer(
        &[create_ata.clone(), buy.clone()],
        Some(&trader.pubkey()),
        &[&trader],
        solana_hash::Hash::new_from_array([9; 32]),
    );
    let err = rpc.send_transaction(&tx).await.unwrap_err();
    assert!(format!("{err:?}").contains("BlockhashNotFound"), "{err:?}");

    // A missing signer: the user account is someone else's key.
    let mut unsigned = buy.clone();
    unsigned.accounts[6] = solana_instruction::AccountMeta::new(Pubkey::new_unique(), false);
    let err = send(&rpc, &[unsigned], &trader, &[]).await.unwrap_err();
    assert!(
        custom_code(&err).contains("Custom(3010)"),
        "AccountNotSigner: {err:?}"
    );

    // A wrong account order: token program and creator vault swapped (sell's order in a buy).
    let mut swapped = buy.clone();
    swapped.accounts.swap(8, 9);
    let err = send(&rpc, &[create_ata.clone(), swapped], &trader, &[])
        .await
        .unwrap_err();
    assert!(
        custom_code(&err).contains("Custom(3008)"),
        "InvalidProgramId: {err:?}"
    );

    // A duplicate is refused; with skipPreflight a failing transaction still pays its fee.
    let before = rpc.get_balance(&trader.pubkey()).await.unwrap();
    let bad = pump_ix::buy(
        &accounts,
        TokenAmount(10_000_000_000_000),
        Lamports(1_000),
        false,
    );
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(
        &[create_ata, bad],
        Some(&trader.pubkey()),
        &[&trader],
        blockhash,
    );
    let cfg = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    let sig = rpc.send_transaction_with_config(&tx, cfg).await.unwrap();
    let status = loop {
        if let Some(s) = rpc.get_signature_status(&sig).await.unwrap() {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(format!("{status:?}").contains("Custom(6002)"), "{status:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after = rpc.get_balance(&trader.pubkey()).await.unwrap();
    assert_eq!(
        before - after,
        5_000,
        "the failed transaction paid only its fee"
    );
    let again = rpc.send_transaction(&tx).await.unwrap_err();
    assert!(
        format!("{again:?}").contains("AlreadyProcessed"),
        "{again:?}"
    );

    // A bad signature.
    let mut forged = tx.clone();
    forged.signatures[0] = solana_signature::Signature::from([3u8; 64]);
    let err = rpc.send_transaction(&forged).await.unwrap_err();
    assert!(format!("{err:?}").contains("-32003"), "{err:?}");
    let _ = ClientRpcError::ForUser(String::new());
    server.stop().await;
}
