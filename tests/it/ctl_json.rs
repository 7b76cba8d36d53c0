//! Our supervisorctl's machine-readable and resource commands (ours; Python's supervisorctl has
//! neither): `status --json` against both daemons (ours lists the JSON API's processes with what
//! each tree uses; Python's gets `getAllProcessInfo`'s structs), and `top` on a pipe.

use serde_json::Value;

use crate::support::ctl::{self as ctl, both_daemons, run_prog, DaemonKind};
use crate::support::SUPERVISORCTL;

both_daemons!(status_json_lists_processes_with_status_exit_codes);

const PROGRAMS: &str = "\
[program:busy]
command = /bin/sh -c 'sleep 1000 & while :; do :; done'
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false
";

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn status_json_lists_processes_with_status_exit_codes(kind: DaemonKind) {
    let d = ctl::start(kind, PROGRAMS);
    d.wait_state("busy", "RUNNING");
    let c = d.conf.display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["-c", c.as_str()];
        all.extend_from_slice(args);
        run_prog(SUPERVISORCTL, &all, "", d.dir.path())
    };
    let r = run(&["status", "--json"]);
    // Like `status`: 3 because idle is STOPPED.
    assert_eq!(r.code, 3, "{r:?}");
    let doc = json(&r.stdout);
    let list = doc["processes"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{doc}");
    let busy = &list[0];
    assert_eq!(busy["namespec"], "busy");
    assert_eq!(busy["group"], "busy");
    assert_eq!(busy["statename"], "RUNNING");
    assert_eq!(busy["state"], 20);
    assert!(busy["pid"].as_i64().unwrap() > 0);
    for key in [
        "description",
        "start",
        "stop",
        "now",
        "spawnerr",
        "exitstatus",
        "logfile",
    ] {
        assert!(busy.get(key).is_some(), "{key} missing: {busy}");
    }
    assert_eq!(list[1]["statename"], "STOPPED");
    assert_eq!(list[1]["resources"], Value::Null);
    match kind {
        // The tree: the shell and its `sleep`, one of them burning CPU.
        DaemonKind::Ours => {
            let usage = &busy["resources"];
            assert_eq!(usage["processes"], 2, "{busy}");
            assert!(usage["rss_bytes"].as_u64().unwrap() > 0, "{busy}");
        }
        DaemonKind::Python => assert_eq!(busy["resources"], Value::Null),
    }

    // Selection and errors as `status` does them; stdout stays one JSON document.
    let r = run(&["status", "-j", "busy"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(json(&r.stdout)["processes"].as_array().unwrap().len(), 1);
    let r = run(&["status", "--json", "nosuch", "busy"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(r.stderr, "nosuch: ERROR (no such process)\n");
    assert_eq!(json(&r.stdout)["processes"][0]["name"], "busy");
}

/// `top` on a pipe prints one table with a CPU percentage from two readings; against Python's
/// supervisord it says why it cannot.
#[test]
fn top_prints_one_table_when_not_on_a_terminal() {
    let d = ctl::start(DaemonKind::Ours, PROGRAMS);
    d.wait_state("busy", "RUNNING");
    let c = d.conf.display().to_string();
    let r = run_prog(SUPERVISORCTL, &["-c", &c, "top"], "", d.dir.path());
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME "), "{r:?}");
    let busy: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(busy[..2], ["busy", "RUNNING"], "{r:?}");
    let cpu: f64 = busy[3].parse().unwrap_or_else(|_| panic!("{r:?}"));
    // A shell spinning on one CPU; a loaded machine gives it less, never nothing.
    assert!(cpu > 5.0 && cpu < 150.0, "{r:?}");
    assert_eq!(busy[5], "2", "{r:?}");
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["idle", "STOPPED"]
    );

    let py = ctl::start(DaemonKind::Python, PROGRAMS);
    let c = py.conf.display().to_string();
    let r = run_prog(SUPERVISORCTL, &["-c", &c, "top"], "", py.dir.path());
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .starts_with("ERROR: top needs supervisor-rs's JSON API"),
        "{r:?}"
    );
}
