//! Event listener pools and the hub that feeds them (spec §7.4): serials, each pool's bounded
//! FIFO buffer with Supervisor's overflow rule, and dispatch to the pool's READY listeners.
//!
//! # Theory of operation
//!
//! [`Hub::publish`] offers an event to every pool whose [`Subscription`] matches it. The first
//! pool to accept an event gives it the next global `serial`; each accepting pool gives it its
//! own next `poolserial`, and appends it to its buffer. A full buffer drops its *oldest* event
//! with an ERRO line. Events nobody subscribes to consume no serial.
//!
//! [`Hub::dispatch`] runs Python's `EventListenerPool.dispatch` for every pool that has a
//! RUNNING listener in the READY state: it takes the oldest buffered event and writes its
//! envelope to the first RUNNING and READY listener (config order) through the caller's
//! `write` function, which makes that listener BUSY; then the next event, until no listener is
//! free, when the event goes back to the head of the buffer. Python calls it once per main-loop
//! iteration; the daemon calls it after anything that may let an event move (a publish, a
//! listener's output, a listener entering RUNNING), which delivers the same events in the same
//! order without the polling delay.
//!
//! An event comes back to the head of its pool's buffer, keeping both serials, when its
//! listener rejects it, breaks the protocol while holding it, or dies holding it.

use std::collections::VecDeque;
use std::sync::Arc;

use super::event::{envelope, Event};
use super::listener::{Listener, ListenerState};
use super::types::{EventType, Subscription};
use super::Log;
use crate::state::LogLevel;

/// The caller's identifier for a listener process (the daemon uses its process id).
pub type ListenerId = u64;

/// An event in a pool's buffer, with the serials it was given when the pool accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The event (shared by every pool that accepted it).
    pub event: Arc<Event>,
    /// The global serial (`serial:`).
    pub serial: i64,
    /// This pool's serial (`poolserial:`).
    pub poolserial: i64,
}

/// Writing an envelope failed because the listener's stdin is closed (EPIPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("broken pipe")]
pub struct BrokenPipe;

/// How to build a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSpec {
    /// The pool (group) name, `pool:` in envelopes.
    pub name: String,
    /// `buffer_size`: how many events the buffer holds.
    pub buffer_size: usize,
    /// The event types the pool receives.
    pub subscription: Subscription,
    /// The pool's listener processes in config order: their id and process name.
    pub listeners: Vec<(ListenerId, String)>,
}

#[derive(Debug, Clone)]
struct Slot {
    id: ListenerId,
    name: String,
    running: bool,
    protocol: Listener,
}

/// A pool's bounded FIFO of events waiting for a listener.
#[derive(Debug, Clone)]
struct Buffer {
    /// The pool's name, for log messages.
    pool: String,
    size: usize,
    queue: VecDeque<Queued>,
}

impl Buffer {
    /// Python's `_acceptEvent(event, head=True)` for an event coming back.
    fn rebuffer(&mut self, queued: Queued, logs: &mut Vec<Log>) {
        logs.push(Log::new(
            LogLevel::Debug,
            format!(
                "rebuffering event {} for pool {} (buf size={}, max={})",
                queued.serial,
                self.pool,
                self.queue.len(),
                self.size
            ),
        ));
        self.insert(queued, true, logs);
    }

    fn insert(&mut self, queued: Queued, head: bool, logs: &mut Vec<Log>) {
        if self.queue.len() >= self.size {
            if let Some(discarded) = self.queue.pop_front() {
                logs.push(Log::new(
                    LogLevel::Error,
                    format!(
                        "pool {} event buffer overflowed, discarding event {}",
                        self.pool, discarded.serial
                    ),
                ));
            }
        }
        if head {
            self.queue.push_front(queued);
        } else {
            self.queue.push_back(queued);
        }
    }
}

/// One `[eventlistener:x]` pool.
#[derive(Debug, Clone)]
pub struct Pool {
    name: String,
    subscription: Subscription,
    buffer: Buffer,
    last_poolserial: i64,
    slots: Vec<Slot>,
}

/// Python's `new_serial`: counters wrap from `sys.maxsize` back to 0.
fn next_serial(last: &mut i64) -> i64 {
    *last = if *last == i64::MAX { 0 } else { *last + 1 };
    *last
}

