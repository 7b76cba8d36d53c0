//! `[program:x]`: every option's default, a valid value, an invalid value and its message
//! (spec §1.5.5), numprocs expansion (§1.6) and the parse-time warnings.

use crate::support::*;
use serde_json::{json, Value};

#[test]
fn defaults_of_every_option() {
    let p = process_json("");
    assert_eq!(
        p,
        json!({
            "name": "p", "command": "/bin/p", "uid": null, "directory": null, "umask": null,
            "priority": 999, "autostart": true, "autorestart": "unexpected",
            "startsecs": 1, "startretries": 3,
            "stdout_logfile": "AUTO", "stdout_capture_maxbytes": 0,
            "stdout_events_enabled": false, "stdout_syslog": false,
            "stdout_logfile_backups": 10, "stdout_logfile_maxbytes": 52428800,
            "stderr_logfile": "AUTO", "stderr_capture_maxbytes": 0,
            "stderr_events_enabled": false, "stderr_syslog": false,
            "stderr_logfile_backups": 10, "stderr_logfile_maxbytes": 52428800,
            "stopsignal": 15, "stopwaitsecs": 10, "stopasgroup": false, "killasgroup": false,
            "exitcodes": [0], "redirect_stderr": false, "environment": {}, "serverurl": "AUTO"
        })
    );
    let loaded = ok(&program_conf(""));
    let process = &loaded.config.groups[0].processes[0];
    assert_eq!(process.argv, Ok(vec!["/bin/p".to_string()]));
    assert_eq!(process.namespec(), "p");
    assert_eq!(loaded.config.groups[0].name, "p");
    assert_eq!(loaded.config.groups[0].priority, 999);
}

