//! Golden tests: our supervisorctl against Python's for commands that leave the daemon as it
//! is (status, pid, avail, tail, help, version, argument errors), on one shared daemon.

mod ctl_support;

use std::path::Path;
use std::sync::OnceLock;

use ctl_support::{same, same_with_input, Daemon, PASSWORD, PYTHON, USER};

const PROGRAMS: &str = "\
[program:sleeper]
command=sleep 1000
startsecs=0

[program:a_program_with_a_very_long_name_xyz]
command=sleep 1000
autostart=false

[program:ünïcödé]
command=sleep 1000
startsecs=0

[group:grp]
programs=ga,gb

[program:ga]
command=sleep 1000
startsecs=0

[program:gb]
command=sleep 1000
startsecs=0

[program:np]
command=sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0

[program:exit0]
command=true
startsecs=0
autorestart=false

[program:quick]
command=false
startsecs=10
startretries=0

[program:echoer]
command=sh -c 'printf \"hello\\nworld\\n\"; echo err >&2; exec sleep 1000'
startsecs=0

[program:redirected]
command=sh -c 'echo both; echo fromerr >&2; exec sleep 1000'
redirect_stderr=true
startsecs=0
";

fn daemon() -> &'static Daemon {
    static D: OnceLock<Daemon> = OnceLock::new();
    D.get_or_init(|| {
        let d = Daemon::start(PROGRAMS);
        for (p, s) in [
            ("sleeper:sleeper", "RUNNING"),
            ("grp:ga", "RUNNING"),
            ("grp:gb", "RUNNING"),
            ("np:np_0", "RUNNING"),
            ("np:np_1", "RUNNING"),
            ("exit0:exit0", "EXITED"),
            ("quick:quick", "FATAL"),
            ("echoer:echoer", "RUNNING"),
            ("redirected:redirected", "RUNNING"),
            ("ünïcödé:ünïcödé", "RUNNING"),
        ] {
            d.wait_state(p, s);
        }
        // The log lines are written right after start; wait until they are there.
        ctl_support::wait_until(
            "echoer's output",
            std::time::Duration::from_secs(10),
            || {
                std::fs::read_dir(d.dir.path()).unwrap().any(|e| {
                    let e = e.unwrap();
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with("echoer-stderr")
                        && std::fs::metadata(e.path()).map(|m| m.len()).unwrap_or(0) > 0
                })
            },
        );
        d
    })
}

fn conf() -> String {
    daemon().conf.display().to_string()
}

fn cwd() -> &'static Path {
    daemon().dir.path()
}

/// Runs `line` (split on spaces) with `-c CONF` in both and compares.
#[track_caller]
fn check(line: &str) -> ctl_support::Run {
    let c = conf();
    let mut args = vec!["-c", c.as_str()];
    args.extend(line.split(' ').filter(|w| !w.is_empty()));
    same(&args, cwd())
}

/// Runs `lines` through the shell (stdin not a terminal) in both and compares: many commands for
/// the price of one Python start-up. Exit statuses are not visible this way (always 0).
#[track_caller]
fn check_batch(lines: &[&str]) -> ctl_support::Run {
    let c = conf();
    let mut input = lines.join("\n");
    input.push('\n');
    same_with_input(&["-c", c.as_str()], &input, cwd())
}

#[test]
fn status_all_and_by_name() {
    let r = check("status");
    assert_eq!(r.code, 3);
    assert!(r
        .stdout
        .contains("a_program_with_a_very_long_name_xyz   STOPPED"));
    assert!(r.stdout.contains("ünïcödé"));
    check("status all");
    assert_eq!(check("status sleeper").code, 0);
    check("status grp:*");
    check("status grp:");
    check("status grp:ga sleeper");
    check("status sleeper grp:ga");
    check("status np:*");
    check("status ünïcödé");
    assert_eq!(check("status exit0").code, 3);
}

#[test]
fn status_bad_names() {
    assert_eq!(check("status nosuch").code, 4);
    check("status nog:*");
    check("status grp:nosuch");
    check("status grp");
    check("status nosuch sleeper");
    assert_eq!(check("status nosuch exit0").code, 3);
}

#[test]
fn status_over_http_with_auth() {
    let url = daemon().http_url();
    same(
        &["-s", &url, "-u", USER, "-p", PASSWORD, "status", "sleeper"],
        cwd(),
    );
    same(
        &[
            "--serverurl",
            &url,
            "--username",
            USER,
            "--password",
            PASSWORD,
            "pid",
        ],
        cwd(),
    );
}

#[test]
fn wrong_password_prints_one_message() {
    let url = daemon().http_url();
    for args in [
        vec!["-s", url.as_str(), "-u", USER, "-p", "wrong", "status"],
        vec!["-s", url.as_str(), "status"],
        vec!["-s", url.as_str(), "-u", USER, "-p", "wrong", "stop", "all"],
    ] {
        let (py, ours) = ctl_support::both(&args, "", cwd());
        // Python runs the command a second time and adds a traceback line (quirk Q44).
        assert_eq!(
            py.stdout,
            "Server requires authentication\nerror: <class 'xmlrpc.client.ProtocolError'>, \
             <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: file: F line: N\n"
        );
        assert_eq!(ours.stdout, "Server requires authentication\n");
        assert_eq!((ours.code, ours.stderr), (py.code, py.stderr));
    }
}

#[test]
fn pid_version_avail() {
    check("pid");
    check("pid all");
    check("pid sleeper");
    check("pid grp:ga np:np_1");
    assert_eq!(check("pid nosuch").code, 1);
    assert_eq!(check("pid exit0").code, 7);
    check("pid nosuch exit0");
    check("version");
    check("avail");
}

