//! Choosing the fee recipient and the buyback fee recipient of one trade. pump.fun asks senders
//! to spread their trades over each set of 8 (docs/protocol.md §1.4.2; §1.7 item 8), so every
//! transaction names a member drawn at random. The caller brings the random number: this crate
//! stays deterministic, and free of an RNG dependency the hot path already has elsewhere.

use solana_pubkey::Pubkey;

use crate::ids::{FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS};

/// The set a coin's `fee_recipient` must come from: the reserved one for mayhem-mode coins
/// (a normal recipient there fails with 6000 NotAuthorized, docs/protocol.md §1.7), else the normal one.
pub fn fee_recipient_set(is_mayhem_mode: bool) -> &'static [Pubkey; 8] {
    if is_mayhem_mode {
        &RESERVED_FEE_RECIPIENTS
    } else {
        &FEE_RECIPIENTS
    }
}

/// The member of `set` that `random` (any u64 from the caller's generator) selects. It takes the
/// high bits (multiply-shift) rather than `random % N`, so a generator with weak low bits still
/// spreads evenly; for a set of 8 every member gets exactly 1/8 of the u64 range.
pub fn pick<const N: usize>(set: &[Pubkey; N], random: u64) -> Pubkey {
    const { assert!(N > 0, "an empty set has nothing to pick") };
    let index = ((u128::from(random) * N as u128) >> 64) as usize;
    set[index]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::BUYBACK_FEE_RECIPIENTS;

    #[test]
    fn the_whole_u64_range_maps_onto_the_set_in_order() {
        assert_eq!(pick(&FEE_RECIPIENTS, 0), FEE_RECIPIENTS[0]);
        assert_eq!(pick(&FEE_RECIPIENTS, u64::MAX), FEE_RECIPIENTS[7]);
        let eighth = u64::MAX / 8 + 1;
        for (i, want) in BUYBACK_FEE_RECIPIENTS.iter().enumerate() {
            let start = eighth * i as u64;
            assert_eq!(
                pick(&BUYBACK_FEE_RECIPIENTS, start),
                *want,
                "start of slice {i}"
            );
            assert_eq!(
                pick(&BUYBACK_FEE_RECIPIENTS, start + (eighth - 1)),
                *want,
                "end of slice {i}"
            );
        }
    }

    #[test]
    fn a_counter_visits_every_member_equally_often() {
        // A weak generator (consecutive multiples of a large odd constant) must still cover
        // the set evenly.
        let mut counts = [0u32; 8];
        for i in 0..8_000u64 {
            let r = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let chosen = pick(&FEE_RECIPIENTS, r);
            let at = FEE_RECIPIENTS.iter().position(|k| *k == chosen).unwrap();
            counts[at] += 1;
        }
        assert!(
            counts.iter().all(|c| (900..=1_100).contains(c)),
            "{counts:?}"
        );
    }

    #[test]
    fn mayhem_coins_pay_the_reserved_set() {
        assert_eq!(fee_recipient_set(true), &RESERVED_FEE_RECIPIENTS);
        assert_eq!(fee_recipient_set(false), &FEE_RECIPIENTS);
    }

    #[test]
    fn the_three_sets_hold_24_distinct_addresses() {
        let mut all: Vec<Pubkey> = FEE_RECIPIENTS
            .iter()
            .chain(&RESERVED_FEE_RECIPIENTS)
            .chain(&BUYBACK_FEE_RECIPIENTS)
            .copied()
            .collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 24);
    }
}
