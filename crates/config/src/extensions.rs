//! The options supervisor-rs adds to Supervisor's sections (contract: every extension is opt-in,
//! and Python Supervisor ignores it, so a config using one still loads there).
//!
//! This one list feeds the typo warnings (an extension is a known option), and the tests that
//! keep each extension documented: commented out in `echo_supervisord_conf`'s sample, and in the
//! README.

/// One option of ours in one of Supervisor's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension {
    /// The section kind as written before the `:` (`program` also covers `fcgi-program` and
    /// `eventlistener`, which take every program option).
    pub section: &'static str,
    /// The option's name.
    pub option: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
}

/// Every extension option, by section.
pub const EXTENSIONS: &[Extension] = &[
    Extension {
        section: "supervisord",
        option: "event_history",
        summary: "events kept for event stream clients that reconnect (default 1000)",
    },
    Extension {
        section: "unix_http_server",
        option: "legacy_web_actions",
        summary: "let the web page act on Supervisor's old GET links (default false: refused)",
    },
    Extension {
        section: "inet_http_server",
        option: "legacy_web_actions",
        summary: "let the web page act on Supervisor's old GET links (default false: refused)",
    },
    Extension {
        section: "unix_http_server",
        option: "metrics_auth",
        summary: "false lets /metrics (only it) answer without credentials (default true)",
    },
    Extension {
        section: "inet_http_server",
        option: "metrics_auth",
        summary: "false lets /metrics (only it) answer without credentials (default true)",
    },
];

/// The extension options of one section kind.
pub fn options_of(section_kind: &str) -> impl Iterator<Item = &'static str> + '_ {
    EXTENSIONS
        .iter()
        .filter(move |e| e.section == section_kind)
        .map(|e| e.option)
}
