//! Supervisor's event system as pure values (spec §7): event types and subscriptions, exact
//! payloads and envelopes, the listener protocol, pools with their buffers and serials, and
//! TICK timing. The daemon performs the I/O (pipes, timers) around it.
//!
//! - [`types`]: [`EventType`] and its hierarchy, [`Subscription`] (overlaps deduplicated, Q42).
//! - [`event`]: [`Event`] payloads and the [`envelope`] (`len` counts characters, Q40).
//! - [`fields`]: a payload as named fields and data ([`PayloadFields`]), for JSON front ends.
//! - [`history`]: [`EventHistory`], the last events with ids, for the event stream's resumes.
//! - [`listener`]: the READY / `RESULT n` / OK / FAIL protocol ([`Listener`], [`ListenerState`]).
//! - [`pool`]: [`Hub`] and its [`Pool`]s: serials, `buffer_size` overflow, dispatch, re-delivery.
//! - [`tick`]: [`TickClock`] for TICK_5/60/3600.

pub mod event;
pub mod fields;
pub mod history;
pub mod listener;
pub mod pool;
pub mod tick;
pub mod types;

pub use event::{bytes_repr, envelope, Channel, Event, TickPeriod};
pub use fields::{FieldValue, PayloadFields};
pub use history::{EventHistory, Events, Gap, HistoryLimits, Resume};
pub use listener::{Listener, ListenerState, READY_TOKEN};
pub use pool::{BrokenPipe, Hub, ListenerId, Pool, PoolSpec, Queued};
pub use tick::{timeslice, TickClock};
pub use types::{EventType, Subscription, UnknownEventType};

use crate::state::LogLevel;

/// A line the daemon must write to its log, exactly as Supervisor words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    /// The level.
    pub level: LogLevel,
    /// The message text.
    pub message: String,
}

impl Log {
    /// A log line.
    #[must_use]
    pub fn new(level: LogLevel, message: String) -> Log {
        Log { level, message }
    }
}
