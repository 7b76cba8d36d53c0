//! Config methods: `reloadConfig`, `addProcessGroup`, `removeProcessGroup` and
//! `getAllConfigInfo`.

use std::os::unix::ffi::OsStrExt;

use supervisor_config::model::ChannelLog;
use supervisor_xmlrpc::{FaultCode, Struct, Value};

use super::faults::fault_of;
use super::{Args, RpcResult};
use crate::owner::{ConfigEntry, LogName, Owner};

/// Calls one of this family's `supervisor.<method>`s.
pub async fn call(owner: &Owner, method: &str, mut a: Args) -> RpcResult {
    match method {
        "reloadConfig" => owner.reread().await.map(|diff| {
            let names = |v: Vec<String>| Value::Array(v.into_iter().map(Value::from).collect());
            Value::Array(vec![Value::Array(vec![
                names(diff.added),
                names(diff.changed),
                names(diff.removed),
            ])])
        }),
        "addProcessGroup" => {
            let name = a.string()?;
            owner.add_group(&name).await.map(|()| true.into())
        }
        "removeProcessGroup" => {
            let name = a.string()?;
            owner.remove_group(&name).await.map(|()| true.into())
        }
        "getAllConfigInfo" => owner
            .config()
            .await
            .map(|entries| Value::Array(entries.iter().map(config_info).collect())),
        _ => return Err(FaultCode::UnknownMethod.fault()),
    }
    .map_err(fault_of)
}

/// One `getAllConfigInfo` struct.
///
/// Keys and their order are Supervisor 4.3.0's, then `autorestart` (which 4.4 adds; fix Q36).
/// `None` values are `'none'`; AUTO log files are the real file while the running config is
/// the latest, `'auto'` after a reread (as Supervisor).
fn config_info(e: &ConfigEntry) -> Value {
    let p = &e.process;
    let logname = |index: usize| -> Value {
        match &e.logfiles[index] {
            LogName::None => "none".into(),
            LogName::Auto => "auto".into(),
            LogName::Path(path) => Value::string_lossy(path.as_os_str().as_bytes()),
        }
    };
    let none_or = |v: Option<Value>| v.unwrap_or_else(|| "none".into());
    let mut st = Struct::with_capacity(30);
    st.push("autostart", p.autostart);
    st.push("directory", none_or(p.directory.clone().map(Value::from)));
    st.push("uid", none_or(p.uid.map(|u| Value::int(i64::from(u)))));
    st.push("command", p.command.as_str());
    st.push(
        "exitcodes",
        Value::Array(p.exitcodes.iter().map(|c| Value::from(*c)).collect()),
    );
    st.push("group", e.group.as_str());
    st.push("group_prio", e.group_priority);
    st.push("inuse", e.inuse);
    st.push("killasgroup", p.killasgroup);
    st.push("name", p.name.as_str());
    st.push("process_prio", p.priority);
    st.push("redirect_stderr", p.redirect_stderr);
    st.push("startretries", p.startretries);
    st.push("startsecs", p.startsecs);
    let channel = |st: &mut Struct, prefix: &str, ch: &ChannelLog, index| {
        st.push(format!("{prefix}_capture_maxbytes"), ch.capture_maxbytes);
        st.push(format!("{prefix}_events_enabled"), ch.events_enabled);
        st.push(format!("{prefix}_logfile"), logname(index));
        st.push(format!("{prefix}_logfile_backups"), ch.logfile_backups);
        st.push(format!("{prefix}_logfile_maxbytes"), ch.logfile_maxbytes);
        st.push(format!("{prefix}_syslog"), ch.syslog);
    };
    channel(&mut st, "stdout", &p.stdout, 0);
    st.push("stopsignal", p.stopsignal);
    st.push("stopwaitsecs", p.stopwaitsecs);
    channel(&mut st, "stderr", &p.stderr, 1);
    st.push("serverurl", none_or(p.serverurl.clone().map(Value::from)));
    st.push("autorestart", p.autorestart.as_str());
    Value::Struct(st)
}
