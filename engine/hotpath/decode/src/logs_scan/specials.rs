//! Where a JSON string's plain run ends: the quotes, backslashes and control bytes of the
//! frame, found 64 bytes at a time as a bit mask (SSE2 on x86_64, eight-byte words elsewhere)
//! and kept while the scanner reads inside that block. A log line's end is then a mask test
//! and a trailing-zero count, where a byte or word loop paid a loop and a mispredicted exit for
//! every line.

/// The mask of the aligned 64-byte block the scanner is in.
pub(super) struct Specials {
    /// Offset of the block (`usize::MAX`: none yet).
    at: usize,
    /// Bit `i` set: byte `at + i` is special.
    mask: u64,
}

impl Specials {
    pub(super) const fn new() -> Self {
        Self {
            at: usize::MAX,
            mask: 0,
        }
    }

    /// The first byte of `bytes` at or after `from` that ends or interrupts a JSON string's
    /// plain run: a quote, a backslash, or a control byte (which JSON forbids unescaped).
    #[inline]
    pub(super) fn first(&mut self, bytes: &[u8], mut from: usize) -> Option<usize> {
        while from < bytes.len() {
            let base = from & !63;
            if base != self.at {
                self.mask = block_mask(bytes, base);
                self.at = base;
            }
            let ahead = self.mask & (u64::MAX << (from - base));
            if ahead != 0 {
                return Some(base + ahead.trailing_zeros() as usize);
            }
            from = base + 64;
        }
        None
    }
}

/// The mask of `bytes[base..base + 64]`, a short last block padded with spaces.
fn block_mask(bytes: &[u8], base: usize) -> u64 {
    if let Some(whole) = bytes
        .get(base..base.saturating_add(64))
        .and_then(|b| <&[u8; 64]>::try_from(b).ok())
    {
        return mask(whole);
    }
    let mut block = [b' '; 64];
    let rest = bytes.get(base..).unwrap_or_default();
    if let Some(head) = block.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    mask(&block)
}

#[cfg(target_arch = "x86_64")]
fn mask(block: &[u8; 64]) -> u64 {
    #[allow(
        unsafe_code,
        reason = "calling a #[target_feature] function; SSE2 is in every x86_64 target's baseline"
    )]
    // SAFETY: the function needs SSE2 only, which every x86_64 CPU has.
    unsafe {
        sse2::mask(block)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn mask(block: &[u8; 64]) -> u64 {
    words_mask(block)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };

    /// Sixteen bytes at a time: equal to a quote, to a backslash, or at most 0x1F.
    #[target_feature(enable = "sse2")]
    pub(super) fn mask(block: &[u8; 64]) -> u64 {
        let quote = _mm_set1_epi8(0x22);
        let backslash = _mm_set1_epi8(0x5C);
        let control_max = _mm_set1_epi8(0x1F);
        let mut m = 0u64;
        for (k, half) in block.as_chunks::<8>().0.chunks_exact(2).enumerate() {
            let (Some(lo), Some(hi)) = (half.first(), half.get(1)) else {
                continue;
            };
            // Built from two words, which the compiler turns into one unaligned load.
            let v: __m128i = _mm_set_epi64x(i64::from_le_bytes(*hi), i64::from_le_bytes(*lo));
            let hits = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                // Unsigned max(v, 0x1F) == 0x1F exactly when v <= 0x1F.
                _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max),
            );
            let bits = u64::from(_mm_movemask_epi8(hits).cast_unsigned() & 0xFFFF);
            m |= bits << (16 * k);
        }
        m
    }
}

/// The same mask from eight-byte words, exact per byte (the classic zero-byte test is exact
/// only up to the first hit), each word's eight high bits gathered by one multiply.
#[cfg_attr(
    target_arch = "x86_64",
    allow(dead_code, reason = "the portable path, tested on every target")
)]
fn words_mask(block: &[u8; 64]) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7F; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // High bit of each byte of `v` that is zero.
    let zero = |v: u64| !((v & LOW7).wrapping_add(LOW7) | v) & HIGH;
    let mut m = 0u64;
    for (k, word) in block.as_chunks::<8>().0.iter().enumerate() {
        let w = u64::from_le_bytes(*word);
        // Below 0x20: adding 0x60 to the low seven bits stays below 0x80, and the high bit is
        // clear; no byte carries into the next.
        let control = !((w & LOW7).wrapping_add(ONES * 0x60) | w) & HIGH;
        let hits =
            zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) | control;
        // Bit 8j (byte j's flag) moves to bit 56 + j; the top byte then holds all eight.
        let gathered = (hits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        m |= gathered << (8 * k);
    }
    m
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn special(b: u8) -> bool {
        b == b'"' || b == b'\\' || b < 0x20
    }

    proptest! {
        /// Both ways of masking a block flag exactly the special bytes.
        #[test]
        fn block_masks_flag_exactly_the_special_bytes(
            block in prop::array::uniform32(
                prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), 0x1Fu8..=0x21, Just(0x80)],
            ),
            other in prop::array::uniform32(any::<u8>()),
        ) {
            let mut bytes = [0u8; 64];
            bytes[..32].copy_from_slice(&block);
            bytes[32..].copy_from_slice(&other);
            let naive = bytes
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &b)| m | (u64::from(special(b)) << i));
            prop_assert_eq!(mask(&bytes), naive);
            prop_assert_eq!(words_mask(&bytes), naive);
        }

        /// Every special byte is found, in order, by one scanner walking forward, and from any
        /// starting point by a fresh one.
        #[test]
        fn the_block_search_finds_every_special_byte_in_order(
            bytes in prop::collection::vec(
                prop_oneof![
                    4 => Just(b'a'),
                    1 => any::<u8>(),
                    1 => Just(b'"'),
                    1 => Just(b'\\'),
                    1 => 0x1Fu8..=0x21,
                ],
                0..300,
            ),
            from in 0usize..310,
        ) {
            let naive: Vec<usize> = (0..bytes.len()).filter(|&i| special(bytes[i])).collect();
            let mut walk = Specials::new();
            let mut found = Vec::new();
            let mut at = 0;
            while let Some(p) = walk.first(&bytes, at) {
                found.push(p);
                at = p + 1;
            }
            prop_assert_eq!(&found, &naive);
            let expected = naive.iter().copied().find(|&p| p >= from);
            prop_assert_eq!(Specials::new().first(&bytes, from), expected);
            // A scanner left further on still answers for an earlier point.
            prop_assert_eq!(walk.first(&bytes, from), expected);
        }
    }
}
