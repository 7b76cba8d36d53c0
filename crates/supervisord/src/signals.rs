//! The signals supervisord acts on, as one stream for the owner task.
//!
//! Every received signal is handled (Supervisor handles one per loop iteration and drops
//! duplicates, quirk Q11); repeated deliveries of the same signal between two polls coalesce,
//! which is harmless because handling is idempotent. SIGCHLD belongs to the reaper.

use std::io;

use tokio::signal::unix::{signal, Signal, SignalKind};

/// A signal the daemon reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaemonSignal {
    /// SIGTERM: orderly shutdown.
    Term,
    /// SIGINT: orderly shutdown.
    Int,
    /// SIGQUIT: orderly shutdown.
    Quit,
    /// SIGHUP: reload the configuration.
    Hup,
    /// SIGUSR2: reopen all logs.
    Usr2,
}

impl DaemonSignal {
    /// The signal's name as Supervisor logs it (`SIGTERM`).
    pub fn name(self) -> &'static str {
        match self {
            DaemonSignal::Term => "SIGTERM",
            DaemonSignal::Int => "SIGINT",
            DaemonSignal::Quit => "SIGQUIT",
            DaemonSignal::Hup => "SIGHUP",
            DaemonSignal::Usr2 => "SIGUSR2",
        }
    }
}

/// Listens for the daemon's signals. Must be created inside the runtime.
pub struct Signals {
    term: Signal,
    int: Signal,
    quit: Signal,
    hup: Signal,
    usr2: Signal,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            hup: signal(SignalKind::hangup())?,
            usr2: signal(SignalKind::user_defined2())?,
        })
    }

    /// Waits for the next signal.
    pub async fn recv(&mut self) -> DaemonSignal {
        tokio::select! {
            Some(()) = self.term.recv() => DaemonSignal::Term,
            Some(()) = self.int.recv() => DaemonSignal::Int,
            Some(()) = self.quit.recv() => DaemonSignal::Quit,
            Some(()) = self.hup.recv() => DaemonSignal::Hup,
            Some(()) = self.usr2.recv() => DaemonSignal::Usr2,
        }
    }
}
