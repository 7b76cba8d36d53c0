//! Collected diagnostics: every error and warning found while loading a configuration.
//!
//! Python Supervisor stops at the first bad value; we keep going and report every problem, each
//! with the file, line, section and option it came from. `message` keeps Python's wording (so that
//! users searching for it, and our differential tests, find the familiar text); `hint` carries our
//! own advice (a suggested option name, how to write a literal `%`).

use std::fmt;
use std::path::{Path, PathBuf};

use supervisor_core::pystr::py_repr;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The configuration cannot be used; the daemon refuses to start.
    Error,
    /// The configuration is used, but something looks wrong (Python's `parse_warnings` and ours).
    Warning,
}

/// One problem found in a configuration, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Python Supervisor's wording where it has one, without its ` in section …` suffix.
    pub message: String,
    /// The file the offending text is in (absolute).
    pub file: Option<PathBuf>,
    /// The 1-based line of the offending option (or section header).
    pub line: Option<usize>,
    /// The section name as written between the brackets, e.g. `program:web`.
    pub section: Option<String>,
    /// The option name (lower-cased, as the reader stores it).
    pub option: Option<String>,
    /// Our own advice, shown after the message (never part of Python's text).
    pub hint: Option<String>,
    /// Set when Python adds ` in section 'S' (file: 'F')` to this message (see
    /// [`Diagnostic::python_message`]).
    pub python_context: Option<PythonContext>,
}

/// The section and file Python names in the suffix of errors raised while building processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonContext {
    /// The section, e.g. `program:a`.
    pub section: String,
    /// The file as Python names it: the `-c` path as given for the main file, the absolute path
    /// for included files.
    pub file: String,
}

impl Diagnostic {
    /// An error with only a message.
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message)
    }

    /// A warning with only a message.
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message)
    }

    fn new(severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            message: message.into(),
            file: None,
            line: None,
            section: None,
            option: None,
            hint: None,
            python_context: None,
        }
    }

    /// Sets where the problem is (file and line).
    pub fn at(mut self, file: &Path, line: usize) -> Self {
        self.file = Some(file.to_path_buf());
        self.line = Some(line);
        self
    }

    /// Sets the section name.
    pub fn in_section(mut self, section: &str) -> Self {
        self.section = Some(section.to_string());
        self
    }

    /// Sets the option name.
    pub fn for_option(mut self, option: &str) -> Self {
        self.option = Some(option.to_string());
        self
    }

    /// Adds our own advice.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Marks this as an error Python reports with the ` in section … (file: …)` suffix.
    pub fn with_python_context(mut self, section: &str, file: &str) -> Self {
        self.python_context = Some(PythonContext {
            section: section.to_string(),
            file: file.to_string(),
        });
        self
    }

    /// The single line Python Supervisor prints after `Error: ` for this problem.
    pub fn python_message(&self) -> String {
        match &self.python_context {
            Some(ctx) => format!(
                "{} in section {} (file: {})",
                self.message,
                py_repr(&ctx.section),
                py_repr(&ctx.file)
            ),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for Diagnostic {
    /// One sentence: `FILE:LINE: [SECTION] OPTION: MESSAGE (HINT)`, leaving out unknown parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if let Some(section) = &self.section {
            write!(f, "[{section}] ")?;
        }
        if let Some(option) = &self.option {
            write!(f, "{option}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Every error found in a configuration that could not be loaded, plus the warnings and
/// informational messages gathered on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics {
    /// The errors, in the order Python Supervisor would meet them (so the first is the one Python
    /// reports).
    pub errors: Vec<Diagnostic>,
    /// Warnings found before giving up.
    pub warnings: Vec<Diagnostic>,
    /// Informational messages (e.g. `Included extra file "…" during parsing`).
    pub infos: Vec<String>,
}

impl Diagnostics {
    /// Diagnostics holding a single error.
    pub fn single(error: Diagnostic) -> Self {
        Diagnostics {
            errors: vec![error],
            ..Default::default()
        }
    }
}

impl fmt::Display for Diagnostics {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_message_adds_suffix_only_with_context() {
        let d = Diagnostic::error("not a valid boolean value: 'maybe'")
            .at(Path::new("/etc/s.conf"), 4)
            .in_section("program:a")
            .for_option("autostart")
            .with_python_context("program:a", "s.conf");
        assert_eq!(
            d.python_message(),
            "not a valid boolean value: 'maybe' in section 'program:a' (file: 's.conf')"
        );
        assert_eq!(
            d.to_string(),
            "/etc/s.conf:4: [program:a] autostart: not a valid boolean value: 'maybe'"
        );
        let plain = Diagnostic::error(".ini file does not include supervisord section");
        assert_eq!(plain.python_message(), plain.message);
        assert_eq!(plain.to_string(), plain.message);
    }

    #[test]
    fn display_of_warning_with_hint() {
        let d = Diagnostic::warning("unknown option")
            .at(Path::new("/a.conf"), 2)
            .in_section("program:x")
            .for_option("autostrat")
            .with_hint("did you mean 'autostart'?");
        assert_eq!(
            d.to_string(),
            "/a.conf:2: warning: [program:x] autostrat: unknown option (did you mean 'autostart'?)"
        );
    }
}
