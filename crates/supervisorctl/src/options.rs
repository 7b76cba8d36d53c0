//! supervisorctl's command line and the `[supervisorctl]` section (Python's `ClientOptions`).
//!
//! Precedence is Python's: a command-line option beats the config file, which beats the
//! default. Errors are reported the way `Options.usage` does: `Error: MSG` and
//! `For help, use PROG -h` on stderr, exit status 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use supervisor_config::discovery::search_paths;
use supervisor_config::expand::{expand, ExpandError};
use supervisor_config::host::RealHost;
use supervisor_config::ini::Document;
use supervisor_config::types;
use supervisor_getopt::{getopt, OptSpec};

use supervisor_core::pystr::py_repr;

/// The usage text (`-h`), Python's module docstring with `%s` replaced by the program name.
pub const USAGE: &str =
    "supervisorctl -- control applications run by supervisord from the cmd line.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default \"http://localhost:9001\").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is
specified on the command line, a \"shell\" interpreting actions typed
interactively is started.  Use the action \"help\" to find out about available
actions.

";

/// The default server URL.
pub const DEFAULT_SERVERURL: &str = "http://localhost:9001";

/// Resolved client options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// `argv[0]`, used in usage messages.
    pub progname: String,
    /// The config file used, if any.
    pub configfile: Option<PathBuf>,
    /// `-i`, or no action given.
    pub interactive: bool,
    /// The shell prompt without the trailing `> `.
    pub prompt: String,
    /// Where the daemon listens.
    pub serverurl: String,
    /// HTTP Basic user name.
    pub username: Option<String>,
    /// HTTP Basic password.
    pub password: Option<String>,
    /// readline history file.
    pub history_file: Option<PathBuf>,
    /// The action and its arguments.
    pub args: Vec<String>,
}

/// Why option processing stopped before running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsExit {
    /// `-h`: print this text to stdout, exit 0.
    Help(String),
    /// A usage error: print `Error: MSG` + `For help, use PROG -h` to stderr, exit 2.
    Usage {
        /// The message after `Error: `.
        message: String,
        /// The program name for the hint.
        progname: String,
    },
}

impl OptionsExit {
    /// Writes the message where Python writes it and returns the exit status.
    pub fn report(&self) -> i32 {
        use std::io::Write;
        match self {
            OptionsExit::Help(text) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
                0
            }
            OptionsExit::Usage { message, progname } => {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "Error: {message}\nFor help, use {progname} -h\n");
                2
            }
        }
    }
}

const TABLE: &[OptSpec] = &[
    OptSpec::both('h', "help", false),
    OptSpec::short('?', false),
    OptSpec::both('c', "configuration", true),
    OptSpec::both('i', "interactive", false),
    OptSpec::both('s', "serverurl", true),
    OptSpec::both('u', "username", true),
    OptSpec::both('p', "password", true),
    OptSpec::both('r', "history_file", true),
];

/// Python's `urlparse`-based check behind `-s` (`supervisor.datatypes.url`).
fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let valid_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !valid_scheme {
        return false;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    // netloc (after `//`) or path: either must be non-empty.
    let (netloc, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        },
        None => ("", rest),
    };
    !netloc.is_empty() || !path.is_empty()
}

/// Python's `os.path.normpath(os.path.abspath(os.path.expanduser(p)))`: the config's
/// [`types::normalize_path`] against the current directory and the real user database.
pub fn normalize_path(p: &str) -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    types::normalize_path(p, &cwd, &RealHost)
        .to_string_lossy()
        .into_owned()
}

/// Values read from the `[supervisorctl]` section.
#[derive(Debug, Default)]
struct Section {
    serverurl: Option<String>,
    prompt: Option<String>,
    username: Option<String>,
    password: Option<String>,
    history_file: Option<String>,
}

/// The names available to `%(...)s` in `[supervisorctl]` values.
fn expansions(here: Option<&str>) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| {
            Some((
                format!("ENV_{}", k.into_string().ok()?),
                v.into_string().ok()?,
            ))
        })
        .collect();
    if let Some(here) = here {
        names.insert("here".to_string(), here.to_string());
    }
    names
}

