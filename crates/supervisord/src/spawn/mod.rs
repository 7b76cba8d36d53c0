//! Starting a program: resolve everything, then fork and exec.
//!
//! Spawning has two steps with a hard line between them:
//!
//! 1. [`prepare`] turns a [`SpawnRequest`] (plain data the owner builds from the config) into a
//!    [`Prepared`] spawn: the command is split and looked up on `PATH`, checked the way Supervisor
//!    checks it (its `spawnerr` texts are [`SpawnError`]'s `Display`), the user and groups are
//!    resolved, the environment is built, and every message the child may have to write is
//!    formatted. All allocation and all file and user-database access happen here.
//! 2. [`spawn`] creates the pipes and starts the child (`clone(CLONE_VM | CLONE_VFORK)`, as
//!    `posix_spawn` does). The child runs [`crate::postfork`], which only makes
//!    async-signal-safe calls on the prepared data, then execs.
//!
//! # Why not `std::process::Command`
//!
//! Supervisor's child reports a failing `execve` itself: it writes
//! `supervisor: couldn't exec ARGV0: ENOEXEC` to its stderr (so into the process's stderr log)
//! and exits 127; the daemon has already logged `spawned: 'x' with pid N` and later sees an
//! ordinary exit. `std::process::Command` instead reports exec failure to the parent through a
//! pipe, reaps the failed child itself with `waitpid(pid)` and returns an error without a pid.
//! Reproducing Supervisor's observable result on top of that would mean inventing a pid that
//! never existed. Forking directly (as Supervisor does) gives the real sequence for free: a real
//! pid, the message written by the child, and an exit status delivered to the one central reaper
//! ([`crate::reaper`]) like any other. It also lets the child run Supervisor's steps in
//! Supervisor's order (process group, stdio, privileges, `chdir`, `umask`) without std's own
//! `chdir`/`setgroups` running first.
//!
//! Nothing here waits for children: only the reaper calls `waitpid`.

mod prepare;
mod survivors;

pub use prepare::{prepare, DaemonContext, Prepared};
pub use survivors::{daemonized_hint, find_survivors};

use std::ffi::{c_char, CString, OsString};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::unistd::Pid;

use supervisor_core::pystr::py_repr;

use crate::postfork::{self, errno_text, ChildPlan, Privileges};

/// The command to run: a `command=` string to split like Python's `shlex.split`, or an argv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// A `command=` value, split with POSIX shell-like rules.
    Shell(String),
    /// An already split argument vector (argv\[0\] is the program).
    Argv(Vec<OsString>),
}

/// Where the child's fd 0 comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdinSource {
    /// A pipe whose write end the daemon keeps (`Child::stdin`).
    Pipe,
    /// An fd handed over as the child's fd 0, such as an `[fcgi-program:x]` listening socket.
    ///
    /// The caller keeps ownership; the fd must stay open until [`spawn`] returns.
    Fd(RawFd),
}

/// Plain data describing one spawn, built by the owner from the program's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnRequest {
    /// Process name (`SUPERVISOR_PROCESS_NAME`, and in `too many open files to spawn 'NAME'`).
    pub name: String,
    /// Group name (`SUPERVISOR_GROUP_NAME`).
    pub group: String,
    /// `command=`.
    pub command: CommandLine,
    /// `directory=`: the child `chdir`s there; relative command paths resolve against it.
    pub directory: Option<PathBuf>,
    /// `umask=`, applied in the child right before exec.
    pub umask: Option<u32>,
    /// `user=`, already resolved to a uid by the config.
    pub uid: Option<u32>,
    /// `[supervisord] environment` merged with the program's `environment`, in order; later
    /// entries win. These override everything else, `SUPERVISOR_*` included (Supervisor does so).
    pub environment: Vec<(String, String)>,
    /// `redirect_stderr=`: fd 2 is the stdout pipe and no stderr pipe is made.
    pub redirect_stderr: bool,
    /// Where fd 0 comes from.
    pub stdin: StdinSource,
    /// `[supervisord] minfds`: only bounds the fallback fd-closing loop in the child.
    pub minfds: u32,
    /// `SUPERVISOR_SERVER_URL` (the program's `serverurl`, else the daemon's; spec §3.6).
    pub server_url: Option<String>,
    /// `SUPERVISOR_USERNAME`, when the server `server_url` names requires authentication.
    ///
    /// Python 4.3.0 never sets `SUPERVISOR_USERNAME`/`SUPERVISOR_PASSWORD` (though its
    /// `childutils.getRPCInterface` reads them); passing them lets child tools authenticate.
    pub server_username: Option<String>,
    /// `SUPERVISOR_PASSWORD`, when the server requires authentication.
    pub server_password: Option<String>,
}

