//! Raydium AMM v4 pool creation as seen in logs (docs/protocol.md §1.6, raydium-io/raydium-amm
//! program/src/log.rs): `initialize2: InitializeInstruction2 { … }` then `ray_log: <base64>`,
//! whose first byte is the log type (0 = Init).

use serde::Serialize;
use solana_pubkey::Pubkey;

use crate::borsh::Reader;
use crate::json;
use crate::{DecodeError, ErrorKind};

/// Log type of an InitLog.
pub const LOG_TYPE_INIT: u8 = 0;

/// The arguments printed by `initialize2`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Initialize2Args {
    pub nonce: u8,
    pub open_time: u64,
    pub init_pc_amount: u64,
    pub init_coin_amount: u64,
}

/// `ray_log` InitLog: 75 bytes of bincode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct InitLog {
    pub log_type: u8,
    pub time: u64,
    pub pc_decimals: u8,
    pub coin_decimals: u8,
    pub pc_lot_size: u64,
    pub coin_lot_size: u64,
    pub pc_amount: u64,
    pub coin_amount: u64,
    #[serde(serialize_with = "json::pubkey")]
    pub market: Pubkey,
}

/// A new Raydium AMM v4 pool: the instruction's arguments (when the log carried them) and the
/// InitLog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RaydiumInitialize2 {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub args: Option<Initialize2Args>,
    #[serde(flatten)]
    pub log: InitLog,
}

/// Decodes ray_log bytes. `Ok(None)` for the other log types (deposits, swaps, withdrawals).
pub fn decode_ray_log(data: &[u8]) -> Result<Option<InitLog>, DecodeError> {
    init_log(data).map_err(|e| e.in_item("ray_log InitLog"))
}

fn init_log(data: &[u8]) -> Result<Option<InitLog>, DecodeError> {
    let mut r = Reader::new(data);
    let log_type = r.u8("ray_log log_type")?;
    if log_type != LOG_TYPE_INIT {
        return Ok(None);
    }
    Ok(Some(InitLog {
        log_type,
        time: r.u64("time")?,
        pc_decimals: r.u8("pc_decimals")?,
        coin_decimals: r.u8("coin_decimals")?,
        pc_lot_size: r.u64("pc_lot_size")?,
        coin_lot_size: r.u64("coin_lot_size")?,
        pc_amount: r.u64("pc_amount")?,
        coin_amount: r.u64("coin_amount")?,
        market: r.pubkey("market")?,
    }))
}

/// Parses the text after `Program log: initialize2: `, i.e.
/// `InitializeInstruction2 { nonce: 254, open_time: 0, init_pc_amount: 1, init_coin_amount: 2 }`.
pub fn parse_initialize2_args(text: &str) -> Result<Initialize2Args, DecodeError> {
    let bad = |offset: usize, why: &str| {
        DecodeError::new(
            ErrorKind::LogLine(format!("malformed initialize2 arguments: {why}")),
            offset,
        )
    };
    let body = text
        .strip_prefix("InitializeInstruction2 {")
        .and_then(|rest| rest.trim_end().strip_suffix('}'))
        .ok_or_else(|| bad(0, "expected `InitializeInstruction2 { … }`"))?;
    let mut args = Initialize2Args::default();
    let mut seen = 0u8;
    for part in body.split(',') {
        let offset = part.as_ptr() as usize - text.as_ptr() as usize;
        let (key, value) = part
            .split_once(':')
            .ok_or_else(|| bad(offset, "expected `key: value`"))?;
        let value = value.trim();
        let num = |what: &str| value.parse::<u64>().map_err(|_| bad(offset, what));
        match key.trim() {
            "nonce" => {
                args.nonce = u8::try_from(num("nonce is not a u8")?)
                    .map_err(|_| bad(offset, "nonce is not a u8"))?;
                seen |= 1;
            }
            "open_time" => {
                args.open_time = num("open_time is not a u64")?;
                seen |= 2;
            }
            "init_pc_amount" => {
                args.init_pc_amount = num("init_pc_amount is not a u64")?;
                seen |= 4;
            }
            "init_coin_amount" => {
                args.init_coin_amount = num("init_coin_amount is not a u64")?;
                seen |= 8;
            }
            _ => {} // a field added later: ignore, as with appended Borsh fields
        }
    }
    if seen != 0b1111 {
        return Err(bad(
            0,
            "missing one of nonce, open_time, init_pc_amount, init_coin_amount",
        ));
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_initialize2_log() {
        let args = parse_initialize2_args(
            "InitializeInstruction2 { nonce: 254, open_time: 1731435284, init_pc_amount: 79005359057, init_coin_amount: 206900000000000 }",
        )
        .unwrap();
        assert_eq!(
            args,
            Initialize2Args {
                nonce: 254,
                open_time: 1_731_435_284,
                init_pc_amount: 79_005_359_057,
                init_coin_amount: 206_900_000_000_000,
            }
        );
    }

    #[test]
    fn rejects_malformed_arguments() {
        assert!(parse_initialize2_args("InitializeInstruction2 { nonce: 999 }").is_err());
        assert!(parse_initialize2_args("something else").is_err());
        assert!(parse_initialize2_args("InitializeInstruction2 { nonce }").is_err());
    }

    #[test]
    fn decodes_an_init_log_and_skips_swaps() {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&7u64.to_le_bytes());
        bytes.extend_from_slice(&[9, 6]);
        for v in [1u64, 2, 3, 4] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&[5u8; 32]);
        assert_eq!(bytes.len(), 75);
        let log = decode_ray_log(&bytes).unwrap().unwrap();
        assert_eq!((log.time, log.pc_decimals, log.coin_decimals), (7, 9, 6));
        assert_eq!(
            (
                log.pc_lot_size,
                log.coin_lot_size,
                log.pc_amount,
                log.coin_amount
            ),
            (1, 2, 3, 4)
        );
        assert_eq!(log.market, Pubkey::new_from_array([5; 32]));

        assert_eq!(decode_ray_log(&[3, 1, 2]).unwrap(), None);
        assert!(decode_ray_log(&bytes[..40]).is_err());
    }
}
