//! Process methods: info, start, stop, signals, stdin and remote events.

use supervisor_xmlrpc::{FaultCode, Value};

use super::args::{py_str, signal};
use super::faults::{applied, fault_of, statuses};
use super::info::{all_process_info, process_info, write_all_process_info};
use super::{Args, RpcResult};
use crate::owner::{ApiError, Owner};

/// The whole `getAllProcessInfo` response, encoded on the owner straight into bytes: no
/// value tree, one buffer (the hot path of every status poll).
pub async fn all_process_info_xml(owner: &Owner) -> Result<Vec<u8>, ApiError> {
    owner.with_processes(write_all_process_info).await
}

/// Calls one of this family's `supervisor.<method>`s.
pub async fn call(owner: &Owner, method: &str, mut a: Args) -> RpcResult {
    match method {
        "getProcessInfo" => {
            let name = a.string()?;
            owner.process(&name, process_info).await
        }
        // A top-level call takes the streaming path (`all_process_info_xml`); this one is
        // for `system.multicall`.
        "getAllProcessInfo" => owner.with_processes(all_process_info).await,
        "startProcess" => {
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            owner.start_process(&name, wait).await.map(applied)
        }
        "stopProcess" => {
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            owner.stop_process(&name, wait).await.map(applied)
        }
        "startProcessGroup" => {
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            owner.start_group(&name, wait).await.map(|r| statuses(&r))
        }
        "stopProcessGroup" => {
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            owner.stop_group(&name, wait).await.map(|r| statuses(&r))
        }
        "startAllProcesses" => {
            let wait = a.opt_bool(true)?;
            owner.start_all(wait).await.map(|r| statuses(&r))
        }
        "stopAllProcesses" => {
            let wait = a.opt_bool(true)?;
            owner.stop_all(wait).await.map(|r| statuses(&r))
        }
        "signalProcess" => {
            let name = a.string()?;
            let sig = signal(&a.value()?);
            owner.signal_process(&name, sig).await.map(applied)
        }
        "signalProcessGroup" => {
            let name = a.string()?;
            let sig = signal(&a.value()?);
            owner.signal_group(&name, sig).await.map(|r| statuses(&r))
        }
        "signalAllProcesses" => {
            let sig = signal(&a.value()?);
            owner.signal_all(sig).await.map(|r| statuses(&r))
        }
        "sendProcessStdin" => {
            let name = a.string()?;
            let chars = a.value()?;
            // Python checks the mood, then the type, then the name (`INCORRECT_PARAMETERS: 5`).
            let Value::String(chars) = chars else {
                owner.check().await.map_err(fault_of)?;
                return Err(FaultCode::IncorrectParameters.with_detail(py_str(&chars)));
            };
            owner
                .send_stdin(&name, chars.into_bytes())
                .await
                .map(|()| true.into())
        }
        "sendRemoteCommEvent" => {
            let kind = py_str(&a.value()?);
            let data = py_str(&a.value()?);
            // Never refused for the mood (Supervisor skips `_update` here).
            owner.remote_event(kind, data).await.map(|()| true.into())
        }
        _ => return Err(FaultCode::UnknownMethod.fault()),
    }
    .map_err(fault_of)
}
