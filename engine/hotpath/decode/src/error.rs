use std::fmt;

use thiserror::Error;

/// What went wrong, and where: `offset` is the byte offset inside the unit being decoded (the
/// event or account bytes, the base64 text, or the JSON frame), `line` the log line or input
/// line when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct DecodeError {
    pub kind: ErrorKind,
    pub offset: usize,
    /// 0-based log line, when decoding a transaction's logs.
    pub line: Option<usize>,
    /// The event or account being decoded (`TradeEvent`, `BondingCurve`).
    pub item: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    #[error("{what} truncated: needs {need} bytes, {have} left")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("{what} is not a bool (byte {value:#04x})")]
    InvalidBool { what: &'static str, value: u8 },
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },
    #[error("{what}: unknown discriminator {}", hex(found))]
    UnknownDiscriminator { what: &'static str, found: [u8; 8] },
    #[error("expected a {expected} discriminator, found {}", hex(found))]
    WrongDiscriminator {
        expected: &'static str,
        found: [u8; 8],
    },
    #[error("invalid base64 in {what}: {detail}")]
    Base64 { what: &'static str, detail: String },
    #[error("invalid base58 in {what}")]
    Base58 { what: &'static str },
    #[error("invalid JSON: {detail}")]
    Json { detail: String },
    #[error("{0}")]
    Frame(String),
    #[error("{0}")]
    LogLine(String),
}

fn hex(bytes: &[u8; 8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DecodeError {
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            line: None,
            item: None,
        }
    }

    /// Name the event or account being decoded.
    pub fn in_item(mut self, item: &'static str) -> Self {
        self.item = Some(item);
        self
    }

    /// Attach the (0-based) log or input line the error came from.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(item) = self.item {
            write!(f, "{item}: ")?;
        }
        write!(f, "{} at byte {}", self.kind, self.offset)?;
        if let Some(line) = self.line {
            write!(f, " (log line {})", line + 1)?;
        }
        Ok(())
    }
}
