//! The `system.*` namespace (introspection and multicall) and the table of every method.

use supervisor_xmlrpc::{FaultCode, Value};

use super::{call_method, Args, RpcResult};
use crate::owner::Owner;

/// One method of the API: its name, XML-RPC signature (return type first) with parameter
/// names, and what it does.
pub struct MethodDoc {
    /// `namespace.method`.
    pub name: &'static str,
    signature: &'static [(&'static str, &'static str)],
    /// How many trailing parameters may be left out (`wait`).
    optional: usize,
    doc: &'static str,
}

impl MethodDoc {
    /// The fewest parameters a call may pass.
    pub fn min_params(&self) -> usize {
        self.max_params() - self.optional
    }

    /// The most parameters a call may pass.
    pub fn max_params(&self) -> usize {
        self.signature.len() - 1
    }
}

macro_rules! m {
    ($name:literal, [$(($t:literal, $p:literal)),*], $doc:literal) => {
        MethodDoc { name: $name, signature: &[$(($t, $p)),*], optional: 0, doc: $doc }
    };
    ($name:literal, [$(($t:literal, $p:literal)),*], optional $n:literal, $doc:literal) => {
        MethodDoc { name: $name, signature: &[$(($t, $p)),*], optional: $n, doc: $doc }
    };
}

/// Every callable method, sorted by name (what `system.listMethods` returns).
pub const METHODS: &[MethodDoc] = &[
    m!("supervisor.addProcessGroup", [("boolean", "result"), ("string", "name")], "Update the config for a running process from config file."),
    m!("supervisor.clearAllProcessLogs", [("array", "result")], "Clear all process log files"),
    m!("supervisor.clearLog", [("boolean", "result")], "Clear the main log."),
    m!("supervisor.clearProcessLog", [("boolean", "result"), ("string", "name")], "Clear the stdout and stderr logs for the named process and reopen them."),
    m!("supervisor.clearProcessLogs", [("boolean", "result"), ("string", "name")], "Clear the stdout and stderr logs for the named process and reopen them."),
    m!("supervisor.getAPIVersion", [("string", "version")], "Return the version of the RPC API used by supervisord"),
    m!("supervisor.getAllConfigInfo", [("array", "result")], "Get info about all available process configurations. Each struct represents a single process (i.e. groups get flattened)."),
    m!("supervisor.getAllProcessInfo", [("array", "result")], "Get info about all processes"),
    m!("supervisor.getIdentification", [("string", "identifier")], "Return identifying string of supervisord"),
    m!("supervisor.getPID", [("int", "PID")], "Return the PID of supervisord"),
    m!("supervisor.getProcessInfo", [("struct", "result"), ("string", "name")], "Get info about a process named name"),
    m!("supervisor.getState", [("struct", "result")], "Return current state of supervisord as a struct"),
    m!("supervisor.getSupervisorVersion", [("string", "version")], "Return the version of the supervisor package in use by supervisord"),
    m!("supervisor.getVersion", [("string", "version")], "Return the version of the RPC API used by supervisord"),
    m!("supervisor.readLog", [("string", "result"), ("int", "offset"), ("int", "length")], "Read length bytes from the main log starting at offset"),
    m!("supervisor.readMainLog", [("string", "result"), ("int", "offset"), ("int", "length")], "Read length bytes from the main log starting at offset"),
    m!("supervisor.readProcessLog", [("string", "bytes"), ("string", "name"), ("int", "offset"), ("int", "length")], "Read length bytes from name's stdout log starting at offset"),
    m!("supervisor.readProcessStderrLog", [("string", "bytes"), ("string", "name"), ("int", "offset"), ("int", "length")], "Read length bytes from name's stderr log starting at offset"),
    m!("supervisor.readProcessStdoutLog", [("string", "bytes"), ("string", "name"), ("int", "offset"), ("int", "length")], "Read length bytes from name's stdout log starting at offset"),
    m!("supervisor.reloadConfig", [("array", "result")], "Reload the configuration."),
    m!("supervisor.removeProcessGroup", [("boolean", "result"), ("string", "name")], "Remove a stopped process from the active configuration."),
    m!("supervisor.restart", [("boolean", "result")], "Restart the supervisor process"),
    m!("supervisor.sendProcessStdin", [("boolean", "result"), ("string", "name"), ("string", "chars")], "Send a string of chars to the stdin of the process name."),
    m!("supervisor.sendRemoteCommEvent", [("boolean", "result"), ("string", "type"), ("string", "data")], "Send an event that will be received by event listener subprocesses subscribing to the RemoteCommunicationEvent."),
    m!("supervisor.shutdown", [("boolean", "result")], "Shut down the supervisor process"),
    m!("supervisor.signalAllProcesses", [("array", "result"), ("string", "signal")], "Send a signal to all processes in the process list"),
    m!("supervisor.signalProcess", [("boolean", "result"), ("string", "name"), ("string", "signal")], "Send an arbitrary UNIX signal to the process named by name"),
    m!("supervisor.signalProcessGroup", [("array", "result"), ("string", "name"), ("string", "signal")], "Send a signal to all processes in the group named 'name'"),
    m!("supervisor.startAllProcesses", [("array", "result"), ("boolean", "wait")], optional 1, "Start all processes listed in the configuration file"),
    m!("supervisor.startProcess", [("boolean", "result"), ("string", "name"), ("boolean", "wait")], optional 1, "Start a process"),
    m!("supervisor.startProcessGroup", [("array", "result"), ("string", "name"), ("boolean", "wait")], optional 1, "Start all processes in the group named 'name'"),
    m!("supervisor.stopAllProcesses", [("array", "result"), ("boolean", "wait")], optional 1, "Stop all processes in the process list"),
    m!("supervisor.stopProcess", [("boolean", "result"), ("string", "name"), ("boolean", "wait")], optional 1, "Stop a process named by name"),
    m!("supervisor.stopProcessGroup", [("array", "result"), ("string", "name"), ("boolean", "wait")], optional 1, "Stop all processes in the process group named 'name'"),
    m!("supervisor.tailProcessLog", [("array", "result"), ("string", "name"), ("int", "offset"), ("int", "length")], "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog()."),
    m!("supervisor.tailProcessStderrLog", [("array", "result"), ("string", "name"), ("int", "offset"), ("int", "length")], "Provides a more efficient way to tail the (stderr) log than readProcessStderrLog()."),
    m!("supervisor.tailProcessStdoutLog", [("array", "result"), ("string", "name"), ("int", "offset"), ("int", "length")], "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog()."),
    m!("system.listMethods", [("array", "result")], "Return an array listing the available method names"),
    m!("system.methodHelp", [("string", "result"), ("string", "name")], "Return a string showing the method's documentation"),
    m!("system.methodSignature", [("array", "result"), ("string", "name")], "Return an array describing the method signature in the form [rtype, ptype, ptype...] where rtype is the return data type of the method, and ptypes are the parameter data types that the method accepts in method argument order."),
    m!("system.multicall", [("array", "results"), ("array", "calls")], "Process an array of calls, and return an array of results. Calls should be structs of the form {'methodName': string, 'params': array}. Each result will either be a single-item array containing the result value, or a struct of the form {'faultCode': int, 'faultString': string}. This is useful when you need to make lots of small calls without lots of round trips."),
];

