//! End-to-end tests of supervisord's startup (spec §3.2): refusing to start next to a running
//! daemon without touching its files (fix Q15), daemonizing, the pid file, command-line
//! overrides, rlimits, and what a child inherits (environment, directory, umask).

use crate::support::process::{alive, kill, stat_field};
use crate::support::{wait_for, wait_until, Daemon, SUPERVISORD, TIMEOUT};

#[test]
fn a_second_daemon_on_the_same_socket_fails_before_touching_anything() {
    let first = Daemon::start("[program:web]\ncommand=sleep 1000\nstartsecs=0\n");
    let info = first.wait_state("web", "RUNNING");
    let log_before = first.log();
    let auto_logs = || {
        let mut names: Vec<_> = std::fs::read_dir(first.path().join("logs"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let auto_before = auto_logs();
    let status = std::process::Command::new(SUPERVISORD)
        .args(["-n", "-c"])
        .arg(&first.conf)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(
        stderr.contains(
            "Error: Another program is already listening on a port that one of our HTTP \
             servers is configured to use.  Shut this program down first before starting \
             supervisord."
        ),
        "{stderr}"
    );
    // Then which address (Supervisor does not say).
    assert!(
        stderr.contains(&format!("({} is in use)", first.sock.display())),
        "{stderr}"
    );
    // The first daemon's log, AUTO logs and socket are untouched, and it still answers.
    assert_eq!(first.log(), log_before);
    assert_eq!(auto_logs(), auto_before);
    assert!(std::fs::metadata(&info.stdout_logfile).is_ok());
    assert_eq!(first.info("web").pid, info.pid);
}

#[test]
fn without_nodaemon_it_forks_into_a_new_session() {
    let dir = crate::support::tempdir("sd-e2e");
    let workdir = dir.path().join("work");
    std::fs::create_dir(&workdir).unwrap();
    let mut d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .supervisord(&format!("directory={}\numask=027", workdir.display()))
        .daemonize()
        .in_dir(dir)
        .start();
    // The process we started exits 0 once the daemon is on its own.
    assert_eq!(d.wait_exit().code(), Some(0));
    let pidfile = d.path().join("supervisord.pid");
    let pid: i32 = wait_for(TIMEOUT, "the pid file", || {
        std::fs::read_to_string(&pidfile)
            .ok()
            .filter(|s| s.ends_with('\n'))?
            .trim()
            .parse()
            .ok()
    });
    assert_ne!(pid, d.pid());
    let reported = d.call("supervisor.getPID", &[]).as_i64().map(|p| p as i32);
    assert_eq!(reported, Some(pid));
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // setsid(): the daemon leads its own session and process group.
    assert_eq!(stat_field(&stat, 6), Some(pid.to_string()), "{stat}");
    assert_eq!(stat_field(&stat, 5), Some(pid.to_string()), "{stat}");
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/fd/0")).unwrap(),
        std::path::Path::new("/dev/null")
    );
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap(),
        workdir
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(status.contains("Umask:\t0027"), "{status}");
    let log = d.log();
    assert!(log.contains("INFO daemonizing the supervisord process"));
    assert!(log.contains(&format!(
        "INFO set current directory: '{}'",
        workdir.display()
    )));
    assert!(log.contains(&format!("INFO supervisord started with pid {pid}")));
    d.wait_state("web", "RUNNING");
    kill(pid, libc::SIGTERM);
    wait_until(TIMEOUT, "the daemon to exit", || !alive(pid));
    assert!(!pidfile.exists());
}

#[test]
fn command_line_overrides_the_log_settings() {
    let dir = crate::support::tempdir("sd-e2e");
    let other = dir.path().join("other.log");
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .args(&["-e", "warn", "-l", other.to_str().unwrap()])
        .in_dir(dir)
        .start();
    d.wait_state("web", "RUNNING");
    d.stop("web").unwrap();
    let log = wait_for(TIMEOUT, "the stop in the log", || {
        let log = std::fs::read_to_string(&other).ok()?;
        log.contains("stopped: web").then_some(log)
    });
    assert!(!d.path().join("supervisord.log").exists());
    // At `warn`, INFO lines (spawned, success) are left out; WARN and CRIT are kept.
    assert!(!log.contains(" INFO "), "{log}");
    assert!(
        log.contains("WARN stopped: web (terminated by SIGTERM)"),
        "{log}"
    );
}

#[test]
fn minfds_raises_the_file_limit() {
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .supervisord("minfds=4096")
        .wrapper(&["prlimit", "--nofile=1024:8192"])
        .start();
    d.wait_log("INFO Increased RLIMIT_NOFILE limit to 4096");
    let info = d.wait_state("web", "RUNNING");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", info.pid)).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert!(line.contains("4096"), "{line}");
}

#[test]
fn a_child_gets_supervisors_environment_directory_and_umask() {
    let dir = crate::support::tempdir("sd-e2e");
    let workdir = dir.path().join("work");
    std::fs::create_dir(&workdir).unwrap();
    let d = Daemon::builder(&format!(
        "[group:grp]\nprograms=envdump\n\n\
         [program:envdump]\ncommand=sh -c 'env; pwd; umask; exec sleep 1000'\nstartsecs=0\n\
         directory={}\numask=077\nenvironment=FROM_PROGRAM=\"p 1\",SHARED=program\n",
        workdir.display()
    ))
    .supervisord("environment=FROM_SUPERVISORD=s,SHARED=supervisord")
    .in_dir(dir)
    .start();
    let info = d.wait_state("grp:envdump", "RUNNING");
    let out = wait_for(TIMEOUT, "the dump", || {
        let s = std::fs::read_to_string(&info.stdout_logfile).ok()?;
        (s.lines().count() > 5 && s.trim_end().ends_with("0077")).then_some(s)
    });
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "SUPERVISOR_ENABLED=1".to_string(),
        "SUPERVISOR_PROCESS_NAME=envdump".to_string(),
        "SUPERVISOR_GROUP_NAME=grp".to_string(),
        format!("SUPERVISOR_SERVER_URL=unix://{}", d.sock.display()),
        "FROM_PROGRAM=p 1".to_string(),
        "FROM_SUPERVISORD=s".to_string(),
        // The program's environment wins over [supervisord]'s.
        "SHARED=program".to_string(),
        workdir.display().to_string(),
        "0077".to_string(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want} not in\n{out}");
    }
}

#[test]
fn a_child_gets_the_credentials_of_the_server_it_is_told_about_and_no_other() {
    // The unix socket needs no password, the inet server does (issue 21: every child used to
    // get the inet server's credentials along with the unix socket's URL).
    let d = Daemon::builder("")
        .inet("alice", "s3cret", "")
        .config(|c| {
            let port = c.inet.as_ref().expect("inet").port;
            c.programs = format!(
                "[program:plain]\ncommand=sh -c 'env; echo END; exec sleep 1000'\nstartsecs=0\n\n\
                 [program:viahttp]\ncommand=sh -c 'env; echo END; exec sleep 1000'\n\
                 startsecs=0\nserverurl=http://127.0.0.1:{port}\n"
            );
        })
        .start();
    let dump = |name: &str| {
        let info = d.wait_state(name, "RUNNING");
        wait_for(TIMEOUT, "the environment dump", || {
            let s = std::fs::read_to_string(&info.stdout_logfile).ok()?;
            s.contains("END\n").then_some(s)
        })
    };
    let plain = dump("plain");
    assert!(
        plain.contains(&format!(
            "SUPERVISOR_SERVER_URL=unix://{}\n",
            d.sock.display()
        )),
        "{plain}"
    );
    assert!(!plain.contains("SUPERVISOR_USERNAME"), "{plain}");
    assert!(!plain.contains("SUPERVISOR_PASSWORD"), "{plain}");
    let viahttp = dump("viahttp");
    assert!(viahttp.contains("SUPERVISOR_USERNAME=alice\n"), "{viahttp}");
    assert!(
        viahttp.contains("SUPERVISOR_PASSWORD=s3cret\n"),
        "{viahttp}"
    );
}

#[test]
fn unknown_options_are_warned_about_in_the_log_and_in_the_foreground() {
    // Python ignores `autostrat=false` silently; we load the config the same way but say so
    // where people look at startup: the log, and the terminal of a foreground daemon.
    let d = Daemon::start("[program:typo]\ncommand=sleep 1000\nautostrat=false\n");
    d.wait_state("typo", "RUNNING");
    let want = "autostrat: unknown option autostrat is ignored (did you mean autostart?)";
    let log = d.wait_log(want);
    let line = log.lines().find(|l| l.contains(want)).unwrap();
    assert!(line.contains(" WARN "), "{line}");
    assert!(
        line.contains("supervisord.conf:"),
        "the warning names the file and line: {line}"
    );
    let terminal = String::from_utf8_lossy(&d.stdout()).into_owned() + &d.stderr();
    assert!(terminal.contains(want), "{terminal}");
}

#[test]
fn minfds_above_the_hard_limit_is_refused_with_supervisors_message() {
    let mut d = Daemon::builder("[program:web]\ncommand=sleep 1000\n")
        .supervisord("minfds=4096")
        .wrapper(&["prlimit", "--nofile=1024:2048"])
        .no_wait()
        .start();
    // Raising a hard limit needs CAP_SYS_RESOURCE; without it this is a usage error. With it
    // (a privileged container), the limit is simply raised.
    let status = wait_for(TIMEOUT, "the daemon to exit or answer", || {
        if let Some(st) = d.try_exit() {
            return Some(Some(st));
        }
        d.try_call("supervisor.getPID", &[]).ok().map(|_| None)
    });
    match status {
        Some(st) => {
            assert_eq!(st.code(), Some(2));
            assert!(d.stderr().contains(
                "Error: The minimum number of file descriptors required to run this process is \
                 4096 as per the \"minfds\" command-line argument or config file setting."
            ));
        }
        None => {
            d.wait_log("INFO Increased RLIMIT_NOFILE limit to 4096");
        }
    }
}

#[test]
fn a_stale_socket_file_is_replaced() {
    let dir = crate::support::tempdir("sd-e2e");
    let sock = dir.path().join("s.sock");
    // What a daemon killed with SIGKILL leaves behind: a socket file nobody listens on.
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    assert!(sock.exists());
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .in_dir(dir)
        .start();
    d.wait_state("web", "RUNNING");
    assert!(
        d.stderr()
            .contains(&format!("Unlinking stale socket {}", sock.display())),
        "{}",
        d.stderr()
    );
}

/// As Supervisor's first loop pass: every autostart program is spawned (STARTING) before the
/// first `startsecs=0` one is declared RUNNING, in start order.
#[test]
fn every_autostart_program_is_spawned_before_the_first_is_running() {
    let d = Daemon::start(
        "[program:a]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:b]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:c]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    d.wait_log_count("success:", 3);
    let order: Vec<String> = d
        .log_messages()
        .into_iter()
        .filter(|m| m.contains("spawned:") || m.contains("success:"))
        .map(|m| {
            let word = if m.contains("spawned:") {
                "spawned"
            } else {
                "success"
            };
            let name = ["a", "b", "c"]
                .into_iter()
                .find(|n| m.contains(&format!("'{n}'")) || m.contains(&format!(": {n} ")))
                .unwrap_or("?");
            format!("{word} {name}")
        })
        .collect();
    assert_eq!(
        order,
        [
            "spawned a",
            "spawned b",
            "spawned c",
            "success a",
            "success b",
            "success c"
        ],
        "{:?}",
        d.log_messages()
    );
}
