//! Python's `repr()` of `str` and `bytes`, as Supervisor puts them into log messages
//! (`'%r'` formatting: `spawned: 'x' with pid 1`, `Undecodable: b'\xff'`).

use std::fmt::Write as _;

use supervisor_config::pystr::py_escape_into;

/// Python's choice of quote: single quotes unless the text contains `'` and no `"`.
fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// `repr(s)` for a Python `str`.
pub fn repr_str(s: &str) -> String {
    supervisor_config::pystr::py_repr(s)
}

/// `repr(path)` for a file name Python got from the OS: undecodable bytes appear as the
/// surrogate escapes `\udcXX` that Python's `surrogateescape` decoding produces.
pub fn repr_os_str(s: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let bytes = s.as_bytes();
    let (mut has_single, mut has_double) = (false, false);
    for chunk in bytes.utf8_chunks() {
        has_single |= chunk.valid().contains('\'');
        has_double |= chunk.valid().contains('"');
    }
    let q = quote_for(has_single, has_double);
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push(q);
    for chunk in bytes.utf8_chunks() {
        py_escape_into(&mut out, chunk.valid(), q);
        for b in chunk.invalid() {
            let _ = write!(out, "\\udc{b:02x}");
        }
    }
    out.push(q);
    out
}

/// `repr(b)` for a Python `bytes` value: `b'...'` with `\xNN` for non-printable ASCII.
pub fn repr_bytes(b: &[u8]) -> String {
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"')) as u8;
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(q as char);
    for &byte in b {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == q => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(q as char);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_quotes_like_python() {
        assert_eq!(repr_str("cat"), "'cat'");
        assert_eq!(repr_str("it's"), "\"it's\"");
        assert_eq!(repr_str("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(repr_str("a\tb\nc\\"), "'a\\tb\\nc\\\\'");
        assert_eq!(repr_str("\x07\u{7f}é"), "'\\x07\\x7fé'");
        assert_eq!(repr_str("\u{a0}\u{2028}"), "'\\xa0\\u2028'");
    }

    #[test]
    fn bytes_like_python() {
        assert_eq!(repr_bytes(b"READY\n"), "b'READY\\n'");
        assert_eq!(repr_bytes(b"\xff\x00a'"), "b\"\\xff\\x00a'\"");
        assert_eq!(repr_bytes(b"'\""), "b'\\'\"'");
        assert_eq!(repr_bytes("é".as_bytes()), "b'\\xc3\\xa9'");
    }

    #[test]
    fn os_str_uses_surrogate_escapes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"/tmp/a\xffb'.log");
        assert_eq!(repr_os_str(name), "\"/tmp/a\\udcffb'.log\"");
        assert_eq!(
            repr_os_str(std::ffi::OsStr::new("/tmp/x.log")),
            "'/tmp/x.log'"
        );
    }
}
