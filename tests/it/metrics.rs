//! `GET /metrics` (issue 15 part 3) against the real daemon with real processes, every scrape
//! parsed by `prometheus_client`'s text parser: the format (HELP and TYPE for every family,
//! `_total` counters, one state per process), restart, exit and output counters, a process tree
//! whose memory and CPU grow, processes exiting while they are scraped, an event pool's queue
//! behind a busy listener, who may scrape (`metrics_auth`), and no timer left after scrapes.

use std::collections::BTreeMap;
use std::time::Duration;

use supervisor_xmlrpc::Value;

use crate::support::metrics::{raw, request, scrape, Request, Scrape, GET};
use crate::support::process::{children_of, context_switches};
use crate::support::{python, script, tempdir, wait_for, wait_until, Daemon, TIMEOUT};

const USER: &str = "prom";
const PASSWORD: &str = "scrape";

/// Our daemon with its UNIX socket and an inet server (credentials, `inet_extra` lines) in
/// `dir`, running `programs`.
fn start_in(dir: tempfile::TempDir, programs: &str, inet_extra: &str) -> Daemon {
    Daemon::builder(programs)
        .in_dir(dir)
        .inet(USER, PASSWORD, inet_extra)
        .config(|c| c.loglevel = Some("info".into()))
        .prefix("metrics")
        .start()
}

fn start(programs: &str) -> Daemon {
    start_in(tempdir("metrics"), programs, "")
}

/// What every scrape must be: the text format's media type, every family with a HELP and a
/// TYPE (counter or gauge), counters' samples ending in `_total`, and exactly one state per
/// process. Returns each process's state.
fn check_format(s: &Scrape) -> BTreeMap<String, String> {
    assert!(
        s.content_type.starts_with("text/plain; version=0.0.4"),
        "{}",
        s.content_type
    );
    assert!(!s.families.is_empty());
    for f in &s.families {
        assert!(
            f.kind == "counter" || f.kind == "gauge",
            "{} has type {}",
            f.name,
            f.kind
        );
        assert!(!f.help.is_empty(), "{} has no HELP", f.name);
        if f.kind == "counter" {
            for sample in &f.samples {
                assert!(sample.name.ends_with("_total"), "{}", sample.name);
            }
        }
    }
    // The parser accepts a family without HELP; the raw text says whether each TYPE has one.
    let lines: Vec<&str> = s.text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            assert!(
                i > 0 && lines[i - 1].starts_with(&format!("# HELP {name} ")),
                "no HELP before {line}"
            );
        }
    }
    let mut per_process: BTreeMap<String, (f64, usize, String)> = BTreeMap::new();
    for sample in s.samples("supervisor_process_state") {
        let key = format!("{}:{}", sample.labels["group"], sample.labels["name"]);
        let entry = per_process.entry(key).or_default();
        entry.0 += sample.value;
        entry.1 += 1;
        if sample.value == 1.0 {
            entry.2 = sample.labels["state"].clone();
        }
    }
    for (process, (sum, series, _)) in &per_process {
        assert_eq!(*sum, 1.0, "{process}: states sum to {sum}");
        assert_eq!(*series, 8, "{process}: one series per Supervisor state");
    }
    per_process
        .into_iter()
        .map(|(process, (_, _, state))| (process, state))
        .collect()
}

/// Scrapes until `f` finds what it waits for.
fn scrape_until<T>(d: &Daemon, what: &str, mut f: impl FnMut(&Scrape) -> Option<T>) -> T {
    wait_for(TIMEOUT, what, || {
        let s = scrape(d);
        check_format(&s);
        f(&s)
    })
}

