//! Python `getopt.getopt` semantics, byte for byte.
//!
//! Supervisor's commands parse their options with Python's `getopt` (not GNU getopt): option
//! parsing stops at the first positional argument, long options may be abbreviated to any unique
//! prefix, and errors have getopt's exact wording (`option --bogus not recognized`). Scripts and
//! users see those texts, so we reproduce the algorithm rather than use a general-purpose parser.

#![forbid(unsafe_code)]

use thiserror::Error;

/// One option of the table: its short letter and/or long name, and whether it takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptSpec {
    /// The short option letter (`'c'` for `-c`), if any.
    pub short: Option<char>,
    /// The long option name without dashes (`"configuration"`), if any.
    pub long: Option<&'static str>,
    /// Whether the option takes a value (`c:` / `configuration=` in getopt's notation).
    pub takes_value: bool,
}

impl OptSpec {
    /// An option with both a short and a long form.
    pub const fn both(short: char, long: &'static str, takes_value: bool) -> Self {
        OptSpec {
            short: Some(short),
            long: Some(long),
            takes_value,
        }
    }
    /// A long-only option.
    pub const fn long(long: &'static str, takes_value: bool) -> Self {
        OptSpec {
            short: None,
            long: Some(long),
            takes_value,
        }
    }
    /// A short-only option.
    pub const fn short(short: char, takes_value: bool) -> Self {
        OptSpec {
            short: Some(short),
            long: None,
            takes_value,
        }
    }
}

/// An option found on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The option as getopt reports it: `-c` or `--configuration` (the full long name, even when
    /// the user typed a prefix).
    pub flag: String,
    /// Index into the table passed to [`getopt`] of the matching spec.
    pub index: usize,
    /// The value for options that take one; `None` otherwise.
    pub value: Option<String>,
}

/// A getopt error; `Display` is Python's message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GetoptError {
    /// `option -x not recognized` / `option --xyz not recognized`.
    #[error("option {0} not recognized")]
    NotRecognized(String),
    /// `option -c requires argument` / `option --configuration requires argument`.
    #[error("option {0} requires argument")]
    RequiresArgument(String),
    /// `option --nodaemon must not have an argument`.
    #[error("option {0} must not have an argument")]
    MustNotHaveArgument(String),
    /// `option --c not a unique prefix`.
    #[error("option {0} not a unique prefix")]
    NotUniquePrefix(String),
}

/// Parses `args` (without the program name) like Python's `getopt.getopt(args, shortopts, longopts)`.
///
/// Returns the options found, in order, and the remaining positional arguments. Parsing stops at
/// `--` (which is consumed) or at the first argument that does not start with `-` (or is `-`).
pub fn getopt(
    args: &[String],
    table: &[OptSpec],
) -> Result<(Vec<Found>, Vec<String>), GetoptError> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        if let Some(rest) = arg.strip_prefix("--") {
            let (name, inline) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (rest, None),
            };
            let index = match_long(name, table)?;
            let spec = table[index];
            let full = spec.long.unwrap_or(name);
            let flag = format!("--{full}");
            let value = if spec.takes_value {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        match args.get(i) {
                            Some(v) => Some(v.clone()),
                            None => return Err(GetoptError::RequiresArgument(flag)),
                        }
                    }
                }
            } else {
                if inline.is_some() {
                    return Err(GetoptError::MustNotHaveArgument(flag));
                }
                None
            };
            found.push(Found { flag, index, value });
        } else {
            // A cluster of short options: `-nc FILE`, `-cFILE`.
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let flag = format!("-{c}");
                let index = table
                    .iter()
                    .position(|s| s.short == Some(c))
                    .ok_or_else(|| GetoptError::NotRecognized(flag.clone()))?;
                if table[index].takes_value {
                    let rest: String = chars[j + 1..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => return Err(GetoptError::RequiresArgument(flag)),
                        }
                    };
                    found.push(Found {
                        flag,
                        index,
                        value: Some(value),
                    });
                    break;
                }
                found.push(Found {
                    flag,
                    index,
                    value: None,
                });
                j += 1;
            }
        }
        i += 1;
    }
    Ok((found, args[i.min(args.len())..].to_vec()))
}

