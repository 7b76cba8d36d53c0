//! The options shared by `[program:x]`, `[eventlistener:x]` and `[fcgi-program:x]` (spec §1.5.5)
//! and the numprocs expansion into process instances (§1.6): Python's
//! `ServerOptions._processes_from_section`.
//!
//! Which names each option is expanded with follows Python exactly (§1.3): options read once per
//! section see `here`, `program_name`, `group_name`, `host_node_name` and `ENV_*`; options read
//! per instance also see `process_num`, `numprocs` and `ENV_K` for each key of the program's own
//! `environment=`. `stdout_logfile`/`stderr_logfile` are expanded twice (quirk Q18, copied).

use std::sync::Arc;

use super::supervisord::parse_environment;
use super::{after_colon, Ctx, Failed, Found, Names};
use crate::expand::ExpandValue;
use crate::model::{AutoRestart, ChannelLog, ChildLog, ProcessConfig};
use crate::shlex;
use crate::types::{self, LogTarget};

/// Builds the processes of a program-like `section` whose processes belong to `group_name`.
/// Errors get Python's ` in section 'S' (file: 'F')` context.
pub(crate) fn processes_from_section(
    cx: &mut Ctx<'_>,
    section: &str,
    group_name: &str,
) -> Vec<Arc<ProcessConfig>> {
    let file = cx.python_file_of(section);
    let saved = cx.python_context.replace((section.to_string(), file));
    let processes = read_processes(cx, section, group_name);
    cx.python_context = saved;
    processes
}

/// The options Python reads once per section.
struct Common {
    priority: i64,
    autostart: bool,
    autorestart: AutoRestart,
    startsecs: i64,
    startretries: i64,
    stopsignal: i32,
    stopwaitsecs: i64,
    stopasgroup: bool,
    killasgroup: bool,
    exitcodes: Vec<i32>,
    redirect_stderr: bool,
    numprocs: i64,
    numprocs_start: i64,
    stdout_capture_maxbytes: i64,
    stdout_events_enabled: bool,
    stderr_capture_maxbytes: i64,
    stderr_events_enabled: bool,
    serverurl: Option<String>,
    user: Option<String>,
    uid: Option<u32>,
    umask: Option<u32>,
}

