//! The interactive shell on a pseudo-terminal: the implicit `status`, the prompt, Tab completion
//! of commands and process names, the history file and Ctrl-D, against a real daemon (Python's
//! `supervisord` from `$SUPERVISOR_RS_VENV` or `<repo>/.venv`, or `SUPERVISORD_BIN`).
//!
//! This test binary has its own `main`: started with `CTL_PTY_AS_SUPERVISORCTL=1` it *is*
//! supervisorctl (the library's entry point), so the shell runs on the pty without depending on
//! the root package's binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rexpect::session::{spawn_command, PtySession};
use supervisorctl::rpc::Client;

const AS_CTL: &str = "CTL_PTY_AS_SUPERVISORCTL";

struct Daemon {
    dir: tempfile::TempDir,
    child: Child,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::Builder::new().prefix("pty").tempdir().unwrap();
        let d = dir.path().display();
        let conf = format!(
            "[unix_http_server]\nfile={d}/s.sock\n\n[supervisord]\nlogfile={d}/supervisord.log\n\
             pidfile={d}/supervisord.pid\nchildlogdir={d}\n\n[rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
             [supervisorctl]\nserverurl=unix://{d}/s.sock\nhistory_file={d}/history\n\
             prompt=ptytest\n\n\
             [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n\
             [group:grp]\nprograms=alpha,beta\n\n\
             [program:alpha]\ncommand=sleep 1000\nstartsecs=0\n\n\
             [program:beta]\ncommand=sleep 1000\nstartsecs=0\n"
        );
        std::fs::write(dir.path().join("supervisord.conf"), conf).unwrap();
        let bin = std::env::var_os("SUPERVISORD_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                std::env::var_os("SUPERVISOR_RS_VENV")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"))
                    .join("bin/supervisord")
            });
        let child = Command::new(bin)
            .arg("-n")
            .arg("-c")
            .arg(dir.path().join("supervisord.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        let daemon = Daemon { dir, child };
        let url = format!("unix://{}/s.sock", daemon.dir.path().display());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let infos = Client::new(&url, None, None)
                .get_all_process_info()
                .unwrap_or_default();
            if infos.len() == 3 && infos.iter().all(|i| i.statename == "RUNNING") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "daemon did not start its programs"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("supervisord.conf")
    }

    fn shell(&self) -> PtySession {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.env(AS_CTL, "1").arg("-c").arg(self.conf());
        spawn_command(cmd, Some(20_000)).expect("spawn shell on a pty")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

fn prompt_status_completion_history(d: &Daemon) {
    let mut p = d.shell();
    // The implicit `status` comes first, then the configured prompt.
    p.exp_string("grp:alpha").unwrap();
    p.exp_string("sleeper").unwrap();
    p.exp_string("ptytest> ").unwrap();

    // A unique command prefix completes with a trailing space; then a process name.
    p.send("vers\t").unwrap();
    p.flush().unwrap();
    p.exp_string("version ").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("4.3.0").unwrap();
    p.exp_string("ptytest> ").unwrap();

    p.send("status sle\t").unwrap();
    p.flush().unwrap();
    p.exp_string("sleeper ").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("RUNNING").unwrap();
    p.exp_string("ptytest> ").unwrap();

    // Group members complete as group:name.
    p.send("pid grp:al\t").unwrap();
    p.flush().unwrap();
    p.exp_string("grp:alpha ").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("ptytest> ").unwrap();

    // Ctrl-D leaves the shell with an empty line and exit status 0.
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    let status = p.process().wait().unwrap();
    let status = format!("{status:?}");
    assert!(
        status.contains("Exited") && status.ends_with(", 0)"),
        "{status}"
    );

    let history = std::fs::read_to_string(d.dir.path().join("history")).unwrap();
    assert_eq!(history, "version \nstatus sleeper \npid grp:alpha \n");

    // The next session starts with that history: Up recalls the last line.
    let mut p = d.shell();
    p.exp_string("ptytest> ").unwrap();
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    p.exp_string("pid grp:alpha").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("ptytest> ").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();
    let history = std::fs::read_to_string(d.dir.path().join("history")).unwrap();
    assert_eq!(
        history,
        "version \nstatus sleeper \npid grp:alpha \npid grp:alpha \nquit\n"
    );
}

fn ctrl_c_ends_streaming_but_not_the_shell(d: &Daemon) {
    let mut p = d.shell();
    p.exp_string("ptytest> ").unwrap();
    p.send_line("tail -f sleeper").unwrap();
    p.exp_string("==> Press Ctrl-C to exit <==").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("ptytest> ").unwrap();
    p.send_line("fg sleeper").unwrap();
    p.exp_string("==> Press Ctrl-C to exit <==").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("Exiting foreground").unwrap();
    p.exp_string("ptytest> ").unwrap();
    p.send_line("quit").unwrap();
    p.exp_eof().unwrap();
}

fn ctrl_c_at_the_prompt_exits(d: &Daemon) {
    let mut p = d.shell();
    p.exp_string("ptytest> ").unwrap();
    p.send_control('c').unwrap();
    p.exp_eof().unwrap();
}

fn main() {
    if std::env::var_os(AS_CTL).is_some() {
        std::process::exit(supervisorctl::main_entry());
    }
    type Test = (&'static str, fn(&Daemon));
    let tests: [Test; 3] = [
        (
            "prompt_status_completion_history",
            prompt_status_completion_history,
        ),
        (
            "ctrl_c_ends_streaming_but_not_the_shell",
            ctrl_c_ends_streaming_but_not_the_shell,
        ),
        ("ctrl_c_at_the_prompt_exits", ctrl_c_at_the_prompt_exits),
    ];
    // Speak enough of libtest's command line for cargo test and cargo nextest: `--list` names
    // the tests, a positional filter (with `--exact` from nextest) selects them.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        // Only ignored tests were asked for: there are none.
        if !args.iter().any(|a| a == "--ignored") {
            for (name, _) in &tests {
                println!("{name}: test");
            }
        }
        return;
    }
    let exact = args.iter().any(|a| a == "--exact");
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let selected: Vec<&Test> = tests
        .iter()
        .filter(|(name, _)| match filter {
            None => true,
            Some(f) if exact => name == f,
            Some(f) => name.contains(f.as_str()),
        })
        .collect();
    if selected.is_empty() {
        return;
    }
    let d = Daemon::start();
    for (name, test) in selected {
        test(&d);
        println!("test {name} ... ok");
    }
}
