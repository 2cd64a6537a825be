//! The transactions Kestrel signs. A [`TradePlan`] holds every account of a trade on one mint,
//! derived locally (docs/protocol.md §1.4); the builders only copy keys. Messages are compiled by
//! solana-message and written to the wire format here, so the signed bytes and the
//! `sendTransaction` body come out of one pass.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use kestrel_model::{LaunchEvent, Quote, SignatureText, TokenProgram};
use kestrel_pump::curve::FeeRates;
use kestrel_pump::fee_recipient;
use kestrel_pump::ids::{BUYBACK_FEE_RECIPIENTS, TOKEN_PROGRAM, USDC_MINT, WSOL_MINT};
use kestrel_pump::instruction::{
    self as pump_ix, TradeAccounts, TradeInputs, V2Accounts, V2Inputs, ata_create_idempotent,
    set_compute_unit_limit, set_compute_unit_price,
};
use kestrel_pump::pda;
use kestrel_units::{Bps, Lamports, QuoteAmount, TokenAmount};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_message::{AddressLookupTableAccount, Message, v0};
use solana_pubkey::Pubkey;
use solana_signature::Signature;

use crate::nonce::Nonce;
use crate::wallet::Wallet;

/// Fee accounts and rates the trades use (from Global and the fee config; docs/protocol.md §1.4–1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSettings {
    pub rates: FeeRates,
}

impl Default for FeeSettings {
    fn default() -> Self {
        Self {
            // The bonding-curve tier: protocol 0.95 %, creator 0.30 % (docs/protocol.md §1.5).
            rates: FeeRates {
                protocol: Bps(95),
                creator: Bps(30),
            },
        }
    }
}

/// Compute budget of one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub cu_limit: u32,
    /// Micro-lamports per compute unit.
    pub cu_price: u64,
}

/// The accounts of a buy or sell on one mint, derived once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradePlan {
    pub accounts: TradeAccounts,
}

/// What the plan needs from the launch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintInfo {
    pub mint: Pubkey,
    /// What the coin is priced in: SOL coins trade with the v1 instructions, any other quote
    /// with the v2 ones.
    pub quote: Quote,
    /// From the CreateEvent: no need to derive it again.
    pub bonding_curve: Pubkey,
    pub creator: Pubkey,
    pub token_program: TokenProgram,
    pub is_cashback: bool,
    /// A mayhem-mode coin: its trades pay one of the reserved fee recipients.
    pub is_mayhem: bool,
}

impl MintInfo {
    /// Everything the plan needs, as the launch's CreateEvent announced it.
    pub fn of_launch(l: &LaunchEvent) -> Self {
        Self {
            mint: l.mint,
            quote: l.quote,
            bonding_curve: l.bonding_curve,
            creator: l.creator,
            token_program: l.token_program,
            is_cashback: l.is_cashback,
            is_mayhem: l.is_mayhem_mode,
        }
    }
}

/// The recipients a coin's plan is compiled with: one from the set the coin's kind pays
/// (normal, or reserved for mayhem coins) and a buyback recipient, picked by the mint mixed
/// with a salt drawn once per process, so a plan is the same however often it is derived
/// (warm from its launch's hint or cold at its order). Each transaction then draws its own
/// from the sets in force ([`crate::recipients`]) and patches them in.
pub fn pick_fee_recipients(mint: &Pubkey, is_mayhem: bool) -> (Pubkey, Pubkey) {
    static SALT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let salt = *SALT.get_or_init(crate::spread::spread_u64);
    let mut head = [0u8; 8];
    head.copy_from_slice(&mint.to_bytes()[..8]);
    let r = crate::spread::mix(u64::from_le_bytes(head) ^ salt);
    (
        fee_recipient::pick(fee_recipient::fee_recipient_set(is_mayhem), r),
        fee_recipient::pick(&BUYBACK_FEE_RECIPIENTS, r.rotate_left(32)),
    )
}

/// A trade's four instructions: the compute budget, an idempotent create of the token account
/// `ata` (of `user`, for `mint` under `program`), then the trade itself.
fn budgeted(
    b: Budget,
    user: &Pubkey,
    (ata, mint, program): (&Pubkey, &Pubkey, &Pubkey),
    trade: Instruction,
) -> [Instruction; 4] {
    [
        set_compute_unit_limit(b.cu_limit),
        set_compute_unit_price(b.cu_price),
        ata_create_idempotent(user, ata, user, mint, program),
        trade,
    ]
}

