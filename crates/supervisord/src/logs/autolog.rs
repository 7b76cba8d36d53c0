//! `AUTO` child log files (spec §1.7): their names, creation, and the cleanup at startup.
//!
//! A name is `<childlogdir>/<process_name>-<channel>---<identifier>-<8 random [a-z0-9_]>.log`,
//! created empty with mode 0600 the way Python's `tempfile.mkstemp` does. At every (re)start
//! supervisord deletes files of the child log directory whose name matches
//! `.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}` (Python's `re.match`, anchored at the start only).

use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use supervisor_core::pystr::py_repr_os_str;

/// The characters of mkstemp's random part (Python's `_RandomNameSequence`).
const NAME_CHARS: &[u8; 37] = b"abcdefghijklmnopqrstuvwxyz0123456789_";

/// How many names mkstemp tries before giving up (`TMP_MAX`).
const ATTEMPTS: u32 = 10_000;

/// Python's `os.path.abspath`: join with the working directory and normalise `.`/`..`/`//`.
fn abspath(dir: &Path) -> io::Result<PathBuf> {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()?.join(dir)
    };
    let mut out = PathBuf::from("/");
    for comp in joined.components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(out)
}

/// Eight random characters from [`NAME_CHARS`], unbiased.
fn random_name() -> io::Result<[u8; 8]> {
    let mut name = [0u8; 8];
    let mut filled = 0;
    let mut pool = [0u8; 32];
    while filled < name.len() {
        getrandom(&mut pool)?;
        // 222 = 6 * 37: reject the top of the byte range so every character is equally likely.
        for &b in pool.iter().filter(|&&b| b < 222) {
            if filled == name.len() {
                break;
            }
            name[filled] = NAME_CHARS[usize::from(b % 37)];
            filled += 1;
        }
    }
    Ok(name)
}

fn getrandom(buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: the pointer and length describe the unfilled part of `buf`.
        let n = unsafe { libc::getrandom(buf[done..].as_mut_ptr().cast(), buf.len() - done, 0) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        done += n.unsigned_abs();
    }
    Ok(())
}

/// Creates a new, empty AUTO log file for one channel (`stdout`/`stderr`) of a process and
/// returns its absolute path (Supervisor's `get_autochildlog_name`).
pub fn create_auto_log(
    childlogdir: &Path,
    process_name: &str,
    channel: &str,
    identifier: &str,
) -> io::Result<PathBuf> {
    let dir = abspath(childlogdir)?;
    let prefix = format!("{process_name}-{channel}---{identifier}-");
    for _ in 0..ATTEMPTS {
        let random = random_name()?;
        let mut name = Vec::with_capacity(prefix.len() + 12);
        name.extend_from_slice(prefix.as_bytes());
        name.extend_from_slice(&random);
        name.extend_from_slice(b".log");
        let path = dir.join(OsStr::from_bytes(&name));
        let created = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path);
        match created {
            Ok(_file) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "No usable temporary file name found",
    ))
}

