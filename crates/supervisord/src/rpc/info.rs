//! `getProcessInfo` structs and the status structs of multi-process operations.
//!
//! The struct is produced two ways with the same fields: as a [`Value`] (for
//! `getProcessInfo` and inside `system.multicall`), and streamed straight into response bytes
//! for `getAllProcessInfo`, which every status poll calls and which must stay fast with
//! thousands of processes.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use jiff::tz::TimeZone;
use supervisor_core::{LocalTime, ProcessInfo};
use supervisor_xmlrpc::{Fault, Struct, StructWriter, Value};

use crate::owner::{wall_now, Proc, Supervisor};

/// Converts epoch seconds to local time for `description` (`Nov 25 02:10 PM`).
fn localtime(tz: &TimeZone, epoch: i32) -> LocalTime {
    let zoned = tz.to_datetime(
        jiff::Timestamp::from_second(i64::from(epoch)).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    );
    LocalTime {
        month: zoned.month() as u8,
        day: zoned.day() as u8,
        hour: zoned.hour() as u8,
        minute: zoned.minute() as u8,
    }
}

/// A log path as XML-RPC text; `''` when there is none (Python's `or ''`).
fn path_bytes(path: Option<&Path>) -> &[u8] {
    path.map_or(b"", |p| p.as_os_str().as_bytes())
}

/// The state-dependent part of a process's info, computed once for both encodings.
struct Snapshot<'a> {
    proc: &'a Proc,
    info: ProcessInfo,
    description: String,
}

impl<'a> Snapshot<'a> {
    fn of(proc: &'a Proc, now: f64, tz: &TimeZone) -> Snapshot<'a> {
        let info = proc.machine.info(now);
        let description = info.description(&proc.config.name, |t| localtime(tz, t));
        Snapshot {
            proc,
            info,
            description,
        }
    }

    /// Writes the members in Supervisor's order.
    fn write(&self, st: &mut StructWriter<'_>) {
        let p = self.proc;
        let stdout = path_bytes(p.log_paths[0].as_deref());
        st.string("name", &p.config.name);
        st.string("group", &p.config.group);
        st.int("start", self.info.start);
        st.int("stop", self.info.stop);
        st.int("now", self.info.now);
        st.int("state", self.info.state.code());
        st.string("statename", self.info.statename());
        st.string("spawnerr", &self.info.spawnerr);
        st.int("exitstatus", self.info.exitstatus);
        st.string_lossy("logfile", stdout);
        st.string_lossy("stdout_logfile", stdout);
        st.string_lossy("stderr_logfile", path_bytes(p.log_paths[1].as_deref()));
        st.int_auto("pid", i64::from(self.info.pid));
        st.string("description", &self.description);
    }

    fn value(self) -> Value {
        let p = self.proc;
        let stdout = Value::string_lossy(path_bytes(p.log_paths[0].as_deref()));
        let mut s = Struct::with_capacity(14);
        s.push("name", p.config.name.as_str());
        s.push("group", p.config.group.as_str());
        s.push("start", self.info.start);
        s.push("stop", self.info.stop);
        s.push("now", self.info.now);
        s.push("state", self.info.state.code());
        s.push("statename", self.info.statename());
        s.push("spawnerr", self.info.spawnerr);
        s.push("exitstatus", self.info.exitstatus);
        s.push("logfile", stdout.clone());
        s.push("stdout_logfile", stdout);
        s.push(
            "stderr_logfile",
            Value::string_lossy(path_bytes(p.log_paths[1].as_deref())),
        );
        s.push("pid", Value::int(i64::from(self.info.pid)));
        s.push("description", self.description);
        Value::Struct(s)
    }
}

/// The `getProcessInfo` struct of one process, with Supervisor's keys in its order.
pub fn process_info(proc: &Proc, now: f64, tz: &TimeZone) -> Value {
    Snapshot::of(proc, now, tz).value()
}

/// Every process sorted by group name, then process name (Python's lexical order).
fn lexical(s: &Supervisor) -> Vec<&Proc> {
    let mut procs: Vec<&Proc> = s.procs.values().collect();
    procs.sort_unstable_by(|x, y| {
        (&x.config.group, &x.config.name).cmp(&(&y.config.group, &y.config.name))
    });
    procs
}

/// `getAllProcessInfo` as a value (inside `system.multicall`).
pub fn all_process_info(s: &Supervisor) -> Value {
    let now = wall_now();
    let tz = TimeZone::system();
    Value::Array(
        lexical(s)
            .into_iter()
            .map(|p| process_info(p, now, &tz))
            .collect(),
    )
}

/// The complete `getAllProcessInfo` response body, written into one buffer.
pub fn write_all_process_info(s: &Supervisor) -> Vec<u8> {
    let now = wall_now();
    let tz = TimeZone::system();
    let procs = lexical(s);
    // About 1.1 KiB per process; sizing the buffer once avoids regrowing it.
    let mut out = Vec::with_capacity(256 + procs.len() * 1200);
    supervisor_xmlrpc::write_response_with(&mut out, |w| {
        w.array(|a| {
            for p in procs {
                let snap = Snapshot::of(p, now, &tz);
                a.item().structure(|st| snap.write(st));
            }
        })
    });
    out
}

/// Who a status struct is about: the process's name, group and namespec.
#[derive(Debug, Clone)]
pub struct Member {
    /// The process name.
    pub name: String,
    /// The group name.
    pub group: String,
    /// `group:name`, or `name` when both are equal (what faults carry).
    pub namespec: String,
}

impl Member {
    /// The member for a process.
    pub fn of(proc: &Proc) -> Member {
        Member {
            name: proc.config.name.clone(),
            group: proc.config.group.clone(),
            namespec: proc.namespec(),
        }
    }
}

/// A status struct (`{name, group, status, description}`) for a multi-process result.
pub fn status(member: &Member, result: &Result<(), Fault>) -> Value {
    let (code, description) = match result {
        Ok(()) => (80, "OK".to_string()),
        Err(f) => (f.code, f.string.clone()),
    };
    let mut s = Struct::with_capacity(4);
    s.push("name", member.name.as_str());
    s.push("group", member.group.as_str());
    s.push("status", code);
    s.push("description", description);
    Value::Struct(s)
}
