//! `status`.

use supervisor_core::namespec::{self, Namespec};

use crate::controller::{split_words, CmdResult, Controller};
use crate::rpc::ProcessInfo;

/// `status` exit statuses (Python's `LSBStatusExitStatuses`).
const STATUS_NOT_RUNNING: i32 = 3;
const STATUS_UNKNOWN: i32 = 4;

/// States in Python's `STOPPED_STATES`: STOPPED, EXITED, FATAL, UNKNOWN.
fn is_stopped_state(state: i64) -> bool {
    matches!(state, 0 | 100 | 200 | 1000)
}

/// The status table: `namespec` padded to `max(30, longest) + 3`, state to 10, description.
pub fn format_statuses(infos: &[&ProcessInfo]) -> Vec<String> {
    let namespecs: Vec<String> = infos
        .iter()
        .map(|i| namespec::make(&i.group, Some(&i.name)))
        .collect();
    let width = namespecs
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(30)
        + 3;
    infos
        .iter()
        .zip(&namespecs)
        .map(|(info, ns)| format!("{ns:<width$}{:<10}{}", info.statename, info.description))
        .collect()
}

impl Controller {
    /// `status [name|group:*|all …]`.
    pub(crate) fn do_status(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            self.exitstatus = STATUS_UNKNOWN;
            return Ok(false);
        }
        let all = self.client().get_all_process_info()?;
        let names = split_words(arg);
        let matching: Vec<&ProcessInfo> = if names.is_empty() || names.contains(&"all") {
            all.iter().collect()
        } else {
            let mut matching = Vec::new();
            for name in names {
                let (group, process) = Namespec::parse(name).parts();
                let before = matching.len();
                matching.extend(
                    all.iter()
                        .filter(|i| i.group == group && process.is_none_or(|p| i.name == p)),
                );
                if matching.len() == before {
                    let msg = match process {
                        None => format!("{group}: ERROR (no such group)"),
                        Some(_) => format!("{name}: ERROR (no such process)"),
                    };
                    self.output(&msg);
                    self.exitstatus = STATUS_UNKNOWN;
                }
            }
            matching
        };
        for line in format_statuses(&matching) {
            self.out.line(&line);
        }
        if matching.iter().any(|i| is_stopped_state(i.state)) {
            self.exitstatus = STATUS_NOT_RUNNING;
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str, statename: &str, desc: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: 20,
            statename: statename.into(),
            description: desc.into(),
            pid: 1,
        }
    }

    #[test]
    fn columns_widen_for_long_names() {
        let a = info("g", "ga", "RUNNING", "pid 1, uptime 0:00:15");
        let b = info(
            "a_program_with_a_very_long_name_xyz",
            "a_program_with_a_very_long_name_xyz",
            "STOPPED",
            "Not started",
        );
        let lines = format_statuses(&[&b, &a]);
        assert_eq!(
            lines[0],
            "a_program_with_a_very_long_name_xyz   STOPPED   Not started"
        );
        assert_eq!(
            lines[1],
            "g:ga                                  RUNNING   pid 1, uptime 0:00:15"
        );
        let c = info("x", "x", "STARTING", "");
        assert_eq!(
            format_statuses(&[&c])[0],
            "x                                STARTING  "
        );
    }

    #[test]
    fn pads_by_characters_not_bytes() {
        let u = info("é", "é", "RUNNING", "d");
        assert_eq!(format_statuses(&[&u])[0].chars().count(), 33 + 10 + 1);
    }
}
