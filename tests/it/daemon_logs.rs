//! End-to-end tests of child logs through the daemon: AUTO names and cleanup, rotation naming,
//! `/dev/stdout` passthrough, bytes that are not text, floods, and log targets that fail.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::support::daemon::CallError;
use crate::support::{python, wait_for, wait_until, Daemon, TIMEOUT};
use supervisor_xmlrpc::Value;

/// Whether `file` is `PREFIX` + 8 of mkstemp's characters + `.log`.
fn is_auto_name(file: &str, prefix: &str) -> bool {
    file.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".log"))
        .is_some_and(|r| {
            r.len() == 8
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

#[test]
fn auto_logs_have_supervisors_names_and_old_ones_are_cleared() {
    let dir = crate::support::tempdir("sd-e2e");
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    // Left over from an earlier run with the same identifier, and one of another identifier.
    let stale = dir.path().join("logs/old-stdout---e2e-abcdefgh.log");
    let stale_backup = dir.path().join("logs/old-stdout---e2e-abcdefgh.log.1");
    let foreign = dir.path().join("logs/old-stdout---other-abcdefgh.log");
    for f in [&stale, &stale_backup, &foreign] {
        std::fs::write(f, "old").unwrap();
    }
    let d = Daemon::builder(
        "[program:web]\ncommand=sh -c 'echo out; echo err >&2; exec sleep 1000'\nstartsecs=0\n",
    )
    .supervisord("identifier=e2e")
    .in_dir(dir)
    .start();
    let info = d.wait_state("web", "RUNNING");
    let logs = d.path().join("logs");
    let name = |p: &str| {
        std::path::Path::new(p)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert!(
        info.stdout_logfile.starts_with(logs.to_str().unwrap()),
        "{info:?}"
    );
    assert!(
        is_auto_name(&name(&info.stdout_logfile), "web-stdout---e2e-"),
        "{info:?}"
    );
    assert!(
        is_auto_name(&name(&info.stderr_logfile), "web-stderr---e2e-"),
        "{info:?}"
    );
    // mkstemp creates them 0600.
    let mode = std::fs::metadata(&info.stdout_logfile)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    wait_until(TIMEOUT, "the output in both logs", || {
        std::fs::read_to_string(&info.stdout_logfile).is_ok_and(|s| s == "out\n")
            && std::fs::read_to_string(&info.stderr_logfile).is_ok_and(|s| s == "err\n")
    });
    assert!(!stale.exists());
    assert!(!stale_backup.exists());
    assert!(foreign.exists());
}

#[test]
fn nocleanup_keeps_old_auto_logs() {
    let dir = crate::support::tempdir("sd-e2e");
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    let stale = dir.path().join("logs/old-stdout---e2e-abcdefgh.log");
    std::fs::write(&stale, "old").unwrap();
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .supervisord("identifier=e2e\nnocleanup=true")
        .in_dir(dir)
        .start();
    d.wait_state("web", "RUNNING");
    assert!(stale.exists());
}

#[test]
fn rotation_keeps_backups_with_supervisors_names() {
    // Four bursts of 1200 bytes, a pause apart: each burst reaches maxbytes and rotates once,
    // however the capture splits it into reads.
    let d = Daemon::start(
        "[program:rot]\ncommand=sh -c 'for i in 1 2 3 4; do printf \"%%0599d\\n%%0599d\\n\" $i $i; \
         sleep 0.3; done; exec sleep 1000'\nstartsecs=0\n\
         stdout_logfile=%(here)s/rot.log\nstdout_logfile_maxbytes=1KB\nstdout_logfile_backups=2\n",
    );
    d.wait_state("rot", "RUNNING");
    let base = d.path().join("rot.log");
    let backup = |n: u32| d.path().join(format!("rot.log.{n}"));
    let burst = |i: u32| format!("{i:0599}\n").repeat(2);
    // After the fourth burst: rot.log.1 holds it, rot.log.2 the third, the older ones are gone
    // (backups=2), and rot.log was reopened empty.
    wait_until(TIMEOUT, "the fourth rotation", || {
        std::fs::read_to_string(backup(1)).is_ok_and(|s| s == burst(4))
    });
    assert_eq!(std::fs::read_to_string(backup(2)).unwrap(), burst(3));
    assert!(!backup(3).exists(), "backups=2 keeps two");
    assert_eq!(std::fs::metadata(&base).unwrap().len(), 0);
}

#[test]
fn dev_stdout_passes_child_output_through_with_any_maxbytes() {
    let d = Daemon::builder(
        "[program:talker]\ncommand=sh -c 'echo hello-through-stdout; echo and-stderr >&2; \
         exec sleep 1000'\nstartsecs=0\n\
         stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=1KB\n\
         stderr_logfile=/dev/stderr\nstderr_logfile_maxbytes=0\n",
    )
    .capture_stdout()
    .start();
    d.wait_state("talker", "RUNNING");
    wait_until(TIMEOUT, "the child's line on the daemon's stdout", || {
        String::from_utf8_lossy(&d.stdout()).contains("hello-through-stdout\n")
    });
    wait_until(TIMEOUT, "the child's line on the daemon's stderr", || {
        d.stderr().contains("and-stderr\n")
    });
    let log = d.log();
    assert!(!log.contains("Illegal seek"), "{log}");
    assert!(!log.contains(" ERRO "), "{log}");
}

#[test]
fn binary_output_and_long_lines_pass_through_untouched() {
    let py = python();
    let d = Daemon::builder(&format!(
        "[program:bin]\ncommand={py} -c \"import sys; o=sys.stdout.buffer; \
         o.write(bytes(range(256))*64); o.write(b'\\\\xff\\\\xfe\\\\x00'); \
         o.write(b'x'*3000000); o.flush()\"\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/bin.log\n"
    ))
    .loglevel("info")
    .start();
    d.wait_state("bin", "EXITED");
    let mut want: Vec<u8> = (0..=255u8).collect::<Vec<u8>>().repeat(64);
    want.extend_from_slice(b"\xff\xfe\x00");
    want.extend(std::iter::repeat_n(b'x', 3_000_000));
    let got = std::fs::read(d.path().join("bin.log")).unwrap();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the bytes differ");
    // readProcessStdoutLog hands the same bytes back (as XML-safe text).
    let tail = d.call(
        "supervisor.readProcessStdoutLog",
        &[Value::from("bin"), Value::from(-10), Value::from(0)],
    );
    assert_eq!(tail.as_str(), Some("xxxxxxxxxx"));
}

#[test]
fn a_flood_is_captured_while_the_daemon_keeps_answering() {
    const SIZE: u64 = 64 << 20;
    let d = Daemon::builder(&format!(
        "[program:flood]\ncommand=head -c {SIZE} /dev/zero\nstartsecs=0\nautorestart=false\n\
         stdout_logfile=%(here)s/flood.log\nstdout_logfile_maxbytes=0\n\n\
         [program:endless]\ncommand=cat /dev/zero\nstartsecs=0\nstdout_logfile=NONE\n"
    ))
    .loglevel("info")
    .start();
    // While `endless` floods, RPCs still get prompt answers.
    for _ in 0..20 {
        let t = Instant::now();
        d.call("supervisor.getState", &[]);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    d.wait_state("flood", "EXITED");
    assert_eq!(
        std::fs::metadata(d.path().join("flood.log")).unwrap().len(),
        SIZE
    );
    d.stop("endless").unwrap();
    assert_eq!(d.info("endless").state, "STOPPED");
}

#[test]
fn write_errors_are_logged_and_the_child_keeps_running() {
    let d = Daemon::start(
        "[program:full]\ncommand=sh -c 'while :; do echo data; sleep 0.05; done'\nstartsecs=0\n\
         stdout_logfile=/dev/full\n",
    );
    let info = d.wait_state("full", "RUNNING");
    let log = d.wait_log("No space left on device");
    let line = log
        .lines()
        .find(|l| l.contains("No space left on device"))
        .unwrap();
    assert!(line.contains(" ERRO "), "{line}");
    assert!(line.contains("/dev/full"), "{line}");
    // Reported once per failure streak, not once per chunk.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(d.log().matches("No space left on device").count(), 1);
    let again = d.info("full");
    assert_eq!((again.state.as_str(), again.pid), ("RUNNING", info.pid));
}

#[test]
fn a_vanished_log_directory_does_not_stop_the_daemon_or_the_child() {
    let dir = crate::support::tempdir("sd-e2e");
    // The config loader insists that a log file's directory exists at startup.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let d = Daemon::builder(
        "[program:writer]\ncommand=sh -c 'while :; do echo some-output-line; sleep 0.02; done'\n\
         startsecs=0\nstdout_logfile=%(here)s/sub/writer.log\nstdout_logfile_maxbytes=1KB\n\
         stdout_logfile_backups=1\n",
    )
    .loglevel("info")
    .in_dir(dir)
    .start();
    let info = d.wait_state("writer", "RUNNING");
    wait_until(TIMEOUT, "a rotation", || sub.join("writer.log.1").exists());
    std::fs::remove_dir_all(&sub).unwrap();
    // The next rotation fails: logged, the child goes on.
    let error_line = wait_until_line(&d, |l| l.contains(" ERRO ") && l.contains("writer.log"));
    assert!(
        error_line.contains("No such file or directory"),
        "{error_line}"
    );
    let again = d.info("writer");
    assert_eq!((again.state.as_str(), again.pid), ("RUNNING", info.pid));
    // A restart without the directory is a spawn error, as in Supervisor; the retries
    // succeed once the directory is back.
    d.stop("writer").unwrap();
    match d.start_nowait("writer") {
        Err(CallError::Fault(50, s)) => assert_eq!(s, "SPAWN_ERROR: writer"),
        other => panic!("{other:?}"),
    }
    let failed = d.wait_state("writer", "BACKOFF");
    assert_eq!(
        failed.spawnerr,
        "unknown error making dispatchers for 'writer': ENOENT"
    );
    std::fs::create_dir_all(&sub).unwrap();
    d.wait_state("writer", "RUNNING");
    wait_until(TIMEOUT, "logging to resume", || {
        std::fs::read_to_string(sub.join("writer.log")).is_ok_and(|s| s.contains("some-output"))
    });
}

fn wait_until_line(d: &Daemon, pred: impl Fn(&str) -> bool) -> String {
    wait_for(TIMEOUT, "a matching log line", || {
        d.log().lines().find(|l| pred(l)).map(str::to_string)
    })
}

#[test]
fn the_main_log_rotates_with_logfile_maxbytes() {
    let d = Daemon::builder(
        "[program:chatty]\ncommand=sh -c 'while :; do echo 0123456789012345678901234567890123456789; sleep 0.01; done'\n\
         startsecs=0\nstdout_logfile=NONE\n",
    )
    .supervisord("logfile_maxbytes=4KB\nlogfile_backups=2")
    .start();
    // At debug level every chunk of child output is echoed into the main log.
    wait_until(TIMEOUT, "two rotations of the main log", || {
        d.path().join("supervisord.log.2").exists()
    });
    assert!(!d.path().join("supervisord.log.3").exists());
    let len = std::fs::metadata(d.path().join("supervisord.log.1"))
        .unwrap()
        .len();
    // Rotated after the record that reached 4 KB (records are one chunk of echoed output).
    assert!((4096..4096 + 65536).contains(&len), "{len}");
    let rotated = std::fs::read_to_string(d.path().join("supervisord.log.1")).unwrap();
    assert!(rotated.contains("DEBG 'chatty' stdout output:\n0123456789"));
}

#[test]
fn strip_ansi_removes_escape_sequences_from_child_logs() {
    let d = Daemon::builder(
        "[program:colors]\ncommand=printf '\\033[1;31mred\\033[0m plain\\n'\nstartsecs=0\n\
         autorestart=false\nstdout_logfile=%(here)s/colors.log\n",
    )
    .supervisord("strip_ansi=true")
    .start();
    d.wait_state("colors", "EXITED");
    assert_eq!(
        std::fs::read_to_string(d.path().join("colors.log")).unwrap(),
        "red plain\n"
    );
}

#[test]
fn the_main_log_can_go_to_dev_stdout() {
    // The container idiom: the daemon's own log on its stdout (a pipe here), with the default
    // logfile_maxbytes (rotation never applies to a non-regular file).
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .args(&["-l", "/dev/stdout", "-s"])
        .capture_stdout()
        .start();
    d.wait_state("web", "RUNNING");
    wait_until(TIMEOUT, "the log lines on stdout", || {
        let out = String::from_utf8_lossy(&d.stdout()).into_owned();
        out.contains("INFO supervisord started with pid") && out.contains("INFO spawned: 'web'")
    });
    let out = String::from_utf8_lossy(&d.stdout()).into_owned();
    // `-s` (silent) keeps the foreground echo off, so each record appears once.
    assert_eq!(out.matches("INFO spawned: 'web'").count(), 1, "{out}");
    assert!(!d.path().join("supervisord.log").exists());
}

#[test]
fn the_daemon_keeps_going_when_its_own_log_directory_vanishes() {
    let dir = crate::support::tempdir("sd-e2e");
    let sub = dir.path().join("mainlog");
    std::fs::create_dir(&sub).unwrap();
    let log = sub.join("d.log");
    let d = Daemon::builder("[program:web]\ncommand=sleep 1000\nstartsecs=0\n")
        .args(&["-l", log.to_str().unwrap(), "-y", "2KB"])
        .in_dir(dir)
        .start();
    let before = d.wait_state("web", "RUNNING");
    std::fs::remove_dir_all(&sub).unwrap();
    // Enough activity to make the log rotate into a directory that is gone.
    for _ in 0..10 {
        d.stop("web").unwrap();
        d.call("supervisor.startProcess", &[Value::from("web")]);
    }
    let after = d.info("web");
    assert_eq!(after.state, "RUNNING");
    assert_ne!(after.pid, before.pid);
    // Once the directory is back, a reopen (what logrotate's postrotate does) resumes logging.
    std::fs::create_dir(&sub).unwrap();
    d.signal(libc::SIGUSR2);
    wait_until(TIMEOUT, "the log to be written again", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains("supervisord logreopen"))
    });
}