impl Pool {
    fn new(spec: PoolSpec) -> Pool {
        Pool {
            buffer: Buffer {
                pool: spec.name.clone(),
                size: spec.buffer_size,
                queue: VecDeque::new(),
            },
            name: spec.name,
            subscription: spec.subscription,
            last_poolserial: -1,
            slots: spec
                .listeners
                .into_iter()
                .map(|(id, name)| Slot {
                    id,
                    name,
                    running: false,
                    protocol: Listener::new(),
                })
                .collect(),
        }
    }

    /// The pool's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the pool subscribes to.
    #[must_use]
    pub fn subscription(&self) -> Subscription {
        self.subscription
    }

    /// The buffered events, oldest first.
    pub fn buffered(&self) -> impl Iterator<Item = &Queued> {
        self.buffer.queue.iter()
    }

    /// A listener's protocol state, if it belongs to this pool.
    #[must_use]
    pub fn listener_state(&self, id: ListenerId) -> Option<ListenerState> {
        self.slots
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.protocol.state())
    }

    /// Python's `_acceptEvent` for an event this pool has not seen: next poolserial, append.
    fn accept_new(&mut self, event: Arc<Event>, serial: i64, logs: &mut Vec<Log>) {
        let poolserial = next_serial(&mut self.last_poolserial);
        self.buffer.insert(
            Queued {
                event,
                serial,
                poolserial,
            },
            false,
            logs,
        );
    }

    fn dispatch_capable(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.running && s.protocol.state() == ListenerState::Ready)
    }

    fn dispatch(
        &mut self,
        identifier: &str,
        write: &mut dyn FnMut(ListenerId, &str) -> Result<(), BrokenPipe>,
        logs: &mut Vec<Log>,
    ) {
        if !self.dispatch_capable() {
            return;
        }
        while let Some(queued) = self.buffer.queue.pop_front() {
            if let Err(queued) = self.dispatch_one(queued, identifier, write, logs) {
                self.buffer.rebuffer(queued, logs);
                break;
            }
        }
    }

    /// Python's `_dispatchEvent`: the first RUNNING and READY listener whose stdin takes the
    /// envelope gets the event; `Err` gives the event back when none did.
    fn dispatch_one(
        &mut self,
        queued: Queued,
        identifier: &str,
        write: &mut dyn FnMut(ListenerId, &str) -> Result<(), BrokenPipe>,
        logs: &mut Vec<Log>,
    ) -> Result<(), Queued> {
        for slot in &mut self.slots {
            if !slot.running || slot.protocol.state() != ListenerState::Ready {
                continue;
            }
            let text = envelope(
                identifier,
                queued.serial,
                &self.name,
                queued.poolserial,
                &queued.event,
            );
            if write(slot.id, &text).is_err() {
                logs.push(Log::new(
                    LogLevel::Debug,
                    format!(
                        "epipe occurred while sending event {} to listener {}, listener state \
                         unchanged",
                        queued.serial, slot.name
                    ),
                ));
                continue;
            }
            logs.push(Log::new(
                LogLevel::Debug,
                format!("event {} sent to listener {}", queued.serial, slot.name),
            ));
            slot.protocol.sent(queued);
            return Ok(());
        }
        Err(queued)
    }
}

/// Every pool of the daemon and the global serial counter: Python's module-level subscriber
/// list and `GlobalSerial`.
#[derive(Debug, Clone)]
pub struct Hub {
    last_serial: i64,
    pools: Vec<Pool>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new(-1)
    }
}

impl Hub {
    /// An empty hub whose next serial is `last_serial + 1` (Python keeps counting across a
    /// reload; start with -1).
    #[must_use]
    pub fn new(last_serial: i64) -> Hub {
        Hub {
            last_serial,
            pools: Vec::new(),
        }
    }

    /// The last global serial given out (-1 if none).
    #[must_use]
    pub fn last_serial(&self) -> i64 {
        self.last_serial
    }

    /// Adds a pool (it subscribes now: it receives events published from here on), replacing
    /// a pool of the same name.
    pub fn add_pool(&mut self, spec: PoolSpec) {
        self.pools.retain(|p| p.name != spec.name);
        self.pools.push(Pool::new(spec));
    }

    /// Removes a pool and drops its buffered events; `false` if there was none.
    pub fn remove_pool(&mut self, name: &str) -> bool {
        let before = self.pools.len();
        self.pools.retain(|p| p.name != name);
        self.pools.len() != before
    }

