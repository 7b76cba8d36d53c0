//! The owner's hooks into the event system (`crate::events`): one `Supervisor::events_*` call at
//! each point where Supervisor emits an event or a listener's situation changes.
//!
//! Every hook ends with a dispatch, which is where Python's main loop would next offer buffered
//! events to READY listeners. Every event published is also recorded in the journal, whether or
//! not a pool wants it, for the event streams (`/api/v1/events`).

use std::sync::Arc;

use supervisor_config::model::GroupKind;
use supervisor_core::events::{BrokenPipe, Channel as EventChannel, Event, PoolSpec, Subscription};
use supervisor_core::{ProcessState, StateChange};

use super::{wall_now, Group, ProcId, Supervisor};
use crate::events::{ticks, write_logs, EventBus, EventSubscription};
use crate::logs::Channel;
use supervisor_core::LogLevel;

fn event_channel(channel: Channel) -> EventChannel {
    match channel {
        Channel::Stdout => EventChannel::Stdout,
        Channel::Stderr => EventChannel::Stderr,
    }
}

/// Whether a state change means the child just died (it had a pid before and has none after).
fn is_death(change: &StateChange) -> bool {
    matches!(
        change.from,
        ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
    ) && matches!(
        change.to,
        ProcessState::Stopped | ProcessState::Exited | ProcessState::Backoff | ProcessState::Fatal
    )
}

impl Supervisor {
    /// Publishes `event` to the subscribed pools and dispatches.
    pub(super) fn events_publish(&mut self, event: Event) {
        if self.events_emit(event) {
            self.events_dispatch();
        }
    }

    /// Offers `event` to the pools that want it (without dispatching) and records it in the
    /// journal; `true` if a pool took it.
    fn events_emit(&mut self, event: Event) -> bool {
        let event = Arc::new(event);
        let serial = if self.events.hub.wants(event.kind()) {
            write_logs(self.events.hub.publish(Arc::clone(&event)));
            Some(self.events.hub.last_serial())
        } else {
            None
        };
        self.events.journal.record(event, serial, wall_now());
        serial.is_some()
    }

    /// Opens an event stream: the events of `types` after id `after` (`None`: from now on).
    /// A stream wanting TICKs wakes the owner through the journal, which starts the timer.
    pub(super) fn events_subscribe(
        &mut self,
        after: Option<u64>,
        types: Subscription,
    ) -> EventSubscription {
        let subscription = self.events.journal.subscribe(after, types);
        crate::log_debug!(
            "event stream opened after id {} ({} event types)",
            subscription.cursor(),
            types.types().count()
        );
        subscription
    }

    /// Offers buffered events to READY listeners (Python's `EventListenerPool.dispatch`).
    pub(super) fn events_dispatch(&mut self) {
        let procs = &mut self.procs;
        let EventBus { hub, .. } = &mut self.events;
        let logs = hub.dispatch(
            &self.config.supervisord.identifier,
            |id, envelope| match procs.get_mut(&id).and_then(|p| p.stdin.as_mut()) {
                Some(stdin) => stdin.write(envelope.as_bytes()),
                None => Err(BrokenPipe),
            },
        );
        write_logs(logs);
    }

    /// Hook: the group at `index` in `self.groups` was just added. A pool subscribes first, so
    /// it receives its own `PROCESS_GROUP_ADDED`, as in Python.
    pub(super) fn events_group_added(&mut self, index: usize) {
        let Some(group) = self.groups.get(index) else {
            return;
        };
        let name = group.config.name.clone();
        if let GroupKind::EventListener(pool) = &group.config.kind {
            let subscription = match Subscription::from_names(&pool.pool_events) {
                Ok(s) => s,
                Err(e) => {
                    // The config reader rejects unknown names; this is a bug elsewhere.
                    self.log(LogLevel::Error, &format!("pool {name}: {e}"));
                    Subscription::default()
                }
            };
            let listeners = group
                .members
                .iter()
                .filter_map(|id| self.procs.get(id).map(|p| (*id, p.config.name.clone())))
                .collect();
            self.events.hub.add_pool(PoolSpec {
                name: name.clone(),
                buffer_size: usize::try_from(pool.buffer_size).unwrap_or(1).max(1),
                subscription,
                listeners,
            });
            self.events_update_ticks();
        }
        self.events_publish(Event::group_added(&name));
    }

