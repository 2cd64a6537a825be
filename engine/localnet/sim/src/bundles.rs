//! The Jito bundles the cluster has seen and what became of each, kept for the block engine's
//! status queries (`getBundleStatuses`, `getInflightBundleStatuses`). Held by the cluster, so
//! it sits below the block engine that fills it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Bundles remembered for status queries.
const REMEMBERED: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Landed {
        slot: u64,
        signatures: Vec<String>,
    },
    /// A transaction could not run or failed: nothing landed.
    Failed {
        index: usize,
        error: String,
    },
}

#[derive(Default)]
pub struct Bundles {
    inner: Mutex<(HashMap<String, Outcome>, VecDeque<String>)>,
}

impl Bundles {
    pub fn remember(&self, id: &str, o: Outcome) {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (map, order) = &mut *g;
        if map.insert(id.to_owned(), o).is_none() {
            order.push_back(id.to_owned());
        }
        while order.len() > REMEMBERED {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Outcome> {
        let g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.0.get(id).cloned()
    }
}
