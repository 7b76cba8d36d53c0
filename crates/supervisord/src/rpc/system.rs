//! The `system.*` namespace (introspection and multicall) and the table of every method.

use supervisor_xmlrpc::{FaultCode, Value};

use super::{call_method, Args, Namespaces, RpcResult};
use crate::owner::Owner;

/// One method of the API: its name, XML-RPC signature (return type first) and help text.
pub struct MethodDoc {
    /// `namespace.method` (for a namespace named by the config, just `method`).
    pub name: &'static str,
    /// The types `system.methodSignature` returns: the result's, then each parameter's.
    signature: &'static [&'static str],
    /// How many trailing parameters may be left out (`wait`).
    optional: usize,
    /// What `system.methodHelp` returns: Supervisor's docstring for the method, verbatim
    /// (its leading space and indentation included).
    help: &'static str,
}

impl MethodDoc {
    /// A method's description: `signature` is the result's type then each parameter's, of
    /// which the last `optional` may be left out.
    pub const fn new(
        name: &'static str,
        signature: &'static [&'static str],
        optional: usize,
        help: &'static str,
    ) -> MethodDoc {
        MethodDoc {
            name,
            signature,
            optional,
            help,
        }
    }

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
    ($name:literal, [$($t:literal),*], $help:expr) => {
        MethodDoc { name: $name, signature: &[$($t),*], optional: 0, help: $help }
    };
    ($name:literal, [$($t:literal),*], optional $n:literal, $help:expr) => {
        MethodDoc { name: $name, signature: &[$($t),*], optional: $n, help: $help }
    };
}

/// Supervisor's docstring of `clearProcessLogs`, which its alias `clearProcessLog` shares.
const CLEAR_PROCESS_LOGS: &str = r#" Clear the stdout and stderr logs for the named process and
        reopen them.

        @param string name   The name of the process (or 'group:name')
        @return boolean result      Always True unless error
        "#;

/// Supervisor's docstring of `getAPIVersion`, which its alias `getVersion` shares.
const GET_API_VERSION: &str = r#" Return the version of the RPC API used by supervisord

        @return string version id
        "#;

/// Supervisor's docstring of `readLog`, which its alias `readMainLog` shares.
const READ_MAIN_LOG: &str = r#" Read length bytes from the main log starting at offset

        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#;

/// Supervisor's docstring of `readProcessStdoutLog`, which its alias `readProcessLog` shares.
const READ_STDOUT_LOG: &str = r#" Read length bytes from name's stdout log starting at offset

        @param string name        the name of the process (or 'group:name')
        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#;

/// Supervisor's docstring of `tailProcessStdoutLog`, which its alias `tailProcessLog` shares.
const TAIL_STDOUT_LOG: &str = r#"
        Provides a more efficient way to tail the (stdout) log than
        readProcessStdoutLog().  Use readProcessStdoutLog() to read
        chunks and tailProcessStdoutLog() to tail.

        Requests (length) bytes from the (name)'s log, starting at
        (offset).  If the total log size is greater than (offset +
        length), the overflow flag is set and the (offset) is
        automatically increased to position the buffer at the end of
        the log.  If less than (length) bytes are available, the
        maximum number of available bytes will be returned.  (offset)
        returned is always the last offset in the log +1.

        @param string name         the name of the process (or 'group:name')
        @param int offset          offset to start reading from
        @param int length          maximum number of bytes to return
        @return array result       [string bytes, int offset, bool overflow]
        "#;

