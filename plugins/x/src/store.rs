//! The bot's durable memory, in the host's key-value store (SQLite, kept across restarts):
//! posts by id, one post per idempotency key, the hashes of what went out (for the dedupe
//! window), who summoned us, the day's spend and posts, the schedules' last slots. Live posts
//! (not final) are also held in memory, written through on every change: the bot is the
//! store's only writer.
//!
//! Keys: `post/<id>` (JSON), `next_id`, `live` (ids), `recent` (ids), `key/<idempotency>`,
//! `posted/<hash>` (ms), `summon/user/<name>`, `summon/post/<id>`, `spend/<UTC day>` (JSON),
//! `day/<local day>` (posts), `sched/<line>` (last slot ms), `hold` (ms), `auth` (why
//! posting stopped).

use std::collections::BTreeMap;

use kestrel_plugin_sdk::{KvError, kv};
use serde::{Deserialize, Serialize};

use crate::checks::Memory;
use crate::post::Post;

/// Final posts kept in memory for the queue's view.
const RECENT: usize = 20;
const DAY_MS: u64 = 86_400_000;

fn kv_err(e: KvError) -> String {
    match e {
        KvError::BadKey(k) => format!("storage: bad key {k}"),
        KvError::Quota(q) => format!("storage: the plugin's quota of {q} bytes is full"),
        KvError::Busy(n) => format!("storage: over {n} writes a second, try again"),
        KvError::Storage(s) => format!("storage: {s}"),
    }
}

pub fn get_u64(key: &str) -> Option<u64> {
    try_u64(key).ok().flatten()
}

/// A counter, or why the store could not say: what the safety checks and caps read, so a
/// store that fails refuses rather than lets through.
pub fn try_u64(key: &str) -> Result<Option<u64>, String> {
    let v = kv::get(key).map_err(kv_err)?;
    Ok(v.and_then(|v| <[u8; 8]>::try_from(v.as_slice()).ok())
        .map(u64::from_le_bytes))
}

pub fn set_u64(key: &str, v: u64) -> Result<(), String> {
    kv::set(key, &v.to_le_bytes()).map_err(kv_err)
}

pub fn get_json<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    kv::get(key)
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_slice(&v).ok())
}

pub fn set_json<T: Serialize>(key: &str, v: &T) -> Result<(), String> {
    let bytes = serde_json::to_vec(v).map_err(|e| e.to_string())?;
    kv::set(key, &bytes).map_err(kv_err)
}

pub fn delete(key: &str) -> Result<(), String> {
    kv::delete(key).map_err(kv_err)
}

/// A UTC day's spend: X's (billed per UTC day) and the LLM's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    pub x_micros: u64,
    pub posts: u32,
    pub deletes: u32,
    pub reads: u32,
    pub llm_micros: u64,
    pub llm_requests: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

pub struct Store {
    pub live: BTreeMap<u64, Post>,
    pub recent: Vec<Post>,
    /// Set by the caller each tick: the checks' dedupe window counts from it.
    pub now_ms: u64,
}

fn post_key(id: u64) -> String {
    format!("post/{id:012}")
}

impl Store {
    pub fn load() -> Self {
        let ids = |k: &str| get_json::<Vec<u64>>(k).unwrap_or_default();
        let live = ids("live")
            .into_iter()
            .filter_map(|id| get_json::<Post>(&post_key(id)).map(|p| (id, p)))
            .collect();
        let recent = ids("recent")
            .into_iter()
            .filter_map(|id| get_json::<Post>(&post_key(id)))
            .collect();
        Self {
            live,
            recent,
            now_ms: 0,
        }
    }

    pub fn get(&self, id: u64) -> Option<Post> {
        self.live
            .get(&id)
            .cloned()
            .or_else(|| self.recent.iter().find(|p| p.id == id).cloned())
            .or_else(|| get_json(&post_key(id)))
    }

    /// The post made for `key`, if one was.
    pub fn by_key(&self, key: &str) -> Option<Post> {
        get_u64(&format!("key/{key}")).and_then(|id| self.get(id))
    }

    /// Stores a new post under a fresh id, unless its key made one already (that one is
    /// returned, and `false`).
    pub fn create(&mut self, mut p: Post) -> Result<(Post, bool), String> {
        if let Some(old) = try_u64(&format!("key/{}", p.key))?.and_then(|id| self.get(id)) {
            return Ok((old, false));
        }
        let id = try_u64("next_id")?.unwrap_or(1);
        set_u64("next_id", id + 1)?;
        p.id = id;
        self.save(&p)?;
        set_u64(&format!("key/{}", p.key), id)?;
        Ok((p, true))
    }

