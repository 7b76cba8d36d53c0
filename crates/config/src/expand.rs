//! Supervisor's `%(name)s` expansion: Python's `value % names` (`str.__mod__` with a mapping),
//! reimplemented after CPython 3.11's `PyUnicode_Format`, including its error messages.
//!
//! One deliberate difference (quirk Q16 of the spec): Python formats the *whole mapping* into a
//! specifier that has no `(name)` (`date +%s` becomes `date +{'ENV_HOME': ...}`); we report an
//! [`ExpandError::UnnamedSpecifier`] instead, pointing at `%%`.

use std::collections::BTreeMap;

use supervisor_core::pystr::py_repr;

/// A value available to expansion. Python's dict holds `str`s and, for `process_num` and
/// `numprocs`, `int`s; the conversions behave differently for the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandValue {
    /// A Python `str`.
    Str(String),
    /// A Python `int`.
    Int(i128),
}

/// Why a value could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// A `%(name)…` names a key that is not available (Python stops at the first one).
    #[error("{}", .0.iter().map(|k| py_repr(k)).collect::<Vec<_>>().join(", "))]
    UnknownNames(Vec<String>),
    /// Python's own formatting error message (`incomplete format`, `unsupported format character
    /// '"' (0x22) at index 7`, `%d format: a real number is required, not str`, …).
    #[error("{0}")]
    BadFormat(String),
    /// A conversion without `(name)` at this character index (where Python would silently
    /// format the whole mapping into the value).
    #[error("the conversion at index {index} has no (name); write '%%' for a literal '%'")]
    UnnamedSpecifier {
        /// Character index of the `%` that starts the conversion.
        index: usize,
    },
}

impl ExpandError {
    /// Supervisor's full message for a failed expansion of `value` (option `where_`, written
    /// `section.option`), e.g. `Format string 'VALUE' for 'SECTION.OPTION' contains names ('KEY')
    /// which cannot be expanded. Available names: a, b, c`.
    pub fn message<V>(&self, value: &str, where_: &str, names: &BTreeMap<String, V>) -> String {
        let available = || {
            names
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            ExpandError::UnknownNames(_) => format!(
                "Format string {} for {} contains names ({self}) which cannot be expanded. \
                 Available names: {}",
                py_repr(value),
                py_repr(where_),
                available()
            ),
            ExpandError::BadFormat(msg) => format!(
                "Format string {} for {} is badly formatted: {msg}",
                py_repr(value),
                py_repr(where_)
            ),
            ExpandError::UnnamedSpecifier { index } => {
                let spec: String = value.chars().skip(*index).take(2).collect();
                // Our own message (Python silently formats the dictionary in): name the fix,
                // and the names without the environment's, which would drown them.
                let mut names: Vec<&str> = names
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !k.starts_with("ENV_"))
                    .collect();
                names.push("ENV_<variable>");
                format!(
                    "Format string {} for {} is badly formatted: {} at index {index} has no \
                     (name); write '%%' for a literal '%' or use a name. Available names: {}",
                    py_repr(value),
                    py_repr(where_),
                    py_repr(&spec),
                    names.join(", ")
                )
            }
        }
    }
}

/// Python's `value % names` for supervisor's expansion dict, whose values are all strings.
///
/// A value that is a plain decimal integer (`-?[0-9]+`, like `process_num` and `numprocs`) also
/// works with the numeric conversions (`%(process_num)02d`, `%(numprocs)x`, `%(n).1f`); other
/// strings fail with Python's `%d format: a real number is required, not str`.
pub fn expand(value: &str, names: &BTreeMap<String, String>) -> Result<String, ExpandError> {
    format_with(value, |key| {
        names.get(key).map(|s| match parse_plain_int(s) {
            Some(n) => Arg::NumStr(s, n),
            None => Arg::Str(s),
        })
    })
}

/// Python's `value % names` with typed values (`int`s format exactly as Python's ints).
pub fn expand_values(
    value: &str,
    names: &BTreeMap<String, ExpandValue>,
) -> Result<String, ExpandError> {
    format_with(value, |key| {
        names.get(key).map(|v| match v {
            ExpandValue::Str(s) => Arg::Str(s),
            ExpandValue::Int(n) => Arg::Int(*n),
        })
    })
}

