//! The command interpreter (Python's `Controller`, a `cmd.Cmd`): parses a line into a command
//! and its argument, runs it, turns unexpected errors into Python's `error: …` line and keeps
//! the exit status.

use std::io::{self, BufWriter, Write};

use supervisor_core::pystr::{py_isspace, py_strip};

use crate::input::{self, ReadError, StdinLines};
use crate::options::ClientOptions;
use crate::rpc::{faults, Client, ProcessInfo, RpcError};
use crate::shell::LineEditor;

/// LSB init-script exit statuses (Python's `LSBInitExitStatuses`).
pub mod exit {
    /// Success.
    pub const SUCCESS: i32 = 0;
    /// Generic error.
    pub const GENERIC: i32 = 1;
    /// Invalid arguments.
    pub const INVALID_ARGS: i32 = 2;
    /// Unimplemented feature (also `status`: some process not running).
    pub const UNIMPLEMENTED_FEATURE: i32 = 3;
    /// Insufficient privileges (also `status`: unknown).
    pub const INSUFFICIENT_PRIVILEGES: i32 = 4;
    /// Not installed.
    pub const NOT_INSTALLED: i32 = 5;
    /// Not running.
    pub const NOT_RUNNING: i32 = 7;
}

/// Buffered stdout with explicit flush points (before prompts, blocking reads and exit).
pub struct Output {
    w: BufWriter<io::Stdout>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            w: BufWriter::with_capacity(64 * 1024, io::stdout()),
        }
    }
}

impl Output {
    /// Writes `message` and a newline (Python's `Controller.output`).
    pub fn line(&mut self, message: &str) {
        let _ = self.w.write_all(message.as_bytes());
        let _ = self.w.write_all(b"\n");
    }

    /// Writes raw bytes (log data).
    pub fn raw(&mut self, data: &[u8]) {
        let _ = self.w.write_all(data);
    }

    /// Flushes what was written so far.
    pub fn flush(&mut self) {
        let _ = self.w.flush();
    }
}

/// An error a command did not handle itself: printed as Python's `error: <class …>` line.
#[derive(Debug)]
pub enum Exc {
    /// An RPC failure.
    Rpc(RpcError),
    /// A `ValueError` raised by the client itself (e.g. an unknown result code).
    Value(String),
    /// `input()` hit end of file.
    Eof,
    /// Ctrl-C.
    Interrupted,
}

impl From<RpcError> for Exc {
    fn from(e: RpcError) -> Self {
        if e.is_interrupted() {
            Exc::Interrupted
        } else {
            Exc::Rpc(e)
        }
    }
}

impl From<ReadError> for Exc {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Eof => Exc::Eof,
            ReadError::Interrupted => Exc::Interrupted,
        }
    }
}

/// What a command returns: whether the shell should stop.
pub type CmdResult = Result<bool, Exc>;

/// The user pressed Ctrl-C outside a command that handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Every command, in the order Python's `dir()` lists the plugin's `do_*` methods (and our
/// `top`, where `dir()` would list it).
pub const COMMANDS: &[&str] = &[
    "add", "avail", "clear", "exit", "fg", "help", "maintail", "open", "pid", "quit", "reload",
    "remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "top",
    "update", "version",
];

/// The interpreter state.
pub struct Controller {
    /// Resolved options (the server URL and credentials may change: `open`, 401 prompts).
    pub options: ClientOptions,
    /// Standard output.
    pub out: Output,
    /// The exit status of the last command run (one-shot mode exits with it).
    pub exitstatus: i32,
    client: Option<Client>,
    /// Lines typed by the user (shared by the shell, confirmations and `fg`).
    pub stdin: StdinLines,
    /// The line editor when running the shell on a terminal.
    pub editor: Option<LineEditor>,
}

/// Python's `str.split()` with no argument.
pub fn split_words(s: &str) -> Vec<&str> {
    s.split(py_isspace).filter(|w| !w.is_empty()).collect()
}

/// `cmd.Cmd.parseline`: `(command, argument, stripped line)`; the command is `None` when the line
/// does not start with one.
pub fn parseline(line: &str) -> (Option<String>, String, String) {
    let mut line = py_strip(line).to_string();
    if line.is_empty() {
        return (None, String::new(), line);
    }
    if let Some(rest) = line.strip_prefix('?') {
        line = format!("help {rest}");
    } else if line.starts_with('!') {
        return (None, String::new(), line);
    }
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let cmd = line[..end].to_string();
    let arg = py_strip(&line[end..]).to_string();
    (Some(cmd), arg, line)
}

