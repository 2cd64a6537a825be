//! Program-derived addresses of the pump.fun program (docs/protocol.md §1.3). Derivation costs a few
//! sha256 rounds and curve checks, so the hot path derives ahead of time and caches.

use sha2::{Digest, Sha256};
use solana_pubkey::Pubkey;

use crate::oncurve;

use crate::ids::{
    ASSOCIATED_TOKEN_PROGRAM, METAPLEX_METADATA_PROGRAM, PUMP_FEES_PROGRAM, PUMP_PROGRAM,
};

/// `Pubkey::find_program_address`, with [`oncurve::is_on_curve`] in place of a point
/// decompression: the same address and bump, several times faster.
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> (Pubkey, u8) {
    for bump in (0..=u8::MAX).rev() {
        let mut h = Sha256::new();
        for s in seeds {
            h.update(s);
        }
        h.update([bump]);
        h.update(program_id.as_ref());
        h.update(b"ProgramDerivedAddress");
        let hash: [u8; 32] = h.finalize().into();
        if !oncurve::is_on_curve(&hash) {
            return (Pubkey::new_from_array(hash), bump);
        }
    }
    // Every bump on the curve has probability 2^-256; answer as the reference does.
    Pubkey::find_program_address(seeds, program_id)
}

fn pump_pda(seeds: &[&[u8]]) -> Pubkey {
    find_program_address(seeds, &PUMP_PROGRAM).0
}

/// `["global"]`.
pub fn global() -> Pubkey {
    pump_pda(&[b"global"])
}

/// `["mint-authority"]`.
pub fn mint_authority() -> Pubkey {
    pump_pda(&[b"mint-authority"])
}

/// `["__event_authority"]`.
pub fn event_authority() -> Pubkey {
    pump_pda(&[b"__event_authority"])
}

/// `["bonding-curve", mint]`.
pub fn bonding_curve(mint: &Pubkey) -> Pubkey {
    pump_pda(&[b"bonding-curve", mint.as_ref()])
}

/// `["bonding-curve-v2", mint]`, passed as a remaining account to buys and sells.
pub fn bonding_curve_v2(mint: &Pubkey) -> Pubkey {
    pump_pda(&[b"bonding-curve-v2", mint.as_ref()])
}

/// `["creator-vault", creator]`, where `creator` is the bonding curve's creator field.
pub fn creator_vault(creator: &Pubkey) -> Pubkey {
    pump_pda(&[b"creator-vault", creator.as_ref()])
}

/// `["global_volume_accumulator"]`.
pub fn global_volume_accumulator() -> Pubkey {
    pump_pda(&[b"global_volume_accumulator"])
}

/// `["user_volume_accumulator", user]`.
pub fn user_volume_accumulator(user: &Pubkey) -> Pubkey {
    pump_pda(&[b"user_volume_accumulator", user.as_ref()])
}

/// `["fee_config", pump program id]` under the fee program.
pub fn fee_config() -> Pubkey {
    find_program_address(&[b"fee_config", PUMP_PROGRAM.as_ref()], &PUMP_FEES_PROGRAM).0
}

/// `["sharing-config", mint]` under the fee program (v2 instructions).
pub fn sharing_config(mint: &Pubkey) -> Pubkey {
    find_program_address(&[b"sharing-config", mint.as_ref()], &PUMP_FEES_PROGRAM).0
}

/// Metaplex metadata of `mint`: `["metadata", metadata program, mint]` under Metaplex.
pub fn metadata(mint: &Pubkey) -> Pubkey {
    find_program_address(
        &[
            b"metadata",
            METAPLEX_METADATA_PROGRAM.as_ref(),
            mint.as_ref(),
        ],
        &METAPLEX_METADATA_PROGRAM,
    )
    .0
}

/// The associated token account of `owner` for `mint` under `token_program` (SPL or 2022).
pub fn associated_token_address(owner: &Pubkey, token_program: &Pubkey, mint: &Pubkey) -> Pubkey {
    find_program_address(
        &[owner.as_ref(), token_program.as_ref(), mint.as_ref()],
        &ASSOCIATED_TOKEN_PROGRAM,
    )
    .0
}