fn parse_plain_int(s: &str) -> Option<i128> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A formatting argument.
#[derive(Debug, Clone, Copy)]
enum Arg<'a> {
    Str(&'a str),
    Int(i128),
    /// A string that is also a plain integer: a `str` for `s`/`r`/`a`, an `int` otherwise.
    NumStr(&'a str, i128),
    /// The mapping itself (what Python hands to a specifier without a name).
    Mapping,
}

impl Arg<'_> {
    fn as_int(&self) -> Option<i128> {
        match self {
            Arg::Int(n) | Arg::NumStr(_, n) => Some(*n),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Arg::Str(_) => "str",
            Arg::Int(_) | Arg::NumStr(..) => "int",
            Arg::Mapping => "dict",
        }
    }
}

const F_LJUST: u8 = 1;
const F_SIGN: u8 = 2;
const F_BLANK: u8 = 4;
const F_ALT: u8 = 8;
const F_ZERO: u8 = 16;

/// Widths beyond this are refused instead of allocating (Python would try, and likely fail with
/// `MemoryError`).
const MAX_WIDTH: usize = 1 << 20;

fn bad(msg: impl Into<String>) -> ExpandError {
    ExpandError::BadFormat(msg.into())
}

/// State of Python's `getnextarg` for a mapping: the mapping itself is available once, and each
/// `(key)` makes that key's value available once.
struct Args<'a> {
    current: Arg<'a>,
    available: bool,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Result<Arg<'a>, ExpandError> {
        if self.available {
            self.available = false;
            Ok(self.current)
        } else {
            Err(bad("not enough arguments for format string"))
        }
    }
}

