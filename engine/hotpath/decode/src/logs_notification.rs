//! A `logsNotification` frame's contents, borrowed from the frame text. Its own module because
//! both parsers make it: the hand scanner ([`crate::logs_scan`]) and the serde path in
//! [`crate::frame`], which calls the scanner first.

use std::borrow::Cow;

use serde_json::value::RawValue;

#[derive(Debug)]
pub struct LogsNotification<'a> {
    pub subscription: u64,
    pub slot: u64,
    pub signature: Cow<'a, str>,
    /// The transaction error as raw JSON; `None` when it succeeded.
    pub err: Option<&'a RawValue>,
    /// `None` when the transaction failed before it ran (the RPC sends `null`).
    pub logs: Option<Vec<Cow<'a, str>>>,
}

/// Equal when they say the same thing: lines compare by text whether borrowed or not, and the
/// error by its JSON text.
impl PartialEq for LogsNotification<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.subscription == other.subscription
            && self.slot == other.slot
            && self.signature == other.signature
            && self.err.map(RawValue::get) == other.err.map(RawValue::get)
            && self.logs == other.logs
    }
}

impl LogsNotification<'_> {
    pub fn succeeded(&self) -> bool {
        self.err.is_none()
    }

    /// The log lines as `&str`, for [`crate::logs::LogDecoder::decode`].
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.logs.iter().flatten().map(|l| l.as_ref())
    }
}
