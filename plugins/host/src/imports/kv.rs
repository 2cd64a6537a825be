//! `kv`: the plugin's durable store (`crate::storage`), refusals counted.

use std::sync::atomic::Ordering::Relaxed;

use crate::storage::StoreError;
use crate::wit::latest::KvError;
use crate::wit::latest::kestrel::plugin::kv;

use super::State;

impl From<StoreError> for KvError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::BadKey => KvError::BadKey(e.to_string()),
            StoreError::Quota(q) => KvError::Quota(q),
            StoreError::Sqlite(m) => KvError::Storage(m),
        }
    }
}

/// What a refusal says, for versions whose `kv` answers in text.
pub(crate) fn describe(e: &KvError) -> String {
    match e {
        KvError::BadKey(m) | KvError::Storage(m) => m.clone(),
        KvError::Quota(q) => format!("the store would pass its {q} byte quota"),
        KvError::Busy(n) => format!("more than {n} writes a second"),
    }
}

impl State {
    /// A write, if the plugin's write rate allows one now.
    fn write<T>(&mut self, f: impl FnOnce(&State) -> Result<T, StoreError>) -> Result<T, KvError> {
        if !self.kv_rate.take() {
            self.ctx.counters.kv_refused.fetch_add(1, Relaxed);
            return Err(KvError::Busy(self.ctx.limits.kv_writes_per_second));
        }
        let r = f(self);
        self.kv(r)
    }

    fn kv<T>(&self, r: Result<T, StoreError>) -> Result<T, KvError> {
        r.map_err(|e| {
            self.ctx.counters.kv_refused.fetch_add(1, Relaxed);
            if let StoreError::Sqlite(m) = &e {
                tracing::warn!(plugin = %self.ctx.name, "plugin store: {m}");
            }
            e.into()
        })
    }
}

impl kv::Host for State {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, KvError> {
        self.kv(self.ctx.store.get(&key))
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), KvError> {
        self.write(|s| s.ctx.store.set(&key, &value))
    }

    fn delete(&mut self, key: String) -> Result<(), KvError> {
        self.write(|s| s.ctx.store.delete(&key))
    }

    fn compare_and_set(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
    ) -> Result<bool, KvError> {
        self.write(|s| {
            s.ctx
                .store
                .compare_and_set(&key, expected.as_deref(), value.as_deref())
        })
    }

    fn keys(
        &mut self,
        prefix: String,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, KvError> {
        self.kv(self.ctx.store.list(&prefix, after.as_deref(), limit))
    }

    fn usage(&mut self) -> (u64, u64) {
        self.ctx.store.usage()
    }
}
