//! The XML-RPC client: Supervisor's `supervisor.*` methods as typed Rust calls.
//!
//! Errors keep the distinctions supervisorctl's output depends on: a fault (code and string), an
//! HTTP error status (Python's `ProtocolError`, e.g. 401), a socket error with its errno
//! (refused, missing socket file), and everything else. [`RpcError::python_exception`] renders
//! each one as the `<class '…'>, value` pair Python prints for an unexpected exception.

use std::io;

use supervisor_xmlrpc::{decode_response, encode_call, ResponseError, Struct, Value};
use thiserror::Error;

use crate::transport::{Endpoint, RpcConnection, TransportError, UnknownProtocol};
use supervisor_core::pystr::py_repr;

/// Supervisor's fault codes used by the client.
pub mod faults {
    /// `UNKNOWN_METHOD`.
    pub const UNKNOWN_METHOD: i32 = 1;
    /// `SHUTDOWN_STATE`.
    pub const SHUTDOWN_STATE: i32 = 6;
    /// `BAD_NAME`.
    pub const BAD_NAME: i32 = 10;
    /// `BAD_SIGNAL`.
    pub const BAD_SIGNAL: i32 = 11;
    /// `NO_FILE`.
    pub const NO_FILE: i32 = 20;
    /// `NOT_EXECUTABLE`.
    pub const NOT_EXECUTABLE: i32 = 21;
    /// `FAILED`.
    pub const FAILED: i32 = 30;
    /// `ABNORMAL_TERMINATION`.
    pub const ABNORMAL_TERMINATION: i32 = 40;
    /// `SPAWN_ERROR`.
    pub const SPAWN_ERROR: i32 = 50;
    /// `ALREADY_STARTED`.
    pub const ALREADY_STARTED: i32 = 60;
    /// `NOT_RUNNING`.
    pub const NOT_RUNNING: i32 = 70;
    /// `SUCCESS`.
    pub const SUCCESS: i32 = 80;
    /// `ALREADY_ADDED`.
    pub const ALREADY_ADDED: i32 = 90;
    /// `STILL_RUNNING`.
    pub const STILL_RUNNING: i32 = 91;
    /// `CANT_REREAD`.
    pub const CANT_REREAD: i32 = 92;
}