/// Expands one option value; Python's `ValueError` message on failure.
fn expand_option(value: &str, option: &str, here: Option<&str>) -> Result<String, String> {
    if !value.contains('%') {
        return Ok(value.to_string());
    }
    let names = expansions(here);
    expand(value, &names)
        .map_err(|e: ExpandError| e.message(value, &format!("supervisorctl.{option}"), &names))
}

/// Reads the `[supervisorctl]` section of `path` (Python's `ClientOptions.read_config`).
fn read_config(path: &Path) -> Result<Section, String> {
    let display = path.to_string_lossy();
    let here = Path::new(&normalize_path(&display))
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "/".to_string());
    if !path.exists() {
        return Err(format!("could not find config file {display}"));
    }
    let bytes = std::fs::read(path).map_err(|_| format!("could not read config file {display}"))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut doc = Document::new();
    doc.read_str(&text, path).map_err(|e| e.to_string())?;
    if !doc.has_section("supervisorctl") {
        return Err(".ini file does not include supervisorctl section".to_string());
    }
    let raw = |key: &str| doc.get("supervisorctl", key).map(|e| e.value.clone());
    let mut section = Section::default();
    let serverurl = expand_option(
        &raw("serverurl").unwrap_or_else(|| DEFAULT_SERVERURL.to_string()),
        "serverurl",
        Some(&here),
    )?;
    section.serverurl = Some(match serverurl.strip_prefix("unix://") {
        Some(p) => format!("unix://{}", normalize_path(p)),
        None => serverurl,
    });
    section.prompt = raw("prompt")
        .map(|v| expand_option(&v, "prompt", None))
        .transpose()?;
    section.username = raw("username")
        .map(|v| expand_option(&v, "username", None))
        .transpose()?;
    section.password = raw("password")
        .map(|v| expand_option(&v, "password", None))
        .transpose()?;
    section.history_file = raw("history_file")
        .map(|v| expand_option(&v, "history_file", Some(&here)))
        .transpose()?
        .filter(|h| !h.is_empty())
        .map(|h| normalize_path(&h));
    Ok(section)
}

