//! Process log methods: read, tail and clear.

use supervisor_xmlrpc::Value;

use super::faults::{fault_of, statuses};
use super::{Args, RpcResult};
use crate::owner::{LogChannel, Owner};

/// The channel a method name is about (`…Stderr…` or stdout).
fn channel_of(method: &str) -> LogChannel {
    if method.contains("Stderr") {
        LogChannel::Stderr
    } else {
        LogChannel::Stdout
    }
}

/// Calls one of this family's `supervisor.<method>`s.
pub async fn call(owner: &Owner, method: &str, mut a: Args) -> RpcResult {
    match method {
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            owner
                .read_log(&name, channel_of(method), offset, length)
                .await
                .map(|bytes| Value::string_lossy(&bytes))
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            owner
                .tail_log(&name, channel_of(method), offset, length)
                .await
                .map(|tail| {
                    Value::Array(vec![
                        Value::string_lossy(&tail.data),
                        Value::int(tail.offset),
                        tail.overflow.into(),
                    ])
                })
        }
        "clearProcessLogs" | "clearProcessLog" => {
            let name = a.string()?;
            owner.clear_logs(&name).await.map(|()| true.into())
        }
        "clearAllProcessLogs" => owner.clear_all_logs().await.map(|r| statuses(&r)),
        _ => return Err(supervisor_xmlrpc::FaultCode::UnknownMethod.fault()),
    }
    .map_err(fault_of)
}
