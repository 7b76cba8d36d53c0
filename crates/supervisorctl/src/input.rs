//! Reading what the user types: lines from stdin (shell commands, confirmations, `fg` input)
//! and passwords from the terminal.
//!
//! stdin is read with plain `read(2)` into our own buffer, so the same bytes can be consumed
//! line by line by the shell and, later, by `fg` waiting on stdin with `poll` alongside the log
//! streams.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::{AsFd, BorrowedFd};

use nix::sys::termios::{self, LocalFlags, SetArg};

use crate::signals;

/// Why no line was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// End of input (Python's `EOFError`).
    Eof,
    /// Ctrl-C (Python's `KeyboardInterrupt`).
    Interrupted,
}

/// Buffered line reader over fd 0.
#[derive(Debug, Default)]
pub struct StdinLines {
    buf: Vec<u8>,
    eof: bool,
}

impl StdinLines {
    /// A reader with nothing buffered yet.
    pub fn new() -> Self {
        StdinLines::default()
    }

    /// The descriptor to poll.
    pub fn fd(&self) -> BorrowedFd<'static> {
        // SAFETY: fd 0 stays open for the life of the process.
        unsafe { BorrowedFd::borrow_raw(0) }
    }

    /// Takes a complete line (without its newline) from the buffer, or the final unterminated
    /// line at EOF, as Python's `input()` returns it.
    pub fn take_buffered(&mut self) -> Option<Result<String, ReadError>> {
        if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            return Some(Ok(
                String::from_utf8_lossy(&line[..line.len() - 1]).into_owned()
            ));
        }
        if self.eof {
            if self.buf.is_empty() {
                return Some(Err(ReadError::Eof));
            }
            let line = std::mem::take(&mut self.buf);
            return Some(Ok(String::from_utf8_lossy(&line).into_owned()));
        }
        None
    }

    /// Reads once from fd 0 into the buffer (blocking); notices EOF and Ctrl-C.
    pub fn fill(&mut self) -> Result<(), ReadError> {
        let mut chunk = [0u8; 8192];
        loop {
            // Read fd 0 directly: std's `Stdin` would buffer bytes `poll` cannot see.
            let stdin = io::stdin();
            let fd0 = stdin.as_fd();
            // Wait in poll with the Ctrl-C pipe, so a Ctrl-C just before the read is not missed.
            if signals::wait_readable(fd0) == signals::Wait::Interrupted {
                return Err(ReadError::Interrupted);
            }
            match nix::unistd::read(fd0, &mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(nix::errno::Errno::EINTR) => {
                    if signals::interrupted() {
                        return Err(ReadError::Interrupted);
                    }
                }
                Err(_) => {
                    self.eof = true;
                    return Ok(());
                }
            }
        }
    }

    /// Reads one line (Python's `input()` without a terminal).
    pub fn read_line(&mut self) -> Result<String, ReadError> {
        loop {
            if let Some(r) = self.take_buffered() {
                return r;
            }
            self.fill()?;
        }
    }
}

/// Python's `getpass.getpass(prompt)`: the prompt and the reply go through `/dev/tty` with echo
/// off; without a terminal it warns and reads stdin.
pub fn getpass(prompt: &str, stdin: &mut StdinLines) -> Result<String, ReadError> {
    let tty = OpenOptions::new().read(true).write(true).open("/dev/tty");
    let Ok(mut tty) = tty else {
        let mut err = io::stderr();
        let _ = write!(err, "Warning: Password input may be echoed.\n{prompt}");
        let _ = err.flush();
        return stdin.read_line();
    };
    let old = termios::tcgetattr(tty.as_fd()).ok();
    if let Some(old) = &old {
        let mut quiet = old.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        let _ = termios::tcsetattr(tty.as_fd(), SetArg::TCSAFLUSH, &quiet);
    }
    let _ = tty.write_all(prompt.as_bytes());
    let _ = tty.flush();
    let mut line = String::new();
    let result = BufReader::new(&mut tty).read_line(&mut line);
    if let Some(old) = &old {
        let _ = termios::tcsetattr(tty.as_fd(), SetArg::TCSAFLUSH, old);
    }
    let _ = tty.write_all(b"\n");
    match result {
        Ok(0) => Err(ReadError::Eof),
        Ok(_) => Ok(line.trim_end_matches('\n').to_string()),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(ReadError::Interrupted),
        Err(_) => Err(ReadError::Eof),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_buffered_lines_like_input() {
        let mut s = StdinLines {
            buf: b"one\ntwo\nthree".to_vec(),
            eof: false,
        };
        assert_eq!(s.take_buffered(), Some(Ok("one".to_string())));
        assert_eq!(s.take_buffered(), Some(Ok("two".to_string())));
        assert_eq!(s.take_buffered(), None);
        s.eof = true;
        assert_eq!(s.take_buffered(), Some(Ok("three".to_string())));
        assert_eq!(s.take_buffered(), Some(Err(ReadError::Eof)));
    }
}
