//! How reaped orphans are reported: Supervisor logs `reaped unknown pid …` at INFO for each, which
//! is right for the rare stray child it has, but we are a subreaper (or PID 1), so every orphaned
//! grandchild comes to us: a program that forks and abandons children in a loop would write
//! thousands of INFO lines a second. Each orphan is logged at INFO only when it is the first in a
//! window; the others go to DEBUG and are summed up at INFO by the first reap after the window.
//! No timer: the summary waits for the next orphan (an idle daemon stays idle).

use std::time::{Duration, Instant};

use supervisor_core::LogLevel;

/// How long one INFO line stands for the orphans that follow it.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The rate limiter of orphan messages.
#[derive(Debug, Default)]
pub struct OrphanLog {
    /// When the current window opened (its first orphan was logged at INFO).
    opened: Option<Instant>,
    /// Orphans logged at DEBUG in the current window.
    quiet: u64,
}

impl OrphanLog {
    /// The lines to log for one reaped orphan described by `message`, reaped at `now`.
    pub fn record(&mut self, message: String, now: Instant) -> Vec<(LogLevel, String)> {
        let mut lines = Vec::new();
        if self.opened.is_some_and(|o| now.duration_since(o) < WINDOW) {
            self.quiet += 1;
            lines.push((LogLevel::Debug, message));
            return lines;
        }
        if let Some(opened) = self.opened {
            if self.quiet > 0 {
                let secs = now.duration_since(opened).as_secs();
                lines.push((
                    LogLevel::Info,
                    format!(
                        "reaped {} more unknown pids in the {secs} s after that one (orphans of \
                         managed programs; loglevel=debug lists each)",
                        self.quiet
                    ),
                ));
            }
        }
        self.opened = Some(now);
        self.quiet = 0;
        lines.push((LogLevel::Info, message));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_info_line_per_window_then_a_summary() {
        let mut log = OrphanLog::default();
        let t0 = Instant::now();
        let msg = |n: u32| format!("reaped unknown pid {n} (exit status 0)");
        assert_eq!(log.record(msg(1), t0), vec![(LogLevel::Info, msg(1))]);
        for n in 2..1002 {
            let at = t0 + Duration::from_millis(u64::from(n));
            assert_eq!(log.record(msg(n), at), vec![(LogLevel::Debug, msg(n))]);
        }
        let later = t0 + WINDOW + Duration::from_secs(5);
        let lines = log.record(msg(2000), later);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0, LogLevel::Info);
        assert!(
            lines[0]
                .1
                .starts_with("reaped 1000 more unknown pids in the 65 s after that one"),
            "{lines:?}"
        );
        assert_eq!(lines[1], (LogLevel::Info, msg(2000)));
        // A lone orphan much later: just its line.
        let much_later = later + WINDOW * 3;
        assert_eq!(
            log.record(msg(3000), much_later),
            vec![(LogLevel::Info, msg(3000))]
        );
    }
}
