//! `[supervisord]` (spec §1.5.1), read in the order of Python's `ServerOptions.read_config` and
//! resolved as `ServerOptions.realize` does (absolute log and pid files, the user's uid).

use std::collections::BTreeMap;

use super::{Ctx, Failed, Found};
use crate::expand::ExpandValue;
use crate::model::{MainLog, Supervisord};
use crate::types::{self, LogLevel};

/// The section name.
pub(crate) const SECTION: &str = "supervisord";

/// `event_history` (ours) when not set: enough for a client to ride out a restart of every
/// program of a large config, small enough to be negligible (a state event is ~200 bytes).
pub(crate) const DEFAULT_EVENT_HISTORY: usize = 1000;

/// The largest `event_history`: the history also has a byte bound, but a count this large
/// is already a typo more often than a wish.
pub(crate) const MAX_EVENT_HISTORY: usize = 1_000_000;

/// `event_history` (ours): a count of events from 1 to [`MAX_EVENT_HISTORY`]. Not 0: the
/// history is also what a connected stream reads its next events from, so it bounds how far a
/// client may fall behind before it is reset, and with none kept every event would be a reset.
fn event_history(value: &str) -> Result<usize, String> {
    let n = types::integer(value)?;
    usize::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_EVENT_HISTORY).contains(n))
        .ok_or_else(|| {
            format!(
                "event_history must be a number of events from 1 to {MAX_EVENT_HISTORY}, \
                 not {n}"
            )
        })
}

/// Reads `[supervisord]`. A missing section is reported (Python's message) and the defaults are
/// used so the rest of the file can still be checked. Extends the context's `ENV_*` names with
/// the section's `environment`.
pub(crate) fn read<'d>(cx: &mut Ctx<'d>) -> (Supervisord, Option<Found<'d>>) {
    if !cx.doc.has_section(SECTION) {
        cx.errors.push(crate::error::Diagnostic::error(
            ".ini file does not include supervisord section",
        ));
    }
    let s = SECTION;
    let names = cx.here_names();
    let host = cx.host;
    let minfds = cx.typed(s, "minfds", "1024", &names, types::integer);
    let minprocs = cx.typed(s, "minprocs", "200", &names, types::integer);
    let directory = cx.typed_opt(s, "directory", &names, |v| {
        types::existing_directory(v, host)
    });
    let user = cx.get(s, "user", None, Some(&names));
    let umask = cx.typed(s, "umask", "022", &names, types::octal);
    let logfile = cx
        .get(s, "logfile", Some("supervisord.log"), Some(&names))
        .and_then(|f| {
            let f = f.expect("default");
            cx.convert(s, "logfile", &f, |v| types::existing_dirpath(v, host))
                .map(|p| (p, f))
        });
    let logfile_maxbytes = cx.typed(s, "logfile_maxbytes", "50MB", &names, types::byte_size);
    let logfile_backups = cx.typed(s, "logfile_backups", "10", &names, types::integer);
    let loglevel = cx.typed(s, "loglevel", "info", &names, types::logging_level);
    let pidfile = cx.typed(s, "pidfile", "supervisord.pid", &names, |v| {
        types::existing_dirpath(v, host)
    });
    let identifier = cx.get(s, "identifier", Some("supervisor"), Some(&names));
    let nodaemon = cx.typed(s, "nodaemon", "false", &names, types::boolean);
    let silent = cx.typed(s, "silent", "false", &names, types::boolean);
    let tmpdir = cx.load.tmpdir.to_string_lossy().into_owned();
    let childlogdir = cx.typed(s, "childlogdir", &tmpdir, &names, |v| {
        types::existing_directory(v, host)
    });
    let nocleanup = cx.typed(s, "nocleanup", "false", &names, types::boolean);
    let strip_ansi = cx.typed(s, "strip_ansi", "false", &names, types::boolean);
    let event_history = cx.typed(
        s,
        "event_history",
        &DEFAULT_EVENT_HISTORY.to_string(),
        &names,
        event_history,
    );
    // Python expands this option a second time (quirk Q17, so `%%` cannot be written); we expand
    // it once, like every other option (as Supervisor 4.4 does).
    let environment = read_environment(cx, s, &names);
    for (k, v) in &environment {
        cx.env
            .insert(format!("ENV_{k}"), ExpandValue::Str(v.clone()));
    }

    let user = user.ok().flatten();
    // realize(): make the log and pid files absolute (the user is resolved later, see
    // [`resolve_user`], because Python checks it last).
    let cwd = cx.load.cwd.clone();
    let logfile = match logfile {
        Ok((path, _)) if path.as_os_str() == "syslog" => MainLog::Syslog,
        Ok((path, _)) => MainLog::Path(types::normalize_path(&path.to_string_lossy(), &cwd, host)),
        Err(Failed) => MainLog::Path(cwd.join("supervisord.log")),
    };
    let pidfile = match pidfile {
        Ok(p) => types::normalize_path(&p.to_string_lossy(), &cwd, host),
        Err(Failed) => cwd.join("supervisord.pid"),
    };
    let sup = Supervisord {
        logfile,
        logfile_maxbytes: logfile_maxbytes.unwrap_or(50 << 20),
        logfile_backups: logfile_backups.unwrap_or(10),
        loglevel: loglevel.unwrap_or(LogLevel::Info),
        pidfile,
        umask: umask.unwrap_or(0o22),
        nodaemon: nodaemon.unwrap_or(false),
        silent: silent.unwrap_or(false),
        minfds: minfds.unwrap_or(1024),
        minprocs: minprocs.unwrap_or(200),
        nocleanup: nocleanup.unwrap_or(false),
        childlogdir: childlogdir.unwrap_or_else(|_| cx.load.tmpdir.clone()),
        user: user.as_ref().map(|f| f.value.clone()),
        uid_gid: None,
        directory: directory.ok().flatten(),
        strip_ansi: strip_ansi.unwrap_or(false),
        environment,
        identifier: identifier
            .ok()
            .flatten()
            .map_or_else(|| "supervisor".to_string(), |f| f.value),
        event_history: event_history.unwrap_or(DEFAULT_EVENT_HISTORY),
    };
    (sup, user)
}

