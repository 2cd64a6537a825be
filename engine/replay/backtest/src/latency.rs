//! The latency model: how many slots after the event that made it an order lands. One value
//! or several (each equally likely), from config or measured from a capture the engine
//! recorded while trading (its own buys: the slot each landed in, less its launch's slot).
//! Each order draws from its id and mint, so a run's draws are the same every time.

// Keyed per process, and faster than SipHash on the 32-byte keys every event looks up.
use foldhash::HashMap;

use kestrel_feed::{FeedEvent, Stamped};
use solana_pubkey::Pubkey;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latency {
    /// Sorted, never empty.
    slots: Vec<u64>,
}

impl Latency {
    /// `None` for an empty list.
    pub fn new(mut slots: Vec<u64>) -> Option<Self> {
        if slots.is_empty() {
            return None;
        }
        slots.sort_unstable();
        Some(Self { slots })
    }

    /// The slots an order lands after.
    pub fn draw(&self, order: u64, mint: &Pubkey) -> u64 {
        let i = usize::try_from(mix(order, mint) % self.slots.len() as u64).unwrap_or(0);
        self.slots.get(i).copied().unwrap_or(0)
    }

    /// The fewest and most slots an order can take: the window its fill's error spans.
    pub fn window(&self) -> (u64, u64) {
        (
            self.slots.first().copied().unwrap_or(0),
            self.slots.last().copied().unwrap_or(0),
        )
    }

    pub fn slots(&self) -> &[u64] {
        &self.slots
    }
}

/// A draw in 0..u64::MAX from an order and its mint (splitmix64 over both).
pub(crate) fn mix(order: u64, mint: &Pubkey) -> u64 {
    let b = mint.to_bytes();
    let mut head = [0u8; 8];
    head.copy_from_slice(&b[..8]);
    let mut z = order ^ u64::from_le_bytes(head);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Measures the recording engine's buys: for each mint, the slot of `wallet`'s first buy
/// less the slot of its launch.
#[derive(Debug, Default)]
pub struct Measure {
    wallet: Pubkey,
    launched: HashMap<Pubkey, u64>,
    pub(crate) measured: Vec<u64>,
}

impl Measure {
    pub fn new(wallet: Pubkey) -> Self {
        Self {
            wallet,
            ..Self::default()
        }
    }

    pub fn observe(&mut self, s: &Stamped) {
        match &s.event {
            FeedEvent::Launch(l) => {
                self.launched.insert(l.mint, l.slot);
            }
            FeedEvent::Trade(t) if t.user == self.wallet && t.is_buy => {
                if let Some(launch) = self.launched.remove(&t.mint) {
                    self.measured.push(t.slot.saturating_sub(launch));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_order_draws_the_same_latency_every_time_and_all_values_are_drawn() {
        let l = Latency::new(vec![2, 0, 1]).unwrap();
        assert_eq!(l.window(), (0, 2));
        let mint = Pubkey::new_from_array([7; 32]);
        let draws: Vec<u64> = (1..=300).map(|o| l.draw(o, &mint)).collect();
        assert_eq!(
            draws,
            (1..=300).map(|o| l.draw(o, &mint)).collect::<Vec<_>>()
        );
        for v in [0, 1, 2] {
            let n = draws.iter().filter(|d| **d == v).count();
            assert!((60..=140).contains(&n), "{v} drawn {n} times of 300");
        }
        assert!(Latency::new(vec![]).is_none());
    }
}
