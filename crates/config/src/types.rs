//! Supervisor's value converters (`supervisor/datatypes.py`), each returning Python's exact
//! `ValueError` text on failure.
//!
//! Deliberate differences from Python are marked with the spec's quirk numbers: signal names and
//! numbers follow Linux rather than Python's `signal` module (Q22), `loglevel=warning` is
//! accepted (Q23), and `environment=` parsing can report silent truncation (Q19).

use std::path::{Path, PathBuf};

pub use supervisor_core::{AutoRestart, LogLevel};

use crate::host::Host;
use crate::shlex::{env_tokens, EnvToken};
use supervisor_core::pystr::{py_int, py_int_base, py_repr, py_strip};

/// Python's truthy strings (compared after lower-casing).
const TRUTHY: [&str; 4] = ["yes", "true", "on", "1"];
/// Python's falsy strings (compared after lower-casing).
const FALSY: [&str; 4] = ["no", "false", "off", "0"];

/// `boolean`: `true yes on 1` / `false no off 0`, case-insensitive, no trimming.
pub fn boolean(s: &str) -> Result<bool, String> {
    let l = s.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(true)
    } else if FALSY.contains(&l.as_str()) {
        Ok(false)
    } else {
        Err(format!("not a valid boolean value: {}", py_repr(s)))
    }
}

/// `integer`: Python `int()` (sign, `_` separators, surrounding whitespace).
pub fn integer(s: &str) -> Result<i64, String> {
    py_int(s).map_err(|e| e.to_string())
}

/// `byte_size`: an integer with an optional `KB`/`MB`/`GB` suffix (case-insensitive, powers of
/// 1024). The suffix must be the last two characters; errors quote the lower-cased number part.
pub fn byte_size(s: &str) -> Result<i64, String> {
    let v = s.to_lowercase();
    let chars: Vec<char> = v.chars().collect();
    // Python's `v[-2:]`: the last two characters (or the whole string when shorter).
    let tail: String = chars[chars.len().saturating_sub(2)..].iter().collect();
    for (suffix, mult) in [("kb", 1i64 << 10), ("mb", 1 << 20), ("gb", 1 << 30)] {
        if tail == suffix {
            let head: String = chars[..chars.len() - 2].iter().collect();
            let n = py_int(&head).map_err(|e| e.to_string())?;
            return n
                .checked_mul(mult)
                .ok_or_else(|| format!("byte size {} is out of range", py_repr(s)));
        }
    }
    py_int(&v).map_err(|e| e.to_string())
}

/// `octal_type`: Python `int(s, 8)` (`022`, `0o22`); negative results are refused too.
pub fn octal(s: &str) -> Result<u32, String> {
    py_int_base(s, 8)
        .ok()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{s} can not be converted to an octal type"))
}

/// `signal_number`: [`supervisor_core::signal_number`] with its error as text, the form every
/// converter here has.
pub fn signal_number(s: &str) -> Result<i32, String> {
    supervisor_core::signal_number(s).map_err(|e| e.to_string())
}

/// `list_of_exitcodes`: comma-separated integers 0..=255; the empty string is the empty list.
pub fn exitcodes(s: &str) -> Result<Vec<i32>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|part| {
            py_int(part)
                .ok()
                .filter(|n| (0..=255).contains(n))
                .map(|n| n as i32)
        })
        .collect::<Option<Vec<i32>>>()
        .ok_or_else(|| format!("not a valid list of exit codes: {}", py_repr(s)))
}

/// `auto_restart`: a boolean string or `unexpected`, case-insensitive. The error quotes the
/// lower-cased value, as Python does.
pub fn auto_restart(s: &str) -> Result<AutoRestart, String> {
    let l = s.to_lowercase();
    if TRUTHY.contains(&l.as_str()) {
        Ok(AutoRestart::Always)
    } else if FALSY.contains(&l.as_str()) {
        Ok(AutoRestart::Never)
    } else if l == "unexpected" {
        Ok(AutoRestart::Unexpected)
    } else {
        Err(format!("invalid 'autorestart' value {}", py_repr(&l)))
    }
}

/// `logging_level`: a level description, case-insensitive; also `warning` (quirk Q23).
pub fn logging_level(s: &str) -> Result<LogLevel, String> {
    let lower = s.to_lowercase();
    let name = if lower == "warning" { "warn" } else { &lower };
    LogLevel::from_name(name).ok_or_else(|| format!("bad logging level name {}", py_repr(s)))
}

/// Where a log goes (`*_logfile=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// `AUTO`: a file supervisord names and removes itself.
    Auto,
    /// `NONE`/`OFF`: no log.
    None,
    /// `syslog` (deprecated): no file, log to syslog.
    Syslog,
    /// A file path (`~` expanded; its directory exists).
    Path(PathBuf),
}

