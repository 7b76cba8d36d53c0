//! The status page's actions (`index.html?action=…&processname=…`), run through the owner's
//! typed API so that they wait and fail exactly like the XML-RPC methods, with Supervisor's
//! messages.

use crate::owner::{ApiError, Owner};

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

/// Supervisor's text for a fault it did not expect (`unexpected rpc fault [70] NOT_RUNNING: p`).
fn unexpected(e: ApiError) -> String {
    let f = crate::rpc::fault_of(e);
    format!("unexpected rpc fault [{}] {}", f.code, f.string)
}

/// The reason shown after `ERROR: Process NS: ` when a start fails.
fn start_error(e: ApiError) -> String {
    match e {
        ApiError::NoFile(_) => "no such file".into(),
        ApiError::NotExecutable(_) => "file not executable".into(),
        ApiError::AlreadyStarted(_) => "already started".into(),
        ApiError::SpawnError(_) => "spawn error".into(),
        ApiError::AbnormalTermination(_) => "abnormal termination".into(),
        other => unexpected(other),
    }
}

/// Whether `namespec` names one existing process (Supervisor checks this before any action).
async fn exists(owner: &Owner, namespec: &str) -> Result<bool, ApiError> {
    match owner.process(namespec, |_| ()).await {
        Ok(()) => Ok(true),
        Err(ApiError::BadName(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Runs the action, waiting for it to complete, and returns the message to show.
pub async fn run(owner: &Owner, action: &Action) -> String {
    if let Some(ns) = action.process() {
        match exists(owner, ns).await {
            Ok(true) => {}
            Ok(false) => return format!("No such process named {ns}"),
            Err(e) => return unexpected(e),
        }
    }
    match action {
        Action::Refresh => format!("Page refreshed at {}", ctime()),
        Action::StopAll => match owner.stop_all(true).await {
            Ok(_) => format!("All stopped at {}", ctime()),
            Err(e) => unexpected(e),
        },
        Action::RestartAll => {
            if let Err(e) = owner.stop_all(true).await {
                return unexpected(e);
            }
            match owner.start_all(true).await {
                Ok(_) => format!("All restarted at {}", ctime()),
                Err(e) => unexpected(e),
            }
        }
        Action::Start(ns) => match owner.start_process(ns, true).await {
            Ok(_) => format!("Process {ns} started"),
            Err(e) => format!("ERROR: Process {ns}: {}", start_error(e)),
        },
        Action::Stop(ns) => match owner.stop_process(ns, true).await {
            Ok(_) => format!("Process {ns} stopped"),
            Err(e) => unexpected(e),
        },
        // A process that is not running just gets started (Supervisor ignores the stop's error).
        Action::Restart(ns) => match owner.restart_process(ns, true).await {
            Ok(_) => format!("Process {ns} restarted"),
            // Supervisor reports success regardless; saying why it failed is more useful.
            Err(e) => format!("ERROR: Process {ns}: {}", start_error(e)),
        },
        Action::ClearLog(ns) => match owner.clear_logs(ns).await {
            Ok(()) => format!("Log for {ns} cleared"),
            Err(e) => unexpected(e),
        },
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
        assert_eq!(start_error(ApiError::SpawnError("p".into())), "spawn error");
        assert_eq!(
            start_error(ApiError::ShuttingDown),
            "unexpected rpc fault [6] SHUTDOWN_STATE"
        );
        assert_eq!(
            unexpected(ApiError::NotRunning("p".into())),
            "unexpected rpc fault [70] NOT_RUNNING: p"
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