#[test]
fn every_family_parses_with_states_restarts_exits_and_output() {
    let d = start(
        "[program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:idle]\ncommand=sleep 1000\nautostart=false\n\n\
         [program:flapper]\ncommand=sh -c 'echo out; echo err >&2; sleep 0.2; exit 3'\n\
         startsecs=0\nautorestart=true\n\n\
         [program:failer]\ncommand=sh -c 'exit 1'\nstartsecs=1\nstartretries=2\n",
    );
    d.wait_state("sleeper", "RUNNING");
    let s = scrape_until(&d, "failer FATAL and flapper restarted twice", |s| {
        let failed = s.of("supervisor_process_state", "failer", &[("state", "FATAL")]) == Some(1.0);
        let restarts = s.of(
            "supervisor_process_restarts_total",
            "flapper",
            &[("reason", "exit")],
        )?;
        let stderr = s.of(
            "supervisor_process_log_bytes_total",
            "flapper",
            &[("stream", "stderr")],
        )?;
        (failed && restarts >= 2.0 && stderr >= 8.0).then(|| s.clone())
    });
    let states = check_format(&s);
    assert_eq!(states["sleeper:sleeper"], "RUNNING");
    assert_eq!(states["idle:idle"], "STOPPED");

    // The daemon itself.
    assert_eq!(s.value("supervisor_up", &[]), Some(1.0));
    let info = s
        .samples("supervisor_info")
        .next()
        .expect("supervisor_info");
    assert_eq!(info.labels["version"], "4.3.0");
    assert_eq!(info.labels["identification"], "supervisor");
    assert!(s.value("process_cpu_seconds_total", &[]).is_some());
    assert!(s.value("process_resident_memory_bytes", &[]).unwrap() > 1e6);
    assert!(s.value("process_open_fds", &[]).unwrap() >= 3.0);

    // Start times: only for processes that were started.
    let started = s
        .of("supervisor_process_start_time_seconds", "sleeper", &[])
        .expect("sleeper's start time");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - started).abs() < 120.0, "{started} vs {now}");
    assert_eq!(
        s.of("supervisor_process_start_time_seconds", "idle", &[]),
        None
    );

    // Exit statuses and restarts, by reason.
    assert_eq!(
        s.of("supervisor_process_exit_status", "flapper", &[]),
        Some(3.0)
    );
    assert_eq!(
        s.of("supervisor_process_exit_status", "failer", &[]),
        Some(1.0)
    );
    assert_eq!(s.of("supervisor_process_exit_status", "sleeper", &[]), None);
    let restarts = |p: &str, reason: &str| {
        s.of(
            "supervisor_process_restarts_total",
            p,
            &[("reason", reason)],
        )
    };
    assert_eq!(
        restarts("failer", "backoff"),
        Some(2.0),
        "two retries, then FATAL"
    );
    assert_eq!(restarts("failer", "exit"), Some(0.0));
    assert_eq!(restarts("sleeper", "exit"), Some(0.0));
    assert_eq!(restarts("flapper", "backoff"), Some(0.0));

    // Output bytes per stream: "out\n" and "err\n" per run.
    let bytes = |stream: &str| {
        s.of(
            "supervisor_process_log_bytes_total",
            "flapper",
            &[("stream", stream)],
        )
        .unwrap()
    };
    assert!(
        bytes("stdout") >= 8.0 && bytes("stdout") % 4.0 == 0.0,
        "{}",
        bytes("stdout")
    );
    assert_eq!(
        s.of(
            "supervisor_process_log_bytes_total",
            "sleeper",
            &[("stream", "stdout")]
        ),
        Some(0.0)
    );

    // Tree numbers only for running processes.
    assert!(
        s.of("supervisor_process_resident_memory_bytes", "sleeper", &[])
            .unwrap()
            > 0.0
    );
    assert_eq!(
        s.of("supervisor_process_tree_processes", "sleeper", &[]),
        Some(1.0)
    );
    assert_eq!(
        s.of("supervisor_process_cpu_seconds_total", "idle", &[]),
        None
    );
    assert_eq!(
        s.of("supervisor_process_cpu_seconds_total", "failer", &[]),
        None
    );

    // Counters never go back while the process exists.
    let later = scrape(&d);
    for name in [
        "supervisor_process_restarts_total",
        "supervisor_process_log_bytes_total",
    ] {
        for sample in s.samples(name) {
            let labels: Vec<(&str, &str)> = sample
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let now = later.value(name, &labels).unwrap();
            assert!(
                now >= sample.value,
                "{name} {labels:?}: {} then {now}",
                sample.value
            );
        }
    }
}

