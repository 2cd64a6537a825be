//! What flows between the strategy thread and execution.

use kestrel_exec::tx::MintInfo;
use kestrel_guardian::Approved;
use kestrel_guardian::exits::ExitReason;
use kestrel_model::{Quote, SignatureText};
use kestrel_pump::curve::Reserves;
use kestrel_pump::error::PumpError;
use kestrel_units::{Lamports, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

/// What made an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The sniper, on a launch.
    Snipe,
    /// The re-entry strategy.
    Reentry,
    /// An exit rule, the kill switch or an operator's sell.
    Exit(ExitReason),
    /// An operator's buy (a command from the control plane or a chat plugin).
    Operator,
}

impl Why {
    /// The name the journal stores: an exit's own, else one of three fixed names (too few,
    /// and one carrying data, to be worth a derive).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Snipe => "snipe",
            Self::Reentry => "reentry",
            Self::Operator => "operator_buy",
            Self::Exit(r) => r.name(),
        }
    }

    /// The take-profit level, for the journal (0 otherwise).
    pub fn level(&self) -> u8 {
        match self {
            Self::Exit(ExitReason::TakeProfit { level }) => *level,
            _ => 0,
        }
    }

    /// Back from the journal's name and level.
    pub fn from_name(name: &str, level: u8) -> Option<Self> {
        match name {
            "snipe" => Some(Self::Snipe),
            "reentry" => Some(Self::Reentry),
            "operator_buy" => Some(Self::Operator),
            other => ExitReason::from_name(other, level).map(Self::Exit),
        }
    }
}

/// An approved intent with what execution needs to build it, and its latency stamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// The journal's order id.
    pub id: u64,
    pub why: Why,
    pub approved: Approved,
    /// The coin: its mint and what trading it needs.
    pub coin: MintInfo,
    /// The curve the price was judged on (for the slippage bound and paper fills).
    pub reserves: Reserves,
    pub read_at: u64,
    pub decided_at: u64,
    pub venue: Venue,
}

/// Where an order trades. ("Route" means one thing in Kestrel: a Jupiter route.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Venue {
    /// On the pump.fun bonding curve, built and signed here.
    Curve,
    /// Through the Jupiter Swap API (graduated coins, or by config).
    Jupiter,
}

impl Order {
    /// The report of this order failing before anything of it landed.
    pub fn failed(&self, reason: FailReason) -> ExecReport {
        let intent = self.approved.intent();
        ExecReport::Failed {
            order: self.id,
            why: self.why,
            mint: intent.mint,
            is_buy: intent.is_buy(),
            reason,
            landed: None,
        }
    }

    /// The journal's record of this order's intent.
    pub fn record(&self) -> kestrel_store::OrderRecord {
        let i = self.approved.intent();
        let (side, tokens) = match i.side {
            kestrel_model::Side::Buy { .. } => (kestrel_store::TradeSide::Buy, 0),
            kestrel_model::Side::Sell { tokens } => (kestrel_store::TradeSide::Sell, tokens.0),
        };
        kestrel_store::OrderRecord {
            id: self.id,
            mint: self.coin.mint,
            creator: self.coin.creator,
            bonding_curve: self.coin.bonding_curve,
            token_2022: self.coin.token_program.is_2022(),
            is_cashback: self.coin.is_cashback,
            is_mayhem: self.coin.is_mayhem,
            quote: self.coin.quote,
            side,
            spend_lamports: i.spend().0,
            tokens,
            why: kestrel_store::Name::new(self.why.name()),
            level: self.why.level(),
            slippage_bps: i.max_slippage.0,
            cu_price: i.cu_price_micro_lamports,
            at_ns: i.created_at.0,
        }
    }
}