impl TradePlan {
    /// Derives the per-mint accounts: the curve's and the user's token accounts, the creator
    /// vault and bonding_curve_v2 (four PDA searches). The user's volume accumulator does not
    /// depend on the mint, so the caller passes it in, derived once.
    pub fn derive(user: Pubkey, user_volume_accumulator: Pubkey, m: MintInfo) -> Self {
        Self::derive_with_vault(
            user,
            user_volume_accumulator,
            m,
            pda::creator_vault(&m.creator),
        )
    }

    /// As [`TradePlan::derive`], with the creator's vault already known (it depends only on
    /// the creator, so a caller may keep it from an earlier launch).
    pub fn derive_with_vault(
        user: Pubkey,
        user_volume_accumulator: Pubkey,
        m: MintInfo,
        creator_vault: Pubkey,
    ) -> Self {
        let (fee_recipient, buyback_fee_recipient) = pick_fee_recipients(&m.mint, m.is_mayhem);
        let inputs = TradeInputs {
            mint: m.mint,
            user,
            creator: m.creator,
            token_program: m.token_program.id(),
            fee_recipient,
            buyback_fee_recipient,
            is_cashback_coin: m.is_cashback,
        };
        Self {
            accounts: TradeAccounts {
                inputs,
                bonding_curve: m.bonding_curve,
                associated_bonding_curve: pda::associated_bonding_curve(
                    &m.bonding_curve,
                    &inputs.token_program,
                    &m.mint,
                ),
                associated_user: pda::associated_token_address(
                    &user,
                    &inputs.token_program,
                    &m.mint,
                ),
                creator_vault,
                user_volume_accumulator,
                bonding_curve_v2: pda::bonding_curve_v2(&m.mint),
            },
        }
    }

    /// Compute budget, the user's token account (idempotent), then `buy_exact_sol_in`:
    /// spend `spend` lamports including fees for at least `min_tokens_out`.
    pub fn buy(&self, spend: Lamports, min_tokens_out: TokenAmount, b: Budget) -> [Instruction; 4] {
        let a = &self.accounts;
        let i = &a.inputs;
        budgeted(
            b,
            &i.user,
            (&a.associated_user, &i.mint, &i.token_program),
            pump_ix::buy_exact_sol_in(a, spend, min_tokens_out, true),
        )
    }

    /// [`TradePlan::buy`] compiled for this plan's user with its amounts and budget left to
    /// [`BuyTemplate::fill`]; `tip` (a Jito tip transfer) follows the buy when given.
    pub fn buy_template(&self, tip: Option<&Instruction>) -> BuyTemplate {
        let [limit, price, ata, buy] = self.buy(
            Lamports::ZERO,
            TokenAmount(0),
            Budget {
                cu_limit: 0,
                cu_price: 0,
            },
        );
        let mut ixs = vec![limit, price, ata, buy];
        ixs.extend(tip.cloned());
        let mut data_at = Vec::with_capacity(ixs.len());
        let compiled =
            Compiled::legacy_with_data(&self.accounts.inputs.user, &ixs, Some(&mut data_at));
        // Compiling keeps the instructions' order. Each compute budget instruction is its
        // number then its argument; `buy_exact_sol_in` is its discriminator, then the spend and
        // the minimum out (docs/protocol.md §1.4). The fee recipients are keys of the message,
        // drawn afresh for each transaction.
        let i = &self.accounts.inputs;
        BuyTemplate {
            cu_limit_at: data_at[0] + 1,
            cu_price_at: data_at[1] + 1,
            amounts_at: data_at[3] + 8,
            fee_recipient_at: compiled.key_at(&i.fee_recipient),
            buyback_at: compiled.key_at(&i.buyback_fee_recipient),
            compiled,
        }
    }

    /// The same coin paying other fee recipients (only the two keys change).
    pub fn with_recipients(mut self, (fee, buyback): (Pubkey, Pubkey)) -> Self {
        self.accounts.inputs.fee_recipient = fee;
        self.accounts.inputs.buyback_fee_recipient = buyback;
        self
    }

    /// Compute budget, then `sell` of `tokens` for at least `min_sol_out` after fees.
    pub fn sell(&self, tokens: TokenAmount, min_sol_out: Lamports, b: Budget) -> [Instruction; 3] {
        [
            set_compute_unit_limit(b.cu_limit),
            set_compute_unit_price(b.cu_price),
            pump_ix::sell(&self.accounts, tokens, min_sol_out),
        ]
    }
}

