//! Cost of `spawn::prepare` and `spawn::spawn` in the daemon (a benchmark, not a test: run with
//! `cargo test --release -p supervisord --test it -- --ignored --exact --nocapture
//! spawn_bench::prepare_and_spawn_costs`).
//!
//! `SPAWN_BENCH_RSS_MIB` (default 16) sets how much memory the parent has touched before
//! spawning, like a daemon managing 1000 programs: forking copies the page tables of all of it.

use std::ffi::OsString;
use std::time::Instant;

use crate::support::{self_cpu, wait_exit};
use nix::sys::signal::{kill, Signal};
use supervisord::spawn::{prepare, spawn, CommandLine, DaemonContext, SpawnRequest, StdinSource};

/// A request as the owner builds it for `[program:x] command=sleep 1000` in a group of many.
fn request(i: usize) -> SpawnRequest {
    SpawnRequest {
        name: format!("sleep_{i:04}"),
        group: "sleep".into(),
        command: CommandLine::Argv(vec![OsString::from("sleep"), OsString::from("1000")]),
        directory: None,
        umask: None,
        uid: None,
        environment: vec![("APP_ENV".into(), "production".into())],
        redirect_stderr: false,
        stdin: StdinSource::Pipe,
        minfds: 1024,
        server_url: Some("unix:///tmp/supervisor.sock".into()),
        server_username: None,
        server_password: None,
    }
}

#[test]
#[ignore = "benchmark"]
fn prepare_and_spawn_costs() {
    let rss_mib: usize = std::env::var("SPAWN_BENCH_RSS_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let ballast: Vec<u8> = vec![1; rss_mib << 20];
    let ctx = DaemonContext::current();

    let n = 20_000;
    let cpu0 = self_cpu();
    let t0 = Instant::now();
    for i in 0..n {
        std::hint::black_box(prepare(&request(i), &ctx).unwrap());
    }
    let wall = t0.elapsed();
    let cpu = self_cpu() - cpu0;
    eprintln!(
        "prepare: {:.2} us wall, {:.2} us CPU per call ({} environment variables)",
        wall.as_secs_f64() * 1e6 / n as f64,
        cpu.as_secs_f64() * 1e6 / n as f64,
        std::env::vars_os().count()
    );

    let n = 500;
    let prepared: Vec<_> = (0..n)
        .map(|i| prepare(&request(i), &ctx).unwrap())
        .collect();
    let cpu0 = self_cpu();
    let t0 = Instant::now();
    let children: Vec<_> = prepared.iter().map(|p| spawn(p).unwrap()).collect();
    let wall = t0.elapsed();
    let cpu = self_cpu() - cpu0;
    eprintln!(
        "spawn: {:.1} us wall, {:.1} us parent CPU per child (parent RSS ballast {} MiB)",
        wall.as_secs_f64() * 1e6 / n as f64,
        cpu.as_secs_f64() * 1e6 / n as f64,
        rss_mib
    );
    for child in &children {
        let _ = kill(child.pid, Signal::SIGKILL);
    }
    for child in children {
        wait_exit(child.pid);
    }
    std::hint::black_box(&ballast);
}
