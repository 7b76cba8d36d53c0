//! Ctrl-C handling for the streaming commands (`tail -f`, `maintail -f`, `fg`) and the shell.
//!
//! Python turns SIGINT into `KeyboardInterrupt`, which those commands catch to print their
//! closing line and return. We get the same effect with a handler that only records the signal:
//! it is installed without `SA_RESTART`, so a blocking `read`/`poll` returns `EINTR`, and the
//! code that sees `EINTR` checks [`interrupted`].

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: nix::libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C was pressed since the last [`catch_interrupts`]/[`clear`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Forgets a recorded Ctrl-C.
pub fn clear() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

/// Makes SIGINT set the flag (and interrupt blocking calls) instead of killing the process.
pub fn catch_interrupts() {
    clear();
    let action = SigAction::new(
        SigHandler::Handler(on_sigint),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let _ = unsafe { signal::sigaction(Signal::SIGINT, &action) };
}

/// Restores the default SIGINT disposition (the process dies, as Python's does outside the
/// commands that catch `KeyboardInterrupt`).
pub fn default_interrupts() {
    let action = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: restoring the default disposition installs no Rust code as a handler.
    let _ = unsafe { signal::sigaction(Signal::SIGINT, &action) };
}