/// Why a program could not be started; `Display` is Supervisor's `spawnerr` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// `shlex.split` failed; `command` is shown with Python's `repr` quoting.
    #[error("can't parse command {}: {message}", py_repr(.command))]
    CannotParse {
        /// The `command=` value.
        command: String,
        /// Python's message, e.g. `No closing quotation`.
        message: String,
    },
    /// The command split into nothing.
    #[error("command is empty")]
    Empty,
    /// Neither the path nor any `PATH` entry exists.
    #[error("can't find command {}", py_repr(.0))]
    NotFound(String),
    /// The path is a directory.
    #[error("command at {} is a directory", py_repr(.0))]
    IsDirectory(String),
    /// The file has no execute bit at all.
    #[error("command at {} is not executable", py_repr(.0))]
    NotExecutable(String),
    /// `access(X_OK)` refuses it.
    #[error("no permission to run command {}", py_repr(.0))]
    NoPermission(String),
    /// A NUL byte in the command, an argument, the directory or the environment.
    #[error("can't parse command {}: embedded null byte in {what}", py_repr(.command))]
    EmbeddedNul {
        /// The command as configured.
        command: String,
        /// Which part contained the NUL.
        what: &'static str,
    },
    /// Creating the pipes hit the fd limit (EMFILE).
    #[error("too many open files to spawn '{name}'")]
    TooManyOpenFiles {
        /// Process name.
        name: String,
    },
    /// Creating the pipes failed otherwise.
    #[error("unknown error making dispatchers for '{name}': {}", errno_text(*.errno))]
    Pipes {
        /// Process name.
        name: String,
        /// The errno.
        errno: i32,
    },
    /// `fork` failed with EAGAIN (process limit reached).
    #[error("Too many processes in process table to spawn '{name}'")]
    ProcessTableFull {
        /// Process name.
        name: String,
    },
    /// `fork` failed otherwise.
    #[error("unknown error during fork for '{name}': {}", errno_text(*.errno))]
    Fork {
        /// Process name.
        name: String,
        /// The errno.
        errno: i32,
    },
}

/// A started child: its pid and the daemon's ends of its pipes (non-blocking, close-on-exec).
#[derive(Debug)]
pub struct Child {
    /// The child's pid; also its process group id.
    pub pid: Pid,
    /// Write end of the child's stdin pipe (`None` when fd 0 was a handed-over fd).
    pub stdin: Option<OwnedFd>,
    /// Read end of the child's stdout (and, with `redirect_stderr`, stderr) pipe.
    pub stdout: OwnedFd,
    /// Read end of the child's stderr pipe (`None` with `redirect_stderr`).
    pub stderr: Option<OwnedFd>,
}

/// One pipe: the daemon's end and the child's end.
struct Pipe {
    parent: OwnedFd,
    child: OwnedFd,
}