/// A child that allocates 1 MiB and burns 50 ms of CPU every 100 ms (up to 100 MiB), under a
/// shell that only waits: only counting the whole tree sees it grow. The program is stopped as
/// a group, so the child goes with the shell when the daemon stops.
const GROW: &str = r#"
import time
chunks = []
while True:
    if len(chunks) < 100:
        chunks.append(b'x' * (1 << 20))
    end = time.time() + 0.05
    while time.time() < end:
        pass
    time.sleep(0.05)
"#;

#[test]
fn a_process_trees_memory_and_cpu_move_between_scrapes() {
    let dir = tempdir("metrics");
    std::fs::write(dir.path().join("grow.py"), GROW).unwrap();
    let d = start_in(
        dir,
        &format!(
            "[program:tree]\ncommand=sh -c '{} {{dir}}/grow.py & wait'\nstartsecs=0\n\
             stopasgroup=true\nkillasgroup=true\n",
            python()
        ),
        "",
    );
    d.wait_state("tree", "RUNNING");
    let tree = |s: &Scrape, name: &str| s.of(name, "tree", &[]);
    let first = scrape_until(&d, "sh and its child in the tree", |s| {
        (tree(s, "supervisor_process_tree_processes") == Some(2.0)).then(|| s.clone())
    });
    // Killed when the test ends even if the group stop did not reach it.
    for child in children_of(d.info("tree").pid) {
        d.track(child);
    }
    let rss0 = tree(&first, "supervisor_process_resident_memory_bytes").unwrap();
    let cpu0 = tree(&first, "supervisor_process_cpu_seconds_total").unwrap();
    let fds0 = tree(&first, "supervisor_process_open_fds").unwrap();
    assert!(fds0 >= 6.0, "two processes with stdin/out/err each: {fds0}");
    let (rss1, cpu1) = scrape_until(&d, "the tree's memory and CPU to grow", |s| {
        let rss = tree(s, "supervisor_process_resident_memory_bytes")?;
        let cpu = tree(s, "supervisor_process_cpu_seconds_total")?;
        (rss >= rss0 + 4.0 * 1048576.0 && cpu >= cpu0 + 0.1).then_some((rss, cpu))
    });
    // The shell alone is far smaller than what the child allocated.
    assert!(rss1 > 4.0 * 1048576.0, "{rss1}");
    assert!(cpu1 > cpu0);
}

#[test]
fn processes_exiting_during_scrapes_cause_no_error() {
    // Ten programs whose children (and grandchildren) live 0.2 s and are restarted at once:
    // between the owner's snapshot and the /proc scan, some are always gone.
    let d = start(
        "[program:blink]\ncommand=sh -c 'sleep 0.2 & wait'\nnumprocs=10\n\
         process_name=%(program_name)s_%(process_num)02d\nstartsecs=0\nautorestart=true\n",
    );
    let mut restarts_seen = 0.0;
    for _ in 0..5 {
        let s = scrape(&d);
        let states = check_format(&s);
        assert_eq!(states.len(), 10, "{states:?}");
        restarts_seen = s
            .samples("supervisor_process_restarts_total")
            .map(|x| x.value)
            .sum();
    }
    assert!(restarts_seen > 0.0, "the programs did restart meanwhile");
    // Faster scrapes than the parser can keep up with, checked for the status only.
    for _ in 0..20 {
        let (status, body) = raw(&d, "GET", "/metrics", true);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("supervisor_up 1\n"));
    }
}