/// `logfile_name`: `none`/`off`, `auto`, `syslog` (case-insensitive) or an existing-dirpath.
pub fn logfile_name(s: &str, host: &dyn Host) -> Result<LogTarget, String> {
    match s.to_lowercase().as_str() {
        "none" | "off" => Ok(LogTarget::None),
        "auto" => Ok(LogTarget::Auto),
        "syslog" => Ok(LogTarget::Syslog),
        _ => existing_dirpath(s, host).map(LogTarget::Path),
    }
}

/// Python's `os.path.expanduser` (`~` and `~user`), using the host's home and user database.
pub fn expanduser(s: &str, host: &dyn Host) -> String {
    let Some(rest) = s.strip_prefix('~') else {
        return s.to_owned();
    };
    let i = rest.find('/').unwrap_or(rest.len());
    let (name, tail) = rest.split_at(i);
    let home = if name.is_empty() {
        host.home_dir()
    } else {
        host.user_by_name(name).map(|u| u.home)
    };
    let Some(home) = home else {
        return s.to_owned();
    };
    let home = home.to_string_lossy();
    let joined = format!("{}{tail}", home.trim_end_matches('/'));
    if joined.is_empty() {
        "/".to_owned()
    } else {
        joined
    }
}

/// Python's `posixpath.normpath`: collapses `.`, `..` and repeated slashes (two leading slashes
/// are kept, as POSIX allows).
pub fn normpath(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let initial = if p.starts_with("//") && !p.starts_with("///") {
        2
    } else if p.starts_with('/') {
        1
    } else {
        0
    };
    let mut comps: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else if !comps.is_empty() {
            comps.pop();
        }
    }
    let out = format!("{}{}", "/".repeat(initial), comps.join("/"));
    if out.is_empty() {
        ".".to_owned()
    } else {
        out
    }
}

/// Supervisor's `normalize_path`: `expanduser`, then `abspath` against `cwd`, then `normpath`.
pub fn normalize_path(s: &str, cwd: &Path, host: &dyn Host) -> PathBuf {
    let expanded = expanduser(s, host);
    let abs = if expanded.starts_with('/') {
        expanded
    } else {
        format!("{}/{expanded}", cwd.to_string_lossy())
    };
    PathBuf::from(normpath(&abs))
}

/// `existing_directory`: `~` expanded; must be a directory. Returns the expanded path.
pub fn existing_directory(s: &str, host: &dyn Host) -> Result<PathBuf, String> {
    let nv = expanduser(s, host);
    if host.is_dir(Path::new(&nv)) {
        Ok(PathBuf::from(nv))
    } else {
        Err(format!("{s} is not an existing directory"))
    }
}

/// `existing_dirpath`: `~` expanded; the directory part, if any, must exist. Returns the
/// expanded path.
pub fn existing_dirpath(s: &str, host: &dyn Host) -> Result<PathBuf, String> {
    let nv = expanduser(s, host);
    let dir = crate::discovery::py_dirname(&nv);
    if dir.is_empty() || host.is_dir(Path::new(&dir)) {
        Ok(PathBuf::from(nv))
    } else {
        Err(format!(
            "The directory named as part of the path {s} does not exist"
        ))
    }
}

/// `name_to_uid`: a user name or a numeric uid that exists.
pub fn name_to_uid(s: &str, host: &dyn Host) -> Result<u32, String> {
    match py_int(s) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|uid| host.user_by_uid(*uid).is_some())
            .ok_or_else(|| format!("Invalid user id {s}")),
        Err(_) => host
            .user_by_name(s)
            .map(|u| u.uid)
            .ok_or_else(|| format!("Invalid user name {s}")),
    }
}

/// `name_to_gid`: a group name or a numeric gid that exists.
pub fn name_to_gid(s: &str, host: &dyn Host) -> Result<u32, String> {
    match py_int(s) {
        Ok(n) => u32::try_from(n)
            .ok()
            .filter(|gid| host.group_by_gid(*gid).is_some())
            .ok_or_else(|| format!("Invalid group id {s}")),
        Err(_) => host
            .group_by_name(s)
            .map(|g| g.gid)
            .ok_or_else(|| format!("Invalid group name {s}")),
    }
}

/// `gid_for_uid`: the primary group of a uid (Python raises `KeyError`; we say which uid).
pub fn gid_for_uid(uid: u32, host: &dyn Host) -> Result<u32, String> {
    host.user_by_uid(uid)
        .map(|u| u.gid)
        .ok_or_else(|| format!("getpwuid(): uid not found: {uid}"))
}

