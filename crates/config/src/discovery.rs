//! Finding the configuration file when `-c` is not given (spec §1.1).
//!
//! Both supervisord and supervisorctl try six paths in order and take the first that exists
//! (`os.path.exists`, so a directory or an unreadable file also wins). The first two are relative
//! to the parent of the directory holding the executable, computed from `argv[0]` with Python's
//! `os.path` string rules, so a relative `argv[0]` gives relative paths.

use std::path::PathBuf;

use crate::host::Host;

/// The warning Python's supervisord emits (as a `UserWarning`) when it runs as root and searches
/// the default paths.
pub const ROOT_SEARCH_WARNING: &str = "Supervisord is running as root and it is searching for its \
configuration file in default locations (including its current working directory); you probably \
want to specify a \"-c\" argument specifying an absolute path to a configuration file for \
improved security.";

/// The six default paths, in search order, for a program started as `argv0`.
pub fn search_paths(argv0: &str) -> Vec<String> {
    let here = py_dirname(&py_dirname(argv0));
    vec![
        py_join(&py_join(&here, "etc"), "supervisord.conf"),
        py_join(&here, "supervisord.conf"),
        "supervisord.conf".to_string(),
        "etc/supervisord.conf".to_string(),
        "/etc/supervisord.conf".to_string(),
        "/etc/supervisor/supervisord.conf".to_string(),
    ]
}

/// The first default path that exists, or Python's "No config file found …" message (which the
/// daemon prints after `Error: `; supervisorctl instead runs with defaults).
pub fn discover(argv0: &str, host: &dyn Host) -> Result<PathBuf, String> {
    let paths = search_paths(argv0);
    match paths.iter().find(|p| host.exists(std::path::Path::new(p))) {
        Some(found) => Ok(PathBuf::from(found)),
        None => Err(format!(
            "No config file found at default paths ({}); use the -c option to specify a config \
             file at a different path",
            paths.join(", ")
        )),
    }
}

/// Python's `os.path.dirname` (posix).
pub(crate) fn py_dirname(p: &str) -> String {
    let i = p.rfind('/').map_or(0, |i| i + 1);
    let head = &p[..i];
    if !head.is_empty() && head.chars().any(|c| c != '/') {
        head.trim_end_matches('/').to_string()
    } else {
        head.to_string()
    }
}

/// Python's `os.path.join` (posix) of two parts.
pub(crate) fn py_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_string()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::FakeHost;

    #[test]
    fn paths_for_absolute_argv0() {
        assert_eq!(
            search_paths("/venv/bin/supervisord"),
            vec![
                "/venv/etc/supervisord.conf",
                "/venv/supervisord.conf",
                "supervisord.conf",
                "etc/supervisord.conf",
                "/etc/supervisord.conf",
                "/etc/supervisor/supervisord.conf",
            ]
        );
    }

    #[test]
    fn paths_for_bare_and_relative_argv0() {
        let bare = search_paths("supervisord");
        assert_eq!(bare[0], "etc/supervisord.conf");
        assert_eq!(bare[1], "supervisord.conf");
        let rel = search_paths("./bin/supervisord");
        assert_eq!(rel[0], "./etc/supervisord.conf");
        assert_eq!(rel[1], "./supervisord.conf");
        let root = search_paths("/supervisord");
        assert_eq!(root[0], "/etc/supervisord.conf");
        assert_eq!(root[1], "/supervisord.conf");
    }

    #[test]
    fn python_dirname_and_join() {
        assert_eq!(py_dirname("/a/b/"), "/a/b");
        assert_eq!(py_dirname("//x"), "//");
        assert_eq!(py_dirname("a//b"), "a");
        assert_eq!(py_dirname("x"), "");
        assert_eq!(py_join("", "etc"), "etc");
        assert_eq!(py_join("/", "etc"), "/etc");
        assert_eq!(py_join("a", "/b"), "/b");
    }

    #[test]
    fn first_existing_path_wins_even_a_directory() {
        let host = FakeHost::new()
            .dir("/opt/sv/etc/supervisord.conf")
            .file("/etc/supervisord.conf", "");
        assert_eq!(
            discover("/opt/sv/bin/supervisord", &host),
            Ok(PathBuf::from("/opt/sv/etc/supervisord.conf"))
        );
        assert_eq!(
            discover("/usr/bin/supervisord", &host),
            Ok(PathBuf::from("/etc/supervisord.conf"))
        );
    }

    #[test]
    fn nothing_found_gives_pythons_message() {
        let host = FakeHost::new();
        assert_eq!(
            discover("/usr/bin/supervisord", &host).unwrap_err(),
            "No config file found at default paths (/usr/etc/supervisord.conf, \
             /usr/supervisord.conf, supervisord.conf, etc/supervisord.conf, \
             /etc/supervisord.conf, /etc/supervisor/supervisord.conf); use the -c option to \
             specify a config file at a different path"
        );
    }
}
