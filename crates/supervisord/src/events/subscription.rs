//! [`EventSubscription`]: one event stream's cursor into the [`Journal`].

use std::sync::Arc;

use supervisor_core::events::{Gap, Resume, Subscription};
use tokio::sync::watch;

use super::journal::Journal;
use super::recorded::Recorded;
use super::ticks::Wanted;

/// What a stream sends next.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The next event of the subscribed types.
    Event(Arc<Recorded>),
    /// Events after `after` are gone (or `after` was not one of this daemon's ids); the stream
    /// goes on after `gap.resume_after`.
    Reset {
        /// The cursor before the reset: the last id the client had.
        after: u64,
        /// How many were missed, and where the stream continues.
        gap: Gap,
    },
}

/// A client's position in the journal and the event types it wants; made by
/// `Owner::subscribe_events`. Dropping it ends the subscription (and its share of the TICK
/// timer).
#[derive(Debug)]
pub struct EventSubscription {
    journal: Arc<Journal>,
    /// The last id considered: sent, or skipped as a type the client does not want.
    cursor: u64,
    types: Subscription,
    newest: watch::Receiver<u64>,
    ticks: Wanted,
}

impl EventSubscription {
    pub(super) fn new(
        journal: Arc<Journal>,
        cursor: u64,
        types: Subscription,
        ticks: Wanted,
    ) -> EventSubscription {
        let newest = journal.watch_newest();
        EventSubscription {
            journal,
            cursor,
            types,
            newest,
            ticks,
        }
    }

    /// The last id this subscription has considered.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// How many events the journal keeps (`event_history`), for explaining a reset.
    pub fn history_events(&self) -> usize {
        self.journal.history_events()
    }

    /// The next delivery, waiting for an event if there is none yet.
    ///
    /// Cancel-safe: the cursor moves only when a delivery is returned, so a `select!` that
    /// drops this future (a keep-alive timer) loses nothing.
    pub async fn next(&mut self) -> Delivery {
        loop {
            // Marked seen before looking, so an event recorded after the look wakes the wait.
            self.newest.borrow_and_update();
            if let Some(delivery) = self.poll_next() {
                return delivery;
            }
            if self.newest.changed().await.is_err() {
                // The journal (which holds the sender) outlives every subscription.
                std::future::pending::<()>().await;
            }
        }
    }

    /// The next delivery if one is ready.
    pub fn poll_next(&mut self) -> Option<Delivery> {
        let types = self.types;
        let after = self.cursor;
        let (delivery, cursor) = self.journal.with_history(|history| {
            match history.since(after) {
                Resume::Events(mut events) => {
                    match events.find(|(_, r)| types.matches(r.event.kind())) {
                        Some((id, recorded)) => (Some(Delivery::Event(Arc::clone(recorded))), id),
                        // Nothing wanted up to the newest: skip what was looked at.
                        None => (None, history.last_id()),
                    }
                }
                Resume::Reset(gap) => (Some(Delivery::Reset { after, gap }), gap.resume_after),
            }
        });
        self.cursor = cursor;
        delivery
    }
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        self.journal.release_ticks(self.ticks);
        crate::log_debug!("event stream closed after id {}", self.cursor);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use supervisor_core::events::{Event, EventType};

    use super::*;

    fn record(journal: &Journal, kind: EventType) -> u64 {
        journal.record(Arc::new(Event::new(kind, String::new())), None, 0.0)
    }

    fn event_id(delivery: Option<Delivery>) -> u64 {
        match delivery {
            Some(Delivery::Event(r)) => r.id,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    fn all() -> Subscription {
        Subscription::new([EventType::Event])
    }

    #[test]
    fn a_new_stream_starts_with_the_next_event_and_a_resume_replays() {
        let journal = Journal::starting_at(10, 100);
        record(&journal, EventType::ProcessGroupAdded);
        let mut live = journal.subscribe(None, all());
        assert!(live.poll_next().is_none());
        let id = record(&journal, EventType::ProcessStateStarting);
        assert_eq!(event_id(live.poll_next()), id);
        let mut resumed = journal.subscribe(Some(99), all());
        assert_eq!(event_id(resumed.poll_next()), 100);
        assert_eq!(event_id(resumed.poll_next()), 101);
        assert!(resumed.poll_next().is_none());
    }

    #[test]
    fn other_types_are_skipped_once() {
        let journal = Journal::starting_at(10, 1);
        let mut sub = journal.subscribe(None, Subscription::new([EventType::ProcessState]));
        record(&journal, EventType::Tick5);
        let running = record(&journal, EventType::ProcessStateRunning);
        record(&journal, EventType::ProcessGroupAdded);
        assert_eq!(event_id(sub.poll_next()), running);
        assert!(sub.poll_next().is_none());
        assert_eq!(sub.cursor(), 3, "skipped events are not looked at again");
    }

    #[test]
    fn a_stream_left_behind_gets_a_reset_then_the_oldest_kept() {
        let journal = Journal::starting_at(3, 1);
        let mut slow = journal.subscribe(None, all());
        for _ in 0..10 {
            record(&journal, EventType::RemoteCommunication);
        }
        match slow.poll_next() {
            Some(Delivery::Reset { after: 0, gap }) => {
                assert_eq!(gap.missed, Some(7));
                assert_eq!(gap.resume_after, 7);
            }
            other => panic!("expected a reset, got {other:?}"),
        }
        assert_eq!(event_id(slow.poll_next()), 8);
    }

    #[test]
    fn tick_streams_are_counted_until_dropped() {
        let journal = Journal::starting_at(3, 1);
        let five = Subscription::new([EventType::Tick5]);
        let a = journal.subscribe(None, five);
        let b = journal.subscribe(None, Subscription::new([EventType::Tick]));
        assert_eq!(journal.tick_demand(), [true, true, true]);
        drop(b);
        assert_eq!(journal.tick_demand(), [true, false, false]);
        drop(a);
        assert_eq!(journal.tick_demand(), [false; 3]);
    }

    #[tokio::test]
    async fn next_waits_for_an_event_and_loses_none_when_cancelled() {
        let journal = Journal::starting_at(10, 1);
        let mut sub = journal.subscribe(None, all());
        // Cancelled while waiting (a keep-alive timer winning the race).
        let waited = tokio::time::timeout(Duration::from_millis(10), sub.next()).await;
        assert!(waited.is_err());
        let id = record(&journal, EventType::ProcessGroupAdded);
        match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
            Ok(Delivery::Event(r)) => assert_eq!(r.id, id),
            other => panic!("expected the event, got {other:?}"),
        }
        // A wake-up that comes while the stream is busy elsewhere is not lost either.
        let next = record(&journal, EventType::ProcessGroupRemoved);
        match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
            Ok(Delivery::Event(r)) => assert_eq!(r.id, next),
            other => panic!("expected the event, got {other:?}"),
        }
    }
}
