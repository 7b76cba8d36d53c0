//! Shared harness of the supervisorctl golden tests (`tests/ctl_*.rs`).
//!
//! Each test file starts a daemon on a temporary config (a UNIX socket plus an inet server
//! with Basic auth), then runs **our** supervisorctl and **Python's** against it with the same
//! arguments and compares stdout, stderr and exit status after normalising what legitimately
//! differs between two runs (pids' uptimes, program paths, Python traceback locations).
//!
//! Every test that needs a daemon runs twice, once against Python's `supervisord` and once
//! against ours ([`DaemonKind`], [`both_daemons!`]): the clients must agree on either server.
//! `tests/compat_ctl_daemons.rs` uses the same harness the other way round: one client
//! (Python's), two daemons.

#![allow(dead_code, unused_macros)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use supervisorctl::rpc::{Client, ProcessInfo};

#[path = "../common/mod.rs"]
mod common;

/// Our supervisorctl.
pub const OURS: &str = env!("CARGO_BIN_EXE_supervisorctl");
/// Python's supervisorctl.
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisorctl");
/// Python's supervisord.
pub const PYTHON_SUPERVISORD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisord");
/// Our supervisord.
pub const OURS_SUPERVISORD: &str = env!("CARGO_BIN_EXE_supervisord");

/// The inet server's credentials.
pub const USER: &str = "user";
/// The inet server's password.
pub const PASSWORD: &str = "123";

/// Which supervisord a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DaemonKind {
    /// Python's supervisord 4.3.0, the reference.
    Python,
    /// Ours.
    Ours,
}

impl DaemonKind {
    /// Both, the reference first.
    pub const BOTH: [DaemonKind; 2] = [DaemonKind::Python, DaemonKind::Ours];

    /// The daemon's binary.
    pub fn bin(self) -> &'static str {
        match self {
            DaemonKind::Python => PYTHON_SUPERVISORD,
            DaemonKind::Ours => OURS_SUPERVISORD,
        }
    }

    /// 0 for Python's, 1 for ours: an index into per-daemon statics.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// For each named function `fn NAME(kind: DaemonKind)`, defines the tests `NAME::python` and
/// `NAME::ours`, which call it with Python's daemon and with ours.
macro_rules! both_daemons {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn python() {
                super::$name($crate::ctl_support::DaemonKind::Python)
            }

            #[test]
            fn ours() {
                super::$name($crate::ctl_support::DaemonKind::Ours)
            }
        }
    )*};
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
    /// Which supervisord runs.
    pub kind: DaemonKind,
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
    pub fn start(kind: DaemonKind, programs: &str) -> Daemon {
        Daemon::start_with(kind, programs, true)
    }

    /// Like [`Daemon::start`], optionally without the `[rpcinterface:supervisor]` section.
    pub fn start_with(kind: DaemonKind, programs: &str, with_rpcinterface: bool) -> Daemon {
        let dir = tempfile::Builder::new().prefix("ctl").tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("supervisord.conf");
        let text = base_config(dir.path(), port, with_rpcinterface) + programs;
        std::fs::write(&conf, text).unwrap();
        let child = Command::new(kind.bin())
            .arg("-n")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        register(child.id());
        let d = Daemon {
            dir,
            conf,
            port,
            kind,
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
            Some(c) => {
                let alive = matches!(c.try_wait(), Ok(None));
                if !alive {
                    unregister(c.id());
                }
                alive
            }
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

/// Pids of the daemons still running, for [`stop_leftovers`].
static RUNNING: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// Records a started daemon; the first call arranges for [`stop_leftovers`] to run at exit.
fn register(pid: u32) {
    static AT_EXIT: std::sync::Once = std::sync::Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: registers a plain `extern "C"` function; it runs once, at process exit.
        unsafe { libc::atexit(stop_leftovers) };
    });
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
}

/// Forgets a daemon that has exited (its pid may be reused).
fn unregister(pid: u32) {
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&p| p != pid);
}

