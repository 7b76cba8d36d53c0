//! The supervisorctl golden tests' part of the harness (`ctl_*`, `compat_ctl_daemons`).
//!
//! Each test file starts a daemon on a temporary config (a UNIX socket plus an inet server
//! with Basic auth), then runs **our** supervisorctl and **Python's** against it with the same
//! arguments and compares stdout, stderr and exit status after normalising what legitimately
//! differs between two runs (pids' uptimes, program paths, Python traceback locations).
//!
//! Every test that needs a daemon runs twice, once against Python's `supervisord` and once
//! against ours ([`DaemonKind`], [`both_daemons!`]): the clients must agree on either server.
//! `compat_ctl_daemons` uses the same harness the other way round: one client (Python's), two
//! daemons.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use supervisorctl::rpc::Client;

pub use super::daemon::Kind as DaemonKind;
use super::daemon::{Builder, Daemon};
use super::{py_supervisorctl, SUPERVISORCTL};

/// The inet server's credentials.
pub const USER: &str = "user";
/// The inet server's password.
pub const PASSWORD: &str = "123";

/// For each named function `fn NAME(kind: DaemonKind)`, defines the tests `NAME::python` and
/// `NAME::ours`, which call it with Python's daemon and with ours.
macro_rules! both_daemons {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn python() {
                super::$name($crate::support::ctl::DaemonKind::Python)
            }

            #[test]
            fn ours() {
                super::$name($crate::support::ctl::DaemonKind::Ours)
            }
        }
    )*};
}

pub(crate) use both_daemons;

/// The ctl tests' daemon: both servers, `loglevel=info`, child logs in the directory, a
/// `[supervisorctl]` section; dropping it stops all processes first (Python's supervisord
/// takes about a second per group after a SIGTERM).
pub fn builder(kind: DaemonKind, programs: &str) -> Builder {
    Daemon::builder(programs)
        .kind(kind)
        .prefix("ctl")
        .inet(USER, PASSWORD, "")
        .config(|c| {
            c.childlogdir = "";
            c.loglevel = Some("info".into());
            c.supervisorctl = true;
        })
        .stop_all_first()
        .grace(Duration::from_secs(15))
        .timeout(Duration::from_secs(30))
}

/// Starts `kind`'s daemon on the ctl config with these programs, waiting until it answers.
pub fn start(kind: DaemonKind, programs: &str) -> Daemon {
    builder(kind, programs).start()
}

/// Like [`start`], optionally without the `[rpcinterface:supervisor]` section.
pub fn start_with(kind: DaemonKind, programs: &str, with_rpcinterface: bool) -> Daemon {
    builder(kind, programs)
        .config(|c| c.rpcinterface = with_rpcinterface)
        .start()
}

impl Daemon {
    /// Our supervisorctl's RPC client on the UNIX socket.
    pub fn client(&self) -> Client {
        Client::new(&self.unix_url(), None, None)
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

/// The config before the reread/update tests change it (`ctl_update` and
/// `compat_ctl_daemons`): one program to keep, one to remove, one to change, one idle.
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
    let py = run_prog(py_supervisorctl(), args, stdin, cwd);
    let ours = run_prog(SUPERVISORCTL, args, stdin, cwd);
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
    let py = run_prog(py_supervisorctl(), args, "", cwd);
    reset();
    let ours = run_prog(SUPERVISORCTL, args, "", cwd);
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
    let py = sorted(run_prog(py_supervisorctl(), args, "", cwd));
    reset();
    let ours = sorted(run_prog(SUPERVISORCTL, args, "", cwd));
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
    if !Path::new(prog).starts_with(crate::support::venv()) {
        return settle_interrupt_race(s.finish());
    }
    // Python's `tail -f` waits in asyncore's `select()` with a 30 s timeout. A SIGINT that lands
    // after the interpreter checked for signals but before `select()` blocks is only acted on
    // when `select()` returns (CPython's classic lost-wakeup race), so Python's ctl can sit out
    // the whole 30 s; a person presses Ctrl-C again. So does the test, for Python's ctl only and
    // only once it has outlived the first interrupt by 2 s, so the usual run is untouched (ours
    // reads its signals through a self-pipe and has no such race: one press must do).
    let pid = s.child.id() as libc::pid_t;
    let pressed = Instant::now();
    settle_interrupt_race(s.finish_nudging(move || {
        if pressed.elapsed() > Duration::from_secs(2) {
            // SAFETY: kill(2) on our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
    }))
}