#[test]
fn a_busy_listeners_pool_queue_is_visible() {
    // The listener takes one event and never answers: the next events wait in the pool.
    let dir = tempdir("metrics");
    script(
        dir.path(),
        "busy.sh",
        "printf 'READY\\n'\nread header\necho got >&2\nexec sleep 1000",
    );
    let d = start_in(
        dir,
        "[eventlistener:busy]\ncommand={dir}/busy.sh\nevents=REMOTE_COMMUNICATION\n\
         buffer_size=10\nstartsecs=0\n",
        "",
    );
    d.wait_state("busy", "RUNNING");
    let queued = |s: &Scrape| {
        s.value(
            "supervisor_eventlistener_pool_queued_events",
            &[("pool", "busy")],
        )
    };
    let s = scrape(&d);
    check_format(&s);
    assert_eq!(queued(&s), Some(0.0));
    assert_eq!(
        s.value(
            "supervisor_eventlistener_pool_buffer_size",
            &[("pool", "busy")]
        ),
        Some(10.0)
    );
    let send = |n: i32| {
        d.call(
            "supervisor.sendRemoteCommEvent",
            &[
                Value::from("test"),
                Value::from(format!("event {n}").as_str()),
            ],
        );
    };
    send(0);
    wait_until(TIMEOUT, "the listener to take the first event", || {
        let tail = d.call(
            "supervisor.tailProcessStderrLog",
            &[Value::from("busy"), Value::Int(0), Value::Int(100)],
        );
        format!("{tail:?}").contains("got")
    });
    for n in 1..=4 {
        send(n);
    }
    scrape_until(&d, "four events queued behind the busy listener", |s| {
        (queued(s) == Some(4.0)).then_some(())
    });
}

#[test]
fn metrics_need_credentials_unless_metrics_auth_is_false() {
    let closed = start("[program:p]\ncommand=sleep 1000\nstartsecs=0\n");
    assert_eq!(raw(&closed, "GET", "/metrics", false).0, 401);
    assert_eq!(raw(&closed, "GET", "/metrics", true).0, 200);
    assert_eq!(raw(&closed, "HEAD", "/metrics", true).0, 200);
    let (status, response) = raw(&closed, "POST", "/metrics", true);
    assert_eq!(status, 405);
    assert!(response.contains("\r\nallow: GET, HEAD\r\n"), "{response}");
    // The UNIX socket has no credentials here: open, as every page on it.
    let unix = request(
        &closed,
        Request {
            unix: true,
            auth: false,
            ..GET
        },
    );
    assert_eq!(unix.status, 200);
    check_format(&unix);

    let open = start_in(
        tempdir("metrics"),
        "[program:p]\ncommand=sleep 1000\nstartsecs=0\n",
        "metrics_auth=false\n",
    );
    let anonymous = request(&open, Request { auth: false, ..GET });
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    check_format(&anonymous);
    // Only /metrics is opened.
    for (method, path) in [
        ("POST", "/RPC2"),
        ("GET", "/"),
        ("GET", "/index.html"),
        ("GET", "/metricsx"),
        ("GET", "/metrics/"),
        ("GET", "/logtail/p"),
    ] {
        assert_eq!(raw(&open, method, path, false).0, 401, "{method} {path}");
    }
    assert_eq!(raw(&open, "GET", "/metrics", true).0, 200);
}

#[test]
fn scrapes_leave_no_timer_behind() {
    let programs: String = (0..20)
        .map(|i| format!("[program:idle{i}]\ncommand=sleep 1000\nstartsecs=0\n\n"))
        .collect();
    let d = start(&programs);
    scrape_until(&d, "20 RUNNING", |s| {
        (s.samples("supervisor_process_state")
            .filter(|x| x.labels["state"] == "RUNNING" && x.value == 1.0)
            .count()
            == 20)
            .then_some(())
    });
    for _ in 0..3 {
        assert_eq!(raw(&d, "GET", "/metrics", true).0, 200);
    }
    let (v0, _, _) = context_switches(d.pid());
    // A measurement window, not synchronisation: nothing is supposed to happen in it. (The
    // thread that read /proc is parked; the runtime ends it once, after 10 idle seconds.)
    std::thread::sleep(Duration::from_secs(3));
    let (v1, _, _) = context_switches(d.pid());
    // The last connection's teardown may still be finishing as the window opens; a timer,
    // even at 1 Hz, would show three or more.
    assert!(
        v1 - v0 <= 2,
        "{} voluntary context switches in 3 idle seconds after scrapes",
        v1 - v0
    );
}
