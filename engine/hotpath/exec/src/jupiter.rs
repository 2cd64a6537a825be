//! Jupiter Swap API v1 (docs/protocol.md §3): `GET /quote` and `POST /swap-instructions` against a
//! configurable base URL (`https://api.jup.ag/swap/v1` on mainnet, the local cluster's
//! `/swap/v1` in tests), with an optional `x-api-key`. The models read what Kestrel needs and
//! ignore every other field; the quote's own JSON is kept verbatim because
//! `/swap-instructions` wants it back unchanged. Nothing here signs: the instructions go to
//! [`crate::swap`], which assembles our own v0 transaction around them.

use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use thiserror::Error;

use crate::rpc::retry_after;

/// Wrapped SOL: what Jupiter calls SOL in a route.
pub const WSOL_MINT: Pubkey = Pubkey::from_str_const("So11111111111111111111111111111111111111112");

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JupiterError {
    #[error("Jupiter rate limit (HTTP 429), retry after {retry_after:?}")]
    RateLimited { retry_after: Option<Duration> },
    /// The API's own error object: `{"error": "...", "errorCode": "..."}`.
    #[error("Jupiter refused (HTTP {status}): {message}{}", code.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default())]
    Api {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// Something that is not the API answering: a proxy's HTML page, an empty body.
    #[error("Jupiter reply is not JSON (HTTP {status}): {snippet}")]
    NotJson { status: u16, snippet: String },
    #[error("Jupiter reply cut short: {0}")]
    Truncated(String),
    #[error("Jupiter reply not understood: {0}")]
    Decode(String),
    #[error("Jupiter unreachable: {0}")]
    Transport(String),
}

impl JupiterError {
    /// Worth asking again after a pause.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport(_) | Self::Truncated(_) => true,
            Self::Api { status, .. } | Self::NotJson { status, .. } => *status >= 500,
            Self::Decode(_) => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapMode {
    ExactIn,
    ExactOut,
}

impl SwapMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExactIn => "ExactIn",
            Self::ExactOut => "ExactOut",
        }
    }
}

/// What to quote: `amount` of `input_mint` (raw base units) into `output_mint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteRequest {
    pub input_mint: Pubkey,
    pub output_mint: Pubkey,
    pub amount: u64,
    pub slippage_bps: u16,
    pub swap_mode: SwapMode,
    pub only_direct_routes: bool,
    /// Accounts the route may use; fewer leave room for our own instructions.
    pub max_accounts: Option<u8>,
}

impl QuoteRequest {
    pub fn exact_in(
        input_mint: Pubkey,
        output_mint: Pubkey,
        amount: u64,
        slippage_bps: u16,
    ) -> Self {
        Self {
            input_mint,
            output_mint,
            amount,
            slippage_bps,
            swap_mode: SwapMode::ExactIn,
            only_direct_routes: false,
            max_accounts: None,
        }
    }
}

/// One hop of a route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteStep {
    pub amm_key: Pubkey,
    pub label: String,
    pub input_mint: Pubkey,
    pub output_mint: Pubkey,
    pub in_amount: u64,
    pub out_amount: u64,
    pub fee_amount: u64,
    pub fee_mint: Pubkey,
    /// Share of the input through this hop, in basis points (`percent` × 100 or `bps`).
    pub share_bps: u16,
}

/// A quote: typed fields, and the reply as it came (sent back to `/swap-instructions`).
#[derive(Clone, Debug, PartialEq)]
pub struct Quote {
    pub input_mint: Pubkey,
    pub output_mint: Pubkey,
    pub in_amount: u64,
    pub out_amount: u64,
    /// ExactIn: the least the swap may return; ExactOut: the most it may take.
    pub other_amount_threshold: u64,
    pub swap_mode: SwapMode,
    pub slippage_bps: u16,
    /// Price impact in basis points, rounded up (the API's `priceImpactPct` is a fraction).
    pub price_impact_bps: u32,
    pub route: Vec<RouteStep>,
    pub context_slot: Option<u64>,
    pub raw: Value,
}

