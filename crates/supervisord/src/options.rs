//! supervisord's command line: Supervisor's flags, parsed with Python getopt's rules and
//! converted with the same datatypes as the config file, plus our `--check [--json]`.
//!
//! Command-line values beat config values; boolean flags can only turn an option on. Errors are
//! usage errors: the caller prints `Error: MSG` and `For help, use ARGV0 -h` and exits 2.

use std::path::PathBuf;

use supervisor_config::host::Host;
use supervisor_config::types::{self, LogLevel};
use supervisor_core::pystr::py_repr;
use supervisor_getopt::{getopt, OptSpec};

/// The version we report: clients compare it with Python Supervisor's, so it is Supervisor's.
pub const VERSION: &str = "4.3.0";

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// `-h`, `--help` or `-?`: print [`help_text`] and exit 0.
    Help,
    /// `-v` / `--version`: print [`VERSION`] and exit 0.
    Version,
    /// Run (or, with `--check`, validate) with these options.
    Run(Box<CommandLine>),
}

/// Options given on the command line; `None`/`false` means "not given" (the config decides).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CommandLine {
    /// `-c FILE`: the config file (searched for when absent).
    pub configfile: Option<String>,
    /// `-n`: stay in the foreground.
    pub nodaemon: bool,
    /// `-s`: no log echo to stdout in the foreground.
    pub silent: bool,
    /// `-u USER`: run as this user.
    pub user: Option<String>,
    /// `-m UMASK`.
    pub umask: Option<u32>,
    /// `-d DIR`: directory to chdir to when daemonized.
    pub directory: Option<PathBuf>,
    /// `-l FILE`: the main log file (`syslog` is special).
    pub logfile: Option<String>,
    /// `-y BYTES`.
    pub logfile_maxbytes: Option<i64>,
    /// `-z NUM`.
    pub logfile_backups: Option<i64>,
    /// `-e LEVEL`.
    pub loglevel: Option<LogLevel>,
    /// `-j FILE`.
    pub pidfile: Option<String>,
    /// `-i STR`.
    pub identifier: Option<String>,
    /// `-q DIR`.
    pub childlogdir: Option<PathBuf>,
    /// `-a NUM`.
    pub minfds: Option<i64>,
    /// `--minprocs NUM`.
    pub minprocs: Option<i64>,
    /// `-k`: keep old AUTO child logs.
    pub nocleanup: bool,
    /// `-t`: strip ANSI escapes from child output.
    pub strip_ansi: bool,
    /// `--check`: validate the config, print the resolved programs, exit 0 or 2.
    pub check: bool,
    /// `--json`: with `--check`, print JSON (docs/resolved-config.md).
    pub json: bool,
}

/// A usage error; `Display` is the message after `Error: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

const TABLE: &[OptSpec] = &[
    OptSpec::both('h', "help", false),
    OptSpec::short('?', false),
    OptSpec::both('c', "configuration", true),
    OptSpec::both('v', "version", false),
    OptSpec::both('n', "nodaemon", false),
    OptSpec::both('u', "user", true),
    OptSpec::both('m', "umask", true),
    OptSpec::both('d', "directory", true),
    OptSpec::both('l', "logfile", true),
    OptSpec::both('y', "logfile_maxbytes", true),
    OptSpec::both('z', "logfile_backups", true),
    OptSpec::both('e', "loglevel", true),
    OptSpec::both('j', "pidfile", true),
    OptSpec::both('i', "identifier", true),
    OptSpec::both('q', "childlogdir", true),
    OptSpec::both('a', "minfds", true),
    OptSpec::long("minprocs", true),
    OptSpec::both('k', "nocleanup", false),
    OptSpec::both('t', "strip_ansi", false),
    OptSpec::long("profile_options", true),
    OptSpec::both('s', "silent", false),
    OptSpec::long("check", false),
    OptSpec::long("json", false),
];

