//! Routed orders: a coin off its curve is bought or sold through the Jupiter route. Its
//! plan (prefetched or fetched now), the guardian's route caps, signing, then the same
//! tracking as any order; in paper mode the quote is the fill.

use kestrel_model::mono_nanos;
use kestrel_units::Lamports;

use crate::order::{ExecReport, FailReason, Fill, Order};

use super::dispatcher::Dispatcher;
use super::fees::{implied_delta, network_fee};
use super::sign::Prepared;

impl Dispatcher {
    /// Starts an order routed through Jupiter: its plan (prefetched or fetched now), the
    /// guardian's route check, signing, then the same tracking as any order. In paper mode
    /// the quote is the fill.
    pub fn spawn_routed(&self, order: Order, paper: bool) {
        let this = self.clone();
        self.run(async move {
            match this.prepare_routed(&order).await {
                Ok(p) if paper => this.report(ExecReport::Filled(p.expected)),
                Ok(p) => this.track(p, None).await,
                Err(reason) => this.report(order.failed(reason)),
            }
        });
    }

    pub(super) async fn prepare_routed(&self, order: &Order) -> Result<Prepared, FailReason> {
        let router = self
            .router
            .as_ref()
            .ok_or_else(|| FailReason::Route("off-curve routing is off".into()))?;
        let intent = *order.approved.intent();
        let mint = order.coin.mint;
        // Routes are priced and paid in SOL; a coin quoted in USDC has no route here.
        if order.coin.quote != kestrel_model::Quote::Sol {
            return Err(FailReason::Route(format!(
                "{} coins are not routed off the curve",
                order.coin.quote.symbol()
            )));
        }
        let ready = match intent.side {
            kestrel_model::Side::Sell { tokens } => {
                router
                    .sell(mint, tokens.0, intent.cu_price_micro_lamports)
                    .await
            }
            kestrel_model::Side::Buy { spend, .. } => {
                router
                    .buy(mint, spend.0, intent.cu_price_micro_lamports)
                    .await
            }
        }
        .map_err(|e| FailReason::Route(e.to_string()))?;
        let recent = match self.blockhash.get() {
            Some(r) => r,
            None => {
                self.blockhash.refresh(&self.rpc).await;
                self.blockhash.get().ok_or(FailReason::NoBlockhash)?
            }
        };
        let signed = ready.compiled.sign(&self.wallet, recent.hash);
        let q = &ready.plan.quote;
        let is_buy = intent.is_buy();
        let (tokens, sol) = if is_buy {
            (q.out_amount, q.in_amount)
        } else {
            (q.in_amount, q.out_amount)
        };
        let network = Lamports(network_fee(ready.budget.cu_limit, ready.budget.cu_price));
        let expected = Fill {
            order: order.id,
            why: order.why,
            mint,
            is_buy,
            tokens: kestrel_units::TokenAmount(tokens),
            quote: kestrel_model::Quote::Sol,
            quote_amount: kestrel_units::QuoteAmount(sol),
            fees: kestrel_units::QuoteAmount::ZERO,
            network_fee: network,
            wallet_delta: implied_delta(
                is_buy,
                kestrel_model::Quote::Sol,
                kestrel_units::QuoteAmount(sol),
                kestrel_units::QuoteAmount::ZERO,
                network,
            ),
            reserves_after: order.reserves,
            signature: signed.signature_text,
            slot: 0,
        };
        Ok(Prepared {
            order: *order,
            signed,
            message: ready.compiled,
            last_valid_block_height: recent.last_valid_block_height,
            signed_at: mono_nanos(),
            expected,
        })
    }
}
