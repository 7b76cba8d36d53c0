//! A log file with Supervisor's rotation semantics (`maxbytes`/`backups`).
//!
//! Supervisor's `RotatingFileHandler` writes a whole chunk, then, if the file position is at or
//! beyond `maxbytes`, closes the file, shifts `F.(n-1)` → `F.n` … `F.1` → `F.2`, renames `F` →
//! `F.1` and reopens `F` empty. `backups = 0` truncates in place; `maxbytes = 0` never rotates; a
//! backup or live file that vanished during the renames is ignored.
//!
//! Differences from Python, all deliberate:
//! - non-regular targets (`/dev/stdout`, `/dev/stderr`, pipes, ttys, anything under `/dev` or
//!   `/proc`) are opened without seeking and are never rotated or unlinked, whatever `maxbytes`;
//! - errors are returned as values and the `LogFile` recovers: after a failed (re)open it retries
//!   on the next write, so a log directory that disappears and comes back is picked up again;
//! - opening never blocks on a FIFO without a reader (it fails with `ENXIO` instead).

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Seek, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use supervisor_core::pystr::py_repr_os_str;

/// What a [`LogFile`] was doing when an I/O error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOp {
    /// Opening or reopening the file.
    Open,
    /// Writing a chunk.
    Write,
    /// Renaming backups during a rollover.
    Rotate,
    /// Deleting the file (clear).
    Remove,
}

impl LogOp {
    fn verb(self) -> &'static str {
        match self {
            LogOp::Open => "open",
            LogOp::Write => "write to",
            LogOp::Rotate => "rotate",
            LogOp::Remove => "remove",
        }
    }
}

/// An I/O failure of a [`LogFile`]; the file keeps working (or retrying) afterwards.
#[derive(Debug, thiserror::Error)]
#[error("could not {} log file {}: {source}", .op.verb(), py_repr_os_str(.path.as_os_str()))]
pub struct LogFileError {
    /// The operation that failed.
    pub op: LogOp,
    /// The file (or backup) involved.
    pub path: PathBuf,
    /// The underlying OS error.
    #[source]
    pub source: io::Error,
}

impl LogFileError {
    fn new(op: LogOp, path: &Path, source: io::Error) -> Self {
        LogFileError {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The OS error number, if any (e.g. `ENOSPC`), for Supervisor-style `errno` messages.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.source.raw_os_error()
    }
}

/// The result of one [`LogFile::splice_from`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spliced {
    /// Bytes moved from the pipe to the file.
    Moved {
        /// How many.
        bytes: usize,
        /// Fewer bytes than asked for moved, so the pipe is now empty: no need to try again
        /// before it signals new data.
        emptied: bool,
    },
    /// The pipe is empty for now.
    WouldBlock,
    /// All writers closed the pipe.
    Eof,
}

/// A log file written in whole chunks and rotated by size like Supervisor's handlers.
#[derive(Debug)]
pub struct LogFile {
    path: PathBuf,
    maxbytes: u64,
    backups: u32,
    /// `None` after a failed (re)open or an explicit close; the next write retries the open.
    file: Option<File>,
    /// Whether rotation may happen: a regular file not reached through `/dev` or `/proc`.
    rotatable: bool,
    /// Whether `O_APPEND` was cleared on the descriptor for [`splice_from`](Self::splice_from)
    /// (splice(2) refuses append-mode files); [`write`](Self::write) restores it.
    append_cleared: bool,
    /// The file position right after the last splice (known from its start and length), so
    /// the rollover check that follows needs no `lseek`.
    spliced_end: Option<u64>,
}

impl LogFile {
    /// Opens (creating if needed) `path` for appending; `maxbytes = 0` disables rotation.
    pub fn open(
        path: impl Into<PathBuf>,
        maxbytes: u64,
        backups: u32,
    ) -> Result<Self, LogFileError> {
        let mut log = LogFile {
            path: path.into(),
            maxbytes,
            backups,
            file: None,
            rotatable: false,
            append_cleared: false,
            spliced_end: None,
        };
        log.open_file(false)?;
        Ok(log)
    }

    /// The configured path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a file descriptor is currently held (false after a failed reopen or [`close`](Self::close)).
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    /// Whether the target is a regular file that rotation and clearing may rename or delete.
    pub fn is_regular(&self) -> bool {
        self.rotatable
    }

    /// Writes all of `data`, then rotates if the file reached `maxbytes`. If the file is not open
    /// (an earlier reopen failed), opening is retried first.
    pub fn write(&mut self, data: &[u8]) -> Result<(), LogFileError> {
        self.ready_to_write()?;
        let written = self.write_all(data);
        // Python checks for rollover even after a failed write; so do we.
        let rotated = self.rotate_if_full();
        written.and(rotated)
    }

    /// Writes all of `data` like [`write`](Self::write), without the rollover check: the
    /// caller checks with [`rotate_if_full`](Self::rotate_if_full) once a batch is written, so
    /// the batch stays in one file.
    pub fn append(&mut self, data: &[u8]) -> Result<(), LogFileError> {
        self.ready_to_write()?;
        self.write_all(data)
    }

