//! The schedules: each cron line's next slot in the operator's zone, the post made for it
//! `lead_minutes` ahead (the library's next entry of its category, or an LLM draft), once per
//! slot whatever restarts happen, and slots missed while stopped skipped; and the slots ahead,
//! for people.

use kestrel_plugin_sdk::{Level, log};

use crate::checks::Memory;
use crate::post::{Post, Source, content_hash};
use crate::queue::{GRACE_MS, NewPost, Queue};
use crate::settings::Make;
use crate::{calendar, library, store};

impl Queue {
    /// Makes the posts of schedule slots that are near (within the lead time).
    pub fn run_schedules(&mut self, now: u64) {
        for i in 0..self.s.schedules.len() {
            let line = self.s.schedules[i].line.clone();
            let key = format!("sched/{line}");
            let next = match self.next_slot[i] {
                Some(n) => Some(n),
                None => {
                    let from = store::get_u64(&key).unwrap_or(now);
                    calendar::next_fire(&self.s.schedules[i].cron, &self.s.zone, from)
                }
            };
            let Some(mut slot) = next else {
                continue;
            };
            // Slots missed while the bot was stopped are skipped, not posted late.
            let mut missed = 0;
            while now > slot.saturating_add(GRACE_MS) && missed < 10_000 {
                missed += 1;
                match calendar::next_fire(&self.s.schedules[i].cron, &self.s.zone, slot) {
                    Some(n) => slot = n,
                    None => break,
                }
            }
            if missed > 0 {
                log::log(
                    Level::Warn,
                    &format!("schedule `{line}`: {missed} slots missed while stopped"),
                );
                let _ = store::set_u64(&key, slot.saturating_sub(1));
            }
            self.next_slot[i] = Some(slot);
            if now.saturating_add(self.s.lead_ms) < slot {
                continue;
            }
            let make = self.s.schedules[i].make.clone();
            if let Err(e) = self.make_for_slot(&make, &line, slot, now) {
                self.alert(&format!(
                    "schedule `{line}` at {}: {e}",
                    calendar::show(slot, &self.s.zone)
                ));
            }
            let _ = store::set_u64(&key, slot);
            self.next_slot[i] = calendar::next_fire(&self.s.schedules[i].cron, &self.s.zone, slot);
        }
    }

    fn make_for_slot(
        &mut self,
        make: &Make,
        line: &str,
        slot: u64,
        now: u64,
    ) -> Result<(), String> {
        let key = format!("slot:{}:{slot}", content_hash(line).get(..12).unwrap_or(""));
        if self.store.by_key(&key).is_some() {
            return Ok(());
        }
        match make {
            Make::Library(category) => {
                self.store.now_ms = now;
                let days = self.s.dedupe_days;
                let store = &self.store;
                let taken = library::take(category, now, |text| {
                    let probe = Post {
                        hash: content_hash(text),
                        ..Post::default()
                    };
                    // A store that cannot say counts the entry as used.
                    store.posted_within(&probe.hash, days).unwrap_or(true)
                        || store.queued_twin(&probe).is_some()
                })?;
                let Some((entry, e)) = taken else {
                    return Err(format!(
                        "the library has no `{category}` post that was not used in the last {days} days"
                    ));
                };
                self.make(
                    NewPost {
                        text: e.text,
                        category: category.clone(),
                        source: Source::Library { entry },
                        key,
                        slot_ms: Some(slot),
                        facts: Vec::new(),
                        reply_to: None,
                    },
                    now,
                )?;
            }
            Make::Llm(subject) => {
                self.draft(subject.as_deref(), key, Some(slot), now)?;
            }
        }
        Ok(())
    }

    /// The schedules' slots in the next `days` days, for people.
    pub fn upcoming(&self, now: u64, days: u64) -> Vec<String> {
        let end = now + days * 86_400_000;
        let mut slots: Vec<(u64, String)> = Vec::new();
        for sch in &self.s.schedules {
            let mut t = now;
            while let Some(n) = calendar::next_fire(&sch.cron, &self.s.zone, t) {
                if n > end || slots.len() > 500 {
                    break;
                }
                let what = match &sch.make {
                    Make::Library(c) => format!("library:{c}"),
                    Make::Llm(Some(s)) => format!("llm ({s})"),
                    Make::Llm(None) => "llm".into(),
                };
                slots.push((n, what));
                t = n;
            }
        }
        slots.sort();
        slots
            .into_iter()
            .map(|(t, w)| format!("{}  {w}", calendar::show(t, &self.s.zone)))
            .collect()
    }
}
