//! Which `%(name)s` names each option sees (spec §1.3), the double expansion of log file names
//! (Q18, copied), `[supervisord] environment` expanded once (Q17, fixed) and unnamed specifiers
//! rejected (Q16, fixed).

use crate::support::*;
use serde_json::json;

#[test]
fn per_process_options_see_every_name() {
    let p = process_json(
        "numprocs=1\nnumprocs_start=4\nprocess_name=%(program_name)s-%(process_num)d\n\
         command=/bin/p %(here)s %(program_name)s %(group_name)s %(host_node_name)s \
         %(process_num)03d %(numprocs)d %(ENV_FOO)s\n\
         directory=/srv/%(process_num)d\nenvironment=N=%(process_num)d\n\
         stdout_logfile=/var/log/%(program_name)s-%(process_num)d.log\n\
         stdout_logfile_backups=%(process_num)d\nstdout_logfile_maxbytes=%(numprocs)dKB\n\
         stdout_syslog=%(numprocs)d",
    );
    assert_eq!(p["name"], "p-4");
    assert_eq!(p["command"], "/bin/p /etc/sv p p node1 004 1 foo-value");
    assert_eq!(p["directory"], "/srv/4");
    assert_eq!(p["environment"], json!({"N": "4"}));
    assert_eq!(p["stdout_logfile"], "/var/log/p-4.log");
    assert_eq!(p["stdout_logfile_backups"], 4);
    assert_eq!(p["stdout_logfile_maxbytes"], 1024);
    assert_eq!(p["stdout_syslog"], true);
}

#[test]
fn program_environment_becomes_env_names_for_its_own_options() {
    let p = process_json(
        "environment=FOO=mine,PORT=80\ncommand=/bin/p %(ENV_FOO)s %(ENV_PORT)s\n\
         directory=/srv/%(ENV_PORT)s",
    );
    assert_eq!(p["command"], "/bin/p mine 80");
    assert_eq!(p["directory"], "/srv/80");
    // ...but not for the options read once per section.
    let errs = errors(&program_conf("environment=X=1\nuser=%(ENV_X)s"));
    assert!(
        errs[0]
            .message
            .starts_with("Format string '%(ENV_X)s' for 'program:p.user' contains"),
        "{}",
        errs[0].message
    );
}

#[test]
fn section_level_options_do_not_see_process_num() {
    let errs = errors(&program_conf("startsecs=%(process_num)d"));
    assert_eq!(
        errs[0].message,
        "Format string '%(process_num)d' for 'program:p.startsecs' contains names \
         ('process_num') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, \
         group_name, here, host_node_name, program_name"
    );
}

#[test]
fn group_level_priority_sees_only_here() {
    // Python reads a program's priority first at group level, with `here` and ENV only, and
    // reports the failure without a section suffix.
    let errs = errors(&program_conf("priority=%(process_num)d"));
    assert_eq!(
        messages(&errs),
        vec![
            "Format string '%(process_num)d' for 'program:p.priority' contains names \
             ('process_num') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, here"
        ]
    );
    assert_eq!(errs[0].python_message(), errs[0].message);
}

#[test]
fn log_file_names_are_expanded_twice() {
    // Quirk Q18 (copied): `%%%%` is needed for one literal `%`.
    let p = process_json("stdout_logfile=/var/log/100%%%%.log");
    assert_eq!(p["stdout_logfile"], "/var/log/100%.log");
    let errs = errors(&program_conf("stdout_logfile=/var/log/100%%.log"));
    assert!(
        errs[0].message.starts_with(
            "Format string '/var/log/100%.log' for 'stdout_logfile' is badly formatted"
        ),
        "{}",
        errs[0].message
    );
    assert_eq!(errs[0].line, Some(4));
    // Other options take `%%` for one `%`.
    assert_eq!(
        process_json("command=/bin/date +%%s")["command"],
        "/bin/date +%s"
    );
}

#[test]
fn unnamed_specifiers_are_rejected() {
    // Quirk Q16 (fixed): Python would format its whole expansion dict into the value.
    let errs = errors("[supervisord]\n[program:p]\ncommand=/bin/date +%s\n");
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("%%"), "{}", errs[0].message);
    assert!(
        errs[0].message.starts_with(
            "Format string '/bin/date +%s' for 'program:p.command' is badly formatted"
        ),
        "{}",
        errs[0].message
    );
    assert_eq!(errs[0].line, Some(3));
}

#[test]
fn supervisord_environment_is_expanded_once() {
    let v = json("[supervisord]\nenvironment=RATE=\"100%%\"\n");
    assert_eq!(v["supervisord"]["environment"], json!({"RATE": "100%"}));
}

#[test]
fn supervisord_options_see_here_and_env() {
    let v = json("[supervisord]\nidentifier=%(here)s:%(ENV_FOO)s\n");
    assert_eq!(v["supervisord"]["identifier"], "/etc/sv:foo-value");
}

#[test]
fn fcgi_socket_sees_program_name() {
    let v = json("[supervisord]\n[fcgi-program:f]\ncommand=/bin/f\nsocket=unix://%(here)s/%(program_name)s.sock\n");
    assert_eq!(
        v["groups"][0]["socket_config"]["url"],
        "unix:///etc/sv/f.sock"
    );
}

#[test]
fn unix_server_file_sees_here_but_auth_only_env() {
    let v = json("[supervisord]\n[unix_http_server]\nfile=%(here)s/s.sock\nusername=%(ENV_FOO)s\npassword=p\n");
    assert_eq!(v["server_configs"][0]["file"], "/etc/sv/s.sock");
    assert_eq!(v["server_configs"][0]["username"], "foo-value");
    let errs =
        errors("[supervisord]\n[unix_http_server]\nfile=/tmp/s\nusername=%(here)s\npassword=p\n");
    assert!(errs[0]
        .message
        .ends_with("Available names: ENV_FOO, ENV_HOME"));
}

#[test]
fn default_section_values_are_inherited_and_expanded_per_section() {
    let v = json(
        "[DEFAULT]\nstartsecs=7\ncommand=/bin/%(program_name)s\n[supervisord]\n\
         [program:a]\n[program:b]\ncommand=/bin/own\n",
    );
    assert_eq!(v["groups"][0]["processes"][0]["command"], "/bin/a");
    assert_eq!(v["groups"][0]["processes"][0]["startsecs"], 7);
    assert_eq!(v["groups"][1]["processes"][0]["command"], "/bin/own");
}