/// Our side of `/swap-instructions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapRequest {
    pub user: Pubkey,
    pub wrap_and_unwrap_sol: bool,
    /// Priority fee Jupiter would set; Kestrel replaces the compute-budget instructions with
    /// its own anyway, so this only shapes what the API estimates.
    pub compute_unit_price_micro_lamports: Option<u64>,
    pub dynamic_compute_unit_limit: bool,
}

/// `/swap-instructions`, decoded into instructions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapInstructions {
    pub token_ledger: Option<Instruction>,
    pub compute_budget: Vec<Instruction>,
    pub setup: Vec<Instruction>,
    pub swap: Instruction,
    pub cleanup: Option<Instruction>,
    pub other: Vec<Instruction>,
    pub lookup_tables: Vec<Pubkey>,
    /// The compute-unit limit Jupiter simulated the swap at, when it says.
    pub compute_unit_limit: Option<u32>,
}

impl SwapInstructions {
    /// Everything except the compute budget, in the order the API lays out: token ledger,
    /// setup, swap, cleanup, then the rest.
    pub fn body(&self) -> impl Iterator<Item = &Instruction> {
        self.token_ledger
            .iter()
            .chain(&self.setup)
            .chain(std::iter::once(&self.swap))
            .chain(&self.cleanup)
            .chain(&self.other)
    }
}

/// How hard to try before giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The pause before attempt `n + 1`: the server's Retry-After if it gave one (capped),
    /// otherwise doubling from `first_backoff`.
    pub fn backoff(&self, n: u32, server: Option<Duration>) -> Duration {
        server.map_or_else(
            || {
                self.first_backoff
                    .saturating_mul(1u32 << n.min(16))
                    .min(self.max_backoff)
            },
            |s| s.min(self.max_backoff),
        )
    }
}

#[derive(Clone)]
pub struct Jupiter {
    client: reqwest::Client,
    /// e.g. `https://api.jup.ag/swap/v1`, no trailing slash.
    base: String,
    api_key: Option<String>,
    policy: RetryPolicy,
}