/// `colon_separated_user_group`: `user` or `user:group` (names or ids that exist); a user alone
/// gives gid -1.
pub fn colon_separated_user_group(s: &str, host: &dyn Host) -> Result<(i64, i64), String> {
    let err = || format!("Invalid user:group definition {s}");
    match s.split_once(':') {
        None => Ok((i64::from(name_to_uid(s, host).map_err(|_| err())?), -1)),
        Some((u, g)) => {
            let uid = name_to_uid(u, host).map_err(|_| err())?;
            let gid = name_to_gid(g, host).map_err(|_| err())?;
            Ok((i64::from(uid), i64::from(gid)))
        }
    }
}

/// `process_or_group_name`: trimmed; must not contain a space, `:` or `/`.
pub fn process_or_group_name(s: &str) -> Result<String, String> {
    let t = py_strip(s);
    for c in [' ', ':', '/'] {
        if t.contains(c) {
            return Err(format!(
                "Invalid name: {} because of character: {}",
                py_repr(s),
                py_repr(&c.to_string())
            ));
        }
    }
    Ok(t.to_owned())
}

/// `port_number`: an integer in 1..=65535, with Python's range messages.
pub fn port_number(s: &str) -> Result<u16, String> {
    let n = integer(s)?;
    if n < 1 {
        return Err(format!("{n} is below lower bound (1)"));
    }
    u16::try_from(n).map_err(|_| format!("{n} is above upper bound (65535)"))
}

/// `inet_address`: `PORT`, `HOST:PORT`, `*:PORT` or `:PORT`; the host is lower-cased and `""`
/// means all interfaces. Splits at the last `:`.
pub fn inet_address(s: &str) -> Result<(String, u16), String> {
    match s.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() {
                return Err(format!("no port number specified in {}", py_repr(port)));
            }
            let port = port_number(port)?;
            let host = host.to_lowercase();
            let host = if host == "*" { String::new() } else { host };
            Ok((host, port))
        }
        None => port_number(s)
            .map(|p| (String::new(), p))
            .map_err(|_| format!("not a valid port number: {} ", py_repr(s))),
    }
}

/// Schemes for which Python's `urlparse` splits `;params` off the path.
const USES_PARAMS: &[&str] = &[
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu",
    "sip", "sips", "mms", "sftp", "tel",
];

/// Python 3.11's `_check_bracketed_host`: what is inside `[...]` of a URL's netloc must be an
/// IPv6 address (or an `IPvFuture` literal).
fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(rest) = host.strip_prefix('v') {
        // `\Av[a-fA-F0-9]+\..+\Z`
        let ok = rest.split_once('.').is_some_and(|(hex, tail)| {
            !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) && !tail.is_empty()
        });
        return if ok {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".to_owned())
        };
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("An IPv4 address cannot be in brackets".to_owned());
    }
    // `ipaddress.IPv6Address` also takes a non-empty `%scope` suffix.
    let addr = match host.split_once('%') {
        Some((a, scope)) if !scope.is_empty() && !scope.contains('%') => a,
        Some(_) => "",
        None => host,
    };
    if addr.parse::<std::net::Ipv6Addr>().is_ok() {
        Ok(())
    } else {
        Err(format!(
            "{} does not appear to be an IPv4 or IPv6 address",
            py_repr(host)
        ))
    }
}

/// `url`: accepted when Python's `urlparse` finds a scheme and a netloc or a path.
pub fn url(s: &str) -> Result<String, String> {
    let not_url = || format!("value {} is not a URL", py_repr(s));
    // urlsplit drops leading C0 controls/spaces and removes tabs and newlines anywhere.
    let cleaned: String = s
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = cleaned.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let cand = &rest[..i];
        let first_ok = cand.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if i > 0
            && first_ok
            && cand
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = cand.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        rest = &after[end..];
        if netloc.contains('[') != netloc.contains(']') {
            return Err("Invalid IPv6 URL".to_owned());
        }
        if let Some((_, after)) = netloc.split_once('[') {
            let host = after.split_once(']').map_or(after, |(h, _)| h);
            check_bracketed_host(host)?;
        }
    }
    if let Some(i) = rest.find('#') {
        rest = &rest[..i];
    }
    if let Some(i) = rest.find('?') {
        rest = &rest[..i];
    }
    let mut path = rest;
    if USES_PARAMS.contains(&scheme.as_str()) && path.contains(';') {
        let from = path.rfind('/').unwrap_or(0);
        if let Some(j) = path[from..].find(';') {
            path = &path[..from + j];
        }
    }
    if !scheme.is_empty() && (!netloc.is_empty() || !path.is_empty()) {
        Ok(s.to_owned())
    } else {
        Err(not_url())
    }
}

/// Parsed `environment=` pairs, in first-seen key order.
pub type KeyValuePairs = Vec<(String, String)>;

