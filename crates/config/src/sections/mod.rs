//! Typed reading of each section kind, on top of the INI [`Document`].
//!
//! Every section reader works through [`Ctx`], which mirrors Python's `saneget`: look the option
//! up (with `[DEFAULT]` fallback), expand it against a set of names, convert it. Unlike Python,
//! a failure does not stop the load: it is recorded as a [`Diagnostic`] with the option's file and
//! line, and the reader carries on with the next option (skipping only what depends on the
//! failed value), so one run reports every problem.

pub(crate) mod eventlistener;
pub(crate) mod fcgi_program;
pub(crate) mod group;
pub(crate) mod http_servers;
pub(crate) mod known;
pub(crate) mod known_plugins;
pub(crate) mod plugins;
pub(crate) mod program;
pub(crate) mod supervisorctl;
pub(crate) mod supervisord;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;
use crate::expand::{expand_values, ExpandValue};
use crate::host::Host;
use crate::ini::{Document, Entry};
use crate::load::LoadContext;
use crate::types::normpath;

/// The names a value is expanded against (Python's expansion dict).
pub(crate) type Names = BTreeMap<String, ExpandValue>;

/// Marks a value that could not be read; its diagnostic has already been recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed;

/// An option's value and where it came from (`None`: the default was used).
#[derive(Debug, Clone)]
pub(crate) struct Found<'d> {
    /// The (expanded, when asked) text.
    pub value: String,
    /// The entry it came from.
    pub entry: Option<&'d Entry>,
}

/// Shared state of one load: the document, the host, the expansion names and the diagnostics.
pub(crate) struct Ctx<'d> {
    /// The merged INI document (main file plus includes).
    pub doc: &'d Document,
    /// File system and user database.
    pub host: &'d dyn Host,
    /// Environment, host name, cwd, tmpdir, euid.
    pub load: &'d LoadContext,
    /// `%(here)s`: the main file's absolute directory.
    pub here: String,
    /// The main file as given (Python names it this way in its messages).
    pub config_file: PathBuf,
    /// `ENV_*` names: supervisord's environment, later extended by `[supervisord] environment`.
    pub env: Names,
    /// Errors, in the order Python would meet them.
    pub errors: Vec<Diagnostic>,
    /// Warnings (Python's `parse_warnings` and ours).
    pub warnings: Vec<Diagnostic>,
    /// Informational messages (Python's `parse_infos`).
    pub infos: Vec<String>,
    /// While reading a program-like section: the section and file Python appends to its errors.
    pub python_context: Option<(String, String)>,
}

impl<'d> Ctx<'d> {
    /// A context over `doc`, with `ENV_*` names from the load context's environment.
    pub fn new(
        doc: &'d Document,
        host: &'d dyn Host,
        load: &'d LoadContext,
        config_file: &Path,
        here: String,
    ) -> Self {
        let env = load
            .environment
            .iter()
            .map(|(k, v)| (format!("ENV_{k}"), ExpandValue::Str(v.clone())))
            .collect();
        Ctx {
            doc,
            host,
            load,
            here,
            config_file: config_file.to_path_buf(),
            env,
            errors: Vec::new(),
            warnings: Vec::new(),
            infos: Vec::new(),
            python_context: None,
        }
    }

    /// The `ENV_*` names plus `extra` (which win on equal keys).
    pub fn names(&self, extra: &[(&str, ExpandValue)]) -> Names {
        let mut names = self.env.clone();
        for (k, v) in extra {
            names.insert((*k).to_string(), v.clone());
        }
        names
    }

    /// `ENV_*` plus `here`.
    pub fn here_names(&self) -> Names {
        self.names(&[("here", ExpandValue::Str(self.here.clone()))])
    }

