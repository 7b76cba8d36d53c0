//! Loading grows linearly with the number of programs (issue 20: 10,000 programs once took 8 s,
//! because sections and pending values were looked up by scanning). Timing on a shared machine
//! is noisy, so the test compares the best of three loads of n and of 4n programs: linear is 4×,
//! the old quadratic lookups were about 16×.

use std::time::{Duration, Instant};

use crate::support::*;

/// A config with `n` programs (and the sections each real config has).
fn programs(n: usize) -> String {
    let mut text = String::from("[supervisord]\n[unix_http_server]\nfile=/tmp/s.sock\n");
    for i in 0..n {
        text.push_str(&format!(
            "[program:p{i}]\ncommand=/bin/sleep 1000\nautostart=false\nstdout_logfile=NONE\n\n"
        ));
    }
    text
}

/// The fastest of three loads of `text`.
fn best_load(text: &str) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            let loaded = ok(text);
            let took = start.elapsed();
            assert!(!loaded.config.groups.is_empty());
            took
        })
        .min()
        .expect("three loads")
}

#[test]
fn loading_is_linear_in_the_number_of_programs() {
    let small = best_load(&programs(500));
    let large = best_load(&programs(2000));
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 9.0,
        "500 programs: {small:?}, 2000 programs: {large:?} ({ratio:.1}×; linear is 4×)"
    );
}
