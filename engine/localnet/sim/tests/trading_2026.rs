//! Trading the local cluster the way 2026 third-party clients do, through the real
//! solana-rpc-client: any of pump.fun's published fee recipients (docs/protocol.md §1.4.2),
//! mayhem coins, the v2 instructions built from the IDL's account tables (§1.7), and
//! `getTransaction` in `jsonParsed`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use kestrel_pump::ids::{TOKEN_PROGRAM, WSOL_MINT};
use kestrel_pump::instruction::{self as pump_ix, TradeAccounts, TradeInputs};
use kestrel_pump::pda;
use kestrel_sim::ledger::genesis::{
    BUYBACK_FEE_RECIPIENTS, NORMAL_FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS,
};
use kestrel_sim::ledger::programs::{ata, system};
use kestrel_sim::{SimOptions, SimServer};
use kestrel_units::{Lamports, TokenAmount};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

const SOL: u64 = 1_000_000_000;

async fn cluster() -> (SimServer, RpcClient) {
    let server = SimServer::start(SimOptions {
        slot_ms: 20,
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
    for _ in 0..200 {
        if rpc.confirm_transaction(&sig).await.unwrap() {
            return k;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("airdrop not confirmed");
}

type SendResult = Result<solana_signature::Signature, solana_rpc_client_api::client_error::Error>;

async fn send(
    rpc: &RpcClient,
    ixs: &[Instruction],
    payer: &Keypair,
    extra: &[&Keypair],
) -> SendResult {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let mut signers = vec![payer];
    signers.extend_from_slice(extra);
    let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &signers, blockhash);
    rpc.send_and_confirm_transaction(&tx).await
}

fn fails_with(r: SendResult, code: u32) {
    let err = r.expect_err("the transaction should fail");
    assert!(
        format!("{err:?}").contains(&format!("Custom({code})")),
        "expected Custom({code}): {err:?}"
    );
}

/// A legacy `create` (SPL Token coin); returns its mint.
async fn launch(rpc: &RpcClient, creator: &Keypair) -> Pubkey {
    let mint = Keypair::new();
    let ixs = vec![
        system::ix::transfer(
            &creator.pubkey(),
            &pda::creator_vault(&creator.pubkey()),
            890_880,
        ),
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

fn legacy_accounts(
    user: &Keypair,
    mint: Pubkey,
    creator: Pubkey,
    token_program: Pubkey,
    fee_recipient: Pubkey,
    buyback: Pubkey,
) -> TradeAccounts {
    TradeAccounts::derive(TradeInputs {
        mint,
        user: user.pubkey(),
        creator,
        token_program,
        fee_recipient,
        buyback_fee_recipient: buyback,
        is_cashback_coin: false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_buy_lands_with_any_published_recipient_and_a_made_up_one_is_refused() {
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch(&rpc, &creator).await;
    let trader = funded(&rpc, 5 * SOL).await;
    let create_ata =
        ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &TOKEN_PROGRAM);
    let accounts = |fee: Pubkey, buyback: Pubkey| {
        legacy_accounts(&trader, mint, creator.pubkey(), TOKEN_PROGRAM, fee, buyback)
    };
    let tokens = TokenAmount(10_000_000_000_000);

    // The 5th normal recipient and the 3rd buyback one, as a bot picking at random would.
    let (fee_to, buyback_to) = (NORMAL_FEE_RECIPIENTS[4], BUYBACK_FEE_RECIPIENTS[2]);
    let fee_before = rpc.get_balance(&fee_to).await.unwrap();
    let buyback_before = rpc.get_balance(&buyback_to).await.unwrap();
    let buy = pump_ix::buy(&accounts(fee_to, buyback_to), tokens, Lamports(SOL), false);
    send(&rpc, &[create_ata.clone(), buy], &trader, &[])
        .await
        .unwrap();
    let fee_gain = rpc.get_balance(&fee_to).await.unwrap() - fee_before;
    let buyback_gain = rpc.get_balance(&buyback_to).await.unwrap() - buyback_before;
    assert!(
        fee_gain > 0 && buyback_gain > 0,
        "{fee_gain} {buyback_gain}"
    );

    // A sell with the last entry of each list.
    let sell = pump_ix::sell(
        &accounts(NORMAL_FEE_RECIPIENTS[7], BUYBACK_FEE_RECIPIENTS[7]),
        TokenAmount(1_000_000_000),
        Lamports(1),
    );
    send(&rpc, &[sell], &trader, &[]).await.unwrap();

    // Refusals, with mainnet's codes: an address outside the lists → 6000 NotAuthorized; a
    // reserved (mayhem) recipient on a normal coin → 6000; a buyback recipient outside its
    // list → 6057 BuybackFeeRecipientNotAuthorized.
    let small = TokenAmount(1_000_000);
    for (fee, buyback, code) in [
        (Pubkey::new_unique(), BUYBACK_FEE_RECIPIENTS[0], 6000),
        (RESERVED_FEE_RECIPIENTS[3], BUYBACK_FEE_RECIPIENTS[0], 6000),
        (NORMAL_FEE_RECIPIENTS[1], NORMAL_FEE_RECIPIENTS[2], 6057),
        (NORMAL_FEE_RECIPIENTS[1], Pubkey::new_unique(), 6057),
    ] {
        let buy = pump_ix::buy(&accounts(fee, buyback), small, Lamports(SOL), false);
        fails_with(
            send(&rpc, &[create_ata.clone(), buy], &trader, &[]).await,
            code,
        );
    }
    let _ = WSOL_MINT;
    server.stop().await;
}

/// A `create_v2` (Token-2022 coin), in mayhem mode or not; returns its mint.
async fn launch_v2(rpc: &RpcClient, creator: &Keypair, mayhem: bool) -> Pubkey {
    let mint = Keypair::new();
    let mut create = pump_ix::create_v2(
        &mint.pubkey(),
        &creator.pubkey(),
        &creator.pubkey(),
        "Mayhem Coin",
        "MAY",
        "https://example.com/m.json",
        false,
    );
    // The data ends `is_mayhem_mode` bool, `is_cashback_enabled` OptionBool.
    let at = create.data.len() - 2;
    create.data[at] = u8::from(mayhem);
    let vault = pda::creator_vault(&creator.pubkey());
    let fund_vault = system::ix::transfer(&creator.pubkey(), &vault, 890_880);
    let ixs = if rpc.get_balance(&vault).await.unwrap() == 0 {
        vec![fund_vault, create]
    } else {
        vec![create]
    };
    send(rpc, &ixs, creator, &[&mint]).await.unwrap();
    mint.pubkey()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mayhem_coin_is_created_and_trades_only_through_a_reserved_recipient() {
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch_v2(&rpc, &creator, true).await;
    let curve = rpc
        .get_account_data(&pda::bonding_curve(&mint))
        .await
        .unwrap();
    let curve = kestrel_decode::account::decode_bonding_curve(&curve).unwrap();
    assert_eq!(curve.is_mayhem_mode, Some(true));

    let trader = funded(&rpc, 5 * SOL).await;
    let t22 = kestrel_pump::ids::TOKEN_2022_PROGRAM;
    let create_ata = ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &t22);
    let accounts = |fee: Pubkey| {
        legacy_accounts(
            &trader,
            mint,
            creator.pubkey(),
            t22,
            fee,
            BUYBACK_FEE_RECIPIENTS[5],
        )
    };
    let tokens = TokenAmount(5_000_000_000_000);
    // A normal recipient on a mayhem coin: 6000 NotAuthorized, as on mainnet.
    let buy = pump_ix::buy(
        &accounts(NORMAL_FEE_RECIPIENTS[0]),
        tokens,
        Lamports(SOL),
        false,
    );
    fails_with(
        send(&rpc, &[create_ata.clone(), buy], &trader, &[]).await,
        6000,
    );
    // The main reserved recipient and one from the reserved list both land.
    for fee in [RESERVED_FEE_RECIPIENTS[0], RESERVED_FEE_RECIPIENTS[6]] {
        let before = rpc.get_balance(&fee).await.unwrap();
        let buy = pump_ix::buy(&accounts(fee), tokens, Lamports(SOL), false);
        send(&rpc, &[create_ata.clone(), buy], &trader, &[])
            .await
            .unwrap();
        assert!(rpc.get_balance(&fee).await.unwrap() > before);
    }
    let sell = pump_ix::sell(&accounts(RESERVED_FEE_RECIPIENTS[2]), tokens, Lamports(1));
    send(&rpc, &[sell], &trader, &[]).await.unwrap();
    let sell = pump_ix::sell(&accounts(NORMAL_FEE_RECIPIENTS[2]), tokens, Lamports(1));
    fails_with(send(&rpc, &[sell], &trader, &[]).await, 6000);

    // A normal create_v2 coin still takes the normal list.
    let plain = launch_v2(&rpc, &creator, false).await;
    let create_ata = ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &plain, &t22);
    let plain_accounts = |fee: Pubkey| {
        legacy_accounts(
            &trader,
            plain,
            creator.pubkey(),
            t22,
            fee,
            BUYBACK_FEE_RECIPIENTS[5],
        )
    };
    let buy = pump_ix::buy(
        &plain_accounts(RESERVED_FEE_RECIPIENTS[0]),
        tokens,
        Lamports(SOL),
        false,
    );
    fails_with(
        send(&rpc, &[create_ata.clone(), buy], &trader, &[]).await,
        6000,
    );
    let buy = pump_ix::buy(
        &plain_accounts(NORMAL_FEE_RECIPIENTS[3]),
        tokens,
        Lamports(SOL),
        false,
    );
    send(&rpc, &[create_ata, buy], &trader, &[]).await.unwrap();
    server.stop().await;
}
