//! Signal names and numbers, and the wording of a child's wait status, as Supervisor says them.
//!
//! Python Supervisor builds its signal table from the `signal` module, so on Linux aliases
//! resolve to one canonical name (`SIGIOT` → `SIGABRT`, `SIGCLD` → `SIGCHLD`, `SIGIO` →
//! `SIGPOLL`), only 34 and 64 have real-time names (`SIGRTMIN`, `SIGRTMAX`), and every other
//! number is written `signal N`. Parsing (`stopsignal=`, `signalProcess`) follows Linux rather
//! than Python's `signal` module (quirk Q22): real names, aliases, `RTMIN+n`/`RTMAX-n` and
//! numbers 1..=64 are accepted, the pseudo-names `SIG_DFL`, `SIG_IGN`, … and 0 are refused.
//! The table here is Linux's; it is data, not a system call.

use crate::pystr::{py_int, py_repr, py_strip};

/// `SIGKILL`'s number, used for stop escalation.
pub const SIGKILL: i32 = 9;
/// `SIGTERM`'s number, the default `stopsignal`.
pub const SIGTERM: i32 = 15;
/// The first real-time signal glibc leaves to applications.
const SIGRTMIN: i32 = 34;
/// The highest Linux signal number.
const SIGRTMAX: i32 = 64;

/// Linux's signal names and numbers: each number's canonical name first (the one
/// `supervisor.options.signame` prints on Linux), then its aliases.
const SIGNALS: [(&str, i32); 36] = [
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGIOT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGPOLL", 29),
    ("SIGIO", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
    ("SIGRTMIN", SIGRTMIN),
    ("SIGRTMAX", SIGRTMAX),
];

/// The canonical name of a signal number, if Supervisor has one for it.
#[must_use]
pub fn signal_name_opt(sig: i32) -> Option<&'static str> {
    SIGNALS
        .iter()
        .find(|(_, n)| *n == sig)
        .map(|(name, _)| *name)
}

/// The name Supervisor prints for a signal: `SIGTERM`, `SIGRTMIN`, or `signal N` when the
/// number has no name (e.g. `signal 35`, `signal 0`).
#[must_use]
pub fn signal_name(sig: i32) -> String {
    match signal_name_opt(sig) {
        Some(name) => name.to_owned(),
        None => format!("signal {sig}"),
    }
}

/// Why a signal specification was rejected (Supervisor's `signal_number` messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// Not a number, and no signal has this name.
    #[error("value {} is not a valid signal name", py_repr(.0))]
    BadName(String),
    /// A number (or a name resolving to one) that is not a signal.
    #[error("value {} is not a valid signal number", py_repr(.0))]
    BadNumber(String),
}

/// Parse a signal given as a number (1..=64, Python `int()` syntax) or a name (trimmed, any
/// case, `SIG` optional, aliases and `RTMIN+n`/`RTMAX-n` included), as `stopsignal=` and the
/// `signalProcess` RPC take it; the errors carry Python's texts.
pub fn signal_number(value: &str) -> Result<i32, SignalError> {
    let num = match py_int(value) {
        Ok(n) => n,
        Err(_) => {
            let upper = py_strip(value).to_uppercase();
            let name = upper.strip_prefix("SIG").unwrap_or(&upper);
            lookup_signal_name(name)
                .ok_or_else(|| SignalError::BadName(value.to_owned()))?
                .into()
        }
    };
    match i32::try_from(num) {
        Ok(n) if (1..=SIGRTMAX).contains(&n) => Ok(n),
        _ => Err(SignalError::BadNumber(value.to_owned())),
    }
}

/// The number of a signal name given without `SIG` and upper-cased (`TERM`, `CLD`, `RTMIN+2`).
fn lookup_signal_name(name: &str) -> Option<i32> {
    if let Some((_, n)) = SIGNALS.iter().find(|(k, _)| k[3..] == *name) {
        return Some(*n);
    }
    let offset = |rest: &str| -> Option<i32> {
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.parse().ok()
    };
    if let Some(n) = name.strip_prefix("RTMIN+").and_then(offset) {
        return Some(SIGRTMIN + n).filter(|s| *s <= SIGRTMAX);
    }
    if let Some(n) = name.strip_prefix("RTMAX-").and_then(offset) {
        return Some(SIGRTMAX - n).filter(|s| *s >= SIGRTMIN);
    }
    None
}

