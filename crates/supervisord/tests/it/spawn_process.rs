//! Spawning real processes: command resolution and Supervisor's spawnerr texts, the child's
//! environment, directory, umask, user, process group, pipes and fd hygiene, early-exit
//! diagnostics, and fork failure.
//!
//! Children are waited for with `waitpid(pid)` on their own pid (never `waitpid(-1)`), so tests
//! in this binary can run in parallel without stealing each other's statuses.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Instant;

use crate::support::{daemon, default_daemon, read_all, request, wait_exit, wait_until, DEADLINE};
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use supervisord::spawn::{
    daemonized_hint, find_survivors, prepare, spawn, CommandLine, SpawnError, StdinSource,
};

/// Writes an executable file from a separate process: if this multi-threaded test process held
/// the file open for writing while another test forks, that child would inherit the writable fd
/// and exec'ing the file would fail with ETXTBSY.
fn write_file(path: &Path, content: &str, mode: u32) {
    let status = std::process::Command::new("sh")
        .args(["-c", "printf '%s' \"$2\" > \"$1\" && chmod \"$3\" \"$1\""])
        .args(["sh", path.to_str().unwrap(), content, &format!("{mode:o}")])
        .status()
        .unwrap();
    assert!(status.success());
}

fn write_script(path: &Path, body: &str, mode: u32) {
    write_file(path, &format!("#!/bin/sh\n{body}\n"), mode);
}

fn spawnerr(command: &str) -> String {
    prepare(&request("p", command), &default_daemon())
        .unwrap_err()
        .to_string()
}

/// Spawns `command` with default settings and returns (stdout, stderr, status).
fn run(req: &supervisord::spawn::SpawnRequest) -> (String, String, WaitStatus) {
    let prepared = prepare(req, &default_daemon()).unwrap();
    let child = spawn(&prepared).unwrap();
    drop(child.stdin);
    let stderr = child.stderr.map(read_all).unwrap_or_default();
    let stdout = read_all(child.stdout);
    (stdout, stderr, wait_exit(child.pid))
}

#[test]
fn missing_command_is_not_found() {
    assert_eq!(
        spawnerr("no-such-program-xyz --flag"),
        "can't find command 'no-such-program-xyz'"
    );
    assert_eq!(
        spawnerr("/nonexistent/prog"),
        "can't find command '/nonexistent/prog'"
    );
}

#[test]
fn directory_and_non_executable_commands() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        spawnerr(dir.path().to_str().unwrap()),
        format!("command at '{}' is a directory", dir.path().display())
    );
    let plain = dir.path().join("plain");
    write_script(&plain, "echo hi", 0o644);
    assert_eq!(
        spawnerr(plain.to_str().unwrap()),
        format!("command at '{}' is not executable", plain.display())
    );
}

#[test]
fn unparsable_and_empty_commands() {
    assert_eq!(
        spawnerr("sh -c 'unterminated"),
        "can't parse command \"sh -c 'unterminated\": No closing quotation"
    );
    assert_eq!(spawnerr("   "), "command is empty");
    assert_eq!(spawnerr(""), "command is empty");
}

