//! Python plugins are refused (a Rust daemon cannot import them), and the refusal names the
//! native equivalent of the ones people use: issue 21 item 5. Each error keeps Python's wording
//! for an unresolvable spec and carries file, line, section, option and the hint.

use std::path::Path;

use supervisor_config::{load_ctl, Diagnostic};

use crate::support::*;

/// The one error of `text`, checked to be Python's refusal of `spec` at `line`.
fn refusal(errs: &[Diagnostic], spec: &str, section: &str, option: &str, line: usize) -> String {
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert_eq!(
        e.message,
        format!("{spec} cannot be resolved within [{section}]")
    );
    assert_eq!(e.file.as_deref(), Some(Path::new(CONF)));
    assert_eq!(e.line, Some(line));
    assert_eq!(e.section.as_deref(), Some(section));
    assert_eq!(e.option.as_deref(), Some(option));
    let hint = e.hint.clone().expect("a hint");
    assert!(
        hint.starts_with("supervisor-rs cannot load Python code; "),
        "{hint}"
    );
    hint
}

fn result_handler(spec: &str) -> String {
    let text = format!(
        "[supervisord]\n[eventlistener:stdlog]\ncommand=supervisor-stdlog\nevents=PROCESS_LOG\n\
         result_handler={spec}\n"
    );
    refusal(
        &errors(&text),
        spec,
        "eventlistener:stdlog",
        "result_handler",
        5,
    )
}

#[test]
fn stdlog_and_stdout_handlers_point_at_dev_stdout() {
    for spec in [
        "supervisor_stdlog:log_handler",
        "supervisor_stdout:event_handler",
    ] {
        let hint = result_handler(spec);
        for needle in [
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
            "stderr_logfile=/dev/stderr",
            "remove this [eventlistener:x]",
        ] {
            assert!(hint.contains(needle), "{spec}: {hint}");
        }
    }
}

#[test]
fn twiddlers_stdin_handler_points_at_send_process_stdin() {
    let hint = result_handler("supervisor_twiddler.resulthandler:stdin_write_handler");
    assert!(hint.contains("supervisor.sendProcessStdin"), "{hint}");
}

#[test]
fn an_unknown_handler_names_the_only_one_there_is() {
    let hint = result_handler("mymod:handler");
    assert!(
        hint.contains("supervisor.dispatchers:default_handler"),
        "{hint}"
    );
}

fn rpcinterface(spec: &str) -> String {
    let text =
        format!("[supervisord]\n[rpcinterface:x]\nsupervisor.rpcinterface_factory = {spec}\n");
    refusal(
        &errors(&text),
        spec,
        "rpcinterface:x",
        "supervisor.rpcinterface_factory",
        3,
    )
}

#[test]
fn rpc_factories_say_what_exists_instead() {
    let hint = rpcinterface("supervisor_cache.rpcinterface:make_cache_rpcinterface");
    assert!(hint.contains("no native key/value store"), "{hint}");
    // Another factory of twiddler's module: the supported one is named.
    let hint = rpcinterface("supervisor_twiddler.rpcinterface:make_other");
    assert!(
        hint.contains("supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface"),
        "{hint}"
    );
    let hint = rpcinterface("nosuch.module:f");
    assert!(hint.contains("make_main_rpcinterface"), "{hint}");
    assert!(hint.contains("make_twiddler_rpcinterface"), "{hint}");
}

fn ctlplugin(spec: &str) -> String {
    let text = format!("[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = {spec}\n");
    let host = host().file(CONF, text);
    let errs = load_ctl(Path::new(CONF), &ctx(), &host).unwrap_err().errors;
    refusal(&errs, spec, "ctlplugin:x", "supervisor.ctl_factory", 3)
}

#[test]
fn ctl_plugins_say_what_to_do_instead() {
    let hint = ctlplugin("supervisorwildcards.controllerplugin:make_wildcards_controllerplugin");
    assert!(hint.contains("[group:x]") && hint.contains("x:*"), "{hint}");
    let hint =
        ctlplugin("supervisorserialrestart.controllerplugin:make_serialrestart_controllerplugin");
    assert!(hint.contains("supervisorctl restart"), "{hint}");
    let hint = ctlplugin("supervisor_cache.controllerplugin:make_cache_controllerplugin");
    assert!(hint.contains("no native key/value store"), "{hint}");
    let hint = ctlplugin("mod:make");
    assert!(hint.contains("no plugins"), "{hint}");
}

#[test]
fn supervisord_warns_about_ctl_plugins_with_the_same_hint() {
    // supervisord itself ignores [ctlplugin:x] (Python too); the warning tells the user before
    // our supervisorctl, which has no plugins, lacks the plugin's commands.
    let spec = "supervisorwildcards.controllerplugin:make_wildcards_controllerplugin";
    let loaded = ok(&format!(
        "[supervisord]\n[ctlplugin:wildcards]\nsupervisor.ctl_factory = {spec}\n"
    ));
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert_eq!(
        w.message,
        format!("{spec} cannot be resolved within [ctlplugin:wildcards]")
    );
    assert_eq!(w.line, Some(3));
    assert!(w.hint.as_deref().unwrap().contains("[group:x]"));
}
