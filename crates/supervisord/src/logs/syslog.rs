//! Forwarding to the system log with libc's `syslog(3)`, as Python's `syslog` module does:
//! ident = the program's base name, facility `LOG_USER`, priority `LOG_INFO`.

use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use nix::syslog::{openlog, syslog, Facility, LogFlags, Severity};

/// The ident string handed to `openlog`; syslog keeps the pointer, so it lives forever.
static IDENT: OnceLock<&'static CStr> = OnceLock::new();

fn ensure_open() {
    IDENT.get_or_init(|| {
        let name = std::env::args_os()
            .next()
            .and_then(|a| {
                std::path::Path::new(&a)
                    .file_name()
                    .map(|n| n.to_os_string())
            })
            .unwrap_or_else(|| "supervisord".into());
        let ident =
            CString::new(name.as_bytes().to_vec()).unwrap_or_else(|_| c"supervisord".to_owned());
        // openlog keeps the pointer: the ident is leaked once and lives as long as the process.
        let ident: &'static CStr = Box::leak(ident.into_boxed_c_str());
        let _ = openlog(Some(ident), LogFlags::empty(), Facility::LOG_USER);
        ident
    });
}

/// Sends one message with priority `LOG_INFO`. NUL bytes (which C strings cannot carry) are
/// dropped; the other bytes pass through as they are.
pub fn send(msg: &[u8]) {
    ensure_open();
    let text: std::borrow::Cow<'_, [u8]> = if msg.contains(&0) {
        msg.iter().copied().filter(|&b| b != 0).collect()
    } else {
        msg.into()
    };
    // nix formats with a literal "%s", as Python's `syslog.syslog` does.
    let _ = syslog(Severity::LOG_INFO, OsStr::from_bytes(&text));
}

/// The messages Supervisor's `SyslogHandler` makes of `data`: trailing newlines removed, then
/// one message per line (so empty inner lines are kept).
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut end = data.len();
    while end > 0 && data[end - 1] == b'\n' {
        end -= 1;
    }
    data[..end].split(|&b| b == b'\n')
}

/// Sends each of [`lines`]`(data)` as its own message, prefixed by `prefix` (Supervisor's
/// format `'<process_name> %(message)s'` for child output).
pub fn send_lines(prefix: &[u8], data: &[u8]) {
    let mut msg = Vec::with_capacity(prefix.len() + 128);
    for line in lines(data) {
        msg.clear();
        msg.extend_from_slice(prefix);
        msg.extend_from_slice(line);
        send(&msg);
    }
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn splits_like_python_rstrip_then_split() {
        let got: Vec<&[u8]> = lines(b"a\nb\n\n").collect();
        assert_eq!(got, vec![&b"a"[..], &b"b"[..]]);
        let got: Vec<&[u8]> = lines(b"a\n\nb").collect();
        assert_eq!(got, vec![&b"a"[..], &b""[..], &b"b"[..]]);
        let got: Vec<&[u8]> = lines(b"\n\n").collect();
        assert_eq!(got, vec![&b""[..]]);
    }
}