#[test]
fn valid_values() {
    let cases: &[(&str, &str, &str, Value)] = &[
        ("priority", "5", "priority", json!(5)),
        ("priority", "-3", "priority", json!(-3)),
        ("autostart", "no", "autostart", json!(false)),
        ("autostart", "TRUE", "autostart", json!(true)),
        ("autorestart", "true", "autorestart", json!("true")),
        ("autorestart", "Off", "autorestart", json!("false")),
        (
            "autorestart",
            "UNEXPECTED",
            "autorestart",
            json!("unexpected"),
        ),
        ("startsecs", "0", "startsecs", json!(0)),
        // Quirk Q24 (copied): no range checks.
        ("startsecs", "-5", "startsecs", json!(-5)),
        ("startretries", "1_000", "startretries", json!(1000)),
        ("exitcodes", "0, 2,255", "exitcodes", json!([0, 2, 255])),
        ("exitcodes", "", "exitcodes", json!([])),
        ("stopsignal", "KILL", "stopsignal", json!(9)),
        ("stopsignal", " sigusr1 ", "stopsignal", json!(10)),
        ("stopsignal", "2", "stopsignal", json!(2)),
        ("stopsignal", "RTMIN+2", "stopsignal", json!(36)),
        ("stopwaitsecs", "30", "stopwaitsecs", json!(30)),
        ("stopasgroup", "false", "stopasgroup", json!(false)),
        ("killasgroup", "yes", "killasgroup", json!(true)),
        ("user", "alice", "uid", json!(1000)),
        ("user", "1001", "uid", json!(1001)),
        (
            "directory",
            "/srv/%(program_name)s",
            "directory",
            json!("/srv/p"),
        ),
        // Not checked at load time, like Python.
        (
            "directory",
            "/does/not/exist",
            "directory",
            json!("/does/not/exist"),
        ),
        ("umask", "002", "umask", json!(2)),
        ("umask", "0o27", "umask", json!(23)),
        ("redirect_stderr", "false", "redirect_stderr", json!(false)),
        (
            "stdout_logfile",
            "/var/log/p.log",
            "stdout_logfile",
            json!("/var/log/p.log"),
        ),
        ("stdout_logfile", "NONE", "stdout_logfile", Value::Null),
        ("stdout_logfile", "off", "stdout_logfile", Value::Null),
        ("stdout_logfile", "auto", "stdout_logfile", json!("AUTO")),
        (
            "stdout_logfile",
            "~/p.log",
            "stdout_logfile",
            json!("/root/p.log"),
        ),
        (
            "stdout_logfile",
            "rel.log",
            "stdout_logfile",
            json!("rel.log"),
        ),
        (
            "stdout_logfile_maxbytes",
            "1KB",
            "stdout_logfile_maxbytes",
            json!(1024),
        ),
        (
            "stdout_logfile_maxbytes",
            "2mb",
            "stdout_logfile_maxbytes",
            json!(2 << 20),
        ),
        (
            "stdout_logfile_maxbytes",
            "1GB",
            "stdout_logfile_maxbytes",
            json!(1u64 << 30),
        ),
        (
            "stdout_logfile_maxbytes",
            "123",
            "stdout_logfile_maxbytes",
            json!(123),
        ),
        (
            "stdout_logfile_backups",
            "0",
            "stdout_logfile_backups",
            json!(0),
        ),
        (
            "stdout_capture_maxbytes",
            "1MB",
            "stdout_capture_maxbytes",
            json!(1 << 20),
        ),
        (
            "stdout_events_enabled",
            "1",
            "stdout_events_enabled",
            json!(true),
        ),
        ("stdout_syslog", "on", "stdout_syslog", json!(true)),
        (
            "stderr_logfile",
            "/var/log/e.log",
            "stderr_logfile",
            json!("/var/log/e.log"),
        ),
        ("stderr_logfile", "none", "stderr_logfile", Value::Null),
        (
            "stderr_logfile_maxbytes",
            "10KB",
            "stderr_logfile_maxbytes",
            json!(10240),
        ),
        (
            "stderr_logfile_backups",
            "3",
            "stderr_logfile_backups",
            json!(3),
        ),
        (
            "stderr_capture_maxbytes",
            "4KB",
            "stderr_capture_maxbytes",
            json!(4096),
        ),
        (
            "stderr_events_enabled",
            "true",
            "stderr_events_enabled",
            json!(true),
        ),
        ("stderr_syslog", "yes", "stderr_syslog", json!(true)),
        (
            "environment",
            "A=1,B=\"x y\",C='z,w'",
            "environment",
            json!({"A": "1", "B": "x y", "C": "z,w"}),
        ),
        ("serverurl", "http://h:1", "serverurl", json!("http://h:1")),
        ("serverurl", " auto ", "serverurl", json!("AUTO")),
        ("process_name", "%(program_name)s-x", "name", json!("p-x")),
        ("process_name", " padded ", "name", json!("padded")),
    ];
    for (option, value, field, expected) in cases {
        let p = process_json(&format!("{option}={value}"));
        assert_eq!(&p[field], expected, "{option}={value}");
    }
}

#[test]
fn command_is_expanded_and_split() {
    let conf = "[supervisord]\n[program:p]\n\
                command=/bin/echo \"%(program_name)s  x\" %(ENV_FOO)s\n";
    let loaded = ok(conf);
    let p = &loaded.config.groups[0].processes[0];
    assert_eq!(p.command, "/bin/echo \"p  x\" foo-value");
    assert_eq!(
        p.argv,
        Ok(vec![
            "/bin/echo".to_string(),
            "p  x".to_string(),
            "foo-value".to_string()
        ])
    );
}

#[test]
fn command_split_failure_is_kept_for_spawn_time() {
    let loaded = ok("[supervisord]\n[program:p]\ncommand=/bin/echo 'unclosed\n");
    let p = &loaded.config.groups[0].processes[0];
    assert_eq!(p.command, "/bin/echo 'unclosed");
    assert_eq!(p.argv, Err("No closing quotation".to_string()));
}

#[test]
fn empty_command_is_accepted_at_load_time() {
    let loaded = ok("[supervisord]\n[program:p]\ncommand=\n");
    assert_eq!(loaded.config.groups[0].processes[0].command, "");
}

#[test]
fn stopasgroup_implies_killasgroup() {
    let p = process_json("stopasgroup=true");
    assert_eq!(p["stopasgroup"], json!(true));
    assert_eq!(p["killasgroup"], json!(true));
}