/// The accounts of a v2 trade on one coin, derived once: the plan for a coin quoted in anything
/// but SOL (docs/protocol.md §1.7), whose only instructions are the v2 family. SOL coins keep
/// the v1 [`TradePlan`], whose transactions are smaller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V2Plan {
    pub accounts: V2Accounts,
}

impl V2Plan {
    /// Derives every account of the coin's v2 trades (about a dozen address searches).
    pub fn derive(user: Pubkey, m: MintInfo) -> Self {
        let (fee_recipient, buyback_fee_recipient) = pick_fee_recipients(&m.mint, m.is_mayhem);
        let quote_mint = match m.quote {
            Quote::Sol => WSOL_MINT,
            Quote::Usdc => USDC_MINT,
            Quote::Other(mint) => mint,
        };
        Self {
            accounts: V2Accounts::derive(V2Inputs {
                mint: m.mint,
                quote_mint,
                base_token_program: m.token_program.id(),
                // WSOL and USDC are SPL Token mints (docs/protocol.md §1.7).
                quote_token_program: TOKEN_PROGRAM,
                user,
                creator: m.creator,
                fee_recipient,
                buyback_fee_recipient,
            }),
        }
    }

    /// The same coin paying other fee recipients, with their quote token accounts (`atas`:
    /// the fee recipient's, then the buyback recipient's, which the caller may keep).
    pub fn with_recipients(
        mut self,
        (fee, buyback): (Pubkey, Pubkey),
        (fee_ata, buyback_ata): (Pubkey, Pubkey),
    ) -> Self {
        let a = &mut self.accounts;
        a.inputs.fee_recipient = fee;
        a.inputs.buyback_fee_recipient = buyback;
        a.associated_quote_fee_recipient = fee_ata;
        a.associated_quote_buyback_fee_recipient = buyback_ata;
        self
    }

    /// Compute budget, the user's token account (idempotent), then `buy_exact_quote_in_v2`:
    /// spend `spend` of the quote, fees included, for at least `min_tokens_out`.
    pub fn buy(
        &self,
        spend: QuoteAmount,
        min_tokens_out: TokenAmount,
        b: Budget,
    ) -> [Instruction; 4] {
        let a = &self.accounts;
        let i = &a.inputs;
        budgeted(
            b,
            &i.user,
            (&a.associated_base_user, &i.mint, &i.base_token_program),
            pump_ix::buy_exact_quote_in_v2(a, spend, min_tokens_out),
        )
    }

    /// Compute budget, the user's quote token account (idempotent: the proceeds land there),
    /// then `sell_v2` of `tokens` for at least `min_quote_out` after fees.
    pub fn sell(
        &self,
        tokens: TokenAmount,
        min_quote_out: QuoteAmount,
        b: Budget,
    ) -> [Instruction; 4] {
        let a = &self.accounts;
        let i = &a.inputs;
        budgeted(
            b,
            &i.user,
            (
                &a.associated_quote_user,
                &i.quote_mint,
                &i.quote_token_program,
            ),
            pump_ix::sell_v2(a, tokens, min_quote_out),
        )
    }
}

/// Compiles `ixs` as a legacy message paid for by `payer`, refusing one whose signed
/// transaction would not fit a packet (a v2 trade names 27 accounts).
pub fn compile_checked(payer: &Pubkey, ixs: &[Instruction]) -> Result<Compiled, V0Error> {
    let c = Compiled::legacy(payer, ixs);
    let wire_len = 1 + 64 + c.message.len();
    if wire_len > PACKET_DATA_SIZE {
        return Err(V0Error::TooLarge(wire_len));
    }
    Ok(c)
}

/// The least acceptable amount after a `slippage` move against us: `floor(x·(1−s))`.
pub fn with_slippage(amount: u64, slippage: Bps) -> u64 {
    let keep = 10_000u128.saturating_sub(u128::from(slippage.0));
    u64::try_from(u128::from(amount) * keep / 10_000).unwrap_or(0)
}

/// A signed transaction, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    pub signature: Signature,
    pub signature_text: SignatureText,
    pub blockhash: Hash,
    /// The wire bytes (what `sendTransaction` carries, base64-encoded).
    pub wire: Vec<u8>,
    /// The `sendTransaction` request body: base64, skipPreflight, no RPC-side retries (Kestrel
    /// retries itself, with a fresh blockhash when the old one expires).
    pub send_body: String,
}

/// Compiles, signs and encodes a legacy transaction paid for by `wallet`.
pub fn sign(wallet: &Wallet, ixs: &[Instruction], blockhash: Hash) -> SignedTx {
    Compiled::legacy(&wallet.pubkey(), ixs).sign(wallet, blockhash)
}

