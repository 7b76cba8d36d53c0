//! `pidproxy PIDFILE COMMAND [ARGS...]`: Supervisor's helper for programs that run their real
//! work under a different pid than the one Supervisor started, recording it in a pid file.
//!
//! As Supervisor's `pidproxy.py`: runs `COMMAND` (its path made absolute against the current
//! directory, no `PATH` search), forwards SIGTERM, SIGHUP, SIGINT, SIGUSR1, SIGUSR2 and SIGQUIT
//! to the pid read from `PIDFILE` (printing `Can't read child pidfile PIDFILE!` when that fails),
//! exits 0 right after forwarding TERM, INT or QUIT, and otherwise exits 0 when its child is
//! gone. Usage errors print the module docstring to stdout and exit 1.
//!
//! Two deliberate differences:
//! * It becomes a child subreaper and, when the command has exited, keeps running while the
//!   process named in the pid file (or any re-parented descendant) is alive. Python's pidproxy
//!   exits as soon as its direct child does, which defeats its purpose for a command that forks
//!   into the background and exits (nginx, uwsgi `daemonize=`): exactly the programs the
//!   daemonizing-trap hint suggests wrapping. When the watched process ends, the pid file is read
//!   again, so a master that re-executes itself under a new pid (nginx's USR2 upgrade) is
//!   followed. Python also notices its child's exit only every 5 seconds; this waits on events.
//! * A pid file holding a pid ≤ 0 counts as unreadable (Python would signal its own process group
//!   with `kill(0, …)`), and a failing `kill` is reported instead of crashing with a traceback.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::signal::unix::{signal, SignalKind};

use crate::postfork::errno_text;
use crate::reaper::{become_subreaper, reap_exited};

/// The usage text (Python prints `__doc__ % sys.argv[0]` followed by a newline).
fn usage(program: &OsStr) -> String {
    format!(
        "pidproxy -- run command and proxy signals to it via its pidfile.\n\n\
         This executable runs a command and then monitors a pidfile.  When this\n\
         executable receives a signal, it sends the same signal to the pid\n\
         in the pidfile.\n\n\
         Usage: {} <pidfile name> <command> [<cmdarg1> ...]\n\n",
        program.to_string_lossy()
    )
}

/// Entry point of the `pidproxy` command; returns the process exit code.
pub fn main_entry() -> i32 {
    run(
        std::env::args_os().collect(),
        &mut io::stdout(),
        &mut io::stderr(),
    )
}

/// Runs pidproxy with `args` (argv\[0\] first), writing messages to `out` and `err`.
pub fn run(args: Vec<OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let program = args.first().cloned().unwrap_or_else(|| "pidproxy".into());
    if args.len() < 3 {
        let _ = out.write_all(usage(&program).as_bytes());
        let _ = out.flush();
        return 1;
    }
    let pidfile = PathBuf::from(&args[1]);
    let command = &args[2..];
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "pidproxy: cannot start: {e}");
            return 1;
        }
    };
    runtime.block_on(proxy(&pidfile, command, out, err))
}

/// The signals forwarded to the pid in the pid file.
const FORWARDED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGQUIT,
];

async fn proxy(
    pidfile: &Path,
    command: &[OsString],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    // Register every handler before the child exists, so nothing it triggers is missed.
    let mut streams = Vec::with_capacity(FORWARDED.len());
    for sig in FORWARDED {
        match signal(SignalKind::from_raw(sig as i32)) {
            Ok(stream) => streams.push((sig, stream)),
            Err(e) => {
                let _ = writeln!(err, "pidproxy: cannot handle {sig}: {e}");
                return 1;
            }
        }
    }
    let mut sigchld = match signal(SignalKind::child()) {
        Ok(stream) => stream,
        Err(e) => {
            let _ = writeln!(err, "pidproxy: cannot handle SIGCHLD: {e}");
            return 1;
        }
    };
    // Descendants of a command that daemonizes come back to us instead of init.
    let _ = become_subreaper();

    let abscmd = absolute(Path::new(&command[0]));
    let child = match std::process::Command::new(&abscmd)
        .arg0(&command[0])
        .args(&command[1..])
        .spawn()
    {
        // The std handle is dropped without waiting: all reaping happens in reap_exited().
        Ok(child) => Pid::from_raw(child.id() as i32),
        Err(e) => {
            let reason = e.raw_os_error().map_or_else(|| e.to_string(), errno_text);
            let _ = writeln!(
                err,
                "pidproxy: couldn't exec {}: {reason}",
                abscmd.display()
            );
            return 127;
        }
    };

    let mut child_alive = true;
    let mut watched: Option<Watch> = None;
    loop {
        for reaped in reap_exited() {
            if reaped.pid == child {
                child_alive = false;
            }
        }
        if !child_alive && watched.is_none() {
            match Watch::from_pidfile(pidfile) {
                Some(watch) => watched = Some(watch),
                None if has_children() => {}
                None => return 0,
            }
        }
        let signals = next_forwarded_signal(&mut streams);
        tokio::select! {
            sig = signals => {
                if let Some(code) = forward(sig, pidfile, out, err) {
                    return code;
                }
            }
            // Exits are collected at the top of the loop.
            _ = sigchld.recv() => {}
            () = wait_watch(&mut watched) => {
                watched = None;
            }
        }
    }
}

