//! pidproxy end to end: this test binary re-runs itself as `pidproxy` (the `pidproxy_helper`
//! test calls `supervisord::pidproxy::run`), and the tests signal it and watch what happens to
//! the process named in the pid file.

use std::ffi::OsString;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::{wait_until, DEADLINE};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Separates arguments in the environment variable that carries them to the helper.
const SEP: char = '\u{1f}';

/// A running pidproxy whose stdout/stderr are collected by reader threads.
struct Proxy {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Proxy {
    fn start(args: &[&str]) -> Proxy {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "pidproxy_signals::pidproxy_helper",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("PIDPROXY_TEST_ARGS", args.join(&SEP.to_string()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for mut stream in streams {
            let output = Arc::clone(&output);
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }));
        }
        Proxy {
            child,
            output,
            readers,
        }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn signal(&self, sig: Signal) {
        kill(self.pid(), sig).unwrap();
    }

    fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for pidproxy to exit; returns its status and everything it printed.
    fn finish(mut self) -> (ExitStatus, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("pidproxy did not exit; output so far:\n{}", self.output());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let output = self.output();
        (status, output)
    }
}

fn read_pid(path: &Path) -> Option<Pid> {
    let text = std::fs::read_to_string(path).ok()?;
    text.trim().parse().ok().map(Pid::from_raw)
}

fn exists(pid: Pid) -> bool {
    // A zombie still "exists" for kill(0); look at /proc and treat zombies as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().unwrap().trim_start().starts_with('Z'))
        .unwrap_or(false)
}

/// Gone for good: not even a zombie waiting for its parent to collect it.
fn reaped(pid: Pid) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn daemonizing_command_is_followed_through_its_pidfile() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("daemon.pid");
    let shpid = dir.path().join("sh.pid");
    let script = format!(
        "echo $$ > {sh}; sleep 1000 >/dev/null 2>&1 </dev/null & echo $! > {pid}",
        sh = shpid.display(),
        pid = pidfile.display()
    );
    let mut proxy = Proxy::start(&[pidfile.to_str().unwrap(), "/bin/sh", "-c", &script]);

    // The command exits at once, leaving its background child behind (a daemonizing program).
    let mut sh = None;
    let mut daemon = None;
    wait_until(
        DEADLINE,
        "the command to exit and the daemon pid to be written",
        || {
            sh = sh.or_else(|| read_pid(&shpid));
            daemon = daemon.or_else(|| read_pid(&pidfile));
            matches!((sh, daemon), (Some(s), Some(_)) if reaped(s))
        },
    );
    let daemon = daemon.unwrap();
    assert!(exists(daemon));
    // Python's pidproxy would exit here; ours keeps proxying for the process in the pid file.
    assert!(proxy.running(), "pidproxy exited: {}", proxy.output());

    // HUP is forwarded (and kills `sleep`); once that process is gone, pidproxy exits 0.
    proxy.signal(Signal::SIGHUP);
    let (status, output) = proxy.finish();
    assert_eq!(status.code(), Some(0), "{output}");
    wait_until(DEADLINE, "the daemon to be gone", || !exists(daemon));
}

#[test]
fn term_is_forwarded_and_pidproxy_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("fg.pid");
    let script = format!("echo $$ > {}; exec sleep 1000", pidfile.display());
    let proxy = Proxy::start(&[pidfile.to_str().unwrap(), "/bin/sh", "-c", &script]);
    let mut target = None;
    wait_until(DEADLINE, "the pid file", || {
        target = read_pid(&pidfile);
        target.is_some()
    });
    let target = target.unwrap();
    proxy.signal(Signal::SIGTERM);
    let (status, output) = proxy.finish();
    assert_eq!(status.code(), Some(0), "{output}");
    wait_until(DEADLINE, "the proxied process to die of SIGTERM", || {
        !exists(target)
    });
}

#[test]
fn unreadable_pidfile_is_reported_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pid");
    let marker = dir.path().join("started");
    // The command waits on stdin (pidproxy's, which this test holds), so it lives until we say.
    let script = format!("echo $$ > {}; read x", marker.display());
    let mut proxy = Proxy::start(&[missing.to_str().unwrap(), "/bin/sh", "-c", &script]);
    wait_until(DEADLINE, "the command to start", || {
        read_pid(&marker).is_some()
    });

    proxy.signal(Signal::SIGUSR1);
    let expected = format!("Can't read child pidfile {}!", missing.display());
    wait_until(DEADLINE, "the complaint", || {
        proxy.output().contains(&expected)
    });
    // Even TERM does not end pidproxy when the pid file can't be read (as in Python).
    proxy.signal(Signal::SIGTERM);
    wait_until(DEADLINE, "the second complaint", || {
        proxy.output().matches(&expected).count() == 2
    });
    assert!(proxy.running());

    // The command ends when its stdin closes; with no pid file and no children left, so does
    // pidproxy.
    drop(proxy.child.stdin.take());
    let (status, output) = proxy.finish();
    assert_eq!(status.code(), Some(0), "{output}");
}

#[test]
fn missing_command_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("x.pid");
    let missing = dir.path().join("no-such-command");
    let proxy = Proxy::start(&[pidfile.to_str().unwrap(), missing.to_str().unwrap()]);
    let (status, output) = proxy.finish();
    assert_eq!(status.code(), Some(127), "{output}");
    assert!(
        output.contains(&format!(
            "pidproxy: couldn't exec {}: ENOENT",
            missing.display()
        )),
        "{output}"
    );
}

/// Not a test on its own: the tests above run this binary with PIDPROXY_TEST_ARGS set, and this
/// becomes pidproxy.
#[test]
#[ignore = "helper process for the pidproxy tests"]
fn pidproxy_helper() {
    let Ok(args) = std::env::var("PIDPROXY_TEST_ARGS") else {
        return;
    };
    let mut argv: Vec<OsString> = vec!["pidproxy".into()];
    argv.extend(args.split(SEP).map(OsString::from));
    let code = supervisord::pidproxy::run(argv, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
