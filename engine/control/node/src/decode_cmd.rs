//! `kestrel decode`: whatever a Solana feed or RPC hands you about pump.fun, as JSON lines.
//!
//! Input forms, told apart by their first character and content:
//! - JSON objects, one or many (a websocket capture): `logsNotification`, `accountNotification`,
//!   `programNotification`; replies and other notifications are skipped.
//! - a JSON array of log lines (`meta.logMessages`), of frames, or an RPC `[data, encoding]` pair;
//! - plain text: log lines (one transaction), or one base64 account or event payload per line.

use std::borrow::Cow;
use std::fmt::Display;
use std::io::{self, BufWriter, Read as _, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use kestrel_decode::account::{self, AccountKind};
use kestrel_decode::frame::{self, AccountData, Frame, UiAccount};
use kestrel_decode::logs::{Decoded, LogDecoder};
use kestrel_decode::{DecodeError, pump, pump_amm};
use serde::Serialize;
use serde_json::value::RawValue;

use kestrel::exit::EXIT_BAD_INPUT;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Decode pump.fun, PumpSwap and Raydium AMM v4 events and pump.fun accounts, \
                  printing one JSON object per item: {\"event\":\"CreateEvent\",…}, \
                  {\"event\":\"TradeEvent\",…}, {\"account\":\"BondingCurve\",…}, \
                  {\"event\":\"RaydiumInitialize2\",…}. Field names are the IDL's, keys are \
                  base58, amounts are integers in base units; \"program\" and \"instruction\" \
                  are added where the logs tell them.\n\n\
                  Accepted input: websocket frames (logsNotification, accountNotification, \
                  programNotification; one or many, e.g. a capture), a JSON array of log lines, \
                  log lines as text, or base64 account data (one per line).\n\n\
                  Input that cannot be decoded gets a one-line error naming what failed and the \
                  byte offset, and exit status 2."
)]
pub(crate) struct Args {
    /// Input file; `-` or nothing reads stdin
    #[arg(value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,

    /// Decode raw account data as this account instead of by its discriminator
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) account: Option<AccountArg>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum AccountArg {
    BondingCurve,
    Global,
}

impl From<AccountArg> for AccountKind {
    fn from(a: AccountArg) -> Self {
        match a {
            AccountArg::BondingCurve => AccountKind::BondingCurve,
            AccountArg::Global => AccountKind::Global,
        }
    }
}

/// A decode failure with where it happened, in terms of the whole input.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const BROKEN_PIPE: &str = "output: broken pipe";

fn output_error(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Failure(BROKEN_PIPE.to_owned())
    } else {
        fail("output", e)
    }
}

fn fail(place: impl Display, e: impl Display) -> Failure {
    Failure(format!("{place}: {e}"))
}

/// Context printed beside each item.
#[derive(Default, Serialize)]
struct Extra<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    program: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instruction: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slot: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pubkey: Option<&'a str>,
    /// The transaction failed: its events were rolled back.
    #[serde(skip_serializing_if = "Option::is_none")]
    err: Option<&'a RawValue>,
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(flatten)]
    item: &'a T,
    #[serde(flatten)]
    extra: Extra<'a>,
}

struct Output<W: Write> {
    out: W,
    items: usize,
}

impl<W: Write> Output<W> {
    fn emit<T: Serialize>(&mut self, item: &T, extra: Extra<'_>) -> Result<(), Failure> {
        serde_json::to_writer(&mut self.out, &Line { item, extra })
            .map_err(|e| output_error(e.into()))?;
        self.out.write_all(b"\n").map_err(output_error)?;
        self.items += 1;
        Ok(())
    }
}

