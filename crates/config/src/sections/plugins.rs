//! `[rpcinterface:x]` and `[ctlplugin:x]` (spec §1.5.11): Python's `get_plugins`.
//!
//! Python imports the factory named by the section; a Rust daemon cannot load Python code, so we
//! accept only the standard `supervisor.*` interface factory and reject anything else with a
//! message naming the factory (Python's own wording for a factory it cannot resolve, plus a hint).

use std::collections::BTreeMap;

use super::{after_colon, Ctx};
use crate::model::{CtlPlugin, RpcInterface};

/// The factory of the standard `supervisor.*` XML-RPC namespace.
pub(crate) const MAIN_RPCINTERFACE_FACTORY: &str = "supervisor.rpcinterface:make_main_rpcinterface";
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
fn plugins(cx: &mut Ctx<'_>, prefix: &str, factory_key: &str, supported: &[&str]) -> Vec<Plugin> {
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
                    let hint = match supported.first() {
                        Some(f) => format!(
                            "supervisor-rs cannot load Python plugins; the only supported \
                             factory is {f}"
                        ),
                        None => "supervisor-rs cannot load Python plugins".to_string(),
                    };
                    cx.error_hint(
                        format!("{} cannot be resolved within [{section}]", found.value),
                        hint,
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

/// Every `[rpcinterface:x]` section; only the standard factory is accepted.
pub(crate) fn rpcinterfaces(cx: &mut Ctx<'_>) -> Vec<RpcInterface> {
    plugins(
        cx,
        "rpcinterface:",
        RPC_FACTORY_KEY,
        &[MAIN_RPCINTERFACE_FACTORY],
    )
    .into_iter()
    .map(|p| RpcInterface {
        name: p.name,
        factory: p.factory,
        extras: p.extras,
    })
    .collect()
}

/// Every `[ctlplugin:x]` section (supervisorctl only); no Python plugin can be loaded, so each
/// one is an error.
pub(crate) fn ctlplugins(cx: &mut Ctx<'_>) -> Vec<CtlPlugin> {
    plugins(cx, "ctlplugin:", CTL_FACTORY_KEY, &[])
        .into_iter()
        .map(|p| CtlPlugin {
            name: p.name,
            factory: p.factory,
            extras: p.extras,
        })
        .collect()
}
