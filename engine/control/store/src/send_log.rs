//! The send log: the one journal write on the hot path. Before a signed transaction is
//! broadcast, its order and signature are appended here with a single `write(2)` of a
//! fixed-size binary record (no SQLite, no other thread, no fsync), which survives a crash of
//! the process like a WAL commit with `synchronous = NORMAL`. The writer thread also gets the
//! same facts for the database; on start, recovery folds whatever the log holds into the
//! database (idempotently) and empties the log.
//!
//! A record that was cut short by a crash mid-write is shorter than a record and is ignored:
//! its transaction was never broadcast, because the broadcast waits for the write.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use kestrel_model::{Quote, SignatureText};
use solana_pubkey::Pubkey;

use crate::{Name, OrderRecord, SendRecord, StoreError, TradeSide};

const MAGIC: [u8; 4] = *b"KSL1";
const SIG: usize = 88;
const WHY: usize = 24;
/// magic, 7 u64, level, flags, 4 keys, signature (length + 88), why (length + 24), checksum.
pub const RECORD: usize = 4 + 7 * 8 + 2 + 4 * 32 + 1 + SIG + 1 + WHY + 8;

/// An order and one signed transaction of it, as the send log holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedSend {
    pub order: OrderRecord,
    pub send: SendRecord,
}

/// FNV-1a, 64-bit: enough to tell a whole record from garbage.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The append side, shared by the execution thread's tasks (`&File` writes need no lock;
/// each record is one `write` on an O_APPEND file).
#[derive(Debug)]
pub struct SendLog {
    file: File,
    path: PathBuf,
    /// `Sync::Full`: each append is also flushed to the disk (survives a power cut; costs an
    /// fdatasync on the hot path).
    sync: crate::Sync,
}

/// The log beside a journal: `<journal>.sends`.
pub fn path_for(journal: &Path) -> PathBuf {
    let mut p = journal.as_os_str().to_owned();
    p.push(".sends");
    PathBuf::from(p)
}

impl SendLog {
    pub fn open(path: &Path, sync: crate::Sync) -> Result<Self, StoreError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|error| StoreError::Dir {
                path: path.display().to_string(),
                error,
            })?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            sync,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; returns once the kernel has it. No allocation.
    pub fn append(&self, o: &OrderRecord, s: &SendRecord) -> io::Result<()> {
        let mut buf = [0u8; RECORD];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            buf[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(&MAGIC);
        for v in [
            o.id,
            s.last_valid_block,
            s.at_ns,
            o.spend_lamports,
            o.tokens,
            o.slippage_bps,
            o.cu_price,
        ] {
            put(&v.to_le_bytes());
        }
        // Bits: sell, token-2022, cashback; mayhem and a USDC quote since 2026-12 (older logs
        // have them clear: a SOL coin, not mayhem). Other quotes are not traded.
        let flags = u8::from(o.side == TradeSide::Sell)
            | (u8::from(o.token_2022) << 1)
            | (u8::from(o.is_cashback) << 2)
            | (u8::from(o.is_mayhem) << 3)
            | (u8::from(o.quote == Quote::Usdc) << 4);
        put(&[o.level, flags]);
        put(o.mint.as_ref());
        put(o.creator.as_ref());
        put(o.bonding_curve.as_ref());
        put(s.blockhash.as_ref());
        let sig = s.signature.as_str().as_bytes();
        let sig = &sig[..sig.len().min(SIG)];
        put(&[sig.len() as u8]);
        let mut padded = [0u8; SIG];
        padded[..sig.len()].copy_from_slice(sig);
        put(&padded);
        let why = o.why.as_str().as_bytes();
        let why = &why[..why.len().min(WHY)];
        put(&[why.len() as u8]);
        let mut padded = [0u8; WHY];
        padded[..why.len()].copy_from_slice(why);
        put(&padded);
        let sum = checksum(&buf[..RECORD - 8]);
        buf[RECORD - 8..].copy_from_slice(&sum.to_le_bytes());
        (&self.file).write_all(&buf)?;
        if self.sync == crate::Sync::Full {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Empties the log (everything in it is in the database).
    pub fn clear(&self) -> io::Result<()> {
        self.file.set_len(0)
    }
}

/// Every whole record in the log at `path` (none if there is no log). A cut-short last record
/// is skipped; a record that fails its checksum is skipped and counted.
pub fn read(path: &Path) -> Result<(Vec<LoggedSend>, usize), StoreError> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes).map_err(|error| StoreError::Dir {
                path: path.display().to_string(),
                error,
            })?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(error) => {
            return Err(StoreError::Dir {
                path: path.display().to_string(),
                error,
            });
        }
    }
    let mut out = Vec::new();
    let mut bad = 0;
    for rec in bytes.chunks_exact(RECORD) {
        match decode(rec) {
            Some(r) => out.push(r),
            None => bad += 1,
        }
    }
    Ok((out, bad))
}