    /// Writes a post and keeps the live and recent lists true.
    pub fn save(&mut self, p: &Post) -> Result<(), String> {
        set_json(&post_key(p.id), p)?;
        let was_live = self.live.contains_key(&p.id);
        if p.state.is_final() {
            self.live.remove(&p.id);
            self.recent.retain(|r| r.id != p.id);
            self.recent.push(p.clone());
            if self.recent.len() > RECENT {
                self.recent.remove(0);
            }
            set_json(
                "recent",
                &self.recent.iter().map(|r| r.id).collect::<Vec<_>>(),
            )?;
            if was_live {
                set_json("live", &self.live.keys().collect::<Vec<_>>())?;
            }
        } else {
            self.live.insert(p.id, p.clone());
            if !was_live {
                set_json("live", &self.live.keys().collect::<Vec<_>>())?;
            }
        }
        Ok(())
    }

    pub fn mark_posted(&self, hash: &str, at_ms: u64) -> Result<(), String> {
        set_u64(&format!("posted/{hash}"), at_ms)
    }

    pub fn record_summons(&self, username: &str, post_id: &str, at_ms: u64) -> Result<(), String> {
        set_u64(&format!("summon/user/{}", username.to_lowercase()), at_ms)?;
        set_u64(&format!("summon/post/{post_id}"), at_ms)
    }

    /// A day's spend; an error when the store cannot say (the caps then hold).
    pub fn spend(day: &str) -> Result<Spend, String> {
        match kv::get(&format!("spend/{day}")).map_err(kv_err)? {
            None => Ok(Spend::default()),
            Some(v) => serde_json::from_slice(&v).map_err(|e| format!("storage: spend/{day}: {e}")),
        }
    }

    pub fn add_spend(day: &str, f: impl FnOnce(&mut Spend)) -> Result<Spend, String> {
        let mut s = Self::spend(day)?;
        f(&mut s);
        set_json(&format!("spend/{day}"), &s)?;
        Ok(s)
    }

    /// Posts made on a day; an error when the store cannot say.
    pub fn posts_on(day: &str) -> Result<u64, String> {
        Ok(try_u64(&format!("day/{day}"))?.unwrap_or(0))
    }

    pub fn count_post(day: &str) -> Result<(), String> {
        set_u64(&format!("day/{day}"), Self::posts_on(day)? + 1)
    }
}

/// Deletions one prune makes at most (the store's write rate is bounded).
const PRUNE_BATCH: usize = 100;

/// Every key under `prefix`, a page at a time, until `f` says stop.
fn each_key(prefix: &str, mut f: impl FnMut(&str) -> bool) {
    let mut after: Option<String> = None;
    while let Ok(keys) = kv::keys(prefix, after.as_deref(), 100) {
        let Some(last) = keys.last().cloned() else {
            return;
        };
        for k in &keys {
            if !f(k) {
                return;
            }
        }
        after = Some(last);
    }
}

impl Store {
    /// Forgets what no longer matters, so the store stays within its quota: final posts
    /// (not among the recent) older than `keep_ms`, with their idempotency keys, and the
    /// hashes of posts and the summons older than that. How many keys it deleted.
    pub fn prune(&mut self, now: u64, keep_ms: u64) -> usize {
        let cutoff = now.saturating_sub(keep_ms);
        let mut gone: Vec<String> = Vec::new();
        each_key("post/", |k| {
            if let Some(p) = get_json::<Post>(k)
                && p.state.is_final()
                && p.posted_ms.unwrap_or(p.created_ms) < cutoff
                && !self.recent.iter().any(|r| r.id == p.id)
            {
                gone.push(k.to_owned());
                gone.push(format!("key/{}", p.key));
            }
            gone.len() < PRUNE_BATCH
        });
        for prefix in ["posted/", "summon/"] {
            each_key(prefix, |k| {
                if get_u64(k).is_some_and(|at| at < cutoff) {
                    gone.push(k.to_owned());
                }
                gone.len() < PRUNE_BATCH
            });
        }
        let mut n = 0;
        for k in gone {
            if delete(&k).is_err() {
                break;
            }
            n += 1;
        }
        n
    }
}

impl Memory for Store {
    fn posted_within(&self, hash: &str, days: u64) -> Result<bool, String> {
        Ok(try_u64(&format!("posted/{hash}"))?
            .is_some_and(|at| self.now_ms.saturating_sub(at) < days.saturating_mul(DAY_MS)))
    }

    fn queued_twin(&self, p: &Post) -> Option<u64> {
        self.live
            .values()
            .find(|o| o.id != p.id && o.hash == p.hash)
            .map(|o| o.id)
    }

    fn summoned_by(&self, username: &str) -> bool {
        get_u64(&format!("summon/user/{username}")).is_some()
    }

    fn summoned_in(&self, post_id: &str) -> bool {
        get_u64(&format!("summon/post/{post_id}")).is_some()
    }
}
