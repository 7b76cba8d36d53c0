//! Signal names and numbers, and the wording of a child's wait status, as Supervisor says them.
//!
//! Python Supervisor builds its signal table from the `signal` module, so on Linux aliases
//! resolve to one canonical name (`SIGIOT` → `SIGABRT`, `SIGCLD` → `SIGCHLD`, `SIGIO` →
//! `SIGPOLL`), only 34 and 64 have real-time names (`SIGRTMIN`, `SIGRTMAX`), and every other
//! number is written `signal N`. The table here is Linux's; it is data, not a system call.

use std::fmt::Write as _;

/// `SIGKILL`'s number, used for stop escalation.
pub const SIGKILL: i32 = 9;
/// `SIGTERM`'s number, the default `stopsignal`.
pub const SIGTERM: i32 = 15;

/// Canonical names by number, exactly as `supervisor.options.signame` resolves them on Linux.
const NAMES: [(i32, &str); 33] = [
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGPOLL"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
    (34, "SIGRTMIN"),
    (64, "SIGRTMAX"),
];

/// Every name Python's `signal` module exposes with a `SIG` prefix, aliases included, with
/// its number: what `signal_number` accepts. `SIG_DFL`, `SIG_IGN`, `SIG_BLOCK`, … are there
/// because Supervisor's `getattr(signal, name)` finds them too (so `stopsignal=_IGN` means 1).
const ACCEPTED_NAMES: [(&str, i32); 41] = [
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
    ("SIGRTMIN", 34),
    ("SIGRTMAX", 64),
    ("SIG_DFL", 0),
    ("SIG_IGN", 1),
    ("SIG_BLOCK", 0),
    ("SIG_UNBLOCK", 1),
    ("SIG_SETMASK", 2),
];

/// The canonical name of a signal number, if Supervisor has one for it.
#[must_use]
pub fn signal_name_opt(sig: i32) -> Option<&'static str> {
    NAMES.iter().find(|(n, _)| *n == sig).map(|(_, name)| *name)
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

/// Whether `sig` is a number Supervisor accepts as a signal (0–31, 34 and 64 on Linux; 0 is
/// accepted because Python's list of valid numbers includes `SIG_DFL`).
#[must_use]
pub fn is_valid_signal_number(sig: i32) -> bool {
    sig == 0 || NAMES.iter().any(|(n, _)| *n == sig)
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

/// Parse a signal given as a number (`"15"`) or a name with or without `SIG` in any case
/// (`"term"`, `"SIGTERM"`), as Supervisor's `signal_number` does for `stopsignal=` and the
/// `signalProcess` RPC.
pub fn signal_number(value: &str) -> Result<i32, SignalError> {
    let num = match parse_python_int(value) {
        Some(n) => n,
        None => {
            let upper = value.trim().to_uppercase();
            let name = if upper.starts_with("SIG") {
                upper
            } else {
                format!("SIG{upper}")
            };
            match ACCEPTED_NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, num)) => i64::from(*num),
                None => return Err(SignalError::BadName(value.to_owned())),
            }
        }
    };
    match i32::try_from(num) {
        Ok(n) if is_valid_signal_number(n) => Ok(n),
        _ => Err(SignalError::BadNumber(value.to_owned())),
    }
}

/// Python's `int(str)` for base 10 (surrounding whitespace, a sign, and single underscores
/// between digits are allowed); values beyond `i64` saturate, which keeps them invalid signals.
fn parse_python_int(value: &str) -> Option<i64> {
    let s = value.trim();
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    if digits.contains("__") {
        return None;
    }
    let mut n: i64 = 0;
    for c in digits.chars().filter(|c| *c != '_') {
        let d = i64::from(c.to_digit(10)?);
        n = n.saturating_mul(10).saturating_add(d);
    }
    Some(if negative { -n } else { n })
}

/// Python's `repr()` of a `str`, enough for error messages that quote user input.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let code = u32::from(c);
                if code < 0x100 {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
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
        assert_eq!(signal_number("0"), Ok(0));
        assert_eq!(signal_number("64"), Ok(64));
        assert_eq!(signal_number("TERM"), Ok(15));
        assert_eq!(signal_number("term"), Ok(15));
        assert_eq!(signal_number(" SigKill "), Ok(9));
        assert_eq!(signal_number("IOT"), Ok(6));
        assert_eq!(signal_number("CLD"), Ok(17));
        assert_eq!(signal_number("IO"), Ok(29));
        assert_eq!(signal_number("RTMIN"), Ok(34));
        assert_eq!(signal_number("_IGN"), Ok(1));
        assert_eq!(signal_number("SIG_SETMASK"), Ok(2));
    }

    #[test]
    fn signal_number_errors_use_python_texts() {
        let e = signal_number("BOGUS").unwrap_err();
        assert_eq!(e, SignalError::BadName("BOGUS".into()));
        assert_eq!(e.to_string(), "value 'BOGUS' is not a valid signal name");
        assert_eq!(
            signal_number("35").unwrap_err().to_string(),
            "value '35' is not a valid signal number"
        );
        assert_eq!(
            signal_number("-1").unwrap_err().to_string(),
            "value '-1' is not a valid signal number"
        );
        assert_eq!(
            signal_number("99999999999999999999").unwrap_err(),
            SignalError::BadNumber("99999999999999999999".into())
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
    fn python_int_rules() {
        assert_eq!(parse_python_int("-0"), Some(0));
        assert_eq!(parse_python_int("_1"), None);
        assert_eq!(parse_python_int("1_"), None);
        assert_eq!(parse_python_int("0x1"), None);
        assert_eq!(parse_python_int("+"), None);
        assert_eq!(parse_python_int("  "), None);
        assert_eq!(parse_python_int("\t42\n"), Some(42));
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a\"b"), "'a\"b'");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(py_repr("x\n\t\u{1}\u{7f}é"), "'x\\n\\t\\x01\\x7fé'");
        assert_eq!(py_repr("back\\slash"), "'back\\\\slash'");
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
