//! Walks one transaction's log lines the way the runtime wrote them, keeping the invoke stack,
//! so that every `Program data:` line is attributed to the program that printed it and to the
//! instruction that program was running. Only the top of the stack can print: an event-shaped
//! line printed by another program (a router, a copycat) is not a pump.fun event.
//!
//! Allocation-free in steady state: program ids and instruction names are borrowed from the
//! lines, the stack is a fixed array, and base64 payloads decode into a reusable buffer.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::pump::{self, PumpEvent};
use crate::pump_amm::{self, PumpAmmEvent};
use crate::raydium::{self, Initialize2Args, RaydiumInitialize2};
use crate::{DecodeError, ErrorKind};

pub const PUMP_PROGRAM_ID: &str = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P";
pub const PUMP_AMM_PROGRAM_ID: &str = "pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA";
pub const RAYDIUM_AMM_V4_PROGRAM_ID: &str = "675kPX9MHTjS2zt1qfr1NYHuzeLXfQM9H24wFSUt1Mp8";

/// Deeper than any runtime allows (the CPI limit is 4, raised to 8 by SIMD-0268).
const MAX_DEPTH: usize = 16;

/// Where a decoded item came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context<'l> {
    /// Base58 id of the program that printed the item, as logged; `None` for a lone line.
    pub program: Option<&'l str>,
    /// The instruction as the program logged it (`Create`, `CreateV2`, `Buy`, `initialize2`).
    pub instruction: Option<&'l str>,
    /// Invoke depth (1 = top-level instruction).
    pub depth: u8,
    /// 0-based index of the line the item was decoded from.
    pub line: usize,
}

impl Context<'_> {
    /// The instruction in the IDL's snake_case (`CreateV2` → `create_v2`).
    pub fn instruction_name(&self) -> Option<Cow<'static, str>> {
        self.instruction.map(snake_case)
    }

    /// The pump.fun instruction, when the item came from the pump.fun program.
    pub fn pump_instruction(&self) -> Option<PumpInstruction> {
        (self.program == Some(PUMP_PROGRAM_ID))
            .then(|| self.instruction.map(PumpInstruction::from_log))
            .flatten()
    }
}

/// pump.fun instructions as logged by `Program log: Instruction: <Name>`. Matched exactly:
/// `Create` is a prefix of `CreateV2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PumpInstruction {
    Create,
    CreateV2,
    Buy,
    Sell,
    BuyExactSolIn,
    BuyV2,
    SellV2,
    BuyExactQuoteInV2,
    Migrate,
    Other,
}

impl PumpInstruction {
    pub fn from_log(name: &str) -> Self {
        match name {
            "Create" => Self::Create,
            "CreateV2" => Self::CreateV2,
            "Buy" => Self::Buy,
            "Sell" => Self::Sell,
            "BuyExactSolIn" => Self::BuyExactSolIn,
            "BuyV2" => Self::BuyV2,
            "SellV2" => Self::SellV2,
            "BuyExactQuoteInV2" => Self::BuyExactQuoteInV2,
            "Migrate" => Self::Migrate,
            _ => Self::Other,
        }
    }

    pub fn is_create(self) -> bool {
        matches!(self, Self::Create | Self::CreateV2)
    }
}

/// `CreateV2` → `create_v2`, `BuyExactSolIn` → `buy_exact_sol_in`; names already in snake case
/// (Raydium's `initialize2`) come back borrowed.
pub fn snake_case(name: &str) -> Cow<'static, str> {
    const COMMON: [(&str, &str); 8] = [
        ("Create", "create"),
        ("CreateV2", "create_v2"),
        ("Buy", "buy"),
        ("Sell", "sell"),
        ("BuyExactSolIn", "buy_exact_sol_in"),
        ("BuyV2", "buy_v2"),
        ("SellV2", "sell_v2"),
        ("initialize2", "initialize2"),
    ];
    if let Some((_, snake)) = COMMON.iter().find(|(logged, _)| *logged == name) {
        return Cow::Borrowed(snake);
    }
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An item decoded from the logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Item<'a> {
    Pump(PumpEvent<'a>),
    PumpAmm(PumpAmmEvent),
    Raydium(RaydiumItem),
}

/// Raydium pool creation, tagged like the pump events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum RaydiumItem {
    RaydiumInitialize2(RaydiumInitialize2),
}

/// One decoded item with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded<'l, 'a> {
    pub context: Context<'l>,
    pub item: Item<'a>,
}