/// `dict_of_key_value_pairs`: `KEY=VALUE` pairs separated by any single token (normally `,`),
/// quotes stripped from values; duplicate keys keep their first position and the last value.
pub fn dict_of_key_value_pairs(s: &str) -> Result<Vec<(String, String)>, String> {
    dict_of_key_value_pairs_checked(s).map(|(pairs, _)| pairs)
}

/// [`dict_of_key_value_pairs`] that also reports values Python silently truncates (quirk Q19:
/// `A=$HOME` gives `A=$` and skips `HOME` as if it were the separator). The pairs are exactly
/// Python's; each warning is a sentence naming the key.
pub fn dict_of_key_value_pairs_checked(s: &str) -> Result<(KeyValuePairs, Vec<String>), String> {
    let tokens = env_tokens(s).map_err(|e| e.to_string())?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut warnings = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (Some(k), Some(EnvToken::Punct('=')), Some(v)) =
            (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
        else {
            return Err(format!("Unexpected end of key/value pairs in value '{s}'"));
        };
        let key = k.text();
        let value = v.text().trim_matches(['\'', '"']).to_owned();
        if let Some(sep) = tokens.get(i + 3) {
            if !matches!(sep, EnvToken::Punct(',' | ';')) {
                warnings.push(format!(
                    "environment variable {} was cut to {}: {} after it was taken as a \
                     separator (quote the value to keep it)",
                    py_repr(&key),
                    py_repr(&value),
                    py_repr(&sep.text())
                ));
            }
        }
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = value,
            None => pairs.push((key, value)),
        }
        i += 4;
    }
    Ok((pairs, warnings))
}

/// Where a FastCGI program's socket listens (`[fcgi-program:x] socket=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketUrl {
    /// `tcp://HOST:PORT` (host lower-cased).
    Tcp {
        /// The host name or address to bind.
        host: String,
        /// The port.
        port: u16,
    },
    /// `unix:///absolute/path` (normalised).
    Unix(PathBuf),
}

impl std::fmt::Display for SocketUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            SocketUrl::Unix(p) => write!(f, "unix://{}", p.display()),
        }
    }
}

/// Parses an fcgi `socket=` value. Python builds these two messages with a stray tuple
/// (`('Bad socket format %s', 'x')`); we print the intended sentence.
pub fn socket_url(s: &str) -> Result<SocketUrl, String> {
    if let Some(path) = s.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(format!("Unix socket path {path} is not an absolute path"));
        }
        return Ok(SocketUrl::Unix(PathBuf::from(normpath(path))));
    }
    let bad = || format!("Bad socket format {s}");
    let rest = s.strip_prefix("tcp://").ok_or_else(bad)?;
    // Python's regex `tcp://([^\s:]+):(\d+)$` (where `$` also matches before a final newline).
    let rest = rest.strip_suffix('\n').unwrap_or(rest);
    let (host, port) = rest.split_once(':').ok_or_else(bad)?;
    if host.is_empty()
        || host.chars().any(supervisor_core::pystr::py_isspace)
        || port.is_empty()
        || !port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    Ok(SocketUrl::Tcp {
        host: host.to_lowercase(),
        port: port_number(port)?,
    })
}

/// `socket_backlog`: an integer in 1..=65535.
pub fn socket_backlog(s: &str) -> Result<u16, String> {
    let n = integer(s)?;
    u16::try_from(n)
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("Invalid socket_backlog value {n}"))
}