    /// The entry of `key` in `section`, falling back to `[DEFAULT]`.
    pub fn entry(&self, section: &str, key: &str) -> Option<&'d Entry> {
        self.doc.get(section, key)
    }

    /// A path made absolute against the load's cwd (diagnostics always name absolute files).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        let text = path.to_string_lossy();
        if text.starts_with('/') {
            PathBuf::from(normpath(&text))
        } else {
            PathBuf::from(normpath(&format!(
                "{}/{text}",
                self.load.cwd.to_string_lossy()
            )))
        }
    }

    /// A diagnostic placed at `entry`, or at the section header when the value was a default
    /// or the problem concerns the section as a whole.
    pub fn place(
        &self,
        mut d: Diagnostic,
        section: &str,
        option: Option<&str>,
        entry: Option<&Entry>,
    ) -> Diagnostic {
        let pos = match entry {
            Some(e) => Some((e.file.clone(), e.line)),
            None => self.doc.section(section).map(|s| (s.file.clone(), s.line)),
        };
        if let Some((file, line)) = pos {
            d = d.at(&self.absolute(&file), line);
        }
        d = d.in_section(section);
        if let Some(o) = option {
            d = d.for_option(o);
        }
        if let Some((s, f)) = &self.python_context {
            d = d.with_python_context(s, f);
        }
        d
    }

    /// Records an error about `option` of `section` (placed at `entry` if given).
    pub fn error(
        &mut self,
        message: impl Into<String>,
        section: &str,
        option: Option<&str>,
        entry: Option<&Entry>,
    ) {
        let d = self.place(Diagnostic::error(message), section, option, entry);
        self.errors.push(d);
    }

    /// Records an error carrying a hint.
    pub fn error_hint(
        &mut self,
        message: impl Into<String>,
        hint: impl Into<String>,
        section: &str,
        option: Option<&str>,
        entry: Option<&Entry>,
    ) {
        let d = self
            .place(Diagnostic::error(message), section, option, entry)
            .with_hint(hint);
        self.errors.push(d);
    }

    /// Records a warning about `option` of `section`.
    pub fn warn(
        &mut self,
        message: impl Into<String>,
        section: &str,
        option: Option<&str>,
        entry: Option<&Entry>,
    ) {
        let mut d = self.place(Diagnostic::warning(message), section, option, entry);
        d.python_context = None;
        self.warnings.push(d);
    }

    /// Expands `value` against `names`; on failure records Supervisor's message naming `where_`
    /// (`section.option` for `saneget`, or the bare names Python uses for second passes).
    pub fn expand(
        &mut self,
        value: &str,
        names: &Names,
        where_: &str,
        section: &str,
        option: &str,
        entry: Option<&Entry>,
    ) -> Result<String, Failed> {
        expand_values(value, names).map_err(|e| {
            let message = e.message(value, where_, names);
            self.error(message, section, Some(option), entry);
            Failed
        })
    }

    /// Python's `saneget(section, option, default, expansions=names)`: the value (expanded
    /// when `names` is given; a default is expanded too), or `None` when absent without default.
    pub fn get(
        &mut self,
        section: &str,
        key: &str,
        default: Option<&str>,
        names: Option<&Names>,
    ) -> Result<Option<Found<'d>>, Failed> {
        let entry = self.entry(section, key);
        let raw = match (entry, default) {
            (Some(e), _) => e.value.clone(),
            (None, Some(d)) => d.to_string(),
            (None, None) => return Ok(None),
        };
        let value = match names {
            Some(names) => {
                let where_ = format!("{section}.{key}");
                self.expand(&raw, names, &where_, section, key, entry)?
            }
            None => raw,
        };
        Ok(Some(Found { value, entry }))
    }

    /// Converts a found value, recording the converter's message on failure.
    pub fn convert<T>(
        &mut self,
        section: &str,
        key: &str,
        found: &Found<'d>,
        conv: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, Failed> {
        conv(&found.value).map_err(|message| {
            self.error(message, section, Some(key), found.entry);
            Failed
        })
    }

    /// `conv(saneget(section, key, default, names))`: the common case of an option with a
    /// string default.
    pub fn typed<T>(
        &mut self,
        section: &str,
        key: &str,
        default: &str,
        names: &Names,
        conv: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, Failed> {
        let found = self
            .get(section, key, Some(default), Some(names))?
            .expect("a default is always found");
        self.convert(section, key, &found, conv)
    }

    /// Like [`Ctx::typed`] for an option without default: `Ok(None)` when absent.
    pub fn typed_opt<T>(
        &mut self,
        section: &str,
        key: &str,
        names: &Names,
        conv: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, Failed> {
        match self.get(section, key, None, Some(names))? {
            Some(found) => self.convert(section, key, &found, conv).map(Some),
            None => Ok(None),
        }
    }

    /// The file Python names for `section` in its ` in section …` suffix: the included file
    /// that first defined it, or the main file as given.
    pub fn python_file_of(&self, section: &str) -> String {
        self.doc
            .section(section)
            .map(|s| s.file.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.config_file.to_string_lossy().into_owned())
    }

    /// Removes errors recorded since `before` that repeat an earlier error about the same
    /// option at the same place: group-level and process-level readers look at some options
    /// (`priority`, `user`, `redirect_stderr`) twice, as Python does, but one report is enough.
    pub fn drop_repeated_since(&mut self, before: usize) {
        // Option errors repeat with different texts (a longer list of names); section-level
        // errors (an invalid name) repeat word for word.
        type Key = (
            Option<String>,
            Option<usize>,
            Option<String>,
            Option<String>,
        );
        let key = |e: &Diagnostic| -> Key {
            let message = e.option.is_none().then(|| e.message.clone());
            (e.section.clone(), e.line, e.option.clone(), message)
        };
        let earlier: Vec<Key> = self.errors[..before].iter().map(key).collect();
        let mut kept = self.errors.split_off(before);
        kept.retain(|e| !earlier.contains(&key(e)));
        self.errors.extend(kept);
    }

    /// Names of all sections, in first-seen order.
    pub fn section_names(&self) -> Vec<String> {
        self.doc.sections().map(|s| s.name.clone()).collect()
    }
}

/// Python's `str.split(':', 1)[1]` on a section name known to contain `:`.
pub(crate) fn after_colon(section: &str) -> &str {
    section.split_once(':').map_or("", |(_, rest)| rest)
}
