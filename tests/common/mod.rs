//! Helpers shared by the test harnesses (`ctl_support`, `events_support`, `rpc_support`), which
//! include this file by path.

use std::process::Child;
use std::time::{Duration, Instant};

/// Stops a supervisord the test started: SIGTERM (so it stops its children first; SIGKILL would
/// orphan them), then up to `grace` for it to exit, then SIGKILL. Returns at once if it has
/// already exited.
pub fn terminate(child: &mut Child, grace: Duration) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    // SAFETY: kill(2) on our own child, which try_wait just found running (not reaped).
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    while !matches!(child.try_wait(), Ok(Some(_))) {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
