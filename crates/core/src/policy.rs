//! The per-program options the state machine obeys, as plain data.
//!
//! The daemon fills a [`Policy`] from the typed config; this crate does not depend on
//! `supervisor-config`, so the two can evolve separately and the machine is testable alone.

use std::time::Duration;

use crate::signals::SIGTERM;

/// When a process that exited on its own (RUNNING → EXITED) is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoRestart {
    /// `autorestart=true`: always.
    Always,
    /// `autorestart=false`: never.
    Never,
    /// `autorestart=unexpected`: only when the exit status is not in `exitcodes` (signal deaths
    /// are always unexpected).
    Unexpected,
}

impl AutoRestart {
    /// The option value that selects this variant (`true`, `false`, `unexpected`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AutoRestart::Always => "true",
            AutoRestart::Never => "false",
            AutoRestart::Unexpected => "unexpected",
        }
    }
}

/// The options of one `[program:x]` process that drive its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The process name, used in every log message.
    pub name: String,
    /// Seconds the process must stay up to count as started (`startsecs`, default 1).
    pub startsecs: u64,
    /// Retries after failed starts before FATAL (`startretries`, default 3).
    pub startretries: u32,
    /// Start when supervisord starts or the group is added (`autostart`, default true).
    pub autostart: bool,
    /// Restart after an exit from RUNNING (`autorestart`, default unexpected).
    pub autorestart: AutoRestart,
    /// Exit codes that count as expected (`exitcodes`, default `0`).
    pub exitcodes: Vec<i32>,
    /// The signal number sent to stop the process (`stopsignal`, default TERM).
    pub stopsignal: i32,
    /// Seconds to wait after `stopsignal` before SIGKILL, and between SIGKILLs
    /// (`stopwaitsecs`, default 10).
    pub stopwaitsecs: u64,
    /// Send `stopsignal` to the whole process group (`stopasgroup`).
    pub stopasgroup: bool,
    /// Send SIGKILL to the whole process group (`killasgroup`; the config layer sets it when
    /// `stopasgroup` is set, as Supervisor does).
    pub killasgroup: bool,
}

impl Policy {
    /// A policy named `name` with Supervisor's defaults for every option.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Policy {
        Policy {
            name: name.into(),
            startsecs: 1,
            startretries: 3,
            autostart: true,
            autorestart: AutoRestart::Unexpected,
            exitcodes: vec![0],
            stopsignal: SIGTERM,
            stopwaitsecs: 10,
            stopasgroup: false,
            killasgroup: false,
        }
    }

    /// `startsecs` as a duration.
    #[must_use]
    pub const fn startsecs_duration(&self) -> Duration {
        Duration::from_secs(self.startsecs)
    }

    /// `stopwaitsecs` as a duration.
    #[must_use]
    pub const fn stopwait_duration(&self) -> Duration {
        Duration::from_secs(self.stopwaitsecs)
    }

    /// Whether an exit with this status and kind is expected: the status is in `exitcodes`
    /// and the process was not killed by a signal.
    #[must_use]
    pub fn is_expected(&self, exitstatus: i32, by_signal: bool) -> bool {
        !by_signal && self.exitcodes.contains(&exitstatus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_supervisors() {
        let p = Policy::new("web");
        assert_eq!(p.name, "web");
        assert_eq!(p.startsecs, 1);
        assert_eq!(p.startretries, 3);
        assert!(p.autostart);
        assert_eq!(p.autorestart, AutoRestart::Unexpected);
        assert_eq!(p.exitcodes, vec![0]);
        assert_eq!(p.stopsignal, 15);
        assert_eq!(p.stopwaitsecs, 10);
        assert!(!p.stopasgroup);
        assert!(!p.killasgroup);
        assert_eq!(p.startsecs_duration(), Duration::from_secs(1));
        assert_eq!(p.stopwait_duration(), Duration::from_secs(10));
    }

    #[test]
    fn expected_exits() {
        let mut p = Policy::new("x");
        p.exitcodes = vec![0, 2];
        assert!(p.is_expected(0, false));
        assert!(p.is_expected(2, false));
        assert!(!p.is_expected(1, false));
        // Even a configured -1 never makes a signal death expected.
        p.exitcodes.push(-1);
        assert!(!p.is_expected(-1, true));
    }
}
