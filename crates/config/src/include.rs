//! Reading the main file and its `[include] files=` (spec §1.5.10) into one [`Document`].
//!
//! Follows Python's `ServerOptions.read_config`: when an `[include]` section exists, the literal
//! text `%(here)s` is first replaced by the main file's directory everywhere (quirk Q28, copied),
//! then each pattern (relative to the main file's directory) is globbed, matches are read in
//! sorted order, and after each file its own `%(here)s` occurrences become *its* directory.
//! Included files' own `[include]` sections are not followed.

use std::path::{Path, PathBuf};

use crate::discovery::{py_dirname, py_join};
use crate::error::Diagnostic;
use crate::expand::{expand_values, ExpandValue};
use crate::host::Host;
use crate::ini::{Document, IniError};
use crate::load::LoadContext;
use crate::types::normpath;
use supervisor_core::pystr::py_isspace;

/// The document read from a main file and its includes, with what was said on the way.
#[derive(Debug, Default)]
pub(crate) struct ReadOutcome {
    /// The merged document (meaningless when `errors` is not empty).
    pub doc: Document,
    /// `%(here)s` of the main file.
    pub here: String,
    /// Problems that prevent using the document.
    pub errors: Vec<Diagnostic>,
    /// Python's include warnings and ours.
    pub warnings: Vec<Diagnostic>,
    /// `Included extra file "…" during parsing` messages.
    pub infos: Vec<String>,
}

/// `path` made absolute against `cwd` and normalised (Python's `os.path.abspath`).
pub(crate) fn abspath(path: &str, cwd: &Path) -> String {
    if path.starts_with('/') {
        normpath(path)
    } else {
        normpath(&format!("{}/{path}", cwd.to_string_lossy()))
    }
}

/// A parse error as a diagnostic placed at its (first) bad line.
fn ini_error(e: &IniError, cwd: &Path) -> Diagnostic {
    let file = abspath(&e.file().to_string_lossy(), cwd);
    Diagnostic::error(e.to_string()).at(Path::new(&file), e.line())
}

/// Reads the main file `path` (as given on the command line) and everything it includes.
/// `expand_includes` is false for supervisorctl, which ignores `[include]`.
pub(crate) fn read_document(
    path: &Path,
    ctx: &LoadContext,
    host: &dyn Host,
    expand_includes: bool,
) -> ReadOutcome {
    let given = path.to_string_lossy().into_owned();
    let abs = abspath(&given, &ctx.cwd);
    let mut out = ReadOutcome {
        here: abspath(&py_dirname(&given), &ctx.cwd),
        ..Default::default()
    };
    if !host.exists(Path::new(&abs)) {
        out.errors.push(Diagnostic::error(format!(
            "could not find config file {given}"
        )));
        return out;
    }
    let text = match host.read_file(Path::new(&abs)) {
        Ok(text) => text,
        Err(_) => {
            out.errors.push(Diagnostic::error(format!(
                "could not read config file {given}"
            )));
            return out;
        }
    };
    if let Err(e) = out.doc.read_str(&text, path) {
        out.errors.push(ini_error(&e, &ctx.cwd));
        return out;
    }
    if expand_includes && out.doc.has_section("include") {
        read_includes(&mut out, ctx, host);
    }
    out
}

fn read_includes(out: &mut ReadOutcome, ctx: &LoadContext, host: &dyn Host) {
    let here = out.here.clone();
    out.doc.expand_here(&here);
    let section = out.doc.section("include").expect("checked by the caller");
    let place = |d: Diagnostic, file: &Path, line: usize| {
        d.at(Path::new(&abspath(&file.to_string_lossy(), &ctx.cwd)), line)
            .in_section("include")
    };
    let Some(entry) = out.doc.get("include", "files").cloned() else {
        let d = Diagnostic::error(".ini file has [include] section, but no files setting");
        out.errors.push(place(d, &section.file, section.line));
        return;
    };
    let mut names: std::collections::BTreeMap<String, ExpandValue> = ctx
        .environment
        .iter()
        .map(|(k, v)| (format!("ENV_{k}"), ExpandValue::Str(v.clone())))
        .collect();
    names.insert("here".into(), ExpandValue::Str(here.clone()));
    names.insert(
        "host_node_name".into(),
        ExpandValue::Str(ctx.host_node_name.clone()),
    );
    let files = match expand_values(&entry.value, &names) {
        Ok(files) => files,
        Err(e) => {
            let d = Diagnostic::error(e.message(&entry.value, "include.files", &names))
                .for_option("files");
            out.errors.push(place(d, &entry.file, entry.line));
            return;
        }
    };
    // Python's `os.path.dirname(os.path.abspath(fp.name))`: the main file's directory.
    let base = here;
    for pattern in files.split(py_isspace).filter(|p| !p.is_empty()) {
        let pattern = py_join(&base, pattern);
        let matches: Vec<PathBuf> = host.glob(&pattern);
        if matches.is_empty() {
            let d = Diagnostic::warning(format!("No file matches via include \"{pattern}\""))
                .for_option("files");
            out.warnings.push(place(d, &entry.file, entry.line));
            continue;
        }
        for filename in matches {
            let name = filename.to_string_lossy().into_owned();
            out.infos
                .push(format!("Included extra file \"{name}\" during parsing"));
            // Python's RawConfigParser.read skips files it cannot open without a word; we warn.
            let text = match host.read_file(&filename) {
                Ok(text) => text,
                Err(e) => {
                    let d =
                        Diagnostic::warning(format!("could not read included file {name}: {e}"))
                            .for_option("files");
                    out.warnings.push(place(d, &entry.file, entry.line));
                    continue;
                }
            };
            let mut own = Document::new();
            if own.read_str(&text, &filename).is_ok() && own.has_section("include") {
                let s = own.section("include").expect("just checked");
                let d = Diagnostic::warning(format!(
                    "the [include] section of included file {name} is ignored (includes do \
                     not nest)"
                ));
                out.warnings.push(place(d, &s.file, s.line));
            }
            match out.doc.read_str(&text, &filename) {
                Ok(()) => out.doc.expand_here(&abspath(&py_dirname(&name), &ctx.cwd)),
                Err(e) => out.errors.push(ini_error(&e, &ctx.cwd)),
            }
        }
    }
}
