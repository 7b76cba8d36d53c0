//! TICK_5 / TICK_60 / TICK_3600 (spec §7.3): an event each time the wall clock enters a new
//! multiple of the period.
//!
//! Python evaluates this once per main-loop iteration: the first evaluation only records the
//! current slice of each period, and later ones emit one event whenever the slice changed
//! (missed slices are not replayed). The daemon instead sleeps until the next boundary of a
//! period somebody subscribes to ([`TickClock::next_due`]) and evaluates then; a period nobody
//! wants is not tracked, so a daemon without TICK listeners never wakes up for them.

use super::event::{Event, TickPeriod};

/// Python's `timeslice(period, when)`: the start of the slice holding `when`.
#[must_use]
pub fn timeslice(period: TickPeriod, when: f64) -> i64 {
    let p = period.seconds() as f64;
    // `f64 as i64` saturates; wall times are far inside the range.
    (when - when.rem_euclid(p)) as i64
}

/// The last slice seen for each period that is being tracked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickClock {
    last: [Option<i64>; 3],
}

impl TickClock {
    /// A clock that has seen nothing yet.
    #[must_use]
    pub fn new() -> TickClock {
        TickClock::default()
    }

    /// Evaluates the clock at wall time `now` (epoch seconds) for the periods `wanted` says are
    /// subscribed: a newly wanted period only records its slice, a tracked one emits an event
    /// if its slice changed; periods no longer wanted are forgotten. Events come shortest period
    /// first, as in Python.
    pub fn poll(&mut self, now: f64, wanted: impl Fn(TickPeriod) -> bool) -> Vec<Event> {
        let mut out = Vec::new();
        for (i, period) in TickPeriod::ALL.into_iter().enumerate() {
            if !wanted(period) {
                self.last[i] = None;
                continue;
            }
            let this = timeslice(period, now);
            match self.last[i] {
                None => self.last[i] = Some(this),
                Some(last) if last != this => {
                    self.last[i] = Some(this);
                    out.push(Event::tick(period, this));
                }
                Some(_) => {}
            }
        }
        out
    }

    /// The wall time of the next slice boundary after `now` among the `wanted` periods, or
    /// `None` if no period is wanted.
    #[must_use]
    pub fn next_due(now: f64, wanted: impl Fn(TickPeriod) -> bool) -> Option<f64> {
        TickPeriod::ALL
            .into_iter()
            .filter(|p| wanted(*p))
            .map(|p| timeslice(p, now) as f64 + p.seconds() as f64)
            .reduce(f64::min)
    }
}
