//! The XML-RPC API compared with Python's Supervisor 4.3.0: every `supervisor.*` and
//! `system.*` method is called through Python's `xmlrpc.client` (with Supervisor's own
//! transport, as supervisorctl uses it) against our daemon and Python's on the same config,
//! over the UNIX socket and over TCP with Basic auth. Return shapes, values, struct keys and
//! their order, fault codes and fault strings must be equal after normalising pids, times and
//! paths; where we deliberately differ (spec §9.3 fixes) the step says what we answer.

use serde_json::{json, Value};

use crate::support::rpc::{both, call, compare, same, wait_state, Expect, PASSWORD, USER};

const PROGRAMS: &str = r#"
[program:cat]
command=cat
startsecs=0
stdout_logfile={dir}/cat.out
stderr_logfile={dir}/cat.err

[program:printer]
command=sh -c 'printf "hello\n"; printf "oops\n" >&2; exec sleep 1000'
startsecs=0
stdout_logfile={dir}/printer.out
stderr_logfile={dir}/printer.err

[program:fail]
command=sh -c 'exit 3'
autostart=false
startsecs=10
startretries=0

[program:nofile]
command=/nonexistent/cmd
autostart=false

[program:notexec]
command={dir}
autostart=false

[program:slow]
command=sleep 1000
autostart=false
startsecs=1

[group:grp]
programs=a,b
priority=50

[program:a]
command=sleep 1000
startsecs=0
priority=20

[program:b]
command=sleep 1000
startsecs=0
priority=10

[program:multi]
command=sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0
"#;

fn ready() -> Vec<(Value, Expect)> {
    [
        "cat",
        "printer",
        "grp:a",
        "grp:b",
        "multi:multi_0",
        "multi:multi_1",
    ]
    .into_iter()
    .map(|n| same(wait_state(n, "RUNNING")))
    .collect()
}

fn introspection() -> Vec<(Value, Expect)> {
    let mut steps = vec![
        same(call("supervisor.getAPIVersion", json!([]))),
        same(call("supervisor.getVersion", json!([]))),
        same(call("supervisor.getSupervisorVersion", json!([]))),
        same(call("supervisor.getIdentification", json!([]))),
        same(call("supervisor.getState", json!([]))),
        same(call("system.listMethods", json!([]))),
        same(call("system.methodSignature", json!(["nosuch"]))),
        same(call("system.methodHelp", json!(["nosuch"]))),
        same(call("system.methodSignature", json!([5]))),
    ];
    // Every method's signature and help text (Supervisor's docstring, exactly).
    for m in supervisord::rpc::method_names() {
        steps.push(same(call("system.methodSignature", json!([m]))));
        steps.push(same(call("system.methodHelp", json!([m]))));
    }
    steps
}

fn unknown_and_arity() -> Vec<(Value, Expect)> {
    let incorrect = json!({"fault": [2, "INCORRECT_PARAMETERS"]});
    vec![
        same(call("supervisor.nosuch", json!([]))),
        same(call("nosuch.getState", json!([]))),
        same(call("supervisor._update", json!(["x"]))),
        same(call("supervisor.getState.x", json!([]))),
        same(call("getState", json!([]))),
        same(call("system.nosuch", json!([]))),
        // Without [rpcinterface:twiddler] there is no twiddler namespace (rpc_twiddler has it).
        same(call("twiddler.getAPIVersion", json!([]))),
        same(call("supervisor.getState", json!([1]))),
        same(call("supervisor.getProcessInfo", json!([]))),
        same(call("supervisor.startProcess", json!(["a", true, 3]))),
        same(call("supervisor.readLog", json!([0]))),
        same(call("system.listMethods", json!([1]))),
        same(call("system.multicall", json!([]))),
        // Python converts with int(): numeric strings are fine.
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", "0", "3"]),
        )),
        // Fix Q31: Python answers HTTP 500 to these.
        (
            call("supervisor.readLog", json!(["a", 0])),
            Expect::Ours(incorrect.clone()),
        ),
        (
            call("supervisor.getProcessInfo", json!([5])),
            Expect::Ours(incorrect.clone()),
        ),
        (
            call("system.multicall", json!(["x"])),
            Expect::Ours(incorrect.clone()),
        ),
        (
            call("supervisor.startProcess", json!([["a"]])),
            Expect::Ours(incorrect),
        ),
    ]
}

fn process_info() -> Vec<(Value, Expect)> {
    let mut steps = vec![same(call("supervisor.getAllProcessInfo", json!([])))];
    for n in [
        "cat",
        "grp:a",
        "grp:*",
        "grp:",
        "grp",
        "multi:multi_0",
        "multi",
        "nosuch",
        "grp:nosuch",
        "nofile",
        ":",
    ] {
        steps.push(same(call("supervisor.getProcessInfo", json!([n]))));
    }
    steps
}

