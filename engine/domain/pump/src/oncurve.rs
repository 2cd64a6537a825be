//! Whether 32 bytes are the compressed form of a point on Curve25519 (Ed25519's Edwards form),
//! the test that makes a program-derived address valid (it must be off the curve).
//!
//! `solana-pubkey` asks curve25519-dalek to decompress the point, which takes a field square
//! root: about 250 squarings, ~6.7 µs here, twice per address on average. Only whether the
//! root exists matters, so this computes the Legendre symbol instead, with the binary Jacobi
//! algorithm on 256-bit integers (no secrets are involved, so it need not be constant-time).
//! Equivalence with dalek's `decompress().is_some()` is tested on a million random inputs
//! and the edge cases.
//!
//! For y (bit 255 is x's sign, ignored here as dalek ignores it for validity), the point
//! exists iff u/v is a square, u = y² − 1, v = d·y² + 1 (RFC 8032 §5.1.3). v is never zero
//! (−1/d is not a square), so u/v is a square iff u·v is (or u = 0).

type U256 = [u64; 4];

/// p = 2^255 − 19, little-endian limbs.
const P: U256 = [
    0xffff_ffff_ffff_ffed,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
];

/// d = −121665/121666 mod p (RFC 8032 §5.1).
const D: U256 = [
    0x75eb_4dca_1359_78a3,
    0x0070_0a4d_4141_d8ab,
    0x8cc7_4079_7779_e898,
    0x5203_6cee_2b6f_fe73,
];

fn geq(a: &U256, b: &U256) -> bool {
    for i in (0..4).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn sub_assign(a: &mut U256, b: &U256) {
    let mut borrow = 0u64;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        a[i] = d2;
        borrow = u64::from(b1 || b2);
    }
}

fn reduce_once(a: &mut U256) {
    while geq(a, &P) {
        sub_assign(a, &P);
    }
}

/// a·b mod p, both below p.
fn mul(a: &U256, b: &U256) -> U256 {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let cur = u128::from(t[i + j]) + u128::from(a[i]) * u128::from(b[j]) + carry;
            t[i + j] = cur as u64;
            carry = cur >> 64;
        }
        t[i + 4] = carry as u64;
    }
    // 2^256 ≡ 38 (mod p): fold the high half onto the low one.
    let mut r = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let cur = u128::from(t[i]) + u128::from(t[i + 4]) * 38 + carry;
        r[i] = cur as u64;
        carry = cur >> 64;
    }
    // The carry (< 39) is worth carry·38 again; its own carry-out is at most 1.
    let mut extra = carry * 38;
    let mut i = 0;
    while extra != 0 && i < 4 {
        let cur = u128::from(r[i]) + extra;
        r[i] = cur as u64;
        extra = cur >> 64;
        i += 1;
    }
    if extra != 0 {
        // Wrapped past 2^256 once more: worth 38, and r is now tiny.
        r[0] += 38;
    }
    reduce_once(&mut r);
    r
}

fn is_zero(a: &U256) -> bool {
    a.iter().all(|&l| l == 0)
}

/// A 256-bit integer as two u128 halves: the Jacobi loop's subtractions, shifts and
/// comparisons become a few native instructions each.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Wide {
    hi: u128,
    lo: u128,
}

impl Wide {
    fn from_limbs(a: &U256) -> Self {
        Self {
            hi: (u128::from(a[3]) << 64) | u128::from(a[2]),
            lo: (u128::from(a[1]) << 64) | u128::from(a[0]),
        }
    }

    fn is_zero(self) -> bool {
        self.hi == 0 && self.lo == 0
    }

    fn trailing_zeros(self) -> u32 {
        if self.lo != 0 {
            self.lo.trailing_zeros()
        } else {
            128 + self.hi.trailing_zeros()
        }
    }

    fn shr(self, n: u32) -> Self {
        match n {
            0 => self,
            1..=127 => Self {
                hi: self.hi >> n,
                lo: (self.lo >> n) | (self.hi << (128 - n)),
            },
            128..=255 => Self {
                hi: 0,
                lo: self.hi >> (n - 128),
            },
            _ => Self { hi: 0, lo: 0 },
        }
    }

    /// self − other, for self ≥ other.
    fn sub(self, other: Self) -> Self {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        Self {
            hi: self
                .hi
                .wrapping_sub(other.hi)
                .wrapping_sub(u128::from(borrow)),
            lo,
        }
    }
}