#[test]
fn program_path_wins_over_daemon_path_and_skips_unusable_entries() {
    let root = tempfile::tempdir().unwrap();
    let [a, b, noexec, isdir] = ["a", "b", "noexec", "isdir"].map(|d| {
        let p = root.path().join(d);
        fs::create_dir(&p).unwrap();
        p
    });
    write_script(&a.join("prog"), "echo from-a", 0o755);
    write_script(&b.join("prog"), "echo from-b", 0o755);
    write_script(&noexec.join("prog"), "echo from-noexec", 0o644);
    fs::create_dir(isdir.join("prog")).unwrap();
    let path_of = |dirs: &[&Path]| {
        dirs.iter()
            .map(|d| d.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(":")
    };

    // supervisord's PATH when the program sets none.
    let daemon_ctx = daemon(&[("PATH", &path_of(&[&b]))]);
    let prepared = prepare(&request("p", "prog"), &daemon_ctx).unwrap();
    assert_eq!(prepared.filename(), b.join("prog"));

    // The program's PATH (from environment=) wins.
    let mut req = request("p", "prog");
    req.environment = vec![("PATH".into(), path_of(&[&a]))];
    let prepared = prepare(&req, &daemon_ctx).unwrap();
    assert_eq!(prepared.filename(), a.join("prog"));

    // Non-executable files and directories earlier on PATH are skipped (fix of quirk Q13).
    req.environment = vec![("PATH".into(), path_of(&[&noexec, &isdir, &a]))];
    let prepared = prepare(&req, &daemon_ctx).unwrap();
    assert_eq!(prepared.filename(), a.join("prog"));
    let child = spawn(&prepared).unwrap();
    assert_eq!(read_all(child.stdout), "from-a\n");
    assert_eq!(wait_exit(child.pid), WaitStatus::Exited(child.pid, 0));

    // With only unusable candidates, the first existing one explains the problem.
    req.environment = vec![("PATH".into(), path_of(&[&noexec, &isdir]))];
    assert_eq!(
        prepare(&req, &daemon_ctx).unwrap_err(),
        SpawnError::NotExecutable(noexec.join("prog").to_str().unwrap().to_owned())
    );
    req.environment = vec![("PATH".into(), path_of(&[&isdir]))];
    assert_eq!(
        prepare(&req, &daemon_ctx).unwrap_err(),
        SpawnError::IsDirectory(isdir.join("prog").to_str().unwrap().to_owned())
    );
}

#[test]
fn relative_command_resolves_against_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("bin")).unwrap();
    write_script(&dir.path().join("bin/tool"), "pwd", 0o755);
    let mut req = request("p", "bin/tool");
    req.directory = Some(dir.path().to_path_buf());
    let prepared = prepare(&req, &default_daemon()).unwrap();
    assert_eq!(prepared.filename(), dir.path().join("bin/tool"));
    let (stdout, stderr, status) = run(&req);
    assert_eq!(
        stdout.trim_end(),
        dir.path().canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(stderr, "");
    assert!(matches!(status, WaitStatus::Exited(_, 0)));
}

#[test]
fn relative_directory_and_command_resolve_against_the_daemon_cwd() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    write_script(&app.join("bin/tool"), "pwd", 0o755);
    let base = default_daemon();
    let ctx = supervisord::spawn::DaemonContext::new(
        base.environ().to_vec(),
        base.uid(),
        root.path().to_path_buf(),
    );
    let mut req = request("p", "bin/tool");
    req.directory = Some("app".into());
    let prepared = prepare(&req, &ctx).unwrap();
    // Checked as `app/bin/tool` under the daemon's cwd and exec'd by absolute path, since the
    // child has already changed into `app` when it execs.
    assert_eq!(prepared.filename(), app.join("bin/tool"));
    req.command = supervisord::spawn::CommandLine::Shell("bin/missing".into());
    assert_eq!(
        prepare(&req, &ctx).unwrap_err().to_string(),
        "can't find command 'app/bin/missing'"
    );
}

#[test]
fn bad_directory_is_reported_by_the_child() {
    let mut req = request("p", "/bin/true");
    req.directory = Some("/nonexistent-dir-for-spawn-test".into());
    let (stdout, stderr, status) = run(&req);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "supervisor: couldn't chdir to /nonexistent-dir-for-spawn-test: ENOENT\n\
         supervisor: child process was not spawned\n"
    );
    assert!(matches!(status, WaitStatus::Exited(_, 127)));
}

#[test]
fn exec_failure_is_reported_by_the_child() {
    let dir = tempfile::tempdir().unwrap();
    // Executable bit but no interpreter line and not a binary: execve fails with ENOEXEC.
    let junk = dir.path().join("junk");
    write_file(&junk, "\x01\x02\x03 not a program\n", 0o755);
    let mut req = request("p", "./junk --opt");
    req.directory = Some(dir.path().to_path_buf());
    let (stdout, stderr, status) = run(&req);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "supervisor: couldn't exec ./junk: ENOEXEC\nsupervisor: child process was not spawned\n"
    );
    assert!(matches!(status, WaitStatus::Exited(_, 127)));
}

