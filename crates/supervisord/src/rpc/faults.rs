//! Translating the owner API's results into XML-RPC: errors into Supervisor's faults,
//! per-process results into its status structs.

use supervisor_xmlrpc::{Fault, FaultCode, Struct, Value};

use crate::owner::{ApiError, Applied, ProcessResult};

/// The fault Supervisor answers for `e`, with the same detail text.
pub fn fault_of(e: ApiError) -> Fault {
    let with = |code: FaultCode, detail: String| code.with_detail(detail);
    let maybe = |code: FaultCode, detail: Option<String>| match detail {
        Some(d) => code.with_detail(d),
        None => code.fault(),
    };
    match e {
        ApiError::BadName(n) => with(FaultCode::BadName, n),
        ApiError::BadGroup(n) => with(FaultCode::BadName, format!("group: {n}")),
        ApiError::BadProgram(d) => maybe(FaultCode::IncorrectParameters, d),
        ApiError::BadSignal(s) => with(FaultCode::BadSignal, s),
        ApiError::NoFile(d) => maybe(FaultCode::NoFile, d),
        ApiError::NotExecutable(d) => with(FaultCode::NotExecutable, d),
        ApiError::Failed(d) => maybe(FaultCode::Failed, d),
        ApiError::AbnormalTermination(n) => with(FaultCode::AbnormalTermination, n),
        ApiError::SpawnError(n) => with(FaultCode::SpawnError, n),
        ApiError::AlreadyStarted(n) => with(FaultCode::AlreadyStarted, n),
        ApiError::NotRunning(n) => with(FaultCode::NotRunning, n),
        ApiError::AlreadyAdded(n) => with(FaultCode::AlreadyAdded, n),
        ApiError::StillRunning(n) => with(FaultCode::StillRunning, n),
        ApiError::CantReread(msg) => with(FaultCode::CantReread, msg),
        ApiError::BadArguments => FaultCode::BadArguments.fault(),
        ApiError::ShuttingDown => FaultCode::ShutdownState.fault(),
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
