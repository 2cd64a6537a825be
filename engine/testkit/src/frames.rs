//! The real payloads tests and benches feed the engine, from `tests/fixtures/` (provenance in
//! its SOURCES.md), and the events they decode to.

use kestrel_decode::frame::{Frame, parse_frame};
use kestrel_feed::extract::{Extracted, Extractor};
use kestrel_feed::{FeedEvent, Stamped};
use kestrel_model::{CurveTrade, LaunchEvent, Timestamp};

/// The real create+buy transaction (2025-07, mint 5u3N…pump) in a logsNotification frame.
pub const CREATE_BUY_FRAME: &str =
    include_str!("../../../tests/fixtures/pump/logsNotification_pump_create_COMPOSED.json");

/// A real programNotification of a bonding curve.
pub const CURVE_FRAME: &str =
    include_str!("../../../tests/fixtures/pump/programNotification_bonding_curve_real.json");

/// The launch and the creator's buy that [`CREATE_BUY_FRAME`] carries, decoded by the feed's
/// own extractor; `None` only if the fixture or the decoder broke.
pub fn launch_and_trade() -> Option<(LaunchEvent, CurveTrade)> {
    let Ok(Frame::Logs(n)) = parse_frame(CREATE_BUY_FRAME) else {
        return None;
    };
    let (mut launch, mut trade) = (None, None);
    Extractor::new().logs(&n, Timestamp(1), |e| match e {
        Extracted::Launch(l) => launch = Some(l),
        Extracted::Trade(t) => trade = Some(t),
    });
    Some((launch?, trade?))
}

/// An event as the feed hands it to the strategy thread, from endpoint 0, stamped at zero.
pub fn stamped(event: FeedEvent) -> Stamped {
    Stamped {
        event,
        endpoint: 0,
        read_at: 0,
        decoded_at: 0,
    }
}
