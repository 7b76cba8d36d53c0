//! `getProcessInfo` structs and the status structs of multi-process operations.

use supervisor_core::LocalTime;
use supervisor_xmlrpc::{Fault, Struct, Value};

use crate::owner::{wall_now, Proc};

/// Converts epoch seconds to local time for `description` (`Nov 25 02:10 PM`).
fn localtime(epoch: i32) -> LocalTime {
    let zoned = jiff::Timestamp::from_second(i64::from(epoch))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(jiff::tz::TimeZone::system());
    LocalTime {
        month: zoned.month() as u8,
        day: zoned.day() as u8,
        hour: zoned.hour() as u8,
        minute: zoned.minute() as u8,
    }
}

/// The `getProcessInfo` struct of one process, with Supervisor's keys in its order.
pub fn process_info(proc: &Proc) -> Value {
    let info = proc.machine.info(wall_now());
    let path = |i: usize| {
        proc.log_paths[i]
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let stdout = path(0);
    let mut s = Struct::with_capacity(14);
    s.push("name", proc.config.name.as_str());
    s.push("group", proc.config.group.as_str());
    s.push("start", info.start);
    s.push("stop", info.stop);
    s.push("now", info.now);
    s.push("state", info.state.code());
    s.push("statename", info.statename());
    s.push("spawnerr", info.spawnerr.as_str());
    s.push("exitstatus", info.exitstatus);
    s.push("logfile", stdout.as_str());
    s.push("stdout_logfile", stdout.as_str());
    s.push("stderr_logfile", path(1));
    s.push("pid", i64::from(info.pid));
    s.push(
        "description",
        info.description(&proc.config.name, localtime),
    );
    Value::Struct(s)
}

/// A status struct (`{name, group, status, description}`) for a multi-process result.
pub fn status(proc: &Proc, result: &Result<(), Fault>) -> Value {
    let (code, description) = match result {
        Ok(()) => (80, "OK".to_string()),
        Err(f) => (f.code, f.string.clone()),
    };
    let mut s = Struct::with_capacity(4);
    s.push("name", proc.config.name.as_str());
    s.push("group", proc.config.group.as_str());
    s.push("status", code);
    s.push("description", description);
    Value::Struct(s)
}
