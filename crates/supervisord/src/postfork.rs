//! The only code that runs in a child between its start and `exec`.
//!
//! The child is started with `clone(CLONE_VM | CLONE_VFORK)` ([`crate::spawn`]): it runs in the
//! daemon's memory, on a stack of its own, while the daemon's spawning thread waits for it to
//! exec or exit. The daemon may hold locks (the allocator's, stdio's, tokio's) taken by threads
//! that do not run in the child, and every write to memory would be a write to the daemon's. So
//! this module is small and audited: it only makes async-signal-safe system calls (`setpgid`,
//! `dup2`, `close_range`/`close`, `rt_sigaction`, `sigprocmask`, raw `setgroups`/`setgid`/
//! `setuid`, `chdir`, `umask`, `execve`, `write`, `_exit`) on data that [`crate::spawn`]
//! computed before, including every message prefix, and writes only to its own stack. Numbers
//! and errno names are rendered into stack buffers. (It would be just as correct after a
//! plain `fork`.)
//!
//! The steps and their order are Supervisor's (`_spawn_as_child` in `supervisor/process.py`):
//! own process group, stdio, close inherited fds, drop privileges, `chdir`, `umask`, `execve`. A
//! failure writes Supervisor's `supervisor: couldn't …` line to fd 2 (the process's stderr log),
//! then `supervisor: child process was not spawned`, and exits 127, so the parent sees an
//! ordinary early exit of a real pid, exactly as with Python.

use std::ffi::{c_char, CStr};
use std::os::fd::RawFd;

/// What the child must do about its user and groups; decided before forking.
pub(crate) enum Privileges<'a> {
    /// No `user=`, or already running as that user.
    Keep,
    /// Dropping privileges cannot succeed; write this whole line to fd 2 and give up.
    Fail(&'a [u8]),
    /// Switch to this user: `setgroups(groups)`, `setgid(gid)`, `setuid(uid)`.
    Switch {
        /// Primary gid first, then every group listing the user.
        groups: &'a [libc::gid_t],
        /// The user's primary gid.
        gid: libc::gid_t,
        /// The target uid.
        uid: libc::uid_t,
        /// `supervisor: couldn't setuid to UID: `
        prefix: &'a [u8],
    },
}

/// Everything the child needs, borrowed from memory prepared by the parent before `fork`.
pub(crate) struct ChildPlan<'a> {
    /// Becomes fd 0: the stdin pipe's read end, or an fcgi listening socket.
    pub stdin: RawFd,
    /// Becomes fd 1: the stdout pipe's write end.
    pub stdout: RawFd,
    /// Becomes fd 2: the stderr pipe's write end, or the stdout one with `redirect_stderr`.
    pub stderr: RawFd,
    /// Fallback upper bound for closing inherited fds when `close_range` is unavailable.
    pub minfds: libc::c_int,
    /// User and group switch.
    pub privileges: Privileges<'a>,
    /// `directory=`, and the `supervisor: couldn't chdir to DIR: ` prefix.
    pub chdir: Option<(&'a CStr, &'a [u8])>,
    /// `umask=`.
    pub umask: Option<libc::mode_t>,
    /// The resolved program path given to `execve`.
    pub filename: &'a CStr,
    /// NULL-terminated argv array.
    pub argv: *const *const c_char,
    /// NULL-terminated `KEY=VALUE` array.
    pub envp: *const *const c_char,
    /// `supervisor: couldn't exec ARGV0: `
    pub exec_prefix: &'a [u8],
}

const NOT_SPAWNED: &[u8] = b"supervisor: child process was not spawned\n";

/// Runs the child side of a spawn; never returns.
///
/// # Safety
/// Must be called only in a new child (after `fork`, or `clone` with or without `CLONE_VM`),
/// with all signals blocked (the parent blocks them around the call so that no daemon signal
/// handler can run in the child), and with `plan`'s fds all ≥ 3 and its pointers valid (they
/// point into the parent's memory, which the child shares or has a copy of).
pub(crate) unsafe fn exec_child(plan: &ChildPlan<'_>) -> ! {
    // SAFETY: every call below is async-signal-safe and only reads `plan`; see module docs.
    unsafe {
        run(plan);
        write_all(2, NOT_SPAWNED);
        libc::_exit(127)
    }
}

