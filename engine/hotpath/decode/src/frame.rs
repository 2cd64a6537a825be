//! Solana PubSub notification frames (docs/protocol.md §2), parsed in one pass and borrowing from the
//! frame text: `logsNotification`, `accountNotification`, `programNotification`,
//! `slotNotification`, and the JSON-RPC replies that share the socket.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::logs::base64_error;
// Defined apart so the logs scanner, which `parse_frame` calls, need not import this module.
pub use crate::logs_notification::LogsNotification;
use crate::{DecodeError, ErrorKind};

/// One websocket text frame.
#[derive(Debug)]
pub enum Frame<'a> {
    Logs(LogsNotification<'a>),
    Account(AccountNotification<'a>),
    Program(ProgramNotification<'a>),
    Slot(SlotNotification),
    /// A JSON-RPC reply on the same socket: a subscription id, `true` for an unsubscribe, or an
    /// error.
    Reply {
        id: Option<&'a RawValue>,
        result: Option<&'a RawValue>,
        error: Option<&'a RawValue>,
    },
    /// A notification of a kind Kestrel does not subscribe to (`signatureNotification`, …).
    Other {
        method: Cow<'a, str>,
    },
}

#[derive(Debug)]
pub struct AccountNotification<'a> {
    pub subscription: u64,
    pub slot: u64,
    pub account: UiAccount<'a>,
}

#[derive(Debug)]
pub struct ProgramNotification<'a> {
    pub subscription: u64,
    pub slot: u64,
    pub pubkey: Cow<'a, str>,
    pub account: UiAccount<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotNotification {
    pub subscription: u64,
    pub parent: u64,
    pub root: u64,
    pub slot: u64,
}

/// An account as the RPC encodes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UiAccount<'a> {
    pub lamports: u64,
    #[serde(borrow)]
    pub owner: Cow<'a, str>,
    #[serde(borrow)]
    pub data: AccountData<'a>,
    pub executable: bool,
    #[serde(default)]
    pub rent_epoch: u64,
    #[serde(default)]
    pub space: Option<u64>,
}

/// Account data in one of the RPC's encodings.
#[derive(Debug, PartialEq, Eq)]
pub enum AccountData<'a> {
    Base64(Cow<'a, str>),
    Base58(Cow<'a, str>),
    /// Any other encoding (`base64+zstd`, `jsonParsed`): named, not decoded.
    Unsupported(String),
}

impl AccountData<'_> {
    /// The raw account bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, DecodeError> {
        match self {
            Self::Base64(text) => STANDARD
                .decode(text.as_bytes())
                .map_err(|e| base64_error(e, "account data")),
            Self::Base58(text) => bs58::decode(text.as_bytes()).into_vec().map_err(|_| {
                DecodeError::new(
                    ErrorKind::Base58 {
                        what: "account data",
                    },
                    0,
                )
            }),
            Self::Unsupported(encoding) => Err(DecodeError::new(
                ErrorKind::Frame(format!(
                    "account data in {encoding} encoding cannot be decoded; subscribe with base64"
                )),
                0,
            )),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AccountData<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = AccountData<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("account data: [data, encoding], a base58 string, or parsed JSON")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let data: Cow<'a, str> = seq
                    .next_element::<CowStr<'a>>()?
                    .map(|c| c.0)
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let encoding: CowStr<'a> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(match encoding.0.as_ref() {
                    "base64" => AccountData::Base64(data),
                    "base58" | "binary" => AccountData::Base58(data),
                    other => AccountData::Unsupported(other.to_owned()),
                })
            }
            // The deprecated `binary` encoding sends a bare base58 string.
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(AccountData::Base58(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AccountData::Base58(Cow::Owned(v.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AccountData::Unsupported("jsonParsed".to_owned()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// `Cow<str>` that borrows when the JSON string has no escapes. (serde's own `Cow<str>`
/// borrows only as a struct field marked `borrow`, never inside an `Option` or a `Vec`.)
struct CowStr<'a>(Cow<'a, str>);

/// A transaction's log lines, each borrowed from the frame unless it has escapes; room for a
/// typical transaction's lines is made at once rather than grown.
struct LogLines<'a>(Vec<Cow<'a, str>>);

/// Lines a pump.fun create with its creator's buy logs, about.
const LOG_LINES: usize = 64;

impl<'de: 'a, 'a> Deserialize<'de> for LogLines<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LogLines<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of log lines")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut lines = Vec::with_capacity(seq.size_hint().unwrap_or(LOG_LINES));
                while let Some(CowStr(line)) = seq.next_element::<CowStr<'de>>()? {
                    lines.push(line);
                }
                Ok(LogLines(lines))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

// One struct covers every envelope, so the frame is scanned once whatever its kind; which
// fields must be present is checked per method afterwards.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    method: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    params: Option<Params<'a>>,
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    result: NotificationResult<'a>,
    subscription: u64,
}

#[derive(Deserialize)]
struct NotificationResult<'a> {
    #[serde(default)]
    context: Option<SlotContext>,
    #[serde(borrow, default)]
    value: Option<NotificationValue<'a>>,
    // slotNotification puts these at the top of `result`.
    #[serde(default)]
    parent: Option<u64>,
    #[serde(default)]
    root: Option<u64>,
    #[serde(default)]
    slot: Option<u64>,
}

