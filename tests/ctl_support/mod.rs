//! Shared harness of the supervisorctl golden tests (`tests/ctl_*.rs`).
//!
//! Each test file starts one daemon on a temporary config (a UNIX socket plus an inet server
//! with Basic auth), then runs **our** supervisorctl and **Python's** against it with the same
//! arguments and compares stdout, stderr and exit status after normalising what legitimately
//! differs between two runs (pids' uptimes, program paths, Python traceback locations).
//!
//! The daemon is Python's `supervisord` unless `SUPERVISORD_BIN` names another binary taking the
//! same options (ours).

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use supervisorctl::rpc::{Client, ProcessInfo};

/// Our supervisorctl.
pub const OURS: &str = env!("CARGO_BIN_EXE_supervisorctl");
/// Python's supervisorctl.
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisorctl");
/// Python's supervisord (the default daemon).
pub const PYTHON_SUPERVISORD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisord");

/// The inet server's credentials.
pub const USER: &str = "user";
/// The inet server's password.
pub const PASSWORD: &str = "123";

/// The daemon binary under test.
pub fn daemon_bin() -> PathBuf {
    std::env::var_os("SUPERVISORD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(PYTHON_SUPERVISORD))
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `cond` every 20 ms until it holds or `timeout` passes (then panics naming `what`).
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running daemon on a temporary config.
pub struct Daemon {
    /// Temporary directory holding the config, socket and logs.
    pub dir: tempfile::TempDir,
    /// The config file.
    pub conf: PathBuf,
    /// The inet server's port.
    pub port: u16,
    child: Option<Child>,
}

/// The common part of every test config; `programs` is appended.
pub fn base_config(dir: &Path, port: u16, with_rpcinterface: bool) -> String {
    let rpc = if with_rpcinterface {
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
    } else {
        ""
    };
    format!(
        "[unix_http_server]\nfile={d}/s.sock\n\n\
         [inet_http_server]\nport=127.0.0.1:{port}\nusername={USER}\npassword={PASSWORD}\n\n\
         [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
         childlogdir={d}\nloglevel=info\n\n\
         {rpc}\
         [supervisorctl]\nserverurl=unix://{d}/s.sock\n\n",
        d = dir.display()
    )
}

impl Daemon {
    /// Writes the config (base + `programs`) and starts the daemon, waiting until it answers.
    pub fn start(programs: &str) -> Daemon {
        Daemon::start_with(programs, true)
    }

    /// Like [`Daemon::start`], optionally without the `[rpcinterface:supervisor]` section.
    pub fn start_with(programs: &str, with_rpcinterface: bool) -> Daemon {
        let dir = tempfile::Builder::new().prefix("ctl").tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("supervisord.conf");
        let text = base_config(dir.path(), port, with_rpcinterface) + programs;
        std::fs::write(&conf, text).unwrap();
        let child = Command::new(daemon_bin())
            .arg("-n")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        let d = Daemon {
            dir,
            conf,
            port,
            child: Some(child),
        };
        let sock = d.dir.path().join("s.sock");
        wait_until("the daemon's socket", Duration::from_secs(20), || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
        });
        d
    }

    /// The UNIX socket's server URL.
    pub fn unix_url(&self) -> String {
        format!("unix://{}/s.sock", self.dir.path().display())
    }

    /// The inet server's URL.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An RPC client on the UNIX socket.
    pub fn client(&self) -> Client {
        Client::new(&self.unix_url(), None, None)
    }

    /// The current process table.
    pub fn infos(&self) -> Vec<ProcessInfo> {
        self.client().get_all_process_info().unwrap_or_default()
    }

    /// Waits until process `namespec` (`group:name`) has state `statename`.
    pub fn wait_state(&self, namespec: &str, statename: &str) {
        wait_until(
            &format!("{namespec} to be {statename}"),
            Duration::from_secs(30),
            || {
                self.infos().iter().any(|i| {
                    format!("{}:{}", i.group, i.name) == namespec && i.statename == statename
                })
            },
        );
    }

    /// Rewrites the config's program part (for reread/update tests).
    pub fn rewrite_programs(&self, programs: &str) {
        let text = base_config(self.dir.path(), self.port, true) + programs;
        std::fs::write(&self.conf, text).unwrap();
    }

    /// Whether the daemon process is still running.
    pub fn alive(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Waits for the daemon process to exit.
    pub fn wait_exit(&mut self) {
        wait_until("the daemon to exit", Duration::from_secs(30), || {
            !self.alive()
        });
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if !matches!(c.try_wait(), Ok(None)) {
                return;
            }
            // SIGTERM makes supervisord stop its children before exiting (SIGKILL would orphan
            // them); std has no kill(2) with a signal number, so use kill(1).
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = c.kill();
                    let _ = c.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// What a ctl run produced, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Normalised stdout.
    pub stdout: String,
    /// Normalised stderr.
    pub stderr: String,
    /// Exit status.
    pub code: i32,
}

/// Replaces every run of digits following `prefix` with `with`.
fn mask_after(s: &str, prefix: &str, with: &str, also: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        out.push_str(&rest[..i + prefix.len()]);
        rest = &rest[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || also.contains(&c)))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push_str(with);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the parts of an output that differ between two runs against the same daemon.
pub fn normalise(s: &str, prog: &str) -> String {
    let mut s = s.replace(prog, "PROG");
    s = mask_after(&s, "uptime ", "U", &[':']);
    s = mask_after(&s, " days, ", "U", &[':']);
    // Python names a traceback frame, we cannot: compare the exception, not where it came from.
    let lines: Vec<String> = s
        .split('\n')
        .map(
            |l| match (l.starts_with("error: <class"), l.rfind(": file: ")) {
                (true, Some(i)) => format!("{}: file: F line: N", &l[..i]),
                _ => l.to_string(),
            },
        )
        .collect();
    s = lines.join("\n");
    // Stop times are minutes-resolution local times (`Nov 25 02:10 PM`); keep them comparable
    // across a minute boundary.
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let cand = &bytes[i..];
        if cand.len() >= 15
            && cand[0].is_ascii_uppercase()
            && cand[1].is_ascii_lowercase()
            && cand[2].is_ascii_lowercase()
            && cand[3] == b' '
            && cand[4].is_ascii_digit()
            && cand[5].is_ascii_digit()
            && cand[6] == b' '
            && cand[9] == b':'
            && (&cand[13..15] == b"AM" || &cand[13..15] == b"PM")
        {
            out.push_str("DATE");
            i += 15;
            continue;
        }
        let ch = s[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Runs `prog` with `args`, `stdin` as input, in `cwd`.
pub fn run_prog(prog: &str, args: &[&str], stdin: &str, cwd: &Path) -> Run {
    let mut child = Command::new(prog)
        .args(args)
        .current_dir(cwd)
        .env("LANG", "C.UTF-8")
        .env_remove("PYTHONIOENCODING")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {prog}: {e}"));
    {
        let mut si = child.stdin.take().unwrap();
        let _ = si.write_all(stdin.as_bytes());
    }
    let out: Output = child.wait_with_output().unwrap();
    Run {
        stdout: normalise(&String::from_utf8_lossy(&out.stdout), prog),
        stderr: normalise(&String::from_utf8_lossy(&out.stderr), prog),
        code: out.status.code().unwrap_or(-1),
    }
}

/// Runs Python's supervisorctl then ours with the same arguments and input; returns both.
pub fn both(args: &[&str], stdin: &str, cwd: &Path) -> (Run, Run) {
    let py = run_prog(PYTHON, args, stdin, cwd);
    let ours = run_prog(OURS, args, stdin, cwd);
    (py, ours)
}

/// Asserts that ours behaves exactly as Python's for `args`; returns the (common) result.
#[track_caller]
pub fn same(args: &[&str], cwd: &Path) -> Run {
    same_with_input(args, "", cwd)
}

/// [`same`] with `stdin` as input.
#[track_caller]
pub fn same_with_input(args: &[&str], stdin: &str, cwd: &Path) -> Run {
    let (py, ours) = both(args, stdin, cwd);
    assert_eq!(
        ours, py,
        "\nargs: {args:?}\n--- ours ---\n{ours:#?}\n--- python ---\n{py:#?}"
    );
    ours
}

/// Runs Python's, restores state with `reset`, runs ours, and asserts identical results: for
/// commands that change the daemon's state.
#[track_caller]
pub fn same_after_reset(args: &[&str], cwd: &Path, mut reset: impl FnMut()) -> Run {
    reset();
    let py = run_prog(PYTHON, args, "", cwd);
    reset();
    let ours = run_prog(OURS, args, "", cwd);
    assert_eq!(
        ours, py,
        "\nargs: {args:?}\n--- ours ---\n{ours:#?}\n--- python ---\n{py:#?}"
    );
    ours
}