/// Forks and execs a prepared spawn.
///
/// Returns as soon as the child exists; a failing `chdir`, privilege drop or `execve` shows up
/// later as the child's own stderr output and an exit status of 127, as with Supervisor. Never
/// waits for the child: the reaper does.
pub fn spawn(prepared: &Prepared) -> Result<Child, SpawnError> {
    let name = &prepared.name;
    let pipe_error = |errno: Errno| match errno {
        Errno::EMFILE => SpawnError::TooManyOpenFiles { name: name.clone() },
        other => SpawnError::Pipes {
            name: name.clone(),
            errno: other as i32,
        },
    };

    // Supervisor makes stdin, stdout, then stderr; the parent ends are non-blocking.
    let (stdin, child_stdin) = match prepared.stdin {
        StdinSource::Pipe => {
            let pipe = make_pipe(PipeDirection::ToChild).map_err(pipe_error)?;
            let fd = pipe.child.as_raw_fd();
            (Some(pipe), fd)
        }
        StdinSource::Fd(fd) => (None, fd),
    };
    let stdout = make_pipe(PipeDirection::FromChild).map_err(pipe_error)?;
    let stderr = if prepared.redirect_stderr {
        None
    } else {
        Some(make_pipe(PipeDirection::FromChild).map_err(pipe_error)?)
    };

    let child_stdout = stdout.child.as_raw_fd();
    let child_stderr = stderr
        .as_ref()
        .map_or(child_stdout, |pipe| pipe.child.as_raw_fd());

    // A handed-over fd below 3 would be clobbered by the dup2 calls; move it up first (in the
    // parent, where that is allowed). Pipe ends are already ≥ 3.
    let moved_stdin = if child_stdin < 3 {
        Some(dup_high(child_stdin).map_err(pipe_error)?)
    } else {
        None
    };
    let child_stdin = moved_stdin
        .as_ref()
        .map_or(child_stdin, |fd| fd.as_raw_fd());

    // NULL-terminated pointer arrays into the prepared CStrings, built before fork.
    let argv = pointer_array(&prepared.argv);
    let mut envp = Vec::with_capacity(prepared.env.len() + 1);
    envp.extend(prepared.env.entries().map(|e| e.as_ptr()));
    envp.push(std::ptr::null());
    let privileges = match &prepared.privileges {
        prepare::PrivilegePlan::Keep => Privileges::Keep,
        prepare::PrivilegePlan::Fail(line) => Privileges::Fail(line),
        prepare::PrivilegePlan::Switch {
            groups,
            gid,
            uid,
            prefix,
        } => Privileges::Switch {
            groups,
            gid: *gid,
            uid: *uid,
            prefix,
        },
    };
    let plan = ChildPlan {
        stdin: child_stdin,
        stdout: child_stdout,
        stderr: child_stderr,
        minfds: i32::try_from(prepared.minfds).unwrap_or(i32::MAX),
        privileges,
        chdir: prepared
            .chdir
            .as_ref()
            .map(|(dir, prefix)| (dir.as_c_str(), prefix.as_slice())),
        umask: prepared.umask,
        filename: &prepared.filename,
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        exec_prefix: &prepared.exec_prefix,
    };

    let pid = fork_blocking_signals(&plan).map_err(|errno| match errno {
        Errno::EAGAIN => SpawnError::ProcessTableFull { name: name.clone() },
        other => SpawnError::Fork {
            name: name.clone(),
            errno: other as i32,
        },
    })?;

    // The child makes itself a group leader, but it may not have run yet: set it from this side
    // too (the usual job-control idiom), so a `killpg` right after spawn already reaches it.
    // Once the child has exec'd this fails harmlessly with EACCES, after its own setpgid.
    let _ = nix::unistd::setpgid(pid, pid);

    // Parent: the child ends (and the moved copy) close when dropped here.
    drop(moved_stdin);
    Ok(Child {
        pid,
        stdin: stdin.map(|p| p.parent),
        stdout: stdout.parent,
        stderr: stderr.map(|p| p.parent),
    })
}

/// Blocks every signal, starts the child, restores the mask in the parent.
///
/// The child is started like `posix_spawn` does: `clone(CLONE_VM | CLONE_VFORK)` on a stack of
/// its own. It shares the daemon's memory instead of copying its page tables (a `fork` of a
/// daemon managing 1000 programs cost more than everything else in a spawn, plus copy-on-write
/// faults afterwards), and the calling thread sleeps until the child has exec'd or exited, so
/// the shared memory is only read by the child meanwhile. What the child runs
/// ([`postfork::exec_child`]) writes only to its own stack and to kernel state that is its own
/// after `clone` (file descriptors, signal dispositions, credentials, working directory), and it
/// makes raw system calls where the C library would touch process-wide state. Its messages,
/// steps and exit status 127 are the same as after a `fork`.
///
/// With signals blocked, no handler the daemon installed (tokio's, which writes to a pipe shared
/// with the parent) can run in the child before [`postfork`] resets dispositions.
fn fork_blocking_signals(plan: &ChildPlan<'_>) -> Result<Pid, Errno> {
    CHILD_STACK.with(|stack| {
        let mut stack = stack.borrow_mut();
        if stack.is_none() {
            *stack = Some(ChildStack::new()?);
        }
        let top = stack.as_ref().map_or(std::ptr::null_mut(), ChildStack::top);
        // SAFETY: sigset operations on local, initialised sets. `clone` runs `child_main` on the
        // stack reserved for it (not used by anything else until `clone` returns, since the
        // calling thread is suspended until the child execs or exits), with a pointer to `plan`,
        // which stays alive and unchanged meanwhile for the same reason.
        unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            let pid = libc::clone(
                child_main,
                top,
                libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
                std::ptr::from_ref(plan).cast_mut().cast(),
            );
            let clone_errno = Errno::last();
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            if pid < 0 {
                Err(clone_errno)
            } else {
                Ok(Pid::from_raw(pid))
            }
        }
    })
}

