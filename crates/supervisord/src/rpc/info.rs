//! `getProcessInfo` structs, from the owner's [`ProcessView`]s.
//!
//! The struct is produced two ways with the same fields: as a [`Value`] (for `getProcessInfo`
//! and inside `system.multicall`), and streamed straight into response bytes for
//! `getAllProcessInfo`, which every status poll calls and which must stay fast with thousands
//! of processes (it is encoded on the owner, from borrowed views, into one buffer).

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use supervisor_xmlrpc::{Struct, StructWriter, Value};

use crate::owner::{LogChannel, ProcessView};

/// A log path as XML-RPC text; `''` when there is none (Python's `or ''`).
fn path_bytes(path: Option<&Path>) -> &[u8] {
    path.map_or(b"", |p| p.as_os_str().as_bytes())
}

/// Writes the members in Supervisor's order.
fn write(v: &ProcessView<'_>, st: &mut StructWriter<'_>) {
    let stdout = path_bytes(v.logfile(LogChannel::Stdout));
    st.string("name", v.name());
    st.string("group", v.group());
    st.int("start", v.info.start);
    st.int("stop", v.info.stop);
    st.int("now", v.info.now);
    st.int("state", v.info.state.code());
    st.string("statename", v.info.statename());
    st.string("spawnerr", &v.info.spawnerr);
    st.int("exitstatus", v.info.exitstatus);
    st.string_lossy("logfile", stdout);
    st.string_lossy("stdout_logfile", stdout);
    st.string_lossy("stderr_logfile", path_bytes(v.logfile(LogChannel::Stderr)));
    st.int_auto("pid", i64::from(v.info.pid));
    st.string("description", &v.description);
}

/// The `getProcessInfo` struct of one process, with Supervisor's keys in its order.
pub fn process_info(v: ProcessView<'_>) -> Value {
    let stdout = Value::string_lossy(path_bytes(v.logfile(LogChannel::Stdout)));
    let stderr = Value::string_lossy(path_bytes(v.logfile(LogChannel::Stderr)));
    let (name, group) = (v.name(), v.group());
    let mut s = Struct::with_capacity(14);
    s.push("name", name);
    s.push("group", group);
    s.push("start", v.info.start);
    s.push("stop", v.info.stop);
    s.push("now", v.info.now);
    s.push("state", v.info.state.code());
    s.push("statename", v.info.statename());
    s.push("spawnerr", v.info.spawnerr);
    s.push("exitstatus", v.info.exitstatus);
    s.push("logfile", stdout.clone());
    s.push("stdout_logfile", stdout);
    s.push("stderr_logfile", stderr);
    s.push("pid", Value::int(i64::from(v.info.pid)));
    s.push("description", v.description);
    Value::Struct(s)
}

/// `getAllProcessInfo` as a value (inside `system.multicall`).
pub fn all_process_info(views: Vec<ProcessView<'_>>) -> Value {
    Value::Array(views.into_iter().map(process_info).collect())
}

/// The complete `getAllProcessInfo` response body, written into one buffer.
pub fn write_all_process_info(views: Vec<ProcessView<'_>>) -> Vec<u8> {
    // About 1.1 KiB per process; sizing the buffer once avoids regrowing it.
    let mut out = Vec::with_capacity(256 + views.len() * 1200);
    supervisor_xmlrpc::write_response_with(&mut out, |w| {
        w.array(|a| {
            for v in &views {
                a.item().structure(|st| write(v, st));
            }
        })
    });
    out
}