#[test]
fn redirect_stderr_turns_off_the_stderr_log_and_warns_about_a_path() {
    let loaded = ok(&program_conf(
        "redirect_stderr=true\nstderr_logfile=/var/log/e.log",
    ));
    let p = &loaded.config.groups[0].processes[0];
    assert!(p.redirect_stderr);
    assert_eq!(p.stderr.logfile, supervisor_config::model::ChildLog::None);
    let w = &loaded.warnings[0];
    assert_eq!(
        w.message,
        "For [program:p], redirect_stderr=true but stderr_logfile has also been set to a \
         filename, the filename has been ignored"
    );
    assert_eq!(
        (w.line, w.option.as_deref()),
        (Some(5), Some("stderr_logfile"))
    );
    // AUTO stderr with redirect: no warning.
    let quiet = ok(&program_conf("redirect_stderr=true"));
    assert!(quiet.warnings.is_empty(), "{:?}", quiet.warnings);
}

#[test]
fn syslog_logfile_is_rewritten_with_a_deprecation_warning() {
    let loaded = ok(&program_conf("stdout_logfile=syslog"));
    let p = &loaded.config.groups[0].processes[0];
    assert_eq!(p.stdout.logfile, supervisor_config::model::ChildLog::None);
    assert!(p.stdout.syslog);
    assert_eq!(
        messages(&loaded.warnings),
        vec![
            "For [program:p], stdout_logfile=syslog but this is deprecated and will be removed.  \
             Use stdout_syslog=true to enable syslog instead."
        ]
    );
}

#[test]
fn auto_log_without_rollover_warns() {
    let loaded = ok(&program_conf("stdout_logfile_maxbytes=0"));
    assert_eq!(
        messages(&loaded.warnings),
        vec![
            "For [program:p], AUTO logging used for stdout_logfile without rollover, set \
             maxbytes > 0 to avoid filling up filesystem unintentionally"
        ]
    );
    assert_eq!(loaded.warnings[0].line, Some(4));
    // A real path without rollover is fine.
    let quiet = ok(&program_conf(
        "stdout_logfile_maxbytes=0\nstdout_logfile=/var/log/p.log",
    ));
    assert!(quiet.warnings.is_empty());
}

