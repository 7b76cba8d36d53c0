//! `tail`, `maintail` and `fg`, including the streaming `-f` forms.

use std::io::Write;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::controller::{exit, split_words, CmdResult, Controller, Exc};
use crate::input::ReadError;
use crate::rpc::{faults, transport_exception};
use crate::signals;
use crate::transport::{Endpoint, StreamingGet, TransportError};
use supervisor_core::pystr::{py_int, py_repr};

/// Python's warning when stdout cannot encode all of Unicode. Python decides from
/// `sys.stdout.encoding`; the only setting that makes it non-UTF-8 on a UTF-8-mode Python is
/// `PYTHONIOENCODING`, so that is what we look at.
fn encoding_warning() -> Option<String> {
    let var = std::env::var("PYTHONIOENCODING").ok()?;
    let enc = var.split(':').next().unwrap_or("");
    if enc.is_empty() || enc.to_lowercase().starts_with("utf") {
        return None;
    }
    Some(format!(
        "Warning: sys.stdout.encoding is set to {enc}, so Unicode output may fail. Check your \
         LANG and PYTHONIOENCODING environment settings."
    ))
}

/// What ended a stream.
enum StreamEnd {
    /// The server closed it, or it could not be opened (message already printed).
    Closed,
    /// Ctrl-C.
    Interrupted,
}

/// Prints a streaming error line to stderr, as Python's `http_client.Listener.error` does.
fn stream_error(url: &str, msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{url} {msg}");
}

fn cannot_connect(url: &str, e: &TransportError) {
    let (class, value) = transport_exception(e);
    stream_error(
        url,
        &format!("Cannot connect, error: <class '{class}'> ({value})"),
    );
}

impl Controller {
    fn check_encoding(&mut self) {
        if let Some(w) = encoding_warning() {
            self.output(&w);
        }
    }

    /// Opens a streaming GET of `path`, printing Python's messages on failure.
    fn open_stream(&mut self, path: &str) -> Result<Option<StreamingGet>, Exc> {
        let url = format!("{}{}", self.options.serverurl, path);
        let endpoint = Endpoint::parse(&self.options.serverurl)
            .map_err(|_| Exc::Value(format!("Unknown protocol for serverurl {url}")))?;
        match StreamingGet::open(
            &endpoint,
            path,
            self.options.username.as_deref(),
            self.options.password.as_deref(),
        ) {
            Ok(s) if s.head().status == 200 => Ok(Some(s)),
            Ok(s) => {
                stream_error(
                    &url,
                    &format!("Cannot read, status code {}", s.head().status),
                );
                Ok(None)
            }
            Err(TransportError::Interrupted) => Err(Exc::Interrupted),
            Err(e) => {
                cannot_connect(&url, &e);
                Ok(None)
            }
        }
    }

    /// Copies a stream to stdout until it ends or Ctrl-C.
    fn pump(&mut self, mut stream: StreamingGet, url: &str) -> StreamEnd {
        loop {
            match stream.next_piece() {
                Ok(Some(data)) => {
                    self.out.raw(&data);
                    self.out.flush();
                }
                Ok(None) => return StreamEnd::Closed,
                Err(TransportError::Interrupted) => return StreamEnd::Interrupted,
                Err(e) => {
                    cannot_connect(url, &e);
                    return StreamEnd::Closed;
                }
            }
        }
    }

    /// Python's `_tailf`: streams `path` until the server closes it or Ctrl-C.
    fn tailf(&mut self, path: &str) -> CmdResult {
        self.check_encoding();
        self.output("==> Press Ctrl-C to exit <==");
        self.out.flush();
        signals::catch_interrupts();
        let url = format!("{}{}", self.options.serverurl, path);
        let end = match self.open_stream(path) {
            Ok(Some(stream)) => self.pump(stream, &url),
            Ok(None) => StreamEnd::Closed,
            Err(Exc::Interrupted) => StreamEnd::Interrupted,
            Err(e) => return Err(e),
        };
        if let StreamEnd::Interrupted = end {
            signals::clear();
            self.output("");
        }
        Ok(false)
    }