/// The child's entry point: runs the plan and execs; never returns.
extern "C" fn child_main(plan: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `plan` is the `ChildPlan` that `fork_blocking_signals` passed to `clone`; the
    // parent keeps it alive until this child has exec'd or exited.
    unsafe { postfork::exec_child(&*plan.cast::<ChildPlan<'_>>()) }
}

/// Bytes of stack for the child until it execs (it needs a few KiB: `postfork` keeps its
/// buffers small and calls no library code that recurses).
const CHILD_STACK_SIZE: usize = 256 * 1024;

thread_local! {
    /// The stack children run on before exec, reused: a spawning thread waits for its child to
    /// exec or exit before `clone` returns, so it never needs two at once.
    static CHILD_STACK: std::cell::RefCell<Option<ChildStack>> =
        const { std::cell::RefCell::new(None) };
}

/// An anonymous mapping with an inaccessible guard page below it.
struct ChildStack {
    base: *mut libc::c_void,
    len: usize,
}

impl ChildStack {
    fn new() -> Result<ChildStack, Errno> {
        let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .and_then(|p| usize::try_from(p).ok())
            .unwrap_or(4096);
        let len = CHILD_STACK_SIZE + page;
        // SAFETY: a fresh private anonymous mapping; the result is checked.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        let stack = ChildStack { base, len };
        // A child that overflowed would otherwise write into whatever lies below.
        // SAFETY: the first page of the mapping we own.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            return Err(Errno::last());
        }
        Ok(stack)
    }

    /// The initial stack pointer (stacks grow down on every Linux target we build for).
    fn top(&self) -> *mut libc::c_void {
        // 16-byte aligned: the mapping is page-aligned and its length a multiple of the page.
        self.base.cast::<u8>().wrapping_add(self.len).cast()
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        // SAFETY: the mapping was created by `new` and nothing uses it once its thread ends.
        unsafe {
            libc::munmap(self.base, self.len);
        }
    }
}

#[derive(Clone, Copy)]
enum PipeDirection {
    /// The child reads (stdin): the parent holds the write end.
    ToChild,
    /// The child writes (stdout/stderr): the parent holds the read end.
    FromChild,
}

/// A close-on-exec pipe with a non-blocking parent end and a child end numbered ≥ 3.
fn make_pipe(direction: PipeDirection) -> Result<Pipe, Errno> {
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC)?;
    let (parent, child) = match direction {
        PipeDirection::ToChild => (write, read),
        PipeDirection::FromChild => (read, write),
    };
    let flags = OFlag::from_bits_retain(fcntl(&parent, FcntlArg::F_GETFL)?);
    fcntl(&parent, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    // If the daemon runs with fds 0-2 closed, pipe2 can hand those numbers out; the child's
    // dup2 onto 0/1/2 must never overwrite another source, so keep child ends ≥ 3.
    let child = if child.as_raw_fd() < 3 {
        dup_high(child.as_raw_fd())?
    } else {
        child
    };
    Ok(Pipe { parent, child })
}

/// Duplicates `fd` to the lowest free number ≥ 3, close-on-exec.
fn dup_high(fd: RawFd) -> Result<OwnedFd, Errno> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new fd that we then own.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(Errno::last());
    }
    // SAFETY: `new` is a freshly created fd owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

fn pointer_array(strings: &[CString]) -> Vec<*const c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawnerr_texts() {
        let name = "web".to_owned();
        assert_eq!(
            SpawnError::NotFound("nope".into()).to_string(),
            "can't find command 'nope'"
        );
        assert_eq!(
            SpawnError::IsDirectory("/tmp".into()).to_string(),
            "command at '/tmp' is a directory"
        );
        assert_eq!(
            SpawnError::NotExecutable("/etc/passwd".into()).to_string(),
            "command at '/etc/passwd' is not executable"
        );
        assert_eq!(
            SpawnError::NoPermission("/x".into()).to_string(),
            "no permission to run command '/x'"
        );
        assert_eq!(
            SpawnError::CannotParse {
                command: "sh -c 'unterminated".into(),
                message: "No closing quotation".into()
            }
            .to_string(),
            "can't parse command \"sh -c 'unterminated\": No closing quotation"
        );
        assert_eq!(SpawnError::Empty.to_string(), "command is empty");
        assert_eq!(
            SpawnError::TooManyOpenFiles { name: name.clone() }.to_string(),
            "too many open files to spawn 'web'"
        );
        assert_eq!(
            SpawnError::Pipes {
                name: name.clone(),
                errno: libc::ENFILE
            }
            .to_string(),
            "unknown error making dispatchers for 'web': ENFILE"
        );
        assert_eq!(
            SpawnError::ProcessTableFull { name: name.clone() }.to_string(),
            "Too many processes in process table to spawn 'web'"
        );
        assert_eq!(
            SpawnError::Fork {
                name,
                errno: libc::ENOMEM
            }
            .to_string(),
            "unknown error during fork for 'web': ENOMEM"
        );
    }
}