/// What a walk saw besides the items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub lines: usize,
    /// The runtime cut the logs short (`Log truncated`): later events are missing.
    pub truncated: bool,
    /// `Program data:` lines of pump.fun or PumpSwap whose event Kestrel does not decode.
    pub other_events: usize,
}

#[derive(Clone, Copy, Default)]
struct Frame<'l> {
    program: &'l str,
    instruction: Option<&'l str>,
    raydium_args: Option<Initialize2Args>,
}

/// Reusable log decoder: keep one per feed thread.
#[derive(Debug, Default)]
pub struct LogDecoder {
    scratch: Vec<u8>,
}

impl LogDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Walks `lines` and calls `on_item` for every decoded item, or with the error of one that
    /// failed to decode (with its line). The walk itself goes on after a bad item, so one
    /// corrupt line costs one event, not the transaction.
    pub fn decode<'l, I, F>(&mut self, lines: I, mut on_item: F) -> Summary
    where
        I: IntoIterator<Item = &'l str>,
        F: FnMut(Result<Decoded<'l, '_>, DecodeError>),
    {
        let mut stack = [Frame::default(); MAX_DEPTH];
        let mut depth = 0usize;
        // Once any invoke is seen these are a transaction's logs, and a data line outside every
        // frame belongs to no program: only a lone line is decoded by its discriminator.
        let mut in_transaction = false;
        let mut summary = Summary::default();

        for (index, line) in lines.into_iter().enumerate() {
            summary.lines = index + 1;
            if line == "Log truncated" {
                summary.truncated = true;
                break;
            }
            let Some(rest) = line.strip_prefix("Program ") else {
                continue;
            };

            if let Some(msg) = rest.strip_prefix("log: ") {
                let Some(top) = depth.checked_sub(1).and_then(|i| stack.get_mut(i)) else {
                    continue;
                };
                if let Some(name) = msg.strip_prefix("Instruction: ") {
                    top.instruction = Some(name);
                } else if top.program == RAYDIUM_AMM_V4_PROGRAM_ID {
                    if let Some(args) = msg.strip_prefix("initialize2: ") {
                        top.instruction = Some("initialize2");
                        match raydium::parse_initialize2_args(args) {
                            Ok(args) => top.raydium_args = Some(args),
                            Err(e) => on_item(Err(e.at_line(index))),
                        }
                    } else if let Some(b64) = msg.strip_prefix("ray_log: ") {
                        let frame = *top;
                        let ctx = context(&stack, depth, index);
                        match self.ray_log(b64, frame.raydium_args) {
                            Ok(Some(item)) => on_item(Ok(Decoded { context: ctx, item })),
                            Ok(None) => {}
                            Err(e) => on_item(Err(e.at_line(index))),
                        }
                    }
                }
                continue;
            }

            if let Some(b64) = rest.strip_prefix("data: ") {
                let ctx = context(&stack, depth, index);
                if in_transaction && ctx.program.is_none() {
                    continue;
                }
                match self.program_data(ctx.program, b64) {
                    Ok(Some(item)) => on_item(Ok(Decoded { context: ctx, item })),
                    Ok(None) => {
                        if matches!(ctx.program, Some(PUMP_PROGRAM_ID | PUMP_AMM_PROGRAM_ID)) {
                            summary.other_events += 1;
                        }
                    }
                    Err(e) => on_item(Err(e.at_line(index))),
                }
                continue;
            }

            // `<id> invoke [N]`, `<id> success`, `<id> failed: …`, `<id> consumed …`.
            let Some((program, what)) = split_at_space(rest) else {
                continue;
            };
            if let Some(level) = what
                .strip_prefix("invoke [")
                .and_then(|l| l.strip_suffix(']'))
            {
                let Ok(level) = level.parse::<usize>() else {
                    continue;
                };
                in_transaction = true;
                // Trust the printed depth over our count: a frame whose success line is missing
                // (failed or truncated logs) must not shift attribution.
                let top = match level.checked_sub(1) {
                    Some(i) if i < MAX_DEPTH => i,
                    _ => {
                        on_item(Err(DecodeError::new(
                            ErrorKind::LogLine(format!("invoke depth {level} is out of range")),
                            0,
                        )
                        .at_line(index)));
                        // Still the top of the stack: what it prints is its own, not its caller's.
                        MAX_DEPTH - 1
                    }
                };
                if let Some(slot) = stack.get_mut(top) {
                    *slot = Frame {
                        program,
                        instruction: None,
                        raydium_args: None,
                    };
                }
                depth = top + 1;
            } else if what == "success" || what.starts_with("failed") {
                // Pop back to (and including) the frame of this program.
                if let Some(pos) = stack
                    .get(..depth)
                    .and_then(|s| s.iter().rposition(|f| same_id(f.program, program)))
                {
                    depth = pos;
                }
            }
        }
        summary
    }

    fn program_data<'a>(
        &'a mut self,
        program: Option<&str>,
        b64: &str,
    ) -> Result<Option<Item<'a>>, DecodeError> {
        // sol_log_data prints each slice as its own base64 field; Anchor events are one slice.
        let field = split_at_space(b64).map_or(b64, |(field, _)| field);
        if matches!(program, Some(p) if p != PUMP_PROGRAM_ID && p != PUMP_AMM_PROGRAM_ID) {
            return Ok(None);
        }
        self.decode_base64(field)?;
        let data: &'a [u8] = &self.scratch;
        match program {
            Some(PUMP_PROGRAM_ID) => Ok(pump::decode_event(data)?.map(Item::Pump)),
            Some(_) => Ok(pump_amm::decode_event(data)?.map(Item::PumpAmm)),
            // A lone line: no stack to go by, so the discriminator decides.
            None => match pump::decode_event(data)? {
                Some(event) => Ok(Some(Item::Pump(event))),
                None => match pump_amm::decode_event(data)? {
                    Some(event) => Ok(Some(Item::PumpAmm(event))),
                    None => {
                        let mut found = [0u8; 8];
                        found.copy_from_slice(data.get(..8).unwrap_or(&[0; 8]));
                        Err(DecodeError::new(
                            ErrorKind::UnknownDiscriminator {
                                what: "event",
                                found,
                            },
                            0,
                        ))
                    }
                },
            },
        }
    }

    fn ray_log(
        &mut self,
        b64: &str,
        args: Option<Initialize2Args>,
    ) -> Result<Option<Item<'static>>, DecodeError> {
        self.decode_base64(b64.trim_end())?;
        Ok(raydium::decode_ray_log(&self.scratch)?.map(|log| {
            Item::Raydium(RaydiumItem::RaydiumInitialize2(RaydiumInitialize2 {
                args,
                log,
            }))
        }))
    }

    fn decode_base64(&mut self, text: &str) -> Result<(), DecodeError> {
        decode_base64_into(text, &mut self.scratch)
    }
}

