//! Renderings of a resolved configuration for `supervisord --check`: the JSON of
//! docs/resolved-config.md (field names are Python's attribute names, so the output compares
//! field by field with Python's) and a human-readable text.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::error::{Diagnostic, Diagnostics};
use crate::load::Loaded;
use crate::model::{
    ChannelLog, ChildLog, Config, GroupConfig, GroupKind, MainLog, ProcessConfig, ServerConfig,
};

/// The success JSON (`"ok": true`) of docs/resolved-config.md.
pub fn to_json(config: &Config) -> Value {
    let s = &config.supervisord;
    let supervisord = json!({
        "logfile": match &s.logfile {
            MainLog::Syslog => "syslog".to_string(),
            MainLog::Path(p) => p.to_string_lossy().into_owned(),
        },
        "logfile_maxbytes": s.logfile_maxbytes,
        "logfile_backups": s.logfile_backups,
        "loglevel": s.loglevel.as_str(),
        "pidfile": s.pidfile.to_string_lossy(),
        "umask": s.umask,
        "nodaemon": s.nodaemon,
        "silent": s.silent,
        "minfds": s.minfds,
        "minprocs": s.minprocs,
        "nocleanup": s.nocleanup,
        "childlogdir": s.childlogdir.to_string_lossy(),
        "user": s.user,
        "directory": s.directory.as_ref().map(|d| d.to_string_lossy()),
        "strip_ansi": s.strip_ansi,
        "environment": s.environment,
        "identifier": s.identifier,
        "extensions": {"event_history": s.event_history},
    });
    json!({
        "ok": true,
        "supervisord": supervisord,
        "server_configs": config.server_configs.iter().map(server_json).collect::<Vec<_>>(),
        "serverurl": config.serverurl(),
        "groups": config.groups.iter().map(group_json).collect::<Vec<_>>(),
    })
}

/// [`to_json`] plus a top-level `"warnings"` list (our addition to the shape).
pub fn loaded_to_json(loaded: &Loaded) -> Value {
    let mut value = to_json(&loaded.config);
    value["warnings"] = Value::Array(loaded.warnings.iter().map(diagnostic_json).collect());
    value
}

/// The failure JSON (`"ok": false`) of docs/resolved-config.md, with every error (and the
/// warnings found before giving up).
pub fn errors_to_json(diagnostics: &Diagnostics) -> Value {
    json!({
        "ok": false,
        "errors": diagnostics.errors.iter().map(diagnostic_json).collect::<Vec<_>>(),
        "warnings": diagnostics.warnings.iter().map(diagnostic_json).collect::<Vec<_>>(),
    })
}

/// One diagnostic: `message`, `file`, `line`, `section`, `option`, and our `hint`.
fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "message": d.message,
        "file": d.file.as_ref().map(|f| f.to_string_lossy()),
        "line": d.line,
        "section": d.section,
        "option": d.option,
        "hint": d.hint,
    })
}

fn server_json(server: &ServerConfig) -> Value {
    let (username, password) = match server.auth() {
        Some(c) => (Some(c.username.as_str()), Some(c.password.as_str())),
        None => (None, None),
    };
    match server {
        ServerConfig::Unix(u) => json!({
            "family": "unix",
            "name": u.name,
            "file": u.file.to_string_lossy(),
            "chmod": u.chmod,
            "chown": [u.chown.0, u.chown.1],
            "username": username,
            "password": password,
            "extensions": {
                "legacy_web_actions": u.legacy_web_actions,
                "metrics_auth": u.metrics_auth,
            },
        }),
        ServerConfig::Inet(i) => json!({
            "family": "inet",
            "name": i.name,
            "host": i.host,
            "port": i.port,
            "username": username,
            "password": password,
            "extensions": {
                "legacy_web_actions": i.legacy_web_actions,
                "metrics_auth": i.metrics_auth,
            },
        }),
    }
}

