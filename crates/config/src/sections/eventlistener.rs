//! `[eventlistener:x]` (spec §1.5.7): a pool of listener processes with the pool options
//! `buffer_size`, `events` and `result_handler`; every `[program:x]` option applies too.

use super::known_plugins::{hint, Slot};
use super::program::processes_from_section;
use super::{after_colon, Ctx};
use crate::model::{GroupConfig, GroupKind, PoolConfig};
use crate::types;

/// The only result handler we have: Supervisor's default.
pub(crate) const DEFAULT_RESULT_HANDLER: &str = "supervisor.dispatchers:default_handler";

/// Every event type name Python's `EventTypes` knows (the names `events=` may use).
pub(crate) const EVENT_TYPES: &[&str] = &[
    "EVENT",
    "PROCESS_STATE",
    "PROCESS_STATE_STOPPED",
    "PROCESS_STATE_EXITED",
    "PROCESS_STATE_STARTING",
    "PROCESS_STATE_STOPPING",
    "PROCESS_STATE_BACKOFF",
    "PROCESS_STATE_FATAL",
    "PROCESS_STATE_RUNNING",
    "PROCESS_STATE_UNKNOWN",
    "PROCESS_COMMUNICATION",
    "PROCESS_COMMUNICATION_STDOUT",
    "PROCESS_COMMUNICATION_STDERR",
    "PROCESS_LOG",
    "PROCESS_LOG_STDOUT",
    "PROCESS_LOG_STDERR",
    "REMOTE_COMMUNICATION",
    "SUPERVISOR_STATE_CHANGE",
    "SUPERVISOR_STATE_CHANGE_RUNNING",
    "SUPERVISOR_STATE_CHANGE_STOPPING",
    "TICK",
    "TICK_5",
    "TICK_60",
    "TICK_3600",
    "PROCESS_GROUP",
    "PROCESS_GROUP_ADDED",
    "PROCESS_GROUP_REMOVED",
];

/// Reads an event listener pool, in Python's order of checks.
pub(crate) fn pool(cx: &mut Ctx<'_>, section: &str) -> GroupConfig {
    // Python does not validate the pool name here (the per-process reader does).
    let pool_name = after_colon(section).to_string();
    let names = cx.here_names();
    // Listeners default to a "high" priority so they start first and stop last; each process's
    // own priority still defaults to 999 (quirk Q27, copied).
    let priority = cx
        .typed(section, "priority", "-1", &names, types::integer)
        .unwrap_or(-1);
    let buffer_size = match cx.get(section, "buffer_size", Some("10"), Some(&names)) {
        Ok(Some(found)) => match cx.convert(section, "buffer_size", &found, types::integer) {
            Ok(n) if n < 1 => {
                cx.error(
                    format!("[{section}] section sets invalid buffer_size ({n})"),
                    section,
                    Some("buffer_size"),
                    found.entry,
                );
                10
            }
            Ok(n) => n,
            Err(_) => 10,
        },
        _ => 10,
    };
    let result_handler = match cx.get(
        section,
        "result_handler",
        Some(DEFAULT_RESULT_HANDLER),
        Some(&names),
    ) {
        Ok(Some(found)) => {
            if found.value != DEFAULT_RESULT_HANDLER {
                cx.error_hint(
                    format!("{} cannot be resolved within [{section}]", found.value),
                    hint(Slot::ResultHandler, &found.value),
                    section,
                    Some("result_handler"),
                    found.entry,
                );
            }
            found.value
        }
        _ => DEFAULT_RESULT_HANDLER.to_string(),
    };
    let mut pool_events: Vec<String> = Vec::new();
    if let Ok(Some(found)) = cx.get(section, "events", Some(""), Some(&names)) {
        let mut wanted: Vec<String> = Vec::new();
        for name in types::list_of_strings(&found.value) {
            let upper = name.to_uppercase();
            if !wanted.contains(&upper) {
                wanted.push(upper);
            }
        }
        if wanted.is_empty() {
            cx.error(
                format!("[{section}] section requires an \"events\" line"),
                section,
                Some("events"),
                found.entry,
            );
        }
        for name in wanted {
            if EVENT_TYPES.contains(&name.as_str()) {
                pool_events.push(name);
            } else {
                cx.error(
                    format!("Unknown event type {name} in [{section}] events"),
                    section,
                    Some("events"),
                    found.entry,
                );
            }
        }
    }
    if let Ok(true) = cx.typed(section, "redirect_stderr", "false", &names, types::boolean) {
        let entry = cx.entry(section, "redirect_stderr");
        cx.error(
            format!(
                "[{section}] section sets redirect_stderr=true but this is not allowed because \
                 it will interfere with the eventlistener protocol"
            ),
            section,
            Some("redirect_stderr"),
            entry,
        );
    }
    let before = cx.errors.len();
    let processes = processes_from_section(cx, section, &pool_name);
    // The pool already reported a bad redirect_stderr; the per-process reader sees the same
    // value again.
    cx.drop_repeated_since(before);
    GroupConfig {
        name: pool_name,
        priority,
        kind: GroupKind::EventListener(PoolConfig {
            buffer_size,
            pool_events,
            result_handler,
        }),
        section: section.to_string(),
        processes,
    }
}
