//! Refresh: a coin's bonding curve as the chain holds it now, with the slot it was read at.
//! Read after a sell fails on chain (its next attempt is priced on the curve as it is, not on
//! a mark that may have gone stale) and at recovery (every held mark, after downtime).

use kestrel_decode::account::decode_bonding_curve;
use kestrel_exec::{JsonRpc, RpcError};
use kestrel_feed::extract::curve_of;
use kestrel_model::CurveUpdate;
use solana_pubkey::Pubkey;

/// The curve at `curve`; `Ok(None)` when the account is gone or does not decode (logged).
pub async fn read_curve(rpc: &JsonRpc, curve: Pubkey) -> Result<Option<CurveUpdate>, RpcError> {
    let (slot, data) = rpc.account_data(&curve).await?;
    let Some(data) = data else {
        return Ok(None);
    };
    match decode_bonding_curve(&data) {
        Ok(c) => Ok(Some(curve_of(curve, slot, &c))),
        Err(e) => {
            tracing::warn!(%curve, "cannot decode the bonding curve: {e}");
            Ok(None)
        }
    }
}
