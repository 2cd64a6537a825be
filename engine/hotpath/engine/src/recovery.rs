//! Start-up recovery, before any thread trades: the journal's state is put back into the
//! kernel, every order that was in flight at the crash is resolved by its signatures'
//! statuses (landed: the fill is read from the transaction; never landed and expired: failed),
//! the wallet's token balances are reconciled with the chain, and the held curves are read
//! afresh. Only then do exits re-arm (the strategy thread starts).
//!
//! An order with no signed transaction in the journal was never broadcast (a signed
//! transaction is journaled durably before it is sent), so it is failed without asking.

use std::time::Duration;

use kestrel_exec::{JsonRpc, RpcError};
use kestrel_model::Clock;
use kestrel_pump::ids::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use kestrel_pump::pda;
use kestrel_store::{InFlight, JournalState};
use kestrel_units::TokenAmount;
use solana_pubkey::Pubkey;

use crate::error::EngineError;
use crate::kernel::Kernel;
use crate::order::{ChainError, ExecReport, FailReason, Venue, Why};
use crate::pipeline::confirm::reached;
use crate::pipeline::fees::landed_cost;
use crate::pipeline::fill::read_fill;
use crate::pipeline::refresh::read_curve;

/// What recovery did, for the log and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub positions: usize,
    pub in_flight: usize,
    pub filled: usize,
    pub failed: usize,
    pub corrected: usize,
    pub untracked: usize,
}

/// How long one in-flight transaction may keep recovery waiting for it to land or expire.
const MAX_WAIT: Duration = Duration::from_secs(180);

/// Retries transient RPC errors a few times, then gives up with the error.
async fn retrying<T, F, Fut>(what: &str, mut call: F) -> Result<T, EngineError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RpcError>>,
{
    let mut last = None;
    for attempt in 1..=5u64 {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
            Err(e) => return Err(EngineError::Recovery(format!("{what}: {e}"))),
        }
    }
    Err(EngineError::Recovery(format!(
        "{what}: {}",
        last.map_or_else(|| "no answer".to_owned(), |e| e.to_string())
    )))
}

