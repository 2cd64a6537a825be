//! Trading the local cluster the way 2026 third-party clients do, through the real
//! solana-rpc-client: any of pump.fun's published fee recipients (docs/protocol.md §1.4.2),
//! mayhem coins, the v2 instructions built from the IDL's account tables (§1.7), and
//! `getTransaction` in `jsonParsed`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use kestrel_pump::ids::{BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS};
use kestrel_pump::ids::{TOKEN_PROGRAM, WSOL_MINT};
use kestrel_pump::instruction::{self as pump_ix, TradeAccounts, TradeInputs};
use kestrel_pump::pda;
use kestrel_sim::ledger::programs::{ata, system};
use kestrel_sim::{SimOptions, SimServer};
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
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
    let (fee_to, buyback_to) = (FEE_RECIPIENTS[4], BUYBACK_FEE_RECIPIENTS[2]);
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
        &accounts(FEE_RECIPIENTS[7], BUYBACK_FEE_RECIPIENTS[7]),
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
        (FEE_RECIPIENTS[1], FEE_RECIPIENTS[2], 6057),
        (FEE_RECIPIENTS[1], Pubkey::new_unique(), 6057),
    ] {
        let buy = pump_ix::buy(&accounts(fee, buyback), small, Lamports(SOL), false);
        fails_with(
            send(&rpc, &[create_ata.clone(), buy], &trader, &[]).await,
            code,
        );
    }
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
    let buy = pump_ix::buy(&accounts(FEE_RECIPIENTS[0]), tokens, Lamports(SOL), false);
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
    let sell = pump_ix::sell(&accounts(FEE_RECIPIENTS[2]), tokens, Lamports(1));
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
        &plain_accounts(FEE_RECIPIENTS[3]),
        tokens,
        Lamports(SOL),
        false,
    );
    send(&rpc, &[create_ata, buy], &trader, &[]).await.unwrap();
    server.stop().await;
}

// ---- v2 instructions, built from the IDL's account tables (docs/protocol.md §1.7) ----

const BUY_V2: [u8; 8] = [184, 23, 238, 97, 103, 197, 211, 61];
const SELL_V2: [u8; 8] = [93, 246, 130, 60, 231, 233, 64, 178];
const BUY_EXACT_QUOTE_IN_V2: [u8; 8] = [194, 171, 28, 70, 104, 77, 91, 47];

/// What a v2 trade on a SOL coin needs.
#[derive(Clone, Copy)]
struct V2 {
    user: Pubkey,
    mint: Pubkey,
    creator: Pubkey,
    base_program: Pubkey,
    fee: Pubkey,
    buyback: Pubkey,
}

/// The 27 accounts of `buy_v2` / `buy_exact_quote_in_v2`, or the 26 of `sell_v2`, in IDL order.
fn v2_accounts(v: &V2, is_buy: bool) -> Vec<solana_instruction::AccountMeta> {
    use kestrel_pump::ids::{
        ASSOCIATED_TOKEN_PROGRAM, EVENT_AUTHORITY, FEE_CONFIG, GLOBAL, GLOBAL_VOLUME_ACCUMULATOR,
        PUMP_FEES_PROGRAM, PUMP_PROGRAM, SYSTEM_PROGRAM,
    };
    use solana_instruction::AccountMeta as M;
    let (quote, qp) = (WSOL_MINT, TOKEN_PROGRAM);
    let qata = |owner: &Pubkey| pda::associated_token_address(owner, &qp, &quote);
    let curve = pda::bonding_curve(&v.mint);
    let vault = pda::creator_vault(&v.creator);
    let uva = pda::user_volume_accumulator(&v.user);
    let mut m = vec![
        M::new_readonly(GLOBAL, false),
        M::new_readonly(v.mint, false),
        M::new_readonly(quote, false),
        M::new_readonly(v.base_program, false),
        M::new_readonly(qp, false),
        M::new_readonly(ASSOCIATED_TOKEN_PROGRAM, false),
        M::new(v.fee, false),
        M::new(qata(&v.fee), false),
        M::new(v.buyback, false),
        M::new(qata(&v.buyback), false),
        M::new(curve, false),
        M::new(
            pda::associated_token_address(&curve, &v.base_program, &v.mint),
            false,
        ),
        M::new(qata(&curve), false),
        M::new(v.user, true),
        M::new(
            pda::associated_token_address(&v.user, &v.base_program, &v.mint),
            false,
        ),
        M::new(qata(&v.user), false),
        M::new(vault, false),
        M::new(qata(&vault), false),
        M::new_readonly(pda::sharing_config(&v.mint), false),
    ];
    if is_buy {
        m.push(M::new_readonly(GLOBAL_VOLUME_ACCUMULATOR, false));
    }
    m.extend([
        M::new(uva, false),
        M::new(qata(&uva), false),
        M::new_readonly(FEE_CONFIG, false),
        M::new_readonly(PUMP_FEES_PROGRAM, false),
        M::new_readonly(SYSTEM_PROGRAM, false),
        M::new_readonly(EVENT_AUTHORITY, false),
        M::new_readonly(PUMP_PROGRAM, false),
    ]);
    m
}

