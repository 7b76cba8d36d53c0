//! Which metric families `/metrics` exposes and what each means: the owner's snapshot and the
//! resource use read from `/proc`, rendered in the text format. The README's metric list
//! (section "Metrics") describes the same families; keep the two in step.

use supervisor_core::{ProcessState, SupervisorState};

use super::exposition::{Exposition, Kind};
use crate::owner::{MetricsSnapshot, ProcessMetrics};
use crate::resources::Usage;

/// Bytes of text per process, about (eight state lines and a dozen others), so the buffer is
/// allocated once.
const BYTES_PER_PROCESS: usize = 1600;

/// What a scrape read, ready to render.
pub struct Scrape<'a> {
    /// The owner's state.
    pub snapshot: &'a MetricsSnapshot,
    /// The process tree usage of each process of the snapshot, in its order (`None`: not
    /// running, or gone before `/proc` was read).
    pub trees: &'a [Option<Usage>],
    /// The daemon's own usage.
    pub daemon: Option<Usage>,
}

/// Renders every family.
pub fn render(scrape: &Scrape<'_>) -> String {
    let snapshot = scrape.snapshot;
    let mut e = Exposition::with_capacity(4096 + BYTES_PER_PROCESS * snapshot.processes.len());
    daemon(&mut e, scrape);
    processes(&mut e, scrape);
    pools(&mut e, snapshot);
    e.finish()
}

/// supervisord itself: up, info, and its own CPU, memory and files under the names every
/// Prometheus client library uses for its process (`process_*`), so stock dashboards work.
fn daemon(e: &mut Exposition, scrape: &Scrape<'_>) {
    let snapshot = scrape.snapshot;
    e.family(
        "supervisor_up",
        Kind::Gauge,
        "1 while supervisord is RUNNING, 0 while it shuts down or reloads.",
    );
    e.sample(
        "supervisor_up",
        &[],
        f64::from(u8::from(snapshot.mood == SupervisorState::Running)),
    );
    e.family(
        "supervisor_info",
        Kind::Gauge,
        "Always 1; the labels name the daemon (identifier option) and the Supervisor version it \
         implements.",
    );
    e.sample(
        "supervisor_info",
        &[
            ("identification", &snapshot.identification),
            ("version", crate::options::VERSION),
            ("implementation", "supervisor-rs"),
            ("implementation_version", env!("CARGO_PKG_VERSION")),
        ],
        1.0,
    );
    let Some(own) = scrape.daemon else {
        return;
    };
    e.family(
        "process_cpu_seconds_total",
        Kind::Counter,
        "CPU time (user and system) supervisord has used, in seconds.",
    );
    e.sample("process_cpu_seconds_total", &[], own.cpu_seconds);
    e.family(
        "process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory of supervisord, in bytes.",
    );
    e.sample("process_resident_memory_bytes", &[], own.rss_bytes as f64);
    if let Some(fds) = own.open_fds {
        e.family(
            "process_open_fds",
            Kind::Gauge,
            "File descriptors supervisord has open.",
        );
        e.sample("process_open_fds", &[], fds as f64);
    }
}