fn lifecycle() -> Vec<(Value, Expect)> {
    vec![
        same(call("supervisor.startProcess", json!(["cat"]))),
        same(call("supervisor.startProcess", json!(["nofile"]))),
        same(call("supervisor.startProcess", json!(["notexec"]))),
        same(call("supervisor.startProcess", json!(["fail"]))),
        same(call("supervisor.getProcessInfo", json!(["fail"]))),
        same(call("supervisor.startProcess", json!(["nosuch"]))),
        same(call("supervisor.startProcess", json!(["nosuch:*"]))),
        same(call("supervisor.stopProcess", json!(["cat"]))),
        same(call("supervisor.stopProcess", json!(["cat"]))),
        same(call("supervisor.getProcessInfo", json!(["cat"]))),
        same(call("supervisor.startProcess", json!(["cat", false]))),
        same(call("supervisor.stopProcess", json!(["cat", 0]))),
        same(wait_state("cat", "STOPPED")),
        same(call("supervisor.startProcess", json!(["cat", "yes"]))),
        same(call("supervisor.startProcess", json!(["slow"]))),
        same(call("supervisor.getProcessInfo", json!(["slow"]))),
        // Processes that need waiting for are reported as they stop (timing).
        (
            call("supervisor.stopProcessGroup", json!(["grp"])),
            Expect::Unordered,
        ),
        same(call("supervisor.stopProcessGroup", json!(["grp"]))),
        same(call("supervisor.startProcessGroup", json!(["grp"]))),
        same(call("supervisor.startProcessGroup", json!(["grp"]))),
        (
            call("supervisor.stopProcess", json!(["grp:*"])),
            Expect::Unordered,
        ),
        same(call("supervisor.startProcess", json!(["grp:"]))),
        same(call("supervisor.startProcessGroup", json!(["grp", false]))),
        same(call("supervisor.startProcessGroup", json!(["nosuch"]))),
        same(call("supervisor.stopProcessGroup", json!(["nosuch"]))),
        same(call("supervisor.stopProcess", json!(["nosuch:*"]))),
    ]
}

fn signals() -> Vec<(Value, Expect)> {
    vec![
        same(call("supervisor.signalProcess", json!(["cat", "CONT"]))),
        same(call("supervisor.signalProcess", json!(["cat", "SIGCONT"]))),
        same(call("supervisor.signalProcess", json!(["cat", 18]))),
        same(call("supervisor.signalProcess", json!(["cat", "18"]))),
        same(call("supervisor.signalProcess", json!(["cat", 0]))),
        same(call("supervisor.signalProcess", json!(["cat", "BOGUS"]))),
        same(call("supervisor.signalProcess", json!(["nofile", "HUP"]))),
        same(call("supervisor.signalProcess", json!(["nosuch", "HUP"]))),
        same(call("supervisor.signalProcess", json!(["nosuch", "BOGUS"]))),
        same(call(
            "supervisor.signalProcessGroup",
            json!(["grp", "CONT"]),
        )),
        same(call(
            "supervisor.signalProcessGroup",
            json!(["grp", "BOGUS"]),
        )),
        same(call(
            "supervisor.signalProcessGroup",
            json!(["nosuch", "CONT"]),
        )),
        same(call("supervisor.signalProcess", json!(["multi:*", "CONT"]))),
        same(call("supervisor.signalAllProcesses", json!(["CONT"]))),
    ]
}

fn logs() -> Vec<(Value, Expect)> {
    vec![
        same(
            json!({"until": "supervisor.tailProcessStdoutLog", "params": ["printer", 0, 100],
                    "equals": ["hello\n", 6, false]}),
        ),
        same(
            json!({"until": "supervisor.tailProcessStderrLog", "params": ["printer", 0, 100],
                    "equals": ["oops\n", 5, false]}),
        ),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", 0, 0]),
        )),
        same(call("supervisor.readProcessLog", json!(["printer", 0, 3]))),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", 2, 2]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", -3, 0]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", 100, 0]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", -100, 0]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", -3, 2]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", 0, -2]),
        )),
        same(call(
            "supervisor.readProcessStderrLog",
            json!(["printer", 0, 0]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["nosuch", 0, 0]),
        )),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["grp:*", 0, 0]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", 0, 3]),
        )),
        same(call(
            "supervisor.tailProcessLog",
            json!(["printer", 6, 100]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", 2, 2]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", 50, 10]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", 4, 1]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", -2, 3]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["printer", 0, 0]),
        )),
        same(call(
            "supervisor.tailProcessStderrLog",
            json!(["printer", 2, 2]),
        )),
        same(call(
            "supervisor.tailProcessStdoutLog",
            json!(["nosuch", 0, 10]),
        )),
        same(call("supervisor.readLog", json!([-3, 2]))),
        same(call("supervisor.readLog", json!([0, -2]))),
        same(call("supervisor.readMainLog", json!([100_000_000, 0]))),
        same(call("supervisor.clearProcessLogs", json!(["printer"]))),
        same(call(
            "supervisor.readProcessStdoutLog",
            json!(["printer", 0, 0]),
        )),
        same(call("supervisor.clearProcessLog", json!(["nosuch"]))),
        same(call("supervisor.clearProcessLogs", json!(["grp:*"]))),
        same(call("supervisor.clearAllProcessLogs", json!([]))),
        same(call("supervisor.clearLog", json!([]))),
    ]
}

