//! What a `{namespec}` path segment names, as `supervisorctl` reads its arguments: `all`,
//! `group:*` (or `group:`), `group:name`, or `name`.
//!
//! Segments that could never name a process (`..`, `/`, NUL or other control characters,
//! more than [`MAX_NAMESPEC`] bytes) are refused here as `BAD_NAME` without asking the owner,
//! so hostile paths cost nothing and never reach a log line whole.

use supervisor_core::namespec::Namespec;

use super::errors::Failure;

/// The longest namespec accepted (a group and a process name with room to spare).
pub const MAX_NAMESPEC: usize = 1024;

/// What an action or view applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `all`: every process.
    All,
    /// `group:*` or `group:`: every process of a group; `spec` is the namespec as given.
    Group {
        /// The group name.
        group: String,
        /// The namespec as the client wrote it (what errors name).
        spec: String,
    },
    /// One process: `group:name` or `name`.
    One(String),
}

impl Target {
    /// Parses a decoded path segment.
    pub fn parse(spec: &str) -> Result<Target, Failure> {
        check(spec)?;
        if spec == "all" {
            return Ok(Target::All);
        }
        Ok(match Namespec::parse(spec) {
            Namespec::Group(group) => Target::Group {
                group: group.to_string(),
                spec: spec.to_string(),
            },
            Namespec::Process { .. } => Target::One(spec.to_string()),
        })
    }
}

/// Refuses what can never be a namespec.
fn check(spec: &str) -> Result<(), Failure> {
    if spec.len() > MAX_NAMESPEC {
        return Err(Failure::bad_name(format!(
            "a namespec is at most {MAX_NAMESPEC} bytes; this one has {}",
            spec.len()
        )));
    }
    if spec.is_empty() {
        return Err(Failure::bad_name(
            "empty namespec: name a process (name or group:name), a group (group:*) or all",
        ));
    }
    if spec.contains("..") || spec.contains('/') || spec.chars().any(char::is_control) {
        return Err(Failure::bad_name(format!(
            "no such process or group: {spec:?} (names cannot contain '..', '/' or control \
             characters)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespecs_read_as_supervisorctl_reads_them() {
        assert_eq!(Target::parse("all"), Ok(Target::All));
        assert_eq!(Target::parse("a"), Ok(Target::One("a".into())));
        assert_eq!(Target::parse("g:a"), Ok(Target::One("g:a".into())));
        for spec in ["g:*", "g:"] {
            assert_eq!(
                Target::parse(spec),
                Ok(Target::Group {
                    group: "g".into(),
                    spec: spec.into()
                })
            );
        }
    }

    #[test]
    fn hostile_namespecs_are_bad_names() {
        let long = "x".repeat(10_000);
        for spec in [
            "",
            "..",
            "a/b",
            "g:..",
            "a\0b",
            "a\nb",
            "a\u{7f}",
            long.as_str(),
        ] {
            let e = Target::parse(spec).unwrap_err();
            assert_eq!(e.code, "BAD_NAME", "{spec:?}");
            assert!(e.message.len() < 200, "{spec:?}: the message stays short");
        }
    }
}
