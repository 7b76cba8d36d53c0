//! The page templates (askama, compiled in, HTML-escaped by default) and the view data they show.

use askama::Template;
use supervisor_xmlrpc::{Struct, Value};

use super::form::quote_strict;
use crate::owner::Handle;
use crate::rpc::call_method;

/// What every page shows in its header and footer.
pub struct Chrome {
    /// supervisord's `identifier`.
    pub identifier: String,
    /// The Supervisor version we are compatible with.
    pub version: &'static str,
}

impl Chrome {
    /// Reads the identifier from the owner (a generic one while the daemon shuts down).
    pub async fn load(owner: &Handle) -> Chrome {
        let identifier = owner
            .call(|s| s.config.supervisord.identifier.clone())
            .await
            .unwrap_or_else(|_| "supervisor".to_string());
        Chrome {
            identifier,
            version: crate::options::VERSION,
        }
    }
}

/// The status page (`/`, `index.html`).
#[derive(Template)]
#[template(path = "web/status.html")]
pub struct StatusPage<'a> {
    /// Header and footer.
    pub chrome: Chrome,
    /// The message box (`?message=…`).
    pub message: Option<&'a str>,
    /// Whether the message reports a failure (shown in the error style).
    pub message_is_error: bool,
    /// The filter box's text.
    pub filter: &'a str,
    /// The form token.
    pub token: &'a str,
    /// The rendered process list ([`ProcsView`]), polled and replaced by the page's script.
    pub procs: String,
}

/// The process list: the part of the status page that updates live (`ui/procs`).
#[derive(Template)]
#[template(path = "web/procs.html")]
pub struct ProcsView {
    /// Groups and stand-alone programs, sorted by group then process name.
    pub blocks: Vec<Block>,
    /// Why the list could not be read (e.g. the daemon is shutting down).
    pub error: Option<String>,
    /// How many processes there are.
    pub total: usize,
    /// How many of them are RUNNING.
    pub running: usize,
    /// How many match the filter.
    pub shown: usize,
    /// The filter applied on the server (the page filters again in the browser).
    pub filter: String,
}

/// A run of rows: one group (collapsible), or a stand-alone program whose group has its name.
pub struct Block {
    /// The group header, for real groups.
    pub group: Option<GroupHead>,
    /// The group's name (also for stand-alone programs, where it is the program's name).
    pub group_name: String,
    /// The rows.
    pub rows: Vec<Row>,
}

/// A group's header row.
pub struct GroupHead {
    /// Group name.
    pub name: String,
    /// E.g. `2 running, 1 stopped`.
    pub counts: String,
}

/// One process row.
pub struct Row {
    /// `group:name` or `name`.
    pub namespec: String,
    /// The namespec, URL-quoted for links.
    pub quoted: String,
    /// The state name, lower-cased (`running`).
    pub statename: String,
    /// Supervisor's class for the state (`statusrunning`, `statuserror`, `statusnominal`).
    pub css: &'static str,
    /// `getProcessInfo`'s description.
    pub description: String,
    /// Offer Start.
    pub can_start: bool,
    /// Offer Stop.
    pub can_stop: bool,
    /// Offer Restart.
    pub can_restart: bool,
}

/// Supervisor's CSS class for a state code.
fn css_for(state: i64) -> &'static str {
    match state {
        20 => "statusrunning",
        30 | 200 => "statuserror",
        _ => "statusnominal",
    }
}

