//! `[supervisord]`: every option's default, a valid value, an invalid value and its message
//! (spec §1.5.1).

use crate::support::*;
use serde_json::{json, Value};

fn supervisord_json(options: &str) -> Value {
    json(&format!("[supervisord]\n{options}\n"))["supervisord"].clone()
}

#[test]
fn defaults_of_every_option() {
    assert_eq!(
        supervisord_json(""),
        json!({
            "logfile": "/work/supervisord.log", "logfile_maxbytes": 52428800,
            "logfile_backups": 10, "loglevel": "info", "pidfile": "/work/supervisord.pid",
            "umask": 18, "nodaemon": false, "silent": false, "minfds": 1024, "minprocs": 200,
            "nocleanup": false, "childlogdir": "/tmp", "user": null, "directory": null,
            "strip_ansi": false, "environment": {}, "identifier": "supervisor",
            "extensions": {"event_history": 1000}
        })
    );
    let whole = json("[supervisord]\n");
    assert_eq!(whole["server_configs"], json!([]));
    assert_eq!(whole["serverurl"], Value::Null);
    assert_eq!(whole["groups"], json!([]));
}

#[test]
fn valid_values() {
    let cases: &[(&str, &str, Value)] = &[
        ("logfile", "/var/log/sv.log", json!("/var/log/sv.log")),
        ("logfile", "%(here)s/sv.log", json!("/etc/sv/sv.log")),
        ("logfile", "/var/log//./sv.log", json!("/var/log/sv.log")),
        ("logfile", "syslog", json!("syslog")),
        // Quirk Q26 (copied): NONE is a file name here.
        ("logfile", "NONE", json!("/work/NONE")),
        ("logfile_maxbytes", "1MB", json!(1 << 20)),
        ("logfile_maxbytes", "0", json!(0)),
        ("logfile_backups", "0", json!(0)),
        ("loglevel", "BLATHER", json!("blather")),
        ("loglevel", "critical", json!("critical")),
        // Quirk Q23 (fixed): `warning` is accepted as `warn`.
        ("loglevel", "warning", json!("warn")),
        ("pidfile", "/var/log/sv.pid", json!("/var/log/sv.pid")),
        ("umask", "077", json!(63)),
        ("nodaemon", "true", json!(true)),
        ("silent", "on", json!(true)),
        ("minfds", "4096", json!(4096)),
        ("minprocs", "10", json!(10)),
        ("nocleanup", "1", json!(true)),
        ("childlogdir", "/var/log", json!("/var/log")),
        ("childlogdir", "~", json!("/root")),
        ("user", "alice", json!("alice")),
        ("directory", "/srv/app", json!("/srv/app")),
        ("strip_ansi", "yes", json!(true)),
        (
            "environment",
            "A=1,B=\"2 3\"",
            json!({"A": "1", "B": "2 3"}),
        ),
        ("identifier", "%(ENV_FOO)s", json!("foo-value")),
    ];
    for (option, value, expected) in cases {
        let s = supervisord_json(&format!("{option}={value}"));
        assert_eq!(&s[option], expected, "{option}={value}");
    }
}

#[test]
fn user_resolves_to_uid_and_gid() {
    let loaded = ok("[supervisord]\nuser=alice\n");
    assert_eq!(loaded.config.supervisord.uid_gid, Some((1000, 100)));
}

#[test]
fn invalid_values_and_their_messages() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "logfile",
            "/nonexistent/x.log",
            "The directory named as part of the path /nonexistent/x.log does not exist",
        ),
        (
            "logfile_maxbytes",
            "5XB",
            "invalid literal for int() with base 10: '5xb'",
        ),
        (
            "logfile_backups",
            "x",
            "invalid literal for int() with base 10: 'x'",
        ),
        ("loglevel", "loud", "bad logging level name 'loud'"),
        (
            "pidfile",
            "/no/x.pid",
            "The directory named as part of the path /no/x.pid does not exist",
        ),
        ("umask", "999", "999 can not be converted to an octal type"),
        ("nodaemon", "maybe", "not a valid boolean value: 'maybe'"),
        ("silent", "x", "not a valid boolean value: 'x'"),
        (
            "minfds",
            "many",
            "invalid literal for int() with base 10: 'many'",
        ),
        (
            "minprocs",
            "x",
            "invalid literal for int() with base 10: 'x'",
        ),
        ("nocleanup", "x", "not a valid boolean value: 'x'"),
        ("childlogdir", "/nope", "/nope is not an existing directory"),
        ("user", "nosuch", "Invalid user name nosuch"),
        ("directory", "/nope", "/nope is not an existing directory"),
        ("strip_ansi", "x", "not a valid boolean value: 'x'"),
        (
            "environment",
            "A=1,B",
            "Unexpected end of key/value pairs in value 'A=1,B'",
        ),
        (
            "identifier",
            "%(program_name)s",
            "Format string '%(program_name)s' for 'supervisord.identifier' contains names \
             ('program_name') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, here",
        ),
    ];
    for (option, value, message) in cases {
        let errs = errors(&format!("[supervisord]\n{option}={value}\n"));
        assert_eq!(
            messages(&errs),
            vec![message.to_string()],
            "{option}={value}"
        );
        let e = &errs[0];
        assert_eq!(e.line, Some(2), "{option}");
        assert_eq!(e.section.as_deref(), Some("supervisord"));
        assert_eq!(e.option.as_deref(), Some(*option));
        // Python reports [supervisord] errors without a section suffix.
        assert_eq!(e.python_message(), *message);
    }
}