fn read_processes(cx: &mut Ctx<'_>, s: &str, group_name: &str) -> Vec<Arc<ProcessConfig>> {
    let program_name = match types::process_or_group_name(after_colon(s)) {
        Ok(name) => name,
        Err(message) => {
            cx.error(message, s, None, None);
            supervisor_core::pystr::py_strip(after_colon(s)).to_string()
        }
    };
    let mut names = cx.names(&[
        ("here", ExpandValue::Str(cx.here.clone())),
        ("program_name", ExpandValue::Str(program_name.clone())),
        (
            "host_node_name",
            ExpandValue::Str(cx.load.host_node_name.clone()),
        ),
        ("group_name", ExpandValue::Str(group_name.to_string())),
    ]);
    let common = read_common(cx, s, &names);

    let environment_raw = cx
        .get(s, "environment", Some(""), None)
        .ok()
        .flatten()
        .expect("a default is always found");
    let process_name_raw = cx
        .get(s, "process_name", Some("%(program_name)s"), None)
        .ok()
        .flatten()
        .expect("a default is always found");
    let process_name = match types::process_or_group_name(&process_name_raw.value) {
        Ok(n) => Some(n),
        Err(message) => {
            cx.error(message, s, Some("process_name"), process_name_raw.entry);
            None
        }
    };
    let numprocs = common.numprocs;
    let missing_num = process_name
        .as_ref()
        .is_some_and(|pn| numprocs > 1 && !pn.contains("%(process_num)"));
    if missing_num {
        cx.error(
            "%(process_num) must be present within process_name when numprocs > 1",
            s,
            Some("process_name"),
            process_name_raw.entry,
        );
    }
    // Instances that could not be told apart are not built (Python stops here).
    let process_name = process_name.filter(|_| !missing_num);
    if common.stopasgroup && !common.killasgroup {
        let entry = cx.entry(s, "killasgroup");
        cx.error(
            "Cannot set stopasgroup=true and killasgroup=false",
            s,
            Some("killasgroup"),
            entry,
        );
    }

    let start = common.numprocs_start;
    let mut processes = Vec::new();
    for process_num in start..start.saturating_add(numprocs) {
        // Python mutates one dict across instances and re-applies supervisord's ENV_* each
        // time, so a program's ENV_K overrides a global one within its own instance only.
        names.insert("process_num".into(), ExpandValue::Int(process_num.into()));
        names.insert("numprocs".into(), ExpandValue::Int(numprocs.into()));
        for (k, v) in &cx.env {
            names.insert(k.clone(), v.clone());
        }
        let environment = match cx.expand(
            &environment_raw.value,
            &names,
            "environment",
            s,
            "environment",
            environment_raw.entry,
        ) {
            Ok(value) => {
                let found = Found {
                    value,
                    entry: environment_raw.entry,
                };
                parse_environment(cx, s, &found)
            }
            Err(Failed) => Default::default(),
        };
        for (k, v) in &environment {
            names.insert(format!("ENV_{k}"), ExpandValue::Str(v.clone()));
        }
        let directory = cx.get(s, "directory", None, Some(&names));
        let stdout = read_channel(cx, s, "stdout", &names, &common);
        let mut stderr = read_channel(cx, s, "stderr", &names, &common);
        if common.redirect_stderr {
            if let ChildLog::Path(_) = stderr.logfile {
                let entry = cx.entry(s, "stderr_logfile");
                cx.warn(
                    format!(
                        "For [{s}], redirect_stderr=true but stderr_logfile has also been set \
                         to a filename, the filename has been ignored"
                    ),
                    s,
                    Some("stderr_logfile"),
                    entry,
                );
            }
            // Never create an stderr log file when stderr is redirected.
            stderr.logfile = ChildLog::None;
        }
        let command = match cx.get(s, "command", None, Some(&names)) {
            Ok(Some(found)) => Some(found.value),
            Ok(None) => {
                cx.error(
                    format!("program section {s} does not specify a command"),
                    s,
                    Some("command"),
                    None,
                );
                None
            }
            Err(Failed) => None,
        };
        let name = match &process_name {
            Some(pn) => cx
                .expand(
                    pn,
                    &names,
                    "process_name",
                    s,
                    "process_name",
                    process_name_raw.entry,
                )
                .ok(),
            None => None,
        };
        let (Some(command), Some(name)) = (command, name) else {
            continue;
        };
        let argv = shlex::split(&command).map_err(|e| e.to_string());
        processes.push(Arc::new(ProcessConfig {
            name,
            group: group_name.to_string(),
            section: s.to_string(),
            program_name: program_name.clone(),
            process_num,
            command,
            argv,
            user: common.user.clone(),
            uid: common.uid,
            directory: directory.ok().flatten().map(|f| f.value),
            umask: common.umask,
            priority: common.priority,
            autostart: common.autostart,
            autorestart: common.autorestart,
            startsecs: common.startsecs,
            startretries: common.startretries,
            stdout,
            stderr,
            stopsignal: common.stopsignal,
            stopwaitsecs: common.stopwaitsecs,
            stopasgroup: common.stopasgroup,
            killasgroup: common.killasgroup,
            exitcodes: common.exitcodes.clone(),
            redirect_stderr: common.redirect_stderr,
            environment,
            serverurl: common.serverurl.clone(),
        }));
    }
    processes.sort_by(|a, b| (a.priority, &a.name).cmp(&(b.priority, &b.name)));
    processes
}

