//! `[eventlistener:x]` (spec §1.5.7): pool options with their defaults, valid and invalid values;
//! program options apply to the listener processes.

use crate::support::*;
use serde_json::{json, Value};

fn listener_conf(extra: &str) -> String {
    format!("[supervisord]\n[eventlistener:e]\ncommand=/bin/listen\nevents=TICK_5\n{extra}\n")
}

fn pool_json(extra: &str) -> Value {
    json(&listener_conf(extra))["groups"][0].clone()
}

#[test]
fn defaults() {
    let g = pool_json("");
    assert_eq!(g["kind"], "eventlistener");
    assert_eq!(g["name"], "e");
    // Quirk Q27 (copied): the pool's priority is -1, its processes' 999.
    assert_eq!(g["priority"], -1);
    assert_eq!(g["processes"][0]["priority"], 999);
    assert_eq!(g["buffer_size"], 10);
    assert_eq!(g["pool_events"], json!(["TICK_5"]));
    assert_eq!(
        g["result_handler"],
        "supervisor.dispatchers:default_handler"
    );
    assert_eq!(g["processes"][0]["name"], "e");
}

#[test]
fn valid_values() {
    let g = pool_json(
        "priority=3\nbuffer_size=1\nresult_handler=supervisor.dispatchers:default_handler\n\
         startsecs=0",
    );
    assert_eq!(g["priority"], 3);
    assert_eq!(g["processes"][0]["priority"], 3);
    assert_eq!(g["buffer_size"], 1);
    assert_eq!(g["processes"][0]["startsecs"], 0);
    let conf = "[supervisord]\n[eventlistener:e]\ncommand=/bin/l\n\
                events=process_state, tick_60,PROCESS_STATE\n";
    assert_eq!(
        json(conf)["groups"][0]["pool_events"],
        json!(["PROCESS_STATE", "TICK_60"]),
        "upper-cased, config order, duplicates dropped"
    );
}

#[test]
fn numprocs_pool() {
    let g = pool_json("numprocs=2\nprocess_name=%(program_name)s_%(process_num)d");
    let names: Vec<&str> = g["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["e_0", "e_1"]);
}

#[test]
fn invalid_values_and_their_messages() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "buffer_size",
            "0",
            5,
            "[eventlistener:e] section sets invalid buffer_size (0)",
        ),
        (
            "buffer_size",
            "abc",
            5,
            "invalid literal for int() with base 10: 'abc'",
        ),
        (
            "priority",
            "x",
            5,
            "invalid literal for int() with base 10: 'x'",
        ),
        (
            "result_handler",
            "mymod:handler",
            5,
            "mymod:handler cannot be resolved within [eventlistener:e]",
        ),
        (
            "redirect_stderr",
            "true",
            5,
            "[eventlistener:e] section sets redirect_stderr=true but this is not allowed \
             because it will interfere with the eventlistener protocol",
        ),
        (
            "stopsignal",
            "NOPE",
            5,
            "value 'NOPE' is not a valid signal name",
        ),
    ];
    for (option, value, line, message) in cases {
        let errs = errors(&listener_conf(&format!("{option}={value}")));
        assert_eq!(
            messages(&errs),
            vec![message.to_string()],
            "{option}={value}"
        );
        assert_eq!(errs[0].line, Some(*line), "{option}");
        assert_eq!(errs[0].option.as_deref(), Some(*option));
    }
}

#[test]
fn events_are_required_and_checked() {
    let errs = errors("[supervisord]\n[eventlistener:e]\ncommand=/bin/l\n");
    assert_eq!(
        messages(&errs),
        vec!["[eventlistener:e] section requires an \"events\" line"]
    );
    let errs = errors("[supervisord]\n[eventlistener:e]\ncommand=/bin/l\nevents=TICK_5,FOO\n");
    assert_eq!(
        messages(&errs),
        vec!["Unknown event type FOO in [eventlistener:e] events"]
    );
    assert_eq!(errs[0].line, Some(4));
}

#[test]
fn every_event_type_is_known() {
    let all = "EVENT,PROCESS_STATE,PROCESS_STATE_STOPPED,PROCESS_STATE_EXITED,\
               PROCESS_STATE_STARTING,PROCESS_STATE_STOPPING,PROCESS_STATE_BACKOFF,\
               PROCESS_STATE_FATAL,PROCESS_STATE_RUNNING,PROCESS_STATE_UNKNOWN,\
               PROCESS_COMMUNICATION,PROCESS_COMMUNICATION_STDOUT,PROCESS_COMMUNICATION_STDERR,\
               PROCESS_LOG,PROCESS_LOG_STDOUT,PROCESS_LOG_STDERR,REMOTE_COMMUNICATION,\
               SUPERVISOR_STATE_CHANGE,SUPERVISOR_STATE_CHANGE_RUNNING,\
               SUPERVISOR_STATE_CHANGE_STOPPING,TICK,TICK_5,TICK_60,TICK_3600,PROCESS_GROUP,\
               PROCESS_GROUP_ADDED,PROCESS_GROUP_REMOVED";
    let conf = format!("[supervisord]\n[eventlistener:e]\ncommand=/bin/l\nevents={all}\n");
    assert_eq!(
        json(&conf)["groups"][0]["pool_events"]
            .as_array()
            .unwrap()
            .len(),
        27
    );
}

#[test]
fn listeners_cannot_be_grouped() {
    let conf = "[supervisord]\n[group:g]\nprograms=e\n\
                [eventlistener:e]\ncommand=/bin/l\nevents=TICK_5\n";
    let errs = errors(conf);
    assert_eq!(
        messages(&errs),
        vec!["[group:g] names unknown program or fcgi-program e"]
    );
}
