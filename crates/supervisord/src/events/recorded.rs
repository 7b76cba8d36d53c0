//! [`Recorded`]: one event as the journal keeps it, with what every event stream sends for it.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use supervisor_core::events::Event;

/// An event recorded in the [`Journal`](super::Journal): its id, when and with which serial it
/// was published, and the event itself (shared with the listener pools that took it).
#[derive(Debug)]
pub struct Recorded {
    /// The journal's id, increasing by one per event.
    pub id: u64,
    /// When it was published (seconds since the epoch).
    pub time: f64,
    /// The listener protocol's global `serial`, if some pool took the event (Supervisor gives
    /// serials only to events a pool accepts).
    pub serial: Option<i64>,
    /// The event.
    pub event: Arc<Event>,
    /// The bytes a stream sends for it, rendered by the first stream that sends it and shared
    /// by all the others (and by every connection's write queue), so a thousand readers cost
    /// one rendering and one copy.
    wire: OnceLock<Bytes>,
}

impl Recorded {
    /// A recorded event, not yet rendered.
    pub(crate) fn new(id: u64, time: f64, serial: Option<i64>, event: Arc<Event>) -> Recorded {
        Recorded {
            id,
            time,
            serial,
            event,
            wire: OnceLock::new(),
        }
    }

    /// What a stream sends for this event: rendered by `render` the first time, shared after.
    pub fn wire(&self, render: impl FnOnce(&Recorded) -> Bytes) -> Bytes {
        self.wire.get_or_init(|| render(self)).clone()
    }
}
