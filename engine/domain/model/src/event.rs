//! What the feeds hand the strategy thread: owned, fixed-size events (no heap), so moving one
//! through a channel costs a copy and nothing is allocated or freed per event downstream.

use kestrel_units::{Bps, QuoteAmount, TokenAmount};
use solana_pubkey::Pubkey;

use crate::{Launch, Quote, Timestamp, TokenProgram};

/// A short string held inline, cut at a character boundary if longer than `N` bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InlineStr<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> InlineStr<N> {
    pub fn new(s: &str) -> Self {
        let mut end = s.len().min(N).min(usize::from(u8::MAX));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; N];
        if let (Some(dst), Some(src)) = (bytes.get_mut(..end), s.as_bytes().get(..end)) {
            dst.copy_from_slice(src);
        }
        Self {
            len: end as u8,
            bytes,
        }
    }

    pub fn as_str(&self) -> &str {
        let b = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Built from a &str cut at a char boundary, so always UTF-8.
        std::str::from_utf8(b).unwrap_or_default()
    }
}

impl<const N: usize> Default for InlineStr<N> {
    fn default() -> Self {
        Self::new("")
    }
}

impl<const N: usize> std::fmt::Debug for InlineStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> std::fmt::Display for InlineStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transaction signature as the feed printed it (base58, at most 88 characters): the key
/// for deduplication across feeds, compared without decoding.
pub type SignatureText = InlineStr<88>;

/// A new coin, as decoded from its create transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaunchEvent {
    pub signature: SignatureText,
    pub slot: u64,
    pub mint: Pubkey,
    /// What the curve is priced in (from the CreateEvent's `quote_mint`).
    pub quote: Quote,
    pub bonding_curve: Pubkey,
    pub creator: Pubkey,
    /// Metaplex caps names at 32 bytes and symbols at 10; room to spare for odd ones.
    pub name: InlineStr<64>,
    pub symbol: InlineStr<32>,
    pub token_program: TokenProgram,
    pub is_mayhem_mode: bool,
    pub is_cashback: bool,
    pub virtual_token_reserves: TokenAmount,
    pub virtual_quote_reserves: QuoteAmount,
    pub real_token_reserves: TokenAmount,
    pub real_quote_reserves: QuoteAmount,
    pub token_total_supply: TokenAmount,
    pub creator_buy: Option<QuoteAmount>,
    pub seen_at: Timestamp,
}

impl LaunchEvent {
    /// The view the sniper decides on.
    pub fn as_launch(&self) -> Launch<'_> {
        Launch {
            mint: self.mint,
            quote: self.quote,
            bonding_curve: self.bonding_curve,
            creator: self.creator,
            name: self.name.as_str(),
            symbol: self.symbol.as_str(),
            token_program: self.token_program,
            is_mayhem_mode: self.is_mayhem_mode,
            is_cashback: self.is_cashback,
            virtual_token_reserves: self.virtual_token_reserves,
            virtual_quote_reserves: self.virtual_quote_reserves,
            real_token_reserves: self.real_token_reserves,
            token_total_supply: self.token_total_supply,
            creator_buy: self.creator_buy,
            seen_at: self.seen_at,
        }
    }
}

/// A buy or sell on a bonding curve, as the engine sees it: owned, from the program's
/// TradeEvent (`kestrel_decode::pump::TradeEvent`, which borrows the frame), with the
/// curve's reserves after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurveTrade {
    pub signature: SignatureText,
    pub slot: u64,
    pub mint: Pubkey,
    pub user: Pubkey,
    /// What the curve is priced in (the event's `quote_mint`; SOL before 2026-05).
    pub quote: Quote,
    pub is_buy: bool,
    /// What the curve took or paid, before fees.
    pub quote_amount: QuoteAmount,
    pub token_amount: TokenAmount,
    /// Protocol plus creator fee (plus cashback where reported).
    pub fees: QuoteAmount,
    /// The fee tier the trade was charged, (protocol, creator) in bps, as the event states it
    /// (the tier of the moment: tiered by market cap since 2025-09; `None` in older events).
    /// Added 2026-12-03.
    pub fee_bps: Option<(Bps, Bps)>,
    pub virtual_quote_reserves: QuoteAmount,
    pub virtual_token_reserves: TokenAmount,
    pub real_quote_reserves: QuoteAmount,
    pub real_token_reserves: TokenAmount,
    pub seen_at: Timestamp,
}

/// A bonding curve's state, from an account notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurveUpdate {
    pub bonding_curve: Pubkey,
    pub slot: u64,
    /// The curve's creator now (it can be delegated to a fee-sharing config since 2026-01;
    /// the creator vault a trade pays is derived from it). `None` for layouts before it.
    pub creator: Option<Pubkey>,
    /// What the curve is priced in (the account's `quote_mint`; SOL for layouts before it).
    pub quote: Quote,
    pub virtual_token_reserves: TokenAmount,
    pub virtual_quote_reserves: QuoteAmount,
    pub real_token_reserves: TokenAmount,
    pub real_quote_reserves: QuoteAmount,
    pub complete: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_strings_cut_at_char_boundaries() {
        assert_eq!(InlineStr::<4>::new("abcdef").as_str(), "abcd");
        // "é" is two bytes; a cut inside it falls back to the boundary before it.
        assert_eq!(InlineStr::<4>::new("abcé").as_str(), "abc");
        assert_eq!(InlineStr::<8>::new("").as_str(), "");
        assert_eq!(InlineStr::<300>::new(&"x".repeat(400)).as_str().len(), 255);
    }
}