    /// Hook: `group` was removed. A pool unsubscribes (dropping its buffer) before
    /// `PROCESS_GROUP_REMOVED` is published, as in Python.
    pub(super) fn events_group_removed(&mut self, group: &Group) {
        if self.events.hub.remove_pool(&group.config.name) {
            self.events_update_ticks();
        }
        self.events_publish(Event::group_removed(&group.config.name));
    }

    /// Hook: process `id` changed state. Publishes `PROCESS_STATE_*` and, for a listener,
    /// resets its protocol at each spawn, tracks whether it may be sent events (RUNNING), and
    /// puts the event it held back at the head of its pool's buffer when it dies.
    pub(super) fn events_state_changed(&mut self, id: ProcId, change: StateChange) {
        let Some(proc) = self.procs.get(&id) else {
            return;
        };
        let event = Event::process_state(&change, &proc.config.name, &proc.config.group);
        let listener = self.events.hub.is_listener(id);
        if listener {
            // A new spawn has a new stdin pipe (`Proc::stdin`), with nothing queued.
            if change.to == ProcessState::Starting {
                write_logs(self.events.hub.listener_spawned(id));
            }
            self.events
                .hub
                .listener_running(id, change.to == ProcessState::Running);
        }
        self.events_emit(event);
        if listener && is_death(&change) {
            // Whatever was queued for the dead listener is dropped with its pipe.
            if let Some(proc) = self.procs.get_mut(&id) {
                proc.stdin = None;
            }
            write_logs(self.events.hub.listener_died(id));
        }
        self.events_dispatch();
    }

    /// Hook: a capture reported a chunk of output (`CaptureNotice::LogEvent`). A listener's
    /// stdout is its protocol channel; any other channel becomes `PROCESS_LOG_STDOUT/STDERR`.
    pub(super) fn events_output(&mut self, id: ProcId, channel: Channel, data: Vec<u8>) {
        if channel == Channel::Stdout && self.events.hub.is_listener(id) {
            write_logs(self.events.hub.feed(id, &data));
            self.events_dispatch();
            return;
        }
        // Only programs with `*_events_enabled` report output, so the event is always built:
        // the journal records it even when no pool wants it.
        let Some(proc) = self.procs.get(&id) else {
            return;
        };
        let event = Event::process_log(
            event_channel(channel),
            &proc.config.name,
            &proc.config.group,
            proc.machine.pid().unwrap_or(0),
            &data,
        );
        self.events_publish(event);
    }

    /// Hook: a capture-mode block ended (`CaptureNotice::Communication`):
    /// `PROCESS_COMMUNICATION_STDOUT/STDERR`.
    pub(super) fn events_communication(&mut self, id: ProcId, channel: Channel, data: Vec<u8>) {
        let Some(proc) = self.procs.get(&id) else {
            return;
        };
        let event = Event::process_communication(
            event_channel(channel),
            &proc.config.name,
            &proc.config.group,
            proc.machine.pid().unwrap_or(0),
            &data,
        );
        self.events_publish(event);
    }

    /// Hook: supervisord entered its main loop (start or reload).
    pub(super) fn events_supervisor_running(&mut self) {
        self.events_publish(Event::supervisor_running());
    }

    /// Hook: shutdown or reload begins.
    pub(super) fn events_supervisor_stopping(&mut self) {
        self.events_publish(Event::supervisor_stopping());
    }

    /// Hook: RPC `sendRemoteCommEvent(type, data)`.
    pub(super) fn events_remote(&mut self, kind: &str, data: &str) {
        self.events_publish(Event::remote_communication(kind, data));
    }

    /// The TICK timer fired: publish the TICK events whose slice changed.
    pub(crate) fn events_tick(&mut self) {
        let wanted = self.events.ticks.serving();
        let due = self
            .events
            .clock
            .poll(wall_now(), |p| ticks::is_wanted(wanted, p));
        for event in due {
            self.events_publish(event);
        }
    }

    /// Starts, restarts or stops the TICK timer after the subscriptions of pools or streams
    /// changed.
    pub(super) fn events_update_ticks(&mut self) {
        let pools = ticks::wanted(self.events.hub.subscription());
        let streams = self.events.journal.tick_demand();
        let wanted: ticks::Wanted = std::array::from_fn(|i| pools[i] || streams[i]);
        // Newly wanted periods record their current slice now, so the first TICK comes at the
        // next boundary (Python records slices from its first loop iteration on).
        let due = self
            .events
            .clock
            .poll(wall_now(), |p| ticks::is_wanted(wanted, p));
        let bus = &mut self.events;
        bus.ticks.serve(wanted, &bus.handle);
        for event in due {
            self.events_publish(event);
        }
    }
}