/// Why an RPC call failed.
#[derive(Debug, Error)]
pub enum RpcError {
    /// The server answered with an XML-RPC fault.
    #[error("<Fault {code}: {}>", py_repr(.string))]
    Fault {
        /// `faultCode`.
        code: i32,
        /// `faultString`.
        string: String,
    },
    /// The server answered with an HTTP status other than 200.
    #[error("<ProtocolError for 127.0.0.1/RPC2: {status} {reason}>")]
    Protocol {
        /// HTTP status code.
        status: u16,
        /// Reason phrase.
        reason: String,
    },
    /// The HTTP exchange failed (connect, read, write).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server URL has an unsupported scheme.
    #[error(transparent)]
    UnknownProtocol(#[from] UnknownProtocol),
    /// The response body was not a valid XML-RPC response.
    #[error("{0}")]
    BadResponse(String),
    /// The response had an unexpected shape (e.g. a string where an int was expected).
    #[error("unexpected response to {method}: {detail}")]
    Shape {
        /// The method called.
        method: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl RpcError {
    /// The fault code, if this is a fault.
    pub fn fault_code(&self) -> Option<i32> {
        match self {
            RpcError::Fault { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The errno of a failed connect, if that is what happened.
    pub fn connect_errno(&self) -> Option<i32> {
        match self {
            RpcError::Transport(TransportError::Connect(e)) => e.raw_os_error(),
            _ => None,
        }
    }

    /// Whether the user interrupted the call with Ctrl-C.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, RpcError::Transport(TransportError::Interrupted))
    }

    /// The exception class and value Python's supervisorctl would print for this error.
    pub fn python_exception(&self) -> (String, String) {
        match self {
            RpcError::Fault { .. } => ("xmlrpc.client.Fault".into(), self.to_string()),
            RpcError::Protocol { .. } => ("xmlrpc.client.ProtocolError".into(), self.to_string()),
            RpcError::UnknownProtocol(e) => ("ValueError".into(), e.to_string()),
            RpcError::Transport(t) => transport_exception(t),
            RpcError::BadResponse(m) => ("xml.parsers.expat.ExpatError".into(), m.clone()),
            RpcError::Shape { .. } => ("TypeError".into(), self.to_string()),
        }
    }
}

/// Python's exception for a transport failure.
pub fn transport_exception(t: &TransportError) -> (String, String) {
    match t {
        TransportError::Resolve(e) => {
            let msg = e.to_string();
            let msg = msg
                .strip_prefix("failed to lookup address information: ")
                .unwrap_or(&msg)
                .to_string();
            let errno = if msg.contains("Temporary failure") {
                -3
            } else {
                -2
            };
            ("socket.gaierror".into(), format!("[Errno {errno}] {msg}"))
        }
        TransportError::Connect(e) | TransportError::Io(e) => os_exception(e),
        TransportError::RemoteDisconnected => (
            "http.client.RemoteDisconnected".into(),
            "Remote end closed connection without response".into(),
        ),
        TransportError::BadResponse(m) => ("http.client.BadStatusLine".into(), py_repr(m)),
        TransportError::Interrupted => ("KeyboardInterrupt".into(), String::new()),
    }
}

/// Python's `OSError` subclass and `[Errno N] message` for an I/O error.
pub fn os_exception(e: &io::Error) -> (String, String) {
    let Some(errno) = e.raw_os_error() else {
        return ("OSError".into(), e.to_string());
    };
    let class = match errno {
        nix::libc::ECONNREFUSED => "ConnectionRefusedError",
        nix::libc::ENOENT => "FileNotFoundError",
        nix::libc::EACCES | nix::libc::EPERM => "PermissionError",
        nix::libc::ECONNRESET => "ConnectionResetError",
        nix::libc::ECONNABORTED => "ConnectionAbortedError",
        nix::libc::EPIPE => "BrokenPipeError",
        nix::libc::ETIMEDOUT => "TimeoutError",
        nix::libc::ENOTDIR => "NotADirectoryError",
        _ => "OSError",
    };
    (class.into(), format!("[Errno {errno}] {}", strerror(errno)))
}

/// The C library's message for `errno` (what Python shows after `[Errno N]`).
pub fn strerror(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// One entry of `getAllProcessInfo` / `getProcessInfo`, reduced to what the client shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Process name.
    pub name: String,
    /// Group name.
    pub group: String,
    /// State code (20 = RUNNING, ...).
    pub state: i64,
    /// State name.
    pub statename: String,
    /// Human description (`pid 123, uptime 0:00:05`).
    pub description: String,
    /// Pid, 0 if not running.
    pub pid: i64,
}

/// A per-process result of a group or all-processes operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResult {
    /// Process name (`None` only for results the client builds from a group-form fault).
    pub name: Option<String>,
    /// Group name.
    pub group: String,
    /// Fault code or 80 (`SUCCESS`).
    pub status: i32,
    /// `OK` or the fault string.
    pub description: String,
}

/// One entry of `getAllConfigInfo`, reduced to what `avail` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigInfo {
    /// Process name.
    pub name: String,
    /// Group name.
    pub group: String,
    /// Whether the group is active.
    pub inuse: bool,
    /// Whether the process autostarts.
    pub autostart: bool,
    /// Group priority, as Python's `str()` renders it.
    pub group_prio: String,
    /// Process priority, as Python's `str()` renders it.
    pub process_prio: String,
}

/// The three lists `reloadConfig` reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigChanges {
    /// Groups added to the configuration.
    pub added: Vec<String>,
    /// Groups whose configuration changed.
    pub changed: Vec<String>,
    /// Groups removed from the configuration.
    pub removed: Vec<String>,
}

/// A connection to one supervisord, with its credentials.
#[derive(Debug)]
pub struct Client {
    conn: Result<RpcConnection, UnknownProtocol>,
}

fn shape(method: &'static str, detail: impl Into<String>) -> RpcError {
    RpcError::Shape {
        method,
        detail: detail.into(),
    }
}

fn get<'a>(s: &'a Struct, key: &str, method: &'static str) -> Result<&'a Value, RpcError> {
    s.get(key)
        .ok_or_else(|| shape(method, format!("missing {key}")))
}

fn get_str(s: &Struct, key: &str, method: &'static str) -> Result<String, RpcError> {
    Ok(py_str(get(s, key, method)?))
}

fn get_int(s: &Struct, key: &str, method: &'static str) -> Result<i64, RpcError> {
    let v = get(s, key, method)?;
    v.as_i64()
        .or_else(|| v.as_bool().map(i64::from))
        .ok_or_else(|| shape(method, format!("{key} is not an int")))
}

/// Python's `str()` of a decoded XML-RPC value, for the few places output interpolates one.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::I8(i) => i.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::String(s) => s.clone(),
        Value::Nil => "None".to_string(),
        Value::Double(d) => {
            if d.fract() == 0.0 && d.is_finite() {
                format!("{d:.1}")
            } else {
                d.to_string()
            }
        }
        other => v_fallback(other),
    }
}

