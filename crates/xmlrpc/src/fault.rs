//! Supervisor's fault codes and the XML-RPC fault type.
//!
//! The codes and names mirror the `Faults` class of Supervisor 4.3.0's `supervisor/xmlrpc.py`
//! (spec §4.5). Supervisor words a fault string as the code's name, optionally followed by
//! `": "` and a detail (`BAD_NAME: foo`), and calls any code it does not know `UNKNOWN`.

use std::fmt;

use crate::value::{Struct, Value};

/// A fault code Supervisor defines (5 and 7–9 are unused; `SUCCESS` only appears in result structs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum FaultCode {
    /// Unknown or private method, or a malformed method name.
    UnknownMethod = 1,
    /// Wrong number or type of arguments.
    IncorrectParameters = 2,
    /// An invalid argument combination (e.g. a log offset/length pair).
    BadArguments = 3,
    /// `system.methodHelp`/`methodSignature` for an unknown method.
    SignatureUnsupported = 4,
    /// The daemon is shutting down or restarting.
    ShutdownState = 6,
    /// Unknown group, process or namespec.
    BadName = 10,
    /// A signal name or number that cannot be parsed.
    BadSignal = 11,
    /// A command or log file that does not exist.
    NoFile = 20,
    /// A command that cannot be executed.
    NotExecutable = 21,
    /// A generic failure (message carries the detail).
    Failed = 30,
    /// A process left STARTING for something other than RUNNING.
    AbnormalTermination = 40,
    /// A process could not be spawned or exited too quickly.
    SpawnError = 50,
    /// The process is already starting or running.
    AlreadyStarted = 60,
    /// The process is not running.
    NotRunning = 70,
    /// Success; used only as the `status` of per-process result structs.
    Success = 80,
    /// The process group is already active.
    AlreadyAdded = 90,
    /// The process group still has running processes.
    StillRunning = 91,
    /// The configuration could not be re-read.
    CantReread = 92,
}

impl FaultCode {
    /// Every code, in ascending numeric order.
    pub const ALL: [FaultCode; 18] = [
        FaultCode::UnknownMethod,
        FaultCode::IncorrectParameters,
        FaultCode::BadArguments,
        FaultCode::SignatureUnsupported,
        FaultCode::ShutdownState,
        FaultCode::BadName,
        FaultCode::BadSignal,
        FaultCode::NoFile,
        FaultCode::NotExecutable,
        FaultCode::Failed,
        FaultCode::AbnormalTermination,
        FaultCode::SpawnError,
        FaultCode::AlreadyStarted,
        FaultCode::NotRunning,
        FaultCode::Success,
        FaultCode::AlreadyAdded,
        FaultCode::StillRunning,
        FaultCode::CantReread,
    ];

    /// The numeric code sent as `faultCode`.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// Supervisor's name for the code, e.g. `BAD_NAME`.
    pub const fn name(self) -> &'static str {
        match self {
            FaultCode::UnknownMethod => "UNKNOWN_METHOD",
            FaultCode::IncorrectParameters => "INCORRECT_PARAMETERS",
            FaultCode::BadArguments => "BAD_ARGUMENTS",
            FaultCode::SignatureUnsupported => "SIGNATURE_UNSUPPORTED",
            FaultCode::ShutdownState => "SHUTDOWN_STATE",
            FaultCode::BadName => "BAD_NAME",
            FaultCode::BadSignal => "BAD_SIGNAL",
            FaultCode::NoFile => "NO_FILE",
            FaultCode::NotExecutable => "NOT_EXECUTABLE",
            FaultCode::Failed => "FAILED",
            FaultCode::AbnormalTermination => "ABNORMAL_TERMINATION",
            FaultCode::SpawnError => "SPAWN_ERROR",
            FaultCode::AlreadyStarted => "ALREADY_STARTED",
            FaultCode::NotRunning => "NOT_RUNNING",
            FaultCode::Success => "SUCCESS",
            FaultCode::AlreadyAdded => "ALREADY_ADDED",
            FaultCode::StillRunning => "STILL_RUNNING",
            FaultCode::CantReread => "CANT_REREAD",
        }
    }

    /// The code with this number, if Supervisor defines one.
    pub fn from_code(code: i32) -> Option<FaultCode> {
        FaultCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The code with this name (`BAD_NAME`), if Supervisor defines one.
    pub fn from_name(name: &str) -> Option<FaultCode> {
        FaultCode::ALL.into_iter().find(|c| c.name() == name)
    }

    /// A fault whose string is just the code's name (Python: `RPCError(code)`).
    pub fn fault(self) -> Fault {
        Fault::new(self.code(), self.name())
    }

    /// A fault worded `NAME: detail` (Python: `RPCError(code, detail)`).
    pub fn with_detail(self, detail: impl fmt::Display) -> Fault {
        Fault::new(self.code(), format!("{}: {}", self.name(), detail))
    }
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Supervisor's name for any fault code: the known name, or `UNKNOWN` (Python's
/// `getFaultDescription`).
pub fn fault_name(code: i32) -> &'static str {
    FaultCode::from_code(code).map_or("UNKNOWN", FaultCode::name)
}

