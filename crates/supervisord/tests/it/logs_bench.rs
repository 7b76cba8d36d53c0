//! Capture throughput and CPU per GiB of one flooding child (a benchmark, not a test: run with
//! `cargo test --release -p supervisord --test it -- --ignored --exact --nocapture
//! logs_bench::capture_one_gib_from_a_child`).

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::support::self_cpu;
use supervisord::logs::{spawn_capture, CaptureConfig, CaptureNotice, Channel, LogFile};

#[test]
#[ignore = "benchmark"]
fn capture_one_gib_from_a_child() {
    let gib: u64 = std::env::var("LOGS_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1 << 30);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flood.log");
        let mut child = Command::new("head")
            .args(["-c", &gib.to_string(), "/dev/zero"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pipe = std::os::fd::OwnedFd::from(child.stdout.take().unwrap());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let config = CaptureConfig {
            process_name: "flood".into(),
            channel: Channel::Stdout,
            logfile: Some(LogFile::open(&path, 50 << 20, 10).unwrap()),
            syslog: false,
            strip_ansi: false,
            capture_maxbytes: 0,
            // LOGS_BENCH_READ=1 forces the read/write path (events need the bytes).
            events_enabled: std::env::var_os("LOGS_BENCH_READ").is_some(),
        };
        let cpu0 = self_cpu();
        let t0 = Instant::now();
        spawn_capture(pipe, config, Box::new(move |n| drop(tx.send(n)))).unwrap();
        while let Some(n) = rx.recv().await {
            match n {
                CaptureNotice::Finished(report) => {
                    assert_eq!(report.bytes_read, gib);
                    break;
                }
                CaptureNotice::LogEvent(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        let wall = t0.elapsed();
        let cpu = self_cpu() - cpu0;
        child.wait().unwrap();
        let per_gib = cpu.as_secs_f64() * (1u64 << 30) as f64 / gib as f64;
        eprintln!(
            "captured {} MiB in {:.2?} ({:.0} MiB/s), capture CPU {:.2?} = {:.2} s/GiB",
            gib >> 20,
            wall,
            (gib >> 20) as f64 / wall.as_secs_f64(),
            cpu,
            per_gib
        );
    });
}
