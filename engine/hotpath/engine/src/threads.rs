//! Thread placement: which core each hot thread is pinned to, and whether it spins or parks
//! when idle. On a box with few cores pinning is off and threads park, so the engine shares
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