#[test]
fn umask_applies_to_created_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = request("p", "sh -c 'echo x > created'");
    req.directory = Some(dir.path().to_path_buf());
    req.umask = Some(0o027);
    let (_, stderr, status) = run(&req);
    assert_eq!(stderr, "");
    assert!(matches!(status, WaitStatus::Exited(_, 0)));
    let mode = fs::metadata(dir.path().join("created"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn environment_is_daemon_then_supervisor_vars_then_overrides() {
    let ctx = daemon(&[
        ("PATH", "/usr/bin:/bin"),
        ("KEEP", "kept"),
        ("OVERRIDE", "old"),
    ]);
    let mut req = request("web_01", "/usr/bin/env");
    req.group = "web".into();
    req.server_url = Some("unix:///tmp/supervisor.sock".into());
    req.server_username = Some("user".into());
    req.server_password = Some("123".into());
    req.environment = vec![
        ("OVERRIDE".into(), "new".into()),
        ("EXTRA".into(), "x y".into()),
        // The config may override SUPERVISOR_* variables (Supervisor does; spec Q14).
        ("SUPERVISOR_GROUP_NAME".into(), "custom".into()),
    ];
    let prepared = prepare(&req, &ctx).unwrap();
    let order: Vec<String> = prepared
        .env()
        .map(|e| e.to_str().unwrap().split('=').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        order,
        [
            "PATH",
            "KEEP",
            "OVERRIDE",
            "SUPERVISOR_ENABLED",
            "SUPERVISOR_SERVER_URL",
            "SUPERVISOR_PROCESS_NAME",
            "SUPERVISOR_GROUP_NAME",
            "SUPERVISOR_USERNAME",
            "SUPERVISOR_PASSWORD",
            "EXTRA",
        ]
    );

    let child = spawn(&prepared).unwrap();
    let stdout = read_all(child.stdout);
    assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
    let seen: BTreeMap<&str, &str> = stdout.lines().map(|l| l.split_once('=').unwrap()).collect();
    let expected: BTreeMap<&str, &str> = [
        ("PATH", "/usr/bin:/bin"),
        ("KEEP", "kept"),
        ("OVERRIDE", "new"),
        ("EXTRA", "x y"),
        ("SUPERVISOR_ENABLED", "1"),
        ("SUPERVISOR_SERVER_URL", "unix:///tmp/supervisor.sock"),
        ("SUPERVISOR_PROCESS_NAME", "web_01"),
        ("SUPERVISOR_GROUP_NAME", "custom"),
        ("SUPERVISOR_USERNAME", "user"),
        ("SUPERVISOR_PASSWORD", "123"),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, expected);

    // Without a server URL or credentials those variables are absent.
    let prepared = prepare(&request("solo", "/usr/bin/env"), &ctx).unwrap();
    let names: Vec<String> = prepared
        .env()
        .map(|e| e.to_string_lossy().into_owned())
        .collect();
    assert!(names
        .iter()
        .all(|e| !e.starts_with("SUPERVISOR_SERVER_URL=")
            && !e.starts_with("SUPERVISOR_USERNAME=")
            && !e.starts_with("SUPERVISOR_PASSWORD=")));
    assert!(names.contains(&"SUPERVISOR_GROUP_NAME=solo".to_owned()));
}

#[test]
fn child_leads_its_own_process_group_and_stdin_pipe_works() {
    let req = request("p", "sh -c 'read line; echo got:$line'");
    let prepared = prepare(&req, &default_daemon()).unwrap();
    let child = spawn(&prepared).unwrap();
    // The child blocks on stdin, so it is alive while we look at its process group.
    assert_eq!(nix::unistd::getpgid(Some(child.pid)).unwrap(), child.pid);
    let stdin = child.stdin.unwrap();
    let mut stdin = fs::File::from(stdin);
    stdin.write_all(b"hello\n").unwrap();
    drop(stdin);
    assert_eq!(read_all(child.stdout), "got:hello\n");
    assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
}

#[test]
fn stderr_is_separate_or_redirected() {
    let mut req = request("p", "sh -c 'echo out; echo err >&2'");
    let (stdout, stderr, _) = run(&req);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("out\n", "err\n"));

    req.redirect_stderr = true;
    let prepared = prepare(&req, &default_daemon()).unwrap();
    let child = spawn(&prepared).unwrap();
    assert!(child.stderr.is_none());
    assert_eq!(read_all(child.stdout), "out\nerr\n");
    assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
}

#[test]
fn child_has_only_stdio_open_and_default_signals() {
    // An inheritable fd in the daemon must not leak into the child.
    let leak = nix::fcntl::open(
        "/dev/null",
        nix::fcntl::OFlag::O_RDONLY,
        nix::sys::stat::Mode::empty(),
    )
    .unwrap();
    let leaked = leak.as_raw_fd();
    // exec so that /proc/self is ls itself; ls's own directory fd shows up and is filtered out.
    let req = request(
        "p",
        "sh -c 'grep -E \"^Sig(Ign|Blk)\" /proc/self/status; exec ls -l /proc/self/fd'",
    );
    let (stdout, stderr, status) = run(&req);
    drop(leak);
    assert_eq!(stderr, "");
    assert!(matches!(status, WaitStatus::Exited(_, 0)));
    // The test harness ignores SIGPIPE (Rust does); the child must get the default back.
    assert!(stdout.contains("SigBlk:\t0000000000000000\n"), "{stdout}");
    assert!(stdout.contains("SigIgn:\t0000000000000000\n"), "{stdout}");
    let fds: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" -> "))
        .filter(|l| !l.contains("/fd"))
        .map(|l| l.split(" -> ").next().unwrap().rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(fds, ["0", "1", "2"], "fd {leaked} leaked? {stdout}");
}