fn v2_ix(disc: [u8; 8], v: &V2, first: u64, second: u64) -> Instruction {
    let mut data = disc.to_vec();
    data.extend(first.to_le_bytes());
    data.extend(second.to_le_bytes());
    Instruction {
        program_id: kestrel_pump::ids::PUMP_PROGRAM,
        accounts: v2_accounts(v, disc != SELL_V2),
        data,
    }
}

fn fresh_reserves() -> kestrel_pump::curve::Reserves {
    kestrel_pump::curve::Reserves {
        virtual_token: TokenAmount(1_073_000_000_000_000),
        virtual_quote: QuoteAmount(30_000_000_000),
        real_token: TokenAmount(793_100_000_000_000),
        real_quote: QuoteAmount(0),
    }
}

const RATES: kestrel_pump::curve::FeeRates = kestrel_pump::curve::FeeRates {
    protocol: kestrel_units::Bps(95),
    creator: kestrel_units::Bps(30),
};

/// The TradeEvent of a landed transaction, read back with getTransaction at `confirmed`.
async fn trade_event(
    rpc: &RpcClient,
    sig: &solana_signature::Signature,
) -> (TokenAmount, QuoteAmount, bool, Option<String>) {
    use kestrel_decode::logs::{Item, LogDecoder};
    use kestrel_decode::pump::PumpEvent;
    let cfg = solana_rpc_client_api::config::RpcTransactionConfig {
        encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Json),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let tx = rpc.get_transaction_with_config(sig, cfg).await.unwrap();
    let logs: Vec<String> = Option::from(tx.transaction.meta.unwrap().log_messages).unwrap();
    let mut out = None;
    LogDecoder::new().decode(logs.iter().map(String::as_str), |item| {
        if let Ok(d) = item
            && let Item::Pump(PumpEvent::Trade(e)) = d.item
        {
            out = Some((
                e.token_amount,
                QuoteAmount::from(e.sol_amount),
                e.is_buy,
                e.ix_name.map(str::to_owned),
            ));
        }
    });
    out.expect("a TradeEvent in the logs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v2_instructions_trade_sol_coins_with_native_sol_and_the_v1_math() {
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    for (mint, base_program) in [
        (launch(&rpc, &creator).await, TOKEN_PROGRAM),
        (
            launch_v2(&rpc, &creator, false).await,
            kestrel_pump::ids::TOKEN_2022_PROGRAM,
        ),
    ] {
        let trader = funded(&rpc, 5 * SOL).await;
        let v = V2 {
            user: trader.pubkey(),
            mint,
            creator: creator.pubkey(),
            base_program,
            fee: FEE_RECIPIENTS[6],
            buyback: BUYBACK_FEE_RECIPIENTS[1],
        };
        let create_ata =
            ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &base_program);
        send(&rpc, &[create_ata], &trader, &[]).await.unwrap();
        let user_ata = pda::associated_token_address(&trader.pubkey(), &base_program, &mint);

        // buy_v2: exactly `tokens`, paying the curve price and fees in lamports.
        let tokens = TokenAmount(10_000_000_000_000);
        let leg = kestrel_pump::curve::buy_exact_tokens(&fresh_reserves(), tokens, RATES).unwrap();
        let before = rpc.get_balance(&trader.pubkey()).await.unwrap();
        let ix = v2_ix(BUY_V2, &v, tokens.0, SOL);
        assert_eq!(ix.accounts.len(), 27);
        let sig = send(&rpc, &[ix], &trader, &[]).await.unwrap();
        let after = rpc.get_balance(&trader.pubkey()).await.unwrap();
        assert_eq!(before - after, leg.buyer_pays().unwrap().0 + 5_000);
        let bal = rpc.get_token_account_balance(&user_ata).await.unwrap();
        assert_eq!(bal.amount, tokens.0.to_string());
        assert_eq!(
            trade_event(&rpc, &sig).await,
            (tokens, leg.curve, true, Some("buy_v2".into()))
        );
        // No WSOL account was needed, nor made.
        let wsol_ata = pda::associated_token_address(&trader.pubkey(), &TOKEN_PROGRAM, &WSOL_MINT);
        assert_eq!(rpc.get_balance(&wsol_ata).await.unwrap(), 0);

        // buy_exact_quote_in_v2: 0.1 SOL in, fees included.
        let state = rpc
            .get_account_data(&pda::bonding_curve(&mint))
            .await
            .unwrap();
        let c = kestrel_decode::account::decode_bonding_curve(&state).unwrap();
        let r = kestrel_pump::curve::Reserves {
            virtual_token: c.virtual_token_reserves,
            virtual_quote: QuoteAmount(c.virtual_quote_reserves),
            real_token: c.real_token_reserves,
            real_quote: QuoteAmount(c.real_quote_reserves),
        };
        let (want, _) =
            kestrel_pump::curve::buy_exact_quote_in(&r, QuoteAmount(SOL / 10), RATES).unwrap();
        let ix = v2_ix(BUY_EXACT_QUOTE_IN_V2, &v, SOL / 10, want.0);
        let sig = send(&rpc, &[ix], &trader, &[]).await.unwrap();
        let (got, _, is_buy, name) = trade_event(&rpc, &sig).await;
        assert_eq!(
            (got, is_buy, name.as_deref()),
            (want, true, Some("buy_exact_quote_in_v2"))
        );

        // sell_v2: everything back, for native SOL.
        let held = tokens.0 + want.0;
        let before = rpc.get_balance(&trader.pubkey()).await.unwrap();
        let ix = v2_ix(SELL_V2, &v, held, 1);
        assert_eq!(ix.accounts.len(), 26);
        let sig = send(&rpc, &[ix], &trader, &[]).await.unwrap();
        let after = rpc.get_balance(&trader.pubkey()).await.unwrap();
        let bal = rpc.get_token_account_balance(&user_ata).await.unwrap();
        assert_eq!(bal.amount, "0");
        let (sold, sol, is_buy, name) = trade_event(&rpc, &sig).await;
        assert_eq!(
            (sold, is_buy, name.as_deref()),
            (TokenAmount(held), false, Some("sell_v2"))
        );
        assert!(after + 5_000 > before && after + 5_000 - before < sol.0);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_refusals_carry_the_codes_mainnet_gives() {
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch(&rpc, &creator).await;
    let trader = funded(&rpc, 5 * SOL).await;
    let create_ata =
        ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &TOKEN_PROGRAM);
    send(&rpc, &[create_ata], &trader, &[]).await.unwrap();
    let v = V2 {
        user: trader.pubkey(),
        mint,
        creator: creator.pubkey(),
        base_program: TOKEN_PROGRAM,
        fee: FEE_RECIPIENTS[0],
        buyback: BUYBACK_FEE_RECIPIENTS[0],
    };
    let tokens = 10_000_000_000_000;
    let buy = v2_ix(BUY_V2, &v, tokens, SOL);

    // Accounts: one short → 3005; a wrong PDA anywhere → 2006.
    let mut short = buy.clone();
    short.accounts.pop();
    fails_with(send(&rpc, &[short], &trader, &[]).await, 3005);
    let other = Pubkey::new_unique();
    for row in [7, 9, 10, 12, 15, 16, 17, 18, 19, 20, 21, 22, 25] {
        let mut bad = buy.clone();
        bad.accounts[row].pubkey = other;
        fails_with(send(&rpc, &[bad], &trader, &[]).await, 2006);
    }
    // Program accounts → 3008; a read-only writable row → 2000; the user not signing → 3010.
    for row in [4, 5, 23, 24, 26] {
        let mut bad = buy.clone();
        bad.accounts[row].pubkey = other;
        fails_with(send(&rpc, &[bad], &trader, &[]).await, 3008);
    }
    let mut ro = buy.clone();
    ro.accounts[12].is_writable = false;
    fails_with(send(&rpc, &[ro], &trader, &[]).await, 2000);
    let mut unsigned = buy.clone();
    unsigned.accounts[13] = solana_instruction::AccountMeta::new(other, false);
    fails_with(send(&rpc, &[unsigned], &trader, &[]).await, 3010);
    // Recipients: outside the lists → 6000 / 6057.
    let bad = v2_ix(BUY_V2, &V2 { fee: other, ..v }, tokens, SOL);
    fails_with(send(&rpc, &[bad], &trader, &[]).await, 6000);
    let bad = v2_ix(
        BUY_V2,
        &V2 {
            buyback: other,
            ..v
        },
        tokens,
        SOL,
    );
    fails_with(send(&rpc, &[bad], &trader, &[]).await, 6057);

    // Slippage bounds.
    fails_with(
        send(&rpc, &[v2_ix(BUY_V2, &v, tokens, 1_000)], &trader, &[]).await,
        6002,
    );
    fails_with(
        send(
            &rpc,
            &[v2_ix(BUY_EXACT_QUOTE_IN_V2, &v, SOL / 100, tokens)],
            &trader,
            &[],
        )
        .await,
        6042,
    );
    send(&rpc, &[buy], &trader, &[]).await.unwrap();
    fails_with(
        send(&rpc, &[v2_ix(SELL_V2, &v, tokens, SOL)], &trader, &[]).await,
        6003,
    );
    send(&rpc, &[v2_ix(SELL_V2, &v, tokens, 1)], &trader, &[])
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_transaction_in_json_parsed_reads_back_as_web3_clients_expect() {
    use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcTransactionConfig};
    use solana_transaction_status_client_types::{
        EncodedTransaction, ParsedAccountSource, UiInstruction, UiMessage, UiParsedInstruction,
        UiTransactionEncoding, option_serializer::OptionSerializer,
    };
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let mint = launch(&rpc, &creator).await;
    let trader = funded(&rpc, 5 * SOL).await;
    let friend = Pubkey::new_unique();
    let v = V2 {
        user: trader.pubkey(),
        mint,
        creator: creator.pubkey(),
        base_program: TOKEN_PROGRAM,
        fee: FEE_RECIPIENTS[1],
        buyback: BUYBACK_FEE_RECIPIENTS[4],
    };
    let ixs = [
        system::ix::transfer(&trader.pubkey(), &friend, SOL),
        ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &TOKEN_PROGRAM),
        v2_ix(BUY_V2, &v, 1_000_000_000, SOL),
    ];
    let sig = send(&rpc, &ixs, &trader, &[]).await.unwrap();

    // What web3.js's getParsedTransaction asks for, through solana-client's own types.
    let cfg = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::JsonParsed),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let tx = rpc.get_transaction_with_config(&sig, cfg).await.unwrap();
    let meta = tx.transaction.meta.expect("meta");
    assert!(meta.err.is_none(), "landed: {:?}", meta.err);
    assert!(matches!(meta.log_messages, OptionSerializer::Some(_)));
    let EncodedTransaction::Json(ui) = tx.transaction.transaction else {
        panic!("a JSON transaction");
    };
    assert_eq!(ui.signatures, [sig.to_string()]);
    let UiMessage::Parsed(msg) = ui.message else {
        panic!("a parsed message");
    };
    let payer = &msg.account_keys[0];
    assert_eq!(payer.pubkey, trader.pubkey().to_string());
    assert!(payer.signer && payer.writable);
    assert_eq!(payer.source, Some(ParsedAccountSource::Transaction));
    let global = msg
        .account_keys
        .iter()
        .find(|k| k.pubkey == kestrel_pump::ids::GLOBAL.to_string())
        .unwrap();
    assert!(!global.signer && !global.writable);

    let [
        UiInstruction::Parsed(UiParsedInstruction::Parsed(transfer)),
        UiInstruction::Parsed(UiParsedInstruction::Parsed(create_ata)),
        UiInstruction::Parsed(UiParsedInstruction::PartiallyDecoded(buy)),
    ] = &msg.instructions[..]
    else {
        panic!(
            "system and ATA parsed, pump partially decoded: {:?}",
            msg.instructions
        );
    };
    assert_eq!(transfer.program, "system");
    assert_eq!(transfer.parsed["type"], "transfer");
    assert_eq!(transfer.parsed["info"]["destination"], friend.to_string());
    assert_eq!(transfer.parsed["info"]["lamports"], SOL);
    assert_eq!(create_ata.program, "spl-associated-token-account");
    assert_eq!(create_ata.parsed["type"], "createIdempotent");
    assert_eq!(create_ata.parsed["info"]["mint"], mint.to_string());
    assert_eq!(buy.program_id, kestrel_pump::ids::PUMP_PROGRAM.to_string());
    assert_eq!(buy.accounts.len(), 27);
    assert_eq!(bs58::decode(&buy.data).into_vec().unwrap()[..8], BUY_V2[..]);

    // getAccountInfo in jsonParsed: the token account parsed, the curve falls back to base64.
    let ata_key = pda::associated_token_address(&trader.pubkey(), &TOKEN_PROGRAM, &mint);
    let parsed = RpcAccountInfoConfig {
        encoding: Some(solana_rpc_client_api::config::UiAccountEncoding::JsonParsed),
        commitment: Some(CommitmentConfig::confirmed()),
        ..RpcAccountInfoConfig::default()
    };
    let acc = rpc
        .get_ui_account_with_config(&ata_key, parsed.clone())
        .await
        .unwrap()
        .value
        .unwrap();
    let acc = serde_json::to_value(acc).unwrap();
    assert_eq!(acc["data"]["program"], "spl-token");
    assert_eq!(acc["data"]["parsed"]["type"], "account");
    assert_eq!(
        acc["data"]["parsed"]["info"]["tokenAmount"]["amount"],
        "1000000000"
    );
    let curve = rpc
        .get_ui_account_with_config(&pda::bonding_curve(&mint), parsed)
        .await
        .unwrap()
        .value
        .unwrap();
    let curve = serde_json::to_value(curve).unwrap();
    assert_eq!(curve["data"][1], "base64");
    server.stop().await;
}

