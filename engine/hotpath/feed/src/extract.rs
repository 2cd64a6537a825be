//! From decoded notifications to the engine's owned events: a create transaction becomes one
//! [`LaunchEvent`] (with the creator's own buy folded in when it was bundled), every curve
//! trade a [`CurveTrade`], every bonding-curve account a [`CurveUpdate`]. Pure: no I/O, no
//! clock, so the benches and the fuzzers run exactly what the feeds run.

use kestrel_decode::DecodeError;
use kestrel_decode::account::{BondingCurve, decode_bonding_curve};
use kestrel_decode::frame::{AccountNotification, LogsNotification};
use kestrel_decode::logs::{Item, LogDecoder, PUMP_PROGRAM_ID};
use kestrel_decode::pump::{CreateEvent, PumpEvent, TradeEvent as RawTrade};
use kestrel_model::{
    CurveTrade, CurveUpdate, InlineStr, LaunchEvent, Quote, SignatureText, Timestamp, TokenProgram,
};
use kestrel_units::{Bps, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

/// The curve every coin starts on (Global's initial values, docs/protocol.md §1.3), for create events
/// older than the 2025-05 layout that carried reserves.
const INITIAL_VIRTUAL_TOKEN: u64 = 1_073_000_000_000_000;
const INITIAL_VIRTUAL_SOL: u64 = 30_000_000_000;
const INITIAL_REAL_TOKEN: u64 = 793_100_000_000_000;
const TOTAL_SUPPLY: u64 = 1_000_000_000_000_000;

/// What one notification yielded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extracted {
    Launch(LaunchEvent),
    Trade(CurveTrade),
}

/// Counts of what could not be used, for the feed's stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtractStats {
    pub failed_transactions: u64,
    pub bad_items: u64,
}

/// One per feed task: reuses the log decoder's scratch space.
#[derive(Debug, Default)]
pub struct Extractor {
    decoder: LogDecoder,
    pub stats: ExtractStats,
}

impl Extractor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The launches and trades in one transaction's logs, in log order, launches after the
    /// creator's bundled buy has been folded in. Failed transactions yield nothing.
    pub fn logs(
        &mut self,
        n: &LogsNotification<'_>,
        seen_at: Timestamp,
        mut emit: impl FnMut(Extracted),
    ) {
        if !n.succeeded() {
            self.stats.failed_transactions += 1;
            return;
        }
        let signature = SignatureText::new(&n.signature);
        self.lines(n.lines(), signature, n.slot, seen_at, &mut emit);
    }

    /// The same from bare log lines (the typed client's `RpcLogsResponse`).
    pub fn lines<'l>(
        &mut self,
        lines: impl IntoIterator<Item = &'l str>,
        signature: SignatureText,
        slot: u64,
        seen_at: Timestamp,
        emit: &mut impl FnMut(Extracted),
    ) {
        // A create transaction holds one create, rarely more; fixed room, no allocation.
        let mut launches: [Option<LaunchEvent>; 4] = [None; 4];
        let mut bad = 0u64;
        self.decoder.decode(lines, |item| {
            // By reference from here: a decoded event is some 500 bytes, and each move a copy.
            let decoded = match &item {
                Ok(d) => d,
                Err(_) => {
                    bad += 1;
                    return;
                }
            };
            // Only events the pump program itself printed count (an echo from a router's
            // logs is not a trade on the curve).
            if decoded.context.program != Some(PUMP_PROGRAM_ID) {
                return;
            }
            match &decoded.item {
                Item::Pump(PumpEvent::Create(c)) => {
                    let is_v2 = decoded
                        .context
                        .pump_instruction()
                        .is_some_and(|i| i == kestrel_decode::logs::PumpInstruction::CreateV2);
                    let launch = launch_from(c, is_v2, signature, slot, seen_at);
                    if let Some(free) = launches.iter_mut().find(|l| l.is_none()) {
                        *free = Some(launch);
                    }
                }
                Item::Pump(PumpEvent::Trade(t)) => {
                    let trade = trade_from(t, signature, slot, seen_at);
                    if let Some(l) = launches.iter_mut().flatten().find(|l| l.mint == trade.mint) {
                        // The creator's buy bundled with the create: the launch is decided on
                        // the reserves after it.
                        if trade.is_buy {
                            let prior = l.creator_buy.unwrap_or(QuoteAmount::ZERO);
                            l.creator_buy = prior.checked_add(trade.quote_amount).or(Some(prior));
                        }
                        l.virtual_quote_reserves = trade.virtual_quote_reserves;
                        l.virtual_token_reserves = trade.virtual_token_reserves;
                        l.real_quote_reserves = trade.real_quote_reserves;
                        l.real_token_reserves = trade.real_token_reserves;
                    }
                    emit(Extracted::Trade(trade));
                }
                _ => {}
            }
        });
        self.stats.bad_items += bad;
        for l in launches.into_iter().flatten() {
            emit(Extracted::Launch(l));
        }
    }
}

