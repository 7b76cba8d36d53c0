//! `[rpcinterface:x]` and `[ctlplugin:x]` (spec §1.5.11): Python's `get_plugins`.
//!
//! Python imports the factory named by the section; a Rust daemon cannot load Python code, so we
//! accept the factories whose namespaces we provide natively (`supervisor.*`, and
//! supervisor_twiddler's) and reject anything else with a message naming the factory (Python's
//! own wording for a factory it cannot resolve) and a hint naming the native equivalent
//! (`known_plugins`).

use std::collections::BTreeMap;

use super::known_plugins::{hint, Slot};
use super::{after_colon, Ctx};
use crate::model::{CtlPlugin, RpcInterface, RpcKind};
use crate::types;

/// The factory of the standard `supervisor.*` XML-RPC namespace.
pub(crate) const MAIN_RPCINTERFACE_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
/// supervisor_twiddler's factory, whose namespace we provide natively.
pub(crate) const TWIDDLER_RPCINTERFACE_FACTORY: &str =
    "supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface";
/// The only keyword argument twiddler's factory takes.
const TWIDDLER_WHITELIST_KEY: &str = "whitelist";
/// The key naming an rpcinterface factory.
pub(crate) const RPC_FACTORY_KEY: &str = "supervisor.rpcinterface_factory";
/// The key naming a supervisorctl plugin factory.
pub(crate) const CTL_FACTORY_KEY: &str = "supervisor.ctl_factory";

/// One plugin section as Python's `get_plugins` reads it.
struct Plugin {
    name: String,
    factory: String,
    extras: BTreeMap<String, String>,
}

/// Reads every section starting with `prefix`; `supported` lists the factories we can provide.
fn plugins(
    cx: &mut Ctx<'_>,
    prefix: &str,
    factory_key: &str,
    supported: &[&str],
    slot: Slot,
) -> Vec<Plugin> {
    let mut out = Vec::new();
    let names = cx.names(&[]);
    for section in cx.section_names() {
        if !section.starts_with(prefix) {
            continue;
        }
        let factory = match cx.get(&section, factory_key, None, Some(&names)) {
            Ok(Some(found)) => {
                if supported.contains(&found.value.as_str()) {
                    Some(found.value)
                } else {
                    cx.error_hint(
                        format!("{} cannot be resolved within [{section}]", found.value),
                        hint(slot, &found.value),
                        &section,
                        Some(factory_key),
                        found.entry,
                    );
                    None
                }
            }
            Ok(None) => {
                cx.error(
                    format!("section [{section}] does not specify a {factory_key}"),
                    &section,
                    Some(factory_key),
                    None,
                );
                None
            }
            Err(_) => None,
        };
        let mut extras = BTreeMap::new();
        for key in cx.doc.options(&section) {
            if key == factory_key {
                continue;
            }
            if let Ok(Some(found)) = cx.get(&section, &key, None, Some(&names)) {
                extras.insert(key, found.value);
            }
        }
        if let Some(factory) = factory {
            out.push(Plugin {
                name: after_colon(&section).to_string(),
                factory,
                extras,
            });
        }
    }
    out
}

/// Every `[rpcinterface:x]` section; only the factories we provide are accepted.
pub(crate) fn rpcinterfaces(cx: &mut Ctx<'_>) -> Vec<RpcInterface> {
    let found = plugins(
        cx,
        "rpcinterface:",
        RPC_FACTORY_KEY,
        &[MAIN_RPCINTERFACE_FACTORY, TWIDDLER_RPCINTERFACE_FACTORY],
        Slot::RpcInterface,
    );
    let mut out = Vec::with_capacity(found.len());
    for p in found {
        let kind = if p.factory == TWIDDLER_RPCINTERFACE_FACTORY {
            twiddler_kind(cx, &p)
        } else {
            RpcKind::Supervisor
        };
        out.push(RpcInterface {
            name: p.name,
            factory: p.factory,
            extras: p.extras,
            kind,
        });
    }
    out
}

/// supervisor_twiddler's keyword arguments: `whitelist` (Python's `list_of_strings`), and
/// nothing else (Python's factory raises `TypeError` at startup: `Could not make x rpc
/// interface`).
fn twiddler_kind(cx: &mut Ctx<'_>, p: &Plugin) -> RpcKind {
    let section = format!("rpcinterface:{}", p.name);
    for key in p.extras.keys().filter(|k| *k != TWIDDLER_WHITELIST_KEY) {
        let entry = cx.entry(&section, key);
        cx.error_hint(
            format!("Could not make {} rpc interface", p.name),
            format!(
                "supervisor_twiddler's factory takes no option {key:?}, only                  {TWIDDLER_WHITELIST_KEY} (a comma-separated list of the methods that may be                  called)"
            ),
            &section,
            Some(key),
            entry,
        );
    }
    let whitelist = p
        .extras
        .get(TWIDDLER_WHITELIST_KEY)
        .map(|v| types::list_of_strings(v))
        .unwrap_or_default();
    RpcKind::Twiddler { whitelist }
}

/// Every `[ctlplugin:x]` section (supervisorctl only); no Python plugin can be loaded, so each
/// one is an error.
pub(crate) fn ctlplugins(cx: &mut Ctx<'_>) -> Vec<CtlPlugin> {
    plugins(cx, "ctlplugin:", CTL_FACTORY_KEY, &[], Slot::CtlPlugin)
        .into_iter()
        .map(|p| CtlPlugin {
            name: p.name,
            factory: p.factory,
            extras: p.extras,
        })
        .collect()
}
