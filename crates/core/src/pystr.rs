//! Small Python string primitives that Supervisor's behaviour (and its messages) depend on:
//! `str.isspace`, `str.strip`, `repr()` of `str` and `bytes`, and `int(str[, base])`.

use std::fmt::Write as _;

/// Python's `str.isspace()` for one character (also what `\s` matches in `re`).
///
/// Rust's `char::is_whitespace` is the Unicode `White_Space` property; Python additionally treats
/// the information separators U+001C..U+001F as whitespace.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Python's `str.isprintable()` for one character, as used by `repr`.
///
/// Exact for ASCII and Latin-1 and for the control, separator, format and private-use ranges;
/// unassigned code points (which Python also escapes) are only recognised for the noncharacters,
/// because we carry no Unicode database.
fn py_isprintable(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || u == 0x7f {
        return false;
    }
    if u < 0x7f {
        return true;
    }
    !matches!(u,
        0x80..=0xa0
        | 0xad
        | 0x600..=0x605
        | 0x61c
        | 0x6dd
        | 0x70f
        | 0x890..=0x891
        | 0x8e2
        | 0x1680
        | 0x180e
        | 0x2000..=0x200f
        | 0x2028..=0x202f
        | 0x205f..=0x2064
        | 0x2066..=0x206f
        | 0x3000
        | 0xd800..=0xf8ff
        | 0xfdd0..=0xfdef
        | 0xfeff
        | 0xfff9..=0xfffb
        | 0x110bd
        | 0x110cd
        | 0x13430..=0x1343f
        | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a
        | 0xe0001
        | 0xe0020..=0xe007f
        | 0xf0000..=0x10ffff
    ) && (u & 0xfffe) != 0xfffe
}

/// Python's choice of quote for `repr`: single quotes unless the text contains `'` and no `"`.
fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// Python's `repr()` of a `str`: single quotes unless the text contains `'` and no `"`.
pub fn py_repr(s: &str) -> String {
    let quote = quote_for(s.contains('\''), s.contains('"'));
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    py_escape_into(&mut out, s, quote);
    out.push(quote);
    out
}

/// Appends `s` escaped as inside a Python string literal delimited by `quote`, as `repr` does.
pub fn py_escape_into(out: &mut String, s: &str, quote: char) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if py_isprintable(c) => out.push(c),
            c => {
                let u = c as u32;
                let _ = if u <= 0xff {
                    write!(out, "\\x{u:02x}")
                } else if u <= 0xffff {
                    write!(out, "\\u{u:04x}")
                } else {
                    write!(out, "\\U{u:08x}")
                };
            }
        }
    }
}

