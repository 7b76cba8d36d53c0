//! `[fcgi-program:x]` (spec §1.5.8): a program whose processes share a listening socket that
//! supervisord creates; every `[program:x]` option applies too.

use super::program::processes_from_section;
use super::{after_colon, Ctx};
use crate::expand::ExpandValue;
use crate::model::{FcgiSocket, GroupConfig, GroupKind};
use crate::types::{self, SocketUrl};

/// Reads an FastCGI program group, in the order of Python's checks.
pub(crate) fn group(cx: &mut Ctx<'_>, section: &str) -> GroupConfig {
    let host = cx.host;
    let program_name = match types::process_or_group_name(after_colon(section)) {
        Ok(n) => n,
        Err(message) => {
            cx.error(message, section, None, None);
            supervisor_core::pystr::py_strip(after_colon(section)).to_string()
        }
    };
    let names = cx.here_names();
    let priority = cx
        .typed(section, "priority", "999", &names, types::integer)
        .unwrap_or(999);
    let proc_uid = cx
        .typed_opt(section, "user", &names, |v| types::name_to_uid(v, host))
        .ok()
        .flatten();
    let backlog = match cx.get(section, "socket_backlog", None, Some(&names)) {
        Ok(Some(found)) => cx
            .convert(section, "socket_backlog", &found, types::socket_backlog)
            .ok(),
        _ => None,
    };
    let mut ok = true;
    let owner = match cx.get(section, "socket_owner", None, Some(&names)) {
        Ok(Some(found)) => {
            let parsed = cx.convert(section, "socket_owner", &found, |v| {
                types::colon_separated_user_group(v, host)
                    .map_err(|_| format!("Invalid socket_owner value {v}"))
            });
            ok &= parsed.is_ok();
            parsed.ok()
        }
        Ok(None) => None,
        Err(_) => {
            ok = false;
            None
        }
    };
    let mode_found = cx.get(section, "socket_mode", None, Some(&names));
    let mode = match mode_found {
        Ok(Some(found)) => {
            let parsed = cx.convert(section, "socket_mode", &found, |v| {
                types::octal(v).map_err(|_| format!("Invalid socket_mode value {v}"))
            });
            ok &= parsed.is_ok();
            parsed.ok()
        }
        Ok(None) => None,
        Err(_) => {
            ok = false;
            None
        }
    };
    let owner_given = cx.entry(section, "socket_owner").is_some();
    let mode_given = cx.entry(section, "socket_mode").is_some();
    let socket_names = {
        let mut n = names.clone();
        n.insert(
            "program_name".to_string(),
            ExpandValue::Str(program_name.clone()),
        );
        n
    };
    let socket = match cx.get(section, "socket", None, Some(&socket_names)) {
        Ok(Some(found)) if !found.value.is_empty() => Some(found),
        Ok(_) => {
            let entry = cx.entry(section, "socket");
            cx.error(
                format!("[{section}] section requires a \"socket\" line"),
                section,
                Some("socket"),
                entry,
            );
            None
        }
        Err(_) => None,
    };
    let socket_config = socket.and_then(|found| {
        let in_socket = |e: String| format!("{e} in [{section}] socket");
        let is_unix = found.value.starts_with("unix://");
        if !is_unix && (owner_given || mode_given) {
            cx.error(
                in_socket(
                    "socket_owner and socket_mode params should only be used with a Unix \
                     domain socket"
                        .to_string(),
                ),
                section,
                Some("socket"),
                found.entry,
            );
            return None;
        }
        let url = match types::socket_url(&found.value) {
            Ok(url) => url,
            Err(e) => {
                cx.error(in_socket(e), section, Some("socket"), found.entry);
                return None;
            }
        };
        if !ok {
            return None;
        }
        let (owner, mode) = match &url {
            SocketUrl::Unix(_) => {
                // By default a unix socket belongs to the program's user when that differs from
                // supervisord's.
                let owner = owner.or_else(|| {
                    proc_uid.filter(|uid| *uid != cx.load.euid).map(|uid| {
                        let gid = types::gid_for_uid(uid, host).map_or(-1, i64::from);
                        (i64::from(uid), gid)
                    })
                });
                (owner, Some(mode.unwrap_or(0o700)))
            }
            SocketUrl::Tcp { .. } => (None, None),
        };
        Some(FcgiSocket {
            url,
            owner,
            mode,
            backlog,
        })
    });
    let before = cx.errors.len();
    let processes = processes_from_section(cx, section, &program_name);
    cx.drop_repeated_since(before);
    let socket_config = socket_config.unwrap_or_else(|| FcgiSocket {
        url: SocketUrl::Tcp {
            host: String::new(),
            port: 0,
        },
        owner: None,
        mode: None,
        backlog: None,
    });
    GroupConfig {
        name: program_name,
        priority,
        kind: GroupKind::FastCgi(socket_config),
        section: section.to_string(),
        processes,
    }
}
