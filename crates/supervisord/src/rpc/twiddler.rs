//! supervisor_twiddler's namespace, served natively under the name of each `[rpcinterface:x]`
//! section naming its factory (`twiddler.getAPIVersion`, …): list the groups, add a program to
//! a running group, remove a stopped process, write to the main log.
//!
//! Semantics, faults and docstrings are supervisor_twiddler 1.0.0's. Each method converts its
//! arguments and calls the owner (`Owner::add_program_to_group` and friends); the `whitelist`
//! option is checked here, after the mood, as twiddler's `_update` does.

use supervisor_core::LogLevel;
use supervisor_xmlrpc::{Fault, FaultCode, Value};

use super::args::py_str;
use super::faults::fault_of;
use super::system::MethodDoc;
use super::{Args, RpcResult};
use crate::owner::{Owner, ProgramOptions};

/// What `getAPIVersion` returns: twiddler's `API_VERSION`, a string (its docstring says int).
pub const API_VERSION: &str = "1.0";

/// Twiddler's fault for a method left out of the whitelist (a code Supervisor does not name,
/// so its text is `UNKNOWN: method`).
const NOT_IN_WHITELIST: i32 = 230;

/// One twiddler namespace as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Twiddler {
    /// The namespace: the section's name after `rpcinterface:`.
    pub name: String,
    /// The only methods that may be called; empty: all of them.
    pub whitelist: Vec<String>,
}

impl Twiddler {
    /// Whether `method` may be called (twiddler lists every method even when it may not).
    fn allows(&self, method: &str) -> bool {
        self.whitelist.is_empty() || self.whitelist.iter().any(|m| m == method)
    }
}

/// Twiddler's methods, sorted by name, without the namespace; help texts are its docstrings.
pub const METHODS: &[MethodDoc] = &[
    MethodDoc::new(
        "addProgramToGroup",
        &["boolean", "string", "string", "struct"],
        0,
        r#" Add a new program to an existing process group.  Depending on the
            numprocs option, this will result in one or more processes being
            added to the group.

        @param string  group_name       Name of an existing process group
        @param string  program_name     Name of the new process in the process table
        @param struct  program_options  Program options, same as in supervisord.conf
        @return boolean                 Always True unless error
        "#,
    ),
    MethodDoc::new(
        "getAPIVersion",
        &["int"],
        0,
        r#" Return the version of the RPC API used by supervisor_twiddler

        @return int version version id
        "#,
    ),
    MethodDoc::new(
        "getGroupNames",
        &["array"],
        0,
        r#" Return an array with the names of the process groups.

        @return array                Process group names
        "#,
    ),
    MethodDoc::new(
        "log",
        &["boolean", "string", "string|int"],
        1,
        r#" Write an arbitrary message to the main supervisord log.  This is
            useful for recording information about your twiddling.

        @param  string      message      Message to write to the log
        @param  string|int  level        Log level name (INFO) or code (20)
        @return boolean                  Always True unless error
        "#,
    ),
    MethodDoc::new(
        "removeProcessFromGroup",
        &["boolean", "string", "string"],
        0,
        r#" Remove a process from a process group.  When a program is added with
            addProgramToGroup(), one or more processes for that program is added
            to the group.  This method removes individual processes (named by the
            numprocs and process_name options), not programs.

        @param string group_name    Name of an existing process group
        @param string process_name  Name of the process to remove from group
        @return boolean             Always return True unless error
        "#,
    ),
];

/// The method of this table called `method`.
pub fn find(method: &str) -> Option<&'static MethodDoc> {
    METHODS.iter().find(|m| m.name == method)
}

/// Calls `method` of namespace `tw`; the caller has checked that it exists and the number of
/// arguments fits.
pub async fn call(owner: &Owner, tw: &Twiddler, method: &str, mut a: Args) -> RpcResult {
    if !tw.allows(method) {
        owner.check().await.map_err(fault_of)?;
        return Err(Fault::new(NOT_IN_WHITELIST, format!("UNKNOWN: {method}")));
    }
    match method {
        "getAPIVersion" => owner.check().await.map(|()| Value::from(API_VERSION)),
        "getGroupNames" => owner
            .group_names()
            .await
            .map(|names| Value::Array(names.into_iter().map(Value::from).collect())),
        "addProgramToGroup" => {
            let group = name(a.value()?)?;
            let program = name(a.value()?)?;
            let options = program_options(a.value()?);
            owner
                .add_program_to_group(&group, &program, options)
                .await
                .map(|()| true.into())
        }
        "removeProcessFromGroup" => {
            let group = name(a.value()?)?;
            let process = name(a.value()?)?;
            owner
                .remove_process_from_group(&group, &process)
                .await
                .map(|()| true.into())
        }
        "log" => {
            let message = name(a.value()?)?;
            let level = if a.len() > 1 {
                log_level(&a.value()?)
            } else {
                Some(LogLevel::Info)
            };
            let Some(level) = level else {
                // The mood is checked first, as twiddler does.
                owner.check().await.map_err(fault_of)?;
                return Err(FaultCode::IncorrectParameters.fault());
            };
            owner.log(level, &message).await.map(|()| true.into())
        }
        _ => return Err(FaultCode::UnknownMethod.fault()),
    }
    .map_err(fault_of)
}