    /// The pool named `name`.
    #[must_use]
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools.iter().find(|p| p.name == name)
    }

    /// Every pool, in subscription order.
    #[must_use]
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// The union of every pool's subscription.
    #[must_use]
    pub fn subscription(&self) -> Subscription {
        self.pools
            .iter()
            .fold(Subscription::default(), |acc, p| acc.union(p.subscription))
    }

    /// Whether some pool would accept an event of type `kind` (so building it is worthwhile).
    #[must_use]
    pub fn wants(&self, kind: EventType) -> bool {
        self.pools.iter().any(|p| p.subscription.matches(kind))
    }

    /// Whether `id` is a listener of some pool.
    #[must_use]
    pub fn is_listener(&self, id: ListenerId) -> bool {
        self.pools
            .iter()
            .any(|p| p.slots.iter().any(|s| s.id == id))
    }

    /// Offers `event` to every subscribed pool (Python's `events.notify`); an `Arc<Event>` is
    /// shared with the pools as it is.
    #[must_use]
    pub fn publish(&mut self, event: impl Into<Arc<Event>>) -> Vec<Log> {
        let mut logs = Vec::new();
        let event: Arc<Event> = event.into();
        let kind = event.kind();
        let mut serial = None;
        for pool in &mut self.pools {
            if !pool.subscription.matches(kind) {
                continue;
            }
            let serial = *serial.get_or_insert_with(|| next_serial(&mut self.last_serial));
            pool.accept_new(Arc::clone(&event), serial, &mut logs);
        }
        logs
    }

    fn find(&mut self, id: ListenerId) -> Option<(&mut Pool, usize)> {
        self.pools.iter_mut().find_map(|p| {
            let index = p.slots.iter().position(|s| s.id == id)?;
            Some((p, index))
        })
    }

    /// Listener `id` was spawned: ACKNOWLEDGED, nothing buffered from its previous life.
    #[must_use]
    pub fn listener_spawned(&mut self, id: ListenerId) -> Vec<Log> {
        let mut logs = Vec::new();
        if let Some((pool, i)) = self.find(id) {
            if let Some(stray) = pool.slots[i].protocol.reset() {
                pool.buffer.rebuffer(stray, &mut logs);
            }
        }
        logs
    }

    /// Whether listener `id`'s process is RUNNING (only RUNNING listeners are sent events).
    pub fn listener_running(&mut self, id: ListenerId, running: bool) {
        if let Some((pool, i)) = self.find(id) {
            pool.slots[i].running = running;
        }
    }

    /// Listener `id`'s process died: the event it was working on goes back to the head of the
    /// pool's buffer.
    #[must_use]
    pub fn listener_died(&mut self, id: ListenerId) -> Vec<Log> {
        let mut logs = Vec::new();
        if let Some((pool, i)) = self.find(id) {
            pool.slots[i].running = false;
            if let Some(event) = pool.slots[i].protocol.died() {
                pool.buffer.rebuffer(event, &mut logs);
            }
        }
        logs
    }

    /// Output read from listener `id`'s stdout, parsed as the protocol.
    #[must_use]
    pub fn feed(&mut self, id: ListenerId, data: &[u8]) -> Vec<Log> {
        let mut logs = Vec::new();
        if let Some((pool, i)) = self.find(id) {
            let slot = &mut pool.slots[i];
            let buffer = &mut pool.buffer;
            // A rejected event is rebuffered at once, before the rest of the output is parsed,
            // which is the order of Python's log lines.
            slot.protocol
                .feed(&slot.name, data, &mut logs, &mut |event, logs| {
                    buffer.rebuffer(event, logs);
                });
        }
        logs
    }

    /// A listener's protocol state, if `id` is a listener.
    #[must_use]
    pub fn listener_state(&self, id: ListenerId) -> Option<ListenerState> {
        self.pools.iter().find_map(|p| p.listener_state(id))
    }

    /// Sends buffered events to free listeners, pool by pool. `write` must write the whole
    /// envelope to the listener's stdin (buffering what the pipe does not take yet) or report
    /// a closed pipe; `identifier` is supervisord's `identifier` (`server:`).
    #[must_use]
    pub fn dispatch(
        &mut self,
        identifier: &str,
        mut write: impl FnMut(ListenerId, &str) -> Result<(), BrokenPipe>,
    ) -> Vec<Log> {
        let mut logs = Vec::new();
        for pool in &mut self.pools {
            pool.dispatch(identifier, &mut write, &mut logs);
        }
        logs
    }
}