/// How a child ended, decoded from a `waitpid` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitStatus {
    /// It called `exit(code)`.
    Exited(i32),
    /// A signal killed it.
    Signaled {
        /// The signal number.
        signal: i32,
        /// Whether a core file was written.
        core_dumped: bool,
    },
    /// Any other status (stopped/continued reports), kept raw for the message.
    Other(i32),
}

impl WaitStatus {
    /// Decode a raw Linux `waitpid` status word (the `WIFEXITED`/`WIFSIGNALED` macros).
    #[must_use]
    pub const fn from_raw(status: i32) -> WaitStatus {
        let low = status & 0x7f;
        if low == 0 {
            WaitStatus::Exited((status >> 8) & 0xff)
        } else if low != 0x7f {
            WaitStatus::Signaled {
                signal: low,
                core_dumped: status & 0x80 != 0,
            }
        } else {
            WaitStatus::Other(status)
        }
    }

    /// Supervisor's `exitstatus`: the exit code, or -1 for anything but a normal exit.
    #[must_use]
    pub const fn exitstatus(self) -> i32 {
        match self {
            WaitStatus::Exited(code) => code,
            WaitStatus::Signaled { .. } | WaitStatus::Other(_) => -1,
        }
    }

    /// Whether the process died from a signal (such deaths are never "expected").
    #[must_use]
    pub const fn is_signal(self) -> bool {
        matches!(self, WaitStatus::Signaled { .. })
    }
}