#[test]
fn tail_and_maintail() {
    check_batch(&[
        "tail echoer",
        "tail echoer stderr",
        "tail echoer STDERR",
        "tail -3 echoer",
        "tail -3 echoer stdout",
        "tail echoer ignored stderr",
        "tail redirected",
        "tail redirected stderr",
        "tail nosuch",
        "tail grp:*",
        "tail",
        "tail -5",
        "tail a b c d",
        "tail echoer bogus",
        "tail -x echoer",
        "tail - echoer",
        "tail -f nosuch",
        "tail -f redirected stderr",
        "maintail x",
        "maintail -x",
        "maintail -f x",
        "maintail a b",
        "maintail -0",
    ]);
    assert_eq!(check("tail echoer").code, 0);
    assert_eq!(check("tail nosuch").code, 1);
    assert_eq!(check("tail echoer bogus").code, 1);
    assert_eq!(check("tail -f nosuch").code, 0);
    assert_eq!(check("maintail a b").code, 1);
}

#[test]
fn help_texts() {
    let mut lines = vec!["help".to_string(), "?status".to_string()];
    for topic in [
        "help", "add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload",
        "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail",
        "update", "version", "EOF", "nosuch",
    ] {
        lines.push(format!("help {topic}"));
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    check_batch(&lines);
    check("help");
    check("help status");
}

#[test]
fn argument_errors() {
    check_batch(&[
        "start",
        "stop",
        "restart",
        "signal",
        "signal HUP",
        "clear",
        "avail x",
        "reread x",
        "version x",
        "shutdown x",
        "reload x",
        "fg",
        "fg a b",
        "fg nosuch",
        "fg exit0",
        "fg grp:*",
        "open",
        "open foo",
        "open ftp://x",
        "add",
        "remove",
    ]);
    assert_eq!(check("start").code, 2);
    assert_eq!(check("stop").code, 1);
    assert_eq!(check("signal HUP").code, 1);
    assert_eq!(check("version x").code, 1);
    assert_eq!(check("fg exit0").code, 1);
    assert_eq!(check("open foo").code, 1);
    assert_eq!(check("add").code, 0);
}

#[test]
fn unknown_commands() {
    check_batch(&[
        "foo", "foo-bar", "!ls", "-x", "status2", "Status", "  ", "EOF", "version",
    ]);
    let c = conf();
    for line in ["foo-bar", "EOF", ""] {
        same(&["-c", &c, line], cwd());
    }
}

#[test]
fn open_switches_servers() {
    let c = conf();
    let url = daemon().unix_url();
    same(&["-c", &c, "open", &url], cwd());
    same(
        &["-c", &c, "open", "unix:///nonexistent/ctl-test.sock"],
        cwd(),
    );
}

#[test]
fn piped_shell_session() {
    let c = conf();
    let r = same_with_input(
        &["-c", &c],
        "version\n\nstatus grp:*\nfoo\nhelp quit\npid nosuch\n",
        cwd(),
    );
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("a_program_with_a_very_long_name_xyz"));
    assert!(r.stdout.ends_with("supervisor> \n"));
    same_with_input(&["-c", &c, "-i"], "version\nquit\nversion\n", cwd());
    same_with_input(&["-c", &c], "version", cwd());
    same_with_input(&["-c", &c], "exit\n", cwd());
    same_with_input(&["-c", &c, "-i", "version"], "", cwd());
}

#[test]
fn custom_prompt_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("ctl.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisorctl]\nserverurl={}\nprompt=%(ENV_CTL_TEST_PROMPT)s\n",
            daemon().unix_url()
        ),
    )
    .unwrap();
    std::env::set_var("CTL_TEST_PROMPT", "mine");
    let c = conf.display().to_string();
    let r = same_with_input(&["-c", &c], "version\n", cwd());
    assert!(r.stdout.contains("mine> "));
}

#[test]
fn command_line_errors() {
    let here = Path::new("/");
    for args in [
        vec!["--bogus"],
        vec!["-x"],
        vec!["-s"],
        vec!["-s", "foo"],
        vec!["-s", "http:"],
        vec!["--serv=foo"],
        vec!["--server", "foo"],
        vec!["-s", "http://a", "--serverurl", "http://b"],
        vec!["-i", "-i"],
        vec!["-h"],
        vec!["--help"],
        vec!["-?"],
        vec!["-h", "-s", "foo"],
        vec!["-c", "/nonexistent/supervisord.conf"],
        vec!["-c", "/"],
        vec!["--interactive=1"],
        vec![
            "--user",
            "x",
            "--pass",
            "y",
            "-s",
            "unix:///nonexistent/x.sock",
            "version",
        ],
    ] {
        same(&args, here);
    }
}

#[test]
fn config_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("x.conf");
    let c = conf.display().to_string();
    std::fs::write(&conf, "[supervisord]\n").unwrap();
    same(&["-c", &c, "status"], dir.path());
    std::fs::write(&conf, "[supervisorctl]\nserverurl=%(nosuch)s\n").unwrap();
    same(&["-c", &c, "status"], dir.path());
    std::fs::write(&conf, "[supervisorctl]\nserverurl=unix://relative.sock\n").unwrap();
    same(&["-c", &c, "status"], dir.path());
    std::fs::write(&conf, "[supervisorctl]\nserverurl=ftp://x\n").unwrap();
    same(&["-c", &c, "status"], dir.path());
    same(&["-c", &c, "reread"], dir.path());
    // Python's usage hint names the program as invoked.
    let r = ctl_support::run_prog(PYTHON, &["--bogus"], "", dir.path());
    assert_eq!(
        r.stderr,
        "Error: option --bogus not recognized\nFor help, use PROG -h\n"
    );
}