#[test]
fn handed_over_socket_becomes_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::os::unix::net::UnixListener::bind(dir.path().join("s")).unwrap();
    let mut req = request("p", "readlink /proc/self/fd/0");
    req.stdin = StdinSource::Fd(listener.as_raw_fd());
    let prepared = prepare(&req, &default_daemon()).unwrap();
    let child = spawn(&prepared).unwrap();
    assert!(child.stdin.is_none());
    let stdout = read_all(child.stdout);
    assert!(stdout.starts_with("socket:["), "{stdout}");
    assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
}

#[test]
fn argv_commands_skip_shell_splitting() {
    let req = supervisord::spawn::SpawnRequest {
        command: CommandLine::Argv(vec!["echo".into(), "a  b".into(), "'c'".into()]),
        ..request("p", "")
    };
    let (stdout, _, _) = run(&req);
    assert_eq!(stdout, "a  b 'c'\n");
}

#[test]
fn user_switch_sets_uid_gid_and_groups() {
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    let name = std::ffi::CString::new("nobody").unwrap();
    let mut groups: Vec<u32> = nix::unistd::getgrouplist(&name, nobody.gid)
        .unwrap()
        .into_iter()
        .map(|g| g.as_raw())
        .collect();
    groups.sort_unstable();
    groups.dedup();

    let mut req = request("p", "grep -E '^(Uid|Gid|Groups):' /proc/self/status");
    req.uid = Some(nobody.uid.as_raw());
    let (stdout, stderr, status) = run(&req);
    assert_eq!(stderr, "");
    assert!(matches!(status, WaitStatus::Exited(_, 0)));
    let uid = nobody.uid.as_raw();
    let gid = nobody.gid.as_raw();
    assert!(
        stdout.contains(&format!("Uid:\t{uid}\t{uid}\t{uid}\t{uid}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Gid:\t{gid}\t{gid}\t{gid}\t{gid}\n")),
        "{stdout}"
    );
    let line = stdout.lines().find(|l| l.starts_with("Groups:")).unwrap();
    let mut seen: Vec<u32> = line["Groups:".len()..]
        .split_whitespace()
        .map(|g| g.parse().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, groups);
}

#[test]
fn unknown_uid_fails_in_the_child_like_supervisor() {
    let mut req = request("p", "/bin/true");
    req.uid = Some(3_999_999_999);
    let prepared = prepare(&req, &default_daemon()).unwrap();
    assert_eq!(
        prepared.privilege_problem(),
        Some("Can't find uid 3999999999")
    );
    let (_, stderr, status) = run(&req);
    assert_eq!(
        stderr,
        "supervisor: couldn't setuid to 3999999999: Can't find uid 3999999999\n\
         supervisor: child process was not spawned\n"
    );
    assert!(matches!(status, WaitStatus::Exited(_, 127)));
}

