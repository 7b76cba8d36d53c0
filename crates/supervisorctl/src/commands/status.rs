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

/// Which of `all` (as `(group, name)`) the words of a `status` line select, in the order asked,
/// and an error line for each word that selects nothing (Python's texts).
pub fn select<'a>(all: &[(&'a str, &'a str)], words: &[&str]) -> (Vec<usize>, Vec<String>) {
    if words.is_empty() || words.contains(&"all") {
        return ((0..all.len()).collect(), Vec::new());
    }
    let mut chosen = Vec::new();
    let mut errors = Vec::new();
    for word in words {
        let (group, process) = Namespec::parse(word).parts();
        let before = chosen.len();
        chosen.extend(
            all.iter()
                .enumerate()
                .filter(|(_, (g, n))| *g == group && process.is_none_or(|p| *n == p))
                .map(|(i, _)| i),
        );
        if chosen.len() == before {
            errors.push(match process {
                None => format!("{group}: ERROR (no such group)"),
                Some(_) => format!("{word}: ERROR (no such process)"),
            });
        }
    }
    (chosen, errors)
}

/// Whether a `status` line asks for JSON (`--json` or `-j`, ours), and its other words.
pub fn json_flag<'a>(words: &[&'a str]) -> (bool, Vec<&'a str>) {
    let json = words.iter().any(|w| *w == "--json" || *w == "-j");
    let rest = words
        .iter()
        .copied()
        .filter(|w| *w != "--json" && *w != "-j")
        .collect();
    (json, rest)
}

impl Controller {
    /// `status [--json] [name|group:*|all …]`.
    pub(crate) fn do_status(&mut self, arg: &str) -> CmdResult {
        let (json, names) = json_flag(&split_words(arg));
        if !self.upcheck()? {
            self.exitstatus = STATUS_UNKNOWN;
            return Ok(false);
        }
        if json {
            return self.status_json(&names);
        }
        let all = self.client().get_all_process_info()?;
        let pairs: Vec<(&str, &str)> = all
            .iter()
            .map(|i| (i.group.as_str(), i.name.as_str()))
            .collect();
        let (chosen, errors) = select(&pairs, &names);
        for e in &errors {
            self.output(e);
            self.exitstatus = STATUS_UNKNOWN;
        }
        let matching: Vec<&ProcessInfo> = chosen.iter().map(|&i| &all[i]).collect();
        for line in format_statuses(&matching) {
            self.out.line(&line);
        }
        if matching.iter().any(|i| is_stopped_state(i.state)) {
            self.exitstatus = STATUS_NOT_RUNNING;
        }
        Ok(false)
    }

    /// `status --json`: the processes as supervisor-rs's JSON API lists them, for scripts; the
    /// same exit statuses as `status`, errors on stderr so stdout stays one JSON document.
    fn status_json(&mut self, names: &[&str]) -> CmdResult {
        let processes = processes_json(self.client())?;
        let pairs: Vec<(&str, &str)> = processes
            .iter()
            .map(|p| (json_str(p, "group"), json_str(p, "name")))
            .collect();
        let (chosen, errors) = select(&pairs, names);
        for e in &errors {
            eprintln!("{e}");
            self.exitstatus = STATUS_UNKNOWN;
        }
        let picked: Vec<&serde_json::Value> = chosen.iter().map(|&i| &processes[i]).collect();
        if picked
            .iter()
            .any(|p| p["state"].as_i64().is_some_and(is_stopped_state))
        {
            self.exitstatus = STATUS_NOT_RUNNING;
        }
        let doc = serde_json::json!({ "processes": picked });
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        self.out.line(&text);
        Ok(false)
    }
}

/// A string field of a JSON object, or `""`.
pub fn json_str<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v.get(key).and_then(serde_json::Value::as_str).unwrap_or("")
}

/// Every process as the JSON API's `GET /api/v1/processes` lists it; from a supervisord without
/// that API (Python's), `getAllProcessInfo` with the same keys, `namespec`, and no resources.
pub fn processes_json(
    client: &mut crate::rpc::Client,
) -> Result<Vec<serde_json::Value>, crate::rpc::RpcError> {
    if let Some(doc) = client.get_json("/api/v1/processes")? {
        if let Some(list) = doc.get("processes").and_then(serde_json::Value::as_array) {
            return Ok(list.clone());
        }
        return Err(crate::rpc::RpcError::BadResponse(
            "/api/v1/processes: no \"processes\" list".into(),
        ));
    }
    let mut list = client.get_all_process_info_json()?;
    for p in &mut list {
        let namespec = namespec::make(json_str(p, "group"), Some(json_str(p, "name")));
        if let Some(obj) = p.as_object_mut() {
            obj.insert("namespec".into(), namespec.into());
            obj.insert("resources".into(), serde_json::Value::Null);
        }
    }
    Ok(list)
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
    fn selection_keeps_the_order_asked_and_names_what_is_missing() {
        let all = [("g", "a"), ("g", "b"), ("solo", "solo")];
        assert_eq!(select(&all, &[]), (vec![0, 1, 2], vec![]));
        assert_eq!(select(&all, &["all"]), (vec![0, 1, 2], vec![]));
        assert_eq!(select(&all, &["solo", "g:*"]), (vec![2, 0, 1], vec![]));
        assert_eq!(
            select(&all, &["g:zz", "nope:*", "g:b"]),
            (
                vec![1],
                vec![
                    "g:zz: ERROR (no such process)".to_string(),
                    "nope: ERROR (no such group)".to_string()
                ]
            )
        );
        assert_eq!(json_flag(&["-j", "g:*"]), (true, vec!["g:*"]));
        assert_eq!(json_flag(&["g:*", "--json"]), (true, vec!["g:*"]));
        assert_eq!(json_flag(&["g:*"]), (false, vec!["g:*"]));
    }

    #[test]
    fn pads_by_characters_not_bytes() {
        let u = info("é", "é", "RUNNING", "d");
        assert_eq!(format_statuses(&[&u])[0].chars().count(), 33 + 10 + 1);
    }
}