/// The Jacobi symbol (a/n) for odd n, by the binary algorithm: strip factors of two with
/// (2/n), swap with quadratic reciprocity so that a ≥ n, subtract. Once both fit in 128 bits
/// the loop continues on native integers.
fn jacobi(a: U256, n: U256) -> i8 {
    let (mut a, mut n) = (Wide::from_limbs(&a), Wide::from_limbs(&n));
    let mut t = 1i8;
    while !a.is_zero() {
        if a.hi == 0 && n.hi == 0 {
            return jacobi_u128(a.lo, n.lo, t);
        }
        let tz = a.trailing_zeros();
        if tz > 0 {
            a = a.shr(tz);
            // (2/n) = −1 iff n ≡ 3, 5 (mod 8).
            let r = n.lo & 7;
            if tz & 1 == 1 && (r == 3 || r == 5) {
                t = -t;
            }
        }
        if a < n {
            std::mem::swap(&mut a, &mut n);
            // Quadratic reciprocity for odd a, n.
            if a.lo & 3 == 3 && n.lo & 3 == 3 {
                t = -t;
            }
        }
        // a ≥ n, both odd: a − n is even and ≡ a (mod n).
        a = a.sub(n);
    }
    if n == (Wide { hi: 0, lo: 1 }) { t } else { 0 }
}

fn jacobi_u128(mut a: u128, mut n: u128, mut t: i8) -> i8 {
    while a != 0 {
        let tz = a.trailing_zeros();
        a >>= tz;
        let r = n & 7;
        if tz & 1 == 1 && (r == 3 || r == 5) {
            t = -t;
        }
        if a < n {
            std::mem::swap(&mut a, &mut n);
            if a & 3 == 3 && n & 3 == 3 {
                t = -t;
            }
        }
        a -= n;
    }
    if n == 1 { t } else { 0 }
}

/// True if `bytes` decompress to a point on the curve (what `decompress().is_some()` says).
pub fn is_on_curve(bytes: &[u8; 32]) -> bool {
    let mut y = [0u64; 4];
    for (i, limb) in y.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        *limb = u64::from_le_bytes(w);
    }
    // Bit 255 is the sign of x; y is read mod p (non-canonical encodings are accepted).
    y[3] &= 0x7fff_ffff_ffff_ffff;
    reduce_once(&mut y);
    let yy = mul(&y, &y);
    let mut u = yy;
    if is_zero(&u) {
        u = P;
    }
    sub_assign(&mut u, &[1, 0, 0, 0]);
    if is_zero(&u) {
        // y = ±1: x = 0 is on the curve.
        return true;
    }
    let mut v = mul(&D, &yy);
    // + 1 (mod p)
    let mut carry = 1u64;
    for l in v.iter_mut() {
        let (s, c) = l.overflowing_add(carry);
        *l = s;
        carry = u64::from(c);
        if carry == 0 {
            break;
        }
    }
    reduce_once(&mut v);
    jacobi(mul(&u, &v), P) == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use proptest::prelude::*;

    fn dalek(bytes: &[u8; 32]) -> bool {
        CompressedEdwardsY(*bytes).decompress().is_some()
    }

    #[test]
    fn agrees_with_dalek_on_the_edge_cases() {
        let mut cases: Vec<[u8; 32]> = Vec::new();
        let from_limbs = |l: U256| {
            let mut b = [0u8; 32];
            for (i, x) in l.iter().enumerate() {
                b[i * 8..i * 8 + 8].copy_from_slice(&x.to_le_bytes());
            }
            b
        };
        for l in [
            [0, 0, 0, 0],
            [1, 0, 0, 0],
            [2, 0, 0, 0],
            P,
            [P[0] + 1, P[1], P[2], P[3]],
            [P[0] - 1, P[1], P[2], P[3]],
            [u64::MAX, u64::MAX, u64::MAX, u64::MAX >> 1],
            [u64::MAX; 4],
            D,
        ] {
            let b = from_limbs(l);
            cases.push(b);
            let mut signed = b;
            signed[31] |= 0x80;
            cases.push(signed);
        }
        // p − 1 ≡ −1: y = −1.
        cases.push(from_limbs([P[0] - 1, P[1], P[2], P[3]]));
        for c in &cases {
            assert_eq!(is_on_curve(c), dalek(c), "{c:?}");
        }
    }

    #[test]
    fn agrees_with_dalek_on_many_hashes() {
        use sha2::{Digest, Sha256};
        let (mut on, mut off) = (0, 0);
        for i in 0u32..200_000 {
            let h: [u8; 32] = Sha256::digest(i.to_le_bytes()).into();
            let ours = is_on_curve(&h);
            assert_eq!(ours, dalek(&h), "input {i}");
            if ours { on += 1 } else { off += 1 }
        }
        // About half of all y values are on the curve.
        assert!(on > 90_000 && off > 90_000, "{on} / {off}");
    }

    #[test]
    fn multiplication_is_modular() {
        // (p−1)² ≡ 1.
        let m1 = [P[0] - 1, P[1], P[2], P[3]];
        assert_eq!(mul(&m1, &m1), [1, 0, 0, 0]);
        assert_eq!(mul(&D, &[1, 0, 0, 0]), D);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn agrees_with_dalek(bytes in proptest::array::uniform32(any::<u8>())) {
            prop_assert_eq!(is_on_curve(&bytes), dalek(&bytes));
        }
    }
}
