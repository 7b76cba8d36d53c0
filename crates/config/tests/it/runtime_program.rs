//! Programs described at run time (supervisor_twiddler's `addProgramToGroup`): the options
//! mean what they mean in a `[program:x]` section of the running config's file, and the first
//! problem is reported in Python's words (checked against supervisor_twiddler 1.0.0 on
//! Supervisor 4.3.0).

use supervisor_config::runtime_program::processes_from_options;
use supervisor_config::Config;

use crate::support::*;

fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The running config the programs are added to.
fn running() -> Config {
    ok("[supervisord]\nenvironment=GLOBAL=g1\n[group:g]\nprograms=\n").config
}

fn added(pairs: &[(&str, &str)]) -> Result<Vec<String>, String> {
    processes_from_options(&running(), &ctx(), &host(), "g", "p", &opts(pairs))
        .map(|ps| ps.iter().map(|p| p.name.clone()).collect())
        .map_err(|d| d.python_message())
}

#[test]
fn options_mean_what_they_mean_in_a_file() {
    let options = [
        (
            "command",
            "/bin/p %(program_name)s %(group_name)s %(process_num)d",
        ),
        ("numprocs", "2"),
        ("process_name", "%(program_name)s_%(process_num)d"),
        ("autostart", "false"),
        ("environment", "OWN=o1"),
        ("stdout_logfile", "%(here)s/p.log"),
    ];
    let mut text = String::from("[supervisord]\nenvironment=GLOBAL=g1\n[group:g]\nprograms=p\n");
    text += "[program:p]\n";
    for (k, v) in options {
        text += &format!("{k}={v}\n");
    }
    let from_file = ok(&text).config.groups[0].processes.clone();
    let from_options =
        processes_from_options(&running(), &ctx(), &host(), "g", "p", &opts(&options)).unwrap();
    assert_eq!(from_options, from_file);
    assert_eq!(from_options[1].command, "/bin/p p g 1");
    assert_eq!(from_options[0].environment["GLOBAL"], "g1");
    assert_eq!(from_options[0].environment["OWN"], "o1");
}

#[test]
fn keys_are_case_insensitive_and_unknown_ones_ignored() {
    let ps = processes_from_options(
        &running(),
        &ctx(),
        &host(),
        "g",
        "p",
        &opts(&[
            ("Command", "/bin/p"),
            ("AUTOSTART", "false"),
            ("nosuch", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(ps[0].command, "/bin/p");
    assert!(!ps[0].autostart);
    assert_eq!(ps[0].group, "g");
    assert_eq!(ps[0].section, "program:p");
}

#[test]
fn expansions_see_the_running_configs_here_and_environment() {
    let ps = processes_from_options(
        &running(),
        &ctx(),
        &host(),
        "g",
        "p",
        &opts(&[("command", "/bin/p %(here)s %(ENV_GLOBAL)s %(ENV_FOO)s")]),
    )
    .unwrap();
    assert_eq!(ps[0].command, "/bin/p /etc/sv g1 foo-value");
}

#[test]
fn the_first_problem_is_reported_in_pythons_words() {
    let suffix = "in section 'program:p' (file: '/etc/sv/supervisord.conf')";
    assert_eq!(
        added(&[]),
        Err(format!(
            "program section program:p does not specify a command {suffix}"
        ))
    );
    assert_eq!(
        added(&[("command", "/bin/p"), ("autostart", "maybe")]),
        Err(format!("not a valid boolean value: 'maybe' {suffix}"))
    );
    assert_eq!(
        added(&[("command", "/bin/p"), ("numprocs", "2")]),
        Err(format!(
            "%(process_num) must be present within process_name when numprocs > 1 {suffix}"
        ))
    );
    // Python stops at the first bad option; so do we, though we saw both.
    assert_eq!(
        added(&[("autostart", "maybe"), ("startsecs", "x")]),
        Err(format!("not a valid boolean value: 'maybe' {suffix}"))
    );
    let bad_name = processes_from_options(
        &running(),
        &ctx(),
        &host(),
        "g",
        "a:b",
        &opts(&[("command", "/bin/p")]),
    )
    .unwrap_err();
    assert_eq!(
        bad_name.python_message(),
        "Invalid name: 'a:b' because of character: ':' in section 'program:a:b' \
         (file: '/etc/sv/supervisord.conf')"
    );
}
