//! Error reporting as a whole: every problem is reported with file, line, section and option;
//! Python's single-line form; parse errors; missing files; warnings about typos.

use std::path::Path;

use crate::support::*;
use supervisor_config::host::FakeHost;
use supervisor_config::{load, resolved, Severity};

/// (message, line, section, option) of a diagnostic.
type Row = (String, Option<usize>, Option<String>, Option<String>);

#[test]
fn every_error_is_reported_with_its_line() {
    let conf = "[supervisord]\nloglevel=loud\n\
                [program:a]\ncommand=/bin/a\nstartsecs=abc\nautostart=maybe\n\
                [program:b]\nstopsignal=FOO\n\
                [inet_http_server]\nport=abc\n";
    let errs = errors(conf);
    let summary: Vec<Row> = errs
        .iter()
        .map(|e| {
            (
                e.message.clone(),
                e.line,
                e.section.clone(),
                e.option.clone(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        summary,
        vec![
            (
                "bad logging level name 'loud'".to_string(),
                Some(2),
                s("supervisord"),
                s("loglevel")
            ),
            (
                "not a valid boolean value: 'maybe'".to_string(),
                Some(6),
                s("program:a"),
                s("autostart")
            ),
            (
                "invalid literal for int() with base 10: 'abc'".to_string(),
                Some(5),
                s("program:a"),
                s("startsecs")
            ),
            (
                "value 'FOO' is not a valid signal name".to_string(),
                Some(8),
                s("program:b"),
                s("stopsignal")
            ),
            (
                "program section program:b does not specify a command".to_string(),
                Some(7),
                s("program:b"),
                s("command")
            ),
            (
                "not a valid port number: 'abc' ".to_string(),
                Some(10),
                s("inet_http_server"),
                s("port")
            ),
        ]
    );
}

#[test]
fn display_is_one_clear_sentence() {
    let errs = errors(&program_conf("startsecs=abc"));
    assert_eq!(
        errs[0].to_string(),
        "/etc/sv/supervisord.conf:4: [program:p] startsecs: invalid literal for int() with base \
         10: 'abc'"
    );
}

#[test]
fn per_instance_errors_are_reported_once() {
    let errs = errors(&program_conf(
        "numprocs=3\nprocess_name=p%(process_num)d\ndirectory=%(nope)s",
    ));
    assert_eq!(errs.len(), 1, "{errs:?}");
}

#[test]
fn parse_errors_quote_pythons_message_and_name_the_line() {
    let errs = errors("[supervisord]\n[program:a]\ncommand=/bin/a\n\ngarbage line\nmore\n");
    assert_eq!(
        messages(&errs),
        vec![
            "Source contains parsing errors: '/etc/sv/supervisord.conf'\n\t[line  5]: 'garbage \
             line\\n'\n\t[line  6]: 'more\\n'"
        ]
    );
    assert_eq!(errs[0].line, Some(5));
    let errs = errors("command=/bin/a\n[supervisord]\n");
    assert!(errs[0]
        .message
        .starts_with("File contains no section headers."));
    assert_eq!(errs[0].line, Some(1));
}

#[test]
fn missing_and_unreadable_files() {
    let host = FakeHost::new().unreadable_file("/etc/locked.conf");
    let err = load(Path::new("/etc/none.conf"), &ctx(), &host).unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec!["could not find config file /etc/none.conf"]
    );
    let err = load(Path::new("/etc/locked.conf"), &ctx(), &host).unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec!["could not read config file /etc/locked.conf"]
    );
}

#[test]
fn python_suffix_uses_the_path_as_given() {
    let host = host().file(
        "/work/rel.conf",
        "[supervisord]\n[program:a]\ncommand=/bin/a\nautostart=maybe\n",
    );
    let err = load(Path::new("rel.conf"), &ctx(), &host).unwrap_err();
    let e = &err.errors[0];
    assert_eq!(
        e.python_message(),
        "not a valid boolean value: 'maybe' in section 'program:a' (file: 'rel.conf')"
    );
    assert_eq!(e.file.as_deref(), Some(Path::new("/work/rel.conf")));
}

#[test]
fn unknown_options_and_sections_are_warnings_with_suggestions() {
    let conf = "[supervisord]\nlogleve=info\n[program:a]\ncommand=/bin/a\nautostrat=false\n\
                events=TICK_5\n[Program:b]\ncommand=/bin/b\n[unix_http_server]\nfile=/tmp/s\nchmood=0700\n";
    let loaded = ok(conf);
    let w: Vec<(String, Option<usize>, Option<String>)> = loaded
        .warnings
        .iter()
        .map(|d| (d.message.clone(), d.line, d.hint.clone()))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        w,
        vec![
            (
                "unknown option logleve is ignored".to_string(),
                Some(2),
                s("did you mean loglevel?")
            ),
            (
                "unknown option autostrat is ignored".to_string(),
                Some(5),
                s("did you mean autostart?")
            ),
            (
                "unknown option events is ignored".to_string(),
                Some(6),
                s("only [eventlistener:x] sections use it")
            ),
            (
                "unknown section [Program:b] is ignored".to_string(),
                Some(7),
                s("section names are case-sensitive; did you mean [program:b]?")
            ),
            (
                "unknown option chmood is ignored".to_string(),
                Some(11),
                s("did you mean chmod?")
            ),
        ]
    );
    assert!(loaded
        .warnings
        .iter()
        .all(|d| d.severity == Severity::Warning));
    assert_eq!(
        loaded.warnings[1].to_string(),
        "/etc/sv/supervisord.conf:5: warning: [program:a] autostrat: unknown option autostrat is \
         ignored (did you mean autostart?)"
    );
}

#[test]
fn json_of_errors_and_warnings() {
    let err = supervisor_config::load::load(
        Path::new(CONF),
        &ctx(),
        &host().file(CONF, program_conf("startsecs=abc\nautostrat=1")),
    )
    .unwrap_err();
    let v = resolved::errors_to_json(&err);
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["errors"][0],
        serde_json::json!({
            "message": "invalid literal for int() with base 10: 'abc'",
            "file": CONF, "line": 4, "section": "program:p", "option": "startsecs", "hint": null
        })
    );
    assert_eq!(v["warnings"][0]["option"], "autostrat");
}

#[test]
fn text_rendering_lists_what_would_run() {
    let loaded = ok(&program_conf(
        "environment=A=\"x y\"\nuser=alice\nstdout_logfile=/var/log/p.log\nredirect_stderr=true",
    ));
    let text = resolved::to_text(&loaded.config);
    for needle in [
        "group p (program, priority 999)",
        "  process p\n",
        "    argv         /bin/p\n",
        "    user         alice (uid 1000)\n",
        "    environment  A='x y'\n",
        "    autostart    true\n",
        "    stdout       /var/log/p.log (maxbytes 52428800, backups 10)\n",
        "    stderr       redirected to stdout\n",
        "OK: 1 group, 1 process\n",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    let json = resolved::loaded_to_json(&loaded);
    assert_eq!(json["warnings"], serde_json::json!([]));
}
