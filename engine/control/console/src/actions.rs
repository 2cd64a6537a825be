//! The operator's commands (pause, resume, kill, sell), from wherever they come: queued to the
//! strategy thread, which owns the state and passes every sell through the guardian, and
//! journaled with their origin whether or not the queue took them. The control port and the
//! dashboard both submit here.

use kestrel_engine::Published;
use kestrel_engine::order::Command;
use kestrel_store::{ActionRecord, Record};

/// Why a command was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotQueued {
    #[error("the command queue is full or the engine is stopping")]
    Unavailable,
}

/// The journal's word for a command.
pub fn action_name(c: &Command) -> &'static str {
    match c {
        Command::Pause => "pause",
        Command::Resume => "resume",
        Command::Kill { sell_all: false } => "halt",
        Command::Kill { sell_all: true } => "halt-and-sell-all",
        Command::Sell { .. } => "sell",
        Command::Buy { .. } => "buy",
    }
}

/// Queues `c` and journals it with `origin` ("dashboard", "control-port").
pub fn submit(p: &Published, origin: &'static str, c: Command) -> Result<(), NotQueued> {
    let queued = p.commands.try_send(c).is_ok();
    if let Some(j) = &p.journal {
        let (mint, percent) = match c {
            Command::Sell { mint, percent } => (Some(mint), Some(percent)),
            Command::Buy { info, .. } => (Some(info.mint), None),
            _ => (None, None),
        };
        j.record(Record::Action(ActionRecord {
            origin,
            action: action_name(&c),
            mint,
            percent,
            queued,
            at_ns: wall_nanos(),
        }));
    }
    if queued {
        Ok(())
    } else {
        Err(NotQueued::Unavailable)
    }
}

/// Nanoseconds since the Unix epoch (the journal's clock for rows written off the kernel).
fn wall_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
