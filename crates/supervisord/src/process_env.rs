//! Process-wide setup done once, before the runtime starts: resource limits, daemonizing, the
//! pid file. Each step returns what to log, because the logger may not exist yet.

use std::io;
use std::path::Path;

use nix::sys::resource::{getrlimit, setrlimit, Resource, RLIM_INFINITY};

/// Raises RLIMIT_NOFILE and RLIMIT_NPROC to `minfds`/`minprocs` (Supervisor's `set_rlimits_or_exit`).
///
/// Returns the info messages to log (`Increased RLIMIT_NOFILE limit to N`), or Supervisor's long
/// usage message when a limit cannot be raised.
pub fn raise_rlimits(minfds: u64, minprocs: u64) -> Result<Vec<String>, String> {
    let mut infos = Vec::new();
    let limits = [
        (Resource::RLIMIT_NOFILE, "RLIMIT_NOFILE", minfds),
        (Resource::RLIMIT_NPROC, "RLIMIT_NPROC", minprocs),
    ];
    for (resource, name, min) in limits {
        let (soft, hard) = getrlimit(resource).map_err(|e| e.desc().to_string())?;
        if soft >= min || soft == RLIM_INFINITY {
            continue;
        }
        // Raising the hard limit only works as root; otherwise setrlimit fails and we explain.
        let new_hard = if hard < min && hard != RLIM_INFINITY {
            min
        } else {
            hard
        };
        if setrlimit(resource, min, new_hard).is_ok() {
            infos.push(format!("Increased {name} limit to {min}"));
        } else {
            return Err(rlimit_message(resource, min, new_hard));
        }
    }
    Ok(infos)
}

fn rlimit_message(resource: Resource, min: u64, hard: u64) -> String {
    if resource == Resource::RLIMIT_NOFILE {
        format!(
            "The minimum number of file descriptors required to run this process is {min} as per the \"minfds\" command-line argument or config file setting. The current environment will only allow you to open {hard} file descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) or lower the minfds setting in the config file to allow the process to start."
        )
    } else {
        format!(
            "The minimum number of available processes required to run this program is {min} as per the \"minprocs\" command-line argument or config file setting. The current environment will only allow you to open {hard} processes.  Either raise the number of usable processes in your environment (see README.rst) or lower the minprocs setting in the config file to allow the program to start."
        )
    }
}

/// What happened while daemonizing, to be logged once the logger exists.
#[derive(Debug, Default)]
pub struct DaemonizeReport {
    /// Info lines (`daemonizing the supervisord process`, `set current directory: 'DIR'`).
    pub infos: Vec<String>,
    /// Critical lines (`can't chdir into 'DIR': ERR`).
    pub criticals: Vec<String>,
}

/// Detaches from the terminal like Supervisor: fork (the parent exits 0 at once), chdir to
/// `directory` if set, stdio to /dev/null, setsid, umask.
///
/// Must be called before any thread or runtime exists.
pub fn daemonize(directory: Option<&Path>, umask: u32) -> io::Result<DaemonizeReport> {
    use nix::unistd::{fork, setsid, ForkResult};
    // SAFETY: called while the process is single-threaded (no runtime, no helper threads yet), so
    // the child may run arbitrary code after fork.
    match unsafe { fork() }.map_err(io::Error::from)? {
        ForkResult::Parent { .. } => {
            // SAFETY: _exit skips atexit handlers and destructors, which belong to the child now.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Child => {}
    }
    let mut report = DaemonizeReport::default();
    report
        .infos
        .push("daemonizing the supervisord process".to_string());
    if let Some(dir) = directory {
        match std::env::set_current_dir(dir) {
            Ok(()) => report
                .infos
                .push(format!("set current directory: '{}'", dir.display())),
            Err(e) => report
                .criticals
                .push(format!("can't chdir into '{}': {}", dir.display(), e)),
        }
    }
    redirect_stdio_to_devnull()?;
    setsid().map_err(io::Error::from)?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(umask));
    Ok(report)
}

fn redirect_stdio_to_devnull() -> io::Result<()> {
    use nix::unistd::{dup2_stderr, dup2_stdin, dup2_stdout};
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    dup2_stdin(&null)?;
    dup2_stdout(&null)?;
    dup2_stderr(&null)?;
    Ok(())
}

/// Writes `"<pid>\n"` to the pid file.
pub fn write_pidfile(path: &Path) -> io::Result<()> {
    std::fs::write(path, format!("{}\n", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rlimits_already_high_enough_need_no_change() {
        assert_eq!(raise_rlimits(1, 1).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn pidfile_holds_pid_and_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pid");
        write_pidfile(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
    }

    #[test]
    fn rlimit_message_names_the_setting() {
        let msg = rlimit_message(Resource::RLIMIT_NOFILE, 100_000, 4096);
        assert!(msg.starts_with(
            "The minimum number of file descriptors required to run this process is 100000"
        ));
        assert!(msg.contains("allow you to open 4096 file descriptors."));
    }
}
