//! The event system's I/O: the [`EventBus`] the owner holds, around `supervisor_core::events`.
//!
//! # Theory of operation
//!
//! All event logic (subscriptions, payloads, serials, buffers, the listener protocol, dispatch)
//! is pure and lives in [`supervisor_core::events::Hub`]. This module connects it to the daemon:
//!
//! - **Hooks.** The owner calls one `Supervisor::events_*` method at each point where Supervisor
//!   emits an event or a listener changes (`owner/events.rs`): a state change, a capture notice, a group
//!   added or removed, supervisord starting or stopping, `sendRemoteCommEvent`. Each hook
//!   publishes what it must, logs what the hub asks, and dispatches.
//! - **Listener stdout** is read by the usual log capture with `events_enabled` forced on
//!   ([`EventBus::capture_config`]), so the protocol bytes reach the bus as
//!   [`CaptureNotice::LogEvent`](crate::logs::CaptureNotice::LogEvent) chunks, are still written
//!   raw to the listener's `stdout_logfile` (as Supervisor does), and never become
//!   `PROCESS_LOG` events.
//! - **Listener stdin** is the process's own stdin pipe (`owner/stdin.rs`), written without ever
//!   blocking the owner: what the pipe does not take at once is finished by a short-lived task
//!   waiting for writability.
//! - **TICKs** come from a task that sleeps until the next boundary of a subscribed period and
//!   then runs a job on the owner ([`ticks`]). It exists only while some pool or event stream
//!   subscribes to a TICK type, so a daemon without such listeners never wakes up for them.
//! - **The journal** ([`Journal`]) records every published event with an id, whether or not a
//!   pool wants it, for the event streams (`/api/v1/events`); each stream reads it through its
//!   own [`EventSubscription`].
//!
//! Python's `GlobalSerial` survives a reload (the module stays loaded), so the last serial is
//! kept in a process-wide cell when a bus is dropped and picked up by the next one.

mod journal;
mod recorded;
mod subscription;
pub(crate) mod ticks;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub use journal::{Journal, HISTORY_BYTES};
pub use recorded::Recorded;
pub use subscription::{Delivery, EventSubscription};

use supervisor_core::events::{Hub, TickClock};

use crate::logs::{daemon_log, CaptureConfig, Channel};
use crate::owner::{Handle, ProcId};

/// The last global serial of a dropped bus (a reload), continued by the next one.
static LAST_SERIAL: AtomicI64 = AtomicI64::new(-1);

/// The owner's event state: the pure hub plus the pipes and timer around it.
pub struct EventBus {
    /// The pure event state.
    pub(crate) hub: Hub,
    /// Which TICK slices have been published.
    pub(crate) clock: TickClock,
    /// Lets the TICK timer run jobs on the owner.
    pub(crate) handle: Handle,
    /// The TICK timer task, while some pool or stream subscribes to TICKs.
    pub(crate) ticks: ticks::TickTimer,
    /// Every published event, for the event streams; outlives this bus across reloads.
    pub(crate) journal: Arc<Journal>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("hub", &self.hub)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl EventBus {
    /// A bus with no pools recording into `journal`; `handle` lets the TICK timer run jobs on
    /// the owner.
    pub(crate) fn new(handle: Handle, journal: Arc<Journal>) -> EventBus {
        EventBus {
            hub: Hub::new(LAST_SERIAL.load(Ordering::Relaxed)),
            clock: TickClock::new(),
            handle,
            ticks: ticks::TickTimer::default(),
            journal,
        }
    }

    /// The journal the event streams read.
    pub fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }

    /// The pure event state (pools, buffers, listener states), for inspection.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Whether process `id` is an event listener.
    pub fn is_listener(&self, id: ProcId) -> bool {
        self.hub.is_listener(id)
    }

    /// How to capture a channel of process `id`: a listener's stdout carries the protocol, so
    /// every chunk must reach the bus (events on), and Supervisor's listener dispatcher has no
    /// capture mode and no syslog; the raw bytes still go to `stdout_logfile`.
    pub fn capture_config(&self, id: ProcId, mut config: CaptureConfig) -> CaptureConfig {
        if config.channel == Channel::Stdout && self.is_listener(id) {
            config.events_enabled = true;
            config.capture_maxbytes = 0;
            config.syslog = false;
        }
        config
    }
}

impl Drop for EventBus {
    fn drop(&mut self) {
        LAST_SERIAL.store(self.hub.last_serial(), Ordering::Relaxed);
    }
}

/// Writes the hub's log lines to the daemon log.
pub(crate) fn write_logs(logs: Vec<supervisor_core::events::Log>) {
    for line in logs {
        daemon_log::log(line.level, &line.message);
    }
}
