//! supervisorctl: Supervisor's command-line client, output-compatible with Python's.
//!
//! Layout, from the wire up:
//! - [`transport`]: a blocking HTTP/1.1 client over UNIX sockets and TCP (XML-RPC posts on a
//!   persistent connection, streaming `GET /logtail/...`).
//! - [`rpc`]: the `supervisor.*` methods as typed calls, with errors that keep what the output
//!   depends on (fault code, HTTP status, errno).
//! - [`options`]: the command line (Python `getopt` rules) and the `[supervisorctl]` section.
//! - [`controller`]: the command interpreter (`cmd.Cmd`'s parsing, exit statuses, error lines);
//!   [`commands`]: every command with Python's exact texts.
//! - [`shell`]: the interactive loop (rustyline on a terminal, plain lines otherwise).

pub mod commands;
pub mod controller;
pub mod input;
pub mod options;
pub mod rpc;
pub mod shell;
pub mod signals;
pub mod transport;

use controller::Controller;
use options::ClientOptions;

/// Runs supervisorctl with `args` (without the program name) and returns the exit status.
pub fn run(progname: &str, args: &[String]) -> i32 {
    let options = match ClientOptions::parse(progname, args) {
        Ok(o) => o,
        Err(exit) => return exit.report(),
    };
    let mut ctl = Controller::new(options);
    if !ctl.options.args.is_empty() {
        let line = ctl.options.args.join(" ");
        // A Ctrl-C that ends a command is only possible while one is streaming; the command has
        // already printed its closing line then.
        let _ = ctl.onecmd(&line);
        ctl.out.flush();
        return ctl.exitstatus;
    }
    shell::run(&mut ctl);
    0
}

/// Entry point of the `supervisorctl` command; returns the process exit code.
pub fn main_entry() -> i32 {
    let mut argv = std::env::args_os().map(|a| a.to_string_lossy().into_owned());
    let progname = argv.next().unwrap_or_else(|| "supervisorctl".to_string());
    let args: Vec<String> = argv.collect();
    run(&progname, &args)
}