fn format_with<'a>(
    value: &str,
    lookup: impl Fn(&str) -> Option<Arg<'a>>,
) -> Result<String, ExpandError> {
    let fmt: Vec<char> = value.chars().collect();
    let n = fmt.len();
    let mut out = String::with_capacity(value.len());
    let mut args = Args {
        current: Arg::Mapping,
        available: true,
    };
    let mut i = 0;
    while i < n {
        if fmt[i] != '%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        let start = i;
        let mut pos = i + 1;
        if fmt.get(pos) == Some(&'%') {
            out.push('%');
            i = pos + 1;
            continue;
        }
        // `(key)` with balanced parentheses.
        let mut named = false;
        if fmt.get(pos) == Some(&'(') {
            pos += 1;
            let keystart = pos;
            let mut depth = 1;
            while depth > 0 && pos < n {
                match fmt[pos] {
                    ')' => depth -= 1,
                    '(' => depth += 1,
                    _ => {}
                }
                pos += 1;
            }
            if depth > 0 {
                return Err(bad("incomplete format key"));
            }
            let key: String = fmt[keystart..pos - 1].iter().collect();
            let Some(v) = lookup(&key) else {
                return Err(ExpandError::UnknownNames(vec![key]));
            };
            args = Args {
                current: v,
                available: true,
            };
            named = true;
        }
        let mut spec = Spec {
            flags: 0,
            width: None,
            prec: None,
        };
        // Reads the next character, like `--fmtcnt >= 0` followed by a read in CPython.
        let read = |pos: &mut usize| -> Option<char> {
            let c = fmt.get(*pos).copied();
            if c.is_some() {
                *pos += 1;
            }
            c
        };
        let mut ch = read(&mut pos);
        while let Some(c) = ch {
            let f = match c {
                '-' => F_LJUST,
                '+' => F_SIGN,
                ' ' => F_BLANK,
                '#' => F_ALT,
                '0' => F_ZERO,
                _ => break,
            };
            spec.flags |= f;
            ch = read(&mut pos);
        }
        if ch.is_none() {
            return Err(bad("incomplete format"));
        }
        if ch == Some('*') {
            let v = args.next()?;
            let w = v.as_int().ok_or_else(|| bad("* wants int"))?;
            let w = i64::try_from(w)
                .map_err(|_| bad("Python int too large to convert to C ssize_t"))?;
            if w < 0 {
                spec.flags |= F_LJUST;
            }
            spec.width = Some(usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX));
            ch = read(&mut pos);
        } else if let Some(d) = ch.and_then(|c| c.to_digit(10)) {
            let mut w = d as usize;
            loop {
                ch = read(&mut pos);
                let Some(d) = ch.and_then(|c| c.to_digit(10)) else {
                    break;
                };
                w = w
                    .checked_mul(10)
                    .and_then(|w| w.checked_add(d as usize))
                    .filter(|w| *w <= isize::MAX as usize)
                    .ok_or_else(|| bad("width too big"))?;
            }
            spec.width = Some(w);
        }
        if ch == Some('.') {
            spec.prec = Some(0);
            ch = read(&mut pos);
            if ch == Some('*') {
                let v = args.next()?;
                let p = v.as_int().ok_or_else(|| bad("* wants int"))?;
                let p = i32::try_from(p)
                    .map_err(|_| bad("Python int too large to convert to C int"))?;
                spec.prec = Some(usize::try_from(p.max(0)).unwrap_or(usize::MAX));
                ch = read(&mut pos);
            } else if let Some(d) = ch.and_then(|c| c.to_digit(10)) {
                let mut p = d as usize;
                loop {
                    ch = read(&mut pos);
                    let Some(d) = ch.and_then(|c| c.to_digit(10)) else {
                        break;
                    };
                    p = p
                        .checked_mul(10)
                        .and_then(|p| p.checked_add(d as usize))
                        .filter(|p| *p <= i32::MAX as usize)
                        .ok_or_else(|| bad("precision too big"))?;
                }
                spec.prec = Some(p);
            }
        }
        if matches!(ch, Some('h' | 'l' | 'L')) {
            ch = read(&mut pos);
        }
        let Some(conv) = ch else {
            return Err(bad("incomplete format"));
        };
        let arg = args.next()?;
        let known = matches!(
            conv,
            's' | 'r'
                | 'a'
                | 'i'
                | 'd'
                | 'u'
                | 'o'
                | 'x'
                | 'X'
                | 'e'
                | 'E'
                | 'f'
                | 'F'
                | 'g'
                | 'G'
                | 'c'
        );
        if !known {
            let shown = if (' '..='~').contains(&conv) {
                conv
            } else {
                '?'
            };
            return Err(bad(format!(
                "unsupported format character '{shown}' (0x{:x}) at index {}",
                conv as u32,
                pos - 1
            )));
        }
        if matches!(arg, Arg::Mapping) && !named {
            return Err(ExpandError::UnnamedSpecifier { index: start });
        }
        if spec.width.is_some_and(|w| w > MAX_WIDTH) || spec.prec.is_some_and(|p| p > MAX_WIDTH) {
            return Err(bad("width too big"));
        }
        format_one(&mut out, conv, &mut spec, arg)?;
        i = pos;
    }
    Ok(out)
}

struct Spec {
    flags: u8,
    width: Option<usize>,
    prec: Option<usize>,
}