/// The options read once per section, in Python's order; a bad value is reported and replaced
/// by its default so the remaining options can be checked.
fn read_common(cx: &mut Ctx<'_>, s: &str, names: &Names) -> Common {
    let host = cx.host;
    let priority = cx.typed(s, "priority", "999", names, types::integer);
    let autostart = cx.typed(s, "autostart", "true", names, types::boolean);
    let autorestart = cx.typed(s, "autorestart", "unexpected", names, types::auto_restart);
    let startsecs = cx.typed(s, "startsecs", "1", names, types::integer);
    let startretries = cx.typed(s, "startretries", "3", names, types::integer);
    let stopsignal = cx.typed(s, "stopsignal", "TERM", names, types::signal_number);
    let stopwaitsecs = cx.typed(s, "stopwaitsecs", "10", names, types::integer);
    let stopasgroup = cx
        .typed(s, "stopasgroup", "false", names, types::boolean)
        .unwrap_or(false);
    let killasgroup_default = if stopasgroup { "true" } else { "false" };
    let killasgroup = cx
        .typed(s, "killasgroup", killasgroup_default, names, types::boolean)
        .unwrap_or(stopasgroup);
    let exitcodes = cx.typed(s, "exitcodes", "0", names, types::exitcodes);
    let redirect_stderr = cx.typed(s, "redirect_stderr", "false", names, types::boolean);
    let numprocs = cx.typed(s, "numprocs", "1", names, types::integer);
    let numprocs_start = cx.typed(s, "numprocs_start", "0", names, types::integer);
    let stdout_capture_maxbytes =
        cx.typed(s, "stdout_capture_maxbytes", "0", names, types::byte_size);
    let stdout_events_enabled =
        cx.typed(s, "stdout_events_enabled", "false", names, types::boolean);
    let stderr_capture_maxbytes =
        cx.typed(s, "stderr_capture_maxbytes", "0", names, types::byte_size);
    let stderr_events_enabled =
        cx.typed(s, "stderr_events_enabled", "false", names, types::boolean);
    let serverurl = cx
        .get(s, "serverurl", None, Some(names))
        .ok()
        .flatten()
        .map(|f| f.value)
        .filter(|v| !supervisor_core::pystr::py_strip(v).eq_ignore_ascii_case("AUTO"));
    let user_found = cx.get(s, "user", None, Some(names)).ok().flatten();
    let uid = user_found.as_ref().and_then(|f| {
        cx.convert(s, "user", f, |v| types::name_to_uid(v, host))
            .ok()
    });
    let umask = cx.typed_opt(s, "umask", names, types::octal).ok().flatten();
    Common {
        priority: priority.unwrap_or(999),
        autostart: autostart.unwrap_or(true),
        autorestart: autorestart.unwrap_or(AutoRestart::Unexpected),
        startsecs: startsecs.unwrap_or(1),
        startretries: startretries.unwrap_or(3),
        stopsignal: stopsignal.unwrap_or(15),
        stopwaitsecs: stopwaitsecs.unwrap_or(10),
        stopasgroup,
        killasgroup,
        exitcodes: exitcodes.unwrap_or_else(|_| vec![0]),
        redirect_stderr: redirect_stderr.unwrap_or(false),
        numprocs: numprocs.unwrap_or(1),
        numprocs_start: numprocs_start.unwrap_or(0),
        stdout_capture_maxbytes: stdout_capture_maxbytes.unwrap_or(0),
        stdout_events_enabled: stdout_events_enabled.unwrap_or(false),
        stderr_capture_maxbytes: stderr_capture_maxbytes.unwrap_or(0),
        stderr_events_enabled: stderr_events_enabled.unwrap_or(false),
        serverurl,
        user: user_found.map(|f| f.value),
        uid,
        umask,
    }
}

/// The per-instance logging options of one channel (`stdout` or `stderr`).
fn read_channel(
    cx: &mut Ctx<'_>,
    s: &str,
    channel: &str,
    names: &Names,
    common: &Common,
) -> ChannelLog {
    let host = cx.host;
    let lf_key = format!("{channel}_logfile");
    let logfile = match cx.get(s, &lf_key, None, Some(names)) {
        // Quirk Q18 (copied): a second expansion, named by the bare option name.
        Ok(Some(found)) => cx
            .expand(&found.value, names, &lf_key, s, &lf_key, found.entry)
            .and_then(|twice| {
                let again = Found {
                    value: twice,
                    entry: found.entry,
                };
                cx.convert(s, &lf_key, &again, |v| types::logfile_name(v, host))
            }),
        Ok(None) => Ok(LogTarget::Auto),
        Err(Failed) => Err(Failed),
    };
    let bu_key = format!("{channel}_logfile_backups");
    let backups = cx
        .typed(s, &bu_key, "10", names, types::integer)
        .unwrap_or(10);
    let mb_key = format!("{channel}_logfile_maxbytes");
    let maxbytes = cx.typed(s, &mb_key, "50MB", names, types::byte_size);
    let sy_key = format!("{channel}_syslog");
    let mut syslog = cx
        .typed(s, &sy_key, "false", names, types::boolean)
        .unwrap_or(false);
    let logfile = match logfile {
        Ok(LogTarget::Auto) => ChildLog::Auto,
        Ok(LogTarget::None) | Err(Failed) => ChildLog::None,
        Ok(LogTarget::Path(p)) => ChildLog::Path(p),
        Ok(LogTarget::Syslog) => {
            let entry = cx.entry(s, &lf_key);
            cx.warn(
                format!(
                    "For [{s}], {lf_key}=syslog but this is deprecated and will be removed.  \
                     Use {sy_key}=true to enable syslog instead."
                ),
                s,
                Some(&lf_key),
                entry,
            );
            syslog = true;
            ChildLog::None
        }
    };
    if logfile == ChildLog::Auto && maxbytes == Ok(0) {
        let entry = cx.entry(s, &mb_key);
        cx.warn(
            format!(
                "For [{s}], AUTO logging used for {lf_key} without rollover, set maxbytes > 0 \
                 to avoid filling up filesystem unintentionally"
            ),
            s,
            Some(&mb_key),
            entry,
        );
    }
    let (capture_maxbytes, events_enabled) = if channel == "stdout" {
        (common.stdout_capture_maxbytes, common.stdout_events_enabled)
    } else {
        (common.stderr_capture_maxbytes, common.stderr_events_enabled)
    };
    ChannelLog {
        logfile,
        logfile_maxbytes: maxbytes.unwrap_or(50 << 20),
        logfile_backups: backups,
        capture_maxbytes,
        events_enabled,
        syslog,
    }
}