/// The outcome of one order that was in flight at the crash.
pub async fn resolve(
    rpc: &JsonRpc,
    wallet: Pubkey,
    o: &InFlight,
    commitment: &'static str,
) -> Result<ExecReport, EngineError> {
    let why = Why::from_name(&o.why, o.level).unwrap_or(Why::Snipe);
    let is_buy = o.side == kestrel_store::TradeSide::Buy;
    let failed = |reason| ExecReport::Failed {
        order: o.id,
        why,
        mint: o.mint,
        is_buy,
        reason,
        landed: None,
    };
    if o.sends.is_empty() {
        return Ok(failed(FailReason::NotSent(
            "never signed before the restart".into(),
        )));
    }
    let signatures: Vec<String> = o
        .sends
        .iter()
        .map(|s| s.signature.as_str().to_owned())
        .collect();
    let last_valid = o
        .sends
        .iter()
        .map(|s| s.last_valid_block)
        .max()
        .unwrap_or(0);
    let started = tokio::time::Instant::now();
    loop {
        let statuses = retrying("getSignatureStatuses", || {
            rpc.signature_statuses(&signatures)
        })
        .await?;
        for (send, status) in o.sends.iter().zip(&statuses) {
            let Some(s) = status else { continue };
            if let Some(e) = &s.err {
                return Ok(ExecReport::Failed {
                    order: o.id,
                    why,
                    mint: o.mint,
                    is_buy,
                    // The journal does not keep an order's venue; curve orders are the ones
                    // that name pump.fun's errors, and routed orders are rare in flight.
                    reason: FailReason::OnChain(ChainError::new(e.to_string(), Venue::Curve)),
                    landed: landed_cost(rpc, send.signature, 20).await,
                });
            }
            if reached(s, commitment) {
                return Ok(
                    match read_fill(rpc, send.signature, o.mint, wallet, (o.id, why), 20).await {
                        Some(f) => ExecReport::Filled(f),
                        None => failed(FailReason::NoFill),
                    },
                );
            }
        }
        if statuses.iter().all(Option::is_none) {
            let height = retrying("getBlockHeight", || rpc.block_height()).await?;
            if height > last_valid {
                return Ok(failed(FailReason::Expired));
            }
        }
        if started.elapsed() > MAX_WAIT {
            return Err(EngineError::Recovery(format!(
                "order {} ({}): its transaction neither landed nor expired within {} s",
                o.id,
                o.mint,
                MAX_WAIT.as_secs()
            )));
        }
        tracing::info!(order = o.id, mint = %o.mint, "recovery: waiting for an in-flight transaction to land or expire");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs recovery against the chain on `kernel` (whose journal state is already restored).
pub async fn recover<C: Clock>(
    kernel: &mut Kernel<C>,
    st: &JournalState,
    rpc: Option<&JsonRpc>,
    wallet: Pubkey,
    commitment: &'static str,
) -> Result<RecoveryReport, EngineError> {
    let mut report = RecoveryReport {
        positions: st.open.len(),
        in_flight: st.in_flight.len(),
        ..RecoveryReport::default()
    };
    // Paper mode: nothing was sent, nothing is on chain.
    let Some(rpc) = rpc else {
        for o in &st.in_flight {
            kernel.on_report(ExecReport::Failed {
                order: o.id,
                why: Why::from_name(&o.why, o.level).unwrap_or(Why::Snipe),
                mint: o.mint,
                is_buy: o.side == kestrel_store::TradeSide::Buy,
                reason: FailReason::NotSent("paper order interrupted by a restart".into()),
                landed: None,
            });
            report.failed += 1;
        }
        return Ok(report);
    };
    for o in &st.in_flight {
        let r = resolve(rpc, wallet, o, commitment).await?;
        match &r {
            ExecReport::Filled(_) => report.filled += 1,
            _ => report.failed += 1,
        }
        tracing::info!(order = o.id, mint = %o.mint, "recovery: in-flight order resolved: {}", match &r {
            ExecReport::Filled(f) => format!("filled ({} tokens, {})", f.tokens.0, f.signature),
            ExecReport::Failed { reason, .. } => format!("failed ({reason})"),
            _ => String::new(),
        });
        kernel.on_report(r);
    }

    // Token balances: each held position's account, then everything the wallet holds.
    let held: Vec<(Pubkey, Pubkey, Pubkey)> = kernel
        .book()
        .positions()
        .map(|p| {
            let program = p.token_program.id();
            (
                p.mint,
                pda::associated_token_address(&wallet, &program, &p.mint),
                p.bonding_curve,
            )
        })
        .collect();
    for (mint, ata, _) in &held {
        let chain = retrying("getTokenAccountBalance", || rpc.token_account_balance(ata)).await?;
        if kernel
            .reconcile(*mint, TokenAmount(chain.unwrap_or(0)))
            .is_some()
        {
            report.corrected += 1;
        }
    }
    for program in [TOKEN_PROGRAM, TOKEN_2022_PROGRAM] {
        let accounts = retrying("getTokenAccountsByOwner", || {
            rpc.token_accounts_by_owner(&wallet, &program)
        })
        .await?;
        for (_, mint, amount) in accounts {
            // The quotes the wallet pays with (USDC, wrapped SOL) are money, not coins.
            let is_quote =
                mint == kestrel_pump::ids::USDC_MINT || mint == kestrel_pump::ids::WSOL_MINT;
            if amount > 0
                && !is_quote
                && kernel.book().position(&mint).is_none()
                && kernel.book().pending_buy(&mint).is_none()
            {
                kernel.untracked(mint, TokenAmount(amount));
                report.untracked += 1;
            }
        }
    }

    // The curves as they are now: marks, and whether any completed while we were down.
    for (_, _, curve) in held {
        if let Some(c) = retrying("getAccountInfo", || read_curve(rpc, curve)).await? {
            kernel.refresh_curve(&c);
        }
    }
    Ok(report)
}