pub(crate) fn run(args: &Args) -> u8 {
    let name = match &args.input {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "stdin".to_owned(),
    };
    let mut bytes = Vec::new();
    let read = match &args.input {
        Some(p) if p.as_os_str() != "-" => std::fs::read(p).map(|b| bytes = b),
        _ => io::stdin().read_to_end(&mut bytes).map(|_| ()),
    };
    if let Err(e) = read {
        let _ = writeln!(io::stderr(), "kestrel decode: {name}: cannot read: {e}");
        return EXIT_BAD_INPUT;
    }
    let stdout = io::stdout().lock();
    let mut output = Output {
        out: BufWriter::new(stdout),
        items: 0,
    };
    let result = decode_input(&bytes, args.account.map(Into::into), &mut output);
    // A reader that went away (`| head`) is not a failure.
    let flushed = output.out.flush().or_else(|e| match e.kind() {
        io::ErrorKind::BrokenPipe => Ok(()),
        _ => Err(e),
    });
    match result {
        Ok(()) if flushed.is_ok() => 0,
        Ok(()) => 1,
        // The reader went away (`| head`): stop quietly, as Unix tools do.
        Err(e) if e.0.ends_with(BROKEN_PIPE) => 0,
        Err(e) => {
            let _ = writeln!(io::stderr(), "kestrel decode: {name}: {e}");
            EXIT_BAD_INPUT
        }
    }
}

/// Decodes a whole input into `out`.
fn decode_input<W: Write>(
    bytes: &[u8],
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(
            format_args!("byte {}", e.valid_up_to()),
            "input is not UTF-8",
        )
    })?;
    match text.trim_start().chars().next() {
        None => Err(Failure("input is empty".into())),
        Some('{') => json_values(text, forced, out),
        Some('[') => json_values(text, forced, out),
        Some(_) => text_lines(text, forced, out),
    }
}

/// One or more JSON values back to back (a frame, a capture of frames, an array).
fn json_values<W: Write>(
    text: &str,
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let mut index = 0usize;
    loop {
        let Some(next) = stream.next() else {
            return Ok(());
        };
        // serde_json's line and column count from the start of the whole input.
        let raw = next.map_err(|e| {
            fail(
                format_args!("JSON value {}", index + 1),
                frame::json_error(text, &e),
            )
        })?;
        let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let place = format!("JSON value {} (input byte {offset})", index + 1);
        let s = raw.get();
        if s.starts_with('[') {
            json_array(s, forced, out).map_err(|e| fail(&place, e))?;
        } else {
            one_frame(s, forced, out).map_err(|e| fail(&place, e))?;
        }
        index += 1;
    }
}

fn shift(mut e: DecodeError, by: usize) -> DecodeError {
    e.offset += by;
    e
}

/// A JSON array: log lines, an RPC `[data, encoding]` pair, or frames.
fn json_array<W: Write>(
    text: &str,
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| fail("array", e))?;
    if items.iter().all(|v| v.get().starts_with('"')) {
        let lines: Vec<Cow<'_, str>> = serde_json::from_str(text).map_err(|e| fail("array", e))?;
        if let [data, encoding] = lines.as_slice()
            && matches!(
                encoding.as_ref(),
                "base64" | "base58" | "base64+zstd" | "binary"
            )
        {
            let data = match encoding.as_ref() {
                "base64" => AccountData::Base64(data.clone()),
                "base58" | "binary" => AccountData::Base58(data.clone()),
                other => AccountData::Unsupported(other.to_owned()),
            };
            let bytes = data.bytes().map_err(|e| fail("account data", e))?;
            return account(&bytes, forced, Extra::default(), out).map_err(|e| fail("account", e));
        }
        return log_lines(lines.iter().map(|l| l.as_ref()), Extra::default(), out);
    }
    for (i, v) in items.iter().enumerate() {
        one_frame(v.get(), forced, out).map_err(|e| fail(format_args!("element {}", i + 1), e))?;
    }
    Ok(())
}

fn one_frame<W: Write>(
    text: &str,
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    match frame::parse_frame(text).map_err(|e| Failure(e.to_string()))? {
        Frame::Logs(n) => {
            let extra = || Extra {
                signature: Some(n.signature.as_ref()),
                slot: Some(n.slot),
                err: n.err,
                ..Extra::default()
            };
            log_lines(n.lines(), extra(), out)
        }
        Frame::Account(n) => {
            let extra = Extra {
                slot: Some(n.slot),
                ..Extra::default()
            };
            ui_account(&n.account, forced, extra, out)
        }
        Frame::Program(n) => {
            let extra = Extra {
                slot: Some(n.slot),
                pubkey: Some(n.pubkey.as_ref()),
                ..Extra::default()
            };
            ui_account(&n.account, forced, extra, out)
        }
        // Subscription replies, slots and other notifications carry nothing to decode.
        Frame::Slot(_) | Frame::Reply { .. } | Frame::Other { .. } => Ok(()),
    }
}

