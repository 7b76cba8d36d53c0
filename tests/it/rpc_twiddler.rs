//! supervisor_twiddler's namespace (issue 21 item 5), compared with Python's Supervisor 4.3.0
//! running the real supervisor_twiddler 1.0.0 (installed in `.venv` by `scripts/venv`): the
//! same `xmlrpc.client` calls against both daemons on the same config, with results, fault
//! codes and fault strings compared after normalising pids, times and paths. A second
//! namespace with a `whitelist` pins twiddler's `NOT_IN_WHITELIST` fault.

use serde_json::{json, Value};

use crate::support::rpc::{both, call, compare, same, wait_state, Expect};
use crate::support::Daemon;

const PROGRAMS: &str = r#"
[rpcinterface:twiddler]
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface

[rpcinterface:tw]
supervisor.rpcinterface_factory = supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface
whitelist = getGroupNames, log

[group:dyn]
programs=
priority=5

[program:cat]
command=cat
startsecs=0
stdout_logfile={dir}/cat.out
stderr_logfile=NONE
"#;

/// A running program that twiddler adds.
fn sleeper(extra: Value) -> Value {
    let mut options = json!({"command": "sleep 1000", "startsecs": "0"});
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    options
}

fn add(group: &str, name: &str, options: Value) -> (Value, Expect) {
    same(call(
        "twiddler.addProgramToGroup",
        json!([group, name, options]),
    ))
}

fn remove(group: Value, name: Value) -> (Value, Expect) {
    same(call(
        "twiddler.removeProcessFromGroup",
        json!([group, name]),
    ))
}

fn introspection() -> Vec<(Value, Expect)> {
    let mut steps = vec![
        same(call("twiddler.getAPIVersion", json!([]))),
        same(call("twiddler.getAPIVersion", json!([1]))),
        same(call("twiddler.getGroupNames", json!([]))),
        same(call("twiddler.nosuch", json!([]))),
        same(call("twiddler._update", json!(["x"]))),
        same(call("system.listMethods", json!([]))),
        same(call(
            "system.multicall",
            json!([[
                {"methodName": "twiddler.getAPIVersion", "params": []},
                {"methodName": "tw.getAPIVersion", "params": []},
            ]]),
        )),
    ];
    for m in [
        "addProgramToGroup",
        "getAPIVersion",
        "getGroupNames",
        "log",
        "removeProcessFromGroup",
    ] {
        for ns in ["twiddler", "tw"] {
            let name = format!("{ns}.{m}");
            steps.push(same(call("system.methodSignature", json!([name]))));
            steps.push(same(call("system.methodHelp", json!([name]))));
        }
    }
    steps
}

fn whitelist() -> Vec<(Value, Expect)> {
    vec![
        same(call("tw.getAPIVersion", json!([]))),
        same(call("tw.getAPIVersion", json!([1]))),
        same(call("tw.removeProcessFromGroup", json!(["nosuch", "x"]))),
        same(call("tw.getGroupNames", json!([]))),
        same(call("tw.log", json!(["allowed by the whitelist"]))),
    ]
}

fn adding() -> Vec<(Value, Expect)> {
    vec![
        add("nosuch", "p", sleeper(json!({}))),
        add("dyn", "p", json!({})),
        add("dyn", "p", sleeper(json!({"autostart": "maybe"}))),
        add("dyn", "p", sleeper(json!({"numprocs": "2"}))),
        add("dyn", "a:b", sleeper(json!({}))),
        add("dyn", "p", sleeper(json!({"startsecs": "%(bad"}))),
        same(call(
            "twiddler.addProgramToGroup",
            json!(["dyn", "p", "notadict"]),
        )),
        same(call("twiddler.addProgramToGroup", json!(["dyn", "p", 5]))),
        // Bad options are only read once the group is found.
        same(call(
            "twiddler.addProgramToGroup",
            json!(["nosuch", "p", "notadict"]),
        )),
        add("dyn", "p", sleeper(json!({}))),
        same(wait_state("dyn:p", "RUNNING")),
        add("dyn", "p", sleeper(json!({}))),
        add("dyn", "other", sleeper(json!({"process_name": "p"}))),
        add("cat", "cat", sleeper(json!({}))),
        // XML-RPC integers and booleans, and keys in any case.
        add(
            "dyn",
            "q",
            json!({"Command": "sleep 1000", "autostart": false, "startsecs": 0, "PRIORITY": 5}),
        ),
        add(
            "dyn",
            "n",
            sleeper(json!({"numprocs": 2, "process_name": "%(program_name)s_%(process_num)d"})),
        ),
        same(wait_state("dyn:n_0", "RUNNING")),
        same(wait_state("dyn:n_1", "RUNNING")),
        add(
            "dyn",
            "h",
            json!({"command": "echo %(here)s %(program_name)s %(group_name)s",
                   "autostart": "false"}),
        ),
        same(call("supervisor.getAllProcessInfo", json!([]))),
        same(call("supervisor.getProcessInfo", json!(["dyn:q"]))),
        (
            call("supervisor.getAllConfigInfo", json!([])),
            Expect::PlusKey("autorestart"),
        ),
        same(call("twiddler.getGroupNames", json!([]))),
    ]
}