#[test]
fn invalid_values_and_their_messages() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "priority",
            "abc",
            "invalid literal for int() with base 10: 'abc'",
        ),
        ("autostart", "maybe", "not a valid boolean value: 'maybe'"),
        (
            "autorestart",
            "Sometimes",
            "invalid 'autorestart' value 'sometimes'",
        ),
        (
            "startsecs",
            "abc",
            "invalid literal for int() with base 10: 'abc'",
        ),
        (
            "startretries",
            "x",
            "invalid literal for int() with base 10: 'x'",
        ),
        (
            "exitcodes",
            "0,256",
            "not a valid list of exit codes: '0,256'",
        ),
        ("exitcodes", "a", "not a valid list of exit codes: 'a'"),
        (
            "stopsignal",
            "FOO",
            "value 'FOO' is not a valid signal name",
        ),
        (
            "stopsignal",
            "65",
            "value '65' is not a valid signal number",
        ),
        // Quirk Q22 (fixed): Python's pseudo-signals are refused.
        (
            "stopsignal",
            "SIG_DFL",
            "value 'SIG_DFL' is not a valid signal name",
        ),
        ("stopsignal", "0", "value '0' is not a valid signal number"),
        (
            "stopwaitsecs",
            "1.5",
            "invalid literal for int() with base 10: '1.5'",
        ),
        ("stopasgroup", "maybe", "not a valid boolean value: 'maybe'"),
        ("killasgroup", "x", "not a valid boolean value: 'x'"),
        ("user", "nosuchuser", "Invalid user name nosuchuser"),
        ("user", "4242", "Invalid user id 4242"),
        ("umask", "999", "999 can not be converted to an octal type"),
        ("redirect_stderr", "x", "not a valid boolean value: 'x'"),
        (
            "stdout_logfile",
            "/nonexistent/dir/x.log",
            "The directory named as part of the path /nonexistent/dir/x.log does not exist",
        ),
        (
            "stderr_logfile",
            "/nonexistent/e.log",
            "The directory named as part of the path /nonexistent/e.log does not exist",
        ),
        (
            "stdout_logfile_maxbytes",
            "5XB",
            "invalid literal for int() with base 10: '5xb'",
        ),
        (
            "stderr_logfile_maxbytes",
            "1.5MB",
            "invalid literal for int() with base 10: '1.5'",
        ),
        (
            "stdout_logfile_backups",
            "x",
            "invalid literal for int() with base 10: 'x'",
        ),
        (
            "stderr_logfile_backups",
            "y",
            "invalid literal for int() with base 10: 'y'",
        ),
        (
            "stdout_capture_maxbytes",
            "1K",
            "invalid literal for int() with base 10: '1k'",
        ),
        (
            "stderr_capture_maxbytes",
            "z",
            "invalid literal for int() with base 10: 'z'",
        ),
        (
            "stdout_events_enabled",
            "x",
            "not a valid boolean value: 'x'",
        ),
        (
            "stderr_events_enabled",
            "x",
            "not a valid boolean value: 'x'",
        ),
        ("stdout_syslog", "x", "not a valid boolean value: 'x'"),
        ("stderr_syslog", "x", "not a valid boolean value: 'x'"),
        (
            "environment",
            "A=1,B",
            "Unexpected end of key/value pairs in value 'A=1,B'",
        ),
        (
            "process_name",
            "a b",
            "Invalid name: 'a b' because of character: ' '",
        ),
        (
            "process_name",
            "a/b",
            "Invalid name: 'a/b' because of character: '/'",
        ),
        (
            "numprocs",
            "two",
            "invalid literal for int() with base 10: 'two'",
        ),
        (
            "numprocs_start",
            "x",
            "invalid literal for int() with base 10: 'x'",
        ),
        (
            "directory",
            "/srv/%(nope)s",
            "Format string '/srv/%(nope)s' for 'program:p.directory' contains names ('nope') \
             which cannot be expanded. Available names: ENV_FOO, ENV_HOME, group_name, here, \
             host_node_name, numprocs, process_num, program_name",
        ),
        (
            "serverurl",
            "%(process_num)d",
            "Format string '%(process_num)d' for 'program:p.serverurl' contains names \
             ('process_num') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, \
             group_name, here, host_node_name, program_name",
        ),
    ];
    for (option, value, message) in cases {
        let errs = errors(&program_conf(&format!("{option}={value}")));
        assert_eq!(
            messages(&errs),
            vec![message.to_string()],
            "{option}={value}"
        );
        let e = &errs[0];
        assert_eq!(e.line, Some(4), "{option}={value}");
        assert_eq!(e.section.as_deref(), Some("program:p"));
        assert_eq!(e.option.as_deref(), Some(*option));
        assert_eq!(
            e.file.as_deref(),
            Some(std::path::Path::new(CONF)),
            "{option}"
        );
        // Python reads a program's priority first at group level, outside the per-section
        // reader that adds the suffix.
        let expected = if *option == "priority" {
            message.to_string()
        } else {
            format!("{message} in section 'program:p' (file: '{CONF}')")
        };
        assert_eq!(e.python_message(), expected, "{option}={value}");
    }
}

#[test]
fn missing_command() {
    let errs = errors("[supervisord]\n[program:p]\nautostart=true\n");
    assert_eq!(
        messages(&errs),
        vec!["program section program:p does not specify a command"]
    );
    assert_eq!(errs[0].line, Some(2), "the section header");
    assert_eq!(errs[0].option.as_deref(), Some("command"));
    assert_eq!(
        errs[0].python_message(),
        format!(
            "program section program:p does not specify a command in section 'program:p' \
             (file: '{CONF}')"
        )
    );
}

#[test]
fn command_expansion_errors() {
    let errs = errors("[supervisord]\n[program:p]\ncommand=/bin/true %(foo)s\n");
    assert_eq!(
        errs[0].message,
        format!(
            "Format string '/bin/true %(foo)s' for 'program:p.command' contains names ('foo') \
             which cannot be expanded. Available names: {PROCESS_NAMES}"
        )
    );
    assert_eq!(errs[0].line, Some(3));
    let errs = errors("[supervisord]\n[program:p]\ncommand=/bin/true %(program_name)\n");
    assert_eq!(
        errs[0].message,
        "Format string '/bin/true %(program_name)' for 'program:p.command' is badly formatted: \
         incomplete format"
    );
}

