//! A `[program:x]` section described at run time instead of in a file: what supervisor_twiddler's
//! `addProgramToGroup(group, name, options)` builds.
//!
//! Twiddler puts the options into a fresh parser's `[program:NAME]` section and hands it to
//! Supervisor's own `processes_from_section`, so the options mean what they mean in a file, with
//! the same defaults, expansions (`%(here)s` of the running config, `ENV_*` of supervisord's
//! environment and `[supervisord] environment`) and checks. We do the same with the same
//! section reader; the first problem is reported in Python's words, as Python stops there.

use std::path::Path;
use std::sync::Arc;

use crate::error::Diagnostic;
use crate::expand::ExpandValue;
use crate::host::Host;
use crate::ini::Document;
use crate::load::LoadContext;
use crate::model::{Config, ProcessConfig};
use crate::sections::{program::processes_from_section, Ctx};

/// The processes of program `program` in group `group`, from `options` (key, value) in the
/// order given (a later key replaces an earlier one, keys are lower-cased), read like a
/// `[program:PROGRAM]` section of `config`'s file. Unknown options are ignored, as Python does.
///
/// # Errors
///
/// The first problem Python would stop at; [`Diagnostic::python_message`] is its text
/// (`… in section 'program:p' (file: 'supervisord.conf')`).
pub fn processes_from_options(
    config: &Config,
    ctx: &LoadContext,
    host: &dyn Host,
    group: &str,
    program: &str,
    options: &[(String, String)],
) -> Result<Vec<Arc<ProcessConfig>>, Box<Diagnostic>> {
    let section = format!("program:{program}");
    // Python's fresh parser knows no file for the section, so its errors name the main file.
    let file: &Path = &config.config_file;
    let mut doc = Document::new();
    doc.add_section(&section, file, 0);
    for (key, value) in options {
        doc.set(&section, key, value, file, 0);
    }
    let mut cx = Ctx::new(
        &doc,
        host,
        ctx,
        file,
        config.here.to_string_lossy().into_owned(),
    );
    for (k, v) in &config.supervisord.environment {
        cx.env
            .insert(format!("ENV_{k}"), ExpandValue::Str(v.clone()));
    }
    let mut processes = processes_from_section(&mut cx, &section, group);
    if let Some(first) = cx.errors.into_iter().next() {
        return Err(Box::new(first));
    }
    for process in &mut processes {
        // As the loader does: supervisord's environment, then the program's own.
        let process = Arc::make_mut(process);
        let mut env = config.supervisord.environment.clone();
        env.extend(std::mem::take(&mut process.environment));
        process.environment = env;
    }
    Ok(processes)
}