/// The method called `name` (`namespace.method`), if it exists and is public.
pub fn find(name: &str) -> Option<&'static MethodDoc> {
    METHODS.iter().find(|m| m.name == name)
}

/// The docstring `methodHelp` returns: the summary, then javadoc-style tags.
fn help_text(m: &MethodDoc) -> String {
    let mut out = format!("{}\n", m.doc);
    for (ty, name) in &m.signature[1..] {
        out.push_str(&format!("\n        @param {ty} {name}"));
    }
    let (ty, name) = m.signature[0];
    out.push_str(&format!("\n        @return {ty} {name}\n        "));
    out
}

/// Calls `system.<method>`; the caller has checked that the method exists and the number of
/// arguments fits. These never fault `SHUTDOWN_STATE` (Supervisor's `system` namespace has
/// no mood check).
pub async fn call(owner: &Owner, method: &str, mut a: Args) -> RpcResult {
    match method {
        "listMethods" => Ok(Value::Array(
            METHODS.iter().map(|m| Value::from(m.name)).collect(),
        )),
        "methodHelp" => {
            let name = a.value()?;
            name.as_str()
                .and_then(find)
                .map(|m| Value::from(help_text(m)))
                .ok_or_else(|| FaultCode::SignatureUnsupported.fault())
        }
        "methodSignature" => {
            let name = a.value()?;
            let m = name
                .as_str()
                .and_then(find)
                .ok_or_else(|| FaultCode::SignatureUnsupported.fault())?;
            Ok(Value::Array(
                m.signature.iter().map(|(t, _)| Value::from(*t)).collect(),
            ))
        }
        "multicall" => {
            let Value::Array(calls) = a.value()? else {
                return Err(FaultCode::IncorrectParameters.fault());
            };
            let mut results = Vec::with_capacity(calls.len());
            for c in calls {
                // Sequential: a call that waits (startProcess) finishes before the next
                // starts. Results are bare values, not one-element arrays (Q37, copied).
                let result = match multicall_one(owner, c).await {
                    Ok(v) => v,
                    Err(f) => f.to_value(),
                };
                results.push(result);
            }
            Ok(Value::Array(results))
        }
        _ => Err(FaultCode::UnknownMethod.fault()),
    }
}

async fn multicall_one(owner: &Owner, call: Value) -> RpcResult {
    let Value::Struct(call) = call else {
        return Err(FaultCode::IncorrectParameters.fault());
    };
    let name = match call.get("methodName") {
        None | Some(Value::Nil) => {
            return Err(FaultCode::IncorrectParameters.with_detail("No methodName"))
        }
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(FaultCode::UnknownMethod.fault()),
    };
    if name == "system.multicall" {
        return Err(
            FaultCode::IncorrectParameters.with_detail("Recursive system.multicall forbidden")
        );
    }
    let params = match call.get("params") {
        None => Vec::new(),
        Some(Value::Array(p)) => p.clone(),
        Some(_) => return Err(FaultCode::IncorrectParameters.fault()),
    };
    // Boxed: multicall → call_method → multicall is recursive in the type system (not at run
    // time: nested multicalls are refused above).
    Box::pin(call_method(owner, &name, params)).await
}
