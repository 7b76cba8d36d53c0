//! The XML-RPC endpoint: decoding `/RPC2` request bodies, dispatching `supervisor.*` and
//! `system.*` methods, and encoding replies exactly as Supervisor does. It knows nothing of
//! HTTP: it takes a body and gives back bytes (`crate::http` owns requests and responses).
//!
//! A call is checked in Python's order: the method must exist (`UNKNOWN_METHOD`), the number
//! of arguments must fit (`INCORRECT_PARAMETERS`), then the method converts its arguments and
//! calls the owner's typed API ([`Owner`]), whose mood check gives `SHUTDOWN_STATE`. Methods
//! are grouped by family (`daemon`, `processes`, `logs`, `config`, `system`, and `twiddler`
//! when the config asks for it: `namespaces.rs`); each only converts XML-RPC values to a typed
//! call and the typed result back (`faults.rs`, `info.rs`).
//! Argument problems are `INCORRECT_PARAMETERS` faults, never HTTP 500s (fix Q31).

mod args;
mod config;
mod daemon;
mod faults;
mod info;
mod logs;
mod namespaces;
mod processes;
mod system;
mod twiddler;

use supervisor_xmlrpc::{
    decode_call, encode_fault, encode_response, DecodeErrorKind, Fault, FaultCode, Value,
};

use crate::logs::daemon_log;
use crate::owner::Owner;
use supervisor_core::LogLevel;

pub use args::Args;
pub use daemon::API_VERSION;
pub use faults::{fault_code, fault_of};
use namespaces::Family;
pub use namespaces::Namespaces;

/// The result of one method call.
pub type RpcResult = Result<Value, Fault>;

/// The most request data quoted in a log line about an invalid request.
const LOGGED_DATA_MAX: usize = 512;

/// The answer to one `/RPC2` body.
#[derive(Debug)]
pub struct Reply {
    /// The XML response (a value or a fault).
    pub body: Vec<u8>,
    /// The connection should be closed after it: the owner that answered has stopped (a
    /// reload), so the client must reconnect to the new one.
    pub close: bool,
}

/// The body is not an XML-RPC call (HTTP 400); the reason is already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotACall;

/// Handles one `/RPC2` POST body, for a config serving `ns`.
pub async fn handle(owner: &Owner, ns: &Namespaces, body: &[u8]) -> Result<Reply, NotACall> {
    let call = match decode_call(body) {
        Ok(call) => call,
        Err(err) => {
            let why = match err.kind() {
                DecodeErrorKind::NoMethodName => "no method name",
                _ => "unmarshallable",
            };
            let data = String::from_utf8_lossy(&body[..body.len().min(LOGGED_DATA_MAX)]);
            daemon_log::log(
                LogLevel::Error,
                &format!("XML-RPC request data {data:?} is invalid: {why}"),
            );
            return Err(NotACall);
        }
    };
    crate::daemon_log!(LogLevel::Trace, "XML-RPC method called: {}()", call.name);
    let result = if call.name == "supervisor.getAllProcessInfo" && call.params.is_empty() {
        // The status poll of every client: encoded on the owner without a value tree.
        processes::all_process_info_xml(owner)
            .await
            .map_err(faults::fault_of)
    } else {
        call_method(owner, ns, &call.name, call.params)
            .await
            .map(|v| encode_response(&v))
    };
    let (body, shutting_down) = match result {
        Ok(bytes) => {
            crate::daemon_log!(
                LogLevel::Trace,
                "XML-RPC method {}() returned successfully",
                call.name
            );
            (bytes, false)
        }
        Err(fault) => {
            crate::daemon_log!(
                LogLevel::Trace,
                "XML-RPC method {}() returned fault: [{}] {}",
                call.name,
                fault.code,
                fault.string
            );
            let shutting_down = fault.code == FaultCode::ShutdownState.code();
            (encode_fault(&fault), shutting_down)
        }
    };
    let close = shutting_down && owner.is_gone().await;
    Ok(Reply { body, close })
}

/// Dispatches one call by name (used directly and by `system.multicall`).
async fn call_method(owner: &Owner, ns: &Namespaces, name: &str, params: Vec<Value>) -> RpcResult {
    let Some((family, doc)) = ns.find(name) else {
        return Err(FaultCode::UnknownMethod.fault());
    };
    let args = Args::new(params);
    args.arity(doc.min_params(), doc.max_params())?;
    let method = name.split_once('.').map_or(name, |(_, m)| m);
    match family {
        Family::System => system::call(owner, ns, method, args).await,
        Family::Twiddler(tw) => twiddler::call(owner, tw, method, args).await,
        Family::Supervisor => match method {
            "getAPIVersion"
            | "getVersion"
            | "getSupervisorVersion"
            | "getIdentification"
            | "getState"
            | "getPID"
            | "readLog"
            | "readMainLog"
            | "clearLog"
            | "shutdown"
            | "restart" => daemon::call(owner, method, args).await,
            "reloadConfig" | "addProcessGroup" | "removeProcessGroup" | "getAllConfigInfo" => {
                config::call(owner, method, args).await
            }
            "readProcessStdoutLog"
            | "readProcessLog"
            | "readProcessStderrLog"
            | "tailProcessStdoutLog"
            | "tailProcessLog"
            | "tailProcessStderrLog"
            | "clearProcessLogs"
            | "clearProcessLog"
            | "clearAllProcessLogs" => logs::call(owner, method, args).await,
            _ => processes::call(owner, method, args).await,
        },
    }
}

/// Every `supervisor.*` and `system.*` method name, sorted (what `system.listMethods` returns
/// without other namespaces).
pub fn method_names() -> impl Iterator<Item = &'static str> {
    system::METHODS.iter().map(|m| m.name)
}
