//! `/proc/PID/stat`, reduced to the fields the daemon uses (proc(5)).

/// One process's `/proc/PID/stat` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The process id.
    pub pid: i32,
    /// The state letter (`R`, `S`, `D`, `Z`, …).
    pub state: u8,
    /// The parent's pid.
    pub ppid: i32,
    /// The process group.
    pub pgrp: i32,
    /// CPU time in user mode, in clock ticks.
    pub utime: u64,
    /// CPU time in kernel mode, in clock ticks.
    pub stime: u64,
    /// CPU time of its children that it has waited for, user mode, in clock ticks.
    pub cutime: u64,
    /// CPU time of its children that it has waited for, kernel mode, in clock ticks.
    pub cstime: u64,
    /// When it started, in clock ticks after boot.
    pub start_ticks: u64,
    /// Resident set size, in pages.
    pub rss_pages: u64,
}

impl Stat {
    /// Parses a `stat` file. The command name may contain spaces and parentheses, so fields are
    /// counted from the last `)`.
    pub fn parse(pid: i32, text: &[u8]) -> Option<Stat> {
        let close = text.iter().rposition(|b| *b == b')')?;
        let rest = std::str::from_utf8(&text[close + 1..]).ok()?;
        let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
        // fields[0] is field 3 of proc(5) (state), so field N is fields[N - 3].
        let field = |n: usize| fields.get(n - 3).copied();
        let number = |n: usize| field(n)?.parse::<u64>().ok();
        Some(Stat {
            pid,
            state: *field(3)?.as_bytes().first()?,
            ppid: field(4)?.parse().ok()?,
            pgrp: field(5)?.parse().ok()?,
            utime: number(14)?,
            stime: number(15)?,
            // Signed in the kernel's format, never negative in practice.
            cutime: number(16).unwrap_or(0),
            cstime: number(17).unwrap_or(0),
            start_ticks: number(22)?,
            rss_pages: field(24)?.parse::<i64>().ok()?.max(0) as u64,
        })
    }

    /// Whether the process has exited and waits to be reaped (or is being torn down).
    pub fn is_zombie(&self) -> bool {
        matches!(self.state, b'Z' | b'X')
    }

    /// Its CPU time and its waited-for children's, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        self.utime + self.stime + self.cutime + self.cstime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stat line in the kernel's format with the given comm and the fields that matter.
    fn line(comm: &str, state: char) -> Vec<u8> {
        format!(
            "42 ({comm}) {state} 1 42 42 0 -1 4194560 0 0 0 0 \
             11 22 33 44 20 0 1 0 777 1000000 250 18446744073709551615"
        )
        .into_bytes()
    }

    #[test]
    fn fields_are_counted_from_the_last_parenthesis() {
        let st = Stat::parse(42, &line("a) b (c", 'S')).unwrap();
        assert_eq!(st.pid, 42);
        assert_eq!(st.state, b'S');
        assert_eq!((st.ppid, st.pgrp), (1, 42));
        assert_eq!((st.utime, st.stime, st.cutime, st.cstime), (11, 22, 33, 44));
        assert_eq!(st.cpu_ticks(), 110);
        assert_eq!((st.start_ticks, st.rss_pages), (777, 250));
        assert!(!st.is_zombie());
        assert!(Stat::parse(42, &line("z", 'Z')).unwrap().is_zombie());
    }

    #[test]
    fn truncated_or_garbage_lines_are_none() {
        assert_eq!(Stat::parse(1, b""), None);
        assert_eq!(Stat::parse(1, b"1 (x) S 0 1"), None);
        assert_eq!(Stat::parse(1, b"no parenthesis at all"), None);
    }
}