impl ClientOptions {
    /// Parses `args` (without the program name) and reads the config file, like
    /// `ClientOptions.realize`.
    pub fn parse(progname: &str, args: &[String]) -> Result<ClientOptions, OptionsExit> {
        let usage = |message: String| OptionsExit::Usage {
            message,
            progname: progname.to_string(),
        };
        let (found, rest) = getopt(args, TABLE).map_err(|e| usage(e.to_string()))?;
        let mut configfile: Option<String> = None;
        let mut interactive = false;
        let mut serverurl: Option<String> = None;
        let mut username: Option<String> = None;
        let mut password: Option<String> = None;
        let mut history: Option<String> = None;
        for f in found {
            let conflict = || {
                usage(format!(
                    "conflicting command line option {}",
                    py_repr(&f.flag)
                ))
            };
            let value = f.value.clone().unwrap_or_default();
            let slot = match TABLE[f.index].short {
                Some('h') | Some('?') => {
                    return Err(OptionsExit::Help(USAGE.replace("%s", progname)));
                }
                Some('c') => &mut configfile,
                Some('i') => {
                    if interactive {
                        return Err(conflict());
                    }
                    interactive = true;
                    continue;
                }
                Some('s') => {
                    if !is_url(&value) {
                        return Err(usage(format!(
                            "invalid value for {} {}: value {} is not a URL",
                            f.flag,
                            py_repr(&value),
                            py_repr(&value)
                        )));
                    }
                    &mut serverurl
                }
                Some('u') => &mut username,
                Some('p') => &mut password,
                _ => &mut history,
            };
            if slot.is_some() {
                return Err(conflict());
            }
            *slot = Some(value);
        }

        let configfile = configfile.or_else(|| {
            search_paths(progname)
                .into_iter()
                .find(|p| Path::new(p).exists())
        });
        let section = match &configfile {
            Some(path) => read_config(Path::new(path)).map_err(usage)?,
            None => Section::default(),
        };
        let interactive = interactive || rest.is_empty();
        Ok(ClientOptions {
            progname: progname.to_string(),
            configfile: configfile.map(PathBuf::from),
            interactive,
            prompt: section.prompt.unwrap_or_else(|| "supervisor".to_string()),
            serverurl: serverurl
                .or(section.serverurl)
                .unwrap_or_else(|| DEFAULT_SERVERURL.to_string()),
            username: username.or(section.username),
            password: password.or(section.password),
            // Python stores `-r` in an attribute its shell never reads; we honour it.
            history_file: history
                .map(|h| PathBuf::from(normalize_path(&h)))
                .or(section.history_file.map(PathBuf::from)),
            args: rest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ClientOptions, OptionsExit> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        ClientOptions::parse("/nonexistent/bin/supervisorctl", &args)
    }

    fn usage_msg(r: Result<ClientOptions, OptionsExit>) -> String {
        match r {
            Err(OptionsExit::Usage { message, .. }) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn url_check_matches_urlparse() {
        assert!(is_url("http://localhost:9001"));
        assert!(is_url("unix:///tmp/x.sock"));
        assert!(is_url("localhost:9001"));
        assert!(is_url("ftp://x"));
        assert!(!is_url("foo"));
        assert!(!is_url("http:"));
        assert!(!is_url("unix://"));
        assert!(!is_url("9001:x"));
    }

    #[test]
    fn option_errors_have_pythons_wording() {
        assert_eq!(
            usage_msg(parse(&["-s", "foo"])),
            "invalid value for -s 'foo': value 'foo' is not a URL"
        );
        assert_eq!(
            usage_msg(parse(&["-s", "http://a", "--serverurl=http://b"])),
            "conflicting command line option '--serverurl'"
        );
        assert_eq!(
            usage_msg(parse(&["--bogus"])),
            "option --bogus not recognized"
        );
        assert_eq!(
            usage_msg(parse(&["-c", "/nonexistent/x.conf"])),
            "could not find config file /nonexistent/x.conf"
        );
    }

    #[test]
    fn help_comes_before_later_errors() {
        match parse(&["-h", "-s", "foo"]) {
            Err(OptionsExit::Help(text)) => {
                assert!(text.contains("Usage: /nonexistent/bin/supervisorctl [options]"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn action_words_and_interactive() {
        let o = parse(&["-s", "http://h:1", "status", "-x"]).unwrap();
        assert_eq!(o.args, vec!["status", "-x"]);
        assert!(!o.interactive);
        assert_eq!(o.serverurl, "http://h:1");
        assert!(parse(&["-s", "http://h:1"]).unwrap().interactive);
    }

    #[test]
    fn reads_the_supervisorctl_section() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("s.conf");
        std::fs::write(
            &conf,
            "[supervisorctl]\nserverurl=unix://%(here)s/../x/s.sock\nprompt=hey\nusername=u\npassword=p\nhistory_file=%(here)s/h\n",
        )
        .unwrap();
        let o = parse(&["-c", conf.to_str().unwrap()]).unwrap();
        let parent = dir.path().parent().unwrap().to_str().unwrap();
        assert_eq!(o.serverurl, format!("unix://{parent}/x/s.sock"));
        assert_eq!(o.prompt, "hey");
        assert_eq!(o.username.as_deref(), Some("u"));
        assert_eq!(o.password.as_deref(), Some("p"));
        assert_eq!(o.history_file, Some(dir.path().join("h")));
        std::fs::write(&conf, "[supervisord]\n").unwrap();
        assert_eq!(
            usage_msg(parse(&["-c", conf.to_str().unwrap()])),
            ".ini file does not include supervisorctl section"
        );
    }

    #[test]
    fn normalizes_paths_like_python() {
        assert_eq!(normalize_path("/a/b/../c/./d"), "/a/c/d");
        assert_eq!(normalize_path("//a"), "//a");
        assert_eq!(normalize_path("///a"), "/a");
    }
}
