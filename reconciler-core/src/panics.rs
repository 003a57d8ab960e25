//! Where a contained panic happened.
//!
//! `catch_unwind` hands back only the panic's message; the file and line are known only
//! to the panic hook. [`install_hook`] (called by the Juju entry point, which owns the
//! process) replaces Rust's default hook, which would print a second, differently worded
//! report to stderr, with one that remembers the location on the panicking thread. The
//! executor then logs it with the panic's message. Without the hook (in tests, in a
//! library user's own process) no location is known and nothing changes.

use std::cell::RefCell;

thread_local! {
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the process's panic hook with one that records where each panic happened
/// (for [`take_location`]) instead of printing it: the runtime reports contained panics
/// itself, through `juju-log` and stderr.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        LOCATION.with(|slot| *slot.borrow_mut() = location);
    }));
}

/// The location of the last panic on this thread, if the hook recorded one; clears it.
pub fn take_location() -> Option<String> {
    LOCATION.with(|slot| slot.borrow_mut().take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_recorded_without_the_hook() {
        // The test harness keeps its own hook; this thread has recorded nothing.
        assert_eq!(take_location(), None);
    }
}
