//! Attacks on the daemon by a misbehaving child or client (issue 20): each test reproduces one
//! against the real binary and checks the daemon stays responsive, bounded and correct.

use crate::support::{wait_until, Daemon, TIMEOUT};

/// A program that orphans children in a loop: we are their subreaper and reap them all, but the
/// main log gets one INFO line a minute for them, not one per pid (each is still at DEBUG).
#[test]
fn orphan_floods_are_reaped_without_flooding_the_log() {
    let d = Daemon::builder(
        "[program:orphaner]\ncommand=sh -c 'while :; do (true &); done'\nstartsecs=0\n",
    )
    .loglevel("debug")
    .start();
    d.wait_state("orphaner", "RUNNING");
    wait_until(TIMEOUT, "200 orphans reaped", || {
        d.log().matches("reaped unknown pid").count() >= 200
    });
    let log = d.log();
    let info = log
        .lines()
        .filter(|l| l.contains(" INFO reaped unknown pid"))
        .count();
    let debug = log
        .lines()
        .filter(|l| l.contains(" DEBG reaped unknown pid"))
        .count();
    assert_eq!(info, 1, "one INFO line for the window");
    assert!(debug >= 199, "{debug} DEBUG lines");
    // Still answering, and the program still runs.
    assert_eq!(d.state("orphaner"), "RUNNING");
}