/// `list_of_strings`: comma-separated, each item trimmed; the empty string is the empty list.
pub fn list_of_strings(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    s.split(',').map(|x| py_strip(x).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    #[test]
    fn booleans() {
        for t in ["true", "TRUE", "yes", "On", "1"] {
            assert_eq!(boolean(t), Ok(true), "{t}");
        }
        for f in ["false", "No", "OFF", "0"] {
            assert_eq!(boolean(f), Ok(false), "{f}");
        }
        for (bad, msg) in [
            ("maybe", "not a valid boolean value: 'maybe'"),
            (" true", "not a valid boolean value: ' true'"),
            ("", "not a valid boolean value: ''"),
            ("2", "not a valid boolean value: '2'"),
        ] {
            assert_eq!(boolean(bad), Err(msg.to_owned()));
        }
    }

    #[test]
    fn integers() {
        assert_eq!(integer("-5"), Ok(-5));
        assert_eq!(integer(" 1_024 "), Ok(1024));
        assert_eq!(
            integer("abc"),
            Err("invalid literal for int() with base 10: 'abc'".to_owned())
        );
    }

    #[test]
    fn byte_sizes() {
        let ok = [
            ("0", 0),
            ("100", 100),
            ("1KB", 1024),
            ("1kb", 1024),
            ("50MB", 50 << 20),
            ("1 MB", 1 << 20),
            ("2gb", 2 << 30),
            ("-1", -1),
            (" 5 ", 5),
        ];
        for (input, want) in ok {
            assert_eq!(byte_size(input), Ok(want), "{input}");
        }
        let bad = [
            ("5xb", "'5xb'"),
            ("1K", "'1k'"),
            ("1KiB", "'1kib'"),
            ("1MB ", "'1mb '"),
            ("1.5MB", "'1.5'"),
            ("KB", "''"),
            ("b", "'b'"),
        ];
        for (input, shown) in bad {
            assert_eq!(
                byte_size(input),
                Err(format!("invalid literal for int() with base 10: {shown}")),
                "{input}"
            );
        }
    }

    #[test]
    fn octals() {
        assert_eq!(octal("022"), Ok(0o22));
        assert_eq!(octal("777"), Ok(0o777));
        assert_eq!(octal("0o22"), Ok(0o22));
        assert_eq!(
            octal("999"),
            Err("999 can not be converted to an octal type".to_owned())
        );
        assert_eq!(
            octal("-7"),
            Err("-7 can not be converted to an octal type".to_owned())
        );
    }

    #[test]
    fn signals() {
        let ok = [
            ("TERM", 15),
            ("term", 15),
            ("SIGTERM", 15),
            (" sigkill ", 9),
            ("HUP", 1),
            ("9", 9),
            ("IOT", 6),
            ("CLD", 17),
            ("POLL", 29),
            ("RTMIN", 34),
            ("RTMIN+2", 36),
            ("SIGRTMAX-1", 63),
            ("RTMAX", 64),
            ("32", 32),
            ("64", 64),
        ];
        for (input, want) in ok {
            assert_eq!(signal_number(input), Ok(want), "{input}");
        }
        let bad = [
            ("FOO", "value 'FOO' is not a valid signal name"),
            ("_DFL", "value '_DFL' is not a valid signal name"),
            ("SIG_IGN", "value 'SIG_IGN' is not a valid signal name"),
            ("RTMIN+31", "value 'RTMIN+31' is not a valid signal name"),
            ("0", "value '0' is not a valid signal number"),
            ("65", "value '65' is not a valid signal number"),
            ("-1", "value '-1' is not a valid signal number"),
        ];
        for (input, msg) in bad {
            assert_eq!(signal_number(input), Err(msg.to_owned()), "{input}");
        }
        // The config's `signal_name` (`TERM`, `RTMIN+2`) had no caller and is gone; names are
        // printed by `supervisor_core::signal_name`, Python's `signame`.
        assert_eq!(supervisor_core::signal_name(15), "SIGTERM");
        assert_eq!(supervisor_core::signal_name(36), "signal 36");
        assert_eq!(supervisor_core::signal_name(99), "signal 99");
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exitcodes(""), Ok(vec![]));
        assert_eq!(exitcodes("0"), Ok(vec![0]));
        assert_eq!(exitcodes("0, 2 ,255"), Ok(vec![0, 2, 255]));
        for bad in ["0,256", "-1", "a", "1,,2", "1,"] {
            assert_eq!(
                exitcodes(bad),
                Err(format!("not a valid list of exit codes: '{bad}'")),
                "{bad}"
            );
        }
    }

    #[test]
    fn autorestart_values() {
        assert_eq!(auto_restart("true"), Ok(AutoRestart::Always));
        assert_eq!(auto_restart("FALSE"), Ok(AutoRestart::Never));
        assert_eq!(auto_restart("Unexpected"), Ok(AutoRestart::Unexpected));
        assert_eq!(
            auto_restart("Sometimes"),
            Err("invalid 'autorestart' value 'sometimes'".to_owned())
        );
    }

    #[test]
    fn log_levels() {
        assert_eq!(logging_level("INFO"), Ok(LogLevel::Info));
        assert_eq!(logging_level("blather"), Ok(LogLevel::Blather));
        assert_eq!(logging_level("warning"), Ok(LogLevel::Warn));
        assert_eq!(
            logging_level("Loud"),
            Err("bad logging level name 'Loud'".to_owned())
        );
        assert_eq!(LogLevel::Trace.number(), 5);
        assert_eq!(LogLevel::Critical.tag(), "CRIT");
        // The merged level orders by severity (this crate's copy ordered most severe first;
        // nothing compared them).
        assert!(LogLevel::Blather < LogLevel::Critical);
    }

    fn host() -> FakeHost {
        FakeHost::new()
            .dir("/var/log")
            .dir("/home/al/logs")
            .file("/etc/passwd", "")
            .user("al", 1000, 100, "/home/al")
            .user("root", 0, 0, "/root")
            .group("staff", 100)
            .group("root", 0)
            .home("/home/al")
    }

    #[test]
    fn logfile_names() {
        let h = host();
        assert_eq!(logfile_name("NONE", &h), Ok(LogTarget::None));
        assert_eq!(logfile_name("off", &h), Ok(LogTarget::None));
        assert_eq!(logfile_name("Auto", &h), Ok(LogTarget::Auto));
        assert_eq!(logfile_name("SYSLOG", &h), Ok(LogTarget::Syslog));
        assert_eq!(
            logfile_name("/var/log/x.log", &h),
            Ok(LogTarget::Path("/var/log/x.log".into()))
        );
        assert_eq!(
            logfile_name("~/logs/x.log", &h),
            Ok(LogTarget::Path("/home/al/logs/x.log".into()))
        );
        assert_eq!(
            logfile_name("x.log", &h),
            Ok(LogTarget::Path("x.log".into()))
        );
        assert_eq!(
            logfile_name("/x/y.log", &h),
            Err("The directory named as part of the path /x/y.log does not exist".to_owned())
        );
    }

    #[test]
    fn directories() {
        let h = host();
        assert_eq!(existing_directory("/var/log", &h), Ok("/var/log".into()));
        assert_eq!(existing_directory("~", &h), Ok("/home/al".into()));
        assert_eq!(
            existing_directory("~al/logs", &h),
            Ok("/home/al/logs".into())
        );
        assert_eq!(
            existing_directory("/x", &h),
            Err("/x is not an existing directory".to_owned())
        );
        assert_eq!(
            existing_directory("/etc/passwd", &h),
            Err("/etc/passwd is not an existing directory".to_owned())
        );
        assert_eq!(
            existing_dirpath("/var//log//f", &h),
            Ok("/var//log//f".into())
        );
        assert_eq!(existing_dirpath("/f", &h), Ok("/f".into()));
    }

    #[test]
    fn expanduser_cases() {
        let h = host();
        assert_eq!(expanduser("~", &h), "/home/al");
        assert_eq!(expanduser("~/x", &h), "/home/al/x");
        assert_eq!(expanduser("~root/x", &h), "/root/x");
        assert_eq!(expanduser("~nobody/x", &h), "~nobody/x");
        assert_eq!(expanduser("a~/x", &h), "a~/x");
        let rooted = FakeHost::new().home("/");
        assert_eq!(expanduser("~", &rooted), "/");
        assert_eq!(expanduser("~/x", &rooted), "/x");
        assert_eq!(expanduser("~", &FakeHost::new()), "~");
    }

    #[test]
    fn normpaths() {
        let cases = [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("//a//b/", "//a/b"),
            ("/a/./b/../c", "/a/c"),
            ("/..", "/"),
            ("a/../..", ".."),
            ("../a/..", ".."),
            ("./", "."),
        ];
        for (input, want) in cases {
            assert_eq!(normpath(input), want, "{input}");
        }
        let h = host();
        assert_eq!(
            normalize_path("x/../y", Path::new("/srv"), &h),
            PathBuf::from("/srv/y")
        );
        assert_eq!(
            normalize_path("~/a", Path::new("/srv"), &h),
            PathBuf::from("/home/al/a")
        );
        assert_eq!(
            normalize_path("/a/b/", Path::new("/srv"), &h),
            PathBuf::from("/a/b")
        );
    }

    #[test]
    fn users_and_groups() {
        let h = host();
        assert_eq!(name_to_uid("al", &h), Ok(1000));
        assert_eq!(name_to_uid("1000", &h), Ok(1000));
        assert_eq!(
            name_to_uid("nosuchuser", &h),
            Err("Invalid user name nosuchuser".into())
        );
        assert_eq!(
            name_to_uid("12345", &h),
            Err("Invalid user id 12345".into())
        );
        assert_eq!(name_to_gid("staff", &h), Ok(100));
        assert_eq!(name_to_gid("0", &h), Ok(0));
        assert_eq!(
            name_to_gid("wheel", &h),
            Err("Invalid group name wheel".into())
        );
        assert_eq!(name_to_gid("7", &h), Err("Invalid group id 7".into()));
        assert_eq!(gid_for_uid(1000, &h), Ok(100));
        assert!(gid_for_uid(5, &h).is_err());
        assert_eq!(colon_separated_user_group("al", &h), Ok((1000, -1)));
        assert_eq!(colon_separated_user_group("al:root", &h), Ok((1000, 0)));
        assert_eq!(colon_separated_user_group("0:100", &h), Ok((0, 100)));
        assert_eq!(
            colon_separated_user_group("al:nogroup", &h),
            Err("Invalid user:group definition al:nogroup".into())
        );
        assert_eq!(
            colon_separated_user_group("x", &h),
            Err("Invalid user:group definition x".into())
        );
    }

    #[test]
    fn names() {
        assert_eq!(process_or_group_name(" foo "), Ok("foo".into()));
        assert_eq!(process_or_group_name("foo[1]"), Ok("foo[1]".into()));
        assert_eq!(
            process_or_group_name("a b"),
            Err("Invalid name: 'a b' because of character: ' '".into())
        );
        assert_eq!(
            process_or_group_name("a:b"),
            Err("Invalid name: 'a:b' because of character: ':'".into())
        );
        assert_eq!(
            process_or_group_name("a/b"),
            Err("Invalid name: 'a/b' because of character: '/'".into())
        );
    }

    #[test]
    fn inet_addresses() {
        assert_eq!(inet_address("9001"), Ok((String::new(), 9001)));
        assert_eq!(
            inet_address("LocalHost:9001"),
            Ok(("localhost".into(), 9001))
        );
        assert_eq!(inet_address("*:9001"), Ok((String::new(), 9001)));
        assert_eq!(inet_address(":9001"), Ok((String::new(), 9001)));
        assert_eq!(inet_address("[::1]:9001"), Ok(("[::1]".into(), 9001)));
        assert_eq!(
            inet_address("abc"),
            Err("not a valid port number: 'abc' ".into())
        );
        assert_eq!(
            inet_address("0"),
            Err("not a valid port number: '0' ".into())
        );
        assert_eq!(
            inet_address("host:"),
            Err("no port number specified in ''".into())
        );
        assert_eq!(
            inet_address("host:abc"),
            Err("invalid literal for int() with base 10: 'abc'".into())
        );
        assert_eq!(
            inet_address("host:0"),
            Err("0 is below lower bound (1)".into())
        );
        assert_eq!(
            inet_address("host:65536"),
            Err("65536 is above upper bound (65535)".into())
        );
    }

    #[test]
    fn urls() {
        for ok in [
            "http://localhost:9001",
            "unix:///tmp/supervisor.sock",
            "HTTP://x",
            "file:/tmp/x",
            "http://[::1]:80/",
        ] {
            assert_eq!(url(ok), Ok(ok.to_owned()), "{ok}");
        }
        for bad in [
            "foo",
            "",
            "http://",
            "http:",
            "/tmp/x",
            "1http://x",
            "http:;p",
            "http:?q#f",
        ] {
            assert_eq!(
                url(bad),
                Err(format!("value {} is not a URL", py_repr(bad))),
                "{bad}"
            );
        }
        assert_eq!(url("http://[::1"), Err("Invalid IPv6 URL".to_owned()));
        assert_eq!(
            url("http://[fe80::1%eth0]:80"),
            Ok("http://[fe80::1%eth0]:80".to_owned())
        );
        assert_eq!(url("http://[v1.x]/"), Ok("http://[v1.x]/".to_owned()));
        assert_eq!(
            url("http://[vz]/"),
            Err("IPvFuture address is invalid".to_owned())
        );
        assert_eq!(
            url("http://[1.2.3.4]/"),
            Err("An IPv4 address cannot be in brackets".to_owned())
        );
        assert_eq!(
            url("//[]"),
            Err("'' does not appear to be an IPv4 or IPv6 address".to_owned())
        );
    }

    #[test]
    fn key_value_pairs() {
        let kv = |s: &str| dict_of_key_value_pairs(s);
        let p = |pairs: &[(&str, &str)]| -> Result<Vec<(String, String)>, String> {
            Ok(pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect())
        };
        assert_eq!(kv("A=1,B=2"), p(&[("A", "1"), ("B", "2")]));
        assert_eq!(kv("A=1;B=2"), p(&[("A", "1"), ("B", "2")]));
        assert_eq!(kv(" A = 1 , B = 2 "), p(&[("A", "1"), ("B", "2")]));
        assert_eq!(kv("A=1,"), p(&[("A", "1")]));
        assert_eq!(kv(""), p(&[]));
        assert_eq!(kv("A=\"x y\",B='z,w'"), p(&[("A", "x y"), ("B", "z,w")]));
        assert_eq!(kv("A=/usr/bin:/bin"), p(&[("A", "/usr/bin:/bin")]));
        assert_eq!(kv("A=1.5e+3,A.B=1"), p(&[("A", "1.5e+3"), ("A.B", "1")]));
        assert_eq!(kv("A=\"\""), p(&[("A", "")]));
        assert_eq!(kv("a=1,A=2,a=3"), p(&[("a", "3"), ("A", "2")]));
        assert_eq!(kv("A=$HOME"), p(&[("A", "$")]));
        for bad in ["A=1 B=2", "A=", "A=1,B", "A=x@y", "=", "A"] {
            assert_eq!(
                kv(bad),
                Err(format!(
                    "Unexpected end of key/value pairs in value '{bad}'"
                )),
                "{bad}"
            );
        }
        assert_eq!(kv("A='x"), Err("No closing quotation".into()));
    }

    #[test]
    fn key_value_truncation_warnings() {
        // Python fails on this one (`HOME` is skipped, then `,` is taken as a key).
        assert_eq!(
            dict_of_key_value_pairs_checked("A=$HOME,B=1"),
            Err("Unexpected end of key/value pairs in value 'A=$HOME,B=1'".to_owned())
        );
        let (pairs, warnings) = dict_of_key_value_pairs_checked("A=$HOME").unwrap();
        assert_eq!(pairs, vec![("A".to_owned(), "$".to_owned())]);
        assert_eq!(
            warnings,
            vec![
                "environment variable 'A' was cut to '$': 'HOME' after it was taken as a \
                 separator (quote the value to keep it)"
                    .to_owned()
            ]
        );
        let (_, warnings) = dict_of_key_value_pairs_checked("A=1,B=2;C=\"$x\"").unwrap();
        assert!(warnings.is_empty());
    }

    #[test]
    fn socket_urls() {
        assert_eq!(
            socket_url("tcp://LocalHost:9002"),
            Ok(SocketUrl::Tcp {
                host: "localhost".into(),
                port: 9002
            })
        );
        assert_eq!(
            socket_url("unix:///tmp//x/../fcgi.sock"),
            Ok(SocketUrl::Unix("/tmp/fcgi.sock".into()))
        );
        assert_eq!(
            socket_url("unix://rel.sock"),
            Err("Unix socket path rel.sock is not an absolute path".into())
        );
        for bad in [
            "tcp://host",
            "tcp://:80",
            "tcp://h:x",
            "udp://h:1",
            "tcp://a b:1",
        ] {
            assert_eq!(
                socket_url(bad),
                Err(format!("Bad socket format {bad}")),
                "{bad}"
            );
        }
        assert_eq!(
            socket_url("tcp://h:0"),
            Err("0 is below lower bound (1)".into())
        );
        assert_eq!(
            SocketUrl::Tcp {
                host: "h".into(),
                port: 1
            }
            .to_string(),
            "tcp://h:1"
        );
        assert_eq!(socket_backlog("128"), Ok(128));
        assert_eq!(
            socket_backlog("0"),
            Err("Invalid socket_backlog value 0".into())
        );
        assert_eq!(
            socket_backlog("65536"),
            Err("Invalid socket_backlog value 65536".into())
        );
    }

    /// Cases of Supervisor's own `test_datatypes.py`, restated as input/output tables.
    #[test]
    fn cases_from_supervisors_own_tests() {
        let kv = |s: &str| dict_of_key_value_pairs(s).unwrap();
        let owned = |pairs: &[(&str, &str)]| -> KeyValuePairs {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        assert_eq!(
            kv("foo\n=\nbar\n,\nbaz\n=\nqux"),
            owned(&[("foo", "bar"), ("baz", "qux")])
        );
        assert_eq!(kv("foo=\"a\nb\nc\""), owned(&[("foo", "a\nb\nc")]));
        assert_eq!(kv("foo=\"\",bar=a"), owned(&[("foo", ""), ("bar", "a")]));
        assert_eq!(
            kv("HOME=/home/auser,FOO=/.foo+(1.2)-_/,SUPERVISOR_SERVER_URL=http://127.0.0.1:9001"),
            owned(&[
                ("HOME", "/home/auser"),
                ("FOO", "/.foo+(1.2)-_/"),
                ("SUPERVISOR_SERVER_URL", "http://127.0.0.1:9001"),
            ])
        );
        for bad in ["foo", "foo=bar,baz=", "KEY1=no-comma KEY2=ends-with-comma,"] {
            assert!(dict_of_key_value_pairs(bad).is_err(), "{bad}");
        }
        assert_eq!(url("unix://somepath"), Ok("unix://somepath".into()));
        assert!(url("unix:").is_err());
        assert!(url("unix://").is_err());
        assert_eq!(
            inet_address("2001:db8:ff:55:0:0:0:138:9001"),
            Ok(("2001:db8:ff:55:0:0:0:138".into(), 9001))
        );
        assert_eq!(octal("10"), Ok(8));
        assert_eq!(
            octal("noo"),
            Err("noo can not be converted to an octal type".into())
        );
        assert_eq!(
            octal("8"),
            Err("8 can not be converted to an octal type".into())
        );
        assert_eq!(logging_level("wArN"), Ok(LogLevel::Warn));
        assert_eq!(exitcodes("1,42"), Ok(vec![1, 42]));
        for bad in ["a,b,c", "1024", "-1,1"] {
            assert!(exitcodes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_lists() {
        assert_eq!(list_of_strings(""), Vec::<String>::new());
        assert_eq!(list_of_strings("a, b ,c"), vec!["a", "b", "c"]);
    }
}
