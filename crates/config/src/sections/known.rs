//! Which sections and options Supervisor knows, for the warnings about typos (quirk Q20, fixed
//! compatibly): Python silently ignores an unknown section or option (`autostrat=false`); we
//! keep loading but warn, naming the closest known spelling.

use super::Ctx;
use crate::extensions;

/// Options of `[program:x]`, also valid in `[eventlistener:x]` and `[fcgi-program:x]`.
const PROGRAM: &[&str] = &[
    "command",
    "process_name",
    "numprocs",
    "numprocs_start",
    "priority",
    "autostart",
    "autorestart",
    "startsecs",
    "startretries",
    "exitcodes",
    "stopsignal",
    "stopwaitsecs",
    "stopasgroup",
    "killasgroup",
    "user",
    "redirect_stderr",
    "stdout_logfile",
    "stdout_logfile_maxbytes",
    "stdout_logfile_backups",
    "stdout_capture_maxbytes",
    "stdout_events_enabled",
    "stdout_syslog",
    "stderr_logfile",
    "stderr_logfile_maxbytes",
    "stderr_logfile_backups",
    "stderr_capture_maxbytes",
    "stderr_events_enabled",
    "stderr_syslog",
    "environment",
    "directory",
    "umask",
    "serverurl",
];
/// Options only `[eventlistener:x]` has.
const EVENTLISTENER: &[&str] = &["buffer_size", "events", "result_handler"];
/// Options only `[fcgi-program:x]` has.
const FCGI: &[&str] = &["socket", "socket_backlog", "socket_owner", "socket_mode"];
/// Options of `[supervisord]`.
const SUPERVISORD: &[&str] = &[
    "logfile",
    "logfile_maxbytes",
    "logfile_backups",
    "loglevel",
    "pidfile",
    "umask",
    "nodaemon",
    "silent",
    "minfds",
    "minprocs",
    "nocleanup",
    "childlogdir",
    "user",
    "directory",
    "strip_ansi",
    "environment",
    "identifier",
];
/// Supervisor's options of `[unix_http_server]`.
const UNIX_HTTP_SERVER: &[&str] = &["file", "chmod", "chown", "username", "password"];
/// Supervisor's options of `[inet_http_server]`.
const INET_HTTP_SERVER: &[&str] = &["port", "username", "password"];
/// Options of `[supervisorctl]`.
const SUPERVISORCTL: &[&str] = &[
    "serverurl",
    "username",
    "password",
    "prompt",
    "history_file",
];
/// Options of `[include]`.
const INCLUDE: &[&str] = &["files"];
/// Options of `[group:x]`.
const GROUP: &[&str] = &["programs", "priority"];

/// The section kinds, as written before the `:` (or the whole name).
const SECTION_KINDS: &[&str] = &[
    "supervisord",
    "supervisorctl",
    "include",
    "unix_http_server",
    "inet_http_server",
    "program",
    "group",
    "eventlistener",
    "fcgi-program",
    "rpcinterface",
    "ctlplugin",
];

