//! The JSON shapes of the owner's answers (documented in `openapi.json`, where each has a
//! schema of the same name) and the JSON response itself.
//!
//! Process and config objects carry exactly the keys and values of their XML-RPC
//! counterparts (`getProcessInfo`, `getAllConfigInfo`), so a client can move between the two
//! APIs; what JSON adds is named here (`namespec`, `resources`, `code`).

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use supervisor_config::model::ChannelLog;
use supervisor_xmlrpc::FaultCode;

use crate::owner::{
    ApiError, ConfigEntry, DaemonState, GroupChange, GroupUpdate, LogChannel, LogName,
    ProcessResult, ProcessView, ReloadDiff,
};
use crate::resources::Usage;

/// A `200`-style JSON response of `value` with `status`; never cached, never sniffed.
pub fn response(status: StatusCode, value: &impl Serialize) -> Response {
    // Serializing plain structs of strings and numbers cannot fail; a fallback keeps the
    // promise of a JSON body anyway.
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A `200 OK` JSON response.
pub fn ok(value: &impl Serialize) -> Response {
    response(StatusCode::OK, value)
}

/// A log path as text; `""` when there is none (as `getProcessInfo`).
fn path_text(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| {
        String::from_utf8_lossy(p.as_os_str().as_bytes()).into_owned()
    })
}

/// One process: `getProcessInfo`'s keys and values, then `namespec` and `resources`.
#[derive(Debug, Clone, Serialize)]
pub struct Process {
    /// The process name.
    pub name: String,
    /// The group name.
    pub group: String,
    /// When it last started (epoch seconds, 0 if never).
    pub start: i64,
    /// When it last stopped (epoch seconds, 0 if never).
    pub stop: i64,
    /// The daemon's clock (epoch seconds).
    pub now: i64,
    /// The state code.
    pub state: i64,
    /// The state name.
    pub statename: &'static str,
    /// The last spawn error, or `""`.
    pub spawnerr: String,
    /// The last exit status.
    pub exitstatus: i64,
    /// The stdout log file (`""` when none).
    pub logfile: String,
    /// The same.
    pub stdout_logfile: String,
    /// The stderr log file (`""` when none).
    pub stderr_logfile: String,
    /// The pid, 0 when not running.
    pub pid: i64,
    /// Supervisor's description (`pid 12, uptime 0:01:02`).
    pub description: String,
    /// `group:name`, or `name` when both are equal.
    pub namespec: String,
    /// CPU, memory, open files and process count of its tree; `null` when not running.
    pub resources: Option<Usage>,
}

/// The object of one process view (resources not yet known).
pub fn process_of(v: &ProcessView<'_>) -> Process {
    let stdout = path_text(v.logfile(LogChannel::Stdout));
    let status = v.to_status();
    Process {
        name: status.name,
        group: status.group,
        start: i64::from(v.info.start),
        stop: i64::from(v.info.stop),
        now: i64::from(v.info.now),
        state: i64::from(v.info.state.code()),
        statename: v.info.statename(),
        spawnerr: v.info.spawnerr.clone(),
        exitstatus: i64::from(v.info.exitstatus),
        logfile: stdout.clone(),
        stdout_logfile: stdout,
        stderr_logfile: path_text(v.logfile(LogChannel::Stderr)),
        pid: i64::from(v.info.pid),
        description: status.description,
        namespec: status.namespec,
        resources: None,
    }
}

/// `{"processes": [...]}`.
#[derive(Serialize)]
pub struct Processes {
    /// In `getAllProcessInfo`'s order.
    pub processes: Vec<Process>,
}

/// The outcome of an action on one process, as `startProcessGroup`'s status structs plus the
/// fault name.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The process name.
    pub name: String,
    /// The group name.
    pub group: String,
    /// `group:name`, or `name` when both are equal.
    pub namespec: String,
    /// The fault code; 80 (`SUCCESS`) when it worked.
    pub status: i32,
    /// The fault name, or `SUCCESS`.
    pub code: &'static str,
    /// `OK`, or the fault string (`NOT_RUNNING: g:a`).
    pub description: String,
}