    /// Reopens the file if an earlier reopen failed, and restores `O_APPEND` after splices.
    fn ready_to_write(&mut self) -> Result<(), LogFileError> {
        self.spliced_end = None;
        if self.file.is_none() {
            self.open_file(false)?;
        }
        if self.append_cleared {
            self.set_append(true)
                .map_err(|e| LogFileError::new(LogOp::Write, &self.path, e))?;
        }
        Ok(())
    }

    fn write_all(&mut self, data: &[u8]) -> Result<(), LogFileError> {
        match self.file.as_mut() {
            Some(file) => file
                .write_all(data)
                .map_err(|e| LogFileError::new(LogOp::Write, &self.path, e)),
            None => Ok(()),
        }
    }

    /// Whether [`splice_from`](Self::splice_from) can be used: the target is a regular file.
    pub fn can_splice(&self) -> bool {
        self.rotatable
    }

    /// Moves up to `len` bytes from the non-blocking pipe `pipe` to the end of the file without
    /// copying them through user space (splice(2)). The bytes land at the end of the file as
    /// with `O_APPEND`: the daemon is the only writer on its thread, so seeking to the end
    /// first is race-free among its captures (and keeps working when several channels share
    /// one file). On a file error the bytes stay in the pipe, so the caller can fall back to
    /// reading them. Unlike [`write`](Self::write) this does not rotate: call
    /// [`rotate_if_full`](Self::rotate_if_full) after moving bytes.
    ///
    /// A splice is never cut short at `maxbytes`: like a read, it takes what the pipe holds (up
    /// to `len`), whole writes of the child, so a line written at once never straddles two files.
    pub fn splice_from(
        &mut self,
        pipe: BorrowedFd<'_>,
        len: usize,
    ) -> Result<Spliced, LogFileError> {
        self.spliced_end = None;
        if self.file.is_none() {
            self.open_file(false)?;
        }
        if !self.append_cleared {
            self.set_append(false)
                .map_err(|e| LogFileError::new(LogOp::Write, &self.path, e))?;
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(Spliced::WouldBlock);
        };
        let start = file
            .seek(io::SeekFrom::End(0))
            .map_err(|e| LogFileError::new(LogOp::Write, &self.path, e))?;
        let flags =
            nix::fcntl::SpliceFFlags::SPLICE_F_MOVE | nix::fcntl::SpliceFFlags::SPLICE_F_NONBLOCK;
        loop {
            match nix::fcntl::splice(pipe, None, &*file, None, len, flags) {
                Ok(0) => return Ok(Spliced::Eof),
                Ok(n) => {
                    self.spliced_end = Some(start + n as u64);
                    // A splice from a pipe stops early only when the pipe ran dry (or the file
                    // took less, which the next attempt reports as an error).
                    return Ok(Spliced::Moved {
                        bytes: n,
                        emptied: n < len,
                    });
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => return Ok(Spliced::WouldBlock),
                Err(e) => return Err(LogFileError::new(LogOp::Write, &self.path, e.into())),
            }
        }
    }

    fn set_append(&mut self, on: bool) -> io::Result<()> {
        use nix::fcntl::{fcntl, FcntlArg, OFlag};
        let Some(file) = self.file.as_ref() else {
            return Ok(());
        };
        let flags = OFlag::from_bits_truncate(fcntl(file, FcntlArg::F_GETFL)?);
        let flags = if on {
            flags | OFlag::O_APPEND
        } else {
            flags & !OFlag::O_APPEND
        };
        fcntl(file, FcntlArg::F_SETFL(flags))?;
        self.append_cleared = !on;
        Ok(())
    }

    /// Closes and reopens the file by name (SIGUSR2, external logrotate).
    pub fn reopen(&mut self) -> Result<(), LogFileError> {
        self.file = None;
        self.open_file(false)
    }

    /// Deletes the live file and reopens it empty, as `clearProcessLogs`/`clearLog` do. Backups
    /// are kept (Python removes only the base file). A non-regular target is never unlinked.
    pub fn clear(&mut self) -> Result<(), LogFileError> {
        self.file = None;
        let regular = std::fs::metadata(&self.path)
            .map(|m| m.is_file())
            .unwrap_or(false);
        if regular && !is_special_path(&self.path) {
            if let Err(e) = std::fs::remove_file(&self.path) {
                if e.kind() != io::ErrorKind::NotFound {
                    // Keep logging to the (unremoved) file.
                    let _ = self.open_file(false);
                    return Err(LogFileError::new(LogOp::Remove, &self.path, e));
                }
            }
        }
        self.open_file(false)
    }

    /// Releases the descriptor; a later write reopens the file.
    pub fn close(&mut self) {
        self.file = None;
        self.spliced_end = None;
    }

    fn open_file(&mut self, truncate: bool) -> Result<(), LogFileError> {
        match open_target(&self.path, truncate) {
            Ok((file, regular)) => {
                self.rotatable = regular && !is_special_path(&self.path);
                self.append_cleared = false;
                self.spliced_end = None;
                self.file = Some(file);
                Ok(())
            }
            Err(e) => {
                self.file = None;
                Err(LogFileError::new(LogOp::Open, &self.path, e))
            }
        }
    }

    /// Supervisor's `doRollover`, run after every write: rotates if the file reached `maxbytes`.
    pub fn rotate_if_full(&mut self) -> Result<(), LogFileError> {
        if self.maxbytes == 0 || !self.rotatable {
            return Ok(());
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        // The kernel's position, like Python's tell(): with O_APPEND it is the end of the file,
        // including what other writers of the same file appended. Right after a splice it is
        // known without asking.
        let pos = match self.spliced_end.take() {
            Some(pos) => pos,
            None => match file.stream_position() {
                Ok(pos) => pos,
                Err(e) => return Err(LogFileError::new(LogOp::Rotate, &self.path, e)),
            },
        };
        if pos < self.maxbytes {
            return Ok(());
        }
        self.file = None;
        let shifted = self.shift_backups();
        // Truncate only if the live file's content is safe in `.1` (or nothing is kept anyway).
        let truncate = shifted.is_ok();
        // The chunk is already written: a failed reopen is a failed rollover, not lost data.
        let reopened = self.open_file(truncate).map_err(|e| LogFileError {
            op: LogOp::Rotate,
            ..e
        });
        shifted.and(reopened)
    }

    fn shift_backups(&self) -> Result<(), LogFileError> {
        if self.backups == 0 {
            return Ok(());
        }
        for i in (1..self.backups).rev() {
            let src = self.backup_path(i);
            if src.exists() {
                rename_tolerant(&src, &self.backup_path(i + 1))?;
            }
        }
        rename_tolerant(&self.path, &self.backup_path(1))
    }

    /// `F.n`.
    pub fn backup_path(&self, n: u32) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }
}

/// Moves `src` to `dst`; a vanished source (an outside cleanup) is not an error.
///
/// Like Python's `removeAndRename`, `dst` is deleted first rather than renamed over: on ext4
/// (`auto_da_alloc`, the default) a rename that replaces a file makes the kernel start writing
/// the renamed file's delayed blocks out at once, in the caller's time, which cost a flooding
/// capture a third of its throughput at every rollover.
fn rename_tolerant(src: &Path, dst: &Path) -> Result<(), LogFileError> {
    match std::fs::remove_file(dst) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(LogFileError::new(LogOp::Rotate, dst, e)),
    }
    match std::fs::rename(src, dst) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LogFileError::new(LogOp::Rotate, src, e)),
    }
}

