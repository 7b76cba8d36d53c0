//! [`Daemon`]: one supervisord (ours, or Python's for the differential tests) running in the
//! foreground on a generated config ([`Config`]) in a temporary directory, started by one
//! [`Builder`] and driven over XML-RPC by a tiny client ([`Daemon::call`]) that has a timeout,
//! so a hung daemon fails a test instead of hanging it.
//!
//! Dropping the fixture stops the daemon (SIGTERM, then SIGKILL; or, with
//! [`Builder::stop_all_first`], `stopAllProcesses` then SIGKILL) and kills every child pid the
//! test saw, so nothing leaks. Daemons kept in statics are never dropped: those still running
//! when the test process exits get a SIGTERM then.
//!
//! Everything that waits polls a condition until a deadline ([`wait_for`]).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use supervisor_xmlrpc::{decode_response, encode_call, ResponseError, Struct, Value};

use super::config::{Config, Inet};
use super::process::{alive, kill, terminate};
use super::wait::{wait_for, wait_until, TIMEOUT};
use super::{free_port, py_supervisord, SUPERVISORD};

/// Which supervisord runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Python's supervisord 4.3.0, the reference.
    Python,
    /// Ours.
    Ours,
}

impl Kind {
    /// The daemon's binary.
    pub fn bin(self) -> &'static str {
        match self {
            Kind::Python => py_supervisord(),
            Kind::Ours => SUPERVISORD,
        }
    }

    /// 0 for Python's, 1 for ours: an index into per-daemon statics.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// How to start a [`Daemon`].
pub struct Builder {
    kind: Kind,
    config: Config,
    args: Vec<String>,
    wrapper: Vec<String>,
    env: Vec<(String, String)>,
    capture_stdout: bool,
    wait_ready: bool,
    foreground: bool,
    cwd_in_dir: bool,
    stop_all_first: bool,
    prefix: &'static str,
    timeout: Duration,
    ready_timeout: Duration,
    grace: Duration,
    dir: Option<tempfile::TempDir>,
}

impl Builder {
    /// Runs `kind`'s supervisord (default: ours).
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// Runs Python's supervisord instead of ours.
    pub fn python(self) -> Self {
        self.kind(Kind::Python)
    }