/// Why a v0 transaction could not be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum V0Error {
    #[error("message does not compile: {0}")]
    Compile(String),
    #[error("instructions need a signature from {0}, which Kestrel does not hold")]
    ForeignSigner(Pubkey),
    #[error("transaction is {0} bytes, over the 1232-byte packet limit")]
    TooLarge(usize),
}

/// The most a transaction may weigh on the wire (the IPv6 minimum MTU less headers).
pub const PACKET_DATA_SIZE: usize = 1232;

/// A v0 transaction paid for and signed by `wallet` alone, its accounts looked up in `tables`
/// where they can be.
pub fn sign_v0(
    wallet: &Wallet,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> Result<SignedTx, V0Error> {
    Ok(compile_v0(&wallet.pubkey(), ixs, tables)?.sign(wallet, blockhash))
}

/// A message (legacy or v0) compiled once and signed as often as needed: only the blockhash
/// changes, so signing is a 32-byte patch and one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    message: Vec<u8>,
    blockhash_at: usize,
}

impl Compiled {
    /// `ixs` as a legacy message paid for by `payer`.
    pub fn legacy(payer: &Pubkey, ixs: &[Instruction]) -> Self {
        Self::legacy_with_data(payer, ixs, None)
    }

    /// As [`Compiled::legacy`], noting where each instruction's data starts in the message.
    fn legacy_with_data(
        payer: &Pubkey,
        ixs: &[Instruction],
        data_at: Option<&mut Vec<usize>>,
    ) -> Self {
        let m = Message::new_with_blockhash(ixs, Some(payer), &Hash::default());
        let mut message = Vec::with_capacity(PACKET_DATA_SIZE);
        let blockhash_at = write_layout(
            &m.header,
            &m.account_keys,
            &m.recent_blockhash,
            &m.instructions,
            &mut message,
            data_at,
        );
        Self {
            message,
            blockhash_at,
        }
    }

    /// Signed deterministically (RFC 8032).
    pub fn sign(&self, wallet: &Wallet, blockhash: Hash) -> SignedTx {
        self.sign_with(wallet, None, blockhash)
    }

    /// Signed with `nonce` when there is one (made ahead by `wallet`, so only the cheap half of
    /// the signature is left; see [`crate::nonce`]), else deterministically.
    pub fn sign_with(&self, wallet: &Wallet, nonce: Option<Nonce>, blockhash: Hash) -> SignedTx {
        let mut msg = self.message.clone();
        msg[self.blockhash_at..self.blockhash_at + 32].copy_from_slice(blockhash.as_ref());
        finish(wallet, &msg, blockhash, nonce)
    }

    /// The message bytes, as last compiled or patched (the blockhash is patched at signing).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// Where `key` sits among a legacy message's account keys (they run from after the
    /// header and the key count up to the blockhash).
    fn key_at(&self, key: &Pubkey) -> Option<usize> {
        let first = self.blockhash_at.checked_sub(32)?;
        (0..=first)
            .rev()
            .step_by(32)
            .take_while(|at| *at >= 4)
            .find(|at| self.message.get(*at..*at + 32) == Some(key.as_ref()))
    }
}

/// A buy compiled ahead of its order, once its accounts are known: the compute budget and the
/// amounts are patched into the bytes when the order comes, so the order's critical path does
/// no compiling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuyTemplate {
    compiled: Compiled,
    cu_limit_at: usize,
    cu_price_at: usize,
    /// `buy_exact_sol_in`'s arguments: the spend, then the minimum tokens out.
    amounts_at: usize,
    /// The fee recipient's and the buyback recipient's keys in the message.
    fee_recipient_at: Option<usize>,
    buyback_at: Option<usize>,
}

impl BuyTemplate {
    /// The buy of `spend` for at least `min_tokens_out` under budget `b`, paying `recipients`
    /// (a fee recipient and a buyback recipient): the message [`TradePlan::buy`] compiles to
    /// with those recipients, its keys in the template's order.
    pub fn fill(
        &self,
        spend: Lamports,
        min_tokens_out: TokenAmount,
        b: Budget,
        (fee, buyback): (Pubkey, Pubkey),
    ) -> Compiled {
        let mut c = self.compiled.clone();
        let m = &mut c.message;
        for (at, key) in [(self.fee_recipient_at, fee), (self.buyback_at, buyback)] {
            if let Some(at) = at {
                m[at..at + 32].copy_from_slice(key.as_ref());
            }
        }
        m[self.cu_limit_at..self.cu_limit_at + 4].copy_from_slice(&b.cu_limit.to_le_bytes());
        m[self.cu_price_at..self.cu_price_at + 8].copy_from_slice(&b.cu_price.to_le_bytes());
        let a = self.amounts_at;
        m[a..a + 8].copy_from_slice(&spend.0.to_le_bytes());
        m[a + 8..a + 16].copy_from_slice(&min_tokens_out.0.to_le_bytes());
        c
    }
}