/// Python's `realize` check of `user`: it must name an existing user; fills in `uid_gid`.
pub(crate) fn resolve_user<'d>(cx: &mut Ctx<'d>, sup: &mut Supervisord, user: Option<&Found<'d>>) {
    let Some(found) = user else { return };
    let host = cx.host;
    sup.uid_gid = cx
        .convert(SECTION, "user", found, |v| {
            let uid = types::name_to_uid(v, host)?;
            let gid = types::gid_for_uid(uid, host)?;
            Ok((uid, gid))
        })
        .ok();
}

/// Reads an `environment=` option: expanded once with `names`, parsed like Python's
/// `dict_of_key_value_pairs`, with a warning (quirk Q19, fixed compatibly) where Python silently
/// cuts a value short.
pub(crate) fn read_environment(
    cx: &mut Ctx<'_>,
    section: &str,
    names: &super::Names,
) -> BTreeMap<String, String> {
    let Ok(Some(found)) = cx.get(section, "environment", None, Some(names)) else {
        return BTreeMap::new();
    };
    parse_environment(cx, section, &found)
}

/// Parses an already expanded `environment=` value, reporting errors at its entry.
pub(crate) fn parse_environment(
    cx: &mut Ctx<'_>,
    section: &str,
    found: &super::Found<'_>,
) -> BTreeMap<String, String> {
    match types::dict_of_key_value_pairs_checked(&found.value) {
        Ok((pairs, truncations)) => {
            for t in truncations {
                cx.warn(t, section, Some("environment"), found.entry);
            }
            pairs.into_iter().collect()
        }
        Err(message) => {
            cx.error(message, section, Some("environment"), found.entry);
            BTreeMap::new()
        }
    }
}
