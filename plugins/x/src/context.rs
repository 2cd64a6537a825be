//! The project's context notes for LLM drafts, versioned: each change (a note added or
//! removed) makes a new version, pending until an approver approves it; drafts use the
//! active version; a rollback makes the version active before it active again.
//!
//! Keys: `ctx/v/<n>` (a version), `ctx/next`, `ctx/active`, `ctx/history` (versions made
//! active, oldest first).

use serde::{Deserialize, Serialize};

use crate::store::{get_json, get_u64, set_json, set_u64};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub n: u64,
    pub notes: Vec<String>,
    /// What changed from the version it was made from.
    pub change: String,
    pub by: String,
    pub made_ms: u64,
    #[serde(default)]
    pub approved_by: Option<String>,
}

fn key(n: u64) -> String {
    format!("ctx/v/{n:06}")
}

pub fn get(n: u64) -> Option<Version> {
    get_json(&key(n))
}

pub fn active() -> Option<Version> {
    get_u64("ctx/active").and_then(get)
}

/// The notes drafts use now.
pub fn notes() -> (u64, Vec<String>) {
    active().map_or((0, Vec::new()), |v| (v.n, v.notes))
}

fn make(notes: Vec<String>, change: String, by: &str, now_ms: u64) -> Result<Version, String> {
    let n = get_u64("ctx/next").unwrap_or(1);
    set_u64("ctx/next", n + 1)?;
    let v = Version {
        n,
        notes,
        change,
        by: by.into(),
        made_ms: now_ms,
        approved_by: None,
    };
    set_json(&key(n), &v)?;
    Ok(v)
}

/// A new pending version: the active notes and this one.
pub fn add(note: &str, by: &str, now_ms: u64) -> Result<Version, String> {
    let note = note.trim();
    if note.is_empty() {
        return Err("a note needs text".into());
    }
    let (_, mut notes) = notes();
    notes.push(note.to_owned());
    make(notes, format!("added \"{note}\""), by, now_ms)
}

/// A new pending version: the active notes without note `k` (1-based).
pub fn remove(k: usize, by: &str, now_ms: u64) -> Result<Version, String> {
    let (_, mut notes) = notes();
    if k == 0 || k > notes.len() {
        return Err(format!(
            "there is no note {k} (the active version has {})",
            notes.len()
        ));
    }
    let gone = notes.remove(k - 1);
    make(notes, format!("removed \"{gone}\""), by, now_ms)
}

pub fn approve(n: u64, by: &str) -> Result<Version, String> {
    let mut v = get(n).ok_or_else(|| format!("there is no context version {n}"))?;
    if get_u64("ctx/active") == Some(n) {
        return Err(format!("version {n} is already the active one"));
    }
    v.approved_by = Some(by.into());
    set_json(&key(n), &v)?;
    let mut history: Vec<u64> = get_json("ctx/history").unwrap_or_default();
    history.push(n);
    set_json("ctx/history", &history)?;
    set_u64("ctx/active", n)?;
    Ok(v)
}

/// Makes the version active before the current one active again.
pub fn rollback() -> Result<Version, String> {
    let mut history: Vec<u64> = get_json("ctx/history").unwrap_or_default();
    if history.len() < 2 {
        return Err("no earlier approved version to roll back to".into());
    }
    history.pop();
    let back = *history.last().ok_or("no earlier version")?;
    let v = get(back).ok_or_else(|| format!("version {back} is missing"))?;
    set_json("ctx/history", &history)?;
    set_u64("ctx/active", back)?;
    Ok(v)
}

/// The latest versions, newest first.
pub fn list(limit: u64) -> Vec<Version> {
    let next = get_u64("ctx/next").unwrap_or(1);
    (1..next)
        .rev()
        .take(usize::try_from(limit).unwrap_or(10))
        .filter_map(get)
        .collect()
}
