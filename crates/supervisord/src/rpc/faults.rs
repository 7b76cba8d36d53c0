//! Translating the owner API's results into XML-RPC: errors into Supervisor's faults,
//! per-process results into its status structs.

use supervisor_xmlrpc::{Fault, FaultCode, Struct, Value};

use crate::owner::{ApiError, Applied, ProcessResult};

/// The fault kind of `e`: the one place an [`ApiError`] is named by a Supervisor fault (the
/// JSON API's error codes are these names too).
pub fn fault_code(e: &ApiError) -> FaultCode {
    match e {
        ApiError::BadName(_) | ApiError::BadGroup(_) => FaultCode::BadName,
        ApiError::BadProgram(_) => FaultCode::IncorrectParameters,
        ApiError::BadSignal(_) => FaultCode::BadSignal,
        ApiError::NoFile(_) => FaultCode::NoFile,
        ApiError::NotExecutable(_) => FaultCode::NotExecutable,
        ApiError::Failed(_) => FaultCode::Failed,
        ApiError::AbnormalTermination(_) => FaultCode::AbnormalTermination,
        ApiError::SpawnError(_) => FaultCode::SpawnError,
        ApiError::AlreadyStarted(_) => FaultCode::AlreadyStarted,
        ApiError::NotRunning(_) => FaultCode::NotRunning,
        ApiError::AlreadyAdded(_) => FaultCode::AlreadyAdded,
        ApiError::StillRunning(_) => FaultCode::StillRunning,
        ApiError::CantReread(_) => FaultCode::CantReread,
        ApiError::BadArguments => FaultCode::BadArguments,
        ApiError::ShuttingDown => FaultCode::ShutdownState,
    }
}

/// The fault Supervisor answers for `e`, with the same detail text.
pub fn fault_of(e: ApiError) -> Fault {
    let code = fault_code(&e);
    let detail = match e {
        ApiError::BadName(d)
        | ApiError::BadSignal(d)
        | ApiError::NotExecutable(d)
        | ApiError::AbnormalTermination(d)
        | ApiError::SpawnError(d)
        | ApiError::AlreadyStarted(d)
        | ApiError::NotRunning(d)
        | ApiError::AlreadyAdded(d)
        | ApiError::StillRunning(d)
        | ApiError::CantReread(d) => Some(d),
        ApiError::BadGroup(n) => Some(format!("group: {n}")),
        ApiError::NoFile(d) | ApiError::Failed(d) | ApiError::BadProgram(d) => d,
        ApiError::BadArguments | ApiError::ShuttingDown => None,
    };
    match detail {
        Some(d) => code.with_detail(d),
        None => code.fault(),
    }
}

/// A status struct (`{name, group, status, description}`) of a multi-process result.
pub fn status(r: &ProcessResult) -> Value {
    let (code, description) = match &r.result {
        Ok(()) => (FaultCode::Success.code(), "OK".to_string()),
        Err(e) => {
            let f = fault_of(e.clone());
            (f.code, f.string)
        }
    };
    let mut s = Struct::with_capacity(4);
    s.push("name", r.member.name.as_str());
    s.push("group", r.member.group.as_str());
    s.push("status", code);
    s.push("description", description);
    Value::Struct(s)
}

/// Every result's status struct, in order.
pub fn statuses(results: &[ProcessResult]) -> Value {
    Value::Array(results.iter().map(status).collect())
}

/// A namespec operation's answer: `True` for one process, the status structs for `group:*`.
pub fn applied(a: Applied) -> Value {
    match a {
        Applied::One => Value::from(true),
        Applied::Each(results) => statuses(&results),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owner::Member;

    #[test]
    fn faults_carry_supervisors_details() {
        let f = fault_of(ApiError::BadName("g:*".into()));
        assert_eq!((f.code, f.string.as_str()), (10, "BAD_NAME: g:*"));
        let f = fault_of(ApiError::NoFile(None));
        assert_eq!((f.code, f.string.as_str()), (20, "NO_FILE"));
        let f = fault_of(ApiError::Failed(Some("p".into())));
        assert_eq!((f.code, f.string.as_str()), (30, "FAILED: p"));
        let f = fault_of(ApiError::ShuttingDown);
        assert_eq!((f.code, f.string.as_str()), (6, "SHUTDOWN_STATE"));
    }

    #[test]
    fn statuses_say_ok_or_the_fault() {
        let member = Member {
            name: "a".into(),
            group: "g".into(),
            namespec: "g:a".into(),
        };
        let ok = status(&ProcessResult {
            member: member.clone(),
            result: Ok(()),
        });
        let bad = status(&ProcessResult {
            member,
            result: Err(ApiError::NotRunning("g:a".into())),
        });
        let field = |v: &Value, k: &str| v.as_struct().and_then(|s| s.get(k)).cloned();
        assert_eq!(field(&ok, "status"), Some(Value::from(80)));
        assert_eq!(field(&ok, "description"), Some(Value::from("OK")));
        assert_eq!(field(&bad, "status"), Some(Value::from(70)));
        assert_eq!(
            field(&bad, "description"),
            Some(Value::from("NOT_RUNNING: g:a"))
        );
    }
}