/// A success for process `name` of `group`.
pub fn success(group: &str, name: &str) -> Outcome {
    Outcome {
        name: name.to_string(),
        group: group.to_string(),
        namespec: supervisor_core::namespec::make(group, Some(name)),
        status: FaultCode::Success.code(),
        code: FaultCode::Success.name(),
        description: "OK".into(),
    }
}

/// One result of a multi-process action.
pub fn outcome_of(r: &ProcessResult) -> Outcome {
    let (status, code, description) = result_fields(&r.result);
    Outcome {
        name: r.member.name.clone(),
        group: r.member.group.clone(),
        namespec: r.member.namespec.clone(),
        status,
        code,
        description,
    }
}

/// `(status, code, description)` of a per-item result, as XML-RPC's status structs say it.
fn result_fields(result: &Result<(), ApiError>) -> (i32, &'static str, String) {
    match result {
        Ok(()) => (
            FaultCode::Success.code(),
            FaultCode::Success.name(),
            "OK".into(),
        ),
        Err(e) => {
            let code = crate::rpc::fault_code(e);
            (
                code.code(),
                code.name(),
                crate::rpc::fault_of(e.clone()).string,
            )
        }
    }
}

/// `{"results": [...]}`: every action's answer, one outcome per process acted on.
#[derive(Serialize)]
pub struct Outcomes {
    /// One per process.
    pub results: Vec<Outcome>,
}

/// The daemon: `getState`, `getAPIVersion`, `getSupervisorVersion`, `getIdentification`,
/// `getPID` in one object, plus our own version.
#[derive(Serialize)]
pub struct State {
    /// The state code (`getState`).
    pub statecode: i32,
    /// The state name.
    pub statename: &'static str,
    /// supervisor-rs's own version.
    pub version: &'static str,
    /// `getAPIVersion`.
    pub api_version: &'static str,
    /// `getSupervisorVersion`: the Supervisor release this daemon is compatible with.
    pub supervisor_version: &'static str,
    /// `getIdentification`.
    pub identification: String,
    /// `getPID`.
    pub pid: u32,
}

/// The object of the daemon's state.
pub fn state_of(s: DaemonState) -> State {
    State {
        statecode: s.mood.code(),
        statename: s.mood.name(),
        version: env!("CARGO_PKG_VERSION"),
        api_version: crate::rpc::API_VERSION,
        supervisor_version: crate::options::VERSION,
        identification: s.identification,
        pid: s.pid,
    }
}

/// A `getAllConfigInfo` value: an int or `"none"`, a path, `"auto"` or `"none"`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Maybe<T> {
    /// A value.
    Some(T),
    /// Supervisor's `"none"`/`"auto"` text.
    Text(&'static str),
}

/// A value, or `"none"` for none.
fn none_or<T>(v: Option<T>) -> Maybe<T> {
    v.map_or(Maybe::Text("none"), Maybe::Some)
}

/// One process of the latest config read: `getAllConfigInfo`'s keys and values (`"none"` for
/// an unset directory, uid or serverurl; a log file is a path, `"auto"` or `"none"`).
#[derive(Serialize)]
pub struct ConfigInfo {
    autostart: bool,
    directory: Maybe<String>,
    uid: Maybe<u32>,
    command: String,
    exitcodes: Vec<i32>,
    group: String,
    group_prio: i64,
    inuse: bool,
    killasgroup: bool,
    name: String,
    process_prio: i64,
    redirect_stderr: bool,
    startretries: i64,
    startsecs: i64,
    stdout_capture_maxbytes: i64,
    stdout_events_enabled: bool,
    stdout_logfile: Maybe<String>,
    stdout_logfile_backups: i64,
    stdout_logfile_maxbytes: i64,
    stdout_syslog: bool,
    stopsignal: i32,
    stopwaitsecs: i64,
    stderr_capture_maxbytes: i64,
    stderr_events_enabled: bool,
    stderr_logfile: Maybe<String>,
    stderr_logfile_backups: i64,
    stderr_logfile_maxbytes: i64,
    stderr_syslog: bool,
    serverurl: Maybe<String>,
    autorestart: &'static str,
}