fn stdin_and_events() -> Vec<(Value, Expect)> {
    vec![
        same(call(
            "supervisor.sendProcessStdin",
            json!(["cat", "hi there\n"]),
        )),
        same(
            json!({"until": "supervisor.readProcessStdoutLog", "params": ["cat", 0, 0],
                    "equals": "hi there\n"}),
        ),
        same(call("supervisor.sendProcessStdin", json!(["cat", "é\n"]))),
        same(call("supervisor.sendProcessStdin", json!(["cat", 5]))),
        same(call("supervisor.sendProcessStdin", json!(["nofile", "x"]))),
        same(call("supervisor.sendProcessStdin", json!(["nosuch", "x"]))),
        same(call("supervisor.sendProcessStdin", json!(["nosuch", 5]))),
        same(call(
            "supervisor.sendRemoteCommEvent",
            json!(["type", "data"]),
        )),
    ]
}

fn multicall() -> Vec<(Value, Expect)> {
    vec![
        same(call(
            "system.multicall",
            json!([[
                {"methodName": "supervisor.getAPIVersion"},
                {"methodName": "supervisor.nosuch"},
                {"methodName": "supervisor.getProcessInfo", "params": ["nosuch"]},
                {"methodName": "system.multicall", "params": [[]]},
                {},
                {"methodName": "supervisor.stopProcess", "params": ["slow"]},
                {"methodName": "supervisor.startProcess", "params": ["slow"]},
                {"methodName": "supervisor.getProcessInfo", "params": ["slow"]},
                {"methodName": "supervisor.getState", "params": [1]},
                {"methodName": "supervisor.getState"},
            ]]),
        )),
        same(call("system.multicall", json!([[]]))),
    ]
}

fn bulk() -> Vec<(Value, Expect)> {
    vec![
        // Fix Q8: stop in reverse priority order; Python's order depends on timing anyway.
        (
            call("supervisor.stopAllProcesses", json!([])),
            Expect::Unordered,
        ),
        same(call("supervisor.getAllProcessInfo", json!([]))),
        (
            call("supervisor.startAllProcesses", json!([])),
            Expect::SpawnRace("fail"),
        ),
        same(call("supervisor.getAllProcessInfo", json!([]))),
        (
            call("supervisor.stopAllProcesses", json!([false])),
            Expect::Unordered,
        ),
        same(wait_state("slow", "STOPPED")),
        (
            call("supervisor.startAllProcesses", json!([false])),
            Expect::SpawnRace("fail"),
        ),
    ]
}

#[test]
fn every_method_matches_python_over_the_unix_socket() {
    let (ours, python) = both(PROGRAMS);
    let mut steps = ready();
    steps.extend(introspection());
    steps.extend(unknown_and_arity());
    steps.extend(process_info());
    steps.extend(signals());
    steps.extend(logs());
    steps.extend(stdin_and_events());
    steps.extend(lifecycle());
    steps.extend(multicall());
    steps.push((
        call("supervisor.getAllConfigInfo", json!([])),
        Expect::PlusKey("autorestart"),
    ));
    steps.extend(bulk());
    compare(&ours, &python, steps, |d, s| d.drive(s));
}

#[test]
fn tcp_with_basic_auth_matches_python() {
    let (ours, python) = both(PROGRAMS);
    let steps = vec![
        same(wait_state("cat", "RUNNING")),
        same(call("supervisor.getState", json!([]))),
        same(call("supervisor.getProcessInfo", json!(["cat"]))),
        same(call("supervisor.stopProcess", json!(["cat"]))),
        same(call("supervisor.startProcess", json!(["cat"]))),
        same(call("supervisor.nosuch", json!([]))),
    ];
    compare(&ours, &python, steps, |d, s| {
        d.drive_tcp(Some((USER, PASSWORD)), s)
    });
    // Wrong or missing credentials: HTTP 401 (Python's client raises ProtocolError).
    let denied = || vec![same(call("supervisor.getState", json!([])))];
    compare(&ours, &python, denied(), |d, s| {
        d.drive_tcp(Some((USER, "wrong")), s)
    });
    compare(&ours, &python, denied(), |d, s| d.drive_tcp(None, s));
    let got = ours.drive_tcp(None, &[call("supervisor.getState", json!([]))]);
    assert_eq!(got, vec![json!({"http": 401})]);
}