fn launch_from(
    c: &CreateEvent<'_>,
    is_v2: bool,
    signature: SignatureText,
    slot: u64,
    seen_at: Timestamp,
) -> LaunchEvent {
    let token_program = match c.token_program {
        Some(p) => TokenProgram::of_id(&p).unwrap_or(TokenProgram::Spl),
        None if is_v2 => TokenProgram::Token2022,
        None => TokenProgram::Spl,
    };
    LaunchEvent {
        signature,
        slot,
        mint: c.mint,
        quote: Quote::of_mint(c.quote_mint),
        bonding_curve: c.bonding_curve,
        creator: c.creator,
        name: InlineStr::new(c.name),
        symbol: InlineStr::new(c.symbol),
        token_program,
        is_mayhem_mode: c.is_mayhem_mode.unwrap_or(false),
        is_cashback: c.is_cashback_enabled.unwrap_or(false),
        virtual_token_reserves: c
            .virtual_token_reserves
            .unwrap_or(TokenAmount(INITIAL_VIRTUAL_TOKEN)),
        // The 2026 field where it is present: a USDC curve starts at its own reserves.
        virtual_quote_reserves: c
            .virtual_quote_reserves
            .map(QuoteAmount)
            .or(c.virtual_sol_reserves.map(QuoteAmount::from))
            .unwrap_or(QuoteAmount(INITIAL_VIRTUAL_SOL)),
        real_token_reserves: c
            .real_token_reserves
            .unwrap_or(TokenAmount(INITIAL_REAL_TOKEN)),
        real_quote_reserves: QuoteAmount::ZERO,
        token_total_supply: c.token_total_supply.unwrap_or(TokenAmount(TOTAL_SUPPLY)),
        creator_buy: None,
        seen_at,
    }
}

fn trade_from(
    t: &RawTrade<'_>,
    signature: SignatureText,
    slot: u64,
    seen_at: Timestamp,
) -> CurveTrade {
    // Fees are charged on the quote leg, in its units.
    let fees = [t.fee, t.creator_fee]
        .into_iter()
        .flatten()
        .fold(QuoteAmount::ZERO, |a, b| {
            a.checked_add(QuoteAmount::from(b)).unwrap_or(a)
        });
    // Since 2026-05 the quote fields carry the amounts in the curve's quote; before, the SOL
    // fields were the only ones (and are lamports).
    let quote_or = |quote: Option<u64>, sol: kestrel_units::Lamports| {
        quote.map_or(QuoteAmount::from(sol), QuoteAmount)
    };
    CurveTrade {
        signature,
        slot,
        mint: t.mint,
        user: t.user,
        quote: Quote::of_mint(t.quote_mint),
        is_buy: t.is_buy,
        quote_amount: quote_or(t.quote_amount, t.sol_amount),
        token_amount: t.token_amount,
        fees,
        fee_bps: t
            .fee_basis_points
            .zip(t.creator_fee_basis_points)
            .map(|(p, c)| (Bps(p), Bps(c))),
        virtual_quote_reserves: quote_or(t.virtual_quote_reserves, t.virtual_sol_reserves),
        virtual_token_reserves: t.virtual_token_reserves,
        real_quote_reserves: quote_or(t.real_quote_reserves, t.real_sol_reserves),
        real_token_reserves: t.real_token_reserves,
        seen_at,
    }
}