#[test]
fn stopasgroup_without_killasgroup() {
    let errs = errors(&program_conf("stopasgroup=true\nkillasgroup=false"));
    assert_eq!(
        messages(&errs),
        vec!["Cannot set stopasgroup=true and killasgroup=false"]
    );
    assert_eq!(errs[0].line, Some(5));
}

#[test]
fn program_name_with_bad_characters() {
    let errs = errors("[supervisord]\n[program:a b]\ncommand=/bin/a\n");
    assert_eq!(
        messages(&errs),
        vec!["Invalid name: 'a b' because of character: ' '"]
    );
    // Python raises this one before its per-section reader: no suffix.
    assert_eq!(errs[0].python_message(), errs[0].message);
    let errs = errors("[supervisord]\n[program:a:b]\ncommand=/bin/a\n");
    assert_eq!(
        messages(&errs),
        vec!["Invalid name: 'a:b' because of character: ':'"]
    );
}

#[test]
fn numprocs_with_formatted_names() {
    let loaded = ok(&program_conf(
        "numprocs=3\nnumprocs_start=5\nprocess_name=%(program_name)s_%(process_num)02d\n\
         command=/bin/p --port=80%(process_num)02d --of=%(numprocs)d",
    ));
    let group = &loaded.config.groups[0];
    let names: Vec<&str> = group.processes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["p_05", "p_06", "p_07"]);
    let commands: Vec<&str> = group.processes.iter().map(|p| p.command.as_str()).collect();
    assert_eq!(
        commands,
        [
            "/bin/p --port=8005 --of=3",
            "/bin/p --port=8006 --of=3",
            "/bin/p --port=8007 --of=3"
        ]
    );
    assert_eq!(group.processes[1].process_num, 6);
    assert_eq!(group.processes[1].namespec(), "p:p_06");
}

#[test]
fn numprocs_hex_and_per_process_log_paths() {
    let loaded = ok(&program_conf(
        "numprocs=2\nnumprocs_start=10\nprocess_name=w%(process_num)x\n\
         stdout_logfile=/var/log/%(process_num)03d.log",
    ));
    let p = &loaded.config.groups[0].processes;
    assert_eq!((p[0].name.as_str(), p[1].name.as_str()), ("wa", "wb"));
    assert_eq!(
        p[0].stdout.logfile,
        supervisor_config::model::ChildLog::Path("/var/log/010.log".into())
    );
}

#[test]
fn numprocs_requires_process_num_in_the_name() {
    let errs = errors(&program_conf("numprocs=2"));
    assert_eq!(
        messages(&errs),
        vec!["%(process_num) must be present within process_name when numprocs > 1"]
    );
    assert_eq!(errs[0].option.as_deref(), Some("process_name"));
}

#[test]
fn numprocs_zero_gives_an_empty_group() {
    let loaded = ok(&program_conf("numprocs=0"));
    assert_eq!(loaded.config.groups[0].name, "p");
    assert!(loaded.config.groups[0].processes.is_empty());
}

#[test]
fn environment_is_merged_over_supervisord_environment() {
    let conf = "[supervisord]\nenvironment=A=global,B=global\n\
                [program:p]\ncommand=/bin/p\nenvironment=B=mine,C=%(ENV_A)s\n";
    let p = &json(conf)["groups"][0]["processes"][0];
    assert_eq!(
        p["environment"],
        json!({"A": "global", "B": "mine", "C": "global"})
    );
}

#[test]
fn environment_truncation_is_a_warning_with_pythons_result() {
    // Quirk Q19 (fixed compatibly): same value as Python, plus a warning.
    let loaded = ok(&program_conf("environment=HOME_REF=$HOME"));
    let p = &loaded.config.groups[0].processes[0];
    assert_eq!(p.environment["HOME_REF"], "$");
    assert_eq!(loaded.warnings.len(), 1);
    let w = &loaded.warnings[0];
    assert!(w.message.contains("HOME_REF"), "{}", w.message);
    assert_eq!(
        (w.line, w.option.as_deref()),
        (Some(4), Some("environment"))
    );
}