/// Waits for any of the forwarded signals; returns which.
async fn next_forwarded_signal(streams: &mut [(Signal, tokio::signal::unix::Signal)]) -> Signal {
    std::future::poll_fn(|cx| {
        for (sig, stream) in streams.iter_mut() {
            if stream.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready(*sig);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

/// Forwards `sig` to the pid file's process; `Some(code)` when pidproxy must exit.
fn forward(sig: Signal, pidfile: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Option<i32> {
    let Some(pid) = read_pidfile(pidfile) else {
        let _ = writeln!(out, "Can't read child pidfile {}!", pidfile.display());
        let _ = out.flush();
        return None;
    };
    if let Err(e) = kill(pid, sig) {
        let _ = writeln!(
            err,
            "pidproxy: couldn't send {sig} to pid {pid}: {}",
            errno_text(e as i32)
        );
    }
    matches!(sig, Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT).then_some(0)
}

/// The pid in the pid file (surrounding whitespace allowed, as Python's `int(s.strip())`).
fn read_pidfile(pidfile: &Path) -> Option<Pid> {
    let text = std::fs::read(pidfile).ok()?;
    let pid: i32 = std::str::from_utf8(&text).ok()?.trim().parse().ok()?;
    (pid > 0).then(|| Pid::from_raw(pid))
}

/// Whether we still have children (running ones, or re-parented descendants).
fn has_children() -> bool {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    // WNOWAIT leaves any exited child to be collected by reap_exited(); ECHILD means there are
    // no children at all.
    match waitid(
        Id::All,
        WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
    ) {
        Ok(_) => true,
        // waitid(2) succeeded but nix cannot decode the status (a child killed by a real-time
        // signal has no `Signal`): there is a child.
        Err(Errno::EINVAL) => true,
        Err(_) => false,
    }
}

/// A process named by the pid file that we wait for after the command itself has exited.
enum Watch {
    /// A pidfd: readable once the process has exited.
    Pidfd(AsyncFd<OwnedFd>),
    /// No pidfd support: check every second whether the pid still exists.
    Poll(Pid),
}

impl Watch {
    fn from_pidfile(pidfile: &Path) -> Option<Watch> {
        let pid = read_pidfile(pidfile)?;
        if pid.as_raw() == std::process::id() as i32 {
            return None;
        }
        // SAFETY: pidfd_open has no memory arguments; a non-negative result is a new fd we own.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
        if fd >= 0 {
            // SAFETY: `fd` was just created and is owned by nobody else; the OwnedFd keeps it open
            // for as long as the AsyncFd that owns it lives.
            let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
            // SAFETY: see above: a valid fd that stays open and unchanged while registered.
            let registered = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) };
            return registered.ok().map(Watch::Pidfd);
        }
        match Errno::last() {
            Errno::ESRCH => None,
            _ => alive(pid).then_some(Watch::Poll(pid)),
        }
    }
}

/// Whether `pid` exists (EPERM still means it exists).
fn alive(pid: Pid) -> bool {
    !matches!(kill(pid, None), Err(Errno::ESRCH))
}

/// Resolves when the watched process is gone; never resolves without a watch.
async fn wait_watch(watch: &mut Option<Watch>) {
    match watch {
        None => std::future::pending().await,
        Some(Watch::Pidfd(fd)) => {
            let _ = fd.readable().await;
        }
        Some(Watch::Poll(pid)) => {
            let pid = *pid;
            while alive(pid) {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Python's `os.path.abspath`: joined with the current directory and normalized lexically.
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut parts: Vec<&OsStr> = Vec::new();
    for component in joined.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::ParentDir => {
                parts.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    let mut out = PathBuf::from("/");
    for part in parts {
        out.push(part);
    }
    // posixpath.normpath keeps exactly two leading slashes.
    if joined.as_os_str().as_bytes().starts_with(b"//")
        && !joined.as_os_str().as_bytes().starts_with(b"///")
    {
        let mut with = OsString::from("/");
        with.push(out.as_os_str());
        return PathBuf::from(with);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_text_is_pythons() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run(vec!["/usr/bin/pidproxy".into()], &mut out, &mut err);
        assert_eq!(code, 1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "pidproxy -- run command and proxy signals to it via its pidfile.\n\nThis executable \
             runs a command and then monitors a pidfile.  When this\nexecutable receives a \
             signal, it sends the same signal to the pid\nin the pidfile.\n\nUsage: \
             /usr/bin/pidproxy <pidfile name> <command> [<cmdarg1> ...]\n\n"
        );
        assert!(err.is_empty());

        let mut out = Vec::new();
        assert_eq!(
            run(vec!["pp".into(), "x.pid".into()], &mut out, &mut err),
            1
        );
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("Usage: pp <pidfile name>"));
    }

    #[test]
    fn abspath_normalizes() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(absolute(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(absolute(Path::new("//x/y")), PathBuf::from("//x/y"));
        assert_eq!(absolute(Path::new("///x")), PathBuf::from("/x"));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute(Path::new("bin/tool")), cwd.join("bin/tool"));
    }

    #[test]
    fn pidfile_parsing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.pid");
        assert_eq!(read_pidfile(&path), None);
        std::fs::write(&path, " 1234\n").unwrap();
        assert_eq!(read_pidfile(&path), Some(Pid::from_raw(1234)));
        std::fs::write(&path, "0\n").unwrap();
        assert_eq!(read_pidfile(&path), None);
        std::fs::write(&path, "-5").unwrap();
        assert_eq!(read_pidfile(&path), None);
        std::fs::write(&path, "abc").unwrap();
        assert_eq!(read_pidfile(&path), None);
    }
}
