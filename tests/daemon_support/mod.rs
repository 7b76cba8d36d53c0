//! Shared harness of the daemon's end-to-end tests (`tests/daemon_*.rs`).
//!
//! A [`TestDaemon`] is one supervisord (ours by default, Python's for the differential test)
//! running in the foreground on a generated config in a temporary directory, driven over
//! XML-RPC on its UNIX socket by a tiny client ([`TestDaemon::call`]) that has a timeout, so a
//! hung daemon fails a test instead of hanging it. Dropping the fixture stops the daemon
//! (SIGTERM, then SIGKILL) and kills every child pid the test saw, so nothing leaks.
//!
//! Everything that waits polls a condition until a deadline ([`wait_until`]); nothing sleeps a
//! fixed time to "let things settle".

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use supervisor_xmlrpc::{decode_response, encode_call, ResponseError, Struct, Value};

/// Our supervisord.
pub const OURS: &str = env!("CARGO_BIN_EXE_supervisord");
/// Python's supervisord 4.3.0 from the project's venv.
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisord");
/// The venv's Python (used for helper programs that need signal handling).
pub const PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");

/// How long any single condition may take on a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Polls `cond` every 10 ms until it holds; panics naming `what` after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Like [`wait_until`] but returns the first `Some` value.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `sig` to `pid` (a negative pid is a process group); errors are ignored.
pub fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Whether a process with this pid exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_field(&stat, 3).is_some_and(|s| s != "Z" && s != "X"),
        Err(_) => false,
    }
}

/// Field `n` (1-based, as in proc(5)) of a `/proc/PID/stat` line.
pub fn stat_field(stat: &str, n: usize) -> Option<String> {
    // The command name (field 2) is in parentheses and may contain spaces.
    let close = stat.rfind(')')?;
    if n == 1 {
        return stat.split_whitespace().next().map(str::to_string);
    }
    if n == 2 {
        return Some(stat[stat.find('(')? + 1..close].to_string());
    }
    stat[close + 1..]
        .split_whitespace()
        .nth(n - 3)
        .map(str::to_string)
}

/// The process group of `pid`.
pub fn pgid_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 5)?.parse().ok()
}

/// The direct children of `pid`.
pub fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Writes an executable shell script into `dir`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// How to start a [`TestDaemon`].
pub struct Builder {
    bin: PathBuf,
    supervisord: String,
    programs: String,
    args: Vec<String>,
    wrapper: Vec<String>,
    loglevel: String,
    capture_stdout: bool,
    wait_ready: bool,
    foreground: bool,
    dir: Option<tempfile::TempDir>,
}

impl Builder {
    /// Extra `[supervisord]` lines.
    pub fn supervisord(mut self, lines: &str) -> Self {
        self.supervisord.push_str(lines);
        self.supervisord.push('\n');
        self
    }

    /// The `[supervisord] loglevel` (default `debug`).
    pub fn loglevel(mut self, level: &str) -> Self {
        self.loglevel = level.to_string();
        self
    }

    /// Extra command-line arguments after `-n -c CONF`.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    /// Runs the daemon through this command prefix (e.g. `unshare --pid --fork`).
    pub fn wrapper(mut self, words: &[&str]) -> Self {
        self.wrapper = words.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Runs Python's supervisord instead of ours.
    pub fn python(mut self) -> Self {
        self.bin = PathBuf::from(PYTHON);
        self
    }

    /// Reads the daemon's stdout through a pipe (see [`TestDaemon::stdout`]).
    pub fn capture_stdout(mut self) -> Self {
        self.capture_stdout = true;
        self
    }

    /// Leaves out `-n`: the daemon forks into the background unless the config says
    /// `nodaemon=true` ([`TestDaemon::pid`] is then the parent that exits).
    pub fn daemonize(mut self) -> Self {
        self.foreground = false;
        self
    }

    /// Don't wait for the socket (for daemons expected to fail at startup).
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }

    /// Uses an already created directory (to put helper scripts in it before starting).
    pub fn in_dir(mut self, dir: tempfile::TempDir) -> Self {
        self.dir = Some(dir);
        self
    }

    /// Writes the config and starts the daemon; waits until it answers on its socket.
    pub fn start(self) -> TestDaemon {
        let dir = self.dir.unwrap_or_else(new_dir);
        let d = dir.path();
        std::fs::create_dir_all(d.join("logs")).unwrap();
        let conf = d.join("supervisord.conf");
        let text = format!(
            "[unix_http_server]\nfile={d}/s.sock\n\n\
             [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
             childlogdir={d}/logs\nloglevel={level}\n{extra}\n\
             [rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             {programs}",
            d = d.display(),
            level = self.loglevel,
            extra = self.supervisord,
            programs = self.programs,
        );
        std::fs::write(&conf, text).unwrap();
        let mut cmd = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&self.bin);
                c
            }
            None => Command::new(&self.bin),
        };
        if self.foreground {
            cmd.arg("-n");
        }
        cmd.arg("-c").arg(&conf).args(&self.args);
        cmd.stdin(Stdio::null())
            .stderr(std::fs::File::create(d.join("stderr.txt")).unwrap());
        if self.capture_stdout {
            cmd.stdout(Stdio::piped());
        } else {
            cmd.stdout(std::fs::File::create(d.join("stdout.txt")).unwrap());
        }
        let mut child = cmd.spawn().expect("start supervisord");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        if let Some(mut pipe) = child.stdout.take() {
            let sink = Arc::clone(&stdout);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        let daemon = TestDaemon {
            sock: d.join("s.sock"),
            conf,
            dir,
            child: Some(child),
            exit: None,
            stdout,
            seen_pids: Mutex::new(BTreeSet::new()),
        };
        if self.wait_ready {
            wait_until(TIMEOUT, "the daemon to answer on its socket", || {
                daemon.try_call("supervisor.getPID", &[]).is_ok()
            });
        }
        daemon
    }
}

fn new_dir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("sd-e2e").tempdir().unwrap()
}

/// A new temporary directory for a test that writes helper files before starting the daemon.
pub fn tempdir() -> tempfile::TempDir {
    new_dir()
}

/// One `getProcessInfo` struct, with the fields tests look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// Process name.
    pub name: String,
    /// Group name.
    pub group: String,
    /// State name (`RUNNING`).
    pub state: String,
    /// Pid (0 if none).
    pub pid: i32,
    /// `exitstatus`.
    pub exitstatus: i64,
    /// `spawnerr`.
    pub spawnerr: String,
    /// `stdout_logfile`.
    pub stdout_logfile: String,
    /// `stderr_logfile`.
    pub stderr_logfile: String,
    /// `start`.
    pub start: i64,
}

impl Info {
    fn from_value(v: &Value) -> Info {
        let s: &Struct = v.as_struct().expect("process info is a struct");
        let str_of = |k: &str| {
            s.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let int_of = |k: &str| s.get(k).and_then(Value::as_i64).unwrap_or(0);
        Info {
            name: str_of("name"),
            group: str_of("group"),
            state: str_of("statename"),
            pid: int_of("pid") as i32,
            exitstatus: int_of("exitstatus"),
            spawnerr: str_of("spawnerr"),
            stdout_logfile: str_of("stdout_logfile"),
            stderr_logfile: str_of("stderr_logfile"),
            start: int_of("start"),
        }
    }
}

/// Why an RPC failed.
#[derive(Debug)]
pub enum CallError {
    /// The daemon answered with a fault.
    Fault(i32, String),
    /// Connecting, sending or reading failed, or the answer was not XML-RPC.
    Transport(String),
}

/// A supervisord under test.
pub struct TestDaemon {
    /// The temporary directory (config, socket, logs in `logs/`).
    pub dir: tempfile::TempDir,
    /// The config file.
    pub conf: PathBuf,
    /// The UNIX socket.
    pub sock: PathBuf,
    child: Option<Child>,
    exit: Option<ExitStatus>,
    stdout: Arc<Mutex<Vec<u8>>>,
    seen_pids: Mutex<BTreeSet<i32>>,
}

impl TestDaemon {
    /// Starts our daemon with these program sections.
    pub fn start(programs: &str) -> TestDaemon {
        TestDaemon::builder(programs).start()
    }

