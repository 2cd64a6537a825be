//! A plugin's durable key-value store: one SQLite file per plugin beside the journal
//! (`plugin-<name>.sqlite`), kept across restarts and reloads, within a byte quota that
//! counts keys and values. Writes are transactions (WAL; `synchronous = NORMAL` survives a
//! killed process), and compare-and-set is atomic. The store is only ever used from its
//! plugin's thread, so the lock around the connection is never contended.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use thiserror::Error;

/// Keys are 1 to this many bytes.
pub const MAX_KEY: usize = 256;
/// The most keys one `list` returns.
pub const MAX_LIST: u32 = 1_000;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("keys are 1 to {MAX_KEY} bytes")]
    BadKey,
    #[error("the store would pass its {0} byte quota")]
    Quota(u64),
    #[error("storage: {0}")]
    Sqlite(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e.to_string())
    }
}

struct Inner {
    conn: Connection,
    /// Bytes held: keys and values.
    used: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    quota: u64,
}

fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(StoreError::BadKey);
    }
    Ok(())
}

fn size(key: &str, value: &[u8]) -> u64 {
    (key.len() + value.len()) as u64
}

impl Store {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path, quota: u64) -> Result<Self, StoreError> {
        Self::with(Connection::open(path)?, quota)
    }

    /// A store in memory, gone with the host (a host run without a data directory).
    pub fn in_memory(quota: u64) -> Result<Self, StoreError> {
        Self::with(Connection::open_in_memory()?, quota)
    }

    fn with(conn: Connection, quota: u64) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(1))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;",
        )?;
        let used: i64 = conn.query_row(
            "SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(value)), 0) FROM kv",
            [],
            |r| r.get(0),
        )?;
        Ok(Self {
            inner: Mutex::new(Inner {
                conn,
                used: u64::try_from(used).unwrap_or(0),
            }),
            quota,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(key)?;
        let g = self.lock();
        Ok(g.conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(key, None, Some(value)).map(|_| ())
    }

    pub fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.write(key, None, None).map(|_| ())
    }

    /// Writes `value` (none: deletes) only if `key` holds `expected` (none: absent); whether
    /// it wrote.
    pub fn compare_and_set(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        self.write(key, Some(expected), value)
    }

    /// One write in one transaction: read what is there, check the condition and the quota,
    /// write, and count the bytes only once it committed.
    fn write(
        &self,
        key: &str,
        expected: Option<Option<&[u8]>>,
        value: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        check_key(key)?;
        let mut g = self.lock();
        let used = g.used;
        let tx = g
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?;
        if let Some(expected) = expected
            && now.as_deref() != expected
        {
            return Ok(false);
        }
        let freed = now.as_deref().map_or(0, |v| size(key, v));
        let added = value.map_or(0, |v| size(key, v));
        let after = used - freed.min(used) + added;
        if added > freed && after > self.quota {
            return Err(StoreError::Quota(self.quota));
        }
        match value {
            Some(v) => tx.execute(
                "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => tx.execute("DELETE FROM kv WHERE key = ?1", [key])?,
        };
        tx.commit()?;
        g.used = after;
        Ok(true)
    }

    /// Keys starting with `prefix`, in byte order, after `after` if given, at most `limit`
    /// (and at most [`MAX_LIST`]).
    pub fn list(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let from = match after {
            Some(a) if a > prefix => a,
            _ => prefix,
        };
        let inclusive = after.is_none_or(|a| a < prefix);
        let g = self.lock();
        let sql = if inclusive {
            "SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?2"
        } else {
            "SELECT key FROM kv WHERE key > ?1 ORDER BY key LIMIT ?2"
        };
        let mut stmt = g.conn.prepare_cached(sql)?;
        let n = limit.min(MAX_LIST);
        let rows = stmt.query_map(params![from, n], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for k in rows {
            let k = k?;
            if !k.starts_with(prefix) {
                break;
            }
            out.push(k);
        }
        Ok(out)
    }

    /// Bytes used and the quota.
    pub fn usage(&self) -> (u64, u64) {
        (self.lock().used, self.quota)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plugin-a.sqlite");
        let s = Store::open(&path, 1_000).unwrap();
        s.set("case:1", b"warned").unwrap();
        s.set("case:2", b"banned").unwrap();
        s.delete("case:2").unwrap();
        drop(s);
        let s = Store::open(&path, 1_000).unwrap();
        assert_eq!(s.get("case:1").unwrap().as_deref(), Some(&b"warned"[..]));
        assert_eq!(s.get("case:2").unwrap(), None);
        assert_eq!(s.usage(), (12, 1_000));
    }

    #[test]
    fn the_quota_counts_keys_and_values_and_a_refused_write_changes_nothing() {
        let s = Store::in_memory(20).unwrap();
        s.set("k", &[0; 10]).unwrap();
        assert_eq!(s.usage().0, 11);
        assert_eq!(s.set("j", &[0; 10]), Err(StoreError::Quota(20)));
        assert_eq!(s.get("j").unwrap(), None);
        // Replacing a value counts the difference; shrinking is always allowed.
        s.set("k", &[0; 19]).unwrap();
        assert_eq!(s.set("k", &[0; 20]), Err(StoreError::Quota(20)));
        s.set("k", &[1]).unwrap();
        assert_eq!(s.usage().0, 2);
        assert_eq!(s.set("", b"x"), Err(StoreError::BadKey));
        assert_eq!(
            s.set(&"k".repeat(MAX_KEY + 1), b"x"),
            Err(StoreError::BadKey)
        );
    }

    #[test]
    fn compare_and_set_writes_only_over_what_was_expected() {
        let s = Store::in_memory(1_000).unwrap();
        assert!(s.compare_and_set("next", None, Some(b"1")).unwrap());
        assert!(!s.compare_and_set("next", None, Some(b"9")).unwrap());
        assert!(!s.compare_and_set("next", Some(b"2"), Some(b"3")).unwrap());
        assert!(s.compare_and_set("next", Some(b"1"), Some(b"2")).unwrap());
        assert_eq!(s.get("next").unwrap().as_deref(), Some(&b"2"[..]));
        assert!(s.compare_and_set("next", Some(b"2"), None).unwrap());
        assert_eq!(s.get("next").unwrap(), None);
        assert_eq!(s.usage().0, 0);
    }

    #[test]
    fn listing_is_by_prefix_in_byte_order_and_pages_with_after() {
        let s = Store::in_memory(10_000).unwrap();
        for k in ["case:3", "case:1", "case:2", "casf", "cas", "draft:1"] {
            s.set(k, b"").unwrap();
        }
        assert_eq!(
            s.list("case:", None, 10).unwrap(),
            ["case:1", "case:2", "case:3"]
        );
        assert_eq!(s.list("case:", None, 2).unwrap(), ["case:1", "case:2"]);
        assert_eq!(s.list("case:", Some("case:2"), 10).unwrap(), ["case:3"]);
        assert_eq!(s.list("", Some("casf"), 10).unwrap(), ["draft:1"]);
        assert!(s.list("zzz", None, 10).unwrap().is_empty());
    }
}
