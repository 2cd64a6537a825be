//! Jito block engine (docs/protocol.md §4): `sendBundle` to every configured region at once,
//! `getBundleStatuses` and `getInflightBundleStatuses` to follow a bundle, and the tip, a SOL
//! transfer to one of the eight tip accounts chosen at random, inside our own transaction.
//! Each region allows about one request a second per IP (more with `x-jito-auth`): every
//! region has its own pacing, and a region whose turn has not come is skipped, not waited for,
//! when another can take the bundle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use kestrel_model::mono_nanos;
use kestrel_pump::ids::{
    JITO_MAX_BUNDLE_TXS, JITO_MIN_TIP_LAMPORTS, JITO_TIP_ACCOUNTS, SYSTEM_PROGRAM,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;
use thiserror::Error;

use crate::jsonrpc::Envelope;
use crate::rpc::retry_after;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum JitoError {
    #[error("a bundle holds 1 to {JITO_MAX_BUNDLE_TXS} transactions, not {0}")]
    BundleSize(usize),
    #[error("tip of {0} lamports is under Jito's minimum of {JITO_MIN_TIP_LAMPORTS}")]
    TipTooSmall(u64),
    #[error("no block engine configured")]
    NoEndpoints,
    #[error("{endpoint}: rate limited (HTTP 429), retry after {retry_after:?}")]
    RateLimited {
        endpoint: String,
        retry_after: Option<Duration>,
    },
    #[error("{endpoint}: HTTP {status}")]
    Http { endpoint: String, status: u16 },
    #[error("{endpoint}: error {code}: {message}")]
    Rpc {
        endpoint: String,
        code: i64,
        message: String,
    },
    #[error("{endpoint}: reply not understood: {message}")]
    Decode { endpoint: String, message: String },
    #[error("{endpoint}: {message}")]
    Transport { endpoint: String, message: String },
}

/// The tip transfer: `lamports` from `payer` to `account` (a system transfer, instruction 2).
pub fn tip_instruction(payer: &Pubkey, account: &Pubkey, lamports: u64) -> Instruction {
    let mut data = 2u32.to_le_bytes().to_vec();
    data.extend_from_slice(&lamports.to_le_bytes());
    Instruction {
        program_id: SYSTEM_PROGRAM,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*account, false),
        ],
        data,
    }
}

/// A tip account picked at random (spreading tips spreads write locks, per Jito's docs).
pub fn random_tip_account() -> Pubkey {
    kestrel_pump::fee_recipient::pick(&JITO_TIP_ACCOUNTS, crate::spread::spread_u64())
}

/// Checks a configured tip against Jito's floor.
pub fn check_tip(lamports: u64) -> Result<u64, JitoError> {
    if lamports < JITO_MIN_TIP_LAMPORTS {
        return Err(JitoError::TipTooSmall(lamports));
    }
    Ok(lamports)
}

/// `getBundleStatuses`: a bundle the engine has seen land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleStatus {
    pub bundle_id: String,
    pub transactions: Vec<String>,
    pub slot: u64,
    pub confirmation_status: Option<String>,
    /// `None` for `{"Ok": null}`; the error's JSON otherwise.
    pub err: Option<String>,
}

/// `getInflightBundleStatuses` status (last five minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inflight {
    Invalid,
    Pending,
    Failed,
    Landed { slot: u64 },
}

#[derive(Clone)]
struct Region {
    url: String,
    name: String,
    /// mono_nanos before which this region must not be asked again.
    next_at: Arc<AtomicU64>,
}

#[derive(Clone)]
pub struct Jito {
    client: reqwest::Client,
    regions: Arc<Vec<Region>>,
    auth: Option<String>,
    /// Least time between two requests to one region.
    spacing: Duration,
}