#[test]
fn daemonized_descendants_are_found() {
    supervisord::reaper::become_subreaper().unwrap();
    // The child starts two background readers (one in a new session, like a real daemon), prints
    // their pids and exits; the readers live until we close the shared stdin pipe.
    let req = request(
        "p",
        "sh -c 'exec 3<&0; (read x <&3) >/dev/null 2>&1 & echo $!; \
         setsid sh -c \"read y <&3\" >/dev/null 2>&1 & echo $!; exit 0'",
    );
    let spawned_at = Instant::now();
    let prepared = prepare(&req, &default_daemon()).unwrap();
    let child = spawn(&prepared).unwrap();
    let stdin = child.stdin.unwrap();
    let stdout = read_all(child.stdout);
    assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
    let expected: Vec<Pid> = stdout
        .lines()
        .map(|l| Pid::from_raw(l.trim().parse().unwrap()))
        .collect();
    assert_eq!(expected.len(), 2);

    // The setsid'd reader may still be between fork and setsid; both must be found either way.
    let mut survivors = Vec::new();
    wait_until(DEADLINE, "both readers to be visible", || {
        survivors = find_survivors(child.pid, spawned_at, |_| false);
        expected.iter().all(|p| survivors.contains(p))
    });
    // (Children of tests running in parallel in this process may be listed too: this test does
    // not tell the function which children are managed.)
    let hint = daemonized_hint(&survivors);
    assert!(hint.starts_with(&format!(
        "exited too quickly, but left {} process",
        survivors.len()
    )));

    // A managed child (re-parented to us, out of the exited child's group) is not a survivor.
    let managed = expected[1];
    let without = find_survivors(child.pid, spawned_at, |p| p == managed);
    assert!(!without.contains(&managed));

    // Closing stdin ends the readers; as subreaper we collect them here.
    drop(stdin);
    for pid in expected {
        wait_exit(pid);
    }
}

/// Runs `helper_process` of this test binary in a new process (as another user, with limits,
/// with fds closed: things that must not affect the other tests) and returns its combined output
/// and exit code.
fn run_helper(mode: &str) -> (String, i32) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "spawn_process::helper_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SPAWN_TEST_HELPER", mode)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.code().unwrap_or(-1))
}

fn check_helper(mode: &str) {
    let (text, code) = run_helper(mode);
    assert_eq!(code, 0, "helper {mode} failed: {text}");
    assert!(text.contains(&format!("HELPER-OK {mode}")), "{text}");
}

#[test]
fn fork_failure_eagain_and_nonroot_user_switch() {
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: needs root to become nobody");
        return;
    }
    for mode in ["eagain", "nonroot", "nopermission"] {
        check_helper(mode);
    }
}

#[test]
fn fd_exhaustion_is_too_many_open_files() {
    check_helper("emfile");
}

#[test]
fn daemon_without_stdio_fds_still_wires_children_correctly() {
    check_helper("nostdio");
}

/// Drops to `nobody` (needs root).
fn become_nobody() {
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    nix::unistd::setgroups(&[]).unwrap();
    nix::unistd::setgid(nobody.gid).unwrap();
    nix::unistd::setuid(nobody.uid).unwrap();
}

