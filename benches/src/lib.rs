//! Shared pieces of the benchmarks: the real payloads, and the baselines written the plain way.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_decode::pump;
use serde::Deserialize;

/// The real create+buy transaction (2025-07, mint 5u3N…pump) in a logsNotification frame.
pub const CREATE_BUY_FRAME: &str =
    include_str!("../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json");
/// The same frame as the wire carries it: compact JSON, no pretty-printing.
pub fn create_buy_frame_compact() -> String {
    serde_json::from_str::<serde_json::Value>(CREATE_BUY_FRAME)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// A real programNotification of a bonding curve.
pub const CURVE_FRAME: &str =
    include_str!("../../tests/fixtures/pump/programNotification_bonding_curve_real.json");

// The frame as solana-pubsub-client types it (`Response<RpcLogsResponse>`): owned strings,
// every field parsed.
#[derive(Deserialize)]
pub struct OwnedEnvelope {
    pub params: OwnedParams,
}
#[derive(Deserialize)]
pub struct OwnedParams {
    pub result: OwnedResponse,
    pub subscription: u64,
}
#[derive(Deserialize)]
pub struct OwnedResponse {
    pub context: OwnedContext,
    pub value: OwnedLogs,
}
#[derive(Deserialize)]
pub struct OwnedContext {
    pub slot: u64,
}
#[derive(Deserialize)]
pub struct OwnedLogs {
    pub signature: String,
    pub err: Option<serde_json::Value>,
    pub logs: Vec<String>,
}

/// The plain way: typed owned parse, then every `Program data:` line base64-decoded into a
/// fresh Vec and decoded by discriminator, with no invoke stack. Returns the events found.
pub fn baseline_frame_to_events(frame: &str) -> usize {
    let Ok(env) = serde_json::from_str::<OwnedEnvelope>(frame) else {
        return 0;
    };
    let mut events = 0;
    for line in &env.params.result.value.logs {
        if let Some(b64) = line.strip_prefix("Program data: ")
            && let Ok(bytes) = STANDARD.decode(b64)
            && let Ok(Some(_)) = pump::decode_event(&bytes)
        {
            events += 1;
        }
    }
    events
}
