//! Namespecs, the names commands and RPCs use for processes: `group:process`, `group:*` (or
//! `group:`) for a whole group, and a bare `name` for the process `name` of group `name`
//! (Python's `supervisor.options.split_namespec` / `make_namespec`).

/// What a namespec names, borrowed from the text it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespec<'a> {
    /// One process: `group:process`, or `name` for `name:name`.
    Process {
        /// The group's name.
        group: &'a str,
        /// The process's name within the group.
        name: &'a str,
    },
    /// Every process of a group: `group:*` or `group:`.
    Group(&'a str),
}

impl<'a> Namespec<'a> {
    /// Parses a namespec the way Python's `split_namespec` does: split at the first `:`; an
    /// empty or `*` process part means the whole group; no `:` means the process of the same
    /// name in the group of that name. Never fails (unknown names are the caller's concern).
    #[must_use]
    pub fn parse(namespec: &'a str) -> Namespec<'a> {
        match namespec.split_once(':') {
            Some((group, name)) if name.is_empty() || name == "*" => Namespec::Group(group),
            Some((group, name)) => Namespec::Process { group, name },
            None => Namespec::Process {
                group: namespec,
                name: namespec,
            },
        }
    }

    /// `(group, process)`, the pair Python's `split_namespec` returns.
    #[must_use]
    pub const fn parts(self) -> (&'a str, Option<&'a str>) {
        (self.group(), self.process())
    }

    /// The group part.
    #[must_use]
    pub const fn group(self) -> &'a str {
        match self {
            Namespec::Process { group, .. } | Namespec::Group(group) => group,
        }
    }

    /// The process part, or `None` for a whole group (Python's `process_name = None`).
    #[must_use]
    pub const fn process(self) -> Option<&'a str> {
        match self {
            Namespec::Process { name, .. } => Some(name),
            Namespec::Group(_) => None,
        }
    }
}

/// Python's `make_namespec(group, process)`: `process` when the two names are equal, else
/// `group:process`; a missing process is formatted as Python formats `None` (`group:None`).
#[must_use]
pub fn make(group: &str, process: Option<&str>) -> String {
    match process {
        Some(p) if p == group => p.to_owned(),
        Some(p) => format!("{group}:{p}"),
        None => format!("{group}:None"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> (&str, Option<&str>) {
        Namespec::parse(s).parts()
    }

    #[test]
    fn parse_matches_split_namespec() {
        // supervisorctl's cases (`split_namespec`).
        assert_eq!(split("g:*"), ("g", None));
        assert_eq!(split("g:"), ("g", None));
        assert_eq!(split("g:p"), ("g", Some("p")));
        assert_eq!(split("p"), ("p", Some("p")));
        assert_eq!(
            Namespec::parse("g:p"),
            Namespec::Process {
                group: "g",
                name: "p"
            }
        );
        assert_eq!(Namespec::parse("g:*"), Namespec::Group("g"));
    }

    #[test]
    fn parse_edge_cases_the_daemon_relies_on() {
        // Only the first colon splits: the process part keeps the rest (no such process exists,
        // so the daemon answers BAD_NAME / 404 rather than treating it as a group).
        assert_eq!(split("g:p:q"), ("g", Some("p:q")));
        assert_eq!(split("g:**"), ("g", Some("**")));
        assert_eq!(split("g::"), ("g", Some(":")));
        // An empty group part is kept as an empty group name.
        assert_eq!(split(":p"), ("", Some("p")));
        assert_eq!(split(":"), ("", None));
        assert_eq!(split(""), ("", Some("")));
        // `*` alone is a process named `*` in the group `*`, not a wildcard.
        assert_eq!(split("*"), ("*", Some("*")));
        // No trimming: spaces are part of the names.
        assert_eq!(split(" g : p "), (" g ", Some(" p ")));
    }

    #[test]
    fn make_matches_make_namespec() {
        assert_eq!(make("p", Some("p")), "p");
        assert_eq!(make("g", Some("p")), "g:p");
        assert_eq!(make("g", None), "g:None");
        assert_eq!(make("", Some("")), "");
    }
}
