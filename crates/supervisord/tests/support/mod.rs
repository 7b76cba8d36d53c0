//! The one harness of the daemon library's tests (`tests/it/`, and `tests/reaper_exits.rs`,
//! which includes it by path): spawn requests and contexts, pipe reading, waiting with
//! deadlines (always `(timeout, what, condition)`, as in the workspace's `tests/support/`), and
//! the CPU-time probe of the benchmarks.

// `reaper_exits` uses only part of it.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use supervisord::spawn::{CommandLine, DaemonContext, SpawnRequest, StdinSource};

/// Generous: the CI machine has two loaded cores.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A request for `command` with Supervisor's defaults.
pub fn request(name: &str, command: &str) -> SpawnRequest {
    SpawnRequest {
        name: name.to_owned(),
        group: name.to_owned(),
        command: CommandLine::Shell(command.to_owned()),
        directory: None,
        umask: None,
        uid: None,
        environment: Vec::new(),
        redirect_stderr: false,
        stdin: StdinSource::Pipe,
        minfds: 1024,
        server_url: None,
        server_username: None,
        server_password: None,
    }
}

/// A daemon context with a small, known environment.
pub fn daemon(env: &[(&str, &str)]) -> DaemonContext {
    DaemonContext::new(
        env.iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect(),
        nix::unistd::getuid().as_raw(),
        std::env::current_dir().unwrap(),
    )
}

/// The usual daemon context: a PATH that finds the system tools.
pub fn default_daemon() -> DaemonContext {
    daemon(&[("PATH", "/usr/local/bin:/usr/bin:/bin")])
}

/// Reads a (non-blocking) pipe end until EOF, switching it to blocking first.
pub fn read_all(fd: OwnedFd) -> String {
    let flags = OFlag::from_bits_retain(fcntl(&fd, FcntlArg::F_GETFL).unwrap());
    fcntl(&fd, FcntlArg::F_SETFL(flags - OFlag::O_NONBLOCK)).unwrap();
    let mut text = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut text).unwrap();
    String::from_utf8_lossy(&text).into_owned()
}

/// Waits (with a deadline) for one specific child and returns how it ended.
pub fn wait_exit(pid: Pid) -> WaitStatus {
    let start = Instant::now();
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)).unwrap() {
            WaitStatus::StillAlive => {
                assert!(start.elapsed() < DEADLINE, "pid {pid} did not exit in time");
                std::thread::sleep(Duration::from_millis(5));
            }
            status => return status,
        }
    }
}

// The one `wait_until` of the workspace's tests (this package uses no other part of the file).
#[allow(dead_code)]
#[path = "../../../../tests/support/wait.rs"]
mod wait;
pub use wait::wait_until;

/// [`wait_until`] inside a tokio runtime: polls every 2 ms without blocking it.
pub async fn wait_until_async(timeout: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// User plus system CPU time this process has used (for the benchmarks).
pub fn self_cpu() -> Duration {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).unwrap();
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec() as u64) + Duration::from_micros(t.tv_usec() as u64)
    };
    tv(usage.user_time()) + tv(usage.system_time())
}