/// Resolves a (possibly abbreviated) long option name the way getopt's `long_has_args` does: an
/// exact match wins, otherwise the prefix must match exactly one option.
fn match_long(name: &str, table: &[OptSpec]) -> Result<usize, GetoptError> {
    let candidates: Vec<usize> = table
        .iter()
        .enumerate()
        .filter(|(_, s)| s.long.is_some_and(|l| l.starts_with(name)))
        .map(|(i, _)| i)
        .collect();
    if candidates.is_empty() {
        return Err(GetoptError::NotRecognized(format!("--{name}")));
    }
    if let Some(&exact) = candidates.iter().find(|&&i| table[i].long == Some(name)) {
        return Ok(exact);
    }
    if candidates.len() > 1 {
        return Err(GetoptError::NotUniquePrefix(format!("--{name}")));
    }
    Ok(candidates[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[OptSpec] = &[
        OptSpec::both('c', "configuration", true),
        OptSpec::both('n', "nodaemon", false),
        OptSpec::both('q', "childlogdir", true),
        OptSpec::long("minprocs", true),
        OptSpec::long("minfds", true),
        OptSpec::short('?', false),
    ];

    /// Options found (flag, value) and the remaining arguments, or getopt's message.
    type Parsed = Result<(Vec<(String, Option<String>)>, Vec<String>), String>;

    fn parse(args: &[&str]) -> Parsed {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        getopt(&args, TABLE)
            .map(|(f, rest)| (f.into_iter().map(|f| (f.flag, f.value)).collect(), rest))
            .map_err(|e| e.to_string())
    }

    fn opt(flag: &str, value: Option<&str>) -> (String, Option<String>) {
        (flag.to_string(), value.map(str::to_string))
    }

    #[test]
    fn short_forms() {
        assert_eq!(parse(&["-cFILE"]).unwrap().0, vec![opt("-c", Some("FILE"))]);
        assert_eq!(
            parse(&["-c", "FILE"]).unwrap().0,
            vec![opt("-c", Some("FILE"))]
        );
        assert_eq!(
            parse(&["-nc", "F"]).unwrap().0,
            vec![opt("-n", None), opt("-c", Some("F"))]
        );
        assert_eq!(parse(&["-?"]).unwrap().0, vec![opt("-?", None)]);
    }

    #[test]
    fn long_forms_and_prefixes() {
        assert_eq!(
            parse(&["--configuration=F"]).unwrap().0,
            vec![opt("--configuration", Some("F"))]
        );
        assert_eq!(
            parse(&["--conf", "F"]).unwrap().0,
            vec![opt("--configuration", Some("F"))]
        );
        assert_eq!(parse(&["--nod"]).unwrap().0, vec![opt("--nodaemon", None)]);
        assert_eq!(
            parse(&["--min", "1"]).unwrap_err(),
            "option --min not a unique prefix"
        );
        assert_eq!(
            parse(&["--minf=5"]).unwrap().0,
            vec![opt("--minfds", Some("5"))]
        );
    }

    #[test]
    fn errors_have_getopts_wording() {
        assert_eq!(
            parse(&["--bogus"]).unwrap_err(),
            "option --bogus not recognized"
        );
        assert_eq!(parse(&["-x"]).unwrap_err(), "option -x not recognized");
        assert_eq!(parse(&["-c"]).unwrap_err(), "option -c requires argument");
        assert_eq!(
            parse(&["--configuration"]).unwrap_err(),
            "option --configuration requires argument"
        );
        assert_eq!(
            parse(&["--nodaemon=1"]).unwrap_err(),
            "option --nodaemon must not have an argument"
        );
    }

    #[test]
    fn positional_arguments_stop_parsing() {
        let (found, rest) = parse(&["-n", "foo", "-c", "x"]).unwrap();
        assert_eq!(found, vec![opt("-n", None)]);
        assert_eq!(rest, vec!["foo", "-c", "x"]);
        let (found, rest) = parse(&["--", "-n"]).unwrap();
        assert!(found.is_empty());
        assert_eq!(rest, vec!["-n"]);
        let (_, rest) = parse(&["-"]).unwrap();
        assert_eq!(rest, vec!["-"]);
    }
}