fn v_fallback(v: &Value) -> String {
    match v.as_bytes() {
        Some(b) => String::from_utf8_lossy(b).into_owned(),
        None => format!("{v:?}"),
    }
}

/// An XML-RPC value as JSON: structs become objects, binary data and dates strings.
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Int(i) => J::from(*i),
        Value::I8(i) => J::from(*i),
        Value::Bool(b) => J::from(*b),
        Value::String(s) => J::from(s.as_str()),
        Value::Double(d) => J::from(*d),
        Value::Array(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Struct(s) => J::Object(s.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        Value::Nil => J::Null,
        other => J::from(v_fallback(other)),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::I8(i) => *i != 0,
        Value::String(s) => !s.is_empty(),
        Value::Nil => false,
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

fn string_list(v: &Value, method: &'static str) -> Result<Vec<String>, RpcError> {
    let items = v
        .as_array()
        .ok_or_else(|| shape(method, "expected an array"))?;
    Ok(items.iter().map(py_str).collect())
}

impl ProcessInfo {
    fn from_value(v: &Value, method: &'static str) -> Result<ProcessInfo, RpcError> {
        let s = v
            .as_struct()
            .ok_or_else(|| shape(method, "expected a struct"))?;
        Ok(ProcessInfo {
            name: get_str(s, "name", method)?,
            group: get_str(s, "group", method)?,
            state: get_int(s, "state", method)?,
            statename: get_str(s, "statename", method)?,
            description: get_str(s, "description", method)?,
            pid: get_int(s, "pid", method)?,
        })
    }
}

impl StatusResult {
    fn from_value(v: &Value, method: &'static str) -> Result<StatusResult, RpcError> {
        let s = v
            .as_struct()
            .ok_or_else(|| shape(method, "expected a struct"))?;
        Ok(StatusResult {
            name: Some(get_str(s, "name", method)?),
            group: get_str(s, "group", method)?,
            status: get_int(s, "status", method)? as i32,
            description: get_str(s, "description", method)?,
        })
    }
}

impl Client {
    /// A client for `serverurl`; an unsupported scheme is reported by the first call, as Python
    /// reports it when the transport is built.
    pub fn new(serverurl: &str, username: Option<&str>, password: Option<&str>) -> Client {
        Client {
            conn: Endpoint::parse(serverurl).map(|e| RpcConnection::new(e, username, password)),
        }
    }

    /// Calls `method` with `params` and returns the decoded value.
    pub fn call(&mut self, method: &str, params: &[Value]) -> Result<Value, RpcError> {
        let conn = self.conn.as_mut().map_err(|e| e.clone())?;
        let body = encode_call(method, params);
        let resp = conn.post("/RPC2", &body)?;
        if resp.head.status != 200 {
            return Err(RpcError::Protocol {
                status: resp.head.status,
                reason: resp.head.reason,
            });
        }
        decode_response(&resp.body).map_err(|e| match e {
            ResponseError::Fault(f) => RpcError::Fault {
                code: f.code,
                string: f.string,
            },
            ResponseError::Protocol(d) => RpcError::BadResponse(d.to_string()),
        })
    }

    fn call_string(&mut self, method: &'static str, params: &[Value]) -> Result<String, RpcError> {
        let v = self.call(method, params)?;
        Ok(py_str(&v))
    }

    fn call_results(
        &mut self,
        method: &'static str,
        params: &[Value],
    ) -> Result<Vec<StatusResult>, RpcError> {
        let v = self.call(method, params)?;
        v.as_array()
            .ok_or_else(|| shape(method, "expected an array"))?
            .iter()
            .map(|r| StatusResult::from_value(r, method))
            .collect()
    }

    /// `GET path` on supervisor-rs's JSON API: the decoded document, or `None` when the server
    /// has no such path (Python's supervisord answers 404).
    pub fn get_json(&mut self, path: &str) -> Result<Option<serde_json::Value>, RpcError> {
        let conn = self.conn.as_mut().map_err(|e| e.clone())?;
        let resp = conn.get(path)?;
        match resp.head.status {
            200 => serde_json::from_slice(&resp.body)
                .map(Some)
                .map_err(|e| RpcError::BadResponse(format!("{path}: {e}"))),
            404 => Ok(None),
            status => Err(RpcError::Protocol {
                status,
                reason: resp.head.reason,
            }),
        }
    }

    /// `supervisor.getAllProcessInfo`, every struct as JSON (for `status --json` against a
    /// supervisord without the JSON API).
    pub fn get_all_process_info_json(&mut self) -> Result<Vec<serde_json::Value>, RpcError> {
        const M: &str = "supervisor.getAllProcessInfo";
        let v = self.call(M, &[])?;
        let items = v.as_array().ok_or_else(|| shape(M, "expected an array"))?;
        Ok(items.iter().map(to_json).collect())
    }

    /// `supervisor.getVersion` (the API version, `3.0`).
    pub fn get_version(&mut self) -> Result<String, RpcError> {
        self.call_string("supervisor.getVersion", &[])
    }

    /// `supervisor.getSupervisorVersion`.
    pub fn get_supervisor_version(&mut self) -> Result<String, RpcError> {
        self.call_string("supervisor.getSupervisorVersion", &[])
    }

    /// `supervisor.getPID`, as Python's `str()` prints it.
    pub fn get_pid(&mut self) -> Result<String, RpcError> {
        self.call_string("supervisor.getPID", &[])
    }

    /// `supervisor.getAllProcessInfo`.
    pub fn get_all_process_info(&mut self) -> Result<Vec<ProcessInfo>, RpcError> {
        const M: &str = "supervisor.getAllProcessInfo";
        let v = self.call(M, &[])?;
        v.as_array()
            .ok_or_else(|| shape(M, "expected an array"))?
            .iter()
            .map(|i| ProcessInfo::from_value(i, M))
            .collect()
    }

    /// `supervisor.getProcessInfo(name)`.
    pub fn get_process_info(&mut self, name: &str) -> Result<ProcessInfo, RpcError> {
        const M: &str = "supervisor.getProcessInfo";
        let v = self.call(M, &[Value::string(name)])?;
        ProcessInfo::from_value(&v, M)
    }

    /// `supervisor.startProcess(name)` (waits for RUNNING).
    pub fn start_process(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.startProcess", &[Value::string(name)])
            .map(drop)
    }

    /// `supervisor.startProcessGroup(name)`.
    pub fn start_process_group(&mut self, name: &str) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.startProcessGroup", &[Value::string(name)])
    }

    /// `supervisor.startAllProcesses()`.
    pub fn start_all_processes(&mut self) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.startAllProcesses", &[])
    }

    /// `supervisor.stopProcess(name)` (waits for the stop).
    pub fn stop_process(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.stopProcess", &[Value::string(name)])
            .map(drop)
    }

    /// `supervisor.stopProcessGroup(name)`.
    pub fn stop_process_group(&mut self, name: &str) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.stopProcessGroup", &[Value::string(name)])
    }

    /// `supervisor.stopAllProcesses()`.
    pub fn stop_all_processes(&mut self) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.stopAllProcesses", &[])
    }

    /// `supervisor.signalProcess(name, sig)`.
    pub fn signal_process(&mut self, name: &str, sig: &str) -> Result<(), RpcError> {
        self.call(
            "supervisor.signalProcess",
            &[Value::string(name), Value::string(sig)],
        )
        .map(drop)
    }

    /// `supervisor.signalProcessGroup(name, sig)`.
    pub fn signal_process_group(
        &mut self,
        name: &str,
        sig: &str,
    ) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results(
            "supervisor.signalProcessGroup",
            &[Value::string(name), Value::string(sig)],
        )
    }

    /// `supervisor.signalAllProcesses(sig)`.
    pub fn signal_all_processes(&mut self, sig: &str) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.signalAllProcesses", &[Value::string(sig)])
    }

    /// `supervisor.clearProcessLogs(name)`.
    pub fn clear_process_logs(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.clearProcessLogs", &[Value::string(name)])
            .map(drop)
    }

    /// `supervisor.clearAllProcessLogs()`.
    pub fn clear_all_process_logs(&mut self) -> Result<Vec<StatusResult>, RpcError> {
        self.call_results("supervisor.clearAllProcessLogs", &[])
    }

    /// `supervisor.readProcessStdoutLog` / `readProcessStderrLog(name, offset, length)`.
    pub fn read_process_log(
        &mut self,
        name: &str,
        stderr: bool,
        offset: i64,
        length: i64,
    ) -> Result<String, RpcError> {
        let method = if stderr {
            "supervisor.readProcessStderrLog"
        } else {
            "supervisor.readProcessStdoutLog"
        };
        self.call_string(method, &[Value::string(name), int(offset), int(length)])
    }

    /// `supervisor.readLog(offset, length)` (the main log).
    pub fn read_log(&mut self, offset: i64, length: i64) -> Result<String, RpcError> {
        self.call_string("supervisor.readLog", &[int(offset), int(length)])
    }

    /// `supervisor.shutdown()`.
    pub fn shutdown(&mut self) -> Result<(), RpcError> {
        self.call("supervisor.shutdown", &[]).map(drop)
    }

    /// `supervisor.restart()`.
    pub fn restart(&mut self) -> Result<(), RpcError> {
        self.call("supervisor.restart", &[]).map(drop)
    }

    /// `supervisor.reloadConfig()`.
    pub fn reload_config(&mut self) -> Result<ConfigChanges, RpcError> {
        const M: &str = "supervisor.reloadConfig";
        let v = self.call(M, &[])?;
        let outer = v.as_array().ok_or_else(|| shape(M, "expected an array"))?;
        let inner = outer
            .first()
            .and_then(Value::as_array)
            .ok_or_else(|| shape(M, "expected [[added, changed, removed]]"))?;
        if inner.len() != 3 {
            return Err(shape(M, "expected three lists"));
        }
        Ok(ConfigChanges {
            added: string_list(&inner[0], M)?,
            changed: string_list(&inner[1], M)?,
            removed: string_list(&inner[2], M)?,
        })
    }

    /// `supervisor.addProcessGroup(name)`.
    pub fn add_process_group(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.addProcessGroup", &[Value::string(name)])
            .map(drop)
    }

    /// `supervisor.removeProcessGroup(name)`.
    pub fn remove_process_group(&mut self, name: &str) -> Result<(), RpcError> {
        self.call("supervisor.removeProcessGroup", &[Value::string(name)])
            .map(drop)
    }

    /// `supervisor.getAllConfigInfo()`.
    pub fn get_all_config_info(&mut self) -> Result<Vec<ConfigInfo>, RpcError> {
        const M: &str = "supervisor.getAllConfigInfo";
        let v = self.call(M, &[])?;
        v.as_array()
            .ok_or_else(|| shape(M, "expected an array"))?
            .iter()
            .map(|c| {
                let s = c.as_struct().ok_or_else(|| shape(M, "expected a struct"))?;
                Ok(ConfigInfo {
                    name: get_str(s, "name", M)?,
                    group: get_str(s, "group", M)?,
                    inuse: truthy(get(s, "inuse", M)?),
                    autostart: truthy(get(s, "autostart", M)?),
                    group_prio: get_str(s, "group_prio", M)?,
                    process_prio: get_str(s, "process_prio", M)?,
                })
            })
            .collect()
    }

    /// `supervisor.sendProcessStdin(name, chars)`.
    pub fn send_process_stdin(&mut self, name: &str, chars: &str) -> Result<(), RpcError> {
        self.call(
            "supervisor.sendProcessStdin",
            &[Value::string(name), Value::string(chars)],
        )
        .map(drop)
    }
}

