//! The operator's library of written posts, by category, rotated without repeats: a
//! category's next post is the one used least, then longest ago, so every entry goes once
//! before any goes twice. Entries come from config (`post.<category>.<name>`) and from the
//! approval chat (`/x library add`).
//!
//! Keys: `lib/<category>/<name>` (an entry), `lib_next` (names for chat entries).

use kestrel_plugin_sdk::kv;
use serde::{Deserialize, Serialize};

use crate::store::{delete, get_json, get_u64, set_json, set_u64};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub text: String,
    pub uses: u32,
    pub last_ms: u64,
    pub from_config: bool,
}

fn key(category: &str, name: &str) -> String {
    format!("lib/{category}/{name}")
}

/// Every entry under `prefix`, with its category and name.
fn scan(prefix: &str) -> Vec<(String, String, Entry)> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    while let Ok(keys) = kv::keys(prefix, after.as_deref(), 100) {
        let Some(last) = keys.last().cloned() else {
            break;
        };
        for k in keys {
            let Some((category, name)) = k.strip_prefix("lib/").and_then(|r| r.split_once('/'))
            else {
                continue;
            };
            if let Some(e) = get_json::<Entry>(&k) {
                out.push((category.to_owned(), name.to_owned(), e));
            }
        }
        after = Some(last);
    }
    out
}

/// Brings the config's entries in: new ones added, changed ones reset, removed ones gone.
pub fn seed(config: &[(String, String, String)]) -> Result<(), String> {
    for (category, name, text) in config {
        let k = key(category, name);
        match get_json::<Entry>(&k) {
            Some(e) if e.text == *text => {}
            _ => set_json(
                &k,
                &Entry {
                    text: text.clone(),
                    uses: 0,
                    last_ms: 0,
                    from_config: true,
                },
            )?,
        }
    }
    for (category, name, e) in scan("lib/") {
        let kept = config.iter().any(|(c, n, _)| *c == category && *n == name);
        if e.from_config && !kept {
            delete(&key(&category, &name))?;
        }
    }
    Ok(())
}

pub fn add(category: &str, text: &str) -> Result<String, String> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !ok(category) {
        return Err(format!(
            "`{category}` is not a category (letters, digits, - and _)"
        ));
    }
    if text.trim().is_empty() {
        return Err("a library post needs text".into());
    }
    let n = get_u64("lib_next").unwrap_or(1);
    set_u64("lib_next", n + 1)?;
    let name = format!("n{n}");
    set_json(
        &key(category, &name),
        &Entry {
            text: text.trim().to_owned(),
            uses: 0,
            last_ms: 0,
            from_config: false,
        },
    )?;
    Ok(name)
}

pub fn remove(category: &str, name: &str) -> Result<(), String> {
    let k = key(category, name);
    if get_json::<Entry>(&k).is_none() {
        return Err(format!("no library post {category}/{name}"));
    }
    delete(&k)
}

pub fn list(category: Option<&str>) -> Vec<(String, String, Entry)> {
    let prefix = category.map_or_else(|| "lib/".to_owned(), |c| format!("lib/{c}/"));
    scan(&prefix)
}

/// The category's next entry to post, skipping those `skip` refuses (posted too recently);
/// marked used.
pub fn take(
    category: &str,
    now_ms: u64,
    skip: impl Fn(&str) -> bool,
) -> Result<Option<(String, Entry)>, String> {
    let mut entries: Vec<(String, Entry)> = scan(&format!("lib/{category}/"))
        .into_iter()
        .map(|(_, n, e)| (n, e))
        .filter(|(_, e)| !skip(&e.text))
        .collect();
    entries.sort_by(|a, b| (a.1.uses, a.1.last_ms, &a.0).cmp(&(b.1.uses, b.1.last_ms, &b.0)));
    let Some((name, mut e)) = entries.into_iter().next() else {
        return Ok(None);
    };
    e.uses += 1;
    e.last_ms = now_ms;
    set_json(&key(category, &name), &e)?;
    Ok(Some((name, e)))
}
