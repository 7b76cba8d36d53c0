//! The page templates (askama, compiled in, HTML-escaped by default) and the view data they show.

use askama::Template;
use supervisor_core::ProcessState;

use super::form::quote_strict;
use crate::owner::{Owner, ProcessStatus};
use crate::resources::{self, Usage};

/// What every page shows in its header and footer.
pub struct Chrome {
    /// supervisord's `identifier`.
    pub identifier: String,
    /// The Supervisor version we are compatible with.
    pub version: &'static str,
}

impl Chrome {
    /// Reads the identifier from the owner (a generic one while the daemon shuts down).
    pub async fn load(owner: &Owner) -> Chrome {
        let identifier = owner
            .peek_state()
            .await
            .map_or_else(|_| "supervisor".to_string(), |st| st.identification);
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
    /// What the process tree uses now, when it runs.
    pub usage: Option<UsageCells>,
}

/// A running process's resource cells: CPU time (the page's script turns two readings into a
/// percentage) and resident memory, of its whole process tree.
pub struct UsageCells {
    /// The pid the numbers belong to (a restart starts a new CPU counter).
    pub pid: u32,
    /// CPU seconds so far, for the script (`data-cpu`).
    pub cpu_seconds: String,
    /// CPU time as shown without the script (`1.25 s`, `2:05 min`).
    pub cpu: String,
    /// Resident memory, shown (`12.3 MiB`).
    pub rss: String,
    /// Resident memory in bytes, for the script's chart.
    pub rss_bytes: u64,
    /// How many processes the tree has, shown when more than one.
    pub processes: u32,
}

impl UsageCells {
    /// The cells of a process with `pid` whose tree uses `usage`.
    pub fn new(pid: u32, usage: &Usage) -> UsageCells {
        UsageCells {
            pid,
            cpu_seconds: format!("{:.2}", usage.cpu_seconds),
            cpu: cpu_time(usage.cpu_seconds),
            rss: bytes(usage.rss_bytes),
            rss_bytes: usage.rss_bytes,
            processes: usage.processes,
        }
    }
}

/// CPU time the way people read it: seconds under a minute, else minutes:seconds.
fn cpu_time(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.2} s")
    } else {
        let whole = seconds as u64;
        format!("{}:{:02} min", whole / 60, whole % 60)
    }
}

/// A byte count in binary units with three significant digits (`980 KiB`, `12.3 MiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match (unit, value) {
        (0, _) => format!("{n} B"),
        (_, v) if v < 10.0 => format!("{v:.2} {}", UNITS[unit]),
        (_, v) if v < 100.0 => format!("{v:.1} {}", UNITS[unit]),
        (_, v) => format!("{v:.0} {}", UNITS[unit]),
    }
}

/// Supervisor's CSS class for a state.
fn css_for(state: ProcessState) -> &'static str {
    match state {
        ProcessState::Running => "statusrunning",
        ProcessState::Backoff | ProcessState::Fatal => "statuserror",
        _ => "statusnominal",
    }
}