    /// A builder for our daemon with these program sections.
    pub fn builder(programs: &str) -> Builder {
        Builder {
            bin: PathBuf::from(OURS),
            supervisord: String::new(),
            programs: programs.to_string(),
            args: Vec::new(),
            wrapper: Vec::new(),
            loglevel: "debug".to_string(),
            capture_stdout: false,
            wait_ready: true,
            foreground: true,
            dir: None,
        }
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The daemon's pid (of the process we started).
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// Calls `method` once; no retries.
    pub fn try_call(&self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        let body = encode_call(method, params);
        let t = |e: std::io::Error| CallError::Transport(e.to_string());
        let mut s = UnixStream::connect(&self.sock).map_err(t)?;
        s.set_read_timeout(Some(TIMEOUT)).map_err(t)?;
        s.set_write_timeout(Some(TIMEOUT)).map_err(t)?;
        let head = format!(
            "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).map_err(t)?;
        s.write_all(&body).map_err(t)?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).map_err(t)?;
        let split = resp
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| CallError::Transport("no HTTP header".into()))?;
        let head = String::from_utf8_lossy(&resp[..split]).to_string();
        if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
            return Err(CallError::Transport(head));
        }
        match decode_response(&resp[split + 4..]) {
            Ok(v) => Ok(v),
            Err(ResponseError::Fault(f)) => Err(CallError::Fault(f.code, f.string)),
            Err(e) => Err(CallError::Transport(e.to_string())),
        }
    }

