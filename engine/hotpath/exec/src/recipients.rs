//! Fee recipients: the three sets pump.fun's Global account lists (normal, reserved for mayhem
//! coins, buyback), one of each drawn at random for every transaction, as pump.fun asks of
//! clients so that throughput spreads across them (docs/protocol.md §1.4.2, §1.7 item 8). The
//! published sets are compiled in; the engine reads Global on start and at every refresh and
//! swaps in what the program holds when it changes, so a rotation of recipients does not
//! turn every trade into a `NotAuthorized (6000)`.

use std::sync::{Arc, RwLock};

use kestrel_decode::account::Global;
use kestrel_pump::fee_recipient;
use kestrel_pump::ids::{BUYBACK_FEE_RECIPIENTS, FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS};
use solana_pubkey::Pubkey;

/// The three sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeRecipients {
    pub normal: [Pubkey; 8],
    /// Mayhem-mode coins pay one of these.
    pub reserved: [Pubkey; 8],
    pub buyback: [Pubkey; 8],
}

/// The sets in force: the refresher writes, the execution thread reads one per order.
pub type SharedRecipients = Arc<RwLock<FeeRecipients>>;

impl FeeRecipients {
    /// pump.fun's published sets (docs/protocol.md §1.4.2).
    pub const PUBLISHED: Self = Self {
        normal: FEE_RECIPIENTS,
        reserved: RESERVED_FEE_RECIPIENTS,
        buyback: BUYBACK_FEE_RECIPIENTS,
    };

    /// The sets a decoded Global account names: its first recipient and the seven after it,
    /// likewise the reserved ones, and the buyback eight. `None` for a layout from before the
    /// 2026 sets (the caller keeps what it has).
    pub fn of_global(g: &Global) -> Option<Self> {
        let eight = |first: Pubkey, rest: [Pubkey; 7]| {
            let mut all = [first; 8];
            all[1..].copy_from_slice(&rest);
            all
        };
        Some(Self {
            normal: eight(g.fee_recipient, g.fee_recipients?),
            reserved: eight(g.reserved_fee_recipient?, g.reserved_fee_recipients?),
            buyback: g.buyback_fee_recipients?,
        })
    }

    /// A fee recipient from the set the coin's kind pays and a buyback recipient, chosen by
    /// `random` (two independent halves of it).
    pub fn draw(&self, is_mayhem: bool, random: u64) -> (Pubkey, Pubkey) {
        let set = if is_mayhem {
            &self.reserved
        } else {
            &self.normal
        };
        (
            fee_recipient::pick(set, random),
            fee_recipient::pick(&self.buyback, random.rotate_left(32)),
        )
    }

    /// The published sets, shared.
    pub fn shared() -> SharedRecipients {
        Arc::new(RwLock::new(Self::PUBLISHED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_spread_over_every_member_of_the_right_sets() {
        let sets = FeeRecipients::PUBLISHED;
        let mut seen = std::collections::HashSet::new();
        let mut bought_back = std::collections::HashSet::new();
        for i in 0..4_000u64 {
            let (fee, back) = sets.draw(false, crate::spread::mix(i));
            assert!(FEE_RECIPIENTS.contains(&fee));
            assert!(BUYBACK_FEE_RECIPIENTS.contains(&back));
            seen.insert(fee);
            bought_back.insert(back);
            let (reserved, _) = sets.draw(true, crate::spread::mix(i));
            assert!(RESERVED_FEE_RECIPIENTS.contains(&reserved));
        }
        assert_eq!((seen.len(), bought_back.len()), (8, 8));
    }

    #[test]
    fn the_sets_come_from_global_when_it_holds_them() {
        // The local cluster's Global, laid out as mainnet's: it holds the published sets.
        let data = kestrel_sim::ledger::genesis::global_account_data();
        let global = kestrel_decode::account::decode_global(&data).unwrap();
        let sets = FeeRecipients::of_global(&global).unwrap();
        let sorted = |mut v: [Pubkey; 8]| {
            v.sort();
            v
        };
        assert_eq!(sorted(sets.normal), sorted(FEE_RECIPIENTS));
        assert_eq!(sorted(sets.reserved), sorted(RESERVED_FEE_RECIPIENTS));
        assert_eq!(sorted(sets.buyback), sorted(BUYBACK_FEE_RECIPIENTS));
        // A rotation: the new first recipient is what is drawn from.
        let key = Pubkey::new_from_array([7; 32]);
        let rotated = Global {
            fee_recipient: key,
            ..global.clone()
        };
        assert_eq!(FeeRecipients::of_global(&rotated).unwrap().normal[0], key);
        // A Global from before the sets: nothing to take.
        let old = Global {
            buyback_fee_recipients: None,
            ..global
        };
        assert_eq!(FeeRecipients::of_global(&old), None);
    }
}
