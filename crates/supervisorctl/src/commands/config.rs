//! `avail`, `reread`, `add`, `remove` and `update`: the configuration commands.

use std::collections::BTreeMap;

use supervisor_core::namespec;

use crate::controller::{exit, split_words, CmdResult, Controller};
use crate::rpc::{faults, ConfigChanges, ConfigInfo};

/// One `avail` line: `%-32s %-9s %-9s %s`.
pub fn format_config_info(c: &ConfigInfo) -> String {
    let name = namespec::make(&c.group, Some(&c.name));
    let inuse = if c.inuse { "in use" } else { "avail" };
    let auto = if c.autostart { "auto" } else { "manual" };
    format!(
        "{name:<32} {inuse:<9} {auto:<9} {}:{}",
        c.group_prio, c.process_prio
    )
}

/// `reread`'s lines, sorted by name (`No config updates to processes` when empty).
pub fn format_changes(changes: &ConfigChanges) -> Vec<String> {
    let mut by_name: BTreeMap<&str, &str> = BTreeMap::new();
    for (names, what) in [
        (&changes.added, "available"),
        (&changes.changed, "changed"),
        (&changes.removed, "disappeared"),
    ] {
        for n in names {
            by_name.insert(n, what);
        }
    }
    if by_name.is_empty() {
        return vec!["No config updates to processes".to_string()];
    }
    by_name
        .into_iter()
        .map(|(n, what)| format!("{n}: {what}"))
        .collect()
}

impl Controller {
    /// `avail`.
    pub(crate) fn do_avail(&mut self, arg: &str) -> CmdResult {
        if !arg.is_empty() {
            self.output("Error: avail accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help_avail();
            return Ok(false);
        }
        match self.client().get_all_config_info() {
            Ok(infos) => {
                for info in &infos {
                    self.out.line(&format_config_info(info));
                }
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                if e.fault_code() == Some(faults::SHUTDOWN_STATE) {
                    self.output("ERROR: supervisor shutting down");
                } else {
                    return Err(e.into());
                }
            }
        }
        Ok(false)
    }

    /// `reread`.
    pub(crate) fn do_reread(&mut self, arg: &str) -> CmdResult {
        if !arg.is_empty() {
            self.output("Error: reread accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help_reread();
            return Ok(false);
        }
        match self.client().reload_config() {
            Ok(changes) => {
                for line in format_changes(&changes) {
                    self.output(&line);
                }
            }
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                match e.fault_code() {
                    Some(faults::SHUTDOWN_STATE) => self.output("ERROR: supervisor shutting down"),
                    Some(faults::CANT_REREAD) => {
                        if let crate::rpc::RpcError::Fault { string, .. } = &e {
                            let msg = format!("ERROR: {string}");
                            self.output(&msg);
                        }
                    }
                    _ => return Err(e.into()),
                }
            }
        }
        Ok(false)
    }

    /// `add group…`.
    pub(crate) fn do_add(&mut self, arg: &str) -> CmdResult {
        for name in split_words(arg) {
            match self.client().add_process_group(name) {
                Ok(()) => self.output(&format!("{name}: added process group")),
                Err(e) => match e.fault_code() {
                    Some(faults::SHUTDOWN_STATE) => {
                        self.output("ERROR: shutting down");
                        self.exitstatus = exit::GENERIC;
                    }
                    Some(faults::ALREADY_ADDED) => {
                        self.output("ERROR: process group already active")
                    }
                    Some(faults::BAD_NAME) => {
                        self.output(&format!("ERROR: no such process/group: {name}"));
                        self.exitstatus = exit::GENERIC;
                    }
                    _ => {
                        self.exitstatus = exit::GENERIC;
                        return Err(e.into());
                    }
                },
            }
        }
        Ok(false)
    }

    /// `remove group…`.
    pub(crate) fn do_remove(&mut self, arg: &str) -> CmdResult {
        for name in split_words(arg) {
            match self.client().remove_process_group(name) {
                Ok(()) => self.output(&format!("{name}: removed process group")),
                Err(e) => {
                    self.exitstatus = exit::GENERIC;
                    match e.fault_code() {
                        Some(faults::STILL_RUNNING) => {
                            self.output(&format!("ERROR: process/group still running: {name}"))
                        }
                        Some(faults::BAD_NAME) => {
                            self.output(&format!("ERROR: no such process/group: {name}"))
                        }
                        _ => return Err(e.into()),
                    }
                }
            }
        }
        Ok(false)
    }

    /// `update [all|group…]`: reread, then stop/remove, re-add and add groups (spec §5.4).
    pub(crate) fn do_update(&mut self, arg: &str) -> CmdResult {
        let changes = match self.client().reload_config() {
            Ok(c) => c,
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                if e.fault_code() == Some(faults::SHUTDOWN_STATE) {
                    self.output("ERROR: already shutting down");
                    return Ok(false);
                }
                return Err(e.into());
            }
        };
        // A set in Python; argument order (without repeats) is the deterministic equivalent.
        let mut wanted: Vec<&str> = Vec::new();
        for w in split_words(arg) {
            if !wanted.contains(&w) {
                wanted.push(w);
            }
        }
        if wanted.contains(&"all") {
            wanted.clear();
        }
        if !wanted.is_empty() {
            let mut groups: Vec<String> = self
                .client()
                .get_all_process_info()?
                .into_iter()
                .map(|i| i.group)
                .collect();
            groups.extend(changes.added.iter().cloned());
            for g in &wanted {
                if !groups.iter().any(|x| x == g) {
                    self.output(&format!("ERROR: no such group: {g}"));
                    self.exitstatus = exit::GENERIC;
                }
            }
        }
        let selected = |g: &str| wanted.is_empty() || wanted.contains(&g);
        for g in changes.removed.iter().filter(|g| selected(g)) {
            let results = self.client().stop_process_group(g)?;
            self.output(&format!("{g}: stopped"));
            if results.iter().any(|r| r.status == faults::FAILED) {
                self.output(&format!("{g}: has problems; not removing"));
                self.exitstatus = exit::GENERIC;
                continue;
            }
            self.client().remove_process_group(g)?;
            self.output(&format!("{g}: removed process group"));
        }
        for g in changes.changed.iter().filter(|g| selected(g)) {
            self.client().stop_process_group(g)?;
            self.output(&format!("{g}: stopped"));
            self.client().remove_process_group(g)?;
            self.client().add_process_group(g)?;
            self.output(&format!("{g}: updated process group"));
        }
        for g in changes.added.iter().filter(|g| selected(g)) {
            self.client().add_process_group(g)?;
            self.output(&format!("{g}: added process group"));
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avail_columns() {
        let c = ConfigInfo {
            name: "p".into(),
            group: "g".into(),
            inuse: true,
            autostart: false,
            group_prio: "999".into(),
            process_prio: "-1".into(),
        };
        assert_eq!(
            format_config_info(&c),
            "g:p                              in use    manual    999:-1"
        );
    }

    #[test]
    fn reread_lines_sorted() {
        let c = ConfigChanges {
            added: vec!["b".into()],
            changed: vec!["a".into()],
            removed: vec!["c".into()],
        };
        assert_eq!(
            format_changes(&c),
            vec!["a: changed", "b: available", "c: disappeared"]
        );
        assert_eq!(
            format_changes(&ConfigChanges::default()),
            vec!["No config updates to processes"]
        );
    }
}