/// The families of managed processes, one series per process (and per state, reason or stream).
fn processes(e: &mut Exposition, scrape: &Scrape<'_>) {
    let procs = &scrape.snapshot.processes;

    e.family(
        "supervisor_process_state",
        Kind::Gauge,
        "1 for the state the process is in, 0 for the other Supervisor states.",
    );
    for p in procs {
        let [group, name] = ids(p);
        for state in ProcessState::ALL {
            let labels = [group, name, ("state", state.name())];
            e.sample(
                "supervisor_process_state",
                &labels,
                f64::from(u8::from(p.state == state)),
            );
        }
    }

    e.family(
        "supervisor_process_start_time_seconds",
        Kind::Gauge,
        "When the process was last started, in seconds since the epoch (absent if never).",
    );
    for p in procs {
        if let Some(t) = p.start_time {
            e.sample("supervisor_process_start_time_seconds", &ids(p), t);
        }
    }

    e.family(
        "supervisor_process_exit_status",
        Kind::Gauge,
        "Exit status of the process's last exit, -1 if a signal ended it (absent if it never \
         exited).",
    );
    for p in procs {
        if let Some(status) = p.exit_status {
            e.sample("supervisor_process_exit_status", &ids(p), f64::from(status));
        }
    }

    e.family(
        "supervisor_process_restarts_total",
        Kind::Counter,
        "Starts supervisord made on its own since the process was added: reason=\"exit\" by \
         autorestart after it exited, reason=\"backoff\" retries after a failed start.",
    );
    for p in procs {
        let [group, name] = ids(p);
        let restarts = [("exit", p.restarts.exit), ("backoff", p.restarts.backoff)];
        for (reason, count) in restarts {
            let labels = [group, name, ("reason", reason)];
            e.sample("supervisor_process_restarts_total", &labels, count as f64);
        }
    }

    e.family(
        "supervisor_process_log_bytes_total",
        Kind::Counter,
        "Bytes the process wrote to stdout or stderr, as read by supervisord for its log, since \
         the process was added (with redirect_stderr, stderr counts as stdout).",
    );
    for p in procs {
        let [group, name] = ids(p);
        for (stream, bytes) in [("stdout", p.output_bytes[0]), ("stderr", p.output_bytes[1])] {
            let labels = [group, name, ("stream", stream)];
            e.sample("supervisor_process_log_bytes_total", &labels, bytes as f64);
        }
    }

    tree_families(e, scrape);
}

/// Resource use of each running process's whole tree (the process and its descendants), read
/// from `/proc` at scrape time; absent for a process that is not running.
fn tree_families(e: &mut Exposition, scrape: &Scrape<'_>) {
    let running: Vec<(&ProcessMetrics, &Usage)> = scrape
        .snapshot
        .processes
        .iter()
        .zip(scrape.trees)
        .filter_map(|(p, usage)| usage.as_ref().map(|u| (p, u)))
        .collect();

    e.family(
        "supervisor_process_cpu_seconds_total",
        Kind::Counter,
        "CPU time (user and system) of the process and all its descendants, those it has \
         waited for included, in seconds.",
    );
    for (p, u) in &running {
        e.sample(
            "supervisor_process_cpu_seconds_total",
            &ids(p),
            u.cpu_seconds,
        );
    }

    e.family(
        "supervisor_process_resident_memory_bytes",
        Kind::Gauge,
        "Resident memory of the process and all its live descendants, summed, in bytes.",
    );
    for (p, u) in &running {
        e.sample(
            "supervisor_process_resident_memory_bytes",
            &ids(p),
            u.rss_bytes as f64,
        );
    }

    e.family(
        "supervisor_process_open_fds",
        Kind::Gauge,
        "File descriptors open in the process and its live descendants (absent when one may \
         not be read).",
    );
    for (p, u) in &running {
        if let Some(fds) = u.open_fds {
            e.sample("supervisor_process_open_fds", &ids(p), fds as f64);
        }
    }

    e.family(
        "supervisor_process_tree_processes",
        Kind::Gauge,
        "Live processes in the process's tree (1 for a process without children).",
    );
    for (p, u) in &running {
        e.sample(
            "supervisor_process_tree_processes",
            &ids(p),
            f64::from(u.processes),
        );
    }
}