impl Row {
    fn from_status(p: &ProcessStatus, usage: Option<&Usage>) -> Row {
        let state = p.info.state;
        Row {
            usage: usage.map(|u| UsageCells::new(p.info.pid, u)),
            quoted: quote_strict(&p.namespec),
            namespec: p.namespec.clone(),
            statename: state.name().to_lowercase(),
            css: css_for(state),
            description: p.description.clone(),
            can_start: matches!(
                state,
                ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
            ),
            // RUNNING, and (unlike Supervisor's page) STARTING and BACKOFF, which the API stops.
            can_stop: matches!(
                state,
                ProcessState::Starting | ProcessState::Running | ProcessState::Backoff
            ),
            can_restart: state == ProcessState::Running,
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
    /// Builds the list from the processes' statuses (already sorted by group, then name) and
    /// what each one's tree uses (`usage[i]` belongs to `statuses[i]`; may be shorter).
    pub fn from_statuses(
        statuses: &[ProcessStatus],
        usage: &[Option<Usage>],
        filter: &str,
    ) -> ProcsView {
        let needle = filter.trim().to_lowercase();
        let mut all: Vec<(String, Row)> = statuses
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let used = usage.get(i).and_then(Option::as_ref);
                (p.group.clone(), Row::from_status(p, used))
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

    /// Reads the process list from the owner, and what each running process's tree uses from
    /// `/proc` (read now: the page polls while it is open, nothing samples when it is closed).
    pub async fn load(owner: &Owner, filter: &str) -> ProcsView {
        match owner.processes().await {
            Ok(statuses) => {
                let pids = statuses.iter().map(|p| p.info.pid).collect();
                let usage = resources::sample(pids).await;
                ProcsView::from_statuses(&statuses, &usage, filter)
            }
            Err(e) => ProcsView::failed(format!("ERROR: {}", crate::rpc::fault_of(e).string)),
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
    /// What the process tree uses now, when it runs (the page's script charts it from the JSON
    /// API while the page is open).
    pub usage: Option<UsageCells>,
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

    fn info(group: &str, name: &str, state: ProcessState, description: &str) -> ProcessStatus {
        ProcessStatus {
            name: name.into(),
            group: group.into(),
            namespec: if name == group {
                name.into()
            } else {
                format!("{group}:{name}")
            },
            info: supervisor_core::ProcessInfo {
                start: 0,
                stop: 0,
                now: 0,
                state,
                spawnerr: String::new(),
                exitstatus: 0,
                pid: 0,
            },
            description: description.into(),
        }
    }

    #[test]
    fn groups_standalone_programs_and_filtering() {
        let infos = vec![
            info(
                "clock",
                "clock",
                ProcessState::Running,
                "pid 1, uptime 0:00:01",
            ),
            info("web", "web_0", ProcessState::Running, ""),
            info("web", "web_1", ProcessState::Fatal, "Exited too quickly"),
        ];
        let v = ProcsView::from_statuses(&infos, &[], "");
        assert_eq!((v.total, v.running, v.shown), (3, 2, 3));
        assert_eq!(v.blocks.len(), 2);
        assert!(v.blocks[0].group.is_none());
        let head = v.blocks[1].group.as_ref().unwrap();
        assert_eq!(head.counts, "1 running, 1 fatal");
        assert_eq!(v.blocks[1].rows[1].namespec, "web:web_1");
        assert_eq!(v.blocks[1].rows[1].quoted, "web%3Aweb_1");
        assert_eq!(v.blocks[1].rows[1].css, "statuserror");
        assert!(v.blocks[1].rows[1].can_start && !v.blocks[1].rows[1].can_stop);

        let v = ProcsView::from_statuses(&infos, &[], " WEB_1 ");
        assert_eq!((v.total, v.shown), (3, 1));
        assert_eq!(v.blocks.len(), 1);
    }

    #[test]
    fn usage_is_shown_for_running_processes_only() {
        let mut running = info("web", "web_0", ProcessState::Running, "");
        running.info.pid = 4242;
        let infos = vec![running, info("web", "web_1", ProcessState::Stopped, "")];
        let usage = [
            Some(Usage {
                cpu_seconds: 75.5,
                rss_bytes: 12 * 1024 * 1024 + 300 * 1024,
                open_fds: Some(7),
                processes: 3,
            }),
            None,
        ];
        let html = ProcsView::from_statuses(&infos, &usage, "")
            .render()
            .unwrap();
        assert!(
            html.contains(r#"<td class="cpu num" data-pid="4242" data-cpu="75.50">1:15 min</td>"#),
            "{html}"
        );
        assert!(html.contains(r#"data-rss="12890112">12.3 MiB"#), "{html}");
        assert!(html.contains("&times;3"), "{html}");
        assert!(html.contains(r#"<td class="cpu num"></td><td class="mem num"></td>"#));
    }

    #[test]
    fn units_read_naturally() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.00 KiB");
        assert_eq!(bytes(980 * 1024), "980 KiB");
        assert_eq!(bytes(5 << 30), "5.00 GiB");
        assert_eq!(cpu_time(0.0), "0.00 s");
        assert_eq!(cpu_time(59.994), "59.99 s");
        assert_eq!(cpu_time(3725.0), "62:05 min");
    }

    #[test]
    fn everything_rendered_is_escaped() {
        let infos = vec![info(
            "<script>",
            "<script>",
            ProcessState::Running,
            "<img src=x onerror=alert(1)>",
        )];
        let html = ProcsView::from_statuses(&infos, &[], "<scr")
            .render()
            .unwrap();
        assert!(!html.contains("<scr"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
        // The filter text is shown back escaped too.
        let html = ProcsView::from_statuses(&infos, &[], "\"><b>")
            .render()
            .unwrap();
        assert!(!html.contains("\"><b>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }
}