/// Why an order came to nothing. The names the journal stores are derived from the variants.
#[derive(Clone, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum FailReason {
    /// No blockhash yet (the RPC has not answered since start).
    NoBlockhash,
    /// The curve math refused (a zero-sized buy, an empty curve).
    Curve(String),
    /// No send endpoint accepted it.
    NotSent(String),
    /// It landed and failed on chain.
    #[strum(serialize = "failed_on_chain")]
    OnChain(ChainError),
    /// Never confirmed before its last blockhash expired, after every re-sign.
    Expired,
    /// Confirmed, but its logs carried no trade of ours (should not happen; flagged).
    NoFill,
    /// The off-curve route could not be had or was refused (Jupiter, lookup tables, the
    /// guardian's route caps).
    Route(String),
}

impl FailReason {
    /// A stable name, for the journal.
    pub fn name(&self) -> &'static str {
        self.into()
    }

    /// What to tell a person: a program error by its name and code alone
    /// ("TooLittleSolReceived (6003)"), anything else as [`Display`](std::fmt::Display) says.
    pub fn detail(&self) -> String {
        match self {
            Self::OnChain(e) => e.to_string(),
            other => other.to_string(),
        }
    }
}

impl std::fmt::Display for FailReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoBlockhash => f.write_str("no recent blockhash yet"),
            Self::Curve(e) => write!(f, "curve: {e}"),
            Self::NotSent(e) => write!(f, "not sent: {e}"),
            Self::OnChain(e) => write!(f, "failed on chain: {e}"),
            Self::Expired => f.write_str("expired unconfirmed"),
            Self::NoFill => f.write_str("confirmed without a trade event"),
            Self::Route(e) => write!(f, "route: {e}"),
        }
    }
}

/// A transaction's error as the node reported it (`{"InstructionError":[2,{"Custom":6003}]}`),
/// and the program's error it stands for when the failing program is pump.fun: so that logs,
/// `/metrics` and the operator's alerts say "TooLittleSolReceived (6003)", not JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainError {
    pub raw: String,
    pub program: Option<PumpError>,
}

impl ChainError {
    /// Reads the node's error JSON. A `Custom` code is pump.fun's on a curve order, whose
    /// only instructions besides pump.fun's (compute budget, an idempotent ATA create, a
    /// tip) do not fail with custom codes; a routed swap's could be any program's.
    pub fn new(raw: String, venue: Venue) -> Self {
        let program = match venue {
            Venue::Curve => custom_code(&raw).and_then(PumpError::from_code),
            Venue::Jupiter => None,
        };
        Self { raw, program }
    }
}

/// `n` of `{"InstructionError":[i,{"Custom":n}]}`.
fn custom_code(raw: &str) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    let code = v.get("InstructionError")?.get(1)?.get("Custom")?.as_u64()?;
    u32::try_from(code).ok()
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.program {
            Some(e) => write!(f, "{} ({})", e.name(), e.code()),
            None => f.write_str(&self.raw),
        }
    }
}

/// A fill, read from the transaction's own TradeEvent (or simulated on the curve in paper
/// mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    pub order: u64,
    pub why: Why,
    pub mint: Pubkey,
    pub is_buy: bool,
    pub tokens: TokenAmount,
    /// What the coin is priced in: `quote_amount` and `fees` count in it.
    pub quote: Quote,
    /// The curve leg (`quote_amount`, before 2026-05 `quote_amount`, of the event).
    pub quote_amount: QuoteAmount,
    /// Protocol and creator fees.
    pub fees: QuoteAmount,
    /// The transaction's network fee (base + priority).
    pub network_fee: Lamports,
    /// The wallet's balance change in the transaction, as the ledger states it (fees, rent
    /// of a new token account, SOL in or out).
    pub wallet_delta: i64,
    pub reserves_after: Reserves,
    pub signature: SignatureText,
    pub slot: u64,
}

/// A transaction that landed without a fill (it failed on chain), as the ledger states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landed {
    pub signature: SignatureText,
    pub network_fee: Lamports,
    pub wallet_delta: i64,
    pub slot: u64,
}