/// Parses supervisord's arguments (without `argv[0]`).
///
/// Options are handled in the order given, as Python does: `-h` prints help even if a later
/// option has a bad value, but an earlier bad value wins over a later `-h`.
pub fn parse(args: &[String], host: &dyn Host) -> Result<Invocation, UsageError> {
    let (found, rest) = getopt(args, TABLE).map_err(|e| UsageError(e.to_string()))?;
    if !rest.is_empty() {
        return Err(UsageError(format!(
            "positional arguments are not supported: {}",
            python_list_repr(&rest)
        )));
    }
    let mut cl = CommandLine::default();
    for f in found {
        let flag = f.flag.as_str();
        let raw = f.value.clone().unwrap_or_default();
        let invalid =
            |msg: String| UsageError(format!("invalid value for {flag} {}: {msg}", py_repr(&raw)));
        let conflict = || UsageError(format!("conflicting command line option {}", py_repr(flag)));
        let long = TABLE[f.index].long.unwrap_or("");
        match (TABLE[f.index].short, long) {
            (Some('h'), _) | (Some('?'), _) => return Ok(Invocation::Help),
            (Some('v'), _) => return Ok(Invocation::Version),
            (_, "configuration") => set_once(&mut cl.configfile, raw, conflict)?,
            (_, "nodaemon") => set_flag(&mut cl.nodaemon, conflict)?,
            (_, "silent") => set_flag(&mut cl.silent, conflict)?,
            (_, "nocleanup") => set_flag(&mut cl.nocleanup, conflict)?,
            (_, "strip_ansi") => set_flag(&mut cl.strip_ansi, conflict)?,
            (_, "check") => set_flag(&mut cl.check, conflict)?,
            (_, "json") => set_flag(&mut cl.json, conflict)?,
            (_, "user") => set_once(&mut cl.user, raw, conflict)?,
            (_, "umask") => set_once(
                &mut cl.umask,
                types::octal(&raw).map_err(invalid)?,
                conflict,
            )?,
            (_, "directory") => {
                let dir = types::existing_directory(&raw, host).map_err(invalid)?;
                set_once(&mut cl.directory, dir, conflict)?
            }
            (_, "logfile") => {
                types::existing_dirpath(&raw, host).map_err(invalid)?;
                set_once(&mut cl.logfile, raw, conflict)?
            }
            (_, "logfile_maxbytes") => set_once(
                &mut cl.logfile_maxbytes,
                types::byte_size(&raw).map_err(invalid)?,
                conflict,
            )?,
            (_, "logfile_backups") => set_once(
                &mut cl.logfile_backups,
                types::integer(&raw).map_err(invalid)?,
                conflict,
            )?,
            (_, "loglevel") => set_once(
                &mut cl.loglevel,
                types::logging_level(&raw).map_err(invalid)?,
                conflict,
            )?,
            (_, "pidfile") => {
                types::existing_dirpath(&raw, host).map_err(invalid)?;
                set_once(&mut cl.pidfile, raw, conflict)?
            }
            (_, "identifier") => set_once(&mut cl.identifier, raw, conflict)?,
            (_, "childlogdir") => {
                let dir = types::existing_directory(&raw, host).map_err(invalid)?;
                set_once(&mut cl.childlogdir, dir, conflict)?
            }
            (_, "minfds") => set_once(
                &mut cl.minfds,
                types::integer(&raw).map_err(invalid)?,
                conflict,
            )?,
            (_, "minprocs") => set_once(
                &mut cl.minprocs,
                types::integer(&raw).map_err(invalid)?,
                conflict,
            )?,
            // Python-only profiler hook: accepted and ignored, as a Rust daemon has no cProfile.
            (_, "profile_options") => {}
            _ => unreachable!("every table entry is handled"),
        }
    }
    Ok(Invocation::Run(Box::new(cl)))
}

fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    conflict: impl Fn() -> UsageError,
) -> Result<(), UsageError> {
    if slot.is_some() {
        return Err(conflict());
    }
    *slot = Some(value);
    Ok(())
}

fn set_flag(slot: &mut bool, conflict: impl Fn() -> UsageError) -> Result<(), UsageError> {
    if *slot {
        return Err(conflict());
    }
    *slot = true;
    Ok(())
}

