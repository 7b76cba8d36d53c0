//! Reading log files: `readLog`/`readProcess*Log` and `tailProcess*Log` for the RPC layer
//! (spec §4.8), byte for byte as Supervisor's `readFile` and `tailFile`, and the end of a log
//! for the tail page. Following a growing file is [`super::follow`]'s job.
//!
//! Results are raw bytes; decoding them for XML-RPC is the RPC layer's job. Unlike Python,
//! a non-regular file (a log sent to `/dev/stdout`, a tty) is never read — reading it could
//! block the daemon — and reports the same error Python reaches through its failing seek.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why a `read_log` failed; each maps to a Supervisor fault.
#[derive(Debug, thiserror::Error)]
pub enum ReadLogError {
    /// The file does not exist (`NO_FILE`).
    #[error("NO_FILE")]
    NoFile,
    /// Negative offset with a non-zero length, or a negative length (`BAD_ARGUMENTS`).
    #[error("BAD_ARGUMENTS")]
    BadArguments,
    /// Opening, seeking or reading failed (`FAILED`).
    #[error("FAILED: {0}")]
    Failed(#[source] io::Error),
}

/// The answer of `tailProcess*Log`: `[bytes, offset, overflow]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// The bytes read.
    pub data: Vec<u8>,
    /// The offset to ask for next time (the file size, or the caller's offset on errors).
    pub offset: i64,
    /// Whether bytes between the requested offset and the returned ones were skipped.
    pub overflow: bool,
}

/// Opens `path` for reading without ever blocking or taking a controlling tty, and insists on a
/// regular file (Python fails on the seek of anything else).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::from_raw_os_error(libc::ESPIPE));
    }
    Ok(file)
}

/// Reads at most `max` bytes from the current position (all of the rest when `None`).
fn read_from(file: &mut File, max: Option<u64>) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    match max {
        Some(n) => file.take(n).read_to_end(&mut data)?,
        None => file.read_to_end(&mut data)?,
    };
    Ok(data)
}

/// Reads the last `limit` bytes of a regular file; returns them with the file's size.
pub fn read_tail(path: &Path, limit: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = open_regular(path)?;
    let size = file.metadata()?.len();
    let start = size.saturating_sub(limit);
    file.seek(SeekFrom::Start(start))?;
    let data = read_from(&mut file, Some(size - start))?;
    Ok((data, size))
}

/// Part of a log file: the bytes read and the offset of the first one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSlice {
    /// The bytes read.
    pub data: Vec<u8>,
    /// The file offset of `data[0]` (so `start + data.len()` is where to read on from).
    pub start: u64,
}

