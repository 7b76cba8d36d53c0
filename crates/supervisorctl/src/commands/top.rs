//! `top` (ours): CPU and memory of each process's whole tree, from supervisor-rs's JSON API,
//! redrawn every two seconds on a terminal until Ctrl-C; one table when the output is not a
//! terminal (after two readings a second apart, so CPU is a percentage there too).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use serde_json::Value;
use supervisor_core::namespec::Namespec;

use super::status::{json_str, select};
use crate::controller::{split_words, CmdResult, Controller, Exc};
use crate::signals::{self, Wait};

/// How often a terminal's table is redrawn.
const REFRESH: Duration = Duration::from_secs(2);
/// The gap between the two readings of a one-shot table.
const ONE_SHOT_GAP: Duration = Duration::from_secs(1);

/// The CPU counter of each process at one moment: namespec → (pid, CPU seconds).
pub type Readings = HashMap<String, (i64, f64)>;

/// The CPU counters in `processes`.
pub fn readings(processes: &[&Value]) -> Readings {
    processes
        .iter()
        .filter_map(|p| {
            let cpu = p["resources"]["cpu_seconds"].as_f64()?;
            Some((
                json_str(p, "namespec").to_string(),
                (p["pid"].as_i64()?, cpu),
            ))
        })
        .collect()
}

/// The table: a header and a line per process. CPU is the share of one CPU since `before`
/// (taken `elapsed` earlier) for a process still running with the same pid, else `-`.
pub fn format_top(processes: &[&Value], before: &Readings, elapsed: f64) -> Vec<String> {
    let width = processes
        .iter()
        .map(|p| json_str(p, "namespec").chars().count())
        .max()
        .unwrap_or(0)
        .max(20)
        + 2;
    let mut lines = vec![format!(
        "{:<width$}{:<10}{:>8}{:>8}{:>11}{:>7}{:>6}",
        "NAME", "STATE", "PID", "CPU%", "MEM", "PROCS", "FDS"
    )];
    for p in processes {
        let namespec = json_str(p, "namespec");
        let state = json_str(p, "statename");
        let usage = &p["resources"];
        let (pid, cpu, mem, procs, fds) = if usage.is_object() {
            let pid = p["pid"].as_i64().unwrap_or(0);
            let now = usage["cpu_seconds"].as_f64().unwrap_or(0.0);
            let cpu = match before.get(namespec) {
                Some(&(was_pid, was)) if was_pid == pid && elapsed > 0.0 => {
                    format!("{:.1}", (100.0 * (now - was) / elapsed).max(0.0))
                }
                _ => "-".to_string(),
            };
            (
                pid.to_string(),
                cpu,
                bytes(usage["rss_bytes"].as_u64().unwrap_or(0)),
                usage["processes"].as_u64().unwrap_or(0).to_string(),
                usage["open_fds"]
                    .as_u64()
                    .map_or_else(|| "-".to_string(), |n| n.to_string()),
            )
        } else {
            Default::default()
        };
        lines.push(format!(
            "{namespec:<width$}{state:<10}{pid:>8}{cpu:>8}{mem:>11}{procs:>7}{fds:>6}"
        ));
    }
    lines
}

/// A byte count in binary units (`12.3M`, as `top` and `ps` print them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 100.0 {
        format!("{value:.1}{}", UNITS[unit])
    } else {
        format!("{value:.0}{}", UNITS[unit])
    }
}

impl Controller {
    /// `top [name|group:*|all …]`.
    pub(crate) fn do_top(&mut self, arg: &str) -> CmdResult {
        let names = split_words(arg);
        if names
            .iter()
            .any(|w| Namespec::parse(w).parts().0.is_empty())
        {
            self.output("Error: top accepts process and group names only");
            self.exitstatus = crate::controller::exit::GENERIC;
            return Ok(false);
        }
        if !self.upcheck()? {
            return Ok(false);
        }
        let live = std::io::stdout().is_terminal();
        signals::catch_interrupts();
        let result = self.top_loop(&names, live);
        signals::clear();
        result
    }

    fn top_loop(&mut self, names: &[&str], live: bool) -> CmdResult {
        let mut before = Readings::new();
        let mut taken = Instant::now();
        let mut first = true;
        loop {
            let Some(all) = self.top_reading()? else {
                return Ok(false);
            };
            let elapsed = taken.elapsed().as_secs_f64();
            taken = Instant::now();
            let pairs: Vec<(&str, &str)> = all
                .iter()
                .map(|p| (json_str(p, "group"), json_str(p, "name")))
                .collect();
            let (chosen, errors) = select(&pairs, names);
            let picked: Vec<&Value> = chosen.iter().map(|&i| &all[i]).collect();
            if first && !live {
                // One table for a pipe: wait for a second reading, so CPU is a percentage.
                first = false;
                before = readings(&picked);
                if signals::sleep(ONE_SHOT_GAP) == Wait::Interrupted {
                    return Err(Exc::Interrupted);
                }
                continue;
            }
            if live {
                // Home and clear, then the table: the terminal shows one frame at a time.
                self.out.line("\x1b[H\x1b[2J");
            }
            for e in &errors {
                self.output(e);
                self.exitstatus = crate::controller::exit::GENERIC;
            }
            for line in format_top(&picked, &before, elapsed) {
                self.out.line(&line);
            }
            self.out.flush();
            before = readings(&picked);
            if !live {
                return Ok(false);
            }
            if signals::sleep(REFRESH) == Wait::Interrupted {
                self.output("");
                return Ok(false);
            }
        }
    }

    /// One reading of every process with its resources, or `None` (said why) when the server
    /// has no JSON API.
    fn top_reading(&mut self) -> Result<Option<Vec<Value>>, Exc> {
        match self.client().get_json("/api/v1/processes")? {
            Some(doc) => Ok(doc
                .get("processes")
                .and_then(Value::as_array)
                .cloned()
                .or(Some(Vec::new()))),
            None => {
                self.output(
                    "ERROR: top needs supervisor-rs's JSON API (/api/v1), which this \
                     supervisord does not have",
                );
                self.exitstatus = crate::controller::exit::GENERIC;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cpu_is_a_percentage_of_one_cpu_for_the_same_pid() {
        let running = json!({"namespec": "web", "statename": "RUNNING", "pid": 42,
            "resources": {"cpu_seconds": 3.0, "rss_bytes": 12_897_485u64, "open_fds": 9,
                          "processes": 3}});
        let stopped = json!({"namespec": "g:idle", "statename": "STOPPED", "pid": 0,
            "resources": null});
        let before: Readings = [("web".to_string(), (42, 2.0))].into();
        let lines = format_top(&[&running, &stopped], &before, 2.0);
        assert_eq!(
            lines[0],
            "NAME                  STATE          PID    CPU%        MEM  PROCS   FDS"
        );
        assert_eq!(
            lines[1],
            "web                   RUNNING         42    50.0      12.3M      3     9"
        );
        assert_eq!(lines[2].trim_end(), "g:idle                STOPPED");
        // Another pid (a restart), or no reading before: no percentage yet.
        let restarted: Readings = [("web".to_string(), (41, 2.0))].into();
        assert!(format_top(&[&running], &restarted, 2.0)[1].contains("   -  "));
        assert_eq!(
            readings(&[&running, &stopped]),
            [("web".into(), (42, 3.0))].into()
        );
    }

    #[test]
    fn sizes_read_like_top() {
        assert_eq!(bytes(0), "0.0K");
        assert_eq!(bytes(512 * 1024), "512K");
        assert_eq!(bytes(3 << 30), "3.0G");
    }
}
