//! The daemon's own methods: versions, identification, state, pid, its log, shutdown and
//! restart.

use supervisor_xmlrpc::{Struct, Value};

use super::faults::fault_of;
use super::{Args, RpcResult};
use crate::owner::Owner;

/// Supervisor's API version (`getAPIVersion`).
pub const API_VERSION: &str = "3.0";

/// Calls one of this family's `supervisor.<method>`s.
pub async fn call(owner: &Owner, method: &str, mut a: Args) -> RpcResult {
    match method {
        "getAPIVersion" | "getVersion" => owner.check().await.map(|()| API_VERSION.into()),
        "getSupervisorVersion" => owner.check().await.map(|()| crate::options::VERSION.into()),
        "getIdentification" => owner.state().await.map(|st| st.identification.into()),
        "getState" => owner.state().await.map(|st| {
            let mut s = Struct::with_capacity(2);
            s.push("statecode", st.mood.code());
            s.push("statename", st.mood.name());
            Value::Struct(s)
        }),
        "getPID" => owner.state().await.map(|st| Value::int(i64::from(st.pid))),
        "readLog" | "readMainLog" => {
            let (offset, length) = (a.int()?, a.int()?);
            owner
                .read_main_log(offset, length)
                .await
                .map(|bytes| Value::string_lossy(&bytes))
        }
        "clearLog" => owner.clear_main_log().await.map(|()| true.into()),
        "shutdown" => owner.shutdown().await.map(|()| true.into()),
        // An invalid config on disk keeps the daemon running on the old one (fix Q4); the
        // client learns why instead of the daemon exiting.
        "restart" => owner.restart().await.map(|()| true.into()),
        _ => return Err(supervisor_xmlrpc::FaultCode::UnknownMethod.fault()),
    }
    .map_err(fault_of)
}
