//! The event history: the most recent events in publication order, each with an id, so a client
//! of the event stream that reconnects (`Last-Event-ID`) or falls behind can be sent exactly
//! what it missed.
//!
//! Ids increase by one per event, from a first id the caller chooses (the daemon starts from its
//! start time in microseconds, so an id from an earlier run of the daemon is always below this
//! run's first id and is recognised as foreign). The history keeps at most
//! [`HistoryLimits::events`] events and [`HistoryLimits::bytes`] of them (as the caller
//! measures each one), dropping the oldest first.
//!
//! **Invariant: never a silent gap.** [`EventHistory::since`] either yields *every* event after
//! the client's id, in order, or answers [`Resume::Reset`], saying how many are gone when it
//! knows and where the client continues.

use std::collections::vec_deque;
use std::collections::VecDeque;

/// How much an [`EventHistory`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// The most events kept (0 keeps none: every resume after a new event is a reset).
    pub events: usize,
    /// The most bytes kept, summed over the events' sizes as given to [`EventHistory::push`].
    pub bytes: usize,
}

/// The last events, with ids.
#[derive(Debug, Clone)]
pub struct EventHistory<T> {
    limits: HistoryLimits,
    /// The events kept, oldest first, each with its size.
    kept: VecDeque<(T, usize)>,
    /// The sum of the sizes in `kept`.
    bytes: usize,
    /// The id of the first event this history gave out (or will give out).
    first_id: u64,
    /// The id the next event gets.
    next_id: u64,
}

/// What a client that last saw event `after` is sent ([`EventHistory::since`]).
#[derive(Debug)]
pub enum Resume<'a, T> {
    /// Every event after `after`, oldest first; empty when the client is up to date.
    Events(Events<'a, T>),
    /// Some events after `after` are no longer kept (or `after` is not an id of this history).
    Reset(Gap),
}

/// Why and where a client's sequence of events breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// How many events after the client's id are gone; `None` when that id was not given out
    /// by this history (an earlier run of the daemon, or a made-up id), so nobody knows.
    pub missed: Option<u64>,
    /// The id the client continues after: the one just before the oldest event kept.
    pub resume_after: u64,
}

/// The events after some id, oldest first, with their ids.
#[derive(Debug, Clone)]
pub struct Events<'a, T> {
    inner: vec_deque::Iter<'a, (T, usize)>,
    next_id: u64,
}