/// Paths that name a device or a process's descriptor: never rotated, never unlinked.
fn is_special_path(path: &Path) -> bool {
    path.starts_with("/dev") || path.starts_with("/proc")
}

/// The descriptor a `/dev/stdout`-like path refers to, for the `ENXIO` fallback.
fn std_stream_alias(path: &Path) -> Option<i32> {
    match path.to_str()? {
        "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(1),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(2),
        _ => None,
    }
}

/// Opens `path` for appending (creating it with mode 0666 & ~umask); returns whether it is a
/// regular file.
fn open_target(path: &Path, truncate: bool) -> io::Result<(File, bool)> {
    let mut flags = libc::O_NOCTTY | libc::O_NONBLOCK;
    if truncate {
        flags |= libc::O_TRUNC;
    }
    let opened = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(flags)
        .open(path);
    let file = match opened {
        Ok(file) => {
            // O_NONBLOCK only served to not hang on a reader-less FIFO; writes must block
            // like Python's so no output is dropped.
            let fl = nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_GETFL)?;
            let fl = nix::fcntl::OFlag::from_bits_truncate(fl) & !nix::fcntl::OFlag::O_NONBLOCK;
            nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_SETFL(fl))?;
            file
        }
        // Opening /dev/stdout fails with ENXIO when fd 1 is a socket (systemd's journal):
        // write to a duplicate of the descriptor instead.
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => match std_stream_alias(path) {
            Some(1) => File::from(nix::unistd::dup(io::stdout().as_fd())?),
            Some(_) => File::from(nix::unistd::dup(io::stderr().as_fd())?),
            None => return Err(e),
        },
        Err(e) => return Err(e),
    };
    let regular = file.metadata()?.file_type().is_file();
    Ok((file, regular))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_names_the_file_and_cause() {
        let err = LogFile::open("/nonexistent-dir/x.log", 0, 0).unwrap_err();
        assert_eq!(err.op, LogOp::Open);
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        let text = err.to_string();
        assert!(
            text.starts_with("could not open log file '/nonexistent-dir/x.log': "),
            "{text}"
        );
    }

    #[test]
    fn special_paths_are_recognised() {
        assert!(is_special_path(Path::new("/dev/stdout")));
        assert!(is_special_path(Path::new("/proc/self/fd/1")));
        assert!(!is_special_path(Path::new("/devices/x.log")));
        assert_eq!(std_stream_alias(Path::new("/dev/stderr")), Some(2));
        assert_eq!(std_stream_alias(Path::new("/tmp/x")), None);
    }

    #[test]
    fn backup_names_append_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let log = LogFile::open(dir.path().join("a.log"), 10, 2).unwrap();
        assert_eq!(log.backup_path(2), dir.path().join("a.log.2"));
    }
}