/// Not a test on its own: the tests above run it in a child process with SPAWN_TEST_HELPER set,
/// to check behaviours that need process-wide changes.
#[test]
#[ignore = "helper process for the tests that change users, limits or stdio"]
fn helper_process() {
    let Ok(mode) = std::env::var("SPAWN_TEST_HELPER") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A root-only executable for the permission check, made while still root.
    let private = dir.path().join("private");
    write_script(&private, "true", 0o700);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();

    match mode.as_str() {
        "eagain" => {
            become_nobody();
            // No process of this (non-root) user may be created: fork fails with EAGAIN.
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NPROC, 0, 0)
                .unwrap();
            let prepared = prepare(&request("eagain", "/bin/true"), &default_daemon()).unwrap();
            let err = spawn(&prepared).unwrap_err();
            assert_eq!(
                err.to_string(),
                "Too many processes in process table to spawn 'eagain'"
            );
        }
        "nonroot" => {
            become_nobody();
            let mut req = request("p", "/bin/true");
            req.uid = Some(0);
            let prepared = prepare(&req, &default_daemon()).unwrap();
            assert_eq!(
                prepared.privilege_problem(),
                Some("Can't drop privilege as nonroot user")
            );
            let child = spawn(&prepared).unwrap();
            let stderr = read_all(child.stderr.unwrap());
            assert_eq!(
                stderr,
                "supervisor: couldn't setuid to 0: Can't drop privilege as nonroot user\n\
                 supervisor: child process was not spawned\n"
            );
            assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 127)));
        }
        "nopermission" => {
            become_nobody();
            let err =
                prepare(&request("p", private.to_str().unwrap()), &default_daemon()).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("no permission to run command '{}'", private.display())
            );
        }
        "emfile" => {
            let prepared = prepare(&request("fdhog", "/bin/true"), &default_daemon()).unwrap();
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, 64, 64)
                .unwrap();
            // Use up every descriptor below the limit.
            let mut hog = Vec::new();
            while let Ok(f) = fs::File::open("/dev/null") {
                hog.push(f);
            }
            let err = spawn(&prepared).unwrap_err();
            assert_eq!(err.to_string(), "too many open files to spawn 'fdhog'");
            drop(hog);
        }
        "nostdio" => {
            // A daemon whose fds 0-2 are closed gets them back from pipe2; the child's ends
            // must still land on the right fds.
            let mut req = request("p", "sh -c 'read x; echo got:$x; echo err:$x >&2'");
            req.directory = Some("/".into());
            let prepared = prepare(&req, &default_daemon()).unwrap();
            let listener = std::os::unix::net::UnixListener::bind(dir.path().join("s")).unwrap();
            // Keep a copy of stdout for the final report, then close all three.
            // SAFETY: plain fd juggling on our own stdio, which nothing else here uses.
            let report = unsafe {
                let saved = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 10);
                assert!(saved >= 10);
                libc::close(0);
                libc::close(1);
                libc::close(2);
                fs::File::from_raw_fd(saved)
            };
            let child = spawn(&prepared).unwrap();
            let mut stdin = fs::File::from(child.stdin.unwrap());
            stdin.write_all(b"hi\n").unwrap();
            drop(stdin);
            assert_eq!(read_all(child.stdout), "got:hi\n");
            assert_eq!(read_all(child.stderr.unwrap()), "err:hi\n");
            assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));

            // With fd 0 handed over, the stdout pipe itself gets the low numbers back (its write
            // end would be fd 1 already, and a no-op dup2 would leave it close-on-exec).
            let mut req = request("p", "sh -c 'readlink /proc/self/fd/0; echo err >&2'");
            req.stdin = StdinSource::Fd(listener.as_raw_fd());
            let prepared = prepare(&req, &default_daemon()).unwrap();
            let child = spawn(&prepared).unwrap();
            assert!(read_all(child.stdout).starts_with("socket:["));
            assert_eq!(read_all(child.stderr.unwrap()), "err\n");
            assert!(matches!(wait_exit(child.pid), WaitStatus::Exited(_, 0)));
            let mut report = report;
            writeln!(report, "HELPER-OK {mode}").unwrap();
            std::process::exit(0);
        }
        other => panic!("unknown helper mode {other}"),
    }
    println!("HELPER-OK {mode}");
    std::io::stdout().flush().unwrap();
    // Skip the harness epilogue and the tempdir cleanup (we may no longer be root).
    std::process::exit(0);
}

/// Children start in the daemon's memory (`clone(CLONE_VM | CLONE_VFORK)`) on a per-thread
/// stack: spawns from several threads at once, failing and succeeding in turn, each get their
/// own messages, output and exit status, and the spawning threads are unharmed.
#[test]
fn concurrent_spawns_from_several_threads_keep_their_own_results() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk");
    write_file(&junk, "\x01\x02\x03 not a program\n", 0o755);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for i in 0..25 {
                    if (t + i) % 2 == 0 {
                        let mut req = request("p", "./junk");
                        req.directory = Some(dir.clone());
                        let (stdout, stderr, status) = run(&req);
                        assert_eq!(stdout, "");
                        assert_eq!(
                            stderr,
                            "supervisor: couldn't exec ./junk: ENOEXEC\n\
                             supervisor: child process was not spawned\n"
                        );
                        assert!(matches!(status, WaitStatus::Exited(_, 127)), "{status:?}");
                    } else {
                        let word = format!("thread{t}-spawn{i}");
                        let (stdout, stderr, status) = run(&request("p", &format!("echo {word}")));
                        assert_eq!(stdout, format!("{word}\n"));
                        assert_eq!(stderr, "");
                        assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}