fn decode(rec: &[u8]) -> Option<LoggedSend> {
    let (body, sum) = rec.split_at(RECORD - 8);
    if rec.get(..4)? != MAGIC || checksum(body).to_le_bytes() != sum {
        return None;
    }
    let mut at = 4;
    let mut take = |n: usize| {
        let s = rec.get(at..at + n);
        at += n;
        s
    };
    let mut u = [0u64; 7];
    for v in &mut u {
        *v = u64::from_le_bytes(take(8)?.try_into().ok()?);
    }
    let [level, flags] = take(2)?.try_into().ok()?;
    let key = |b: &[u8]| Pubkey::try_from(b).ok();
    let mint = key(take(32)?)?;
    let creator = key(take(32)?)?;
    let bonding_curve = key(take(32)?)?;
    let blockhash: [u8; 32] = take(32)?.try_into().ok()?;
    let sig_len = usize::from(*take(1)?.first()?);
    let sig = take(SIG)?.get(..sig_len)?;
    let why_len = usize::from(*take(1)?.first()?);
    let why = take(WHY)?.get(..why_len)?;
    let signature = SignatureText::new(std::str::from_utf8(sig).ok()?);
    Some(LoggedSend {
        order: OrderRecord {
            id: u[0],
            mint,
            creator,
            bonding_curve,
            token_2022: flags & 2 != 0,
            is_cashback: flags & 4 != 0,
            is_mayhem: flags & 8 != 0,
            quote: if flags & 16 != 0 {
                Quote::Usdc
            } else {
                Quote::Sol
            },
            side: if flags & 1 != 0 {
                TradeSide::Sell
            } else {
                TradeSide::Buy
            },
            spend_lamports: u[3],
            tokens: u[4],
            why: Name::new(std::str::from_utf8(why).ok()?),
            level,
            slippage_bps: u[5],
            cu_price: u[6],
            at_ns: u[2],
        },
        send: SendRecord {
            order_id: u[0],
            signature,
            blockhash: solana_hash::Hash::new_from_array(blockhash),
            last_valid_block: u[1],
            at_ns: u[2],
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn order(id: u64) -> OrderRecord {
        OrderRecord {
            id,
            mint: Pubkey::new_unique(),
            creator: Pubkey::new_unique(),
            bonding_curve: Pubkey::new_unique(),
            token_2022: id.is_multiple_of(2),
            is_cashback: true,
            is_mayhem: id.is_multiple_of(5),
            quote: if id.is_multiple_of(4) {
                Quote::Usdc
            } else {
                Quote::Sol
            },
            side: if id.is_multiple_of(3) {
                TradeSide::Sell
            } else {
                TradeSide::Buy
            },
            spend_lamports: 10_000_000 + id,
            tokens: 77 * id,
            why: Name::new("take_profit"),
            level: 2,
            slippage_bps: 1_500,
            cu_price: 100_000,
            at_ns: 5,
        }
    }

    fn send(id: u64) -> SendRecord {
        SendRecord {
            order_id: id,
            signature: SignatureText::new(&format!("{id}{}", "x".repeat(86))),
            blockhash: solana_hash::Hash::new_from_array([id as u8; 32]),
            last_valid_block: 150 + id,
            at_ns: 9 + id,
        }
    }

    #[test]
    fn records_read_back_and_a_torn_or_corrupt_one_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("j.db"));
        assert_eq!(read(&path).unwrap().0.len(), 0, "no log yet: nothing");
        let log = SendLog::open(&path, crate::Sync::Full).unwrap();
        for id in 1..=3 {
            log.append(&order(id), &send(id)).unwrap();
        }
        let (got, bad) = read(&path).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(got.len(), 3);
        for (i, r) in got.iter().enumerate() {
            let id = i as u64 + 1;
            let o = order(id);
            assert_eq!(r.send, send(id));
            assert_eq!(r.order.id, id);
            assert_eq!(r.order.side, o.side);
            assert_eq!(r.order.token_2022, o.token_2022);
            assert_eq!(r.order.spend_lamports, o.spend_lamports);
            assert_eq!(r.order.tokens, o.tokens);
            assert_eq!(r.order.why.as_str(), "take_profit");
            assert_eq!(r.order.level, 2);
        }
        // A crash mid-write: half a record at the end.
        let mut bytes = std::fs::read(&path).unwrap();
        let half = bytes[..RECORD / 2].to_vec();
        bytes.extend_from_slice(&half);
        // And a flipped bit in the second record.
        bytes[RECORD + 40] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (got, bad) = read(&path).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(bad, 1);
        log.clear().unwrap();
        assert_eq!(read(&path).unwrap().0.len(), 0);
    }
}