fn context<'l>(stack: &[Frame<'l>; MAX_DEPTH], depth: usize, line: usize) -> Context<'l> {
    let frames = stack.get(..depth).unwrap_or_default();
    let Some(top) = frames.last() else {
        return Context {
            program: None,
            instruction: None,
            depth: 0,
            line,
        };
    };
    // An Anchor self-CPI (emit_cpi!) has no instruction line of its own: inherit the caller's.
    let instruction = frames
        .iter()
        .rev()
        .take_while(|f| f.program == top.program)
        .find_map(|f| f.instruction);
    Context {
        program: Some(top.program),
        instruction,
        depth: u8::try_from(depth).unwrap_or(u8::MAX),
        line,
    }
}

/// Standard base64 with padding into `out` (cleared first): SIMD where the CPU has it
/// (`base64_simd`), and `base64`'s own decoder for anything that fails, so an error reads as
/// `base64` words it. The two accept exactly the same texts (property test below).
fn decode_base64_into(text: &str, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    out.clear();
    if base64_simd::STANDARD.decode_append(text, out).is_ok() {
        return Ok(());
    }
    out.clear();
    STANDARD
        .decode_vec(text, out)
        .map_err(|e| base64_error(e, "Program data"))
}

/// `s` split at its first space, as `str::split_once(' ')` does, eight bytes at a time: log
/// lines split at the space after a 32 to 44 character program id, where the general search
/// spent more on its setup than on the bytes.
fn split_at_space(s: &str) -> Option<(&str, &str)> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let bytes = s.as_bytes();
    let mut at = None;
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let v = u64::from_le_bytes(w) ^ (ONES * u64::from(b' '));
        // The classic zero-byte test: exact at the lowest hit, which is the one taken.
        let hits = v.wrapping_sub(ONES) & !v & HIGH;
        if hits != 0 {
            at = Some(i + (hits.trailing_zeros() / 8) as usize);
            break;
        }
        i += 8;
    }
    let at = match at {
        Some(at) => at,
        None => i + bytes.get(i..)?.iter().position(|&b| b == b' ')?,
    };
    // A space is one byte and never inside a multi-byte character: both sides are `str`s.
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// Two program ids (or any short texts) equal, compared eight bytes at a time in line: every
/// `success` line compares ids, and the general comparison was a call into `memcmp` each time.
fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let ((wa, ra), (wb, rb)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    // Slice and array `==` both end in a `memcmp` call: words and bytes compared by hand.
    wa.iter()
        .zip(wb)
        .all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
        && ra.iter().zip(rb).all(|(x, y)| x == y)
}