/// The labels naming a process.
fn ids(p: &ProcessMetrics) -> [(&'static str, &str); 2] {
    [("group", &p.group), ("name", &p.name)]
}

/// Event listener pools: how many events wait for a free listener.
fn pools(e: &mut Exposition, snapshot: &MetricsSnapshot) {
    e.family(
        "supervisor_eventlistener_pool_queued_events",
        Kind::Gauge,
        "Events waiting in an event listener pool's buffer for a free listener.",
    );
    for pool in &snapshot.pools {
        e.sample(
            "supervisor_eventlistener_pool_queued_events",
            &[("pool", &pool.name)],
            pool.queued as f64,
        );
    }
    e.family(
        "supervisor_eventlistener_pool_buffer_size",
        Kind::Gauge,
        "Events a pool's buffer holds (buffer_size) before the oldest is discarded.",
    );
    for pool in &snapshot.pools {
        e.sample(
            "supervisor_eventlistener_pool_buffer_size",
            &[("pool", &pool.name)],
            pool.capacity as f64,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owner::PoolMetrics;
    use supervisor_core::Restarts;

    fn process(name: &str, state: ProcessState) -> ProcessMetrics {
        ProcessMetrics {
            group: "g".into(),
            name: name.into(),
            state,
            pid: 0,
            start_time: None,
            exit_status: None,
            restarts: Restarts::default(),
            output_bytes: [0, 0],
        }
    }

    fn lines_of<'a>(text: &'a str, family: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|l| {
                l.starts_with(&format!("{family}{{")) || l.starts_with(&format!("{family} "))
            })
            .collect()
    }

    #[test]
    fn a_snapshot_renders_every_family_once_with_its_samples() {
        let mut running = process("web", ProcessState::Running);
        running.pid = 42;
        running.start_time = Some(1_700_000_000.0);
        running.exit_status = Some(-1);
        running.restarts = Restarts {
            exit: 2,
            backoff: 1,
        };
        running.output_bytes = [10, 20];
        let snapshot = MetricsSnapshot {
            mood: SupervisorState::Running,
            identification: "id \"x\"".into(),
            processes: vec![process("idle", ProcessState::Stopped), running],
            pools: vec![PoolMetrics {
                name: "listeners".into(),
                queued: 3,
                capacity: 10,
            }],
        };
        let tree = Usage {
            cpu_seconds: 1.25,
            rss_bytes: 4096,
            open_fds: Some(5),
            processes: 2,
        };
        let text = render(&Scrape {
            snapshot: &snapshot,
            trees: &[None, Some(tree)],
            daemon: Some(tree),
        });
        for line in text.lines().filter(|l| l.starts_with("# TYPE")) {
            let name = line.split(' ').nth(2).unwrap();
            let helps = text.matches(&format!("# HELP {name} ")).count();
            assert_eq!(helps, 1, "{name}");
            if line.ends_with(" counter") {
                assert!(name.ends_with("_total"), "{name}");
            }
        }
        assert_eq!(lines_of(&text, "supervisor_up"), ["supervisor_up 1"]);
        assert!(text.contains("identification=\"id \\\"x\\\"\""), "{text}");
        let states = lines_of(&text, "supervisor_process_state");
        assert_eq!(states.len(), 16);
        assert!(states
            .contains(&"supervisor_process_state{group=\"g\",name=\"web\",state=\"RUNNING\"} 1"));
        assert!(states
            .contains(&"supervisor_process_state{group=\"g\",name=\"idle\",state=\"STOPPED\"} 1"));
        assert_eq!(states.iter().filter(|l| l.ends_with(" 1")).count(), 2);
        assert_eq!(
            lines_of(&text, "supervisor_process_restarts_total"),
            [
                "supervisor_process_restarts_total{group=\"g\",name=\"idle\",reason=\"exit\"} 0",
                "supervisor_process_restarts_total{group=\"g\",name=\"idle\",reason=\"backoff\"} 0",
                "supervisor_process_restarts_total{group=\"g\",name=\"web\",reason=\"exit\"} 2",
                "supervisor_process_restarts_total{group=\"g\",name=\"web\",reason=\"backoff\"} 1",
            ]
        );
        assert_eq!(
            lines_of(&text, "supervisor_process_exit_status"),
            ["supervisor_process_exit_status{group=\"g\",name=\"web\"} -1"]
        );
        assert_eq!(
            lines_of(&text, "supervisor_process_cpu_seconds_total"),
            ["supervisor_process_cpu_seconds_total{group=\"g\",name=\"web\"} 1.25"],
            "only running processes have tree numbers"
        );
        assert!(text.contains(
            "supervisor_process_log_bytes_total{group=\"g\",name=\"web\",stream=\"stderr\"} 20\n"
        ));
        assert!(
            text.contains("supervisor_eventlistener_pool_queued_events{pool=\"listeners\"} 3\n")
        );
        assert!(text.contains("process_resident_memory_bytes 4096\n"));
    }

    #[test]
    fn a_daemon_shutting_down_is_not_up() {
        let snapshot = MetricsSnapshot {
            mood: SupervisorState::Shutdown,
            identification: "s".into(),
            processes: vec![],
            pools: vec![],
        };
        let text = render(&Scrape {
            snapshot: &snapshot,
            trees: &[],
            daemon: None,
        });
        assert_eq!(lines_of(&text, "supervisor_up"), ["supervisor_up 0"]);
        assert!(!text.contains("# TYPE process_cpu_seconds_total"), "{text}");
    }
}