impl Controller {
    /// A controller for `options`, writing to stdout.
    pub fn new(options: ClientOptions) -> Controller {
        Controller {
            options,
            out: Output::default(),
            exitstatus: exit::SUCCESS,
            client: None,
            stdin: StdinLines::new(),
            editor: None,
        }
    }

    /// Writes a line to stdout.
    pub fn output(&mut self, message: &str) {
        self.out.line(message);
    }

    /// The RPC client for the current server URL and credentials.
    pub fn client(&mut self) -> &mut Client {
        let o = &self.options;
        self.client.get_or_insert_with(|| {
            Client::new(&o.serverurl, o.username.as_deref(), o.password.as_deref())
        })
    }

    /// Forgets the connection (after the URL or credentials changed).
    pub fn reset_client(&mut self) {
        self.client = None;
    }

    /// Python's `raw_input(prompt)`: through the line editor on a terminal, else the prompt on
    /// stdout and a line from stdin.
    pub fn raw_input(&mut self, prompt: &str) -> Result<String, ReadError> {
        self.out.flush();
        if let Some(editor) = &mut self.editor {
            return editor.read_line(prompt);
        }
        if !prompt.is_empty() {
            self.out.raw(prompt.as_bytes());
            self.out.flush();
        }
        self.stdin.read_line()
    }

    /// Sets the exit status from a per-process result code (Python's
    /// `set_exitstatus_from_xmlrpc_fault`).
    pub fn set_exitstatus_from_fault(&mut self, code: i32, ignored: Option<i32>) {
        if Some(code) == ignored || code == faults::SUCCESS {
        } else if matches!(
            code,
            faults::SPAWN_ERROR | faults::ABNORMAL_TERMINATION | faults::NOT_RUNNING
        ) {
            self.exitstatus = exit::NOT_RUNNING;
        } else {
            self.exitstatus = exit::GENERIC;
        }
    }