/// `repr(path)` for a file name Python got from the OS: undecodable bytes appear as the
/// surrogate escapes `\udcXX` that Python's `surrogateescape` decoding produces.
pub fn py_repr_os_str(s: &std::ffi::OsStr) -> String {
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
pub fn py_repr_bytes(b: &[u8]) -> String {
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

/// Why [`py_int`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntError {
    /// Python's `ValueError`: `invalid literal for int() with base N: 'TEXT'`.
    #[error("invalid literal for int() with base {base}: {}", py_repr(.text))]
    Invalid {
        /// The base that was asked for.
        base: u32,
        /// The original text.
        text: String,
    },
    /// A valid integer that does not fit in 64 bits (Python has no such limit).
    #[error("integer {} is out of range", py_repr(.text))]
    OutOfRange {
        /// The original text.
        text: String,
    },
}

/// Python's `int(text, base)` for base 8, 10 or 16, restricted to results that fit in `i64`.
///
/// Accepts surrounding whitespace, a sign, `_` between digits and (for base 8/16) the optional
/// `0o`/`0x` prefix, exactly as Python does. Only ASCII digits are accepted (Python also takes
/// other Unicode decimal digits, which would need a Unicode database).
pub fn py_int_base(text: &str, base: u32) -> Result<i64, IntError> {
    let invalid = || IntError::Invalid {
        base,
        text: text.to_owned(),
    };
    // CPython maps non-ASCII whitespace to ' ' and then strips only C's ASCII whitespace, so
    // U+001C..U+001F (whitespace for `str.strip`) are *not* stripped here.
    let s = text.trim_matches(|c: char| {
        matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r') || (!c.is_ascii() && py_isspace(c))
    });
    let (neg, mut digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let prefix = match base {
        8 => Some(["0o", "0O"]),
        16 => Some(["0x", "0X"]),
        _ => None,
    };
    let mut after_prefix = false;
    if let Some(pfx) = prefix {
        if pfx.iter().any(|p| digits.starts_with(p)) {
            digits = &digits[2..];
            after_prefix = true;
        }
    }
    // After a base prefix Python allows one leading underscore (`0o_7`).
    if after_prefix && digits.starts_with('_') {
        digits = &digits[1..];
    }
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(invalid());
    }
    let mut value: i128 = 0;
    let mut overflow = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(base).ok_or_else(invalid)?;
        if !overflow {
            value = value * i128::from(base) + i128::from(d);
            if value > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
    }
    if overflow {
        return Err(IntError::OutOfRange {
            text: text.to_owned(),
        });
    }
    let value = if neg { -value } else { value };
    i64::try_from(value).map_err(|_| IntError::OutOfRange {
        text: text.to_owned(),
    })
}

/// Python's `int(text)` (base 10), restricted to results that fit in `i64`.
pub fn py_int(text: &str) -> Result<i64, IntError> {
    py_int_base(text, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        let cases = [
            ("abc", "'abc'"),
            ("", "''"),
            ("it's", "\"it's\""),
            ("both ' and \"", "'both \\' and \"'"),
            ("say \"hi\"", "'say \"hi\"'"),
            ("line\n", "'line\\n'"),
            ("tab\there\r", "'tab\\there\\r'"),
            ("back\\slash", "'back\\\\slash'"),
            ("\x00\x1f\x7f", "'\\x00\\x1f\\x7f'"),
            ("caf\u{e9}", "'caf\u{e9}'"),
            ("nb\u{a0}sp", "'nb\\xa0sp'"),
            ("\u{2028}", "'\\u2028'"),
            ("\u{feff}", "'\\ufeff'"),
            ("\u{10ffff}", "'\\U0010ffff'"),
            ("\u{1f600}", "'\u{1f600}'"),
        ];
        for (input, want) in cases {
            assert_eq!(py_repr(input), want, "repr of {input:?}");
        }
    }

    #[test]
    fn repr_escapes_controls_like_python() {
        // From the copy that lived in the daemon's logs (`repr_str`) and in `signals`.
        assert_eq!(py_repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(py_repr("a\tb\nc\\"), "'a\\tb\\nc\\\\'");
        assert_eq!(py_repr("\x07\u{7f}é"), "'\\x07\\x7fé'");
        assert_eq!(py_repr("\u{a0}\u{2028}"), "'\\xa0\\u2028'");
        assert_eq!(py_repr("x\n\t\u{1}\u{7f}é"), "'x\\n\\t\\x01\\x7fé'");
        // The copy in `signals` escaped with `char::is_control` and never wrote `\U`; Python
        // (and the merged function) also escapes non-printable non-controls and astral ones.
        assert_eq!(py_repr("\u{ad}"), "'\\xad'");
        assert_eq!(py_repr("\u{e0001}"), "'\\U000e0001'");
    }

    #[test]
    fn bytes_like_python() {
        assert_eq!(py_repr_bytes(b"READY\n"), "b'READY\\n'");
        assert_eq!(py_repr_bytes(b"\xff\x00a'"), "b\"\\xff\\x00a'\"");
        assert_eq!(py_repr_bytes(b"'\""), "b'\\'\"'");
        assert_eq!(py_repr_bytes("é".as_bytes()), "b'\\xc3\\xa9'");
    }

    #[test]
    fn os_str_uses_surrogate_escapes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"/tmp/a\xffb'.log");
        assert_eq!(py_repr_os_str(name), "\"/tmp/a\\udcffb'.log\"");
        assert_eq!(
            py_repr_os_str(std::ffi::OsStr::new("/tmp/x.log")),
            "'/tmp/x.log'"
        );
    }

    #[test]
    fn isspace_includes_information_separators() {
        for c in [
            ' ', '\t', '\n', '\x0b', '\x0c', '\r', '\x1c', '\x1f', '\u{85}', '\u{a0}', '\u{3000}',
        ] {
            assert!(py_isspace(c), "{c:?}");
        }
        for c in ['a', '\x00', '\u{200b}', '_'] {
            assert!(!py_isspace(c), "{c:?}");
        }
    }

    #[test]
    fn int_accepts_what_python_accepts() {
        let ok = [
            ("0", 0),
            ("42", 42),
            (" 42 ", 42),
            ("+7", 7),
            ("-7", -7),
            ("1_000", 1000),
            ("007", 7),
            ("\t-1_2\n", -12),
            ("\u{a0}3\u{3000}", 3),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for (input, want) in ok {
            assert_eq!(py_int(input), Ok(want), "int({input:?})");
        }
    }

    #[test]
    fn int_rejects_with_python_message() {
        let bad = [
            ("abc", "invalid literal for int() with base 10: 'abc'"),
            ("", "invalid literal for int() with base 10: ''"),
            (" ", "invalid literal for int() with base 10: ' '"),
            ("1.5", "invalid literal for int() with base 10: '1.5'"),
            ("_1", "invalid literal for int() with base 10: '_1'"),
            ("1_", "invalid literal for int() with base 10: '1_'"),
            ("1__0", "invalid literal for int() with base 10: '1__0'"),
            ("- 1", "invalid literal for int() with base 10: '- 1'"),
            ("0x10", "invalid literal for int() with base 10: '0x10'"),
            ("++1", "invalid literal for int() with base 10: '++1'"),
            ("\x1c1", "invalid literal for int() with base 10: '\\x1c1'"),
        ];
        for (input, want) in bad {
            assert_eq!(
                py_int(input).unwrap_err().to_string(),
                want,
                "int({input:?})"
            );
        }
        assert!(matches!(
            py_int("99999999999999999999"),
            Err(IntError::OutOfRange { .. })
        ));
    }

    #[test]
    fn int_edge_cases_from_the_signal_parser() {
        // The rules the copy in `signals` (`parse_python_int`) was tested against.
        assert_eq!(py_int("-0"), Ok(0));
        assert_eq!(py_int("\t42\n"), Ok(42));
        for bad in ["_1", "1_", "0x1", "+", "  "] {
            assert!(py_int(bad).is_err(), "int({bad:?})");
        }
    }

    #[test]
    fn int_base8() {
        assert_eq!(py_int_base("022", 8), Ok(18));
        assert_eq!(py_int_base("0o22", 8), Ok(18));
        assert_eq!(py_int_base("0o_7", 8), Ok(7));
        assert_eq!(py_int_base("-7", 8), Ok(-7));
        assert!(py_int_base("8", 8).is_err());
        assert!(py_int_base("0o", 8).is_err());
        assert_eq!(
            py_int_base("9", 8).unwrap_err().to_string(),
            "invalid literal for int() with base 8: '9'"
        );
    }
}