/// The steps; returns only on failure (after writing the reason to fd 2).
unsafe fn run(plan: &ChildPlan<'_>) {
    // SAFETY: plain system calls on integers and on pointers prepared by the parent.
    unsafe {
        // Supervisor's `setpgrp()`: the child leads its own process group so that a Ctrl-C or HUP
        // aimed at supervisord's group does not reach it. Failure is not reported, as in Python.
        libc::setpgid(0, 0);

        // The parent guaranteed the sources are ≥ 3, so these dup2 calls cannot clobber each other.
        if libc::dup2(plan.stdin, 0) < 0
            || libc::dup2(plan.stdout, 1) < 0
            || libc::dup2(plan.stderr, 2) < 0
        {
            return;
        }
        close_inherited_fds(plan.minfds);
        reset_signals();

        match plan.privileges {
            Privileges::Keep => {}
            Privileges::Fail(line) => {
                write_all(2, line);
                return;
            }
            Privileges::Switch {
                groups,
                gid,
                uid,
                prefix,
            } => {
                // Raw system calls: the C library's wrappers apply a credential change to every
                // thread of the process, walking (and locking) the daemon's thread list, which
                // this child shares when it was started with CLONE_VM. The child has a single
                // thread, so the system call alone is the whole change.
                if libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) != 0 {
                    write_parts(2, &[prefix, b"Could not set groups of effective user\n"]);
                    return;
                }
                if libc::syscall(libc::SYS_setgid, gid) != 0 {
                    write_parts(2, &[prefix, b"Could not set group id of effective user\n"]);
                    return;
                }
                if libc::syscall(libc::SYS_setuid, uid) != 0 {
                    // Python lets this OSError escape and prints only "not spawned"; naming the
                    // failed step is more useful and changes nothing else.
                    write_parts(2, &[prefix, b"Could not set user id of effective user\n"]);
                    return;
                }
            }
        }

        if let Some((dir, prefix)) = plan.chdir {
            if libc::chdir(dir.as_ptr()) != 0 {
                let errno = errno();
                let mut num = [0u8; 12];
                write_parts(2, &[prefix, errno_label(errno, &mut num), b"\n"]);
                return;
            }
        }
        if let Some(mask) = plan.umask {
            libc::umask(mask);
        }
        libc::execve(plan.filename.as_ptr(), plan.argv, plan.envp);
        let errno = errno();
        let mut num = [0u8; 12];
        write_parts(2, &[plan.exec_prefix, errno_label(errno, &mut num), b"\n"]);
    }
}

/// Makes sure no fd ≥ 3 that the daemon (or whoever started it) holds leaks into programs.
///
/// Supervisor closes 3 … `minfds`-1 one by one. Here every fd ≥ 3 is marked close-on-exec with
/// one `close_range(CLOSE_RANGE_CLOEXEC)` (Linux 5.11+), which only flips bits in the child's fd
/// table: the closing itself then happens inside `execve`, after the daemon's spawning thread
/// has been released (see `spawn`). Closing them here instead cost one `close` per fd of the
/// daemon while the daemon waited: with 1000 programs that is thousands of fds per spawn. Plain
/// `close_range` (5.9+) and the loop up to `minfds` remain as fallbacks.
unsafe fn close_inherited_fds(minfds: libc::c_int) {
    // SAFETY: changing or closing fds in the child only affects the child.
    unsafe {
        if libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        ) == 0
        {
            return;
        }
        if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) == 0 {
            return;
        }
        for fd in 3..minfds.max(3) {
            libc::close(fd);
        }
    }
}