impl std::fmt::Debug for Jito {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jito")
            .field(
                "regions",
                &self.regions.iter().map(|r| &r.name).collect::<Vec<_>>(),
            )
            .field("auth", &self.auth.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Jito {
    /// `regions`: (bundles URL such as `https://ny.mainnet.block-engine.jito.wtf/api/v1/bundles`,
    /// printable name). `per_second`: requests one region allows (1 without an auth key).
    pub fn new(
        client: reqwest::Client,
        regions: Vec<(String, String)>,
        auth: Option<String>,
        per_second: u32,
    ) -> Self {
        let spacing = Duration::from_nanos(1_000_000_000 / u64::from(per_second.max(1)));
        Self {
            client,
            regions: Arc::new(
                regions
                    .into_iter()
                    .map(|(url, name)| Region {
                        url,
                        name,
                        next_at: Arc::new(AtomicU64::new(0)),
                    })
                    .collect(),
            ),
            auth,
            spacing,
        }
    }

    pub fn regions(&self) -> usize {
        self.regions.len()
    }

    /// Takes this region's turn if it has come.
    fn take_turn(&self, r: &Region) -> bool {
        let now = mono_nanos();
        let next = r.next_at.load(Ordering::Acquire);
        now >= next
            && r.next_at
                .compare_exchange(
                    next,
                    now + self.spacing.as_nanos() as u64,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
    }

    /// Waits for the first region whose turn comes, and takes it.
    async fn next_region(&self) -> Result<&Region, JitoError> {
        loop {
            if let Some(r) = self.regions.iter().find(|r| self.take_turn(r)) {
                return Ok(r);
            }
            let soonest = self
                .regions
                .iter()
                .map(|r| r.next_at.load(Ordering::Acquire))
                .min()
                .ok_or(JitoError::NoEndpoints)?;
            let wait = soonest.saturating_sub(mono_nanos()).max(1_000_000);
            tokio::time::sleep(Duration::from_nanos(wait)).await;
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        r: &Region,
        method: &str,
        params: Value,
    ) -> Result<T, JitoError> {
        let endpoint = || r.name.clone();
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut rb = self.client.post(&r.url).json(&body);
        if let Some(a) = &self.auth {
            rb = rb.header("x-jito-auth", a);
        }
        let resp = rb.send().await.map_err(|e| JitoError::Transport {
            endpoint: endpoint(),
            message: e.without_url().to_string(),
        })?;
        let status = resp.status().as_u16();
        if status == 429 {
            let retry_after = retry_after(resp.headers());
            // Honour it: this region is not asked again before then.
            if let Some(d) = retry_after {
                r.next_at
                    .fetch_max(mono_nanos() + d.as_nanos() as u64, Ordering::AcqRel);
            }
            return Err(JitoError::RateLimited {
                endpoint: endpoint(),
                retry_after,
            });
        }
        let bytes = resp.bytes().await.map_err(|e| JitoError::Transport {
            endpoint: endpoint(),
            message: e.without_url().to_string(),
        })?;
        let reply: Envelope<T> = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(_) if !(200..300).contains(&status) => {
                return Err(JitoError::Http {
                    endpoint: endpoint(),
                    status,
                });
            }
            Err(e) => {
                return Err(JitoError::Decode {
                    endpoint: endpoint(),
                    message: format!("{method}: {e}"),
                });
            }
        };
        if let Some(e) = reply.error {
            return Err(JitoError::Rpc {
                endpoint: endpoint(),
                code: e.code,
                message: e.message,
            });
        }
        reply.result.ok_or_else(|| JitoError::Decode {
            endpoint: endpoint(),
            message: format!("{method}: no result"),
        })
    }

    /// Sends a bundle (base64 transactions, the tip inside the last) to every region whose
    /// turn has come (waiting for one if none has); the bundle id from the first that takes it.
    pub async fn send_bundle(&self, txs: &[String]) -> Result<String, JitoError> {
        if txs.is_empty() || txs.len() > JITO_MAX_BUNDLE_TXS {
            return Err(JitoError::BundleSize(txs.len()));
        }
        if self.regions.is_empty() {
            return Err(JitoError::NoEndpoints);
        }
        let mut ready: Vec<&Region> = self.regions.iter().filter(|r| self.take_turn(r)).collect();
        if ready.is_empty() {
            ready.push(self.next_region().await?);
        }
        let params = json!([txs, {"encoding": "base64"}]);
        let results = join_all(
            ready
                .iter()
                .map(|r| self.call::<String>(r, "sendBundle", params.clone())),
        )
        .await;
        let mut first_err = None;
        for r in results {
            match r {
                Ok(id) => return Ok(id),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(JitoError::NoEndpoints))
    }

    /// `getBundleStatuses` for up to five ids; `None` where the engine has no record.
    pub async fn bundle_statuses(
        &self,
        ids: &[String],
    ) -> Result<Vec<Option<BundleStatus>>, JitoError> {
        #[derive(Deserialize)]
        struct Wire {
            bundle_id: String,
            #[serde(default)]
            transactions: Vec<String>,
            slot: u64,
            // The docs spell it both ways (docs/protocol.md §4).
            #[serde(default, alias = "confirmationStatus")]
            confirmation_status: Option<String>,
            #[serde(default)]
            err: Option<Value>,
        }
        #[derive(Deserialize)]
        struct R {
            value: Vec<Option<Wire>>,
        }
        let region = self.next_region().await?;
        let r: R = self.call(region, "getBundleStatuses", json!([ids])).await?;
        Ok(r.value
            .into_iter()
            .map(|w| {
                w.map(|w| BundleStatus {
                    bundle_id: w.bundle_id,
                    transactions: w.transactions,
                    slot: w.slot,
                    confirmation_status: w.confirmation_status,
                    err: w
                        .err
                        .filter(|e| e.get("Ok").is_none())
                        .map(|e| e.to_string()),
                })
            })
            .collect())
    }

    /// `getInflightBundleStatuses` for up to five ids (a missing one is `Invalid`).
    pub async fn inflight_statuses(&self, ids: &[String]) -> Result<Vec<Inflight>, JitoError> {
        let region = self.next_region().await?;
        let v: Value = self
            .call(region, "getInflightBundleStatuses", json!([ids]))
            .await?;
        parse_inflight(&v, ids).map_err(|message| JitoError::Decode {
            endpoint: region.name.clone(),
            message,
        })
    }
}

/// Reads `getInflightBundleStatuses`'s result, one entry per asked id.
pub fn parse_inflight(v: &Value, ids: &[String]) -> Result<Vec<Inflight>, String> {
    let list = v
        .get("value")
        .and_then(Value::as_array)
        .ok_or("getInflightBundleStatuses: no value list")?;
    ids.iter()
        .map(|id| {
            let Some(e) = list
                .iter()
                .find(|e| e.get("bundle_id").and_then(Value::as_str) == Some(id))
            else {
                return Ok(Inflight::Invalid);
            };
            match e.get("status").and_then(Value::as_str) {
                Some("Invalid") => Ok(Inflight::Invalid),
                Some("Pending") => Ok(Inflight::Pending),
                Some("Failed") => Ok(Inflight::Failed),
                Some("Landed") => Ok(Inflight::Landed {
                    slot: e.get("landed_slot").and_then(Value::as_u64).unwrap_or(0),
                }),
                other => Err(format!("getInflightBundleStatuses: status {other:?}")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_documented_inflight_reply_parses() {
        let v = fixture(include_str!(
            "../../../../tests/fixtures/jito/jito_getInflightBundleStatuses_response.json"
        ));
        let ids: Vec<String> = v["result"]["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["bundle_id"].as_str().unwrap().to_owned())
            .collect();
        let s = parse_inflight(&v["result"], &ids).unwrap();
        assert_eq!(s, vec![Inflight::Invalid; 5]);
        let landed = json!({"context": {"slot": 1}, "value": [{"bundle_id": "a", "status": "Landed", "landed_slot": 77}]});
        assert_eq!(
            parse_inflight(&landed, &["a".into(), "b".into()]).unwrap(),
            vec![Inflight::Landed { slot: 77 }, Inflight::Invalid]
        );
        let odd = json!({"value": [{"bundle_id": "a", "status": "Weird"}]});
        assert!(parse_inflight(&odd, &["a".into()]).is_err());
    }

    #[test]
    fn tips_go_to_a_published_tip_account_and_respect_the_floor() {
        let payer = Pubkey::new_unique();
        let acct = random_tip_account();
        assert!(JITO_TIP_ACCOUNTS.contains(&acct));
        let ix = tip_instruction(&payer, &acct, 1_000);
        assert_eq!(ix.program_id, SYSTEM_PROGRAM);
        assert_eq!(ix.data[..4], 2u32.to_le_bytes());
        assert_eq!(ix.data[4..], 1_000u64.to_le_bytes());
        assert!(check_tip(999).is_err());
        assert_eq!(check_tip(1_000), Ok(1_000));
        // Over many picks, every account is used.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..400 {
            seen.insert(random_tip_account());
        }
        assert_eq!(seen.len(), 8);
    }

    #[tokio::test]
    async fn bundles_are_checked_before_anything_is_sent() {
        let j = Jito::new(reqwest::Client::new(), vec![], None, 1);
        assert_eq!(j.send_bundle(&[]).await, Err(JitoError::BundleSize(0)));
        let six = vec![String::new(); 6];
        assert_eq!(j.send_bundle(&six).await, Err(JitoError::BundleSize(6)));
        assert_eq!(
            j.send_bundle(&[String::new()]).await,
            Err(JitoError::NoEndpoints)
        );
    }

    #[test]
    fn one_region_is_paced_to_its_rate() {
        let j = Jito::new(
            reqwest::Client::new(),
            vec![("http://x".into(), "x".into())],
            None,
            1,
        );
        let r = &j.regions[0];
        assert!(j.take_turn(r));
        assert!(
            !j.take_turn(r),
            "a second request within the second must wait"
        );
    }
}
