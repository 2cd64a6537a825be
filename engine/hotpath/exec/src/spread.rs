//! Cheap randomness for spreading load, not for secrets: which Jito tip account a bundle
//! pays and which of pump.fun's fee recipients a trade names (both publish sets so that
//! write locks spread across them; docs/protocol.md §4, §1.7 item 8).

use std::sync::atomic::{AtomicU64, Ordering};

use kestrel_model::mono_nanos;

/// A well-mixed u64: splitmix64 over a counter and the clock, so no two calls in a row
/// collide and nothing on the hot path waits for the OS.
pub fn spread_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let z = mono_nanos().wrapping_add(
        COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    mix(z)
}

/// splitmix64's finaliser: every input bit reaches every output bit.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_in_a_row_differ() {
        let a = spread_u64();
        let b = spread_u64();
        assert_ne!(a, b);
    }
}