/// Python's `\s` for text patterns: Unicode whitespace, which includes the ASCII separators
/// `\x1c`–`\x1f`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Whether `filename` is an AUTO log of the supervisord named `identifier`: Python's
/// `re.match(r'.+?---<identifier>-\S+\.log\.{0,1}\d{0,4}', filename)`. The identifier is
/// taken literally (Python splices it into the pattern unescaped, so an identifier with regex
/// metacharacters behaves differently there — or crashes).
pub fn is_auto_log_name(filename: &OsStr, identifier: &str) -> bool {
    // Python lists the directory as str with surrogateescape: decode lossily, keeping one char
    // per undecodable byte (U+FFFD is neither whitespace nor a newline, like the surrogates).
    let name = String::from_utf8_lossy(filename.as_bytes());
    let marker = format!("---{identifier}-");
    // `.+?` needs at least one character before the marker.
    let mut search_from = name.chars().next().map_or(1, char::len_utf8);
    while let Some(found) = name.get(search_from..).and_then(|rest| rest.find(&marker)) {
        let at = search_from + found;
        // `.` does not match a newline, so everything before the marker must be newline-free.
        if name[..at].contains('\n') {
            return false;
        }
        // `\S+\.log`: a run of non-whitespace after the marker that contains ".log" at an
        // offset of at least one (".log" is itself non-whitespace).
        let rest = &name[at + marker.len()..];
        let run_end = rest.find(is_py_space).unwrap_or(rest.len());
        let run = &rest[..run_end];
        if let Some((first, _)) = run.char_indices().nth(1) {
            if run[first..].contains(".log") {
                return true;
            }
        }
        search_from = at + name[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Deletes the AUTO logs (and their rotated backups) of the supervisord named `identifier`
/// from `childlogdir`; returns Supervisor's warnings (`Could not clear childlog dir`,
/// `Failed to clean up 'PATH'`) for the caller to log at WARN.
pub fn clear_auto_child_logs(childlogdir: &Path, identifier: &str) -> Vec<String> {
    let entries = match std::fs::read_dir(childlogdir) {
        Ok(entries) => entries,
        Err(_) => return vec!["Could not clear childlog dir".to_string()],
    };
    let mut warnings = Vec::new();
    for entry in entries {
        let Ok(entry) = entry else {
            warnings.push("Could not clear childlog dir".to_string());
            break;
        };
        let name = entry.file_name();
        if is_auto_log_name(&name, identifier) {
            let path = childlogdir.join(&name);
            if std::fs::remove_file(&path).is_err() {
                warnings.push(format!(
                    "Failed to clean up {}",
                    py_repr_os_str(path.as_os_str())
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> bool {
        is_auto_log_name(OsStr::new(name), "supervisor")
    }

    #[test]
    fn matcher_accepts_auto_names_and_backups() {
        assert!(m("cat-stdout---supervisor-5ti0oi7f.log"));
        assert!(m("cat-stderr---supervisor-abc_1234.log.1"));
        assert!(m("cat-stderr---supervisor-abc_1234.log.9999"));
        // Anchored at the start only: anything may follow.
        assert!(m("x---supervisor-a.logfoo"));
        assert!(m("x---supervisor-ab.log.12345 tail"));
    }

    #[test]
    fn matcher_rejects_other_files() {
        assert!(!m("---supervisor-abc.log")); // nothing before the marker
        assert!(!m("cat-stdout---other-5ti0oi7f.log"));
        assert!(!m("cat-stdout---supervisor-.log")); // \S+ needs one char before .log
        assert!(!m("cat-stdout---supervisor-x y.log")); // whitespace breaks \S+
        assert!(!m("cat-stdout---supervisor-abc.txt"));
        assert!(!m("a\nb---supervisor-x.log"));
        assert!(!m("supervisord.log"));
    }

    #[test]
    fn matcher_tries_every_marker_position() {
        // The first marker is followed by whitespace; the second one matches.
        assert!(m("a---supervisor- b---supervisor-cd.log"));
    }

    #[test]
    fn matcher_agrees_with_python_regex_samples() {
        // Checked with Python 3.11: re.match(r'.+?---supervisor-\S+\.log\.{0,1}\d{0,4}', s).
        let cases = [
            ("p-stdout---supervisor-x.log", true),
            ("p-stdout---supervisor-xlog", false),
            ("p---supervisor-\u{1f}x.log", false),
            ("é---supervisor-é.log", true),
            ("p---supervisor-x\u{a0}.log", false),
        ];
        for (name, want) in cases {
            assert_eq!(m(name), want, "{name:?}");
        }
    }

    #[test]
    fn abspath_normalises() {
        assert_eq!(
            abspath(Path::new("/a/./b/../c//d/")).unwrap(),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(abspath(Path::new("/..")).unwrap(), PathBuf::from("/"));
    }

    #[test]
    fn random_names_use_mkstemp_alphabet() {
        for _ in 0..50 {
            let n = random_name().unwrap();
            assert!(n.iter().all(|c| NAME_CHARS.contains(c)), "{n:?}");
        }
    }
}