impl Row {
    fn from_info(info: &Struct) -> Row {
        let text = |k: &str| {
            info.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let name = text("name");
        let group = text("group");
        let namespec = if name == group {
            name
        } else {
            format!("{group}:{name}")
        };
        let state = info.get("state").and_then(Value::as_i64).unwrap_or(1000);
        Row {
            quoted: quote_strict(&namespec),
            namespec,
            statename: text("statename").to_lowercase(),
            css: css_for(state),
            description: text("description"),
            // STOPPED, EXITED, FATAL can be started.
            can_start: matches!(state, 0 | 100 | 200),
            // RUNNING, and (unlike Supervisor's page) STARTING and BACKOFF, which the API stops.
            can_stop: matches!(state, 10 | 20 | 30),
            can_restart: state == 20,
        }
    }
}

/// Counts per state, in the order states are worth reading (`2 running, 1 fatal`).
fn counts(rows: &[Row]) -> String {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for r in rows {
        match seen.iter_mut().find(|(s, _)| *s == r.statename) {
            Some((_, n)) => *n += 1,
            None => seen.push((&r.statename, 1)),
        }
    }
    seen.sort_by_key(|(s, _)| (*s != "running", *s));
    seen.iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ProcsView {
    /// Builds the list from `getAllProcessInfo` (already sorted by group, then name).
    pub fn from_infos(infos: &[Value], filter: &str) -> ProcsView {
        let needle = filter.trim().to_lowercase();
        let mut all: Vec<(String, Row)> = infos
            .iter()
            .filter_map(Value::as_struct)
            .map(|info| {
                let group = info
                    .get("group")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                (group, Row::from_info(info))
            })
            .collect();
        let total = all.len();
        let running = all.iter().filter(|(_, r)| r.statename == "running").count();
        if !needle.is_empty() {
            all.retain(|(_, r)| r.namespec.to_lowercase().contains(&needle));
        }
        let shown = all.len();
        let mut blocks: Vec<Block> = Vec::new();
        for (group, row) in all {
            match blocks.last_mut() {
                Some(b) if b.group_name == group => b.rows.push(row),
                _ => blocks.push(Block {
                    group: None,
                    group_name: group,
                    rows: vec![row],
                }),
            }
        }
        for b in &mut blocks {
            // A program alone in the group of its own name is shown without a group header.
            let standalone = b.rows.len() == 1 && b.rows[0].namespec == b.group_name;
            if !standalone {
                b.group = Some(GroupHead {
                    name: b.group_name.clone(),
                    counts: counts(&b.rows),
                });
            }
        }
        ProcsView {
            blocks,
            error: None,
            total,
            running,
            shown,
            filter: filter.trim().to_string(),
        }
    }

    /// Reads the process list through the RPC layer.
    pub async fn load(owner: &Handle, filter: &str) -> ProcsView {
        match call_method(owner, "supervisor.getAllProcessInfo", vec![]).await {
            Ok(Value::Array(infos)) => ProcsView::from_infos(&infos, filter),
            Ok(_) => ProcsView::failed("unexpected answer from getAllProcessInfo".into()),
            Err(f) => ProcsView::failed(format!("ERROR: {}", f.string)),
        }
    }

    fn failed(error: String) -> ProcsView {
        ProcsView {
            blocks: Vec::new(),
            error: Some(error),
            total: 0,
            running: 0,
            shown: 0,
            filter: String::new(),
        }
    }
}

/// The tail page (`tail.html`).
#[derive(Template)]
#[template(path = "web/tail.html")]
pub struct TailPage {
    /// Header and footer.
    pub chrome: Chrome,
    /// The process name as given, or `None` (shown in the title like Supervisor does).
    pub title_name: String,
    /// Links for the process, when one was named.
    pub process: Option<TailLinks>,
    /// `stdout` or `stderr`.
    pub channel: &'static str,
    /// The bytes shown (`max(1024, limit)`), as text.
    pub text: String,
}

/// The URLs the tail page links to.
pub struct TailLinks {
    /// The namespec, URL-quoted.
    pub quoted: String,
    /// The `limit` of the refresh link.
    pub limit: u64,
    /// The live stream to follow from where the shown text ends, if the log could be read.
    pub follow: Option<String>,
}

/// The confirmation page shown for a state-changing GET (a link of Supervisor's old page).
#[derive(Template)]
#[template(path = "web/confirm.html")]
pub struct ConfirmPage<'a> {
    /// Header and footer.
    pub chrome: Chrome,
    /// The question.
    pub question: String,
    /// The button's label.
    pub verb: &'static str,
    /// The `action` value.
    pub action: &'static str,
    /// The `processname` value, if any.
    pub process: Option<&'a str>,
    /// The form token.
    pub token: &'a str,
}

/// A page explaining a refused or malformed request.
#[derive(Template)]
#[template(path = "web/problem.html")]
pub struct ProblemPage<'a> {
    /// Header and footer.
    pub chrome: Chrome,
    /// Short title.
    pub title: &'a str,
    /// What happened and what to do.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str, state: i32, statename: &str, description: &str) -> Value {
        let mut s = Struct::new();
        s.push("name", name);
        s.push("group", group);
        s.push("state", state);
        s.push("statename", statename);
        s.push("description", description);
        Value::Struct(s)
    }

    #[test]
    fn groups_standalone_programs_and_filtering() {
        let infos = vec![
            info("clock", "clock", 20, "RUNNING", "pid 1, uptime 0:00:01"),
            info("web", "web_0", 20, "RUNNING", ""),
            info("web", "web_1", 200, "FATAL", "Exited too quickly"),
        ];
        let v = ProcsView::from_infos(&infos, "");
        assert_eq!((v.total, v.running, v.shown), (3, 2, 3));
        assert_eq!(v.blocks.len(), 2);
        assert!(v.blocks[0].group.is_none());
        let head = v.blocks[1].group.as_ref().unwrap();
        assert_eq!(head.counts, "1 running, 1 fatal");
        assert_eq!(v.blocks[1].rows[1].namespec, "web:web_1");
        assert_eq!(v.blocks[1].rows[1].quoted, "web%3Aweb_1");
        assert_eq!(v.blocks[1].rows[1].css, "statuserror");
        assert!(v.blocks[1].rows[1].can_start && !v.blocks[1].rows[1].can_stop);

        let v = ProcsView::from_infos(&infos, " WEB_1 ");
        assert_eq!((v.total, v.shown), (3, 1));
        assert_eq!(v.blocks.len(), 1);
    }

    #[test]
    fn everything_rendered_is_escaped() {
        let infos = vec![info(
            "<script>",
            "<script>",
            20,
            "RUNNING",
            "<img src=x onerror=alert(1)>",
        )];
        let html = ProcsView::from_infos(&infos, "<scr").render().unwrap();
        assert!(!html.contains("<scr"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
        // The filter text is shown back escaped too.
        let html = ProcsView::from_infos(&infos, "\"><b>").render().unwrap();
        assert!(!html.contains("\"><b>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }
}
