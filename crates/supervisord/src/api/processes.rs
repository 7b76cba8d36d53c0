//! `/api/v1/processes…`: process objects, and the actions (start, stop, restart, signal,
//! stdin, clear) translated to the owner's calls as `supervisorctl` makes them: `all` is the
//! `…All…` call, `group:*` the group's, a name the single process's.
//!
//! Every action answers `{"results": [outcome, …]}`, one outcome per process acted on (one
//! for a single process). A single process's refusal is an error response instead (as
//! XML-RPC's fault), while a group's or `all`'s per-process failures stay in the outcomes
//! with `200` (as XML-RPC's status structs).

use bytes::Bytes;
use serde::Deserialize;
use supervisor_core::namespec::Namespec;

use super::errors::Failure;
use super::json::{self, outcome_of, process_of, success, Outcomes, Process, Processes};
use super::request::{parse, NoFields, Query};
use super::route::Action;
use super::target::Target;
use crate::owner::{ApiError, Applied, Owner, ProcessResult, SignalArg};
use axum::response::Response;

/// Fills in each running process's `resources`.
async fn with_resources(mut processes: Vec<Process>) -> Vec<Process> {
    let pids = processes
        .iter()
        .map(|p| u32::try_from(p.pid).unwrap_or(0))
        .collect();
    let usage = crate::resources::sample(pids).await;
    for (p, u) in processes.iter_mut().zip(usage) {
        p.resources = if p.pid > 0 { u } else { None };
    }
    processes
}

/// Every process, or those of one group (`None`: all).
async fn processes(owner: &Owner, group: Option<String>) -> Result<Vec<Process>, ApiError> {
    owner
        .with_processes(move |views| {
            views
                .iter()
                .filter(|v| group.as_deref().is_none_or(|g| v.group() == g))
                .map(process_of)
                .collect()
        })
        .await
}

/// `GET /api/v1/processes`.
pub async fn list(owner: &Owner) -> Result<Response, Failure> {
    let processes = with_resources(processes(owner, None).await?).await;
    Ok(json::ok(&Processes { processes }))
}

/// `GET /api/v1/processes/{namespec}`: one process object, or `{"processes": […]}` for a
/// group or `all`.
pub async fn show(owner: &Owner, target: Target) -> Result<Response, Failure> {
    match target {
        Target::One(spec) => {
            let process = owner.process(&spec, |v| process_of(&v)).await?;
            let mut processes = with_resources(vec![process]).await;
            Ok(json::ok(&processes.remove(0)))
        }
        Target::Group { group, spec } => {
            let found = processes(owner, Some(group)).await?;
            if found.is_empty() {
                return Err(ApiError::BadName(spec).into());
            }
            let processes = with_resources(found).await;
            Ok(json::ok(&Processes { processes }))
        }
        Target::All => list(owner).await,
    }
}

/// `POST …/signal`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalBody {
    /// A name (`HUP`, `SIGHUP`) or a number.
    signal: serde_json::Value,
}

/// `POST …/stdin`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StdinBody {
    /// The text to write.
    data: String,
}

/// A signal as the client gave it; 0 only checks that the process exists.
fn signal_of(value: &serde_json::Value) -> Result<SignalArg, Failure> {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if n.is_i64() => n.to_string(),
        other => {
            return Err(Failure::bad_request(format!(
                "signal must be a name (\"HUP\") or a number, not {other}"
            )))
        }
    };
    if text.trim() == "0" {
        return Ok(SignalArg::Number(0));
    }
    supervisor_core::signal_number(&text)
        .map(SignalArg::Number)
        .map_err(|_| ApiError::BadSignal(text).into())
}

/// The outcomes of an action's answer; a single process's success names it.
fn outcomes(spec: &str, applied: Applied) -> Outcomes {
    let results = match applied {
        Applied::One => {
            let (group, name) = match Namespec::parse(spec) {
                Namespec::Process { group, name } => (group, name),
                Namespec::Group(group) => (group, group),
            };
            vec![success(group, name)]
        }
        Applied::Each(results) => results.iter().map(outcome_of).collect(),
    };
    Outcomes { results }
}