/// Gives the program default signal dispositions and an empty signal mask.
///
/// Handlers installed by the daemon are reset by `execve` anyway, but *ignored* signals survive
/// it: Rust (like Python) ignores SIGPIPE, and a program that inherits that never dies of a
/// broken pipe (`yes | head` spins forever). Python's Supervisor passes SIGPIPE and SIGXFSZ
/// ignored to its children; we deliberately give every signal its default, as shells and systemd
/// do. The raw system call is used because glibc's `sigaction` refuses its reserved signals
/// (32, 33), which may also have been inherited as ignored. The mask was blocked by the parent
/// around the child's start; clear it.
unsafe fn reset_signals() {
    // The kernel's `struct sigaction` with handler SIG_DFL (0), no flags, no restorer and an
    // empty mask is all zero bytes, whatever the architecture's field order.
    let default_action = [0u64; 4];
    // The kernel's sigset_t: 64 signals.
    const KERNEL_SIGSET_SIZE: libc::size_t = 8;
    // SAFETY: rt_sigaction/sigprocmask are async-signal-safe; the buffers outlive the calls.
    unsafe {
        // Invalid numbers (SIGKILL, SIGSTOP) just fail with EINVAL.
        for sig in 1..=64 {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                default_action.as_ptr(),
                std::ptr::null_mut::<u64>(),
                KERNEL_SIGSET_SIZE,
            );
        }
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    }
}

fn errno() -> libc::c_int {
    // SAFETY: reading the calling thread's errno is always valid.
    unsafe { *libc::__errno_location() }
}

/// Python's `errno.errorcode.get(code, code)`: the symbolic name, or the number in decimal.
fn errno_label(code: libc::c_int, buf: &mut [u8; 12]) -> &[u8] {
    match errno_name(code) {
        Some(name) => name.as_bytes(),
        None => format_int(code as i64, buf),
    }
}