fn ui_account<W: Write>(
    acc: &UiAccount<'_>,
    forced: Option<AccountKind>,
    extra: Extra<'_>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let bytes = acc.data.bytes().map_err(|e| fail("account data", e))?;
    account(&bytes, forced, extra, out).map_err(|e| fail("account data", e))
}

fn account<W: Write>(
    bytes: &[u8],
    forced: Option<AccountKind>,
    extra: Extra<'_>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let decoded = match forced {
        Some(kind) => account::decode_account_as(bytes, kind),
        None => account::decode_account(bytes),
    };
    let acc = decoded.map_err(|e| Failure(e.to_string()))?;
    out.emit(&acc, extra)
}

/// Walks one transaction's logs; the first item that fails to decode fails the input.
fn log_lines<'l, W: Write>(
    lines: impl Iterator<Item = &'l str>,
    base: Extra<'_>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let mut first_error: Option<Failure> = None;
    LogDecoder::new().decode(lines, |item| {
        if first_error.is_some() {
            return;
        }
        let result = item
            .map_err(|e| fail("logs", e))
            .and_then(|Decoded { context, item }| {
                let extra = Extra {
                    program: context.program,
                    instruction: context.instruction_name(),
                    signature: base.signature,
                    slot: base.slot,
                    err: base.err,
                    pubkey: None,
                };
                out.emit(&item, extra)
            });
        if let Err(e) = result {
            first_error = Some(e);
        }
    });
    first_error.map_or(Ok(()), Err)
}

/// Plain text: log lines, or base64 payloads one per line.
fn text_lines<W: Write>(
    text: &str,
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // Logs start with the runtime's `Program … invoke`; after that every line is the
    // transaction's (the runtime also prints lines like `Transfer: insufficient lamports …`).
    if lines
        .first()
        .is_some_and(|l| l.starts_with("Program ") || *l == "Log truncated")
    {
        return log_lines(lines.iter().copied(), Extra::default(), out);
    }
    for (n, line) in text.lines().enumerate() {
        let payload = line.trim();
        if payload.is_empty() {
            continue;
        }
        let place = format!("line {}", n + 1);
        let bytes = AccountData::Base64(Cow::Borrowed(payload))
            .bytes()
            .map_err(|e| {
                let col = line.len() - line.trim_start().len();
                let e = shift(e, col);
                fail(
                    &place,
                    format_args!("not JSON, a log line or base64 data ({e})"),
                )
            })?;
        raw_payload(&bytes, forced, out).map_err(|e| fail(&place, e))?;
    }
    Ok(())
}

/// Raw bytes: an account by its discriminator (or the forced kind), else an event.
fn raw_payload<W: Write>(
    bytes: &[u8],
    forced: Option<AccountKind>,
    out: &mut Output<W>,
) -> Result<(), Failure> {
    if forced.is_some() {
        return account(bytes, forced, Extra::default(), out);
    }
    match account::decode_account(bytes) {
        Ok(acc) => return out.emit(&acc, Extra::default()),
        Err(e)
            if !matches!(
                e.kind,
                kestrel_decode::ErrorKind::UnknownDiscriminator { .. }
            ) =>
        {
            return Err(Failure(e.to_string()));
        }
        Err(_) => {}
    }
    if let Some(event) = pump::decode_event(bytes).map_err(|e| Failure(e.to_string()))? {
        return out.emit(&event, Extra::default());
    }
    if let Some(event) = pump_amm::decode_event(bytes).map_err(|e| Failure(e.to_string()))? {
        return out.emit(&event, Extra::default());
    }
    let disc: String = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Err(Failure(format!(
        "unknown discriminator {disc} at byte 0: not a pump.fun account or event \
         (use --account to force a layout)"
    )))
}