/// The outcomes of an `…All…` call.
fn each(results: Vec<ProcessResult>) -> Outcomes {
    Outcomes {
        results: results.iter().map(outcome_of).collect(),
    }
}

/// `POST /api/v1/processes/{namespec}/{action}`, the guard and body already read.
pub async fn act(
    owner: &Owner,
    target: Target,
    action: Action,
    query: Option<&str>,
    body: &Bytes,
) -> Result<Response, Failure> {
    let waits = matches!(action, Action::Start | Action::Stop | Action::Restart);
    let query = Query::parse(query, if waits { &["wait"] } else { &[] })?;
    let wait = query.flag("wait", true)?;
    let spec = match &target {
        Target::All => None,
        Target::Group { spec, .. } | Target::One(spec) => Some(spec.clone()),
    };
    let answer = match (action, spec) {
        (Action::Start, None) => {
            parse::<NoFields>(body)?;
            each(owner.start_all(wait).await?)
        }
        (Action::Start, Some(spec)) => {
            parse::<NoFields>(body)?;
            outcomes(&spec, owner.start_process(&spec, wait).await?)
        }
        (Action::Stop, None) => {
            parse::<NoFields>(body)?;
            each(owner.stop_all(wait).await?)
        }
        (Action::Stop, Some(spec)) => {
            parse::<NoFields>(body)?;
            outcomes(&spec, owner.stop_process(&spec, wait).await?)
        }
        (Action::Restart, None) => {
            parse::<NoFields>(body)?;
            // `supervisorctl restart all`: stop everything (waiting), then start.
            owner.stop_all(true).await?;
            each(owner.start_all(wait).await?)
        }
        (Action::Restart, Some(spec)) => {
            parse::<NoFields>(body)?;
            outcomes(&spec, owner.restart_process(&spec, wait).await?)
        }
        (Action::Signal, spec) => {
            let signal = signal_of(&parse::<SignalBody>(body)?.signal)?;
            match spec {
                None => each(owner.signal_all(signal).await?),
                Some(spec) => outcomes(&spec, owner.signal_process(&spec, signal).await?),
            }
        }
        (Action::Stdin, _) => {
            let data = parse::<StdinBody>(body)?.data;
            let Target::One(spec) = target else {
                return Err(Failure::bad_name(
                    "stdin goes to one process: name it as name or group:name",
                ));
            };
            owner.send_stdin(&spec, data.into_bytes()).await?;
            outcomes(&spec, Applied::One)
        }
        (Action::Clear, None) => {
            parse::<NoFields>(body)?;
            each(owner.clear_all_logs().await?)
        }
        (Action::Clear, Some(spec)) => {
            parse::<NoFields>(body)?;
            outcomes(&spec, owner.clear_process_logs(&spec).await?)
        }
    };
    Ok(json::ok(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signals_are_names_or_numbers() {
        assert_eq!(signal_of(&json!("HUP")).unwrap(), SignalArg::Number(1));
        assert_eq!(signal_of(&json!("sigusr1")).unwrap(), SignalArg::Number(10));
        assert_eq!(signal_of(&json!(15)).unwrap(), SignalArg::Number(15));
        assert_eq!(signal_of(&json!(0)).unwrap(), SignalArg::Number(0));
        assert_eq!(signal_of(&json!("NOPE")).unwrap_err().code, "BAD_SIGNAL");
        assert_eq!(signal_of(&json!(999)).unwrap_err().code, "BAD_SIGNAL");
        assert_eq!(signal_of(&json!(true)).unwrap_err().code, "BAD_REQUEST");
        assert_eq!(signal_of(&json!(1.5)).unwrap_err().code, "BAD_REQUEST");
    }

    #[test]
    fn a_single_success_names_its_process() {
        let o = outcomes("g:a", Applied::One).results;
        assert_eq!((o[0].group.as_str(), o[0].name.as_str()), ("g", "a"));
        assert_eq!((o[0].status, o[0].code), (80, "SUCCESS"));
        let o = outcomes("a", Applied::One).results;
        assert_eq!((o[0].namespec.as_str(), o[0].group.as_str()), ("a", "a"));
    }
}
