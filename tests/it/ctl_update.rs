//! Golden tests: our supervisorctl against Python's for the configuration commands (reread,
//! update, add, remove, avail) after the config file changes. Before each run, the daemon is
//! brought back to the original config (Python's `update`), then the new config is written.
//! Both tests run against Python's supervisord and against ours.

use crate::support::ctl::{
    self as ctl, both_daemons, run_prog, same_after_reset, DaemonKind, UPDATE_BEFORE,
};
use crate::support::{py_supervisorctl, SUPERVISORCTL};

both_daemons!(reread_update_add_remove, reread_with_a_broken_config);

const AFTER: &str = "\
[program:keep]
command=sleep 1000
startsecs=0

[program:changes]
command=sleep 999
startsecs=0

[program:idle]
command=sleep 1000
autostart=false

[program:added]
command=sleep 1000
startsecs=0
autostart=false

[program:added2]
command=sleep 1000
autostart=false
";

fn reread_update_add_remove(kind: DaemonKind) {
    let d = ctl::start(kind, UPDATE_BEFORE);
    d.wait_state("keep:keep", "RUNNING");
    d.wait_state("gone:gone", "RUNNING");
    d.wait_state("changes:changes", "RUNNING");
    let c = d.conf.display().to_string();
    let cwd = d.dir.path();
    let restore = || {
        d.rewrite(UPDATE_BEFORE);
        run_prog(py_supervisorctl(), &["-c", &c, "update"], "", cwd);
        d.rewrite(AFTER);
    };
    let restore_and_reread = || {
        restore();
        run_prog(py_supervisorctl(), &["-c", &c, "reread"], "", cwd);
    };
    let run = |line: &str, reset: &dyn Fn()| {
        let mut args = vec!["-c", c.as_str()];
        args.extend(line.split(' '));
        same_after_reset(&args, cwd, reset)
    };

    let r = run("reread", &restore);
    assert_eq!(
        r.stdout,
        "added: available\nadded2: available\nchanges: changed\ngone: disappeared\n"
    );
    run("avail", &restore_and_reread);
    let r = run("update", &restore);
    assert_eq!(r.code, 0);
    run("update added changes", &restore);
    assert_eq!(run("update nosuch", &restore).code, 1);
    run("add added", &restore_and_reread);
    assert_eq!(run("add keep", &restore_and_reread).code, 0);
    assert_eq!(run("add nosuch", &restore_and_reread).code, 1);
    assert_eq!(run("remove gone", &restore_and_reread).code, 1);
    // Nothing left to do: no output.
    let r = run("update", &|| {
        restore();
        run_prog(py_supervisorctl(), &["-c", &c, "update"], "", cwd);
    });
    assert_eq!((r.stdout.as_str(), r.code), ("", 0));
    let r = run("reread", &|| ());
    assert_eq!(r.stdout, "No config updates to processes\n");
    // A stopped group can be removed.
    let stop_idle = || {
        let _ = d.client().add_process_group("idle");
    };
    run("remove idle", &stop_idle);
}

fn reread_with_a_broken_config(kind: DaemonKind) {
    let d = ctl::start(kind, "[program:x]\ncommand=sleep 1000\nstartsecs=0\n");
    let c = d.conf.display().to_string();
    d.rewrite("[program:x]\ncommand=sleep 1000\nstartsecs=notanumber\n");
    let r = same_after_reset(&["-c", &c, "reread"], d.dir.path(), || ());
    assert_eq!(r.code, 1);
    assert!(r.stdout.starts_with("ERROR: CANT_REREAD: "), "{r:?}");
    let r = same_after_reset(&["-c", &c, "update"], d.dir.path(), || ());
    assert!(
        r.stdout
            .starts_with("error: <class 'xmlrpc.client.Fault'>, <Fault 92"),
        "{r:?}"
    );
}

/// `reload` with a broken config: our daemon refuses it and keeps its children (Python's dies of
/// it, Q4), and our ctl says why one problem per line, not as a raw fault, and exits 1.
#[test]
fn reload_with_a_broken_config_lists_the_problems() {
    let d = ctl::start(
        DaemonKind::Ours,
        "[program:x]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    let before = d.wait_state("x", "RUNNING");
    let c = d.conf.display().to_string();
    d.rewrite("[program:x]\ncommand=sleep 1000\nstartsecs=notanumber\nautostart=maybe\n");
    let r = run_prog(SUPERVISORCTL, &["-c", &c, "reload"], "y\n", d.dir.path());
    assert_eq!(r.code, 1, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ERROR: CANT_REREAD: not reloading: "),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains("\\n") && !r.stdout.contains("Fault"),
        "{r:?}"
    );
    let problems: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("supervisord.conf:") && l.contains("[program:x]"))
        .collect();
    assert_eq!(problems.len(), 2, "{r:?}");
    assert!(problems.iter().any(|l| l.contains("startsecs")), "{r:?}");
    assert!(problems.iter().any(|l| l.contains("autostart")), "{r:?}");
    assert_eq!(d.info("x").pid, before.pid);
}