/// The object of one config entry.
pub fn config_of(e: &ConfigEntry) -> ConfigInfo {
    let p = &e.process;
    let logfile = |index: usize| match &e.logfiles[index] {
        LogName::None => Maybe::Text("none"),
        LogName::Auto => Maybe::Text("auto"),
        LogName::Path(path) => Maybe::Some(path_text(Some(path))),
    };
    let (out, err): (&ChannelLog, &ChannelLog) = (&p.stdout, &p.stderr);
    ConfigInfo {
        autostart: p.autostart,
        directory: none_or(p.directory.clone()),
        uid: none_or(p.uid),
        command: p.command.clone(),
        exitcodes: p.exitcodes.clone(),
        group: e.group.clone(),
        group_prio: e.group_priority,
        inuse: e.inuse,
        killasgroup: p.killasgroup,
        name: p.name.clone(),
        process_prio: p.priority,
        redirect_stderr: p.redirect_stderr,
        startretries: p.startretries,
        startsecs: p.startsecs,
        stdout_capture_maxbytes: out.capture_maxbytes,
        stdout_events_enabled: out.events_enabled,
        stdout_logfile: logfile(0),
        stdout_logfile_backups: out.logfile_backups,
        stdout_logfile_maxbytes: out.logfile_maxbytes,
        stdout_syslog: out.syslog,
        stopsignal: p.stopsignal,
        stopwaitsecs: p.stopwaitsecs,
        stderr_capture_maxbytes: err.capture_maxbytes,
        stderr_events_enabled: err.events_enabled,
        stderr_logfile: logfile(1),
        stderr_logfile_backups: err.logfile_backups,
        stderr_logfile_maxbytes: err.logfile_maxbytes,
        stderr_syslog: err.syslog,
        serverurl: none_or(p.serverurl.clone()),
        autorestart: p.autorestart.as_str(),
    }
}

/// `{"processes": [...]}` of `GET /api/v1/config`.
#[derive(Serialize)]
pub struct Configs {
    /// In `getAllConfigInfo`'s order.
    pub processes: Vec<ConfigInfo>,
}

/// What `POST /api/v1/reread` found (`reloadConfig`).
#[derive(Serialize)]
pub struct Reread {
    /// Groups new in the config.
    pub added: Vec<String>,
    /// Groups whose settings changed.
    pub changed: Vec<String>,
    /// Groups gone from the config.
    pub removed: Vec<String>,
}

/// The object of a reread's diff.
pub fn reread_of(diff: ReloadDiff) -> Reread {
    Reread {
        added: diff.added,
        changed: diff.changed,
        removed: diff.removed,
    }
}

/// What `POST /api/v1/update` did to one group (a line of `supervisorctl update`).
#[derive(Serialize)]
pub struct GroupOutcome {
    /// The group.
    pub group: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    /// 80 (`SUCCESS`) or the fault code.
    pub status: i32,
    /// `SUCCESS` or the fault name.
    pub code: &'static str,
    /// `OK` or the fault string.
    pub description: String,
}

/// The object of one group's update.
pub fn group_outcome_of(u: &GroupUpdate) -> GroupOutcome {
    let (status, code, description) = result_fields(&u.result);
    GroupOutcome {
        group: u.group.clone(),
        change: match u.change {
            GroupChange::Added => "added",
            GroupChange::Changed => "changed",
            GroupChange::Removed => "removed",
        },
        status,
        code,
        description,
    }
}

/// `{"groups": [...]}` of `POST /api/v1/update`.
#[derive(Serialize)]
pub struct Update {
    /// Removed groups first, then changed, then added (the order they were handled).
    pub groups: Vec<GroupOutcome>,
}

/// Part of a log (`GET …/log`).
#[derive(Serialize)]
pub struct LogText {
    /// The bytes read, as UTF-8 (invalid sequences replaced by U+FFFD).
    pub data: String,
    /// The byte offset of the first byte read.
    pub offset: u64,
    /// The byte offset after the last byte read: the `offset` to ask for next.
    pub next_offset: u64,
}