/// Every callable method, sorted by name (what `system.listMethods` returns).
pub const METHODS: &[MethodDoc] = &[
    m!(
        "supervisor.addProcessGroup",
        ["boolean", "string"],
        r#" Update the config for a running process from config file.

        @param string name         name of process group to add
        @return boolean result     true if successful
        "#
    ),
    m!(
        "supervisor.clearAllProcessLogs",
        ["array"],
        r#" Clear all process log files

        @return array result   An array of process status info structs
        "#
    ),
    m!(
        "supervisor.clearLog",
        ["boolean"],
        r#" Clear the main log.

        @return boolean result always returns True unless error
        "#
    ),
    m!(
        "supervisor.clearProcessLog",
        ["boolean", "string"],
        CLEAR_PROCESS_LOGS
    ),
    m!(
        "supervisor.clearProcessLogs",
        ["boolean", "string"],
        CLEAR_PROCESS_LOGS
    ),
    m!("supervisor.getAPIVersion", ["string"], GET_API_VERSION),
    m!(
        "supervisor.getAllConfigInfo",
        ["array"],
        r#" Get info about all available process configurations. Each struct
        represents a single process (i.e. groups get flattened).

        @return array result  An array of process config info structs
        "#
    ),
    m!(
        "supervisor.getAllProcessInfo",
        ["array"],
        r#" Get info about all processes

        @return array result  An array of process status results
        "#
    ),
    m!(
        "supervisor.getIdentification",
        ["string"],
        r#" Return identifying string of supervisord

        @return string identifier identifying string
        "#
    ),
    m!(
        "supervisor.getPID",
        ["int"],
        r#" Return the PID of supervisord

        @return int PID
        "#
    ),
    m!(
        "supervisor.getProcessInfo",
        ["struct", "string"],
        r#" Get info about a process named name

        @param string name The name of the process (or 'group:name')
        @return struct result     A structure containing data about the process
        "#
    ),
    m!(
        "supervisor.getState",
        ["struct"],
        r#" Return current state of supervisord as a struct

        @return struct A struct with keys int statecode, string statename
        "#
    ),
    m!(
        "supervisor.getSupervisorVersion",
        ["string"],
        r#" Return the version of the supervisor package in use by supervisord

        @return string version id
        "#
    ),
    m!("supervisor.getVersion", ["string"], GET_API_VERSION),
    m!(
        "supervisor.readLog",
        ["string", "int", "int"],
        READ_MAIN_LOG
    ),
    m!(
        "supervisor.readMainLog",
        ["string", "int", "int"],
        READ_MAIN_LOG
    ),
    m!(
        "supervisor.readProcessLog",
        ["string", "string", "int", "int"],
        READ_STDOUT_LOG
    ),
    m!(
        "supervisor.readProcessStderrLog",
        ["string", "string", "int", "int"],
        r#" Read length bytes from name's stderr log starting at offset

        @param string name        the name of the process (or 'group:name')
        @param int offset         offset to start reading from.
        @param int length         number of bytes to read from the log.
        @return string result     Bytes of log
        "#
    ),
    m!(
        "supervisor.readProcessStdoutLog",
        ["string", "string", "int", "int"],
        READ_STDOUT_LOG
    ),
    m!(
        "supervisor.reloadConfig",
        ["array"],
        r#"
        Reload the configuration.

        The result contains three arrays containing names of process
        groups:

        * `added` gives the process groups that have been added
        * `changed` gives the process groups whose contents have
          changed
        * `removed` gives the process groups that are no longer
          in the configuration

        @return array result  [[added, changed, removed]]

        "#
    ),
    m!(
        "supervisor.removeProcessGroup",
        ["boolean", "string"],
        r#" Remove a stopped process from the active configuration.

        @param string name         name of process group to remove
        @return boolean result     Indicates whether the removal was successful
        "#
    ),
    m!(
        "supervisor.restart",
        ["boolean"],
        r#" Restart the supervisor process

        @return boolean result  always return True unless error
        "#
    ),
    m!(
        "supervisor.sendProcessStdin",
        ["boolean", "string", "string"],
        r#" Send a string of chars to the stdin of the process name.
        If non-7-bit data is sent (unicode), it is encoded to utf-8
        before being sent to the process' stdin.  If chars is not a
        string or is not unicode, raise INCORRECT_PARAMETERS.  If the
        process is not running, raise NOT_RUNNING.  If the process'
        stdin cannot accept input (e.g. it was closed by the child
        process), raise NO_FILE.

        @param string name        The process name to send to (or 'group:name')
        @param string chars       The character data to send to the process
        @return boolean result    Always return True unless error
        "#
    ),
    m!(
        "supervisor.sendRemoteCommEvent",
        ["boolean", "string", "string"],
        r#" Send an event that will be received by event listener
        subprocesses subscribing to the RemoteCommunicationEvent.

        @param  string  type  String for the "type" key in the event header
        @param  string  data  Data for the event body
        @return boolean       Always return True unless error
        "#
    ),
    m!(
        "supervisor.shutdown",
        ["boolean"],
        r#" Shut down the supervisor process

        @return boolean result always returns True unless error
        "#
    ),
    m!(
        "supervisor.signalAllProcesses",
        ["array", "string"],
        r#" Send a signal to all processes in the process list

        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return array         An array of process status info structs
        "#
    ),
    m!(
        "supervisor.signalProcess",
        ["boolean", "string", "string"],
        r#" Send an arbitrary UNIX signal to the process named by name

        @param string name    Name of the process to signal (or 'group:name')
        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return boolean
        "#
    ),
    m!(
        "supervisor.signalProcessGroup",
        ["array", "string", "string"],
        r#" Send a signal to all processes in the group named 'name'

        @param string name    The group name
        @param string signal  Signal to send, as name ('HUP') or number ('1')
        @return array
        "#
    ),
    m!("supervisor.startAllProcesses", ["array", "boolean"], optional 1, r#" Start all processes listed in the configuration file

        @param boolean wait    Wait for each process to be fully started
        @return array result   An array of process status info structs
        "#),
    m!("supervisor.startProcess", ["boolean", "string", "boolean"], optional 1, r#" Start a process

        @param string name Process name (or ``group:name``, or ``group:*``)
        @param boolean wait Wait for process to be fully started
        @return boolean result     Always true unless error

        "#),
    m!("supervisor.startProcessGroup", ["array", "string", "boolean"], optional 1, r#" Start all processes in the group named 'name'

        @param string name     The group name
        @param boolean wait    Wait for each process to be fully started
        @return array result   An array of process status info structs
        "#),
    m!("supervisor.stopAllProcesses", ["array", "boolean"], optional 1, r#" Stop all processes in the process list

        @param  boolean wait   Wait for each process to be fully stopped
        @return array result   An array of process status info structs
        "#),
    m!("supervisor.stopProcess", ["boolean", "string", "boolean"], optional 1, r#" Stop a process named by name

        @param string name  The name of the process to stop (or 'group:name')
        @param boolean wait        Wait for the process to be fully stopped
        @return boolean result     Always return True unless error
        "#),
    m!("supervisor.stopProcessGroup", ["array", "string", "boolean"], optional 1, r#" Stop all processes in the process group named 'name'

        @param string name     The group name
        @param boolean wait    Wait for each process to be fully stopped
        @return array result   An array of process status info structs
        "#),
    m!(
        "supervisor.tailProcessLog",
        ["array", "string", "int", "int"],
        TAIL_STDOUT_LOG
    ),
    m!(
        "supervisor.tailProcessStderrLog",
        ["array", "string", "int", "int"],
        r#"
        Provides a more efficient way to tail the (stderr) log than
        readProcessStderrLog().  Use readProcessStderrLog() to read
        chunks and tailProcessStderrLog() to tail.

        Requests (length) bytes from the (name)'s log, starting at
        (offset).  If the total log size is greater than (offset +
        length), the overflow flag is set and the (offset) is
        automatically increased to position the buffer at the end of
        the log.  If less than (length) bytes are available, the
        maximum number of available bytes will be returned.  (offset)
        returned is always the last offset in the log +1.

        @param string name         the name of the process (or 'group:name')
        @param int offset          offset to start reading from
        @param int length          maximum number of bytes to return
        @return array result       [string bytes, int offset, bool overflow]
        "#
    ),
    m!(
        "supervisor.tailProcessStdoutLog",
        ["array", "string", "int", "int"],
        TAIL_STDOUT_LOG
    ),
    m!(
        "system.listMethods",
        ["array"],
        r#" Return an array listing the available method names

        @return array result  An array of method names available (strings).
        "#
    ),
    m!(
        "system.methodHelp",
        ["string", "string"],
        r#" Return a string showing the method's documentation

        @param string name   The name of the method.
        @return string result The documentation for the method name.
        "#
    ),
    m!(
        "system.methodSignature",
        ["array", "string"],
        r#" Return an array describing the method signature in the
        form [rtype, ptype, ptype...] where rtype is the return data type
        of the method, and ptypes are the parameter data types that the
        method accepts in method argument order.

        @param string name  The name of the method.
        @return array result  The result.
        "#
    ),
    m!(
        "system.multicall",
        ["array", "array"],
        r#"Process an array of calls, and return an array of
        results. Calls should be structs of the form {'methodName':
        string, 'params': array}. Each result will either be a
        single-item array containing the result value, or a struct of
        the form {'faultCode': int, 'faultString': string}. This is
        useful when you need to make lots of small calls without lots
        of round trips.

        @param array calls  An array of call requests
        @return array result  An array of results
        "#
    ),
];

/// The method called `name` (`supervisor.x` or `system.x`), if it exists and is public.
pub fn find(name: &str) -> Option<&'static MethodDoc> {
    METHODS.iter().find(|m| m.name == name)
}

/// Calls `system.<method>`; the caller has checked that the method exists and the number of
/// arguments fits. These never fault `SHUTDOWN_STATE` (Supervisor's `system` namespace has
/// no mood check).
pub async fn call(owner: &Owner, ns: &Namespaces, method: &str, mut a: Args) -> RpcResult {
    match method {
        "listMethods" => Ok(Value::Array(
            ns.method_names().into_iter().map(Value::from).collect(),
        )),
        "methodHelp" => {
            let name = a.value()?;
            name.as_str()
                .and_then(|n| ns.find(n))
                .map(|(_, m)| Value::from(m.help))
                .ok_or_else(|| FaultCode::SignatureUnsupported.fault())
        }
        "methodSignature" => {
            let name = a.value()?;
            let (_, m) = name
                .as_str()
                .and_then(|n| ns.find(n))
                .ok_or_else(|| FaultCode::SignatureUnsupported.fault())?;
            Ok(Value::Array(
                m.signature.iter().map(|t| Value::from(*t)).collect(),
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
                let result = match multicall_one(owner, ns, c).await {
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

async fn multicall_one(owner: &Owner, ns: &Namespaces, call: Value) -> RpcResult {
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
    Box::pin(call_method(owner, ns, &name, params)).await
}
