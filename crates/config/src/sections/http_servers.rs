//! `[inet_http_server]` and `[unix_http_server]` (spec §1.5.2–1.5.3): Python's
//! `server_configs_from_parser`. Any section whose name *starts with* either word defines a
//! server (`[unix_http_server:two]`), named by the text after `:`.

use super::{Ctx, Found, Names};
use crate::expand::ExpandValue;
use crate::model::{Credentials, InetServer, ServerConfig, UnixServer};
use crate::types;

/// Every server definition: inet servers first, then unix servers, in file order within each.
pub(crate) fn server_configs(cx: &mut Ctx<'_>) -> Vec<ServerConfig> {
    let sections = cx.section_names();
    let mut configs = Vec::new();
    for section in sections
        .iter()
        .filter(|s| s.starts_with("inet_http_server"))
    {
        if let Some(server) = inet(cx, section) {
            configs.push(ServerConfig::Inet(server));
        }
    }
    for section in sections
        .iter()
        .filter(|s| s.starts_with("unix_http_server"))
    {
        if let Some(server) = unix(cx, section) {
            configs.push(ServerConfig::Unix(server));
        }
    }
    configs
}

/// Python's `section.split(':', 1)[1]`, or `None` without a colon.
fn server_name(section: &str) -> Option<String> {
    section.split_once(':').map(|(_, n)| n.to_string())
}

/// `username`/`password`: both or neither.
fn credentials(cx: &mut Ctx<'_>, section: &str, names: &Names) -> Result<Option<Credentials>, ()> {
    let username = cx.get(section, "username", None, Some(names));
    let password = cx.get(section, "password", None, Some(names));
    let (Ok(username), Ok(password)) = (username, password) else {
        return Err(());
    };
    match (username, password) {
        (None, None) => Ok(None),
        (Some(u), Some(p)) => Ok(Some(Credentials {
            username: u.value,
            password: p.value,
        })),
        (u, p) => {
            let (option, entry) = match (&u, &p) {
                (Some(found), None) => ("password", found.entry),
                (None, Some(found)) => ("username", found.entry),
                _ => unreachable!("both or neither handled above"),
            };
            cx.error_hint(
                format!(
                    "Section [{section}] contains incomplete authentication: If a username or a \
                     password is specified, both the username and password must be specified"
                ),
                format!("{option} is missing"),
                section,
                Some(option),
                entry,
            );
            Err(())
        }
    }
}

/// A boolean option of ours (`legacy_web_actions`, `metrics_auth`) with its default: Python
/// ignores these, so configs stay portable.
fn extension_flag(
    cx: &mut Ctx<'_>,
    section: &str,
    names: &crate::sections::Names,
    option: &str,
    default: bool,
) -> Option<bool> {
    match cx.get(section, option, None, Some(names)) {
        Ok(Some(found)) => cx.convert(section, option, &found, types::boolean).ok(),
        Ok(None) => Some(default),
        Err(_) => None,
    }
}

/// `legacy_web_actions` (default false) and `metrics_auth` (default true), in that order.
fn extension_flags(
    cx: &mut Ctx<'_>,
    section: &str,
    names: &crate::sections::Names,
) -> Option<(bool, bool)> {
    // Both are read before giving up, so a config with two bad values gets two errors.
    let legacy = extension_flag(cx, section, names, "legacy_web_actions", false);
    let metrics_auth = extension_flag(cx, section, names, "metrics_auth", true);
    Some((legacy?, metrics_auth?))
}

fn inet(cx: &mut Ctx<'_>, section: &str) -> Option<InetServer> {
    let names = cx.names(&[]);
    let auth = credentials(cx, section, &names);
    let port: Option<Found<'_>> = cx.get(section, "port", None, Some(&names)).ok()?;
    let Some(port) = port else {
        cx.error(
            format!("section [{section}] has no port value"),
            section,
            Some("port"),
            None,
        );
        return None;
    };
    let (host, port) = cx
        .convert(section, "port", &port, types::inet_address)
        .ok()?;
    let (legacy_web_actions, metrics_auth) = extension_flags(cx, section, &names)?;
    Some(InetServer {
        name: server_name(section),
        section: section.to_string(),
        host,
        port,
        auth: auth.ok()?,
        legacy_web_actions,
        metrics_auth,
    })
}

fn unix(cx: &mut Ctx<'_>, section: &str) -> Option<UnixServer> {
    let host = cx.host;
    let names = cx.names(&[]);
    let file_names = cx.names(&[("here", ExpandValue::Str(cx.here.clone()))]);
    let file = match cx.get(section, "file", None, Some(&file_names)) {
        Ok(Some(found)) => Some(types::normalize_path(
            supervisor_core::pystr::py_strip(&found.value),
            &cx.load.cwd,
            host,
        )),
        Ok(None) => {
            cx.error(
                format!("section [{section}] has no file value"),
                section,
                Some("file"),
                None,
            );
            None
        }
        Err(_) => None,
    };
    let auth = credentials(cx, section, &names);
    let chown = match cx.get(section, "chown", None, Some(&names)) {
        Ok(Some(found)) => cx
            .convert(section, "chown", &found, |v| {
                types::colon_separated_user_group(v, host)
                    .map_err(|_| format!("Invalid sockchown value {v}"))
            })
            .ok(),
        Ok(None) => Some((-1, -1)),
        Err(_) => None,
    };
    let chmod = match cx.get(section, "chmod", None, Some(&names)) {
        Ok(Some(found)) => cx
            .convert(section, "chmod", &found, |v| {
                types::octal(v).map_err(|_| format!("Invalid chmod value {v}"))
            })
            .ok(),
        Ok(None) => Some(0o700),
        Err(_) => None,
    };
    let (legacy_web_actions, metrics_auth) = extension_flags(cx, section, &names)?;
    Some(UnixServer {
        name: server_name(section),
        section: section.to_string(),
        file: file?,
        chmod: chmod?,
        chown: chown?,
        auth: auth.ok()?,
        legacy_web_actions,
        metrics_auth,
    })
}