fn removing() -> Vec<(Value, Expect)> {
    vec![
        remove(json!("nosuch"), json!("p")),
        remove(json!("dyn"), json!("nosuch")),
        remove(json!("dyn"), json!("p")),
        remove(json!("dyn"), json!(5)),
        remove(json!("cat"), json!("cat")),
        same(call("supervisor.stopProcess", json!(["dyn:p"]))),
        remove(json!("dyn"), json!("p")),
        remove(json!("dyn"), json!("p")),
        // Never started: removable at once.
        remove(json!("dyn"), json!("q")),
        same(call("supervisor.getAllProcessInfo", json!([]))),
    ]
}

fn logging() -> Vec<(Value, Expect)> {
    let log = |params: Value| same(call("twiddler.log", params));
    vec![
        log(json!(["twiddled at the default level"])),
        log(json!(["twiddled warn", "warn"])),
        log(json!(["twiddled 40", 40])),
        log(json!(["twiddled 20.0", 20.0])),
        log(json!(["twiddled debug", "DEBG"])),
        // True for both; Python's logger then drops a non-string line, we write it.
        log(json!([12345])),
        log(json!(["bad", "nosuch"])),
        log(json!(["bad", "ERROR"])),
        log(json!(["bad", 41])),
        log(json!(["bad", true])),
        log(json!(["bad", [20]])),
        log(json!([])),
        log(json!(["a", "INFO", 3])),
    ]
}

/// The file does not have what twiddler added: the group is changed, `update` would put it
/// back as the file says; a re-added group goes to the end of `getGroupNames`.
fn reread() -> Vec<(Value, Expect)> {
    vec![
        same(call("supervisor.reloadConfig", json!([]))),
        (
            call("supervisor.getAllConfigInfo", json!([])),
            Expect::PlusKey("autorestart"),
        ),
        (
            call("supervisor.stopProcessGroup", json!(["dyn"])),
            Expect::Unordered,
        ),
        same(call("supervisor.removeProcessGroup", json!(["dyn"]))),
        same(call("supervisor.addProcessGroup", json!(["dyn"]))),
        same(call("twiddler.getGroupNames", json!([]))),
        same(call("supervisor.getAllProcessInfo", json!([]))),
    ]
}

#[test]
fn twiddler_namespace_matches_python_with_supervisor_twiddler() {
    let (ours, python) = both(PROGRAMS);
    let mut steps = vec![same(wait_state("cat", "RUNNING"))];
    steps.extend(introspection());
    steps.extend(whitelist());
    steps.extend(adding());
    steps.extend(removing());
    steps.extend(logging());
    steps.extend(reread());
    compare(&ours, &python, steps, Daemon::drive);
    // Both name the namespaces at startup and wrote what `log` was given at or above `info`.
    for d in [&ours, &python] {
        for line in [
            "INFO RPC interface 'twiddler' initialized",
            "INFO RPC interface 'tw' initialized",
            "INFO allowed by the whitelist",
            "INFO twiddled at the default level",
            "WARN twiddled warn",
            "ERRO twiddled 40",
            "INFO twiddled 20.0",
        ] {
            d.wait_log(line);
        }
        assert!(!d.log().contains("twiddled debug"), "{:?}", d.kind);
    }
    ours.wait_log("INFO 12345");
}
