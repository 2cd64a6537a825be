//! Fill: what a confirmed transaction did, read from its own TradeEvent (a curve trade) or
//! from the wallet's balance changes (a routed swap).

use std::time::Duration;

use kestrel_exec::JsonRpc;
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_model::{SignatureText, Timestamp};
use kestrel_pump::curve::Reserves;
use kestrel_units::{Lamports, QuoteAmount};
use solana_pubkey::Pubkey;

use crate::order::{Fill, Venue, Why};

use super::dispatcher::Dispatcher;
use super::fees::implied_delta;
use super::sign::Prepared;

impl Dispatcher {
    /// The transaction's own TradeEvent, from its logs; for a routed swap, the wallet's own
    /// balance changes.
    pub(super) async fn fill(&self, p: &Prepared) -> Option<Fill> {
        let rpc = self.rpc.first()?;
        let o = &p.order;
        if o.venue == Venue::Jupiter {
            return read_route_fill(rpc, p, self.wallet.pubkey(), 10).await;
        }
        read_fill(
            rpc,
            p.signed.signature_text,
            o.coin.mint,
            self.wallet.pubkey(),
            (o.id, o.why),
            10,
        )
        .await
    }
}

/// Reads the fill of a confirmed transaction from its own TradeEvent (ours: `wallet` trading
/// `mint`), retrying while the node does not serve it yet. `None` if it never shows up or
/// carries no such event.
pub async fn read_fill(
    rpc: &JsonRpc,
    sig: SignatureText,
    mint: Pubkey,
    wallet: Pubkey,
    (order, why): (u64, Why),
    attempts: u64,
) -> Option<Fill> {
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let mut found = None;
                let mut ex = Extractor::new();
                ex.lines(
                    t.logs.iter().map(String::as_str),
                    sig,
                    t.slot,
                    Timestamp(0),
                    &mut |e| {
                        if let Extracted::Trade(tr) = e
                            && tr.user == wallet
                            && tr.mint == mint
                        {
                            found = Some(tr);
                        }
                    },
                );
                let tr = found?;
                let fee = Lamports(t.fee);
                return Some(Fill {
                    order,
                    why,
                    mint,
                    is_buy: tr.is_buy,
                    tokens: tr.token_amount,
                    quote: tr.quote,
                    quote_amount: tr.quote_amount,
                    fees: tr.fees,
                    network_fee: fee,
                    // A node that reports no balances: the figure the event implies.
                    wallet_delta: t.payer_delta.unwrap_or_else(|| {
                        implied_delta(tr.is_buy, tr.quote, tr.quote_amount, tr.fees, fee)
                    }),
                    reserves_after: Reserves {
                        virtual_token: tr.virtual_token_reserves,
                        virtual_quote: tr.virtual_quote_reserves,
                        real_token: tr.real_token_reserves,
                        real_quote: tr.real_quote_reserves,
                    },
                    signature: sig,
                    slot: t.slot,
                });
            }
            // Confirmed by the feed before this node serves it: wait a little.
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    None
}

/// The fill of a routed swap: tokens from the wallet's token balances before and after, SOL
/// from its lamports (the route's fees are inside the price, so `fees` is zero).
pub async fn read_route_fill(
    rpc: &JsonRpc,
    p: &Prepared,
    wallet: Pubkey,
    attempts: u64,
) -> Option<Fill> {
    let sig = p.signed.signature_text;
    let mint = p.order.coin.mint;
    for attempt in 0..attempts {
        match rpc.transaction_logs(sig.as_str()).await {
            Ok(Some(t)) => {
                let tokens = t.token_delta(&wallet, &mint);
                let delta = t.payer_delta?;
                let fee = i64::try_from(t.fee).unwrap_or(i64::MAX);
                let is_buy = tokens > 0;
                // SOL that moved for the tokens, the network fee taken out.
                let sol = if is_buy {
                    delta.saturating_add(fee).unsigned_abs()
                } else {
                    delta.saturating_add(fee).max(0).unsigned_abs()
                };
                return Some(Fill {
                    order: p.order.id,
                    why: p.order.why,
                    mint,
                    is_buy,
                    tokens: kestrel_units::TokenAmount(
                        u64::try_from(tokens.unsigned_abs()).unwrap_or(u64::MAX),
                    ),
                    quote: kestrel_model::Quote::Sol,
                    quote_amount: QuoteAmount(sol),
                    fees: QuoteAmount::ZERO,
                    network_fee: Lamports(t.fee),
                    wallet_delta: delta,
                    reserves_after: p.order.reserves,
                    signature: sig,
                    slot: t.slot,
                });
            }
            Ok(None) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
            }
        }
    }
    None
}
