//! The journal: every event the daemon publishes, with an id, in a bounded history that the
//! event streams (`/api/v1/events`) read.
//!
//! # Theory of operation
//!
//! The owner is the only writer: its event hooks record every event they publish
//! (`Journal::record`), whether or not a listener pool wants it. A stream is a cursor into
//! the history ([`EventSubscription`]), created on the owner (`Journal::subscribe`) and
//! then read in the connection's own task, so a stream that stops reading holds only its
//! cursor (and the few messages its connection queued) and never slows the owner or the other
//! streams. A cursor that the history has
//! moved past (a client reconnecting too late, or reading too slowly) is told so with a reset
//! (`supervisor_core::events::Gap`), never left with a silent gap.
//!
//! One journal lives as long as the daemon: startup creates it and hands it to each owner, so
//! ids keep counting and open streams keep going across a reload. The first id is the daemon's
//! start time in microseconds, so an id from an earlier run of the daemon is always below it
//! and gets a reset instead of a wrong resume.
//!
//! Bounds: [`event_history`](supervisor_config::model::Supervisord::event_history) events and
//! [`HISTORY_BYTES`] of them, whichever is reached first. The history is also the live buffer:
//! a connected stream reads its next event from it, so the same bound says how far a client may
//! fall behind before it is reset, and there is no per-client queue. A stream holds at most the
//! event it is sending and what its connection's write queue holds (hyper queues at most 16
//! frames), and frames are shared, not copied, between streams.
//!
//! TICK events exist only while someone wants them: streams that ask for a TICK type are
//! counted here, and a change wakes the owner (`Journal::ticks_changed`), which starts or
//! stops its TICK timer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use supervisor_core::events::{Event, EventHistory, HistoryLimits, Subscription};
use tokio::sync::{watch, Notify};

use super::recorded::Recorded;
use super::subscription::EventSubscription;
use super::ticks::{self, Wanted};

/// The most bytes the history keeps, counting each event's payload twice (the event and, once a
/// stream has sent it, its rendering) plus a fixed overhead: process output with
/// `stdout_events_enabled` comes in chunks of up to 128 KiB, which the event count alone would
/// not bound.
pub const HISTORY_BYTES: usize = 8 << 20;

/// What an event costs the history beyond its payload: the record, the rendering's JSON.
const EVENT_OVERHEAD: usize = 256;

/// Every published event, with ids, for the event streams.
#[derive(Debug)]
pub struct Journal {
    state: Mutex<State>,
    /// The newest id; every change wakes the streams waiting for an event.
    newest: watch::Sender<u64>,
    /// Wakes the owner when the TICK periods streams want have changed.
    ticks_changed: Notify,
}

#[derive(Debug)]
struct State {
    history: EventHistory<Arc<Recorded>>,
    /// How many open streams want each TICK period, indexed like `TickPeriod::ALL`.
    tick_streams: [usize; 3],
}

fn limits(events: usize) -> HistoryLimits {
    HistoryLimits {
        events,
        bytes: HISTORY_BYTES,
    }
}

impl Journal {
    /// An empty journal keeping the last `events` events; its first id is the current time in
    /// microseconds since the epoch.
    pub fn new(events: usize) -> Arc<Journal> {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(1));
        Journal::starting_at(events, micros)
    }

    /// An empty journal whose first event gets `first_id`.
    pub fn starting_at(events: usize, first_id: u64) -> Arc<Journal> {
        let history = EventHistory::new(limits(events), first_id);
        let (newest, _) = watch::channel(history.last_id());
        Arc::new(Journal {
            state: Mutex::new(State {
                history,
                tick_streams: [0; 3],
            }),
            newest,
            ticks_changed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned one still holds consistent data.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the last `events` events from now on (a reload may change `event_history`).
    pub(crate) fn set_history(&self, events: usize) {
        self.lock().history.set_limits(limits(events));
    }

    /// Records an event published at `time` (with its `serial` if a pool took it) and wakes the
    /// streams; returns its id.
    pub(crate) fn record(&self, event: Arc<Event>, serial: Option<i64>, time: f64) -> u64 {
        let mut state = self.lock();
        let id = state.history.last_id() + 1;
        let bytes = 2 * event.payload().len() + EVENT_OVERHEAD;
        let recorded = Arc::new(Recorded::new(id, time, serial, event));
        let pushed = state.history.push(recorded, bytes);
        debug_assert_eq!(pushed, id);
        drop(state);
        self.newest.send_replace(id);
        id
    }

    /// How many events the history keeps (`event_history`).
    pub fn history_events(&self) -> usize {
        self.lock().history.limits().events
    }

    /// The id of the newest event (the first id minus one before any).
    pub fn last_id(&self) -> u64 {
        self.lock().history.last_id()
    }

    /// A stream of the events of `types` after event `after` (`None`: after the newest, so
    /// only what comes next). Counts the TICK periods it wants until it is dropped.
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        after: Option<u64>,
        types: Subscription,
    ) -> EventSubscription {
        let ticks = ticks::wanted(types);
        let cursor = {
            let mut state = self.lock();
            self.count_tick_streams(&mut state, ticks, true);
            after.unwrap_or_else(|| state.history.last_id())
        };
        EventSubscription::new(Arc::clone(self), cursor, types, ticks)
    }

    /// A stream that wanted the TICK periods `ticks` has gone.
    pub(super) fn release_ticks(&self, ticks: Wanted) {
        let mut state = self.lock();
        self.count_tick_streams(&mut state, ticks, false);
    }

    /// Counts a stream wanting the TICK periods `ticks` in (`joined`) or out, and wakes the
    /// owner when a period gains its first stream or loses its last (its timer starts or stops).
    fn count_tick_streams(&self, state: &mut State, ticks: Wanted, joined: bool) {
        let mut changed = false;
        for (count, wanted) in state.tick_streams.iter_mut().zip(ticks) {
            if wanted {
                let before = *count;
                *count = if joined {
                    before + 1
                } else {
                    before.saturating_sub(1)
                };
                changed |= (before == 0) != (*count == 0);
            }
        }
        if changed {
            self.ticks_changed.notify_one();
        }
    }

    /// The TICK periods some open stream wants.
    pub(crate) fn tick_demand(&self) -> Wanted {
        self.lock().tick_streams.map(|n| n > 0)
    }

    /// Completes when the TICK periods streams want may have changed since the last time
    /// (one wake-up is kept if nobody is waiting).
    pub(crate) async fn ticks_changed(&self) {
        self.ticks_changed.notified().await;
    }

    /// The history, for a subscription reading from it.
    pub(super) fn with_history<R>(&self, f: impl FnOnce(&EventHistory<Arc<Recorded>>) -> R) -> R {
        f(&self.lock().history)
    }

    /// A receiver woken by every new event.
    pub(super) fn watch_newest(&self) -> watch::Receiver<u64> {
        self.newest.subscribe()
    }
}