/// Maps a base64 error to ours, keeping the offset into the base64 text.
pub(crate) fn base64_error(e: base64::DecodeError, what: &'static str) -> DecodeError {
    let offset = match e {
        base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => {
            at
        }
        _ => 0,
    };
    DecodeError::new(
        ErrorKind::Base64 {
            what,
            detail: e.to_string(),
        },
        offset,
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn simd_base64_refuses_what_base64_refuses_at_the_edges() {
        // Canonical, then non-zero trailing bits, bad padding, stray bytes, short input.
        for text in [
            "",
            "QQ==",
            "QUI=",
            "QUJD",
            "QR==",
            "QUJ=",
            "Q===",
            "QQ=",
            "QQ",
            "QUJDRA",
            "=QQQ",
            "QQ==QQ==",
            "QU I=",
            "QUJ\n",
            "QUJDRA==\n",
        ] {
            let mut simd = Vec::new();
            let fast = base64_simd::STANDARD.decode_append(text, &mut simd).is_ok();
            let reference = STANDARD.decode(text);
            assert_eq!(fast, reference.is_ok(), "{text:?}");
            if let Ok(r) = reference {
                assert_eq!(simd, r, "{text:?}");
            }
        }
    }

    proptest! {
        /// The word search splits where `split_once` does.
        #[test]
        fn a_line_splits_at_its_first_space_as_split_once_splits_it(
            s in "[a-z1-9 é\\[\\]]{0,70}",
        ) {
            prop_assert_eq!(split_at_space(&s), s.split_once(' '));
        }

        /// The word comparison of ids says what `==` says, for ids that differ anywhere.
        #[test]
        fn ids_compare_equal_exactly_when_their_texts_are_equal(
            a in "[1-9A-HJ-NP-Za-km-z]{0,46}",
            flip in any::<prop::sample::Index>(),
            cut in 0usize..3,
        ) {
            prop_assert!(same_id(&a, &a));
            let mut b = a.clone().into_bytes();
            if !b.is_empty() {
                let i = flip.index(b.len());
                b[i] = if b[i] == b'z' { b'y' } else { b'z' };
            }
            b.truncate(b.len().saturating_sub(cut));
            let b = String::from_utf8(b).unwrap_or_default();
            prop_assert_eq!(same_id(&a, &b), a == b);
            prop_assert_eq!(same_id(&b, &a), a == b);
        }

        /// The SIMD decoder and `base64` accept the same texts and decode them alike: valid
        /// payloads, and ones cut, padded wrongly, with stray bytes or non-zero trailing bits.
        #[test]
        fn simd_base64_accepts_and_decodes_exactly_what_base64_does(
            bytes in prop::collection::vec(any::<u8>(), 0..120),
            edit in prop::option::of((any::<prop::sample::Index>(), prop::sample::select(vec![
                "", "=", "==", "A", "B=", " ", "*", "-", "_", "\\n", "AA==", "AB==", "AAB=", "é",
            ]))),
            cut in 0usize..3,
        ) {
            let mut text = STANDARD.encode(&bytes);
            text.truncate(text.len().saturating_sub(cut));
            if let Some((at, insert)) = edit {
                let i = at.index(text.len() + 1);
                text.insert_str(i, insert);
            }
            let mut simd = Vec::new();
            let fast = base64_simd::STANDARD.decode_append(&text, &mut simd).is_ok();
            let reference = STANDARD.decode(&text);
            prop_assert_eq!(fast, reference.is_ok(), "{:?}", text);
            if let Ok(r) = reference {
                prop_assert_eq!(simd, r);
            }
        }
    }

    const CREATE_LINE: &str = "Program data: G3KpTd7rY3YJAAAASGF3ayBUdWFoBQAAACRIQVdLQwAAAGh0dHBzOi8vaXBmcy5pby9pcGZzL1FtZXdVS1h5U21KdHFkaVlWS3VhWmEyOTZoSEV1c0NSRnA5dWl2VTlrQ3FvR1RIw6A0Ls+ejAFty+W3liPAPubySR95Ta0Afaw752NjD5eJAlE5CDi7/aafF+Nfr434eCxU63bzPvpkvBZaUBXAPaHBn2oHQGNMbcbcQO4l/0wkIiyIZGlIpXWcdJMW5VE9ocGfagdAY0xtxtxA7iX/TCQiLIhkaUildZx0kxblUVw+hWgAAAAAABDYR+PPAwAArCP8BgAAAAB4xftR0QIAAIDGpH6NAwA=";

    /// (line, instruction) of each decoded item, or its error text.
    type Walked = Vec<Result<(usize, Option<String>), String>>;

    fn run(lines: &[&str]) -> (Walked, Summary) {
        let mut out = Vec::new();
        let summary = LogDecoder::new().decode(lines.iter().copied(), |r| {
            out.push(
                r.map(|d| {
                    (
                        d.context.line,
                        d.context.instruction_name().map(Cow::into_owned),
                    )
                })
                .map_err(|e| e.to_string()),
            );
        });
        (out, summary)
    }

    fn invoke(p: &str, depth: u8) -> String {
        format!("Program {p} invoke [{depth}]")
    }

    #[test]
    fn create_v2_is_not_mistaken_for_create() {
        let lines = [
            &invoke(PUMP_PROGRAM_ID, 1) as &str,
            "Program log: Instruction: CreateV2",
            CREATE_LINE,
        ];
        let mut kinds = Vec::new();
        LogDecoder::new().decode(lines.iter().copied(), |r| {
            kinds.push(r.unwrap().context.pump_instruction());
        });
        assert_eq!(kinds, [Some(PumpInstruction::CreateV2)]);
        assert!(PumpInstruction::CreateV2.is_create());
        assert_eq!(PumpInstruction::from_log("Creat"), PumpInstruction::Other);
    }

    #[test]
    fn a_failed_frame_is_popped_so_attribution_stays_right() {
        let other = "Other11111111111111111111111111111111111111";
        let (items, _) = run(&[
            &invoke(other, 1),
            &invoke(PUMP_PROGRAM_ID, 2),
            "Program log: Instruction: Buy",
            &format!("Program {PUMP_PROGRAM_ID} failed: custom program error: 0x1772"),
            CREATE_LINE, // printed by `other` after pump failed: not a pump event
            &format!("Program {other} success"),
        ]);
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn the_printed_depth_wins_when_success_lines_are_missing() {
        let (items, _) = run(&[
            &invoke("Router1111111111111111111111111111111111111", 1),
            &invoke(PUMP_PROGRAM_ID, 2),
            // the log of this frame's end went missing; the next top-level invoke resets
            &invoke(PUMP_PROGRAM_ID, 1),
            "Program log: Instruction: Create",
            CREATE_LINE,
        ]);
        assert_eq!(items, [Ok((4, Some("create".to_owned())))]);
    }

    #[test]
    fn a_data_line_outside_every_frame_belongs_to_no_program() {
        let (items, _) = run(&[
            &invoke(PUMP_PROGRAM_ID, 1),
            &format!("Program {PUMP_PROGRAM_ID} success"),
            CREATE_LINE,
        ]);
        assert!(items.is_empty(), "{items:?}");
        // A lone line, with no transaction around it, is decoded by its discriminator.
        assert_eq!(run(&[CREATE_LINE]).0.len(), 1);
    }

    #[test]
    fn truncated_logs_stop_the_walk() {
        let (items, summary) = run(&[&invoke(PUMP_PROGRAM_ID, 1), "Log truncated", CREATE_LINE]);
        assert!(items.is_empty());
        assert!(summary.truncated);
        assert_eq!(summary.lines, 2);
    }

    #[test]
    fn a_bad_payload_costs_one_item_not_the_walk() {
        let (items, summary) = run(&[
            &invoke(PUMP_PROGRAM_ID, 1),
            "Program data: %%%%",
            "Program data: AAAAAAAAAAA=", // an event we do not decode
            CREATE_LINE,
        ]);
        assert_eq!(items.len(), 2);
        let err = items[0].as_ref().unwrap_err();
        assert!(
            err.starts_with("invalid base64 in Program data") && err.ends_with("(log line 2)"),
            "{err}"
        );
        assert_eq!(items[1], Ok((3, None)));
        assert_eq!(summary.other_events, 1);
    }

    #[test]
    fn absurd_depths_are_reported_not_indexed() {
        let (items, _) = run(&[
            &invoke(PUMP_PROGRAM_ID, 200),
            "Program data: AAAA",
            &invoke(PUMP_PROGRAM_ID, 0),
        ]);
        // Both invokes are refused, and the data line between them has no frame to belong to.
        assert!(items.iter().all(Result::is_err), "{items:?}");
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn snake_case_of_unlisted_names() {
        assert_eq!(snake_case("SetMetaplexCreator"), "set_metaplex_creator");
        assert_eq!(snake_case("BuyExactQuoteInV2"), "buy_exact_quote_in_v2");
    }
}