/// A bonding curve from an account notification (base64 or base58 data).
pub fn curve_update(
    bonding_curve: Pubkey,
    n: &AccountNotification<'_>,
) -> Result<CurveUpdate, DecodeError> {
    let bytes = n.account.data.bytes()?;
    let c = decode_bonding_curve(&bytes)?;
    Ok(curve_of(bonding_curve, n.slot, &c))
}

/// The engine's view of a decoded bonding curve at `slot`: the one way a curve account
/// becomes a [`CurveUpdate`] (feeds, and curves read over RPC).
pub fn curve_of(bonding_curve: Pubkey, slot: u64, c: &BondingCurve) -> CurveUpdate {
    CurveUpdate {
        bonding_curve,
        slot,
        creator: c.creator,
        quote: Quote::of_mint(c.quote_mint),
        virtual_token_reserves: c.virtual_token_reserves,
        virtual_quote_reserves: QuoteAmount(c.virtual_quote_reserves),
        real_token_reserves: c.real_token_reserves,
        real_quote_reserves: QuoteAmount(c.real_quote_reserves),
        complete: c.complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_decode::frame::{Frame, parse_frame};

    const CREATE_BUY: &str =
        include_str!("../../../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json");

    #[test]
    fn real_create_with_bundled_buy_is_one_launch_and_one_trade() {
        let Ok(Frame::Logs(n)) = parse_frame(CREATE_BUY) else {
            panic!("fixture is a logs notification");
        };
        let mut out = Vec::new();
        Extractor::new().logs(&n, Timestamp(5), |e| out.push(e));
        let launches: Vec<_> = out
            .iter()
            .filter_map(|e| match e {
                Extracted::Launch(l) => Some(*l),
                Extracted::Trade(_) => None,
            })
            .collect();
        let trades = out.len() - launches.len();
        assert_eq!(launches.len(), 1);
        assert_eq!(trades, 1);
        let l = launches[0];
        assert_eq!(l.name.as_str(), "Hawk Tuah");
        assert_eq!(l.symbol.as_str(), "$HAWK");
        assert_eq!(
            l.mint.to_string(),
            "5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump"
        );
        assert_eq!(l.token_program, TokenProgram::Spl);
        // The creator's buy (REAL: 4,945,544 lamports) and the reserves after it.
        assert_eq!(l.creator_buy, Some(QuoteAmount(4_945_544)));
        assert!(l.virtual_quote_reserves > QuoteAmount(INITIAL_VIRTUAL_SOL));
        // The trade comes first in log order; the launch after its buy is folded in.
        assert!(matches!(out[0], Extracted::Trade(_)));
    }

    #[test]
    fn a_failed_transaction_yields_nothing() {
        let frame = CREATE_BUY.replacen(
            "\"err\": null",
            "\"err\": {\"InstructionError\":[0,{\"Custom\":6002}]}",
            1,
        );
        let Ok(Frame::Logs(n)) = parse_frame(&frame) else {
            panic!("still a logs notification");
        };
        assert!(!n.succeeded(), "the replacement must have set err");
        let mut ex = Extractor::new();
        let mut count = 0;
        ex.logs(&n, Timestamp(0), |_| count += 1);
        assert_eq!(count, 0);
        assert_eq!(ex.stats.failed_transactions, 1);
    }
}