// ---- USDC-quoted launches ----

use kestrel_pump::ids::USDC_MINT;

async fn usdc_balance(rpc: &RpcClient, owner: &Pubkey) -> u64 {
    let ata = pda::associated_token_address(owner, &TOKEN_PROGRAM, &USDC_MINT);
    match rpc.get_token_account_balance(&ata).await {
        Ok(b) => b.amount.parse().unwrap(),
        Err(_) => 0,
    }
}

/// The v2 accounts of a USDC coin: the quote rows name USDC instead of WSOL.
fn usdc_ix(disc: [u8; 8], v: &V2, first: u64, second: u64) -> Instruction {
    let mut ix = v2_ix(disc, v, first, second);
    let wsol_ata =
        |owner: &Pubkey| pda::associated_token_address(owner, &TOKEN_PROGRAM, &WSOL_MINT);
    let usdc_ata =
        |owner: &Pubkey| pda::associated_token_address(owner, &TOKEN_PROGRAM, &USDC_MINT);
    let owners: Vec<(Pubkey, Pubkey)> = [
        v.fee,
        v.buyback,
        pda::bonding_curve(&v.mint),
        v.user,
        pda::creator_vault(&v.creator),
        pda::user_volume_accumulator(&v.user),
    ]
    .iter()
    .map(|o| (wsol_ata(o), usdc_ata(o)))
    .collect();
    for m in &mut ix.accounts {
        if m.pubkey == WSOL_MINT {
            m.pubkey = USDC_MINT;
        } else if let Some((_, u)) = owners.iter().find(|(w, _)| *w == m.pubkey) {
            m.pubkey = *u;
        }
    }
    ix
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usdc_coin_launches_and_trades_in_usdc_from_the_faucet() {
    use solana_rpc_client_api::request::RpcRequest;
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let trader = funded(&rpc, 2 * SOL).await;

    // The faucet: requestAirdrop with a `mint` gives USDC (6 decimals) instead of SOL.
    let usdc = 1_000_000_000; // $1,000
    let sig: String = rpc
        .send(
            RpcRequest::RequestAirdrop,
            serde_json::json!([trader.pubkey().to_string(), usdc, {"mint": USDC_MINT.to_string()}]),
        )
        .await
        .unwrap();
    let sig: solana_signature::Signature = sig.parse().unwrap();
    for _ in 0..200 {
        if rpc.confirm_transaction(&sig).await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(usdc_balance(&rpc, &trader.pubkey()).await, usdc);

    // create_v2 with the three quote accounts naming USDC.
    let mint = Keypair::new();
    let curve = pda::bonding_curve(&mint.pubkey());
    let mut create = pump_ix::create_v2(
        &mint.pubkey(),
        &creator.pubkey(),
        &creator.pubkey(),
        "Dollar Coin",
        "DOL",
        "https://example.com/d.json",
        false,
    );
    create.accounts.extend([
        solana_instruction::AccountMeta::new_readonly(USDC_MINT, false),
        solana_instruction::AccountMeta::new(
            pda::associated_token_address(&curve, &TOKEN_PROGRAM, &USDC_MINT),
            false,
        ),
        solana_instruction::AccountMeta::new_readonly(TOKEN_PROGRAM, false),
    ]);
    let fund_vault = system::ix::transfer(
        &creator.pubkey(),
        &pda::creator_vault(&creator.pubkey()),
        890_880,
    );
    send(&rpc, &[fund_vault, create], &creator, &[&mint])
        .await
        .unwrap();
    let c =
        kestrel_decode::account::decode_bonding_curve(&rpc.get_account_data(&curve).await.unwrap())
            .unwrap();
    assert_eq!(c.quote_mint, Some(USDC_MINT));
    assert_eq!(
        c.virtual_quote_reserves,
        kestrel_sim::ledger::genesis::INITIAL_VIRTUAL_QUOTE_RESERVES
    );

    let t22 = kestrel_pump::ids::TOKEN_2022_PROGRAM;
    let mint = mint.pubkey();
    let v = V2 {
        user: trader.pubkey(),
        mint,
        creator: creator.pubkey(),
        base_program: t22,
        fee: FEE_RECIPIENTS[2],
        buyback: BUYBACK_FEE_RECIPIENTS[6],
    };
    let create_ata = ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &t22);
    send(&rpc, &[create_ata], &trader, &[]).await.unwrap();

    // buy_v2 for $100 at most: the price is in USDC base units, by the same curve math.
    let tokens = TokenAmount(10_000_000_000_000);
    let r = kestrel_pump::curve::Reserves {
        virtual_token: c.virtual_token_reserves,
        virtual_quote: QuoteAmount(c.virtual_quote_reserves),
        real_token: c.real_token_reserves,
        real_quote: QuoteAmount(0),
    };
    let leg = kestrel_pump::curve::buy_exact_tokens(&r, tokens, RATES).unwrap();
    let lamports_before = rpc.get_balance(&trader.pubkey()).await.unwrap();
    let fee_before = usdc_balance(&rpc, &v.fee).await;
    // A legacy buy cannot trade it, and the WSOL accounts are refused.
    let legacy = pump_ix::buy(
        &legacy_accounts(&trader, mint, creator.pubkey(), t22, v.fee, v.buyback),
        tokens,
        Lamports(SOL),
        false,
    );
    fails_with(send(&rpc, &[legacy], &trader, &[]).await, 6063);
    fails_with(
        send(
            &rpc,
            &[v2_ix(BUY_V2, &v, tokens.0, 100_000_000)],
            &trader,
            &[],
        )
        .await,
        2012,
    );
    fails_with(
        send(&rpc, &[usdc_ix(BUY_V2, &v, tokens.0, 1_000)], &trader, &[]).await,
        6002,
    );
    let sig = send(
        &rpc,
        &[usdc_ix(BUY_V2, &v, tokens.0, 100_000_000)],
        &trader,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        usdc - usdc_balance(&rpc, &trader.pubkey()).await,
        leg.buyer_pays().unwrap().0
    );
    assert!(usdc_balance(&rpc, &v.fee).await > fee_before);
    assert_eq!(
        usdc_balance(&rpc, &curve).await,
        leg.curve.0,
        "the curve's USDC account holds the real quote reserves"
    );
    // SOL paid only the signature fee and the creator vault's new USDC account.
    let lamports_after = rpc.get_balance(&trader.pubkey()).await.unwrap();
    assert_eq!(lamports_before - lamports_after, 5_000 + 2_039_280);
    let (got, quote, _, name) = trade_event(&rpc, &sig).await;
    assert_eq!(
        (got, quote, name.as_deref()),
        (tokens, leg.curve, Some("buy_v2"))
    );

    // sell_v2 back for USDC.
    let before = usdc_balance(&rpc, &trader.pubkey()).await;
    send(&rpc, &[usdc_ix(SELL_V2, &v, tokens.0, 1)], &trader, &[])
        .await
        .unwrap();
    assert!(usdc_balance(&rpc, &trader.pubkey()).await > before);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_with_shares_launches_and_trades_mayhem_cashback_and_usdc_coins() {
    use kestrel_sim::scenario::{Scenario, Shape, ShapeWeight, TokenProgramChoice};
    let server = SimServer::start(SimOptions {
        slot_ms: 20,
        scenario: Some(Scenario {
            launch_every_ms: 25,
            launches: 40,
            trade_every_ms: 25,
            creators: 3,
            traders: 5,
            token_program: TokenProgramChoice::Mixed,
            buy_lamports_min: 10_000_000,
            buy_lamports_max: 100_000_000,
            dev_buy_lamports: 10_000_000,
            shapes: vec![ShapeWeight {
                shape: Shape::SlowGrind,
                weight: 1,
            }],
            mayhem_share: 0.2,
            cashback_share: 0.2,
            usdc_share: 0.2,
        }),
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let rpc = RpcClient::new_with_commitment(server.rpc_url(), CommitmentConfig::processed());
    let mut seen = [0usize; 4]; // traded SOL, mayhem, cashback, USDC curves
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The scenario's mints are the cluster's seeded keys (seed 1 by default).
        let curves: Vec<Pubkey> = (0..40)
            .map(|n| {
                let mint = kestrel_sim::cluster::seeded_keypair(1, "mint", n).pubkey();
                pda::bonding_curve(&mint)
            })
            .collect();
        let accounts = rpc.get_multiple_accounts(&curves).await.unwrap();
        seen = [0; 4];
        for a in accounts.into_iter().flatten() {
            let Ok(c) = kestrel_decode::account::decode_bonding_curve(&a.data) else {
                continue;
            };
            if c.real_token_reserves.0 >= 793_100_000_000_000 {
                continue; // not traded yet
            }
            let kind = if c.quote_mint == Some(USDC_MINT) {
                3
            } else if c.is_mayhem_mode == Some(true) {
                1
            } else if c.is_cashback_coin == Some(true) {
                2
            } else {
                0
            };
            seen[kind] += 1;
        }
        if seen.iter().all(|&n| n >= 2) {
            break;
        }
    }
    assert!(
        seen.iter().all(|&n| n >= 2),
        "traded curves by kind (SOL, mayhem, cashback, USDC): {seen:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usdc_curve_that_sells_out_completes_and_is_not_migrated_as_sol() {
    use solana_rpc_client_api::request::RpcRequest;
    let (server, rpc) = cluster().await;
    let creator = funded(&rpc, 10 * SOL).await;
    let trader = funded(&rpc, 2 * SOL).await;
    let _: String = rpc
        .send(
            RpcRequest::RequestAirdrop,
            serde_json::json!([trader.pubkey().to_string(), 50_000_000_000u64, {"mint": USDC_MINT.to_string()}]),
        )
        .await
        .unwrap();
    let mint = Keypair::new();
    let curve = pda::bonding_curve(&mint.pubkey());
    let mut create = pump_ix::create_v2(
        &mint.pubkey(),
        &creator.pubkey(),
        &creator.pubkey(),
        "Dollar Coin",
        "DOL",
        "https://example.com/d.json",
        false,
    );
    create.accounts.extend([
        solana_instruction::AccountMeta::new_readonly(USDC_MINT, false),
        solana_instruction::AccountMeta::new(
            pda::associated_token_address(&curve, &TOKEN_PROGRAM, &USDC_MINT),
            false,
        ),
        solana_instruction::AccountMeta::new_readonly(TOKEN_PROGRAM, false),
    ]);
    let fund_vault = system::ix::transfer(
        &creator.pubkey(),
        &pda::creator_vault(&creator.pubkey()),
        890_880,
    );
    send(&rpc, &[fund_vault, create], &creator, &[&mint])
        .await
        .unwrap();
    let t22 = kestrel_pump::ids::TOKEN_2022_PROGRAM;
    let mint = mint.pubkey();
    let v = V2 {
        user: trader.pubkey(),
        mint,
        creator: creator.pubkey(),
        base_program: t22,
        fee: FEE_RECIPIENTS[0],
        buyback: BUYBACK_FEE_RECIPIENTS[0],
    };
    let create_ata = ata::ix::create_idempotent(&trader.pubkey(), &trader.pubkey(), &mint, &t22);
    let all = 793_100_000_000_000;
    send(
        &rpc,
        &[create_ata, usdc_ix(BUY_V2, &v, all, 50_000_000_000)],
        &trader,
        &[],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let c =
        kestrel_decode::account::decode_bonding_curve(&rpc.get_account_data(&curve).await.unwrap())
            .unwrap();
    assert!(c.complete);
    assert!(c.real_quote_reserves > 0, "the USDC stays on the curve");
    assert!(rpc.get_balance(&curve).await.unwrap() > 0);
    assert_eq!(
        rpc.get_balance(&kestrel_pump::amm::canonical_pool(&mint))
            .await
            .unwrap(),
        0,
        "no SOL pool was made from USDC reserves"
    );
    assert_eq!(usdc_balance(&rpc, &curve).await, c.real_quote_reserves);
    server.stop().await;
}
