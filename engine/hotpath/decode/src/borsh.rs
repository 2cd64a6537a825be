//! A bounds-checked Borsh cursor over borrowed bytes. Strings come back as `&str` into the
//! buffer; nothing is copied but fixed-size integers and 32-byte keys.

use solana_pubkey::Pubkey;

use crate::{DecodeError, ErrorKind};

#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Set once an optional fixed-size field did not fit: every later field is absent too.
    stopped: bool,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            stopped: false,
        }
    }

    /// Byte offset of the next read.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn err(&self, kind: ErrorKind) -> DecodeError {
        DecodeError::new(kind, self.pos)
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.buf.len());
        match end.and_then(|end| self.buf.get(self.pos..end).map(|s| (s, end))) {
            Some((slice, end)) => {
                self.pos = end;
                Ok(slice)
            }
            None => Err(self.err(ErrorKind::Truncated {
                what,
                need: n,
                have: self.remaining(),
            })),
        }
    }

    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let slice = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    /// Borsh bools are exactly 0 or 1; anything else means the layout is not what we think.
    pub fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(DecodeError::new(ErrorKind::InvalidBool { what, value }, at)),
        }
    }

    pub fn pubkey(&mut self, what: &'static str) -> Result<Pubkey, DecodeError> {
        Ok(Pubkey::new_from_array(self.array(what)?))
    }

    /// A Borsh string: u32 length, then UTF-8 bytes, borrowed from the buffer. Errors point at
    /// the length prefix, where the field starts.
    pub fn str(&mut self, what: &'static str) -> Result<&'a str, DecodeError> {
        let start = self.pos;
        let len = self.u32(what)? as usize;
        let at = self.pos;
        let bytes = self.take(len, what).map_err(|mut e| {
            e.offset = start;
            e
        })?;
        std::str::from_utf8(bytes)
            .map_err(|_| DecodeError::new(ErrorKind::InvalidUtf8 { what }, at))
    }

    /// A Borsh `Vec<T>` of fixed-size elements, borrowed whole: u32 count, then the elements.
    pub fn vec_bytes(
        &mut self,
        elem_size: usize,
        what: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        let count = self.u32(what)? as usize;
        let len = count.checked_mul(elem_size).ok_or_else(|| {
            self.err(ErrorKind::Truncated {
                what,
                need: usize::MAX,
                have: self.remaining(),
            })
        })?;
        self.take(len, what)
    }

    /// Reads a field appended in a later layout. `None` once the buffer ends, and also when the
    /// field does not fit whole: the bytes left are then from a layout newer than ours (or
    /// padding), not a field we know, and every later field is absent too. Only a value that is
    /// present and wrong (a bool of 2, bad UTF-8) is an error.
    pub fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if self.stopped || self.is_empty() {
            self.stopped = true;
            return Ok(None);
        }
        let start = self.pos;
        match read(self) {
            Ok(v) => Ok(Some(v)),
            Err(DecodeError {
                kind: ErrorKind::Truncated { .. },
                ..
            }) => {
                self.pos = start;
                self.stopped = true;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_tracks_position() {
        let bytes = [1u8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u16("a").unwrap(), 1);
        assert_eq!(r.u64("b").unwrap(), 2);
        assert!(r.bool("c").unwrap());
        assert!(r.is_empty());
        assert_eq!(r.position(), 11);
    }

    #[test]
    fn truncation_names_the_field_and_offset() {
        let mut r = Reader::new(&[0u8; 5]);
        r.u8("first").unwrap();
        let err = r.u64("amount").unwrap_err();
        assert_eq!(err.offset, 1);
        assert_eq!(
            err.kind,
            ErrorKind::Truncated {
                what: "amount",
                need: 8,
                have: 4
            }
        );
        assert_eq!(
            err.to_string(),
            "amount truncated: needs 8 bytes, 4 left at byte 1"
        );
    }

    #[test]
    fn strings_borrow_and_check_length_and_utf8() {
        let mut ok = vec![3, 0, 0, 0];
        ok.extend_from_slice(b"abc");
        assert_eq!(Reader::new(&ok).str("name").unwrap(), "abc");

        let huge = [255u8, 255, 255, 255, b'a'];
        assert!(matches!(
            Reader::new(&huge).str("name").unwrap_err().kind,
            ErrorKind::Truncated { .. }
        ));

        let bad = [2u8, 0, 0, 0, 0xff, 0xfe];
        let err = Reader::new(&bad).str("name").unwrap_err();
        assert_eq!(
            (err.kind, err.offset),
            (ErrorKind::InvalidUtf8 { what: "name" }, 4)
        );
    }

    #[test]
    fn bools_reject_other_bytes() {
        let err = Reader::new(&[2]).bool("flag").unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidBool {
                what: "flag",
                value: 2
            }
        );
    }

    #[test]
    fn a_field_that_does_not_fit_ends_the_layout() {
        // 3 bytes left: a 4-byte field is absent, and so is the 1-byte field after it; the
        // 3 bytes stay unread (trailing).
        let mut r = Reader::new(&[1, 1, 1]);
        assert_eq!(r.opt(|r| r.u32("wide")).unwrap(), None);
        assert_eq!(r.opt(|r| r.u8("narrow")).unwrap(), None);
        assert_eq!(r.remaining(), 3);
        // A string whose bytes run past the end is absent too.
        let mut r = Reader::new(&[9, 0, 0, 0, b'a']);
        assert_eq!(r.opt(|r| r.str("s")).unwrap(), None);
        // A value that is there but wrong is still an error.
        assert!(Reader::new(&[7]).opt(|r| r.bool("flag")).is_err());
    }

    #[test]
    fn vec_count_overflow_is_an_error_not_a_panic() {
        let bytes = [255u8, 255, 255, 255];
        assert!(Reader::new(&bytes).vec_bytes(usize::MAX / 2, "v").is_err());
    }
}