/// `readLog(offset, length)` on `path`:
///
/// | offset | length | result |
/// |---|---|---|
/// | < 0 | 0 | the last `|offset|` bytes (the whole file if shorter) |
/// | < 0 | ≠ 0 | `BadArguments` |
/// | ≥ 0 | < 0 | `BadArguments` |
/// | ≥ 0 | 0 | from `offset` to the end (empty past the end) |
/// | ≥ 0 | > 0 | up to `length` bytes from `offset` |
pub fn read_log(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, ReadLogError> {
    read_log_slice(path, offset, length, u64::MAX).map(|slice| slice.data)
}

/// [`read_log`] that also says where the bytes start, and reads at most `cap` of them (the
/// first `cap` bytes of what `read_log` answers).
pub fn read_log_slice(
    path: &Path,
    offset: i64,
    length: i64,
    cap: u64,
) -> Result<LogSlice, ReadLogError> {
    if !path.exists() {
        return Err(ReadLogError::NoFile);
    }
    // Python opens the file before validating the arguments, so an unreadable file is
    // FAILED even with bad arguments.
    let mut file = open_regular(path).map_err(ReadLogError::Failed)?;
    let (start, max) = if offset < 0 {
        if length != 0 {
            return Err(ReadLogError::BadArguments);
        }
        let back = offset.unsigned_abs();
        let size = file.seek(SeekFrom::End(0)).map_err(ReadLogError::Failed)?;
        (size.saturating_sub(back), back)
    } else {
        if length < 0 {
            return Err(ReadLogError::BadArguments);
        }
        let max = if length == 0 {
            u64::MAX
        } else {
            length.unsigned_abs()
        };
        (offset.unsigned_abs(), max)
    };
    let start = file
        .seek(SeekFrom::Start(start))
        .map_err(ReadLogError::Failed)?;
    let max = max.min(cap);
    let data =
        read_from(&mut file, (max != u64::MAX).then_some(max)).map_err(ReadLogError::Failed)?;
    Ok(LogSlice { data, start })
}

/// `tailProcess*Log(offset, length)` on `path` (Supervisor's `tailFile`):
///
/// ```text
/// overflow = false
/// if sz > offset + length: overflow = true; offset = sz - 1
/// if offset + length > sz:
///     if offset > sz - 1: length = 0
///     offset = sz - length
/// offset = max(offset, 0); length = max(length, 0)
/// return [read(offset, length), sz, overflow]
/// ```
///
/// A missing file gives `('', 0, false)` (the RPC method's own check); a file that cannot be
/// read gives `('', offset, false)` with the caller's offset, as in Python.
pub fn tail_log(path: &Path, offset: i64, length: i64) -> Tail {
    let empty = |offset| Tail {
        data: Vec::new(),
        offset,
        overflow: false,
    };
    if !path.exists() {
        return empty(0);
    }
    let attempt = || -> io::Result<Tail> {
        let mut file = open_regular(path)?;
        let size = file.seek(SeekFrom::End(0))?;
        // Python integers do not overflow; i128 holds every sum of two i64 values.
        let sz = i128::from(size);
        let (mut off, mut len) = (i128::from(offset), i128::from(length));
        let mut overflow = false;
        if sz > off + len {
            overflow = true;
            off = sz - 1;
        }
        if off + len > sz {
            if off > sz - 1 {
                len = 0;
            }
            off = sz - len;
        }
        off = off.max(0);
        len = len.max(0);
        let data = if len == 0 {
            Vec::new()
        } else {
            file.seek(SeekFrom::Start(u64::try_from(off).unwrap_or(u64::MAX)))?;
            read_from(&mut file, Some(u64::try_from(len).unwrap_or(u64::MAX)))?
        };
        let new_offset = i64::try_from(size).unwrap_or(i64::MAX);
        Ok(Tail {
            data,
            offset: new_offset,
            overflow,
        })
    };
    attempt().unwrap_or_else(|_| empty(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hello.log");
        std::fs::write(&path, b"hello\n").unwrap();
        (dir, path)
    }

    #[test]
    fn slices_say_where_they_start_and_respect_the_cap() {
        let (_dir, path) = hello();
        let slice = |o, l, cap| read_log_slice(&path, o, l, cap).unwrap();
        assert_eq!(
            slice(-3, 0, u64::MAX),
            LogSlice {
                data: b"lo\n".to_vec(),
                start: 3
            }
        );
        assert_eq!(
            slice(-100, 0, 2),
            LogSlice {
                data: b"he".to_vec(),
                start: 0
            }
        );
        assert_eq!(
            slice(1, 0, 2),
            LogSlice {
                data: b"el".to_vec(),
                start: 1
            }
        );
        assert_eq!(
            slice(100, 0, 2),
            LogSlice {
                data: Vec::new(),
                start: 100
            }
        );
    }

    #[test]
    fn read_log_table_from_spec() {
        let (_dir, path) = hello();
        let ok = |o, l| read_log(&path, o, l).unwrap();
        assert_eq!(ok(0, 0), b"hello\n");
        assert_eq!(ok(0, 3), b"hel");
        assert_eq!(ok(2, 2), b"ll");
        assert_eq!(ok(-3, 0), b"lo\n");
        assert_eq!(ok(100, 0), b"");
        assert_eq!(ok(-100, 0), b"hello\n");
        assert_eq!(ok(5, 100), b"\n");
        assert!(matches!(
            read_log(&path, -3, 2),
            Err(ReadLogError::BadArguments)
        ));
        assert!(matches!(
            read_log(&path, 0, -2),
            Err(ReadLogError::BadArguments)
        ));
        assert!(matches!(read_log(&path, i64::MIN, 0), Ok(ref d) if d == b"hello\n"));
    }

    #[test]
    fn read_log_missing_and_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_log(&dir.path().join("nope"), 0, 0),
            Err(ReadLogError::NoFile)
        ));
        // A directory exists but is not a readable log.
        assert!(matches!(
            read_log(dir.path(), 0, 0),
            Err(ReadLogError::Failed(_))
        ));
        // A character device is never read (it could block).
        assert!(matches!(
            read_log(Path::new("/dev/zero"), 0, 0),
            Err(ReadLogError::Failed(_))
        ));
    }

    #[test]
    fn tail_log_table_from_spec() {
        let (_dir, path) = hello();
        let t = |o, l| {
            let r = tail_log(&path, o, l);
            (String::from_utf8(r.data).unwrap(), r.offset, r.overflow)
        };
        let s = |x: &str| x.to_string();
        assert_eq!(t(0, 3), (s("lo\n"), 6, true));
        assert_eq!(t(0, 100), (s("hello\n"), 6, false));
        assert_eq!(t(6, 100), (s(""), 6, false));
        assert_eq!(t(2, 2), (s("o\n"), 6, true));
        assert_eq!(t(50, 10), (s(""), 6, false));
        assert_eq!(t(4, 1), (s("\n"), 6, true));
        assert_eq!(t(-2, 3), (s("lo\n"), 6, true));
        assert_eq!(t(0, 0), (s(""), 6, true));
        assert_eq!(t(i64::MAX, i64::MAX), (s(""), 6, false));
        assert_eq!(t(i64::MIN, 1), (s("\n"), 6, true));
    }

    #[test]
    fn tail_log_missing_and_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            tail_log(&dir.path().join("nope"), 7, 10),
            Tail {
                data: vec![],
                offset: 0,
                overflow: false
            }
        );
        assert_eq!(
            tail_log(dir.path(), 7, 10),
            Tail {
                data: vec![],
                offset: 7,
                overflow: false
            }
        );
    }

    #[test]
    fn tail_of_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.log");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            tail_log(&path, 0, 1600),
            Tail {
                data: vec![],
                offset: 0,
                overflow: false
            }
        );
        assert_eq!(read_log(&path, -1600, 0).unwrap(), b"");
    }

    #[test]
    fn read_tail_gives_the_end_and_the_size() {
        let (_dir, path) = hello();
        assert_eq!(read_tail(&path, 4).unwrap(), (b"llo\n".to_vec(), 6));
        assert_eq!(read_tail(&path, 100).unwrap(), (b"hello\n".to_vec(), 6));
        assert!(read_tail(Path::new("/dev/zero"), 10).is_err());
    }
}
