//! The data behind `getProcessInfo` and its `description` text (spec §4.9).
//!
//! The RPC layer adds `name`, `group` and the log file paths; everything that depends on the
//! process state lives here. Local time is the caller's business (this crate reads no clock
//! and no time zone), so the stop time is formatted from [`LocalTime`] pieces the caller
//! computes.

use crate::state::ProcessState;

/// A snapshot of one process for `getProcessInfo` (see [`crate::Process::info`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// `laststart` in whole epoch seconds, 0 if never started (capped to the i32 range).
    pub start: i32,
    /// `laststop` in whole epoch seconds, 0 if it never exited.
    pub stop: i32,
    /// The current time in whole epoch seconds.
    pub now: i32,
    /// The state.
    pub state: ProcessState,
    /// The last spawn error, or `""`.
    pub spawnerr: String,
    /// The last exit status, 0 if none, -1 after a signal death.
    pub exitstatus: i32,
    /// The pid, 0 if not running.
    pub pid: u32,
}

/// The local-time fields of a timestamp that Supervisor's `%b %d %I:%M %p` needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTime {
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl ProcessInfo {
    /// The state's name (`statename`).
    #[must_use]
    pub fn statename(&self) -> &'static str {
        self.state.name()
    }

    /// The `description` field, as Supervisor's `_interpretProcessInfo` writes it.
    ///
    /// `name` is the process name (used in `unknown error (try "tail NAME")`); `localtime`
    /// converts an epoch second to local time and is only called for STOPPED/EXITED processes
    /// that were started at least once.
    pub fn description(&self, name: &str, localtime: impl FnOnce(i32) -> LocalTime) -> String {
        match self.state {
            ProcessState::Running => {
                format!(
                    "pid {}, uptime {}",
                    self.pid,
                    format_uptime(self.start, self.now)
                )
            }
            ProcessState::Fatal | ProcessState::Backoff => {
                if self.spawnerr.is_empty() {
                    format!("unknown error (try \"tail {name}\")")
                } else {
                    self.spawnerr.clone()
                }
            }
            ProcessState::Stopped | ProcessState::Exited => {
                if self.start == 0 {
                    "Not started".to_owned()
                } else {
                    format_stop_time(localtime(self.stop))
                }
            }
            ProcessState::Starting | ProcessState::Stopping | ProcessState::Unknown => {
                String::new()
            }
        }
    }
}

/// Python's `capped_int`: truncate toward zero and clamp to the XML-RPC i32 range.
#[must_use]
pub fn capped_int(value: f64) -> i32 {
    // `as` truncates toward zero and saturates at the i32 bounds, which is capped_int exactly.
    value as i32
}

/// Uptime as Python's `timedelta` prints it: `0:01:02`, `1 day, 2:03:04`, `3 days, 0:00:00`;
/// a negative difference (clock set back) is `0:00:00`.
#[must_use]
pub fn format_uptime(start: i32, now: i32) -> String {
    let secs = (i64::from(now) - i64::from(start)).max(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let clock = format!("{}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

/// A stop time as `strftime('%b %d %I:%M %p')` in the C locale: `Nov 25 02:10 PM`.
#[must_use]
pub fn format_stop_time(t: LocalTime) -> String {
    let month = usize::from(t.month)
        .checked_sub(1)
        .and_then(|i| MONTHS.get(i))
        .map_or_else(|| t.month.to_string(), |m| (*m).to_owned());
    let hour12 = match t.hour % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if t.hour < 12 { "AM" } else { "PM" };
    format!("{month} {:02} {hour12:02}:{:02} {ampm}", t.day, t.minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: ProcessState) -> ProcessInfo {
        ProcessInfo {
            start: 1_000,
            stop: 2_000,
            now: 1_062,
            state,
            spawnerr: String::new(),
            exitstatus: 0,
            pid: 123,
        }
    }

    fn never(_: i32) -> LocalTime {
        panic!("local time must not be needed")
    }

    #[test]
    fn running_shows_pid_and_uptime() {
        let i = info(ProcessState::Running);
        assert_eq!(i.description("x", never), "pid 123, uptime 0:01:02");
        assert_eq!(i.statename(), "RUNNING");
    }

    #[test]
    fn uptime_formats_like_timedelta() {
        assert_eq!(format_uptime(0, 0), "0:00:00");
        assert_eq!(format_uptime(0, 15), "0:00:15");
        assert_eq!(format_uptime(0, 3_599), "0:59:59");
        assert_eq!(format_uptime(0, 36_000), "10:00:00");
        assert_eq!(format_uptime(0, 86_399), "23:59:59");
        assert_eq!(format_uptime(0, 86_400), "1 day, 0:00:00");
        assert_eq!(format_uptime(0, 86_400 + 3_723), "1 day, 1:02:03");
        assert_eq!(format_uptime(0, 3 * 86_400 + 5), "3 days, 0:00:05");
        assert_eq!(format_uptime(100, 50), "0:00:00");
        assert_eq!(format_uptime(i32::MIN, i32::MAX), "49710 days, 6:28:15");
    }

    #[test]
    fn backoff_and_fatal_show_spawnerr() {
        for state in [ProcessState::Backoff, ProcessState::Fatal] {
            let mut i = info(state);
            assert_eq!(
                i.description("web", never),
                "unknown error (try \"tail web\")"
            );
            i.spawnerr = "Exited too quickly (process log may have details)".into();
            assert_eq!(
                i.description("web", never),
                "Exited too quickly (process log may have details)"
            );
        }
    }

    #[test]
    fn stopped_and_exited_show_stop_time_or_not_started() {
        for state in [ProcessState::Stopped, ProcessState::Exited] {
            let mut i = info(state);
            let mut asked = None;
            let d = i.description("x", |t| {
                asked = Some(t);
                LocalTime {
                    month: 11,
                    day: 25,
                    hour: 14,
                    minute: 10,
                }
            });
            assert_eq!(d, "Nov 25 02:10 PM");
            assert_eq!(asked, Some(2_000), "the stop time is the one formatted");
            i.start = 0;
            assert_eq!(i.description("x", never), "Not started");
        }
    }

    #[test]
    fn transient_states_have_no_description() {
        for state in [
            ProcessState::Starting,
            ProcessState::Stopping,
            ProcessState::Unknown,
        ] {
            assert_eq!(info(state).description("x", never), "");
        }
    }

    #[test]
    fn stop_time_format() {
        let t = |month, day, hour, minute| LocalTime {
            month,
            day,
            hour,
            minute,
        };
        assert_eq!(format_stop_time(t(1, 1, 0, 0)), "Jan 01 12:00 AM");
        assert_eq!(format_stop_time(t(1, 1, 11, 59)), "Jan 01 11:59 AM");
        assert_eq!(format_stop_time(t(6, 9, 12, 5)), "Jun 09 12:05 PM");
        assert_eq!(format_stop_time(t(12, 31, 23, 59)), "Dec 31 11:59 PM");
        assert_eq!(format_stop_time(t(13, 1, 1, 1)), "13 01 01:01 AM");
    }

    #[test]
    fn capped_int_truncates_and_clamps() {
        assert_eq!(capped_int(0.0), 0);
        assert_eq!(capped_int(1_700_000_000.9), 1_700_000_000);
        assert_eq!(capped_int(-1.5), -1);
        assert_eq!(capped_int(1e12), i32::MAX);
        assert_eq!(capped_int(-1e12), i32::MIN);
    }
}