/// The bonding curve's own token account: ATA(bonding_curve, token_program, mint).
pub fn associated_bonding_curve(
    bonding_curve: &Pubkey,
    token_program: &Pubkey,
    mint: &Pubkey,
) -> Pubkey {
    associated_token_address(bonding_curve, token_program, mint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    fn key(s: &str) -> Pubkey {
        s.parse().unwrap()
    }

    // Vectors: tests/fixtures/pump/test_vectors.json, checked against real mainnet addresses.
    #[test]
    fn fixed_pdas_match_the_published_addresses() {
        assert_eq!(global(), ids::GLOBAL);
        assert_eq!(mint_authority(), ids::MINT_AUTHORITY);
        assert_eq!(event_authority(), ids::EVENT_AUTHORITY);
        assert_eq!(global_volume_accumulator(), ids::GLOBAL_VOLUME_ACCUMULATOR);
        assert_eq!(fee_config(), ids::FEE_CONFIG);
    }

    #[test]
    fn bonding_curves_match_real_mints() {
        for (mint, curve) in [
            (
                "5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump",
                "BCXjZiGzrvWTkur2gQaNHQ61rS7XPJdqgPEe9Hmc2Nc7",
            ),
            (
                "42pHP3TzLVX7Egx8zBwidnAFB4vUR9tzGgZssyGspump",
                "8t4tkjQkH3ArH2zmUVKmFbCUE1pHyCDq4Ac2ojbMh1wh",
            ),
            (
                "DJVY8fE3nQrCuxf4BwdN27Yn44VUoHTB8gzt97t7mGkK",
                "DzZdVzD9DEf3JoTatnp8qp5PKoQ9u8jK2RnzdsHZKDLe",
            ),
        ] {
            assert_eq!(bonding_curve(&key(mint)), key(curve), "mint {mint}");
        }
    }

    #[test]
    fn derived_accounts_of_the_hawk_launch() {
        let mint = key("5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump");
        let creator = key("59avokLQc2im3rRJ7e4sbFz7h8grjYcYNBh62Ln2JQm6");
        let curve = bonding_curve(&mint);
        assert_eq!(
            bonding_curve_v2(&mint),
            key("6ZTQwYLvhxUWMgwdWYc8kcTtSycRUFZjJhRse29Ls9xv")
        );
        assert_eq!(
            associated_bonding_curve(&curve, &ids::TOKEN_PROGRAM, &mint),
            key("M2wP9aFevwfpvcFgXwgZdMR5B7Xn35xqwwoydx5kwJj")
        );
        assert_eq!(
            creator_vault(&creator),
            key("GH6nk7xQGxYY99XQXhD9iaYXYsaRe9wAH8K1nNdx9Z9s")
        );
        assert_eq!(
            user_volume_accumulator(&creator),
            key("D2mHdA6hfhJfPprCAKjRb26o35FYzU3fE4fbfzvVaKNi")
        );
    }

    #[test]
    fn token_program_changes_the_associated_account() {
        let mint = key("5u3NGXb5gLnMJ48sin9gPcuYKhPeo3dc4njRTys1pump");
        let curve = bonding_curve(&mint);
        assert_ne!(
            associated_bonding_curve(&curve, &ids::TOKEN_PROGRAM, &mint),
            associated_bonding_curve(&curve, &ids::TOKEN_2022_PROGRAM, &mint)
        );
    }
}

#[cfg(test)]
mod fast_derivation_tests {
    use super::*;

    #[test]
    fn the_fast_derivation_finds_the_reference_address_and_bump() {
        for i in 0u64..3_000 {
            let mut b = [0u8; 32];
            b[..8].copy_from_slice(&i.to_le_bytes());
            b[31] = 0x5a;
            let key = Pubkey::new_from_array(b);
            for (seeds, program) in [
                (
                    vec![b"bonding-curve".as_slice(), key.as_ref()],
                    PUMP_PROGRAM,
                ),
                (
                    vec![b"creator-vault".as_slice(), key.as_ref()],
                    PUMP_PROGRAM,
                ),
                (
                    vec![
                        key.as_ref(),
                        crate::ids::TOKEN_PROGRAM.as_ref(),
                        key.as_ref(),
                    ],
                    ASSOCIATED_TOKEN_PROGRAM,
                ),
            ] {
                assert_eq!(
                    find_program_address(&seeds, &program),
                    Pubkey::find_program_address(&seeds, &program),
                    "seeds for key {i}"
                );
            }
        }
    }
}
