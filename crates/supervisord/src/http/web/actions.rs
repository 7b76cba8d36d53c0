//! The status page's actions (`index.html?action=…&processname=…`), run through the RPC layer
//! so that they wait and fail exactly like the XML-RPC methods, with Supervisor's messages.

use supervisor_xmlrpc::{Fault, FaultCode, Value};

use crate::owner::Handle;
use crate::rpc::call_method;

/// One action of the status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Redisplay the page with a time stamp.
    Refresh,
    /// `stopAllProcesses`.
    StopAll,
    /// `stopAllProcesses`, then `startAllProcesses`.
    RestartAll,
    /// `startProcess(namespec)`.
    Start(String),
    /// `stopProcess(namespec)`.
    Stop(String),
    /// `stopProcess` then `startProcess`.
    Restart(String),
    /// `clearProcessLogs(namespec)`.
    ClearLog(String),
}

/// An `action` parameter that names no action, or lacks the process it needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadAction {
    /// Not one of Supervisor's actions.
    #[error("unknown action {0:?}")]
    Unknown(String),
    /// A per-process action without `processname`.
    #[error("action {0:?} needs a processname")]
    NoProcess(String),
}

impl Action {
    /// Parses the `action` and `processname` parameters.
    pub fn parse(action: &str, processname: Option<&str>) -> Result<Action, BadAction> {
        let named = |make: fn(String) -> Action| {
            processname
                .filter(|n| !n.is_empty())
                .map(|n| make(n.to_string()))
                .ok_or_else(|| BadAction::NoProcess(action.to_string()))
        };
        match action {
            "refresh" => Ok(Action::Refresh),
            "stopall" => Ok(Action::StopAll),
            "restartall" => Ok(Action::RestartAll),
            "start" => named(Action::Start),
            "stop" => named(Action::Stop),
            "restart" => named(Action::Restart),
            "clearlog" => named(Action::ClearLog),
            other => Err(BadAction::Unknown(other.to_string())),
        }
    }

    /// Whether the action changes anything (everything but `refresh`).
    pub fn changes_state(&self) -> bool {
        *self != Action::Refresh
    }

    /// The `action` parameter's value.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Refresh => "refresh",
            Action::StopAll => "stopall",
            Action::RestartAll => "restartall",
            Action::Start(_) => "start",
            Action::Stop(_) => "stop",
            Action::Restart(_) => "restart",
            Action::ClearLog(_) => "clearlog",
        }
    }

    /// The process the action is about, if any.
    pub fn process(&self) -> Option<&str> {
        match self {
            Action::Start(n) | Action::Stop(n) | Action::Restart(n) | Action::ClearLog(n) => {
                Some(n)
            }
            _ => None,
        }
    }

    /// A question asking the user to confirm the action.
    pub fn question(&self) -> String {
        match self {
            Action::Refresh => "Refresh the page?".into(),
            Action::StopAll => "Stop all processes?".into(),
            Action::RestartAll => "Restart all processes?".into(),
            Action::Start(n) => format!("Start {n}?"),
            Action::Stop(n) => format!("Stop {n}?"),
            Action::Restart(n) => format!("Restart {n}?"),
            Action::ClearLog(n) => format!("Clear the logs of {n}?"),
        }
    }

    /// The label of the button that performs the action.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Refresh => "Refresh",
            Action::StopAll => "Stop all",
            Action::RestartAll => "Restart all",
            Action::Start(_) => "Start",
            Action::Stop(_) => "Stop",
            Action::Restart(_) => "Restart",
            Action::ClearLog(_) => "Clear log",
        }
    }
}