/// An XML-RPC fault: `faultCode` and `faultString`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("fault {code}: {string}")]
pub struct Fault {
    /// The numeric `faultCode`.
    pub code: i32,
    /// The human-readable `faultString` (Supervisor: `NAME` or `NAME: detail`).
    pub string: String,
}

impl Fault {
    /// A fault with any code and string.
    pub fn new(code: i32, string: impl Into<String>) -> Fault {
        Fault {
            code,
            string: string.into(),
        }
    }

    /// Supervisor's wording for `code` with an optional detail: `NAME` or `NAME: detail`, where
    /// `NAME` is `UNKNOWN` for codes Supervisor does not define.
    pub fn supervisor(code: i32, detail: Option<&str>) -> Fault {
        let name = fault_name(code);
        match detail {
            Some(detail) => Fault::new(code, format!("{name}: {detail}")),
            None => Fault::new(code, name),
        }
    }

    /// The Supervisor code this fault carries, if it is one.
    pub fn fault_code(&self) -> Option<FaultCode> {
        FaultCode::from_code(self.code)
    }

    /// The detail after `NAME: ` when the string is worded that way with this fault's own name.
    pub fn detail(&self) -> Option<&str> {
        self.string
            .strip_prefix(fault_name(self.code))
            .and_then(|rest| rest.strip_prefix(": "))
    }

    /// The `{faultCode, faultString}` struct, as `system.multicall` reports a failed call.
    pub fn to_value(&self) -> Value {
        let mut s = Struct::with_capacity(2);
        s.push("faultCode", Value::Int(self.code));
        s.push("faultString", Value::String(self.string.clone()));
        Value::Struct(s)
    }
}

impl From<FaultCode> for Fault {
    fn from(code: FaultCode) -> Fault {
        code.fault()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_match_supervisor() {
        let expected = [
            (1, "UNKNOWN_METHOD"),
            (2, "INCORRECT_PARAMETERS"),
            (3, "BAD_ARGUMENTS"),
            (4, "SIGNATURE_UNSUPPORTED"),
            (6, "SHUTDOWN_STATE"),
            (10, "BAD_NAME"),
            (11, "BAD_SIGNAL"),
            (20, "NO_FILE"),
            (21, "NOT_EXECUTABLE"),
            (30, "FAILED"),
            (40, "ABNORMAL_TERMINATION"),
            (50, "SPAWN_ERROR"),
            (60, "ALREADY_STARTED"),
            (70, "NOT_RUNNING"),
            (80, "SUCCESS"),
            (90, "ALREADY_ADDED"),
            (91, "STILL_RUNNING"),
            (92, "CANT_REREAD"),
        ];
        assert_eq!(FaultCode::ALL.len(), expected.len());
        for (code, (num, name)) in FaultCode::ALL.iter().zip(expected) {
            assert_eq!(code.code(), num);
            assert_eq!(code.name(), name);
            assert_eq!(FaultCode::from_code(num), Some(*code));
            assert_eq!(FaultCode::from_name(name), Some(*code));
        }
        for unused in [0, 5, 7, 8, 9, 12, 100, -1] {
            assert_eq!(FaultCode::from_code(unused), None);
            assert_eq!(fault_name(unused), "UNKNOWN");
        }
    }

    #[test]
    fn fault_wording() {
        assert_eq!(
            FaultCode::BadName.with_detail("foo"),
            Fault::new(10, "BAD_NAME: foo")
        );
        assert_eq!(
            FaultCode::UnknownMethod.fault(),
            Fault::new(1, "UNKNOWN_METHOD")
        );
        assert_eq!(Fault::from(FaultCode::Failed).string, "FAILED");
        assert_eq!(Fault::supervisor(5, None), Fault::new(5, "UNKNOWN"));
        assert_eq!(
            Fault::supervisor(20, Some("None")),
            Fault::new(20, "NO_FILE: None")
        );
        // An empty detail keeps the separator, as Python's '%s: %s' does.
        assert_eq!(FaultCode::Failed.with_detail("").string, "FAILED: ");
    }

    #[test]
    fn fault_detail_and_code() {
        let f = FaultCode::BadName.with_detail("a: b");
        assert_eq!(f.detail(), Some("a: b"));
        assert_eq!(f.fault_code(), Some(FaultCode::BadName));
        assert_eq!(FaultCode::Failed.fault().detail(), None);
        assert_eq!(Fault::new(10, "something else").detail(), None);
        assert_eq!(Fault::new(99, "x").fault_code(), None);
        assert_eq!(f.to_string(), "fault 10: BAD_NAME: a: b");
    }

    #[test]
    fn fault_as_multicall_struct() {
        let v = FaultCode::BadName.with_detail("nosuch").to_value();
        let s = v.as_struct().expect("struct");
        let keys: Vec<&str> = s.keys().collect();
        assert_eq!(keys, ["faultCode", "faultString"]);
        assert_eq!(s.get("faultCode"), Some(&Value::Int(10)));
        assert_eq!(
            s.get("faultString").and_then(Value::as_str),
            Some("BAD_NAME: nosuch")
        );
    }
}
