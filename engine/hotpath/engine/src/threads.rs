//! Thread placement: how the hot path is laid out on threads ([`Layout`]), which core each hot
//! thread is pinned to, and whether it spins or parks when idle. On a box with few cores the
//! hot path runs inline on one thread, pinning is off and threads park, so the engine shares
//! the machine politely; on a trading host the config names the cores.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadSettings {
    /// Pin the hot threads at all.
    pub pin: bool,
    /// Cores for the feed runtime, the strategy thread and the execution thread; `None`
    /// picks: feed on the first core, strategy on the last, execution next to it.
    pub feed_core: Option<usize>,
    pub strategy_core: Option<usize>,
    pub exec_core: Option<usize>,
    /// What the strategy and execution threads do with an empty queue.
    pub idle: Idle,
    /// How the hot path is laid out; `None` chooses from the host ([`Layout::for_host`]).
    pub layout: Option<Layout>,
}

/// How the hot path is laid out on threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One thread reads each frame, decodes it, runs the kernel and, for an order, signs it and
    /// writes its `sendTransaction` before it reads the next frame; confirmation, resends,
    /// fills, the journal's writes and everything slow run on other threads.
    Inline,
    /// Three threads, feed → strategy → execution, each handing work on by a queue: a
    /// thread wake-up per hand-off unless each has a core to spin on.
    Pipeline,
}

/// The cores the pipeline wants: one for each of its three hot threads, and one for the rest
/// (the control runtime, confirmation, the journal, the OS).
pub const PIPELINE_CORES: usize = 4;

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Inline => "inline",
            Layout::Pipeline => "pipeline",
        }
    }

    /// The layout for a host with `cores` cores, and why. With fewer cores than the pipeline
    /// wants, its hand-offs are thread wake-ups on shared cores, each costing more than the
    /// work it hands on (bench e2e on 2 vCPUs: README, Performance); inline pays none.
    pub fn for_host(cores: usize) -> (Layout, String) {
        if cores < PIPELINE_CORES {
            (
                Layout::Inline,
                format!(
                    "{cores} cores, fewer than the {PIPELINE_CORES} the pipeline wants: its 3 hot threads and one for the rest"
                ),
            )
        } else {
            (
                Layout::Pipeline,
                format!("{cores} cores: one for each pipeline thread and one to spare"),
            )
        }
    }
}

impl ThreadSettings {
    /// The layout this engine runs, and why: the config's, or the host's choice.
    pub fn resolve_layout(&self, cores: usize) -> (Layout, String) {
        match self.layout {
            Some(l) => (l, "set in the config ([threads] layout)".to_owned()),
            None => Layout::for_host(cores),
        }
    }
}

/// What a hot thread does with an empty queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Idle {
    /// Sleep until woken.
    #[default]
    Park,
    /// Poll, yielding the core to other runnable threads between polls.
    Yield,
    /// Poll without pause (a dedicated core).
    Spin,
}

impl Idle {
    /// One idle turn of a polling loop.
    pub fn pause(self) {
        match self {
            Idle::Spin => std::hint::spin_loop(),
            Idle::Yield | Idle::Park => std::thread::yield_now(),
        }
    }
}

/// The core each hot thread gets, if pinning is on and the cores exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    pub feed: Option<usize>,
    pub strategy: Option<usize>,
    pub exec: Option<usize>,
}

impl ThreadSettings {
    pub fn placement(&self, cores: usize) -> Placement {
        if !self.pin || cores == 0 {
            return Placement::default();
        }
        let valid = |c: usize| (c < cores).then_some(c);
        let last = cores - 1;
        Placement {
            feed: self.feed_core.map_or(Some(0), valid),
            strategy: self.strategy_core.map_or(Some(last), valid),
            exec: self.exec_core.map_or(Some(last.saturating_sub(1)), valid),
        }
    }
}

/// The nice value of the engine's background threads (the control runtime, the inline
/// layout's tracking runtime): on a core shared with a hot thread, the scheduler then lets
/// the hot thread run on when they wake, instead of preempting it for them.
pub const BACKGROUND_NICE: i32 = 10;

/// Lowers the calling thread's priority to [`BACKGROUND_NICE`] (Linux, where a nice value
/// belongs to a thread); logs and carries on if the OS says no. Elsewhere, nothing.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn background(name: &str) {
    // SAFETY: setpriority(2) on the calling thread (who = 0; Linux applies it to the thread,
    // not the process); it takes plain integers and touches no memory of ours.
    let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, BACKGROUND_NICE) };
    if r != 0 {
        tracing::debug!("{name} thread: could not lower its priority; running at the default");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn background(_name: &str) {}

/// The cores this process may run on, as the layout and the placement count them.
pub fn host_cores() -> usize {
    core_affinity::get_core_ids().map_or(0, |c| c.len())
}

/// Pins the calling thread to `core`; logs and carries on if the OS says no.
pub fn pin_current(name: &str, core: Option<usize>) {
    let Some(core) = core else {
        return;
    };
    let ids = core_affinity::get_core_ids().unwrap_or_default();
    match ids.into_iter().find(|c| c.id == core) {
        Some(id) if core_affinity::set_for_current(id) => {
            tracing::info!("{name} thread pinned to core {core}");
        }
        _ => tracing::warn!("{name} thread: could not pin to core {core}; running unpinned"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_host_runs_inline_and_a_large_one_the_pipeline_unless_the_config_says() {
        assert_eq!(Layout::for_host(2).0, Layout::Inline);
        assert_eq!(Layout::for_host(3).0, Layout::Inline);
        assert_eq!(Layout::for_host(4).0, Layout::Pipeline);
        assert!(Layout::for_host(2).1.contains("2 cores"));
        let set = ThreadSettings {
            layout: Some(Layout::Pipeline),
            ..ThreadSettings::default()
        };
        assert_eq!(set.resolve_layout(2).0, Layout::Pipeline);
        assert!(set.resolve_layout(2).1.contains("config"));
        assert_eq!(
            ThreadSettings::default().resolve_layout(1).0,
            Layout::Inline
        );
    }

    #[test]
    fn placement_defaults_and_refuses_missing_cores() {
        let off = ThreadSettings::default();
        assert_eq!(off.placement(16), Placement::default());
        let auto = ThreadSettings {
            pin: true,
            ..ThreadSettings::default()
        };
        assert_eq!(
            auto.placement(8),
            Placement {
                feed: Some(0),
                strategy: Some(7),
                exec: Some(6)
            }
        );
        let explicit = ThreadSettings {
            pin: true,
            feed_core: Some(2),
            strategy_core: Some(40),
            exec_core: Some(3),
            idle: Idle::Spin,
            layout: None,
        };
        assert_eq!(
            explicit.placement(4),
            Placement {
                feed: Some(2),
                strategy: None,
                exec: Some(3)
            }
        );
    }
}