/// Python's `time.ctime()` in local time (`Wed Nov  5 14:15:18 2026`).
pub fn ctime() -> String {
    jiff::ZonedDateTime::now()
        .strftime("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// Whether a message of [`run`] reports a failure.
pub fn is_error(message: &str) -> bool {
    message.starts_with("ERROR")
        || message.starts_with("unexpected rpc fault")
        || message.starts_with("No such process")
}

/// Supervisor's text for a fault it did not expect.
fn unexpected(f: &Fault) -> String {
    format!("unexpected rpc fault [{}] {}", f.code, f.string)
}

/// The reason shown after `ERROR: Process NS: ` when a start fails.
fn start_error(f: &Fault) -> String {
    let known = [
        (FaultCode::NoFile, "no such file"),
        (FaultCode::NotExecutable, "file not executable"),
        (FaultCode::AlreadyStarted, "already started"),
        (FaultCode::SpawnError, "spawn error"),
        (FaultCode::AbnormalTermination, "abnormal termination"),
    ];
    known
        .iter()
        .find(|(code, _)| code.code() == f.code)
        .map_or_else(|| unexpected(f), |(_, text)| (*text).to_string())
}

/// Runs `method` with `params` through the RPC layer.
async fn rpc(owner: &Handle, method: &str, params: Vec<Value>) -> Result<Value, Fault> {
    call_method(owner, &format!("supervisor.{method}"), params).await
}

/// Whether `namespec` names one existing process (Supervisor checks this before any action).
async fn exists(owner: &Handle, namespec: &str) -> Result<bool, Fault> {
    match rpc(owner, "getProcessInfo", vec![namespec.into()]).await {
        Ok(_) => Ok(true),
        Err(f) if f.code == FaultCode::BadName.code() => Ok(false),
        Err(f) => Err(f),
    }
}

/// Runs the action, waiting for it to complete, and returns the message to show.
pub async fn run(owner: &Handle, action: &Action) -> String {
    if let Some(ns) = action.process() {
        match exists(owner, ns).await {
            Ok(true) => {}
            Ok(false) => return format!("No such process named {ns}"),
            Err(f) => return unexpected(&f),
        }
    }
    match action {
        Action::Refresh => format!("Page refreshed at {}", ctime()),
        Action::StopAll => match rpc(owner, "stopAllProcesses", vec![]).await {
            Ok(_) => format!("All stopped at {}", ctime()),
            Err(f) => unexpected(&f),
        },
        Action::RestartAll => {
            if let Err(f) = rpc(owner, "stopAllProcesses", vec![]).await {
                return unexpected(&f);
            }
            match rpc(owner, "startAllProcesses", vec![]).await {
                Ok(_) => format!("All restarted at {}", ctime()),
                Err(f) => unexpected(&f),
            }
        }
        Action::Start(ns) => match rpc(owner, "startProcess", vec![ns.as_str().into()]).await {
            Ok(_) => format!("Process {ns} started"),
            Err(f) => format!("ERROR: Process {ns}: {}", start_error(&f)),
        },
        Action::Stop(ns) => match rpc(owner, "stopProcess", vec![ns.as_str().into()]).await {
            Ok(_) => format!("Process {ns} stopped"),
            Err(f) => unexpected(&f),
        },
        Action::Restart(ns) => {
            // A process that is not running just gets started (Supervisor ignores this error).
            let _ = rpc(owner, "stopProcess", vec![ns.as_str().into()]).await;
            match rpc(owner, "startProcess", vec![ns.as_str().into()]).await {
                Ok(_) => format!("Process {ns} restarted"),
                // Supervisor reports success regardless; saying why it failed is more useful.
                Err(f) => format!("ERROR: Process {ns}: {}", start_error(&f)),
            }
        }
        Action::ClearLog(ns) => {
            match rpc(owner, "clearProcessLogs", vec![ns.as_str().into()]).await {
                Ok(_) => format!("Log for {ns} cleared"),
                Err(f) => unexpected(&f),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supervisors_actions() {
        assert_eq!(Action::parse("refresh", None), Ok(Action::Refresh));
        assert_eq!(Action::parse("stopall", Some("x")), Ok(Action::StopAll));
        assert_eq!(
            Action::parse("restart", Some("g:p")),
            Ok(Action::Restart("g:p".into()))
        );
        assert_eq!(
            Action::parse("start", Some("")),
            Err(BadAction::NoProcess("start".into()))
        );
        assert_eq!(
            Action::parse("explode", Some("p")),
            Err(BadAction::Unknown("explode".into()))
        );
        assert!(!Action::Refresh.changes_state());
        assert!(Action::ClearLog("p".into()).changes_state());
    }

    #[test]
    fn start_errors_have_supervisors_wording() {
        let f = FaultCode::SpawnError.with_detail("p");
        assert_eq!(start_error(&f), "spawn error");
        let f = FaultCode::ShutdownState.fault();
        assert_eq!(
            start_error(&f),
            format!("unexpected rpc fault [6] {}", f.string)
        );
    }

    #[test]
    fn failures_are_recognised() {
        assert!(is_error("ERROR: Process p: spawn error"));
        assert!(is_error("unexpected rpc fault [70] NOT_RUNNING: p"));
        assert!(is_error("No such process named p"));
        assert!(!is_error("Process p started"));
    }

    #[test]
    fn ctime_looks_like_pythons() {
        let t = ctime();
        // "Wed Nov 25 14:15:18 2026": 24 characters, day padded with a space.
        assert_eq!(t.len(), 24, "{t}");
        assert_eq!(&t[3..4], " ");
        assert_eq!(&t[13..14], ":");
    }
}
