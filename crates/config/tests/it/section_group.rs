//! `[group:g]` (spec §1.5.6): membership, `group_name`, priorities, ordering, and the errors
//! (including quirks Q21 and Q25, fixed).

use crate::support::*;
use serde_json::json;

const BASE: &str = "[supervisord]\n";

#[test]
fn listed_programs_join_the_group() {
    let conf = format!(
        "{BASE}[group:web]\nprograms=a, b\npriority=5\n\
         [program:a]\ncommand=/bin/a %(group_name)s\npriority=20\n\
         [program:b]\ncommand=/bin/b %(group_name)s\npriority=10\n\
         [program:c]\ncommand=/bin/c %(group_name)s\n"
    );
    let loaded = ok(&conf);
    let groups = &loaded.config.groups;
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["web", "c"], "sorted by (priority, name)");
    let web = &groups[0];
    assert_eq!(web.priority, 5);
    assert_eq!(web.section, "group:web");
    let procs: Vec<(&str, &str, String)> = web
        .processes
        .iter()
        .map(|p| (p.name.as_str(), p.command.as_str(), p.namespec()))
        .collect();
    assert_eq!(
        procs,
        [
            ("b", "/bin/b web", "web:b".to_string()),
            ("a", "/bin/a web", "web:a".to_string())
        ],
        "processes sorted by (priority, name), group_name is the group"
    );
    assert_eq!(groups[1].processes[0].command, "/bin/c c");
}

#[test]
fn defaults() {
    let conf = format!("{BASE}[group:g]\n[program:a]\ncommand=/bin/a\n");
    let v = json(&conf);
    // No `programs` line: an empty group; the program keeps its own group.
    assert_eq!(v["groups"][0]["name"], "a");
    assert_eq!(v["groups"][1]["name"], "g");
    assert_eq!(v["groups"][1]["priority"], 999);
    assert_eq!(v["groups"][1]["processes"], json!([]));
}

#[test]
fn fcgi_program_in_a_group_becomes_a_plain_member() {
    let conf = format!(
        "{BASE}[group:g]\nprograms=f\n\
         [fcgi-program:f]\ncommand=/bin/f\nsocket=tcp://localhost:9000\n"
    );
    let v = json(&conf);
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
    assert_eq!(v["groups"][0]["kind"], "program");
    assert_eq!(v["groups"][0]["processes"][0]["name"], "f");
}

#[test]
fn group_priority_and_programs_expand_here_and_env() {
    let conf = format!(
        "{BASE}[group:g]\nprograms=%(ENV_FOO)s\npriority=%(ENV_NUM)s\n\
         [program:foo-value]\ncommand=/bin/x\n"
    );
    let host = host();
    let mut ctx = ctx();
    ctx.environment.insert("NUM".into(), "7".into());
    let host = host.file(CONF, conf);
    let loaded = supervisor_config::load(std::path::Path::new(CONF), &ctx, &host).expect("loads");
    assert_eq!(loaded.config.groups[0].name, "g");
    assert_eq!(loaded.config.groups[0].priority, 7);
    assert_eq!(loaded.config.groups[0].processes[0].name, "foo-value");
}

#[test]
fn invalid_priority() {
    let errs = errors(&format!("{BASE}[group:g]\npriority=high\n"));
    assert_eq!(
        messages(&errs),
        vec!["invalid literal for int() with base 10: 'high'"]
    );
    assert_eq!(
        (errs[0].line, errs[0].option.as_deref()),
        (Some(3), Some("priority"))
    );
}

#[test]
fn invalid_group_name() {
    let errs = errors(&format!("{BASE}[group:a b]\n"));
    assert_eq!(
        messages(&errs),
        vec!["Invalid name: 'a b' because of character: ' '"]
    );
}

#[test]
fn unknown_members_name_the_group() {
    // Quirk Q21 (fixed): Python would name [program:a] for the second unknown member.
    let conf =
        format!("{BASE}[group:g]\nprograms=nosuch1,a,nosuch2\n[program:a]\ncommand=/bin/a\n");
    let errs = errors(&conf);
    assert_eq!(
        messages(&errs),
        vec![
            "[group:g] names unknown program or fcgi-program nosuch1",
            "[group:g] names unknown program or fcgi-program nosuch2",
        ]
    );
    assert_eq!(errs[0].line, Some(3));
    assert_eq!(errs[0].option.as_deref(), Some("programs"));
}

#[test]
fn ambiguous_member() {
    let conf = format!(
        "{BASE}[group:g]\nprograms=x\n[program:x]\ncommand=/bin/x\n\
         [fcgi-program:x]\ncommand=/bin/x\nsocket=tcp://localhost:9000\n"
    );
    let errs = errors(&conf);
    assert_eq!(
        messages(&errs)[0],
        "[group:g] name x is ambiguous (exists as program and fcgi-program)"
    );
}

#[test]
fn duplicate_group_names_are_an_error() {
    // Quirk Q25 (fixed).
    let conf = format!(
        "{BASE}[group:x]\nprograms=a\n[program:a]\ncommand=/bin/a\n[program:x]\ncommand=/bin/x\n"
    );
    let errs = errors(&conf);
    assert_eq!(
        messages(&errs),
        vec!["duplicate group name 'x': [group:x] and [program:x] both define it"]
    );
    assert_eq!(errs[0].section.as_deref(), Some("program:x"));
    assert_eq!(errs[0].line, Some(6));
    assert!(errs[0].hint.is_some());
}

#[test]
fn duplicate_process_names_in_a_group_are_an_error() {
    let conf = format!(
        "{BASE}[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/a\nprocess_name=same\n\
         [program:b]\ncommand=/bin/b\nprocess_name=same\n"
    );
    let errs = errors(&conf);
    assert_eq!(
        messages(&errs),
        vec!["duplicate process name 'same' in group 'g': [program:a] and [program:b] both define it"]
    );
    assert_eq!(
        (errs[0].line, errs[0].option.as_deref()),
        (Some(9), Some("process_name"))
    );
}

#[test]
fn member_errors_carry_the_program_section() {
    let conf = format!("{BASE}[group:g]\nprograms=a\n[program:a]\ncommand=/bin/a\nstartsecs=x\n");
    let errs = errors(&conf);
    assert_eq!(
        errs[0].python_message(),
        format!(
            "invalid literal for int() with base 10: 'x' in section 'program:a' (file: '{CONF}')"
        )
    );
    assert_eq!(errs[0].line, Some(6));
}