/// Compiles `ixs` for `payer` into a v0 message (blockhash left to [`Compiled::sign`]),
/// checking what can be checked before any signature: only the payer signs, and the signed
/// transaction fits a packet.
pub fn compile_v0(
    payer: &Pubkey,
    ixs: &[Instruction],
    tables: &[AddressLookupTableAccount],
) -> Result<Compiled, V0Error> {
    if let Some(other) = ixs
        .iter()
        .flat_map(|ix| &ix.accounts)
        .find(|a| a.is_signer && a.pubkey != *payer)
    {
        return Err(V0Error::ForeignSigner(other.pubkey));
    }
    let message = v0::Message::try_compile(payer, ixs, tables, Hash::default())
        .map_err(|e| V0Error::Compile(e.to_string()))?;
    let mut msg = Vec::with_capacity(PACKET_DATA_SIZE);
    let blockhash_at = write_v0_message(&message, &mut msg);
    // One signature: the short-vec count and 64 bytes.
    let wire_len = 1 + 64 + msg.len();
    if wire_len > PACKET_DATA_SIZE {
        return Err(V0Error::TooLarge(wire_len));
    }
    Ok(Compiled {
        message: msg,
        blockhash_at,
    })
}

/// Signs the message bytes and lays out the wire form and the `sendTransaction` body.
fn finish(wallet: &Wallet, msg: &[u8], blockhash: Hash, nonce: Option<Nonce>) -> SignedTx {
    let signature = match nonce {
        Some(n) => wallet.sign_with(n, msg),
        None => wallet.sign(msg),
    };
    let mut wire = Vec::with_capacity(1 + 64 + msg.len());
    wire.push(1); // one signature (short-vec)
    wire.extend_from_slice(signature.as_ref());
    wire.extend_from_slice(msg);
    let b64 = STANDARD.encode(&wire);
    let send_body = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["{b64}",{{"encoding":"base64","skipPreflight":true,"maxRetries":0}}]}}"#
    );
    SignedTx {
        signature,
        signature_text: SignatureText::new(&signature.to_string()),
        blockhash,
        wire,
        send_body,
    }
}

impl SignedTx {
    /// The wire bytes in base64, as `sendBundle` carries them.
    pub fn base64(&self) -> String {
        STANDARD.encode(&self.wire)
    }
}

/// The v0 message wire format: the version prefix, then the legacy layout, then the lookups.
/// Returns where the blockhash sits.
fn write_v0_message(m: &v0::Message, out: &mut Vec<u8>) -> usize {
    out.push(0x80); // MESSAGE_VERSION_PREFIX | 0
    let blockhash_at = write_layout(
        &m.header,
        &m.account_keys,
        &m.recent_blockhash,
        &m.instructions,
        out,
        None,
    );
    short_vec(out, m.address_table_lookups.len());
    for l in &m.address_table_lookups {
        out.extend_from_slice(l.account_key.as_ref());
        short_vec(out, l.writable_indexes.len());
        out.extend_from_slice(&l.writable_indexes);
        short_vec(out, l.readonly_indexes.len());
        out.extend_from_slice(&l.readonly_indexes);
    }
    blockhash_at
}

/// What legacy and v0 messages share: header, keys, blockhash, compiled instructions.
/// Returns where the blockhash sits; `data_at` gets where each instruction's data starts.
fn write_layout(
    header: &solana_message::MessageHeader,
    keys: &[Pubkey],
    blockhash: &Hash,
    instructions: &[solana_message::compiled_instruction::CompiledInstruction],
    out: &mut Vec<u8>,
    mut data_at: Option<&mut Vec<usize>>,
) -> usize {
    out.push(header.num_required_signatures);
    out.push(header.num_readonly_signed_accounts);
    out.push(header.num_readonly_unsigned_accounts);
    short_vec(out, keys.len());
    for k in keys {
        out.extend_from_slice(k.as_ref());
    }
    let blockhash_at = out.len();
    out.extend_from_slice(blockhash.as_ref());
    short_vec(out, instructions.len());
    for ix in instructions {
        out.push(ix.program_id_index);
        short_vec(out, ix.accounts.len());
        out.extend_from_slice(&ix.accounts);
        short_vec(out, ix.data.len());
        if let Some(at) = data_at.as_deref_mut() {
            at.push(out.len());
        }
        out.extend_from_slice(&ix.data);
    }
    blockhash_at
}