#[test]
fn missing_section() {
    let errs = errors("[program:x]\ncommand=/bin/x\n");
    assert_eq!(
        messages(&errs),
        vec![".ini file does not include supervisord section"]
    );
    assert_eq!(errs[0].line, None);
}

#[test]
fn environment_is_expanded_once() {
    // Quirk Q17 (fixed): `%%` is a literal `%`, like everywhere else.
    let s = supervisord_json("environment=RATE=\"100%%\",DIR=%(here)s");
    assert_eq!(s["environment"], json!({"RATE": "100%", "DIR": "/etc/sv"}));
    let errs = errors("[supervisord]\nenvironment=NODE=%(host_node_name)s\n");
    assert_eq!(
        errs[0].message,
        "Format string 'NODE=%(host_node_name)s' for 'supervisord.environment' contains names \
         ('host_node_name') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, here"
    );
}

#[test]
fn environment_keys_become_env_names_for_later_sections_only() {
    let conf = "[supervisord]\nenvironment=GREETING=hi\nidentifier=%(ENV_GREETING)s\n\
                [program:p]\ncommand=/bin/echo %(ENV_GREETING)s\n";
    let errs = errors(conf);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.starts_with(
            "Format string '%(ENV_GREETING)s' for 'supervisord.identifier' contains names"
        ),
        "{}",
        errs[0].message
    );
    let ok_conf = "[supervisord]\nenvironment=GREETING=hi\n\
                   [program:p]\ncommand=/bin/echo %(ENV_GREETING)s\n";
    assert_eq!(
        json(ok_conf)["groups"][0]["processes"][0]["command"],
        "/bin/echo hi"
    );
}

#[test]
fn relative_paths_resolve_against_the_working_directory() {
    // Like Python, the directory check itself uses the process's working directory (the fake
    // host knows `logs` as a relative directory); the result is made absolute against the
    // context's cwd.
    let host = host().dir("logs");
    let loaded = load_on(
        host,
        "[supervisord]\nlogfile=logs/sv.log\npidfile=logs/sv.pid\n",
    )
    .unwrap();
    let s = supervisor_config::resolved::to_json(&loaded.config)["supervisord"].clone();
    assert_eq!(s["logfile"], "/work/logs/sv.log");
    assert_eq!(s["pidfile"], "/work/logs/sv.pid");
}

#[test]
fn event_history_is_ours_validated_and_shown() {
    let history = |value: &str| {
        supervisord_json(&format!("event_history={value}"))["extensions"]["event_history"].clone()
    };
    assert_eq!(history("1"), json!(1));
    assert_eq!(history("50000"), json!(50000));
    // Known, so no "unknown option" warning; shown by --check as text.
    let loaded = ok("[supervisord]\nevent_history=20\n");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.supervisord.event_history, 20);
    let text = supervisor_config::resolved::to_text(&loaded.config);
    assert!(
        text.contains("  events       /api/v1/events keeps the last 20 for reconnecting clients\n"),
        "{text}"
    );
    for (value, message) in [
        (
            "0",
            "event_history must be a number of events from 1 to 1000000, not 0",
        ),
        (
            "1000001",
            "event_history must be a number of events from 1 to 1000000, not 1000001",
        ),
        ("lots", "invalid literal for int() with base 10: 'lots'"),
    ] {
        let errs = errors(&format!("[supervisord]\nevent_history={value}\n"));
        assert_eq!(messages(&errs), vec![message.to_string()], "{value}");
        assert_eq!(errs[0].line, Some(2));
        assert_eq!(errs[0].option.as_deref(), Some("event_history"));
    }
}