impl std::fmt::Debug for Jupiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret: say only whether there is one.
        f.debug_struct("Jupiter")
            .field("base", &self.base)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Jupiter {
    pub fn new(
        client: reqwest::Client,
        base: &str,
        api_key: Option<String>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            api_key,
            policy,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn quote(&self, q: &QuoteRequest) -> Result<Quote, JupiterError> {
        let mut query: Vec<(&str, String)> = vec![
            ("inputMint", q.input_mint.to_string()),
            ("outputMint", q.output_mint.to_string()),
            ("amount", q.amount.to_string()),
            ("slippageBps", q.slippage_bps.to_string()),
            ("swapMode", q.swap_mode.as_str().to_owned()),
        ];
        if q.only_direct_routes {
            query.push(("onlyDirectRoutes", "true".to_owned()));
        }
        if let Some(m) = q.max_accounts {
            query.push(("maxAccounts", m.to_string()));
        }
        let url = format!("{}/quote", self.base);
        let raw = self
            .with_retries(|| self.client.get(&url).query(&query))
            .await?;
        parse_quote(raw)
    }

    pub async fn swap_instructions(
        &self,
        quote: &Quote,
        req: &SwapRequest,
    ) -> Result<SwapInstructions, JupiterError> {
        let mut body = json!({
            "quoteResponse": quote.raw,
            "userPublicKey": req.user.to_string(),
            "wrapAndUnwrapSol": req.wrap_and_unwrap_sol,
            "dynamicComputeUnitLimit": req.dynamic_compute_unit_limit,
        });
        if let Some(p) = req.compute_unit_price_micro_lamports {
            body["computeUnitPriceMicroLamports"] = json!(p);
        }
        let url = format!("{}/swap-instructions", self.base);
        let raw = self
            .with_retries(|| self.client.post(&url).json(&body))
            .await?;
        parse_swap_instructions(raw)
    }

    /// Sends, retrying 429s (after Retry-After), 5xx and transport errors with backoff.
    async fn with_retries(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Value, JupiterError> {
        let mut n = 0;
        loop {
            let mut rb = request().timeout(self.policy.timeout);
            if let Some(k) = &self.api_key {
                rb = rb.header("x-api-key", k);
            }
            let result = self.once(rb).await;
            match result {
                Err(e) if e.is_transient() && n + 1 < self.policy.attempts => {
                    let server = match &e {
                        JupiterError::RateLimited { retry_after } => *retry_after,
                        _ => None,
                    };
                    tokio::time::sleep(self.policy.backoff(n, server)).await;
                    n += 1;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, rb: reqwest::RequestBuilder) -> Result<Value, JupiterError> {
        let resp = rb
            .send()
            .await
            .map_err(|e| JupiterError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 429 {
            return Err(JupiterError::RateLimited {
                retry_after: retry_after(resp.headers()),
            });
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| JupiterError::Transport(e.without_url().to_string()))?;
        read_reply(status, &bytes)
    }
}

/// A reply body: the API's JSON, or a clear error for everything else.
pub fn read_reply(status: u16, bytes: &[u8]) -> Result<Value, JupiterError> {
    let value = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => v,
        Err(e) if e.is_eof() && !bytes.is_empty() => {
            return Err(JupiterError::Truncated(format!(
                "{} bytes, HTTP {status}: {e}",
                bytes.len()
            )));
        }
        Err(_) => {
            return Err(JupiterError::NotJson {
                status,
                snippet: snippet(bytes),
            });
        }
    };
    let api_error = value.get("error").and_then(Value::as_str).map(|m| {
        (
            m.to_owned(),
            value
                .get("errorCode")
                .and_then(Value::as_str)
                .map(str::to_owned),
        )
    });
    match api_error {
        Some((message, code)) => Err(JupiterError::Api {
            status,
            code,
            message,
        }),
        None if !(200..300).contains(&status) => Err(JupiterError::Api {
            status,
            code: None,
            message: snippet(bytes),
        }),
        None => Ok(value),
    }
}

/// The start of a body, on one line, for an error message.
fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(empty body)".to_owned();
    }
    one_line.chars().take(120).collect()
}

fn decode<T: for<'de> Deserialize<'de>>(v: &Value, what: &str) -> Result<T, JupiterError> {
    T::deserialize(v).map_err(|e| JupiterError::Decode(format!("{what}: {e}")))
}

fn pubkey(s: &str, what: &str) -> Result<Pubkey, JupiterError> {
    Pubkey::from_str(s)
        .map_err(|_| JupiterError::Decode(format!("{what}: `{s}` is not a public key")))
}

fn amount(s: &str, what: &str) -> Result<u64, JupiterError> {
    s.parse::<u64>()
        .map_err(|_| JupiterError::Decode(format!("{what}: `{s}` is not an integer amount")))
}

/// A non-negative decimal fraction ("0.0123") as basis points, rounded up; integer arithmetic
/// only, so "0.1" is exactly 1000.
pub fn fraction_to_bps(s: &str) -> Option<u32> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut bps = whole.checked_mul(10_000)?;
    let (head, tail) = frac.split_at(frac.len().min(4));
    let head_val: u64 = if head.is_empty() {
        0
    } else {
        head.parse().ok()?
    };
    bps = bps.checked_add(head_val * 10u64.pow(4 - head.len() as u32))?;
    if tail.bytes().any(|b| b != b'0') {
        bps = bps.checked_add(1)?;
    }
    u32::try_from(bps).ok()
}

pub fn parse_quote(raw: Value) -> Result<Quote, JupiterError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct SwapInfo {
        amm_key: String,
        #[serde(default)]
        label: Option<String>,
        input_mint: String,
        output_mint: String,
        in_amount: String,
        out_amount: String,
        #[serde(default)]
        fee_amount: Option<String>,
        #[serde(default)]
        fee_mint: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Step {
        swap_info: SwapInfo,
        #[serde(default)]
        percent: Option<u16>,
        #[serde(default)]
        bps: Option<u16>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Wire {
        input_mint: String,
        in_amount: String,
        output_mint: String,
        out_amount: String,
        other_amount_threshold: String,
        swap_mode: String,
        slippage_bps: u16,
        #[serde(default)]
        price_impact_pct: Option<String>,
        route_plan: Vec<Step>,
        #[serde(default)]
        context_slot: Option<u64>,
    }
    let w: Wire = decode(&raw, "quote")?;
    let swap_mode = match w.swap_mode.as_str() {
        "ExactIn" => SwapMode::ExactIn,
        "ExactOut" => SwapMode::ExactOut,
        other => {
            return Err(JupiterError::Decode(format!(
                "quote: unknown swapMode `{other}`"
            )));
        }
    };
    let price_impact_bps = match &w.price_impact_pct {
        None => 0,
        Some(p) => fraction_to_bps(p).ok_or_else(|| {
            JupiterError::Decode(format!("quote: priceImpactPct `{p}` is not a decimal"))
        })?,
    };
    let mut route = Vec::with_capacity(w.route_plan.len());
    for s in &w.route_plan {
        let i = &s.swap_info;
        let share_bps = match (s.bps, s.percent) {
            (Some(b), _) => b,
            (None, Some(p)) => p.saturating_mul(100),
            (None, None) => 10_000,
        };
        route.push(RouteStep {
            amm_key: pubkey(&i.amm_key, "routePlan ammKey")?,
            label: i.label.clone().unwrap_or_default(),
            input_mint: pubkey(&i.input_mint, "routePlan inputMint")?,
            output_mint: pubkey(&i.output_mint, "routePlan outputMint")?,
            in_amount: amount(&i.in_amount, "routePlan inAmount")?,
            out_amount: amount(&i.out_amount, "routePlan outAmount")?,
            fee_amount: i
                .fee_amount
                .as_deref()
                .map_or(Ok(0), |a| amount(a, "routePlan feeAmount"))?,
            fee_mint: i
                .fee_mint
                .as_deref()
                .map_or(Ok(Pubkey::default()), |m| pubkey(m, "routePlan feeMint"))?,
            share_bps,
        });
    }
    if route.is_empty() {
        return Err(JupiterError::Decode("quote: empty routePlan".into()));
    }
    Ok(Quote {
        input_mint: pubkey(&w.input_mint, "quote inputMint")?,
        output_mint: pubkey(&w.output_mint, "quote outputMint")?,
        in_amount: amount(&w.in_amount, "quote inAmount")?,
        out_amount: amount(&w.out_amount, "quote outAmount")?,
        other_amount_threshold: amount(&w.other_amount_threshold, "quote otherAmountThreshold")?,
        swap_mode,
        slippage_bps: w.slippage_bps,
        price_impact_bps,
        route,
        context_slot: w.context_slot,
        raw,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAccount {
    pubkey: String,
    is_signer: bool,
    is_writable: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireInstruction {
    program_id: String,
    accounts: Vec<WireAccount>,
    data: String,
}

fn instruction(w: &WireInstruction, what: &str) -> Result<Instruction, JupiterError> {
    let program_id = pubkey(&w.program_id, what)?;
    let accounts = w
        .accounts
        .iter()
        .map(|a| {
            Ok(AccountMeta {
                pubkey: pubkey(&a.pubkey, what)?,
                is_signer: a.is_signer,
                is_writable: a.is_writable,
            })
        })
        .collect::<Result<Vec<_>, JupiterError>>()?;
    let data = STANDARD
        .decode(w.data.as_bytes())
        .map_err(|e| JupiterError::Decode(format!("{what}: data is not base64: {e}")))?;
    Ok(Instruction {
        program_id,
        accounts,
        data,
    })
}

pub fn parse_swap_instructions(raw: Value) -> Result<SwapInstructions, JupiterError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Wire {
        #[serde(default)]
        token_ledger_instruction: Option<WireInstruction>,
        #[serde(default)]
        compute_budget_instructions: Vec<WireInstruction>,
        #[serde(default)]
        setup_instructions: Vec<WireInstruction>,
        swap_instruction: WireInstruction,
        #[serde(default)]
        cleanup_instruction: Option<WireInstruction>,
        #[serde(default)]
        other_instructions: Vec<WireInstruction>,
        #[serde(default)]
        address_lookup_table_addresses: Vec<String>,
        #[serde(default)]
        compute_unit_limit: Option<u32>,
    }
    let w: Wire = decode(&raw, "swap-instructions")?;
    let many = |v: &[WireInstruction], what: &str| {
        v.iter()
            .map(|i| instruction(i, what))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(SwapInstructions {
        token_ledger: w
            .token_ledger_instruction
            .as_ref()
            .map(|i| instruction(i, "tokenLedgerInstruction"))
            .transpose()?,
        compute_budget: many(&w.compute_budget_instructions, "computeBudgetInstructions")?,
        setup: many(&w.setup_instructions, "setupInstructions")?,
        swap: instruction(&w.swap_instruction, "swapInstruction")?,
        cleanup: w
            .cleanup_instruction
            .as_ref()
            .map(|i| instruction(i, "cleanupInstruction"))
            .transpose()?,
        other: many(&w.other_instructions, "otherInstructions")?,
        lookup_tables: w
            .address_lookup_table_addresses
            .iter()
            .map(|a| pubkey(a, "addressLookupTableAddresses"))
            .collect::<Result<_, _>>()?,
        compute_unit_limit: w.compute_unit_limit,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn fixture(name: &str) -> Value {
        let text = match name {
            "jupiter_quote_response_2025.json" => {
                include_str!("../../../../tests/fixtures/jupiter/jupiter_quote_response_2025.json")
            }
            _ => include_str!("../../../../tests/fixtures/jupiter/jupiter_quote_v6_multihop.json"),
        };
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_real_2025_quote_parses_and_keeps_unknown_fields_verbatim() {
        let raw = fixture("jupiter_quote_response_2025.json");
        let q = parse_quote(raw.clone()).unwrap();
        assert_eq!(q.input_mint, WSOL_MINT);
        assert_eq!(q.in_amount, 100);
        assert_eq!(q.out_amount, 66);
        assert_eq!(q.other_amount_threshold, 66);
        assert_eq!(q.swap_mode, SwapMode::ExactIn);
        assert_eq!(q.slippage_bps, 100);
        assert_eq!(q.price_impact_bps, 0);
        assert_eq!(q.route.len(), 1);
        assert_eq!(q.route[0].label, "Stabble Weighted Swap");
        assert_eq!(q.route[0].share_bps, 10_000);
        assert_eq!(q.context_slot, Some(322_287_008));
        // Sent back as it came, with the keys we do not model.
        assert_eq!(q.raw["swapUsdValue"], raw["swapUsdValue"]);
        assert_eq!(q.raw, raw);
    }

    #[test]
    fn the_documented_multihop_quote_parses() {
        let q = parse_quote(fixture("jupiter_quote_v6_multihop.json")).unwrap();
        assert_eq!(q.route.len(), 3);
        assert_eq!(q.route[1].label, "Meteora DLMM");
        assert_eq!(q.route[1].in_amount, 4386);
        assert_eq!(q.route[2].fee_amount, 121);
        assert_eq!(q.out_amount, 166_974);
        assert_eq!(q.other_amount_threshold, 166_958);
    }

    #[test]
    fn v2_style_bps_shares_are_read() {
        let mut raw = fixture("jupiter_quote_response_2025.json");
        raw["routePlan"][0]
            .as_object_mut()
            .unwrap()
            .remove("percent");
        raw["routePlan"][0]["bps"] = json!(2500);
        assert_eq!(parse_quote(raw).unwrap().route[0].share_bps, 2500);
    }

    #[test]
    fn price_impact_fractions_become_bps_without_floats() {
        assert_eq!(fraction_to_bps("0"), Some(0));
        assert_eq!(fraction_to_bps("0.1"), Some(1000));
        assert_eq!(fraction_to_bps("0.0123"), Some(123));
        assert_eq!(fraction_to_bps("0.01231"), Some(124));
        assert_eq!(fraction_to_bps("0.012300"), Some(123));
        assert_eq!(fraction_to_bps("1"), Some(10_000));
        assert_eq!(fraction_to_bps(".5"), Some(5000));
        assert_eq!(fraction_to_bps("-0.1"), None);
        assert_eq!(fraction_to_bps("1e-5"), None);
        assert_eq!(fraction_to_bps(""), None);
    }

    #[test]
    fn bad_quotes_are_errors_not_panics() {
        let mut raw = fixture("jupiter_quote_response_2025.json");
        raw["outAmount"] = json!("12x");
        assert!(
            matches!(parse_quote(raw), Err(JupiterError::Decode(m)) if m.contains("outAmount"))
        );
        let mut raw = fixture("jupiter_quote_response_2025.json");
        raw["inputMint"] = json!("not-a-key");
        assert!(matches!(parse_quote(raw), Err(JupiterError::Decode(_))));
        let mut raw = fixture("jupiter_quote_response_2025.json");
        raw["routePlan"] = json!([]);
        assert!(parse_quote(raw).is_err());
        let mut raw = fixture("jupiter_quote_response_2025.json");
        raw["priceImpactPct"] = json!("NaN");
        assert!(parse_quote(raw).is_err());
    }

    #[test]
    fn replies_that_are_not_the_api_get_clear_errors() {
        let html =
            b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>";
        match read_reply(502, html) {
            Err(JupiterError::NotJson { status, snippet }) => {
                assert_eq!(status, 502);
                assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
            }
            other => panic!("{other:?}"),
        }
        let cut = br#"{"inputMint":"So111111111111111"#;
        assert!(matches!(
            read_reply(200, cut),
            Err(JupiterError::Truncated(_))
        ));
        assert!(matches!(
            read_reply(200, b""),
            Err(JupiterError::NotJson { .. })
        ));
        let api = br#"{"error":"Could not find any route","errorCode":"COULD_NOT_FIND_ANY_ROUTE"}"#;
        match read_reply(400, api) {
            Err(JupiterError::Api {
                status,
                code,
                message,
            }) => {
                assert_eq!(status, 400);
                assert_eq!(code.as_deref(), Some("COULD_NOT_FIND_ANY_ROUTE"));
                assert_eq!(message, "Could not find any route");
            }
            other => panic!("{other:?}"),
        }
        assert!(!read_reply(400, api).unwrap_err().is_transient());
        assert!(read_reply(503, html).unwrap_err().is_transient());
    }

    #[test]
    fn swap_instructions_decode_into_instructions() {
        let key = Pubkey::new_unique().to_string();
        let raw = json!({
            "computeBudgetInstructions": [{"programId": "ComputeBudget111111111111111111111111111111", "accounts": [], "data": "AsBcFQA="}],
            "setupInstructions": [],
            "swapInstruction": {"programId": "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4",
                "accounts": [{"pubkey": key, "isSigner": true, "isWritable": true}], "data": "5RfLl3rjrSo="},
            "cleanupInstruction": null,
            "otherInstructions": [],
            "addressLookupTableAddresses": [key],
            "prioritizationFeeLamports": 0,
            "computeUnitLimit": 1_400_000,
            "someNewField": {"x": 1}
        });
        let s = parse_swap_instructions(raw).unwrap();
        assert_eq!(
            s.swap.data,
            [0xe5, 0x17, 0xcb, 0x97, 0x7a, 0xe3, 0xad, 0x2a]
        );
        assert!(s.swap.accounts[0].is_signer);
        assert_eq!(s.lookup_tables.len(), 1);
        assert_eq!(s.compute_unit_limit, Some(1_400_000));
        assert_eq!(s.body().count(), 1);
    }

    #[test]
    fn backoff_doubles_and_honours_the_server_within_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0, None), Duration::from_millis(200));
        assert_eq!(p.backoff(2, None), Duration::from_millis(800));
        assert_eq!(p.backoff(30, None), p.max_backoff);
        assert_eq!(
            p.backoff(0, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(p.backoff(0, Some(Duration::from_secs(60))), p.max_backoff);
    }
}
