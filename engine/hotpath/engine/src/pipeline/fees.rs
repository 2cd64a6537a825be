//! Fees: what a transaction costs the wallet beyond the trade. The network fee a signed
//! order will pay, the wallet change a trade implies (paper mode books it), and what a
//! transaction that failed on chain cost, read from the node.

use std::time::Duration;

use kestrel_exec::JsonRpc;
use kestrel_model::{Quote, SignatureText};
use kestrel_units::{Lamports, QuoteAmount};

use crate::order::Landed;

/// Network fee of one signature (lamports), as every cluster charges it.
pub const BASE_FEE_PER_SIGNATURE: u64 = 5_000;

/// Base fee plus priority fee: `ceil(cu_limit × price / 1e6)` micro-lamports → lamports.
pub fn network_fee(cu_limit: u32, cu_price_micro_lamports: u64) -> u64 {
    let micro = u128::from(cu_limit) * u128::from(cu_price_micro_lamports);
    let priority = u64::try_from(micro.div_ceil(1_000_000)).unwrap_or(u64::MAX);
    BASE_FEE_PER_SIGNATURE.saturating_add(priority)
}

/// What a transaction that failed on chain cost the wallet, from the node's record of it.
pub async fn landed_cost(rpc: &JsonRpc, sig: SignatureText, attempts: u64) -> Option<Landed> {
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let fee = i64::try_from(t.fee).unwrap_or(i64::MAX);
                return Some(Landed {
                    signature: sig,
                    network_fee: Lamports(t.fee),
                    wallet_delta: t.payer_delta.unwrap_or(-fee),
                    slot: t.slot,
                });
            }
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    tracing::warn!(%sig, "a failed transaction's fee could not be read: the journal's ledger will miss it");
    None
}

/// The wallet's SOL change a trade implies (without rent): what paper mode books. A trade in
/// another quote moves only the network fee in SOL.
pub fn implied_delta(
    is_buy: bool,
    quote: Quote,
    amount: QuoteAmount,
    fees: QuoteAmount,
    network_fee: Lamports,
) -> i64 {
    let net = i64::try_from(network_fee.0).unwrap_or(i64::MAX);
    let (Some(sol), Some(fees)) = (quote.lamports(amount), quote.lamports(fees)) else {
        return -net;
    };
    let (sol, fees) = (
        i64::try_from(sol.0).unwrap_or(i64::MAX),
        i64::try_from(fees.0).unwrap_or(i64::MAX),
    );
    if is_buy {
        0i64.saturating_sub(sol.saturating_add(fees))
            .saturating_sub(net)
    } else {
        sol.saturating_sub(fees).saturating_sub(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_fee_rounds_the_priority_fee_up() {
        assert_eq!(network_fee(200_000, 0), 5_000);
        assert_eq!(network_fee(200_000, 1), 5_001);
        assert_eq!(network_fee(100_000, 50_000), 10_000);
    }

    #[test]
    fn a_usdc_trade_implies_only_its_network_fee_in_sol() {
        let (amount, fees, net) = (QuoteAmount(1_000_000), QuoteAmount(12_500), Lamports(5_000));
        assert_eq!(implied_delta(true, Quote::Usdc, amount, fees, net), -5_000);
        assert_eq!(
            implied_delta(true, Quote::Sol, amount, fees, net),
            -1_000_000 - 12_500 - 5_000
        );
        assert_eq!(
            implied_delta(false, Quote::Sol, amount, fees, net),
            1_000_000 - 12_500 - 5_000
        );
    }
}