fn format_one(
    out: &mut String,
    conv: char,
    spec: &mut Spec,
    arg: Arg<'_>,
) -> Result<(), ExpandError> {
    let mut numeric = false;
    let body: String = match conv {
        's' | 'r' | 'a' => {
            let s = match (conv, arg) {
                ('s', Arg::Str(s) | Arg::NumStr(s, _)) => s.to_owned(),
                ('r', Arg::Str(s) | Arg::NumStr(s, _)) => py_repr(s),
                ('a', Arg::Str(s) | Arg::NumStr(s, _)) => py_ascii(s),
                (_, Arg::Int(n)) => n.to_string(),
                (_, Arg::Mapping) => unreachable!("mapping arguments are rejected earlier"),
                _ => unreachable!("conversion is one of s, r, a"),
            };
            match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'i' | 'd' | 'u' | 'o' | 'x' | 'X' => {
            let Some(n) = arg.as_int() else {
                let kind = if matches!(conv, 'o' | 'x' | 'X') {
                    "an integer"
                } else {
                    "a real number"
                };
                return Err(bad(format!(
                    "%{conv} format: {kind} is required, not {}",
                    arg.type_name()
                )));
            };
            numeric = true;
            format_long(n, spec.flags & F_ALT != 0, spec.prec, conv)
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let Some(n) = arg.as_int() else {
                return Err(bad(format!("must be real number, not {}", arg.type_name())));
            };
            numeric = true;
            format_float(
                n as f64,
                conv,
                spec.prec.unwrap_or(6),
                spec.flags & F_ALT != 0,
            )
        }
        'c' => {
            let c = match arg {
                Arg::Str(s) if s.chars().count() == 1 => s.chars().next().unwrap_or_default(),
                Arg::Int(n) | Arg::NumStr(_, n) => {
                    if !(0..=0x10ffff).contains(&n) {
                        return Err(bad("%c arg not in range(0x110000)"));
                    }
                    // A lone surrogate cannot exist in a Rust string.
                    char::from_u32(n as u32).unwrap_or('\u{fffd}')
                }
                _ => return Err(bad("%c requires int or char")),
            };
            // Python ignores the precision for %c.
            spec.prec = None;
            c.to_string()
        }
        _ => unreachable!("conversion validated by the caller"),
    };
    pad(out, &body, conv, spec, numeric);
    Ok(())
}

/// Python's `ascii()` of a `str`: `repr` with every non-ASCII character escaped.
fn py_ascii(s: &str) -> String {
    let mut out = String::new();
    for c in py_repr(s).chars() {
        let u = c as u32;
        if u < 0x80 {
            out.push(c);
        } else if u <= 0xff {
            out.push_str(&format!("\\x{u:02x}"));
        } else if u <= 0xffff {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push_str(&format!("\\U{u:08x}"));
        }
    }
    out
}

/// `_PyUnicode_FormatLong`: digits with optional `0o`/`0x` prefix (kept only with `#`) and
/// zero-extended to `prec` digits.
fn format_long(n: i128, alt: bool, prec: Option<usize>, conv: char) -> String {
    let mag = n.unsigned_abs();
    let (prefix, digits) = match conv {
        'o' => ("0o", format!("{mag:o}")),
        'x' => ("0x", format!("{mag:x}")),
        'X' => ("0X", format!("{mag:X}")),
        _ => ("", mag.to_string()),
    };
    let mut s = String::new();
    if n < 0 {
        s.push('-');
    }
    if alt {
        s.push_str(prefix);
    }
    if let Some(p) = prec {
        for _ in digits.len()..p {
            s.push('0');
        }
    }
    s.push_str(&digits);
    s
}

/// `PyOS_double_to_string` for the `e`, `f`, `g` conversions (and upper-case variants).
fn format_float(x: f64, conv: char, prec: usize, alt: bool) -> String {
    let upper = conv.is_ascii_uppercase();
    let s = match conv.to_ascii_lowercase() {
        'e' => sci(x, prec, alt),
        'f' => {
            let mut s = format!("{x:.prec$}");
            if alt && prec == 0 {
                s.push('.');
            }
            s
        }
        _ => {
            let p = prec.max(1);
            // The exponent the value has once rounded to p significant digits.
            let e_repr = format!("{:.*e}", p - 1, x);
            let exp: i64 = e_repr
                .rsplit_once('e')
                .and_then(|(_, e)| e.parse().ok())
                .unwrap_or(0);
            let mut s = if -4 <= exp && exp < p as i64 {
                let fprec = (p as i64 - 1 - exp) as usize;
                let mut s = format!("{x:.fprec$}");
                if alt && !s.contains('.') {
                    s.push('.');
                }
                s
            } else {
                sci(x, p - 1, alt)
            };
            if !alt {
                s = strip_fraction_zeros(&s);
            }
            s
        }
    };
    if upper {
        s.to_ascii_uppercase()
    } else {
        s
    }
}

/// `d.ddde+XX`: at least two exponent digits, like C's printf.
fn sci(x: f64, prec: usize, alt: bool) -> String {
    let r = format!("{x:.prec$e}");
    let (mant, exp) = r.rsplit_once('e').unwrap_or((r.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut mant = mant.to_owned();
    if alt && prec == 0 {
        mant.push('.');
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.unsigned_abs())
}

/// Removes trailing zeros of the fraction (and a then-trailing `.`), keeping any exponent.
fn strip_fraction_zeros(s: &str) -> String {
    let (mant, exp) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mant = if mant.contains('.') {
        mant.trim_end_matches('0').trim_end_matches('.')
    } else {
        mant
    };
    format!("{mant}{exp}")
}

/// The padding, sign and alternate-prefix placement of CPython's `unicode_format_arg_output`.
fn pad(out: &mut String, body: &str, conv: char, spec: &Spec, numeric: bool) {
    let chars: Vec<char> = body.chars().collect();
    let mut idx = 0;
    let mut len = chars.len();
    let fill = if numeric && spec.flags & F_ZERO != 0 {
        '0'
    } else {
        ' '
    };
    let mut sign: Option<char> = None;
    if numeric {
        match chars.first() {
            Some(&c @ ('-' | '+' | ' ')) => {
                sign = Some(c);
                idx = 1;
                len -= 1;
            }
            _ if spec.flags & F_SIGN != 0 => sign = Some('+'),
            _ if spec.flags & F_BLANK != 0 => sign = Some(' '),
            _ => {}
        }
    }
    let mut width = spec.width.unwrap_or(0).max(len);
    if let Some(s) = sign {
        if fill != ' ' {
            out.push(s);
        }
        if width > len {
            width -= 1;
        }
    }
    let alt_prefix = spec.flags & F_ALT != 0 && matches!(conv, 'x' | 'X' | 'o');
    if alt_prefix {
        if fill != ' ' {
            out.extend(&chars[idx..idx + 2]);
        }
        width = width.saturating_sub(2);
        len -= 2;
    }
    if width > len && spec.flags & F_LJUST == 0 {
        out.extend(std::iter::repeat_n(fill, width - len));
        width = len;
    }
    if fill == ' ' {
        if let Some(s) = sign {
            out.push(s);
        }
        if alt_prefix {
            out.extend(&chars[idx..idx + 2]);
        }
    }
    if alt_prefix {
        idx += 2;
    }
    out.extend(&chars[idx..idx + len]);
    if width > len {
        out.extend(std::iter::repeat_n(' ', width - len));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn named_conversions() {
        let n = names(&[
            ("here", "/etc"),
            ("process_num", "5"),
            ("numprocs", "12"),
            ("neg", "-3"),
        ]);
        let cases = [
            ("%(here)s/x.log", "/etc/x.log"),
            ("%%(here)s", "%(here)s"),
            ("100%%", "100%"),
            ("p%(process_num)02d", "p05"),
            ("%(process_num)x", "5"),
            (
                "%(numprocs)x|%(numprocs)X|%(numprocs)#x|%(numprocs)#o",
                "c|C|0xc|0o14",
            ),
            (
                "[%(numprocs)5d][%(numprocs)-5d][%(numprocs)05d]",
                "[   12][12   ][00012]",
            ),
            (
                "[%(numprocs)+d][%(numprocs) d][%(neg)05d][%(neg)+d]",
                "[+12][ 12][-0003][-3]",
            ),
            (
                "[%(numprocs)#06x][%(numprocs)#6x][%(numprocs)-#6x]",
                "[0x000c][   0xc][0xc   ]",
            ),
            ("[%(numprocs).4d][%(numprocs)#.4x]", "[0012][0x000c]"),
            (
                "[%(here)8s][%(here)-8s][%(here).2s][%(here)08s]",
                "[    /etc][/etc    ][/e][    /etc]",
            ),
            ("%(here)r %(here)a", "'/etc' '/etc'"),
            (
                "%(numprocs)f %(numprocs).2e %(numprocs)g",
                "12.000000 1.20e+01 12",
            ),
            ("%(numprocs)ld %(numprocs)hi", "12 12"),
            ("%(process_num)c", "\u{5}"),
        ];
        for (fmt, want) in cases {
            assert_eq!(expand(fmt, &n).as_deref(), Ok(want), "{fmt}");
        }
    }

    #[test]
    fn typed_ints_repr_like_python() {
        let mut n = BTreeMap::new();
        n.insert("n".to_owned(), ExpandValue::Int(7));
        n.insert("s".to_owned(), ExpandValue::Str("7".to_owned()));
        assert_eq!(
            expand_values("%(n)r %(s)r %(n)s", &n).as_deref(),
            Ok("7 '7' 7")
        );
        assert_eq!(
            expand_values("%(s)d", &n),
            Err(ExpandError::BadFormat(
                "%d format: a real number is required, not str".into()
            ))
        );
    }

    #[test]
    fn python_errors() {
        let n = names(&[("a", "x"), ("b", "y"), ("ab", "xy")]);
        let cases = [
            ("%", "incomplete format"),
            ("abc%", "incomplete format"),
            ("%(a)", "incomplete format"),
            ("%(a)5", "incomplete format"),
            ("%(a", "incomplete format key"),
            (
                "%(a)q",
                "unsupported format character 'q' (0x71) at index 4",
            ),
            (
                "x%(a)s %(b)\"",
                "unsupported format character '\"' (0x22) at index 11",
            ),
            (
                "%(a)5%",
                "unsupported format character '%' (0x25) at index 5",
            ),
            ("%(a)d", "%d format: a real number is required, not str"),
            ("%(a)x", "%x format: an integer is required, not str"),
            ("%(a)f", "must be real number, not str"),
            ("%(a)*d", "* wants int"),
            ("%(a)s %s", "not enough arguments for format string"),
            ("%(ab)c", "%c requires int or char"),
            (
                "%(a)\u{e9}",
                "unsupported format character '?' (0xe9) at index 4",
            ),
        ];
        for (fmt, want) in cases {
            assert_eq!(
                expand(fmt, &n),
                Err(ExpandError::BadFormat(want.into())),
                "{fmt}"
            );
        }
        assert_eq!(
            expand("%(zz)s", &n),
            Err(ExpandError::UnknownNames(vec!["zz".into()]))
        );
        assert_eq!(
            expand("%()s", &n),
            Err(ExpandError::UnknownNames(vec![String::new()]))
        );
    }

    #[test]
    fn unnamed_specifier_is_rejected() {
        let n = names(&[("a", "x")]);
        assert_eq!(
            expand("date +%s", &n),
            Err(ExpandError::UnnamedSpecifier { index: 6 })
        );
        assert_eq!(
            expand("%d", &n),
            Err(ExpandError::UnnamedSpecifier { index: 0 })
        );
        // Python's own error wins where Python fails anyway.
        assert_eq!(
            expand("%q", &n),
            Err(bad("unsupported format character 'q' (0x71) at index 1"))
        );
        assert_eq!(expand("%*d", &n), Err(bad("* wants int")));
    }

    #[test]
    fn supervisor_messages() {
        let n = names(&[("here", "/etc"), ("ENV_HOME", "/root")]);
        let e = expand("%(foo)s", &n).unwrap_err();
        assert_eq!(
            e.message("%(foo)s", "program:x.command", &n),
            "Format string '%(foo)s' for 'program:x.command' contains names ('foo') which cannot \
             be expanded. Available names: ENV_HOME, here"
        );
        let e = expand("echo \"%\"", &n).unwrap_err();
        assert_eq!(
            e.message("echo \"%\"", "program:x.command", &n),
            "Format string 'echo \"%\"' for 'program:x.command' is badly formatted: \
             unsupported format character '\"' (0x22) at index 7"
        );
        let e = expand("date +%s", &n).unwrap_err();
        assert_eq!(
            e.message("date +%s", "program:x.command", &n),
            "Format string 'date +%s' for 'program:x.command' is badly formatted: '%s' at index 6 \
             has no (name); write '%%' for a literal '%' or use a name. Available names: here, ENV_<variable>"
        );
    }

    #[test]
    fn float_formats() {
        let mut n = BTreeMap::new();
        for (k, v) in [("z", 0), ("big", 123_456_789), ("neg", -42)] {
            n.insert(k.to_owned(), ExpandValue::Int(v));
        }
        let cases = [
            ("%(z)e", "0.000000e+00"),
            ("%(z)g", "0"),
            ("%(z)#g", "0.00000"),
            ("%(big)g", "1.23457e+08"),
            ("%(big)G", "1.23457E+08"),
            ("%(big).10g", "123456789"),
            ("%(big).3f", "123456789.000"),
            ("%(neg)010.2f", "-000042.00"),
            ("%(neg)+.0e", "-4e+01"),
            ("%(big)#.0f", "123456789."),
            ("%(big)#.0e", "1.e+08"),
            ("%(neg)F", "-42.000000"),
        ];
        for (fmt, want) in cases {
            assert_eq!(expand_values(fmt, &n).as_deref(), Ok(want), "{fmt}");
        }
    }
}