fn short_vec(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        byte |= 0x80;
        out.push(byte);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use solana_keypair::Keypair;
    use solana_signer::Signer;
    use solana_transaction::Transaction;

    fn plan(user: Pubkey) -> TradePlan {
        let mint = Pubkey::new_unique();
        TradePlan::derive(
            user,
            pda::user_volume_accumulator(&user),
            MintInfo {
                mint,
                quote: Quote::Sol,
                bonding_curve: pda::bonding_curve(&mint),
                creator: Pubkey::new_unique(),
                token_program: TokenProgram::Spl,
                is_cashback: false,
                is_mayhem: false,
            },
        )
    }

    #[test]
    fn our_wire_bytes_are_what_solana_transaction_serializes() {
        let kp = Keypair::new();
        let bytes = kp.to_bytes();
        let wallet = Wallet::from_keypair(Keypair::try_from(bytes.as_slice()).unwrap());
        let p = plan(kp.pubkey());
        let ixs = p.buy(
            Lamports(100_000_000),
            TokenAmount(1),
            Budget {
                cu_limit: 120_000,
                cu_price: 50_000,
            },
        );
        let hash = Hash::new_from_array([9; 32]);
        let ours = sign(&wallet, &ixs, hash);
        let theirs = Transaction::new_signed_with_payer(&ixs, Some(&kp.pubkey()), &[&kp], hash);
        assert_eq!(ours.wire, bincode::serialize(&theirs).unwrap());
        assert_eq!(ours.signature, theirs.signatures[0]);
        assert!(
            ours.wire.len() <= 1232,
            "fits a packet: {}",
            ours.wire.len()
        );
        // The body is valid JSON-RPC carrying the same bytes.
        let body: serde_json::Value = serde_json::from_str(&ours.send_body).unwrap();
        assert_eq!(body["method"], "sendTransaction");
        assert_eq!(body["params"][1]["skipPreflight"], true);
        let b64 = body["params"][0].as_str().unwrap();
        assert_eq!(STANDARD.decode(b64).unwrap(), ours.wire);
    }

    #[test]
    fn our_v0_wire_bytes_are_what_solana_transaction_serializes() {
        use solana_message::VersionedMessage;
        use solana_transaction::versioned::VersionedTransaction;
        let kp = Keypair::new();
        let wallet = Wallet::from_keypair(kp.insecure_clone());
        let p = plan(wallet.pubkey());
        let ixs = p.sell(
            TokenAmount(1_000),
            Lamports(10),
            Budget {
                cu_limit: 100_000,
                cu_price: 5,
            },
        );
        // A table holding most of the sell's accounts, as Jupiter's would.
        let table = AddressLookupTableAccount {
            key: Pubkey::new_unique(),
            addresses: ixs
                .iter()
                .flat_map(|ix| ix.accounts.iter().map(|a| a.pubkey))
                .filter(|k| *k != wallet.pubkey())
                .collect(),
        };
        let blockhash = Hash::new_from_array([9; 32]);
        let ours = sign_v0(&wallet, &ixs, std::slice::from_ref(&table), blockhash).unwrap();
        let msg = v0::Message::try_compile(&wallet.pubkey(), &ixs, &[table], blockhash).unwrap();
        assert!(!msg.address_table_lookups.is_empty());
        let theirs = VersionedTransaction::try_new(VersionedMessage::V0(msg), &[&kp]).unwrap();
        assert_eq!(ours.wire, bincode::serialize(&theirs).unwrap());
        assert_eq!(ours.signature, theirs.signatures[0]);
        assert!(
            ours.signature
                .verify(wallet.pubkey().as_ref(), &ours.wire[65..])
        );
    }

    #[test]
    fn a_filled_buy_template_is_the_buy_compiled_afresh() {
        let wallet = Wallet::from_keypair(Keypair::new());
        let p = plan(wallet.pubkey());
        let tip = crate::jito::tip_instruction(
            &wallet.pubkey(),
            &crate::jito::random_tip_account(),
            10_000,
        );
        for tip in [None, Some(&tip)] {
            let template = p.buy_template(tip);
            for (spend, min_out, cu_limit, cu_price) in [
                (1u64, 0u64, 1u32, 0u64),
                (50_000_000, 1_234_567_890_123, 120_000, 100_000),
                (u64::MAX, u64::MAX, u32::MAX, u64::MAX),
            ] {
                let b = Budget { cu_limit, cu_price };
                let mut ixs = p.buy(Lamports(spend), TokenAmount(min_out), b).to_vec();
                ixs.extend(tip.cloned());
                let fresh = Compiled::legacy(&wallet.pubkey(), &ixs);
                let own = (
                    p.accounts.inputs.fee_recipient,
                    p.accounts.inputs.buyback_fee_recipient,
                );
                let filled = template.fill(Lamports(spend), TokenAmount(min_out), b, own);
                assert_eq!(filled, fresh, "{spend} {min_out} {cu_limit} {cu_price}");
                let hash = Hash::new_from_array([spend as u8 ^ 0x5a; 32]);
                assert_eq!(filled.sign(&wallet, hash), sign(&wallet, &ixs, hash));
                // Other recipients, drawn for this transaction: the same instructions as the
                // buy compiled afresh for them (keys may sit in another order).
                for r in 0..16u64 {
                    let other = crate::recipients::FeeRecipients::PUBLISHED
                        .draw(false, crate::spread::mix(r));
                    let mut ixs = p
                        .with_recipients(other)
                        .buy(Lamports(spend), TokenAmount(min_out), b)
                        .to_vec();
                    ixs.extend(tip.cloned());
                    let fresh = Compiled::legacy(&wallet.pubkey(), &ixs);
                    let filled = template.fill(Lamports(spend), TokenAmount(min_out), b, other);
                    assert_eq!(resolved(filled.message()), resolved(fresh.message()));
                }
            }
        }
    }

    /// An account of an instruction: key, signer, writable.
    type Meta = (Pubkey, bool, bool);

    /// A legacy message's instructions (program, accounts, data) with their accounts resolved.
    fn resolved(bytes: &[u8]) -> Vec<(Pubkey, Vec<Meta>, Vec<u8>)> {
        let m: Message = bincode::deserialize(bytes).unwrap();
        m.instructions
            .iter()
            .map(|ix| {
                let accounts = ix
                    .accounts
                    .iter()
                    .map(|&i| {
                        let i = usize::from(i);
                        (
                            m.account_keys[i],
                            m.is_signer(i),
                            m.is_maybe_writable(i, None),
                        )
                    })
                    .collect();
                (
                    m.account_keys[usize::from(ix.program_id_index)],
                    accounts,
                    ix.data.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn a_nonce_made_ahead_signs_the_same_message_verifiably() {
        let wallet = Wallet::from_keypair(Keypair::new());
        let p = plan(wallet.pubkey());
        let c = p.buy_template(None).fill(
            Lamports(10),
            TokenAmount(1),
            Budget {
                cu_limit: 1,
                cu_price: 1,
            },
            (
                kestrel_pump::ids::FEE_RECIPIENTS[0],
                BUYBACK_FEE_RECIPIENTS[0],
            ),
        );
        let hash = Hash::new_from_array([0x42; 32]);
        let plain = c.sign(&wallet, hash);
        let ahead = c.sign_with(&wallet, wallet.nonce(), hash);
        assert_ne!(ahead.signature, plain.signature);
        assert_eq!(ahead.wire[65..], plain.wire[65..]);
        assert!(
            ahead
                .signature
                .verify(wallet.pubkey().as_ref(), &ahead.wire[65..])
        );
        assert_eq!(ahead.signature.as_ref(), &ahead.wire[1..65]);
        assert_eq!(ahead.signature_text.as_str(), ahead.signature.to_string());
    }

    #[test]
    fn v0_refuses_foreign_signers_and_oversized_transactions() {
        let wallet = Wallet::from_keypair(Keypair::new());
        let mut ix = set_compute_unit_limit(1);
        ix.accounts.push(solana_instruction::AccountMeta::new(
            Pubkey::new_unique(),
            true,
        ));
        assert!(matches!(
            sign_v0(&wallet, &[ix], &[], Hash::default()),
            Err(V0Error::ForeignSigner(_))
        ));
        let big = Instruction {
            program_id: Pubkey::new_unique(),
            accounts: (0..40)
                .map(|_| solana_instruction::AccountMeta::new(Pubkey::new_unique(), false))
                .collect(),
            data: vec![0; 10],
        };
        assert!(matches!(
            sign_v0(&wallet, &[big], &[], Hash::default()),
            Err(V0Error::TooLarge(n)) if n > PACKET_DATA_SIZE
        ));
    }

    #[test]
    fn the_buy_derives_what_trade_accounts_derives() {
        let user = Pubkey::new_unique();
        let p = plan(user);
        let full = TradeAccounts::derive(p.accounts.inputs);
        assert_eq!(p.accounts, full);
    }

    #[test]
    fn slippage_floors_and_saturates() {
        assert_eq!(with_slippage(10_000, Bps(100)), 9_900);
        assert_eq!(with_slippage(999, Bps(1)), 998);
        assert_eq!(with_slippage(5, Bps(20_000)), 0);
        assert_eq!(with_slippage(u64::MAX, Bps(0)), u64::MAX);
    }

    #[test]
    fn short_vec_matches_solana() {
        for (n, want) in [
            (0usize, vec![0u8]),
            (127, vec![0x7f]),
            (128, vec![0x80, 1]),
            (16_384, vec![0x80, 0x80, 1]),
        ] {
            let mut out = Vec::new();
            short_vec(&mut out, n);
            assert_eq!(out, want, "{n}");
        }
    }

    #[test]
    fn a_mayhem_coin_pays_a_reserved_recipient_and_coins_spread_over_the_sets() {
        use kestrel_pump::ids::{FEE_RECIPIENTS, RESERVED_FEE_RECIPIENTS};
        let mut normal = std::collections::HashSet::new();
        let mut buyback = std::collections::HashSet::new();
        for n in 0..200u8 {
            let mint = Pubkey::new_from_array([n; 32]);
            let (fee, back) = pick_fee_recipients(&mint, false);
            assert!(FEE_RECIPIENTS.contains(&fee));
            assert!(BUYBACK_FEE_RECIPIENTS.contains(&back));
            normal.insert(fee);
            buyback.insert(back);
            let (reserved, _) = pick_fee_recipients(&mint, true);
            assert!(RESERVED_FEE_RECIPIENTS.contains(&reserved));
            // The same coin, the same plan: a warm derivation equals a cold one.
            assert_eq!(pick_fee_recipients(&mint, false), (fee, back));
        }
        assert_eq!(normal.len(), 8);
        assert_eq!(buyback.len(), 8);
    }

    #[test]
    fn a_v2_buy_with_its_token_account_and_a_jito_tip_fits_a_packet_without_a_lookup_table() {
        let kp = Keypair::new();
        let wallet = Wallet::from_keypair(Keypair::try_from(kp.to_bytes().as_slice()).unwrap());
        let mint = Pubkey::new_unique();
        let m = MintInfo {
            mint,
            quote: Quote::Usdc,
            bonding_curve: pda::bonding_curve(&mint),
            creator: Pubkey::new_unique(),
            token_program: TokenProgram::Token2022,
            is_cashback: false,
            is_mayhem: true,
        };
        let plan = V2Plan::derive(kp.pubkey(), m);
        assert_eq!(plan.accounts.inputs.quote_mint, USDC_MINT);
        let b = Budget {
            cu_limit: 150_000,
            cu_price: 100_000,
        };
        let tip =
            crate::jito::tip_instruction(&kp.pubkey(), &crate::jito::random_tip_account(), 10_000);
        let mut buy = plan.buy(QuoteAmount(5_000_000), TokenAmount(1), b).to_vec();
        buy.push(tip.clone());
        let c = compile_checked(&kp.pubkey(), &buy).unwrap();
        let signed = c.sign(&wallet, Hash::new_from_array([3; 32]));
        assert!(
            signed.wire.len() <= PACKET_DATA_SIZE,
            "{}",
            signed.wire.len()
        );
        let mut sell = plan.sell(TokenAmount(1_000), QuoteAmount(1), b).to_vec();
        sell.push(tip);
        assert!(compile_checked(&kp.pubkey(), &sell).is_ok());
        // The v2 buy names the reserved recipient of a mayhem coin.
        assert!(
            kestrel_pump::ids::RESERVED_FEE_RECIPIENTS
                .contains(&plan.accounts.inputs.fee_recipient)
        );
        // Too many instructions for one packet are refused before signing.
        let mut huge = buy.clone();
        huge.extend(std::iter::repeat_n(buy[3].clone(), 8));
        assert!(matches!(
            compile_checked(&kp.pubkey(), &huge),
            Err(V0Error::TooLarge(_))
        ));
    }
}