/// What `--check` says about a server besides its address: a password, and our extensions
/// when they differ from their defaults.
fn server_notes(server: &ServerConfig) -> impl Iterator<Item = &'static str> {
    [
        server.auth().is_some().then_some("password"),
        server.legacy_web_actions().then_some("legacy web actions"),
        (!server.metrics_auth()).then_some("metrics without password"),
    ]
    .into_iter()
    .flatten()
}

fn group_json(group: &GroupConfig) -> Value {
    let mut g = Map::new();
    g.insert("kind".into(), json!(group.kind.word()));
    g.insert("name".into(), json!(group.name));
    g.insert("priority".into(), json!(group.priority));
    g.insert(
        "processes".into(),
        Value::Array(group.processes.iter().map(|p| process_json(p)).collect()),
    );
    match &group.kind {
        GroupKind::Program => {}
        GroupKind::EventListener(pool) => {
            g.insert("buffer_size".into(), json!(pool.buffer_size));
            g.insert("pool_events".into(), json!(pool.pool_events));
            g.insert("result_handler".into(), json!(pool.result_handler));
        }
        GroupKind::FastCgi(socket) => {
            g.insert(
                "socket_config".into(),
                json!({
                    "url": socket.url.to_string(),
                    "owner": socket.owner.map(|(u, g)| [u, g]),
                    "mode": socket.mode,
                    "backlog": socket.backlog,
                }),
            );
        }
    }
    Value::Object(g)
}

fn logfile_json(log: &ChildLog) -> Value {
    match log {
        ChildLog::Auto => json!("AUTO"),
        ChildLog::None => Value::Null,
        ChildLog::Path(p) => json!(p.to_string_lossy()),
    }
}

fn process_json(p: &ProcessConfig) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(p.name));
    m.insert("command".into(), json!(p.command));
    m.insert("uid".into(), json!(p.uid));
    m.insert("directory".into(), json!(p.directory));
    m.insert("umask".into(), json!(p.umask));
    m.insert("priority".into(), json!(p.priority));
    m.insert("autostart".into(), json!(p.autostart));
    m.insert("autorestart".into(), json!(p.autorestart.as_str()));
    m.insert("startsecs".into(), json!(p.startsecs));
    m.insert("startretries".into(), json!(p.startretries));
    for (channel, log) in [("stdout", &p.stdout), ("stderr", &p.stderr)] {
        channel_json(&mut m, channel, log);
    }
    m.insert("stopsignal".into(), json!(p.stopsignal));
    m.insert("stopwaitsecs".into(), json!(p.stopwaitsecs));
    m.insert("stopasgroup".into(), json!(p.stopasgroup));
    m.insert("killasgroup".into(), json!(p.killasgroup));
    m.insert("exitcodes".into(), json!(p.exitcodes));
    m.insert("redirect_stderr".into(), json!(p.redirect_stderr));
    m.insert("environment".into(), json!(p.environment));
    m.insert(
        "serverurl".into(),
        json!(p.serverurl.as_deref().unwrap_or("AUTO")),
    );
    Value::Object(m)
}

fn channel_json(m: &mut Map<String, Value>, channel: &str, log: &ChannelLog) {
    m.insert(format!("{channel}_logfile"), logfile_json(&log.logfile));
    m.insert(
        format!("{channel}_capture_maxbytes"),
        json!(log.capture_maxbytes),
    );
    m.insert(
        format!("{channel}_events_enabled"),
        json!(log.events_enabled),
    );
    m.insert(format!("{channel}_syslog"), json!(log.syslog));
    m.insert(
        format!("{channel}_logfile_backups"),
        json!(log.logfile_backups),
    );
    m.insert(
        format!("{channel}_logfile_maxbytes"),
        json!(log.logfile_maxbytes),
    );
}

/// A word quoted for a POSIX shell when it needs quoting (so argv reads unambiguously).
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn log_text(log: &ChannelLog) -> String {
    let target = match &log.logfile {
        ChildLog::Auto => "AUTO".to_string(),
        ChildLog::None => "none".to_string(),
        ChildLog::Path(p) => p.display().to_string(),
    };
    let mut out = target;
    if log.logfile != ChildLog::None {
        let _ = write!(
            out,
            " (maxbytes {}, backups {})",
            log.logfile_maxbytes, log.logfile_backups
        );
    }
    if log.syslog {
        out.push_str(", also to syslog");
    }
    out
}