    /// `tail [-f|-N] name [stdout|stderr]`.
    pub(crate) fn do_tail(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let mut args = split_words(arg);
        if args.is_empty() {
            self.output("Error: too few arguments");
            self.exitstatus = exit::GENERIC;
            self.help_tail();
            return Ok(false);
        }
        if args.len() > 3 {
            self.output("Error: too many arguments");
            self.exitstatus = exit::GENERIC;
            self.help_tail();
            return Ok(false);
        }
        let modifier = if args[0].starts_with('-') {
            Some(args.remove(0))
        } else {
            None
        };
        let (name, channel) = if args.len() == 1 {
            (args[0], "stdout".to_string())
        } else if args.is_empty() {
            self.output("Error: tail requires process name");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        } else {
            let channel = args[args.len() - 1].to_lowercase();
            if channel != "stderr" && channel != "stdout" {
                self.output(&format!("Error: bad channel {}", py_repr(&channel)));
                self.exitstatus = exit::GENERIC;
                return Ok(false);
            }
            (args[0], channel)
        };
        let mut bytes = Some(1600);
        if let Some(m) = modifier {
            let what = &m[1..];
            if what == "f" {
                bytes = None;
            } else {
                match py_int(what) {
                    Ok(n) => bytes = Some(n),
                    Err(_) => {
                        self.output(&format!("Error: bad argument {m}"));
                        self.exitstatus = exit::GENERIC;
                        return Ok(false);
                    }
                }
            }
        }
        let Some(bytes) = bytes else {
            return self.tailf(&format!("/logtail/{name}/{channel}"));
        };
        self.check_encoding();
        match self
            .client()
            .read_process_log(name, channel == "stderr", bytes.saturating_neg(), 0)
        {
            Ok(data) => self.output(&data),
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                let reason = match e.fault_code() {
                    Some(faults::NO_FILE) => "no log file",
                    Some(faults::FAILED) => "unknown error reading log",
                    Some(faults::BAD_NAME) => "no such process name",
                    _ => return Err(e.into()),
                };
                self.output(&format!("{name}: ERROR ({reason})"));
            }
        }
        Ok(false)
    }

    /// `maintail [-f|-N]`.
    pub(crate) fn do_maintail(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let args = split_words(arg);
        let bytes = match args.as_slice() {
            [] => 1600,
            [a] => {
                let Some(what) = a.strip_prefix('-') else {
                    self.output(&format!("Error: bad argument {a}"));
                    self.exitstatus = exit::GENERIC;
                    return Ok(false);
                };
                if what == "f" {
                    return self.tailf("/mainlogtail");
                }
                match py_int(what) {
                    Ok(n) => n,
                    Err(_) => {
                        self.output(&format!("Error: bad argument {a}"));
                        self.exitstatus = exit::GENERIC;
                        return Ok(false);
                    }
                }
            }
            _ => {
                self.output("Error: too many arguments");
                self.exitstatus = exit::GENERIC;
                self.help_maintail();
                return Ok(false);
            }
        };
        match self.client().read_log(bytes.saturating_neg(), 0) {
            Ok(data) => self.output(&data),
            Err(e) => {
                self.exitstatus = exit::GENERIC;
                let reason = match e.fault_code() {
                    Some(faults::NO_FILE) => "no log file",
                    Some(faults::FAILED) => "unknown error reading log",
                    _ => return Err(e.into()),
                };
                self.output(&format!("supervisord: ERROR ({reason})"));
            }
        }
        Ok(false)
    }

    /// `fg name`: streams the process's stdout and stderr and sends typed lines to its stdin.
    ///
    /// Python keeps running after stdin reaches EOF (quirk Q49); we leave foreground mode.
    pub(crate) fn do_fg(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("ERROR: no process name supplied");
            self.exitstatus = exit::GENERIC;
            self.help_fg();
            return Ok(false);
        }
        if names.len() > 1 {
            self.output("ERROR: too many process names supplied");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        let name = names[0].to_string();
        let info = match self.client().get_process_info(&name) {
            Ok(info) => info,
            Err(e) => {
                if e.fault_code() == Some(faults::BAD_NAME) {
                    self.output("ERROR: bad process name supplied");
                    self.exitstatus = exit::GENERIC;
                } else if e.fault_code().is_some() {
                    self.output(&format!("ERROR: {e}"));
                } else {
                    return Err(e.into());
                }
                return Ok(false);
            }
        };
        if info.state != 20 {
            self.output("ERROR: process not running");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        self.output("==> Press Ctrl-C to exit <==");
        self.out.flush();
        signals::catch_interrupts();
        let result = self.fg_loop(&name);
        signals::clear();
        match result {
            Ok(()) | Err(Exc::Interrupted) | Err(Exc::Eof) => {}
            Err(e) => return Err(e),
        }
        Ok(false)
    }

    fn fg_loop(&mut self, name: &str) -> Result<(), Exc> {
        let mut streams: Vec<(String, StreamingGet)> = Vec::new();
        for channel in ["stdout", "stderr"] {
            let path = format!("/logtail/{name}/{channel}");
            let url = format!("{}{}", self.options.serverurl, path);
            match self.open_stream(&path) {
                Ok(Some(s)) => streams.push((url, s)),
                Ok(None) => {}
                Err(Exc::Interrupted) => return self.exit_foreground(),
                Err(e) => return Err(e),
            }
        }
        loop {
            // Lines already buffered are handled before waiting again.
            while let Some(line) = self.stdin.take_buffered() {
                match line {
                    Ok(line) => {
                        if !self.fg_send(name, &line)? {
                            return Ok(());
                        }
                    }
                    Err(_) => return self.exit_foreground(),
                }
            }
            let ready: Vec<bool> = {
                let mut fds = vec![PollFd::new(self.stdin.fd(), PollFlags::POLLIN)];
                for (_, s) in &streams {
                    fds.push(PollFd::new(s.fd(), PollFlags::POLLIN));
                }
                // Wakes the poll on a Ctrl-C that came before it (see `signals`).
                if let Some(wake) = signals::wake_fd() {
                    fds.push(PollFd::new(wake, PollFlags::POLLIN));
                }
                let buffered = streams.iter().any(|(_, s)| s.has_buffered());
                let timeout = if buffered {
                    PollTimeout::ZERO
                } else {
                    PollTimeout::NONE
                };
                match poll(&mut fds, timeout) {
                    Ok(_) if signals::interrupted() => return self.exit_foreground(),
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => {
                        if signals::interrupted() {
                            return self.exit_foreground();
                        }
                        continue;
                    }
                    Err(_) => return self.exit_foreground(),
                }
                fds.iter()
                    .map(|f| f.revents().is_some_and(|r| !r.is_empty()))
                    .collect()
            };
            let mut i = 0;
            let mut index = 1;
            while i < streams.len() {
                if ready[index] || streams[i].1.has_buffered() {
                    match streams[i].1.next_piece() {
                        Ok(Some(data)) => {
                            self.out.raw(&data);
                            self.out.flush();
                        }
                        Ok(None) => {
                            streams.remove(i);
                            index += 1;
                            continue;
                        }
                        Err(TransportError::Interrupted) => return self.exit_foreground(),
                        Err(e) => {
                            cannot_connect(&streams[i].0, &e);
                            streams.remove(i);
                            index += 1;
                            continue;
                        }
                    }
                }
                i += 1;
                index += 1;
            }
            if ready[0] {
                match self.stdin.fill() {
                    Ok(()) => {}
                    Err(ReadError::Interrupted) | Err(ReadError::Eof) => {
                        return self.exit_foreground()
                    }
                }
            }
        }
    }

    /// Sends one typed line; `Ok(false)` when foreground mode ended.
    fn fg_send(&mut self, name: &str, line: &str) -> Result<bool, Exc> {
        let chars = format!("{line}\n");
        if let Err(e) = self.client().send_process_stdin(name, &chars) {
            match e.fault_code() {
                Some(faults::NOT_RUNNING) => self.output("Process got killed"),
                Some(_) => self.output(&format!("ERROR: {e}")),
                None => return Err(e.into()),
            }
            self.output("Exiting foreground");
            return Ok(false);
        }
        let info = self.client().get_process_info(name)?;
        if info.state != 20 {
            self.output("Process got killed");
            self.output("Exiting foreground");
            return Ok(false);
        }
        Ok(true)
    }

    fn exit_foreground(&mut self) -> Result<(), Exc> {
        self.output("Exiting foreground");
        Ok(())
    }
}