fn python_list_repr(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| py_repr(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// The text of `supervisord -h`: Supervisor's usage, with `%s` replaced by `argv[0]` as it does,
/// followed by our own additions.
pub fn help_text(argv0: &str) -> String {
    format!(
        "supervisord -- run a set of applications as daemons.

Usage: {argv0} [options]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-n/--nodaemon -- run in the foreground (same as 'nodaemon=true' in config file)
-s/--silent -- no logs to stdout (maps to 'silent=true' in config file)
-h/--help -- print this usage message and exit
-v/--version -- print supervisord version number and exit
-u/--user USER -- run supervisord as this user (or numeric uid)
-m/--umask UMASK -- use this umask for daemon subprocess (default is 022)
-d/--directory DIRECTORY -- directory to chdir to when daemonized
-l/--logfile FILENAME -- use FILENAME as logfile path
-y/--logfile_maxbytes BYTES -- use BYTES to limit the max size of logfile
-z/--logfile_backups NUM -- number of backups to keep when max bytes reached
-e/--loglevel LEVEL -- use LEVEL as log level (debug,info,warn,error,critical)
-j/--pidfile FILENAME -- write a pid file for the daemon process to FILENAME
-i/--identifier STR -- identifier used for this instance of supervisord
-q/--childlogdir DIRECTORY -- the log directory for child process logs
-k/--nocleanup --  prevent the process from performing cleanup (removal of
                   old automatic child log files) at startup.
-a/--minfds NUM -- the minimum number of file descriptors for start success
-t/--strip_ansi -- strip ansi escape codes from process output
--minprocs NUM  -- the minimum number of processes available for start success
--profile_options OPTIONS -- run supervisord under profiler and output
                             results based on OPTIONS, which  is a comma-sep'd
                             list of 'cumulative', 'calls', and/or 'callers',
                             e.g. 'cumulative,callers')

supervisor-rs additions:
--check -- validate the configuration, print the programs it defines and exit
           (0 when valid, 2 with every error otherwise)
--json -- with --check, print the result as JSON

"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use supervisor_config::host::FakeHost;

    fn run(args: &[&str]) -> Result<Invocation, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, &FakeHost::default()).map_err(|e| e.0)
    }

    fn cl(args: &[&str]) -> CommandLine {
        match run(args).unwrap() {
            Invocation::Run(cl) => *cl,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[test]
    fn values_are_converted_with_config_datatypes() {
        let c = cl(&[
            "-c", "x.conf", "-n", "-m", "002", "-y", "1MB", "-z", "3", "-e", "debug", "-a", "64",
        ]);
        assert_eq!(c.configfile.as_deref(), Some("x.conf"));
        assert!(c.nodaemon);
        assert_eq!(c.umask, Some(0o2));
        assert_eq!(c.logfile_maxbytes, Some(1024 * 1024));
        assert_eq!(c.logfile_backups, Some(3));
        assert_eq!(c.loglevel, Some(LogLevel::Debug));
        assert_eq!(c.minfds, Some(64));
    }

    #[test]
    fn usage_errors_use_pythons_wording() {
        assert_eq!(
            run(&["--bogus"]).unwrap_err(),
            "option --bogus not recognized"
        );
        assert_eq!(
            run(&["foo"]).unwrap_err(),
            "positional arguments are not supported: ['foo']"
        );
        assert_eq!(
            run(&["-n", "-n"]).unwrap_err(),
            "conflicting command line option '-n'"
        );
        assert!(run(&["-m", "999"])
            .unwrap_err()
            .starts_with("invalid value for -m '999': "));
        assert_eq!(
            run(&["-a", "x"]).unwrap_err(),
            "invalid value for -a 'x': invalid literal for int() with base 10: 'x'"
        );
    }

    #[test]
    fn help_and_version_are_handled_in_order() {
        assert!(matches!(run(&["-h"]).unwrap(), Invocation::Help));
        assert!(matches!(run(&["-?"]).unwrap(), Invocation::Help));
        assert!(matches!(run(&["--version"]).unwrap(), Invocation::Version));
        assert!(matches!(
            run(&["-h", "-m", "999"]).unwrap(),
            Invocation::Help
        ));
        assert!(run(&["-m", "999", "-h"]).is_err());
    }

    #[test]
    fn check_flags() {
        let c = cl(&["--check", "--json", "-c", "f"]);
        assert!(c.check && c.json);
    }
}