    /// Calls `method`, panicking on any error.
    pub fn call(&self, method: &str, params: &[Value]) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|e| panic!("{method}: {e:?}"))
    }

    /// `getProcessInfo(name)`.
    pub fn info(&self, name: &str) -> Info {
        let info = Info::from_value(&self.call("supervisor.getProcessInfo", &[Value::from(name)]));
        if info.pid > 0 {
            self.seen_pids.lock().unwrap().insert(info.pid);
        }
        info
    }

    /// `getAllProcessInfo()`.
    pub fn all_info(&self) -> Vec<Info> {
        let v = self.call("supervisor.getAllProcessInfo", &[]);
        let infos: Vec<Info> = v
            .as_array()
            .expect("an array")
            .iter()
            .map(Info::from_value)
            .collect();
        let mut seen = self.seen_pids.lock().unwrap();
        seen.extend(infos.iter().map(|i| i.pid).filter(|p| *p > 0));
        infos
    }

    /// Remembers a pid to kill when the test ends (grandchildren a test created).
    pub fn track(&self, pid: i32) {
        self.seen_pids.lock().unwrap().insert(pid);
    }

    /// `getProcessInfo(name)`, or `None` if the daemon can't answer now (e.g. it is
    /// reloading and answers `SHUTDOWN_STATE`).
    pub fn try_info(&self, name: &str) -> Option<Info> {
        let v = self
            .try_call("supervisor.getProcessInfo", &[Value::from(name)])
            .ok()?;
        let info = Info::from_value(&v);
        if info.pid > 0 {
            self.seen_pids.lock().unwrap().insert(info.pid);
        }
        Some(info)
    }

    /// Waits until `name` is in `state`; returns its info.
    pub fn wait_state(&self, name: &str, state: &str) -> Info {
        wait_for(TIMEOUT, &format!("{name} to be {state}"), || {
            self.try_info(name).filter(|i| i.state == state)
        })
    }

    /// Starts `name` without waiting for RUNNING (`startProcess(name, False)`).
    pub fn start_nowait(&self, name: &str) -> Result<Value, CallError> {
        self.try_call(
            "supervisor.startProcess",
            &[Value::from(name), Value::Bool(false)],
        )
    }

    /// Stops `name` and waits for the answer (`stopProcess(name)`).
    pub fn stop(&self, name: &str) -> Result<Value, CallError> {
        self.try_call("supervisor.stopProcess", &[Value::from(name)])
    }

    /// The daemon's log file.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(
            &std::fs::read(self.path().join("supervisord.log")).unwrap_or_default(),
        )
        .into_owned()
    }

    /// The log's messages without the timestamp: `LEVEL message` per record.
    pub fn log_messages(&self) -> Vec<String> {
        log_messages(&self.log())
    }

    /// Waits until the daemon log contains `needle`; returns the log.
    pub fn wait_log(&self, needle: &str) -> String {
        wait_for(TIMEOUT, &format!("{needle:?} in the daemon log"), || {
            let log = self.log();
            log.contains(needle).then_some(log)
        })
    }

    /// Waits until `needle` occurs at least `n` times in the daemon log.
    pub fn wait_log_count(&self, needle: &str, n: usize) -> String {
        wait_for(
            TIMEOUT,
            &format!("{n} x {needle:?} in the daemon log"),
            || {
                let log = self.log();
                (log.matches(needle).count() >= n).then_some(log)
            },
        )
    }

    /// What the daemon wrote to its stdout (with [`Builder::capture_stdout`]: a pipe; otherwise
    /// the file `stdout.txt`).
    pub fn stdout(&self) -> Vec<u8> {
        let captured = self.stdout.lock().unwrap().clone();
        if captured.is_empty() {
            std::fs::read(self.path().join("stdout.txt")).unwrap_or_default()
        } else {
            captured
        }
    }

    /// What the daemon wrote to its stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.path().join("stderr.txt")).unwrap_or_default()
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, sig: i32) {
        kill(self.pid(), sig);
    }

    /// The daemon's exit status once it has exited.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            if let Some(c) = &mut self.child {
                if let Ok(Some(st)) = c.try_wait() {
                    self.exit = Some(st);
                }
            }
        }
        self.exit
    }

    /// Waits for the daemon to exit and returns its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_for(TIMEOUT, "the daemon to exit", || self.try_exit())
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            self.signal(libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(10);
            while self.try_exit().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if self.try_exit().is_none() {
                if let Some(c) = &mut self.child {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
        }
        // Whatever a test started and the daemon did not stop (grandchildren, survivors).
        for pid in self.seen_pids.lock().unwrap().iter() {
            if alive(*pid) {
                kill(*pid, libc::SIGKILL);
            }
        }
    }
}

/// A daemon log without timestamps: `LEVEL message` per record (continuation lines of
/// multi-line records stay attached to their record).
pub fn log_messages(log: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in log.lines() {
        // `YYYY-MM-DD HH:MM:SS,mmm LEVEL message`
        let is_record = line.len() > 24
            && line.as_bytes()[4] == b'-'
            && line.as_bytes()[10] == b' '
            && line.as_bytes()[19] == b',';
        if is_record {
            out.push(line[24..].to_string());
        } else if let Some(last) = out.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    out
}

/// The timestamp of a log record as seconds since midnight (for interval checks).
pub fn log_time(line: &str) -> Option<f64> {
    let t = line.get(11..23)?;
    let h: f64 = t.get(0..2)?.parse().ok()?;
    let m: f64 = t.get(3..5)?.parse().ok()?;
    let s: f64 = t.get(6..8)?.parse().ok()?;
    let ms: f64 = t.get(9..12)?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s + ms / 1000.0)
}

/// The times of the log lines containing `needle`.
pub fn times_of(log: &str, needle: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains(needle))
        .filter_map(log_time)
        .collect()
}