/// What execution tells the strategy thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecReport {
    Sent {
        order: u64,
        mint: Pubkey,
        is_buy: bool,
        signature: SignatureText,
        retries: u32,
    },
    Filled(Fill),
    Failed {
        order: u64,
        why: Why,
        mint: Pubkey,
        is_buy: bool,
        reason: FailReason,
        /// It landed and failed: what it cost (the ledger charges a failed transaction's fee).
        landed: Option<Landed>,
    },
    /// The wallet's balance as the chain reports it.
    Balance(Lamports),
    /// The wallet's holding of a quote other than SOL (its token account), as the chain
    /// reports it.
    QuoteBalance(Quote, QuoteAmount),
    /// A curve read from the chain after a sell failed on it, so the next attempt is priced
    /// on the curve as it is.
    Curve(kestrel_model::CurveUpdate),
}

/// Commands from the control plane (HTTP today; the Telegram plugin later).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// No new entries; exits go on (HALTED).
    Pause,
    /// Back to ACTIVE.
    Resume,
    /// The kill switch: sell everything (REDUCING), or just stop (HALTED).
    Kill { sell_all: bool },
    /// Sell `percent` of a position.
    Sell { mint: Pubkey, percent: u8 },
    /// Buy `spend` (in the coin's quote) of a coin, at the curve the caller read
    /// (`complete`: off the curve).
    Buy {
        info: kestrel_exec::tx::MintInfo,
        reserves: kestrel_pump::curve::Reserves,
        complete: bool,
        spend: QuoteAmount,
    },
}

/// What the engine tells the control plane and plugins, sent without waiting: a full
/// queue drops the event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "events leave the strategy thread by value: boxing a fill would allocate for every fill on the hot thread"
)]
pub enum EngineEvent {
    /// A coin launched, as decoded; told after the engine acted on it (2026-12).
    Launch(kestrel_model::LaunchEvent),
    /// A fill, with a sell's realized PnL in the coin's quote, fees in (2026-12).
    Fill {
        fill: Fill,
        realized: Option<i64>,
    },
    /// A sell order made by an exit rule or the kill switch.
    Exit {
        mint: Pubkey,
        reason: ExitReason,
    },
    /// The guardian's trading state changed.
    State(kestrel_guardian::TradingState),
    Alert(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_orders_custom_code_is_named_by_pump_funs_error() {
        let e = ChainError::new(
            r#"{"InstructionError":[2,{"Custom":6003}]}"#.into(),
            Venue::Curve,
        );
        assert_eq!(e.program, Some(PumpError::TooLittleSolReceived));
        assert_eq!(
            FailReason::OnChain(e).to_string(),
            "failed on chain: TooLittleSolReceived (6003)"
        );
    }

    #[test]
    fn failure_names_are_the_journals() {
        let names: Vec<&str> = [
            FailReason::NoBlockhash,
            FailReason::Curve(String::new()),
            FailReason::NotSent(String::new()),
            FailReason::OnChain(ChainError::new(String::new(), Venue::Curve)),
            FailReason::Expired,
            FailReason::NoFill,
            FailReason::Route(String::new()),
        ]
        .iter()
        .map(FailReason::name)
        .collect();
        assert_eq!(
            names,
            [
                "no_blockhash",
                "curve",
                "not_sent",
                "failed_on_chain",
                "expired",
                "no_fill",
                "route"
            ]
        );
    }

    #[test]
    fn anything_else_keeps_the_nodes_words() {
        for (raw, venue) in [
            (
                r#"{"InstructionError":[2,{"Custom":6003}]}"#,
                Venue::Jupiter,
            ),
            (
                r#"{"InstructionError":[0,"InvalidAccountData"]}"#,
                Venue::Curve,
            ),
            (
                r#"{"InstructionError":[2,{"Custom":999999}]}"#,
                Venue::Curve,
            ),
            ("InsufficientFundsForFee", Venue::Curve),
            ("not json {", Venue::Curve),
        ] {
            let e = ChainError::new(raw.into(), venue);
            assert_eq!(e.program, None);
            assert_eq!(e.to_string(), raw);
        }
    }
}