/// Daemons shared through statics are never dropped: when the test process exits, SIGTERM
/// them (supervisord then stops its children) instead of leaving them running forever.
extern "C" fn stop_leftovers() {
    let pids = std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|e| e.into_inner()));
    for pid in pids {
        // SAFETY: kill(2) on a daemon this process started and has not reaped.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unregister(c.id());
            if !matches!(c.try_wait(), Ok(None)) {
                return;
            }
            // Stop the children over XML-RPC (all at once), then kill the daemon, which then
            // leaves nothing behind: after a SIGTERM, Python's supervisord takes about a second
            // per group to shut down (Q3).
            if self.client().stop_all_processes().is_ok() {
                let _ = c.kill();
                let _ = c.wait();
                return;
            }
            common::terminate(&mut c, Duration::from_secs(15));
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

/// The config before the reread/update tests change it (tests/ctl_update.rs and
/// tests/compat_ctl_daemons.rs): one program to keep, one to remove, one to change, one idle.
pub const UPDATE_BEFORE: &str = "\
[program:keep]
command=sleep 1000
startsecs=0

[program:gone]
command=sleep 1000
startsecs=0

[program:changes]
command=sleep 1000
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
";

/// Starts a ctl (`prog` with `args`, in `cwd`) with the same locale for both implementations
/// and all three standard streams piped.
fn spawn_piped(prog: &str, args: &[&str], cwd: &Path) -> Child {
    Command::new(prog)
        .args(args)
        .current_dir(cwd)
        .env("LANG", "C.UTF-8")
        .env_remove("PYTHONIOENCODING")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {prog}: {e}"))
}

/// Runs `prog` with `args`, `stdin` as input, in `cwd`.
pub fn run_prog(prog: &str, args: &[&str], stdin: &str, cwd: &Path) -> Run {
    let mut child = spawn_piped(prog, args, cwd);
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

/// [`same_after_reset`] for commands that wait for several processes to stop: a daemon lists
/// them as it finds them stopped, which Python's does in an order that varies on a loaded
/// machine, so stdout is compared as a sorted list of lines (the client only prints what the
/// daemon returned, in its order).
#[track_caller]
pub fn same_after_reset_unordered(args: &[&str], cwd: &Path, mut reset: impl FnMut()) -> Run {
    let sorted = |mut r: Run| {
        let mut lines: Vec<&str> = r.stdout.lines().collect();
        lines.sort_unstable();
        r.stdout = lines.iter().map(|l| format!("{l}\n")).collect();
        r
    };
    reset();
    let py = sorted(run_prog(PYTHON, args, "", cwd));
    reset();
    let ours = sorted(run_prog(OURS, args, "", cwd));
    assert_eq!(
        ours, py,
        "\nargs: {args:?}\n--- ours ---\n{ours:#?}\n--- python ---\n{py:#?}"
    );
    ours
}

/// Python's supervisorctl has two endings for an interrupted `tail -f`/`maintail -f`: the
/// usual one (Ctrl-C while waiting: an empty line) and, when the interrupt lands inside the
/// asyncore handler that is printing data, `Cannot connect, error: <class 'KeyboardInterrupt'>`
/// on stderr and no empty line. This maps the second to the first, so runs compare equal.
pub fn settle_interrupt_race(mut run: Run) -> Run {
    let marker = " Cannot connect, error: <class 'KeyboardInterrupt'> ()\n";
    if run.stderr.ends_with(marker) {
        let start = run.stderr[..run.stderr.len() - marker.len()]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        run.stderr.truncate(start);
        run.stdout.push('\n');
    }
    run
}

/// A client running in the background, driven like a person at a terminal: type lines, watch
/// the output, press Ctrl-C (for `tail -f`, `maintail -f` and `fg`).
pub struct Session {
    prog: String,
    child: Child,
    stdin: Option<std::process::ChildStdin>,
    output: std::sync::mpsc::Receiver<Vec<u8>>,
    seen: Vec<u8>,
    readers: Vec<std::thread::JoinHandle<Vec<u8>>>,
}

impl Session {
    /// Starts `prog` with `args` in `cwd`; stdin is a pipe that stays open until [`Session::finish`].
    pub fn spawn(prog: &str, args: &[&str], cwd: &Path) -> Session {
        use std::io::Read;
        let mut child = spawn_piped(prog, args, cwd);
        let stdin = child.stdin.take();
        let mut stderr = child.stderr.take().unwrap();
        let err_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        });
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let out_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
            Vec::new()
        });
        Session {
            prog: format!("{prog} {args:?}"),
            child,
            stdin,
            output: rx,
            seen: Vec::new(),
            readers: vec![out_reader, err_reader],
        }
    }

    /// Types `input`.
    pub fn write(&mut self, input: &str) {
        if let Some(stdin) = &mut self.stdin {
            let _ = stdin.write_all(input.as_bytes());
        }
    }

    /// Waits until stdout contains `needle` (20 s at most; then kills the program and panics).
    pub fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !String::from_utf8_lossy(&self.seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.seen.extend(chunk),
                Err(_) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "{} never printed {needle:?}: {:?}",
                        self.prog,
                        String::from_utf8_lossy(&self.seen)
                    );
                }
            }
        }
    }

    /// Presses Ctrl-C (SIGINT).
    pub fn interrupt(&mut self) {
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
    }

    /// Closes stdin, waits for the program to exit (10 s at most, else kills it and panics) and
    /// returns what it printed, normalised.
    pub fn finish(self) -> Run {
        self.finish_nudging(|| ())
    }

    /// [`Session::finish`], calling `nudge` every 300 ms while the program has not exited: for
    /// a program that only notices it should stop when something happens (Python's `fg` output
    /// thread wakes up on the next output).
    pub fn finish_nudging(mut self, mut nudge: impl FnMut()) -> Run {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut next_nudge = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{} did not exit within 10 s", self.prog);
            }
            if Instant::now() >= next_nudge {
                nudge();
                next_nudge = Instant::now() + Duration::from_millis(300);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut readers = std::mem::take(&mut self.readers).into_iter();
        readers.next().unwrap().join().unwrap();
        let err = readers.next().unwrap().join().unwrap();
        self.seen.extend(self.output.try_iter().flatten());
        let prog = self.prog.split(' ').next().unwrap_or_default();
        Run {
            stdout: normalise(&String::from_utf8_lossy(&self.seen), prog),
            stderr: normalise(&String::from_utf8_lossy(&err), prog),
            code: status.code().unwrap_or(-1),
        }
    }
}

/// Runs `prog` with `args`, types `input`, waits until its stdout contains `needle`, presses
/// Ctrl-C and returns what it printed, normalised, with Python's interrupt race settled (see
/// [`settle_interrupt_race`]). Panics if the needle does not come within 20 s or the program
/// outlives the interrupt by 10 s.
pub fn interrupt_when(prog: &str, args: &[&str], cwd: &Path, input: &str, needle: &str) -> Run {
    let mut s = Session::spawn(prog, args, cwd);
    s.write(input);
    s.wait_for(needle);
    s.interrupt();
    settle_interrupt_race(s.finish())
}
