//! Central reaping: the only place in the daemon that calls `waitpid`.
//!
//! Why one reaper: a status can be collected only once. A per-child waiter (`waitpid(pid)`,
//! `tokio::process::Child::wait`) and a `waitpid(-1)` loop would steal statuses from each other,
//! and per-child waiters alone never collect orphans, which pile up as zombies when the daemon is
//! PID 1 in a container. So every exit goes through here: on SIGCHLD, `waitpid(-1, WNOHANG)` is
//! repeated until nothing is left, and each status is handed to the owner, which routes known
//! pids to their process and logs the rest as orphans ([`orphan_message`]).
//!
//! [`Reaper::new`] also makes the daemon a child subreaper (`PR_SET_CHILD_SUBREAPER`), so when a
//! program's children outlive it they are re-parented to us rather than to init: they get reaped
//! here, and [`crate::spawn::find_survivors`] can find them. As PID 1 that is already the case.
//!
//! SIGCHLD notifications coalesce (many exits can produce one wake-up); draining until `waitpid`
//! reports no more exited children makes that harmless.

use std::collections::VecDeque;
use std::io;
use std::time::Instant;

use nix::errno::Errno;
use nix::unistd::Pid;
use supervisor_core::signals::{describe_wait_status, WaitStatus};
use tokio::signal::unix::{signal, Signal, SignalKind};

/// One collected exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    /// The pid that exited (now free for reuse).
    pub pid: Pid,
    /// How it ended.
    pub status: WaitStatus,
    /// When we collected it: the exit time used for `startsecs` decisions.
    pub at: Instant,
}

/// Supervisor's INFO line for a pid nobody owns: `reaped unknown pid PID (MSG)`.
pub fn orphan_message(reaped: &Reaped) -> String {
    format!(
        "reaped unknown pid {} ({})",
        reaped.pid,
        describe_wait_status(reaped.status)
    )
}

/// Makes this process the reaper of orphaned descendants (`PR_SET_CHILD_SUBREAPER`).
pub fn become_subreaper() -> io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

/// Collects every child that has exited, without blocking.
///
/// Returns when `waitpid` says no exited child is left (none running, or all still running).
/// Uses the raw status word rather than `nix`'s decoding, which rejects real-time signal numbers
/// (a child killed by `SIGRTMIN+n` would otherwise be reaped and its status lost).
pub fn reap_exited() -> Vec<Reaped> {
    let mut out = Vec::new();
    reap_into(&mut out);
    out
}

fn reap_into<E: Extend<Reaped>>(out: &mut E) {
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes only into `status`.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid > 0 {
            let status = WaitStatus::from_raw(status);
            // Without WUNTRACED/WCONTINUED only exits and signal deaths are reported; anything
            // else would mean the process still exists, so it is not an exit to route.
            if !matches!(status, WaitStatus::Other(_)) {
                out.extend(Some(Reaped {
                    pid: Pid::from_raw(pid),
                    status,
                    at: Instant::now(),
                }));
            }
            continue;
        }
        if pid < 0 && Errno::last() == Errno::EINTR {
            continue;
        }
        // 0: children exist but none has exited; ECHILD: no children at all.
        return;
    }
}

/// The SIGCHLD-driven reaper the owner task polls.
#[derive(Debug)]
pub struct Reaper {
    sigchld: Signal,
    pending: VecDeque<Reaped>,
    /// No `recv` has run yet: reap once without waiting for a signal.
    fresh: bool,
}

impl Reaper {
    /// Registers for SIGCHLD and becomes the child subreaper.
    ///
    /// Must be called inside the tokio runtime, before the first spawn, so no exit is missed.
    /// Failing to become the subreaper (very old kernels) is not fatal: orphans then go to init.
    pub fn new() -> io::Result<Reaper> {
        let sigchld = signal(SignalKind::child())?;
        let _ = become_subreaper();
        Ok(Reaper {
            sigchld,
            pending: VecDeque::new(),
            fresh: true,
        })
    }

    /// The next exited child; waits for SIGCHLD when none is pending.
    ///
    /// Cancel-safe (usable in `tokio::select!`): a status is removed from the queue only in the
    /// same poll that returns it.
    ///
    /// `waitpid` is called only after a SIGCHLD (and once at the first call, for children that
    /// exited before the handler existed): the owner re-creates this future on every loop turn,
    /// and scanning the kernel's child list each time costs a lot with a thousand children.
    pub async fn recv(&mut self) -> Reaped {
        if std::mem::take(&mut self.fresh) {
            reap_into(&mut self.pending);
        }
        loop {
            if let Some(reaped) = self.pending.pop_front() {
                return reaped;
            }
            // The stream never ends while the runtime lives; if it did, there would be nothing
            // left to wait for, so keep polling waitpid rather than returning garbage.
            if self.sigchld.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
            reap_into(&mut self.pending);
        }
    }

    /// Everything reapable right now (queued first), without waiting.
    pub fn drain(&mut self) -> Vec<Reaped> {
        reap_into(&mut self.pending);
        self.pending.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphan_wording() {
        let reaped = Reaped {
            pid: Pid::from_raw(77),
            status: WaitStatus::Exited(3),
            at: Instant::now(),
        };
        assert_eq!(
            orphan_message(&reaped),
            "reaped unknown pid 77 (exit status 3)"
        );
        let killed = Reaped {
            status: WaitStatus::Signaled {
                signal: 9,
                core_dumped: false,
            },
            ..reaped
        };
        assert_eq!(
            orphan_message(&killed),
            "reaped unknown pid 77 (terminated by SIGKILL)"
        );
    }
}