/// The human-readable summary `supervisord --check` prints: the daemon's own settings, then per
/// group and process what would run and where its output goes.
pub fn to_text(config: &Config) -> String {
    let mut out = String::new();
    let s = &config.supervisord;
    let logfile = match &s.logfile {
        MainLog::Syslog => "syslog".to_string(),
        MainLog::Path(p) => p.display().to_string(),
    };
    let _ = writeln!(out, "configuration: {}", config.config_file.display());
    let _ = writeln!(out, "supervisord:");
    let _ = writeln!(
        out,
        "  logfile      {logfile} (loglevel {})",
        s.loglevel.as_str()
    );
    let _ = writeln!(out, "  pidfile      {}", s.pidfile.display());
    let _ = writeln!(out, "  childlogdir  {}", s.childlogdir.display());
    let _ = writeln!(out, "  identifier   {}", s.identifier);
    let _ = writeln!(
        out,
        "  events       /api/v1/events keeps the last {} for reconnecting clients",
        s.event_history
    );
    if let Some(user) = &s.user {
        let _ = writeln!(out, "  user         {user}");
    }
    for server in &config.server_configs {
        match server {
            ServerConfig::Unix(u) => {
                let mut notes = vec![format!("chmod {:04o}", u.chmod)];
                notes.extend(server_notes(server).map(String::from));
                let _ = writeln!(
                    out,
                    "  http server  unix://{} ({})",
                    u.file.display(),
                    notes.join(", ")
                );
            }
            ServerConfig::Inet(i) => {
                let host = if i.host.is_empty() { "*" } else { &i.host };
                let notes: Vec<&str> = server_notes(server).collect();
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join(", "))
                };
                let _ = writeln!(out, "  http server  http://{host}:{}{notes}", i.port);
            }
        }
    }
    let processes: usize = config.groups.iter().map(|g| g.processes.len()).sum();
    for group in &config.groups {
        let _ = writeln!(out);
        let extra = match &group.kind {
            GroupKind::Program => String::new(),
            GroupKind::EventListener(pool) => {
                format!(", events {}", pool.pool_events.join(","))
            }
            GroupKind::FastCgi(socket) => format!(", socket {}", socket.url),
        };
        let _ = writeln!(
            out,
            "group {} ({}, priority {}{extra})",
            group.name,
            group.kind.word(),
            group.priority
        );
        for p in &group.processes {
            process_text(&mut out, p);
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "OK: {} group{}, {processes} process{}",
        config.groups.len(),
        if config.groups.len() == 1 { "" } else { "s" },
        if processes == 1 { "" } else { "es" }
    );
    out
}

fn process_text(out: &mut String, p: &ProcessConfig) {
    let _ = writeln!(out, "  process {}", p.namespec());
    let argv = match &p.argv {
        Ok(argv) => argv
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("cannot be split ({e}); starting it will fail"),
    };
    let _ = writeln!(out, "    argv         {argv}");
    let _ = writeln!(
        out,
        "    directory    {}",
        p.directory.as_deref().unwrap_or("(supervisord's)")
    );
    let user = match (&p.user, p.uid) {
        (Some(u), Some(uid)) => format!("{u} (uid {uid})"),
        _ => "(supervisord's)".to_string(),
    };
    let _ = writeln!(out, "    user         {user}");
    let env = if p.environment.is_empty() {
        "(inherited only)".to_string()
    } else {
        p.environment
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(out, "    environment  {env}");
    let _ = writeln!(out, "    autostart    {}", p.autostart);
    let _ = writeln!(out, "    priority     {}", p.priority);
    let _ = writeln!(out, "    stdout       {}", log_text(&p.stdout));
    let stderr = if p.redirect_stderr {
        "redirected to stdout".to_string()
    } else {
        log_text(&p.stderr)
    };
    let _ = writeln!(out, "    stderr       {stderr}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("abc"), "abc");
        assert_eq!(shell_quote("--port=80"), "--port=80");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