/// A name or message, as twiddler formats it with `%s`: strings as they are, numbers,
/// booleans and nil as Python prints them; anything else is `INCORRECT_PARAMETERS` (Python
/// fails with HTTP 500 or drops the log line: fix Q31).
fn name(v: Value) -> Result<String, Fault> {
    match v {
        Value::String(s) => Ok(s),
        Value::Int(_) | Value::I8(_) | Value::Bool(_) | Value::Double(_) | Value::Nil => {
            Ok(py_str(&v))
        }
        _ => Err(FaultCode::IncorrectParameters.fault()),
    }
}

/// `log`'s level: a name (`info`, `WARN`: Supervisor's four-letter tags, any case) or a number
/// Supervisor names (20); `None` for anything else (twiddler's `INCORRECT_PARAMETERS`).
fn log_level(v: &Value) -> Option<LogLevel> {
    let by_number = |n: f64| {
        LogLevel::ALL
            .into_iter()
            .find(|l| f64::from(l.number()) == n)
    };
    match v {
        Value::String(s) => {
            let upper = s.to_uppercase();
            LogLevel::ALL.into_iter().find(|l| l.tag() == upper)
        }
        // Python's dict lookup: 20 and 20.0 are the same key; True is 1, which names none.
        Value::Int(i) => by_number(f64::from(*i)),
        Value::I8(i) => i32::try_from(*i).ok().and_then(|i| by_number(f64::from(i))),
        Value::Double(d) => by_number(*d),
        _ => None,
    }
}

/// The options struct as option/value pairs: strings as they are, integers in decimal, booleans
/// as `1`/`0` (what Python's converters make of `True`/`False` for both booleans and
/// integers). Other values are refused, naming the option.
fn program_options(v: Value) -> ProgramOptions {
    let Value::Struct(fields) = v else {
        return ProgramOptions::Invalid(None);
    };
    let mut pairs = Vec::new();
    for (key, value) in fields.iter() {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::I8(i) => i.to_string(),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            other => {
                return ProgramOptions::Invalid(Some(format!(
                    "option {key}: an XML-RPC {} cannot be an option's value; send a string",
                    other.type_name()
                )))
            }
        };
        pairs.push((key.to_string(), text));
    }
    ProgramOptions::Pairs(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_name_any_case_or_by_number() {
        assert_eq!(log_level(&"warn".into()), Some(LogLevel::Warn));
        assert_eq!(log_level(&"BLAT".into()), Some(LogLevel::Blather));
        assert_eq!(log_level(&Value::from(40)), Some(LogLevel::Error));
        assert_eq!(log_level(&Value::Double(20.0)), Some(LogLevel::Info));
        for bad in [
            Value::from("ERROR"),
            Value::from("critical"),
            Value::from(41),
            Value::from(true),
            Value::Array(vec![]),
        ] {
            assert_eq!(log_level(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn option_values_become_text() {
        let mut s = supervisor_xmlrpc::Struct::with_capacity(3);
        s.push("command", "sleep 1");
        s.push("startsecs", 0);
        s.push("autostart", false);
        assert_eq!(
            program_options(Value::Struct(s)),
            ProgramOptions::Pairs(vec![
                ("command".into(), "sleep 1".into()),
                ("startsecs".into(), "0".into()),
                ("autostart".into(), "0".into()),
            ])
        );
        assert_eq!(
            program_options(Value::from("x")),
            ProgramOptions::Invalid(None)
        );
        let mut s = supervisor_xmlrpc::Struct::with_capacity(1);
        s.push("command", Value::Array(vec![]));
        assert!(matches!(
            program_options(Value::Struct(s)),
            ProgramOptions::Invalid(Some(_))
        ));
    }
}