/// What Supervisor does with a section, by its name (Python's `startswith` tests).
enum Kind {
    /// A section with a fixed set of options.
    Options(Vec<&'static str>),
    /// A plugin section: any key is a keyword argument of the factory.
    AnyKeys,
    /// A section Supervisor ignores.
    Unknown,
}

fn kind_of(section: &str) -> Kind {
    // Supervisor's options of a section kind, and ours (crate::extensions).
    let options = |kind: &str, theirs: &[&'static str]| {
        let mut v = theirs.to_vec();
        v.extend(extensions::options_of(kind));
        Kind::Options(v)
    };
    let program_like = |extra: &[&'static str]| {
        let mut v = PROGRAM.to_vec();
        v.extend_from_slice(extra);
        options("program", &v)
    };
    match section {
        "supervisord" => options("supervisord", SUPERVISORD),
        "supervisorctl" => options("supervisorctl", SUPERVISORCTL),
        "include" => options("include", INCLUDE),
        s if s.starts_with("unix_http_server") => options("unix_http_server", UNIX_HTTP_SERVER),
        s if s.starts_with("inet_http_server") => options("inet_http_server", INET_HTTP_SERVER),
        s if s.starts_with("program:") => program_like(&[]),
        s if s.starts_with("eventlistener:") => program_like(EVENTLISTENER),
        s if s.starts_with("fcgi-program:") => program_like(FCGI),
        s if s.starts_with("group:") => options("group", GROUP),
        s if s.starts_with("rpcinterface:") || s.starts_with("ctlplugin:") => Kind::AnyKeys,
        _ => Kind::Unknown,
    }
}

/// Warns about every unknown section and every unknown option of a known section.
pub(crate) fn check(cx: &mut Ctx<'_>) {
    let doc = cx.doc;
    for section in doc.sections() {
        match kind_of(&section.name) {
            Kind::AnyKeys => {}
            Kind::Unknown => {
                let d = cx.place(
                    crate::error::Diagnostic::warning(format!(
                        "unknown section [{}] is ignored",
                        section.name
                    )),
                    &section.name,
                    None,
                    None,
                );
                let d = match section_hint(&section.name) {
                    Some(h) => d.with_hint(h),
                    None => d,
                };
                cx.warnings.push(d);
            }
            Kind::Options(known) => {
                for (key, entry) in section.entries() {
                    if known.contains(&key) {
                        continue;
                    }
                    let d = cx.place(
                        crate::error::Diagnostic::warning(format!(
                            "unknown option {key} is ignored"
                        )),
                        &section.name,
                        Some(key),
                        Some(entry),
                    );
                    let d = match option_hint(key, &known) {
                        Some(h) => d.with_hint(h),
                        None => d,
                    };
                    cx.warnings.push(d);
                }
            }
        }
    }
}

/// "did you mean …?" for an unknown option, or where the option belongs.
fn option_hint(key: &str, known: &[&str]) -> Option<String> {
    if let Some(best) = closest(key, known) {
        return Some(format!("did you mean {best}?"));
    }
    if EVENTLISTENER.contains(&key) {
        return Some("only [eventlistener:x] sections use it".to_string());
    }
    if FCGI.contains(&key) {
        return Some("only [fcgi-program:x] sections use it".to_string());
    }
    None
}

/// "did you mean …?" for an unknown section name.
fn section_hint(name: &str) -> Option<String> {
    let (kind, rest) = match name.split_once(':') {
        Some((k, r)) => (k, Some(r)),
        None => (name, None),
    };
    let lower = kind.to_lowercase();
    let case_only = SECTION_KINDS.contains(&lower.as_str());
    let best = if case_only {
        Some(lower.as_str())
    } else {
        closest(kind, SECTION_KINDS)
    }?;
    let needs_name = matches!(
        best,
        "program" | "group" | "eventlistener" | "fcgi-program" | "rpcinterface" | "ctlplugin"
    );
    let suggestion = match (rest, needs_name) {
        (Some(r), _) => format!("[{best}:{r}]"),
        (None, true) => format!("[{best}:NAME]"),
        (None, false) => format!("[{best}]"),
    };
    if suggestion == format!("[{name}]") {
        return None;
    }
    Some(if case_only && rest.is_some() == needs_name {
        format!("section names are case-sensitive; did you mean {suggestion}?")
    } else {
        format!("did you mean {suggestion}?")
    })
}

/// The known word closest to `word` by edit distance, if it is close enough to be a typo.
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (levenshtein(word, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance (insertions, deletions, substitutions) between two strings.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("autostrat", "autostart"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("autostrat", PROGRAM), Some("autostart"));
        assert_eq!(closest("comand", PROGRAM), Some("command"));
        assert_eq!(closest("zzzzzzzz", PROGRAM), None);
        assert_eq!(
            section_hint("Program:x").as_deref(),
            Some("section names are case-sensitive; did you mean [program:x]?")
        );
        assert_eq!(
            section_hint("programs:x").as_deref(),
            Some("did you mean [program:x]?")
        );
        assert_eq!(
            section_hint("program").as_deref(),
            Some("did you mean [program:NAME]?")
        );
        assert_eq!(
            section_hint("SUPERVISORD").as_deref(),
            Some("section names are case-sensitive; did you mean [supervisord]?")
        );
        assert_eq!(section_hint("totally_unrelated"), None);
        assert_eq!(
            option_hint("events", PROGRAM).as_deref(),
            Some("only [eventlistener:x] sections use it")
        );
    }
}