    /// Changes the config directly.
    pub fn config(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// Extra `[supervisord]` lines.
    pub fn supervisord(mut self, lines: &str) -> Self {
        self.config.supervisord.push_str(lines);
        self.config.supervisord.push('\n');
        self
    }

    /// The `[supervisord] loglevel` (default `debug`).
    pub fn loglevel(mut self, level: &str) -> Self {
        self.config.loglevel = Some(level.to_string());
        self
    }

    /// An `[inet_http_server]` on a free port with these credentials and `extra` lines.
    pub fn inet(mut self, user: &str, password: &str, extra: &str) -> Self {
        self.config.inet = Some(Inet {
            port: free_port(),
            user: user.into(),
            password: password.into(),
            extra: extra.into(),
        });
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

    /// Sets an environment variable for the daemon.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Reads the daemon's stdout through a pipe (see [`Daemon::stdout`]).
    pub fn capture_stdout(mut self) -> Self {
        self.capture_stdout = true;
        self
    }

    /// Leaves out `-n`: the daemon forks into the background unless the config says
    /// `nodaemon=true` ([`Daemon::pid`] is then the parent that exits).
    pub fn daemonize(mut self) -> Self {
        self.foreground = false;
        self
    }

    /// Don't wait for the daemon to answer (for daemons expected to fail at startup).
    pub fn no_wait(mut self) -> Self {
        self.wait_ready = false;
        self
    }

    /// Starts the daemon with its temporary directory as the working directory.
    pub fn cwd_in_dir(mut self) -> Self {
        self.cwd_in_dir = true;
        self
    }

    /// When dropped, stops every process over XML-RPC (all at once), then kills the daemon,
    /// which then leaves nothing behind: after a SIGTERM, Python's supervisord takes about a
    /// second per group to shut down.
    pub fn stop_all_first(mut self) -> Self {
        self.stop_all_first = true;
        self
    }

    /// The temporary directory's name prefix.
    pub fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = prefix;
        self
    }

    /// How long [`Daemon::wait_state`] and [`Daemon::wait_exit`] may take (default
    /// [`TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long the daemon may take to answer after it is started (default [`TIMEOUT`]).
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// How long a dropped daemon has between SIGTERM and SIGKILL (default 10 s).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Uses an already created directory (to put helper scripts in it before starting).
    pub fn in_dir(mut self, dir: tempfile::TempDir) -> Self {
        self.dir = Some(dir);
        self
    }

    /// Writes the config and starts the daemon; waits until it answers.
    pub fn start(self) -> Daemon {
        let dir = self.dir.unwrap_or_else(|| super::tempdir(self.prefix));
        let d = dir.path();
        std::fs::create_dir_all(d.join(self.config.childlogdir)).unwrap();
        let conf = d.join("supervisord.conf");
        std::fs::write(&conf, self.config.text(d)).unwrap();
        let bin = self.kind.bin();
        let mut cmd = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        if self.foreground {
            cmd.arg("-n");
        }
        cmd.arg("-c").arg(&conf).args(&self.args);
        if self.cwd_in_dir {
            cmd.current_dir(d);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.stdin(Stdio::null())
            .stderr(std::fs::File::create(d.join("stderr.txt")).unwrap());
        if self.capture_stdout {
            cmd.stdout(Stdio::piped());
        } else {
            cmd.stdout(std::fs::File::create(d.join("stdout.txt")).unwrap());
        }
        let mut child = cmd.spawn().expect("start supervisord");
        register(child.id());
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
        let daemon = Daemon {
            sock: d.join("s.sock"),
            port: self.config.inet.as_ref().map_or(0, |i| i.port),
            conf,
            dir,
            kind: self.kind,
            config: self.config,
            child: Some(child),
            exit: None,
            stdout,
            seen_pids: Mutex::new(BTreeSet::new()),
            timeout: self.timeout,
            grace: self.grace,
            stop_all_first: self.stop_all_first,
        };
        if self.wait_ready {
            wait_until(self.ready_timeout, "the daemon to answer", || {
                daemon.answers()
            });
        }
        daemon
    }
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
    Transport(#[allow(dead_code)] String), // read through `Debug` in panic messages
}

/// A supervisord under test.
pub struct Daemon {
    /// The temporary directory (config, socket, logs).
    pub dir: tempfile::TempDir,
    /// The config file.
    pub conf: PathBuf,
    /// The UNIX socket (when the config has one).
    pub sock: PathBuf,
    /// The inet server's port (0 without one).
    pub port: u16,
    /// Which supervisord runs.
    pub kind: Kind,
    config: Config,
    child: Option<Child>,
    exit: Option<ExitStatus>,
    stdout: Arc<Mutex<Vec<u8>>>,
    seen_pids: Mutex<BTreeSet<i32>>,
    timeout: Duration,
    grace: Duration,
    stop_all_first: bool,
}

impl Daemon {
    /// Starts our daemon with these program sections.
    pub fn start(programs: &str) -> Daemon {
        Daemon::builder(programs).start()
    }

    /// A builder for our daemon on the default [`Config`] with these program sections.
    pub fn builder(programs: &str) -> Builder {
        Builder {
            kind: Kind::Ours,
            config: Config {
                programs: programs.to_string(),
                ..Config::default()
            },
            args: Vec::new(),
            wrapper: Vec::new(),
            env: Vec::new(),
            capture_stdout: false,
            wait_ready: true,
            foreground: true,
            cwd_in_dir: false,
            stop_all_first: false,
            prefix: "sd-e2e",
            timeout: TIMEOUT,
            ready_timeout: TIMEOUT,
            grace: Duration::from_secs(10),
            dir: None,
        }
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the temporary directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The UNIX socket's server URL.
    pub fn unix_url(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    /// The inet server's URL.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The inet server's user name and password.
    pub fn credentials(&self) -> (String, String) {
        let inet = self.config.inet.as_ref().expect("an inet server");
        (inet.user.clone(), inet.password.clone())
    }

    /// The inet server's `Authorization` header value.
    pub fn basic_auth(&self) -> String {
        let inet = self.config.inet.as_ref().expect("an inet server");
        basic(&inet.user, &inet.password)
    }

    /// Rewrites the config with new program sections (for reread/update/reload tests).
    pub fn rewrite(&self, programs: &str) {
        let mut config = self.config.clone();
        config.programs = programs.to_string();
        std::fs::write(&self.conf, config.text(self.dir.path())).unwrap();
    }

    /// The daemon's pid (of the process we started).
    pub fn pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    /// Whether the daemon answers (XML-RPC, or just accepts a connection without the RPC
    /// interface).
    fn answers(&self) -> bool {
        if !self.config.rpcinterface {
            return match self.config.unix {
                true => UnixStream::connect(&self.sock).is_ok(),
                false => std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
            };
        }
        self.try_call("supervisor.getPID", &[]).is_ok()
    }

    /// Calls `method` once, on the UNIX socket if there is one, else on the inet server with
    /// its credentials; no retries.
    pub fn try_call(&self, method: &str, params: &[Value]) -> Result<Value, CallError> {
        let t = |e: std::io::Error| CallError::Transport(e.to_string());
        let body = encode_call(method, params);
        let mut head = format!(
            "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\n\
             Content-Length: {}\r\n",
            body.len()
        );
        let resp = if self.config.unix {
            head.push_str("\r\n");
            let s = UnixStream::connect(&self.sock).map_err(t)?;
            s.set_read_timeout(Some(TIMEOUT)).map_err(t)?;
            s.set_write_timeout(Some(TIMEOUT)).map_err(t)?;
            exchange(s, &head, &body).map_err(t)?
        } else {
            head.push_str(&format!("Authorization: {}\r\n\r\n", self.basic_auth()));
            let s = std::net::TcpStream::connect(("127.0.0.1", self.port)).map_err(t)?;
            s.set_read_timeout(Some(TIMEOUT)).map_err(t)?;
            s.set_write_timeout(Some(TIMEOUT)).map_err(t)?;
            exchange(s, &head, &body).map_err(t)?
        };
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

    /// `getProcessInfo(namespec)`.
    pub fn info(&self, namespec: &str) -> Info {
        let v = self.call("supervisor.getProcessInfo", &[Value::from(namespec)]);
        let info = Info::from_value(&v);
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

    /// `getProcessInfo(namespec)`, or `None` if the daemon can't answer now (e.g. it is
    /// reloading and answers `SHUTDOWN_STATE`).
    pub fn try_info(&self, namespec: &str) -> Option<Info> {
        let v = self
            .try_call("supervisor.getProcessInfo", &[Value::from(namespec)])
            .ok()?;
        let info = Info::from_value(&v);
        if info.pid > 0 {
            self.seen_pids.lock().unwrap().insert(info.pid);
        }
        Some(info)
    }

    /// The state name of `namespec` (`getProcessInfo`).
    pub fn state(&self, namespec: &str) -> String {
        self.info(namespec).state
    }

    /// Waits (up to the builder's timeout) until `namespec` is in `state`; returns its info.
    pub fn wait_state(&self, namespec: &str, state: &str) -> Info {
        self.wait_state_within(self.timeout, namespec, state)
    }

    /// Waits up to `timeout` until `namespec` is in `state`; returns its info.
    pub fn wait_state_within(&self, timeout: Duration, namespec: &str, state: &str) -> Info {
        wait_for(timeout, &format!("{namespec} to be {state}"), || {
            self.try_info(namespec).filter(|i| i.state == state)
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
        String::from_utf8_lossy(&std::fs::read(self.file("supervisord.log")).unwrap_or_default())
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
            std::fs::read(self.file("stdout.txt")).unwrap_or_default()
        } else {
            captured
        }
    }

    /// What the daemon wrote to its stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.file("stderr.txt")).unwrap_or_default()
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
                    unregister(c.id());
                }
            }
        }
        self.exit
    }

    /// Waits (up to the builder's timeout) for the daemon to exit and returns its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let timeout = self.timeout;
        wait_for(timeout, "the daemon to exit", || self.try_exit())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            if let Some(mut c) = self.child.take() {
                unregister(c.id());
                if self.stop_all_first && self.try_call("supervisor.stopAllProcesses", &[]).is_ok()
                {
                    let _ = c.kill();
                    let _ = c.wait();
                } else {
                    terminate(&mut c, self.grace);
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

/// Writes `head` and `body` to `stream` and reads the whole response.
fn exchange(mut stream: impl Read + Write, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp)?;
    Ok(resp)
}

/// A Basic `Authorization` header value.
pub fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

/// Pids of the daemons still running, for [`stop_leftovers`].
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Records a started daemon; the first call arranges for [`stop_leftovers`] to run at exit.
fn register(pid: u32) {
    static AT_EXIT: std::sync::Once = std::sync::Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: registers a plain `extern "C"` function; it runs once, at process exit.
        unsafe { libc::atexit(stop_leftovers) };
    });
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
}

/// Forgets a daemon that has exited or been stopped (its pid may be reused).
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
        kill(pid as i32, libc::SIGTERM);
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
