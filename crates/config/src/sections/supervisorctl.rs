//! `[supervisorctl]` (spec §1.5.4), as Python's `ClientOptions.read_config` reads it.

use super::Ctx;
use crate::expand::ExpandValue;
use crate::model::Supervisorctl;
use crate::types;

/// The section name.
pub(crate) const SECTION: &str = "supervisorctl";

/// Reads `[supervisorctl]`; a missing section is Python's error. `ctlplugins` are not read here.
pub(crate) fn read(cx: &mut Ctx<'_>) -> Supervisorctl {
    let mut out = Supervisorctl::default();
    if !cx.doc.has_section(SECTION) {
        cx.errors.push(crate::error::Diagnostic::error(
            ".ini file does not include supervisorctl section",
        ));
        return out;
    }
    let s = SECTION;
    let host = cx.host;
    let cwd = cx.load.cwd.clone();
    let here = cx.names(&[("here", ExpandValue::Str(cx.here.clone()))]);
    let env = cx.names(&[]);
    if let Ok(Some(found)) = cx.get(s, "serverurl", Some("http://localhost:9001"), Some(&here)) {
        out.serverurl = match found.value.strip_prefix("unix://") {
            Some(path) => format!(
                "unix://{}",
                types::normalize_path(path, &cwd, host).display()
            ),
            None => found.value,
        };
    }
    if let Ok(Some(found)) = cx.get(s, "prompt", Some("supervisor"), Some(&env)) {
        out.prompt = found.value;
    }
    if let Ok(found) = cx.get(s, "username", None, Some(&env)) {
        out.username = found.map(|f| f.value);
    }
    if let Ok(found) = cx.get(s, "password", None, Some(&env)) {
        out.password = found.map(|f| f.value);
    }
    if let Ok(Some(found)) = cx.get(s, "history_file", None, Some(&here)) {
        if !found.value.is_empty() {
            out.history_file = Some(types::normalize_path(&found.value, &cwd, host));
        }
    }
    out
}
