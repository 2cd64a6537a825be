//! The CPU time the calling thread has used. A plugin's deadline and its CPU share count
//! what its thread computed, not wall time: a plugin thread is in the idle scheduling class,
//! so on a busy host it may wait long for a core, and that waiting is not the plugin's doing.
//! Time blocked in a host call (HTTP, a chain read) is not computing either, and a thread's
//! CPU clock does not advance while it waits.

use std::time::Duration;

/// This thread's CPU time (Linux `CLOCK_THREAD_CPUTIME_ID`).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub(crate) fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, initialised struct we pass
    // and touches no other memory.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if r != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// Elsewhere, wall time since the first call (a coarser stand-in).
#[cfg(not(target_os = "linux"))]
pub(crate) fn thread_cpu() -> Duration {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_advances_with_computing_and_not_with_sleeping() {
        let a = thread_cpu();
        let mut x = 0u64;
        while thread_cpu() - a < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let b = thread_cpu();
        std::thread::sleep(Duration::from_millis(50));
        assert!(thread_cpu() - b < Duration::from_millis(20));
    }
}