/// An `<int>` parameter (Python's client sends `<int>` for ints that fit 32 bits).
fn int(v: i64) -> Value {
    Value::int(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_python_exceptions() {
        let f = RpcError::Fault {
            code: 92,
            string: "CANT_REREAD: it's bad".into(),
        };
        assert_eq!(
            f.python_exception(),
            (
                "xmlrpc.client.Fault".to_string(),
                "<Fault 92: \"CANT_REREAD: it's bad\">".to_string()
            )
        );
        let p = RpcError::Protocol {
            status: 401,
            reason: "Unauthorized".into(),
        };
        assert_eq!(
            p.python_exception().1,
            "<ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>"
        );
        let e = io::Error::from_raw_os_error(nix::libc::ECONNREFUSED);
        assert_eq!(
            os_exception(&e),
            (
                "ConnectionRefusedError".to_string(),
                "[Errno 111] Connection refused".to_string()
            )
        );
        let u = RpcError::from(UnknownProtocol("ftp://x".into()));
        assert_eq!(
            u.python_exception(),
            (
                "ValueError".to_string(),
                "Unknown protocol for serverurl ftp://x".to_string()
            )
        );
    }

    #[test]
    fn py_str_matches_python() {
        assert_eq!(py_str(&Value::Int(-1)), "-1");
        assert_eq!(py_str(&Value::Bool(true)), "True");
        assert_eq!(py_str(&Value::Double(2.0)), "2.0");
        assert_eq!(py_str(&Value::Nil), "None");
    }
}
