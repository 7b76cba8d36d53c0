//! `[group:g]` (spec §1.5.6) and the assembly of all process groups: Python's
//! `process_groups_from_parser`, in its order (heterogeneous groups, then programs, event
//! listener pools and FastCGI programs), followed by our duplicate-name check (quirk Q25, fixed).

use std::collections::BTreeMap;

use super::program::processes_from_section;
use super::{after_colon, eventlistener, fcgi_program, Ctx};
use crate::model::{GroupConfig, GroupKind};
use crate::types;

/// Builds every process group, sorted by `(priority, name)`.
pub(crate) fn process_groups(cx: &mut Ctx<'_>) -> Vec<GroupConfig> {
    let all_sections = cx.section_names();
    let mut groups = Vec::new();
    // Sections whose processes joined a [group:x]; they form no group of their own.
    let mut grouped: Vec<String> = Vec::new();

    for section in all_sections.iter().filter(|s| s.starts_with("group:")) {
        groups.push(heterogeneous(cx, section, &all_sections, &mut grouped));
    }
    for section in all_sections
        .iter()
        .filter(|s| s.starts_with("program:") && !grouped.contains(s))
    {
        groups.push(homogeneous(cx, section));
    }
    for section in all_sections
        .iter()
        .filter(|s| s.starts_with("eventlistener:"))
    {
        groups.push(eventlistener::pool(cx, section));
    }
    for section in all_sections
        .iter()
        .filter(|s| s.starts_with("fcgi-program:") && !grouped.contains(s))
    {
        groups.push(fcgi_program::group(cx, section));
    }
    groups.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    check_duplicates(cx, &groups);
    groups
}

/// A `[group:g]`: the processes of every listed program, under the group's name.
fn heterogeneous(
    cx: &mut Ctx<'_>,
    section: &str,
    all_sections: &[String],
    grouped: &mut Vec<String>,
) -> GroupConfig {
    let name = match types::process_or_group_name(after_colon(section)) {
        Ok(n) => n,
        Err(message) => {
            cx.error(message, section, None, None);
            supervisor_core::pystr::py_strip(after_colon(section)).to_string()
        }
    };
    let names = cx.here_names();
    let programs = cx
        .get(section, "programs", None, Some(&names))
        .ok()
        .flatten();
    let priority = cx
        .typed(section, "priority", "999", &names, types::integer)
        .unwrap_or(999);
    let mut processes = Vec::new();
    if let Some(found) = programs {
        for program in types::list_of_strings(&found.value) {
            let program_section = format!("program:{program}");
            let fcgi_section = format!("fcgi-program:{program}");
            let has_program = all_sections.contains(&program_section);
            let has_fcgi = all_sections.contains(&fcgi_section);
            // Quirk Q21 (fixed): Python names the previously processed program section here
            // once it has handled one member; we always name the group.
            if !has_program && !has_fcgi {
                cx.error(
                    format!("[{section}] names unknown program or fcgi-program {program}"),
                    section,
                    Some("programs"),
                    found.entry,
                );
                continue;
            }
            if has_program && has_fcgi {
                cx.error(
                    format!(
                        "[{section}] name {program} is ambiguous (exists as program and \
                         fcgi-program)"
                    ),
                    section,
                    Some("programs"),
                    found.entry,
                );
                continue;
            }
            let member = if has_program {
                program_section
            } else {
                fcgi_section
            };
            if !grouped.contains(&member) {
                grouped.push(member.clone());
            }
            processes.extend(processes_from_section(cx, &member, &name));
        }
    }
    processes.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    GroupConfig {
        name,
        priority,
        kind: GroupKind::Program,
        section: section.to_string(),
        processes,
    }
}

/// A `[program:x]` not listed in any group: a group of its own, named after the program.
fn homogeneous(cx: &mut Ctx<'_>, section: &str) -> GroupConfig {
    let name = match types::process_or_group_name(after_colon(section)) {
        Ok(n) => Some(n),
        Err(message) => {
            cx.error(message, section, None, None);
            None
        }
    };
    let names = cx.here_names();
    let priority = cx.typed(section, "priority", "999", &names, types::integer);
    let name =
        name.unwrap_or_else(|| supervisor_core::pystr::py_strip(after_colon(section)).to_string());
    // A priority Python rejects at group level is read again per process; report it once.
    let before = cx.errors.len();
    let processes = processes_from_section(cx, section, &name);
    cx.drop_repeated_since(before);
    GroupConfig {
        name,
        priority: priority.unwrap_or(999),
        kind: GroupKind::Program,
        section: section.to_string(),
        processes,
    }
}

/// Quirk Q25 (fixed): two groups with one name, or two processes with one name in a group, make
/// Python silently drop one of them at start; we refuse the configuration.
fn check_duplicates(cx: &mut Ctx<'_>, groups: &[GroupConfig]) {
    let mut seen: BTreeMap<&str, &GroupConfig> = BTreeMap::new();
    for group in groups {
        if let Some(first) = seen.get(group.name.as_str()) {
            cx.error_hint(
                format!(
                    "duplicate group name {}: [{}] and [{}] both define it",
                    supervisor_core::pystr::py_repr(&group.name),
                    first.section,
                    group.section
                ),
                "Python Supervisor would silently run only one of them; rename one",
                &group.section,
                None,
                None,
            );
        } else {
            seen.insert(&group.name, group);
        }
        let mut procs: BTreeMap<&str, &str> = BTreeMap::new();
        for p in &group.processes {
            if let Some(first) = procs.get(p.name.as_str()) {
                let entry = cx.entry(&p.section, "process_name");
                cx.error_hint(
                    format!(
                        "duplicate process name {} in group {}: [{}] and [{}] both define it",
                        supervisor_core::pystr::py_repr(&p.name),
                        supervisor_core::pystr::py_repr(&group.name),
                        first,
                        p.section
                    ),
                    "Python Supervisor would silently run only one of them; set distinct \
                     process_name values",
                    &p.section,
                    Some("process_name"),
                    entry,
                );
            } else {
                procs.insert(&p.name, &p.section);
            }
        }
    }
}