#[derive(Deserialize)]
struct SlotContext {
    slot: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationValue<'a> {
    // logs
    #[serde(borrow, default)]
    signature: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    err: Option<&'a RawValue>,
    #[serde(borrow, default)]
    logs: Option<LogLines<'a>>,
    // account
    #[serde(default)]
    lamports: Option<u64>,
    #[serde(borrow, default)]
    owner: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    data: Option<AccountData<'a>>,
    #[serde(default)]
    executable: Option<bool>,
    #[serde(default)]
    rent_epoch: Option<u64>,
    #[serde(default)]
    space: Option<u64>,
    // program
    #[serde(borrow, default)]
    pubkey: Option<CowStr<'a>>,
    #[serde(borrow, default)]
    account: Option<UiAccount<'a>>,
}

fn missing(method: &str, field: &str) -> DecodeError {
    DecodeError::new(ErrorKind::Frame(format!("{method} without {field}")), 0)
}

/// A serde_json error on `text` as a DecodeError at a byte offset into `text`.
pub fn json_error(text: &str, e: &serde_json::Error) -> DecodeError {
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == e.line() {
            offset += e.column().saturating_sub(1).min(line.len());
            break;
        }
        offset += line.len();
    }
    let detail = e.to_string();
    // serde_json appends " at line L column C"; we report the byte offset instead.
    let detail = detail
        .split(" at line ")
        .next()
        .unwrap_or(&detail)
        .to_owned();
    DecodeError::new(ErrorKind::Json { detail }, offset)
}

/// Parses one websocket text frame. A logsNotification, the feed's hottest frame, is scanned
/// by [`crate::logs_scan`]; whatever that scanner is not sure of, and every other frame, goes
/// through serde.
pub fn parse_frame(text: &str) -> Result<Frame<'_>, DecodeError> {
    match crate::logs_scan::scan(text) {
        Some(logs) => Ok(Frame::Logs(logs)),
        None => parse_frame_json(text),
    }
}

/// Parses one websocket text frame with serde alone: [`parse_frame`] without the logs scanner,
/// which must always agree with it (the unit tests and the `frame_scan` fuzz target compare
/// the two).
pub fn parse_frame_json(text: &str) -> Result<Frame<'_>, DecodeError> {
    let env: Envelope<'_> = serde_json::from_str(text).map_err(|e| json_error(text, &e))?;
    let Some(method) = env.method.map(|m| m.0) else {
        if env.result.is_none() && env.error.is_none() {
            return Err(DecodeError::new(
                ErrorKind::Frame(
                    "not a JSON-RPC notification or reply (no method, result or error)".into(),
                ),
                0,
            ));
        }
        return Ok(Frame::Reply {
            id: env.id,
            result: env.result,
            error: env.error,
        });
    };
    let known = matches!(
        method.as_ref(),
        "logsNotification" | "accountNotification" | "programNotification" | "slotNotification"
    );
    if !known {
        return Ok(Frame::Other { method });
    }
    let params = env.params.ok_or_else(|| missing(&method, "params"))?;
    let subscription = params.subscription;
    let result = params.result;
    let slot = result.context.as_ref().map(|c| c.slot);

    match method.as_ref() {
        "slotNotification" => Ok(Frame::Slot(SlotNotification {
            subscription,
            parent: result
                .parent
                .ok_or_else(|| missing(&method, "result.parent"))?,
            root: result.root.ok_or_else(|| missing(&method, "result.root"))?,
            slot: result.slot.ok_or_else(|| missing(&method, "result.slot"))?,
        })),
        "logsNotification" => {
            let value = result
                .value
                .ok_or_else(|| missing(&method, "result.value"))?;
            Ok(Frame::Logs(LogsNotification {
                subscription,
                slot: slot.ok_or_else(|| missing(&method, "result.context.slot"))?,
                signature: value
                    .signature
                    .map(|s| s.0)
                    .ok_or_else(|| missing(&method, "value.signature"))?,
                err: value.err,
                logs: value.logs.map(|l| l.0),
            }))
        }
        "accountNotification" => {
            let v = result
                .value
                .ok_or_else(|| missing(&method, "result.value"))?;
            let account = UiAccount {
                lamports: v
                    .lamports
                    .ok_or_else(|| missing(&method, "value.lamports"))?,
                owner: v
                    .owner
                    .map(|o| o.0)
                    .ok_or_else(|| missing(&method, "value.owner"))?,
                data: v.data.ok_or_else(|| missing(&method, "value.data"))?,
                executable: v.executable.unwrap_or(false),
                rent_epoch: v.rent_epoch.unwrap_or(0),
                space: v.space,
            };
            Ok(Frame::Account(AccountNotification {
                subscription,
                slot: slot.ok_or_else(|| missing(&method, "result.context.slot"))?,
                account,
            }))
        }
        _ => {
            let v = result
                .value
                .ok_or_else(|| missing(&method, "result.value"))?;
            Ok(Frame::Program(ProgramNotification {
                subscription,
                slot: slot.ok_or_else(|| missing(&method, "result.context.slot"))?,
                pubkey: v
                    .pubkey
                    .map(|p| p.0)
                    .ok_or_else(|| missing(&method, "value.pubkey"))?,
                account: v.account.ok_or_else(|| missing(&method, "value.account"))?,
            }))
        }
    }
}