/// Renders `n` in decimal into `buf` without allocating.
pub(crate) fn format_int(n: i64, buf: &mut [u8]) -> &[u8] {
    let negative = n < 0;
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Writes the concatenation of `parts` with one `write` when it fits a stack buffer, so the line
/// reaches the log reader in one piece; longer lines (a huge directory name) go out part by part.
unsafe fn write_parts(fd: RawFd, parts: &[&[u8]]) {
    let mut buf = [0u8; 1024];
    let total: usize = parts.iter().map(|p| p.len()).sum();
    // SAFETY: write_all only issues write(2) on valid slices.
    unsafe {
        if total <= buf.len() {
            let mut at = 0;
            for part in parts {
                buf[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            write_all(fd, &buf[..total]);
        } else {
            for part in parts {
                write_all(fd, part);
            }
        }
    }
}

/// `write(2)` until done, retrying on EINTR and giving up on any other error.
unsafe fn write_all(fd: RawFd, mut data: &[u8]) {
    while !data.is_empty() {
        // SAFETY: data is a valid slice for its length.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n > 0 {
            data = &data[n as usize..];
        } else if n < 0 && errno() == libc::EINTR {
            continue;
        } else {
            return;
        }
    }
}

/// The symbolic name Python's `errno.errorcode` gives a Linux errno, for Supervisor's messages.
///
/// Where Linux has aliases, Python's choice wins (`EAGAIN`, `EDEADLOCK`, `ENOTSUP`).
pub(crate) fn errno_name(code: libc::c_int) -> Option<&'static str> {
    const NAMES: [&str; 133] = [
        "",
        "EPERM",
        "ENOENT",
        "ESRCH",
        "EINTR",
        "EIO",
        "ENXIO",
        "E2BIG",
        "ENOEXEC",
        "EBADF",
        "ECHILD",
        "EAGAIN",
        "ENOMEM",
        "EACCES",
        "EFAULT",
        "ENOTBLK",
        "EBUSY",
        "EEXIST",
        "EXDEV",
        "ENODEV",
        "ENOTDIR",
        "EISDIR",
        "EINVAL",
        "ENFILE",
        "EMFILE",
        "ENOTTY",
        "ETXTBSY",
        "EFBIG",
        "ENOSPC",
        "ESPIPE",
        "EROFS",
        "EMLINK",
        "EPIPE",
        "EDOM",
        "ERANGE",
        "EDEADLOCK",
        "ENAMETOOLONG",
        "ENOLCK",
        "ENOSYS",
        "ENOTEMPTY",
        "ELOOP",
        "",
        "ENOMSG",
        "EIDRM",
        "ECHRNG",
        "EL2NSYNC",
        "EL3HLT",
        "EL3RST",
        "ELNRNG",
        "EUNATCH",
        "ENOCSI",
        "EL2HLT",
        "EBADE",
        "EBADR",
        "EXFULL",
        "ENOANO",
        "EBADRQC",
        "EBADSLT",
        "",
        "EBFONT",
        "ENOSTR",
        "ENODATA",
        "ETIME",
        "ENOSR",
        "ENONET",
        "ENOPKG",
        "EREMOTE",
        "ENOLINK",
        "EADV",
        "ESRMNT",
        "ECOMM",
        "EPROTO",
        "EMULTIHOP",
        "EDOTDOT",
        "EBADMSG",
        "EOVERFLOW",
        "ENOTUNIQ",
        "EBADFD",
        "EREMCHG",
        "ELIBACC",
        "ELIBBAD",
        "ELIBSCN",
        "ELIBMAX",
        "ELIBEXEC",
        "EILSEQ",
        "ERESTART",
        "ESTRPIPE",
        "EUSERS",
        "ENOTSOCK",
        "EDESTADDRREQ",
        "EMSGSIZE",
        "EPROTOTYPE",
        "ENOPROTOOPT",
        "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT",
        "ENOTSUP",
        "EPFNOSUPPORT",
        "EAFNOSUPPORT",
        "EADDRINUSE",
        "EADDRNOTAVAIL",
        "ENETDOWN",
        "ENETUNREACH",
        "ENETRESET",
        "ECONNABORTED",
        "ECONNRESET",
        "ENOBUFS",
        "EISCONN",
        "ENOTCONN",
        "ESHUTDOWN",
        "ETOOMANYREFS",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "EHOSTDOWN",
        "EHOSTUNREACH",
        "EALREADY",
        "EINPROGRESS",
        "ESTALE",
        "EUCLEAN",
        "ENOTNAM",
        "ENAVAIL",
        "EISNAM",
        "EREMOTEIO",
        "EDQUOT",
        "ENOMEDIUM",
        "EMEDIUMTYPE",
        "ECANCELED",
        "ENOKEY",
        "EKEYEXPIRED",
        "EKEYREVOKED",
        "EKEYREJECTED",
        "EOWNERDEAD",
        "ENOTRECOVERABLE",
        "ERFKILL",
    ];
    let name = *NAMES.get(usize::try_from(code).ok()?)?;
    (!name.is_empty()).then_some(name)
}

/// Python's `errno.errorcode.get(code, code)` as an owned string, for messages built outside the
/// child (where allocating is fine).
pub(crate) fn errno_text(code: libc::c_int) -> String {
    match errno_name(code) {
        Some(name) => name.to_owned(),
        None => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names_follow_python() {
        assert_eq!(errno_name(libc::ENOENT), Some("ENOENT"));
        assert_eq!(errno_name(libc::EAGAIN), Some("EAGAIN"));
        assert_eq!(errno_name(libc::EDEADLK), Some("EDEADLOCK"));
        assert_eq!(errno_name(libc::EOPNOTSUPP), Some("ENOTSUP"));
        assert_eq!(errno_name(132), Some("ERFKILL"));
        assert_eq!(errno_name(41), None);
        assert_eq!(errno_name(0), None);
        assert_eq!(errno_name(-3), None);
        assert_eq!(errno_text(133), "133");
        assert_eq!(errno_text(libc::EMFILE), "EMFILE");
    }

    #[test]
    fn format_int_without_allocating() {
        let mut buf = [0u8; 24];
        assert_eq!(format_int(0, &mut buf), b"0");
        assert_eq!(format_int(127, &mut buf), b"127");
        assert_eq!(format_int(-42, &mut buf), b"-42");
        assert_eq!(
            format_int(i64::MIN, &mut buf),
            i64::MIN.to_string().as_bytes()
        );
    }
}