impl<'a, T> Iterator for Events<'a, T> {
    type Item = (u64, &'a T);

    fn next(&mut self) -> Option<(u64, &'a T)> {
        let (item, _) = self.inner.next()?;
        let id = self.next_id;
        self.next_id += 1;
        Some((id, item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> EventHistory<T> {
    /// An empty history whose first event gets `first_id` (at least 1, so "before the first
    /// event" is an id too).
    #[must_use]
    pub fn new(limits: HistoryLimits, first_id: u64) -> EventHistory<T> {
        let first_id = first_id.max(1);
        EventHistory {
            limits,
            kept: VecDeque::new(),
            bytes: 0,
            first_id,
            next_id: first_id,
        }
    }

    /// Records an event of `bytes` bytes and returns its id. The oldest events are dropped
    /// until both limits hold again (an event larger than the byte limit is not kept at all).
    pub fn push(&mut self, item: T, bytes: usize) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.kept.push_back((item, bytes));
        self.bytes += bytes;
        self.enforce();
        id
    }

    /// Changes the limits (a reload), dropping the oldest events that no longer fit.
    pub fn set_limits(&mut self, limits: HistoryLimits) {
        self.limits = limits;
        self.enforce();
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> HistoryLimits {
        self.limits
    }

    fn enforce(&mut self) {
        while self.kept.len() > self.limits.events || self.bytes > self.limits.bytes {
            match self.kept.pop_front() {
                Some((_, bytes)) => self.bytes -= bytes,
                None => break,
            }
        }
    }

    /// The id of the newest event; the first id minus one before any.
    #[must_use]
    pub fn last_id(&self) -> u64 {
        self.next_id - 1
    }

    /// The id of the oldest event kept (the next id when none is kept).
    #[must_use]
    pub fn oldest_id(&self) -> u64 {
        self.next_id - self.kept.len() as u64
    }

    /// How many events are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no event is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The bytes kept, as the pushes measured them.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// What a client that last saw event `after` is sent: every later event, or a reset when
    /// one of them is no longer kept or `after` is not an id this history gave out.
    #[must_use]
    pub fn since(&self, after: u64) -> Resume<'_, T> {
        let oldest = self.oldest_id();
        let resume_after = oldest - 1;
        if after > self.last_id() || after < self.first_id - 1 {
            return Resume::Reset(Gap {
                missed: None,
                resume_after,
            });
        }
        if after < resume_after {
            return Resume::Reset(Gap {
                missed: Some(resume_after - after),
                resume_after,
            });
        }
        // `after` is within [oldest - 1, last]: skip the kept events up to it.
        let skip = usize::try_from(after + 1 - oldest).unwrap_or(usize::MAX);
        let mut inner = self.kept.iter();
        if skip > 0 {
            inner.nth(skip - 1);
        }
        Resume::Events(Events {
            inner,
            next_id: after + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(events: usize) -> HistoryLimits {
        HistoryLimits {
            events,
            bytes: usize::MAX,
        }
    }

    fn ids<T>(resume: Resume<'_, T>) -> Vec<u64> {
        match resume {
            Resume::Events(events) => events.map(|(id, _)| id).collect(),
            Resume::Reset(gap) => panic!("unexpected reset {gap:?}"),
        }
    }

    fn gap<T>(resume: Resume<'_, T>) -> Gap {
        match resume {
            Resume::Reset(gap) => gap,
            Resume::Events(events) => panic!("unexpected events {:?}", events.size_hint()),
        }
    }

    #[test]
    fn ids_count_up_from_the_first_id() {
        let mut h = EventHistory::new(limits(10), 100);
        assert_eq!(h.last_id(), 99);
        assert_eq!(h.push("a", 1), 100);
        assert_eq!(h.push("b", 1), 101);
        assert_eq!(h.last_id(), 101);
        assert_eq!(ids(h.since(99)), [100, 101]);
        assert_eq!(ids(h.since(100)), [101]);
        assert!(ids(h.since(101)).is_empty());
    }

    #[test]
    fn an_evicted_event_makes_a_reset_that_counts_what_was_missed() {
        let mut h = EventHistory::new(limits(3), 1);
        for i in 0..10 {
            h.push(i, 1);
        }
        // Kept: 8, 9, 10.
        assert_eq!(h.oldest_id(), 8);
        assert_eq!(ids(h.since(7)), [8, 9, 10]);
        assert_eq!(
            gap(h.since(5)),
            Gap {
                missed: Some(2),
                resume_after: 7
            }
        );
        assert_eq!(
            gap(h.since(0)),
            Gap {
                missed: Some(7),
                resume_after: 7
            }
        );
    }

    #[test]
    fn foreign_ids_reset_with_an_unknown_count() {
        let mut h = EventHistory::new(limits(3), 1000);
        h.push((), 1);
        for after in [998, 1, 1001, u64::MAX] {
            assert_eq!(
                gap(h.since(after)),
                Gap {
                    missed: None,
                    resume_after: 999
                },
                "{after}"
            );
        }
        // Just before the first event is this history's own position.
        assert_eq!(ids(h.since(999)), [1000]);
    }

    #[test]
    fn the_byte_limit_drops_the_oldest_events() {
        let mut h = EventHistory::new(
            HistoryLimits {
                events: 100,
                bytes: 10,
            },
            1,
        );
        h.push('a', 4);
        h.push('b', 4);
        h.push('c', 4);
        assert_eq!((h.len(), h.bytes(), h.oldest_id()), (2, 8, 2));
        // Larger than the whole budget: nothing is kept, and resuming says so.
        h.push('d', 11);
        assert!(h.is_empty());
        assert_eq!(gap(h.since(3)).missed, Some(1));
    }

    #[test]
    fn zero_events_keeps_nothing() {
        let mut h = EventHistory::new(limits(0), 1);
        assert!(ids(h.since(0)).is_empty());
        h.push((), 0);
        assert!(ids(h.since(1)).is_empty());
        assert_eq!(
            gap(h.since(0)),
            Gap {
                missed: Some(1),
                resume_after: 1
            }
        );
    }

    #[test]
    fn shrinking_the_limits_drops_the_oldest() {
        let mut h = EventHistory::new(limits(10), 1);
        for i in 0..10 {
            h.push(i, 1);
        }
        h.set_limits(limits(4));
        assert_eq!(ids(h.since(6)), [7, 8, 9, 10]);
        assert_eq!(gap(h.since(5)).missed, Some(1));
    }
}
