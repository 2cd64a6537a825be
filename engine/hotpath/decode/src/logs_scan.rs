//! The feed's hottest frame, `logsNotification`, scanned by hand: each log line's end is found
//! from a bit mask of the frame's special bytes, 64 at a time ([`specials`]), and the line
//! borrowed, where serde_json walks every byte of every line through its string state machine.
//!
//! The scanner answers only when it is sure. Anything it does not expect (another method, a
//! key spelled with escapes, a log line with escapes, a duplicate key, a number that is not a
//! plain `u64`, malformed JSON) makes it return `None`, and [`crate::frame::parse_frame`] takes
//! the serde path, which gives the same frame or the error. So the answer it gives must always
//! be serde's answer; the tests and the `frame_scan` fuzz target check exactly that.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::logs_notification::LogsNotification;

mod specials;

use specials::Specials;

/// How deep an unknown value may nest before the scanner leaves it to serde (whose own limit
/// is 128).
const MAX_DEPTH: usize = 64;

/// Log lines a pump.fun create with its creator's buy logs, about.
const LOG_LINES: usize = 64;

/// Scans `text` as a logsNotification, or says it cannot.
pub fn scan(text: &str) -> Option<LogsNotification<'_>> {
    let mut c = Cursor {
        text,
        pos: 0,
        specials: Specials::new(),
    };
    let mut method = None;
    let mut params = None;
    let (mut seen_id, mut seen_result, mut seen_error) = (false, false, false);
    c.object(|c, key| {
        match key {
            "method" => set_once(&mut method, c.plain_str()?),
            "params" => set_once(&mut params, c.params()?),
            // Known to the general path as raw values; each may appear once.
            "id" | "result" | "error" => {
                let seen = match key {
                    "id" => &mut seen_id,
                    "result" => &mut seen_result,
                    _ => &mut seen_error,
                };
                if std::mem::replace(seen, true) {
                    return None;
                }
                c.skip_value(0)
            }
            _ => c.skip_value(0),
        }
    })?;
    c.skip_ws();
    if c.pos != text.len() || method? != "logsNotification" {
        return None;
    }
    params
}

/// Records a field's value, refusing a second one (serde refuses duplicate fields).
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    specials: Specials,
}