/// Supervisor's words for a wait status: `exit status 1`, `terminated by SIGKILL`,
/// `terminated by SIGSEGV (core dumped)`, `terminated by signal 40`, or
/// `unknown termination cause 0x137f`.
#[must_use]
pub fn describe_wait_status(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(code) => format!("exit status {code}"),
        WaitStatus::Signaled {
            signal,
            core_dumped,
        } => {
            let core = if core_dumped { " (core dumped)" } else { "" };
            format!("terminated by {}{core}", signal_name(signal))
        }
        WaitStatus::Other(raw) => format!("unknown termination cause 0x{raw:04x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_python_signame() {
        // Generated from `supervisor.options.signame(i)` for i in 0..70 with Python 3.11.
        let expected = [
            (0, "signal 0"),
            (1, "SIGHUP"),
            (6, "SIGABRT"),
            (9, "SIGKILL"),
            (15, "SIGTERM"),
            (16, "SIGSTKFLT"),
            (17, "SIGCHLD"),
            (29, "SIGPOLL"),
            (30, "SIGPWR"),
            (31, "SIGSYS"),
            (32, "signal 32"),
            (33, "signal 33"),
            (34, "SIGRTMIN"),
            (35, "signal 35"),
            (63, "signal 63"),
            (64, "SIGRTMAX"),
            (65, "signal 65"),
            (-3, "signal -3"),
        ];
        for (n, name) in expected {
            assert_eq!(signal_name(n), name, "signal {n}");
        }
        // 1..=31 all have names.
        for n in 1..=31 {
            assert!(signal_name_opt(n).is_some(), "{n}");
        }
    }

    #[test]
    fn signal_number_accepts_numbers_and_names() {
        assert_eq!(signal_number("15"), Ok(15));
        assert_eq!(signal_number(" 9 "), Ok(9));
        assert_eq!(signal_number("+1"), Ok(1));
        assert_eq!(signal_number("1_5"), Ok(15));
        assert_eq!(signal_number("64"), Ok(64));
        assert_eq!(signal_number("32"), Ok(32));
        assert_eq!(signal_number("TERM"), Ok(15));
        assert_eq!(signal_number("term"), Ok(15));
        assert_eq!(signal_number(" SigKill "), Ok(9));
        assert_eq!(signal_number("IOT"), Ok(6));
        assert_eq!(signal_number("CLD"), Ok(17));
        assert_eq!(signal_number("IO"), Ok(29));
        assert_eq!(signal_number("POLL"), Ok(29));
        assert_eq!(signal_number("RTMIN"), Ok(34));
        assert_eq!(signal_number("RTMIN+2"), Ok(36));
        assert_eq!(signal_number("SIGRTMAX-1"), Ok(63));
        assert_eq!(signal_number("RTMAX"), Ok(64));
    }

    #[test]
    fn signal_number_refuses_python_pseudo_signals() {
        // This module's own parser used to copy Python here (0, `SIG_IGN` = 1, `SIG_SETMASK` =
        // 2 accepted, 35 refused); the one kept is the config's, which callers used: quirk Q22.
        assert_eq!(signal_number("0"), Err(SignalError::BadNumber("0".into())));
        assert_eq!(
            signal_number("_IGN"),
            Err(SignalError::BadName("_IGN".into()))
        );
        assert_eq!(
            signal_number("SIG_SETMASK"),
            Err(SignalError::BadName("SIG_SETMASK".into()))
        );
        assert_eq!(signal_number("35"), Ok(35));
        assert_eq!(
            signal_number("RTMIN+31"),
            Err(SignalError::BadName("RTMIN+31".into()))
        );
        assert_eq!(
            signal_number("RTMAX-31"),
            Err(SignalError::BadName("RTMAX-31".into()))
        );
        assert_eq!(
            signal_number("RTMIN+"),
            Err(SignalError::BadName("RTMIN+".into()))
        );
        assert_eq!(
            signal_number("SIGSIGTERM"),
            Err(SignalError::BadName("SIGSIGTERM".into()))
        );
        // Python's `str.strip` also trims the information separators.
        assert_eq!(signal_number("\x1cHUP"), Ok(1));
    }

    #[test]
    fn signal_number_errors_use_python_texts() {
        let e = signal_number("BOGUS").unwrap_err();
        assert_eq!(e, SignalError::BadName("BOGUS".into()));
        assert_eq!(e.to_string(), "value 'BOGUS' is not a valid signal name");
        assert_eq!(
            signal_number("65").unwrap_err().to_string(),
            "value '65' is not a valid signal number"
        );
        assert_eq!(
            signal_number("-1").unwrap_err().to_string(),
            "value '-1' is not a valid signal number"
        );
        // Too large for Python-int-in-i64: looked up as a name (the config parser's rule).
        assert_eq!(
            signal_number("99999999999999999999").unwrap_err(),
            SignalError::BadName("99999999999999999999".into())
        );
        assert_eq!(
            signal_number("1__5").unwrap_err(),
            SignalError::BadName("1__5".into())
        );
        assert_eq!(
            signal_number("").unwrap_err().to_string(),
            "value '' is not a valid signal name"
        );
        assert_eq!(
            signal_number("it's").unwrap_err().to_string(),
            "value \"it's\" is not a valid signal name"
        );
    }

    #[test]
    fn raw_wait_status_decoding() {
        assert_eq!(WaitStatus::from_raw(0), WaitStatus::Exited(0));
        assert_eq!(WaitStatus::from_raw(1 << 8), WaitStatus::Exited(1));
        assert_eq!(WaitStatus::from_raw(127 << 8), WaitStatus::Exited(127));
        assert_eq!(
            WaitStatus::from_raw(9),
            WaitStatus::Signaled {
                signal: 9,
                core_dumped: false
            }
        );
        assert_eq!(
            WaitStatus::from_raw(11 | 0x80),
            WaitStatus::Signaled {
                signal: 11,
                core_dumped: true
            }
        );
        // A stopped report (WIFSTOPPED: low byte 0x7f).
        assert_eq!(WaitStatus::from_raw(0x137f), WaitStatus::Other(0x137f));
    }

    #[test]
    fn exitstatus_is_minus_one_for_signals() {
        assert_eq!(WaitStatus::Exited(3).exitstatus(), 3);
        assert_eq!(
            WaitStatus::Signaled {
                signal: 15,
                core_dumped: false
            }
            .exitstatus(),
            -1
        );
        assert_eq!(WaitStatus::Other(0x137f).exitstatus(), -1);
        assert!(WaitStatus::from_raw(9).is_signal());
        assert!(!WaitStatus::Exited(0).is_signal());
    }

    #[test]
    fn descriptions_match_decode_wait_status() {
        assert_eq!(describe_wait_status(WaitStatus::Exited(0)), "exit status 0");
        assert_eq!(
            describe_wait_status(WaitStatus::Exited(127)),
            "exit status 127"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::from_raw(9)),
            "terminated by SIGKILL"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::from_raw(11 | 0x80)),
            "terminated by SIGSEGV (core dumped)"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::from_raw(6)),
            "terminated by SIGABRT"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::from_raw(40)),
            "terminated by signal 40"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::Other(0x137f)),
            "unknown termination cause 0x137f"
        );
        assert_eq!(
            describe_wait_status(WaitStatus::Other(0x7f)),
            "unknown termination cause 0x007f"
        );
    }
}