const RELOAD_BEFORE: &str = r#"
[program:keep]
command=sleep 1000
startsecs=0

[program:change]
command=sleep 1000
startsecs=0

[program:gone]
command=sleep 1000
startsecs=0
"#;

const RELOAD_AFTER: &str = r#"
[program:keep]
command=sleep 1000
startsecs=0

[program:change]
command=sleep 999
startsecs=0

[program:new]
command=sleep 1000
startsecs=0
autostart=false
"#;

#[test]
fn reread_add_and_remove_match_python() {
    let (ours, python) = both(RELOAD_BEFORE);
    let steps = |after: bool| {
        let mut s = vec![
            same(wait_state("keep", "RUNNING")),
            same(wait_state("gone", "RUNNING")),
            same(call("supervisor.reloadConfig", json!([]))),
        ];
        if after {
            s.push((
                call("supervisor.getAllConfigInfo", json!([])),
                Expect::PlusKey("autorestart"),
            ));
        }
        s
    };
    let mut before = steps(false);
    // Without a reread, a removed group can be added back from the running config.
    before.extend([
        (
            call("supervisor.stopProcessGroup", json!(["gone"])),
            Expect::Unordered,
        ),
        same(call("supervisor.removeProcessGroup", json!(["gone"]))),
        same(call("supervisor.getProcessInfo", json!(["gone"]))),
        same(call("supervisor.addProcessGroup", json!(["gone"]))),
        same(wait_state("gone", "RUNNING")),
    ]);
    compare(&ours, &python, before, |d, s| d.drive(s));
    ours.rewrite(RELOAD_AFTER);
    python.rewrite(RELOAD_AFTER);
    let mut after = steps(true);
    after.extend([
        same(call("supervisor.addProcessGroup", json!(["new"]))),
        same(call("supervisor.addProcessGroup", json!(["new"]))),
        same(call("supervisor.addProcessGroup", json!(["nosuch"]))),
        same(call("supervisor.removeProcessGroup", json!(["gone"]))),
        same(call("supervisor.stopProcessGroup", json!(["gone"]))),
        same(call("supervisor.removeProcessGroup", json!(["gone"]))),
        same(call("supervisor.removeProcessGroup", json!(["gone"]))),
        same(call("supervisor.getAllProcessInfo", json!([]))),
        same(call("supervisor.reloadConfig", json!([]))),
        (
            call("supervisor.getAllConfigInfo", json!([])),
            Expect::PlusKey("autorestart"),
        ),
    ]);
    compare(&ours, &python, after, |d, s| d.drive(s));
    // A config that no longer parses: CANT_REREAD with the parser's message on both.
    std::fs::write(&ours.conf, "[supervisord\n").unwrap();
    std::fs::write(&python.conf, "[supervisord\n").unwrap();
    let got = ours.drive(&[call("supervisor.reloadConfig", json!([]))]);
    let want = python.drive(&[call("supervisor.reloadConfig", json!([]))]);
    assert_eq!(got[0]["fault"][0], json!(92), "{got:?}");
    assert_eq!(want[0]["fault"][0], json!(92), "{want:?}");
}

const STUBBORN: &str = r#"
[program:stubborn]
command=sh -c "trap '' TERM; while :; do sleep 0.1; done"
startsecs=0
stopwaitsecs=3
"#;

#[test]
fn shutdown_state_matches_python() {
    let (mut ours, mut python) = both(STUBBORN);
    let steps = vec![
        same(wait_state("stubborn", "RUNNING")),
        same(call("supervisor.shutdown", json!([]))),
        same(call("supervisor.getState", json!([]))),
        same(call("supervisor.getAPIVersion", json!([]))),
        same(call("supervisor.startProcess", json!(["stubborn"]))),
        same(call("supervisor.getState", json!([1]))),
        same(call("supervisor.nosuch", json!([]))),
        same(call("system.listMethods", json!([]))),
        same(call("supervisor.sendRemoteCommEvent", json!(["t", "d"]))),
    ];
    compare(&ours, &python, steps, |d, s| d.drive(s));
    ours.wait_exit();
    python.wait_exit();
}