impl<'a> Cursor<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// Eats `word` if the text continues with it.
    fn literal(&mut self, word: &str) -> Option<()> {
        self.skip_ws();
        let end = self.pos.checked_add(word.len())?;
        (self.bytes().get(self.pos..end)? == word.as_bytes()).then(|| self.pos = end)
    }

    /// `null`, consumed, or nothing consumed.
    fn null(&mut self) -> bool {
        self.literal("null").is_some()
    }

    /// A string without escapes, borrowed; `None` if it has any.
    fn plain_str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = self.specials.first(self.bytes(), start)?;
        if self.bytes().get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        self.text.get(start..end)
    }

    /// Any valid string, escapes checked and not decoded.
    fn skip_str(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let at = self.specials.first(self.bytes(), self.pos)?;
            self.pos = at + 1;
            match *self.bytes().get(at)? {
                b'"' => return Some(()),
                b'\\' => {}
                _ => return None,
            }
            match *self.bytes().get(self.pos)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                b'u' => {
                    let hex = self.bytes().get(self.pos + 1..self.pos + 5)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    // A lone surrogate is for serde to judge.
                    let unit = u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
                    if (0xD800..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    self.pos += 5;
                }
                _ => return None,
            }
        }
    }

    /// A plain non-negative integer that fits in a `u64`, as serde reads a `u64` field.
    fn u64(&mut self) -> Option<u64> {
        self.skip_ws();
        let digits = self
            .bytes()
            .get(self.pos..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = self.pos + digits;
        let text = self.text.get(self.pos..end)?;
        // No leading zeros, and no fraction or exponent (serde refuses both for a u64).
        if digits == 0
            || (digits > 1 && text.starts_with('0'))
            || matches!(self.bytes().get(end), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let n = text.parse().ok()?;
        self.pos = end;
        Some(n)
    }

    /// Any valid number.
    fn skip_number(&mut self) -> Option<()> {
        self.skip_ws();
        let b = self.bytes();
        let mut i = self.pos;
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - start
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        let n = digits(&mut i);
        if n == 0 || (n > 1 && b.get(int_start) == Some(&b'0')) {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return None;
            }
        }
        self.pos = i;
        Some(())
    }

    /// Any valid JSON value.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' => self.object(|c, _| c.skip_value(depth + 1)),
            b'[' => self.array(|c| c.skip_value(depth + 1)),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.skip_number(),
        }
    }

    /// `{ "key": value, … }`, handing each value to `field` with its key. Keys with escapes
    /// are left to serde.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.sequence(b'{', b'}', |c| {
            let key = c.plain_str()?;
            c.eat(b':')?;
            field(c, key)
        })
    }

    /// `[ value, … ]`.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b'[', b']', item)
    }

    /// `open item, item, … close`, with no trailing comma (serde refuses one).
    fn sequence(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        if self.eat(close).is_some() {
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Any value, as the raw text serde's `&RawValue` would borrow (no surrounding space).
    fn raw(&mut self) -> Option<&'a RawValue> {
        self.skip_ws();
        let start = self.pos;
        self.skip_value(0)?;
        // serde_json's own constructor for a borrowed raw value is its deserializer; the
        // text is already known to be one valid value, so this cannot fail.
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }

    /// `params`: `{"result": {"context": {"slot": N}, "value": {…}}, "subscription": N}`.
    fn params(&mut self) -> Option<LogsNotification<'a>> {
        let mut result = None;
        let mut subscription = None;
        self.object(|c, key| match key {
            "result" => set_once(&mut result, c.result()?),
            "subscription" => set_once(&mut subscription, c.u64()?),
            _ => c.skip_value(0),
        })?;
        let (slot, value) = result?;
        let (signature, err, logs) = value;
        Some(LogsNotification {
            subscription: subscription?,
            slot,
            signature: Cow::Borrowed(signature),
            err,
            logs,
        })
    }

    fn result(&mut self) -> Option<(u64, LogsValue<'a>)> {
        let mut slot = None;
        let mut value = None;
        self.object(|c, key| match key {
            "context" => set_once(&mut slot, c.context()?),
            "value" => set_once(&mut value, c.value()?),
            // The slot notification's fields: the general path reads them.
            "parent" | "root" | "slot" => None,
            _ => c.skip_value(0),
        })?;
        Some((slot?, value?))
    }

    fn context(&mut self) -> Option<u64> {
        let mut slot = None;
        self.object(|c, key| match key {
            "slot" => set_once(&mut slot, c.u64()?),
            _ => c.skip_value(0),
        })?;
        slot
    }

    fn value(&mut self) -> Option<LogsValue<'a>> {
        let mut signature = None;
        let mut err = None;
        let mut logs = None;
        self.object(|c, key| match key {
            "signature" => set_once(&mut signature, c.plain_str()?),
            "err" => {
                let e = if c.null() { None } else { Some(c.raw()?) };
                set_once(&mut err, e)
            }
            "logs" => {
                let l = if c.null() { None } else { Some(c.lines()?) };
                set_once(&mut logs, l)
            }
            // An account's fields: the general path reads them.
            "lamports" | "owner" | "data" | "executable" | "rentEpoch" | "space" | "pubkey"
            | "account" => None,
            _ => c.skip_value(0),
        })?;
        Some((signature?, err.flatten(), logs.flatten()))
    }

    fn lines(&mut self) -> Option<Vec<Cow<'a, str>>> {
        let mut lines = Vec::with_capacity(LOG_LINES);
        self.array(|c| {
            lines.push(Cow::Borrowed(c.plain_str()?));
            Some(())
        })?;
        Some(lines)
    }
}

/// A logs value: signature, error, log lines.
type LogsValue<'a> = (&'a str, Option<&'a RawValue>, Option<Vec<Cow<'a, str>>>);

#[cfg(test)]
mod tests;