    /// Checks that the server speaks our API (Python's `upcheck`). `Ok(false)` after printing why
    /// not; `Err` for errors Python lets propagate.
    pub fn upcheck(&mut self) -> Result<bool, Exc> {
        match self.client().get_version() {
            Ok(api) if api == "3.0" => Ok(true),
            Ok(api) => {
                self.output(&format!(
                    "Sorry, this version of supervisorctl expects to talk to a server with API \
                     version 3.0, but the remote version is {api}."
                ));
                self.exitstatus = exit::NOT_INSTALLED;
                Ok(false)
            }
            Err(e) if e.fault_code() == Some(faults::UNKNOWN_METHOD) => {
                self.output(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace \
                     commands that supervisorctl uses to control it.  Please check that the \
                     [rpcinterface:supervisor] section is enabled in the configuration file \
                     (see sample.conf).",
                );
                self.exitstatus = exit::UNIMPLEMENTED_FEATURE;
                Ok(false)
            }
            Err(e) => match e.connect_errno() {
                Some(nix::libc::ECONNREFUSED) => {
                    let msg = format!("{} refused connection", self.options.serverurl);
                    self.output(&msg);
                    self.exitstatus = exit::INSUFFICIENT_PRIVILEGES;
                    Ok(false)
                }
                Some(nix::libc::ENOENT) => {
                    let msg = format!("{} no such file", self.options.serverurl);
                    self.output(&msg);
                    self.exitstatus = exit::NOT_RUNNING;
                    Ok(false)
                }
                _ => {
                    if !matches!(e, RpcError::Protocol { .. }) {
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(e.into())
                }
            },
        }
    }

    /// `getAllProcessInfo`, cached until the next command (for Tab completion).
    pub fn process_infos(&mut self) -> Result<Vec<ProcessInfo>, RpcError> {
        self.client().get_all_process_info()
    }

    /// Runs one command line (Python's `onecmd`); `Ok(true)` means the shell should stop.
    pub fn onecmd(&mut self, line: &str) -> Result<bool, Interrupted> {
        let (cmd, arg, line) = parseline(line);
        if line.is_empty() {
            return Ok(false);
        }
        let Some(cmd) = cmd.filter(|c| !c.is_empty()) else {
            self.default(&line);
            return Ok(false);
        };
        let result = match self.dispatch(&cmd, &arg) {
            None => {
                self.default(&line);
                return Ok(false);
            }
            Some(r) => r,
        };
        match result {
            Ok(stop) => Ok(stop),
            Err(Exc::Interrupted) => Err(Interrupted),
            Err(Exc::Rpc(RpcError::Protocol { status: 401, .. })) => {
                self.output("Server requires authentication");
                if !self.options.interactive {
                    // Python re-runs the command here and prints a traceback line (quirk Q44);
                    // one message is enough.
                    self.exitstatus = exit::GENERIC;
                    return Ok(false);
                }
                match self.prompt_credentials() {
                    Ok(()) => self.onecmd(&line),
                    Err(Exc::Interrupted) => Err(Interrupted),
                    Err(e) => {
                        self.print_exception(&e);
                        Ok(false)
                    }
                }
            }
            Err(e) => {
                self.print_exception(&e);
                Ok(false)
            }
        }
    }

    /// Asks for a user name and password after a 401 (interactive mode).
    fn prompt_credentials(&mut self) -> Result<(), Exc> {
        let username = self.raw_input("Username:")?;
        self.out.flush();
        let password = input::getpass("Password:", &mut self.stdin)?;
        self.output("");
        self.options.username = Some(username);
        self.options.password = Some(password);
        self.reset_client();
        Ok(())
    }

    /// Prints an unhandled error the way Python's `onecmd` does and sets exit status 1.
    pub fn print_exception(&mut self, e: &Exc) {
        let (class, value) = match e {
            Exc::Rpc(e) => e.python_exception(),
            Exc::Value(msg) => ("ValueError".to_string(), msg.clone()),
            Exc::Eof => {
                let msg = if self.editor.is_some() {
                    ""
                } else {
                    "EOF when reading a line"
                };
                ("EOFError".to_string(), msg.to_string())
            }
            Exc::Interrupted => ("KeyboardInterrupt".to_string(), String::new()),
        };
        // Python names the innermost traceback frame here; we have no Python frames to name.
        self.output(&format!(
            "error: <class '{class}'>, {value}: file: supervisorctl line: 0"
        ));
        self.exitstatus = exit::GENERIC;
    }

    /// An unknown command (Python's `default`).
    fn default(&mut self, line: &str) {
        self.output(&format!("*** Unknown syntax: {line}"));
        self.exitstatus = exit::GENERIC;
    }

    /// Runs `cmd`, or `None` if there is no such command.
    fn dispatch(&mut self, cmd: &str, arg: &str) -> Option<CmdResult> {
        let r = match cmd {
            "add" => self.do_add(arg),
            "avail" => self.do_avail(arg),
            "clear" => self.do_clear(arg),
            "exit" | "quit" | "EOF" => {
                self.output("");
                Ok(true)
            }
            "fg" => self.do_fg(arg),
            "help" => self.do_help(arg),
            "maintail" => self.do_maintail(arg),
            "open" => self.do_open(arg),
            "pid" => self.do_pid(arg),
            "reload" => self.do_reload(arg),
            "remove" => self.do_remove(arg),
            "reread" => self.do_reread(arg),
            "restart" => self.do_restart(arg),
            "shutdown" => self.do_shutdown(arg),
            "signal" => self.do_signal(arg),
            "start" => self.do_start(arg),
            "status" => self.do_status(arg),
            "top" => self.do_top(arg),
            "stop" => self.do_stop(arg),
            "tail" => self.do_tail(arg),
            "update" => self.do_update(arg),
            "version" => self.do_version(arg),
            _ => return None,
        };
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use supervisor_core::namespec::{self, Namespec};

    #[test]
    fn parseline_like_cmd() {
        assert_eq!(
            parseline("  status  foo bar "),
            (
                Some("status".into()),
                "foo bar".into(),
                "status  foo bar".into()
            )
        );
        assert_eq!(
            parseline("?status"),
            (Some("help".into()), "status".into(), "help status".into())
        );
        assert_eq!(parseline("!ls"), (None, String::new(), "!ls".into()));
        assert_eq!(
            parseline("foo-bar"),
            (Some("foo".into()), "-bar".into(), "foo-bar".into())
        );
        assert_eq!(
            parseline("-x"),
            (Some(String::new()), "-x".into(), "-x".into())
        );
    }

    #[test]
    fn namespecs() {
        // The commands' namespec handling is `supervisor_core::namespec`'s.
        let split = |s| Namespec::parse(s).parts();
        assert_eq!(split("g:*"), ("g", None));
        assert_eq!(split("g:"), ("g", None));
        assert_eq!(split("g:p"), ("g", Some("p")));
        assert_eq!(split("p"), ("p", Some("p")));
        assert_eq!(namespec::make("p", Some("p")), "p");
        assert_eq!(namespec::make("g", Some("p")), "g:p");
        assert_eq!(namespec::make("g", None), "g:None");
    }

    #[test]
    fn words_split_like_python() {
        assert_eq!(split_words(" a  b\tc\n"), vec!["a", "b", "c"]);
        assert!(split_words("   ").is_empty());
    }
}
