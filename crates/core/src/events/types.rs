//! Supervisor's event types, their hierarchy, and what a pool subscribes to (spec §7.1).
//!
//! Python models event types as classes and subscriptions as `isinstance` checks, so
//! subscribing to an abstract type (`PROCESS_STATE`, `TICK`, `EVENT`…) delivers every subtype.
//! Here each type knows its parent, and a [`Subscription`] is the set of *concrete* types a
//! pool's `events=` line covers. A set cannot hold a type twice, which is the fix for Q42: a
//! pool subscribing to overlapping types (`PROCESS_STATE,PROCESS_STATE_RUNNING`) receives each
//! event once, where Python buffers it twice.

use std::fmt;

use crate::state::ProcessState;

/// One of Supervisor 4.3's event types, abstract or concrete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// `EVENT`: the root of every type (abstract).
    Event,
    /// `PROCESS_STATE`: any process state change (abstract).
    ProcessState,
    /// `PROCESS_STATE_STOPPED`.
    ProcessStateStopped,
    /// `PROCESS_STATE_EXITED`.
    ProcessStateExited,
    /// `PROCESS_STATE_STARTING`.
    ProcessStateStarting,
    /// `PROCESS_STATE_STOPPING`.
    ProcessStateStopping,
    /// `PROCESS_STATE_BACKOFF`.
    ProcessStateBackoff,
    /// `PROCESS_STATE_FATAL`.
    ProcessStateFatal,
    /// `PROCESS_STATE_RUNNING`.
    ProcessStateRunning,
    /// `PROCESS_STATE_UNKNOWN`.
    ProcessStateUnknown,
    /// `PROCESS_COMMUNICATION`: a capture-mode block ended (abstract).
    ProcessCommunication,
    /// `PROCESS_COMMUNICATION_STDOUT`.
    ProcessCommunicationStdout,
    /// `PROCESS_COMMUNICATION_STDERR`.
    ProcessCommunicationStderr,
    /// `PROCESS_LOG`: output logged with `*_events_enabled` (abstract).
    ProcessLog,
    /// `PROCESS_LOG_STDOUT`.
    ProcessLogStdout,
    /// `PROCESS_LOG_STDERR`.
    ProcessLogStderr,
    /// `REMOTE_COMMUNICATION`: RPC `sendRemoteCommEvent`.
    RemoteCommunication,
    /// `SUPERVISOR_STATE_CHANGE` (abstract).
    SupervisorStateChange,
    /// `SUPERVISOR_STATE_CHANGE_RUNNING`: supervisord started (or reloaded).
    SupervisorStateChangeRunning,
    /// `SUPERVISOR_STATE_CHANGE_STOPPING`: shutdown or reload begins.
    SupervisorStateChangeStopping,
    /// `TICK` (abstract).
    Tick,
    /// `TICK_5`.
    Tick5,
    /// `TICK_60`.
    Tick60,
    /// `TICK_3600`.
    Tick3600,
    /// `PROCESS_GROUP` (abstract).
    ProcessGroup,
    /// `PROCESS_GROUP_ADDED`.
    ProcessGroupAdded,
    /// `PROCESS_GROUP_REMOVED`.
    ProcessGroupRemoved,
}

/// A name in `events=` that is not an event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown event type {0}")]
pub struct UnknownEventType(pub String);

impl EventType {
    /// Every type, in the order of Python's `EventTypes` class.
    pub const ALL: [EventType; 27] = [
        EventType::Event,
        EventType::ProcessState,
        EventType::ProcessStateStopped,
        EventType::ProcessStateExited,
        EventType::ProcessStateStarting,
        EventType::ProcessStateStopping,
        EventType::ProcessStateBackoff,
        EventType::ProcessStateFatal,
        EventType::ProcessStateRunning,
        EventType::ProcessStateUnknown,
        EventType::ProcessCommunication,
        EventType::ProcessCommunicationStdout,
        EventType::ProcessCommunicationStderr,
        EventType::ProcessLog,
        EventType::ProcessLogStdout,
        EventType::ProcessLogStderr,
        EventType::RemoteCommunication,
        EventType::SupervisorStateChange,
        EventType::SupervisorStateChangeRunning,
        EventType::SupervisorStateChangeStopping,
        EventType::Tick,
        EventType::Tick5,
        EventType::Tick60,
        EventType::Tick3600,
        EventType::ProcessGroup,
        EventType::ProcessGroupAdded,
        EventType::ProcessGroupRemoved,
    ];

    /// The name used in `events=` and in the envelope's `eventname:` header.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            EventType::Event => "EVENT",
            EventType::ProcessState => "PROCESS_STATE",
            EventType::ProcessStateStopped => "PROCESS_STATE_STOPPED",
            EventType::ProcessStateExited => "PROCESS_STATE_EXITED",
            EventType::ProcessStateStarting => "PROCESS_STATE_STARTING",
            EventType::ProcessStateStopping => "PROCESS_STATE_STOPPING",
            EventType::ProcessStateBackoff => "PROCESS_STATE_BACKOFF",
            EventType::ProcessStateFatal => "PROCESS_STATE_FATAL",
            EventType::ProcessStateRunning => "PROCESS_STATE_RUNNING",
            EventType::ProcessStateUnknown => "PROCESS_STATE_UNKNOWN",
            EventType::ProcessCommunication => "PROCESS_COMMUNICATION",
            EventType::ProcessCommunicationStdout => "PROCESS_COMMUNICATION_STDOUT",
            EventType::ProcessCommunicationStderr => "PROCESS_COMMUNICATION_STDERR",
            EventType::ProcessLog => "PROCESS_LOG",
            EventType::ProcessLogStdout => "PROCESS_LOG_STDOUT",
            EventType::ProcessLogStderr => "PROCESS_LOG_STDERR",
            EventType::RemoteCommunication => "REMOTE_COMMUNICATION",
            EventType::SupervisorStateChange => "SUPERVISOR_STATE_CHANGE",
            EventType::SupervisorStateChangeRunning => "SUPERVISOR_STATE_CHANGE_RUNNING",
            EventType::SupervisorStateChangeStopping => "SUPERVISOR_STATE_CHANGE_STOPPING",
            EventType::Tick => "TICK",
            EventType::Tick5 => "TICK_5",
            EventType::Tick60 => "TICK_60",
            EventType::Tick3600 => "TICK_3600",
            EventType::ProcessGroup => "PROCESS_GROUP",
            EventType::ProcessGroupAdded => "PROCESS_GROUP_ADDED",
            EventType::ProcessGroupRemoved => "PROCESS_GROUP_REMOVED",
        }
    }

    /// The type with this exact (upper-case) name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The direct supertype; `None` for `EVENT`.
    #[must_use]
    pub const fn parent(self) -> Option<EventType> {
        use EventType as T;
        Some(match self {
            T::Event => return None,
            T::ProcessState
            | T::ProcessCommunication
            | T::ProcessLog
            | T::RemoteCommunication
            | T::SupervisorStateChange
            | T::Tick
            | T::ProcessGroup => T::Event,
            T::ProcessStateStopped
            | T::ProcessStateExited
            | T::ProcessStateStarting
            | T::ProcessStateStopping
            | T::ProcessStateBackoff
            | T::ProcessStateFatal
            | T::ProcessStateRunning
            | T::ProcessStateUnknown => T::ProcessState,
            T::ProcessCommunicationStdout | T::ProcessCommunicationStderr => {
                T::ProcessCommunication
            }
            T::ProcessLogStdout | T::ProcessLogStderr => T::ProcessLog,
            T::SupervisorStateChangeRunning | T::SupervisorStateChangeStopping => {
                T::SupervisorStateChange
            }
            T::Tick5 | T::Tick60 | T::Tick3600 => T::Tick,
            T::ProcessGroupAdded | T::ProcessGroupRemoved => T::ProcessGroup,
        })
    }

    /// Whether this type only groups others (no event is ever of exactly this type).
    #[must_use]
    pub fn is_abstract(self) -> bool {
        EventType::ALL.iter().any(|t| t.parent() == Some(self))
    }

    /// Whether `self` is `ancestor` or one of its subtypes (Python's `isinstance`).
    #[must_use]
    pub fn is_a(self, ancestor: EventType) -> bool {
        let mut t = Some(self);
        while let Some(cur) = t {
            if cur == ancestor {
                return true;
            }
            t = cur.parent();
        }
        false
    }

    /// Whether events of this type carry data after their header line (process output,
    /// capture-mode blocks, `sendRemoteCommEvent`).
    #[must_use]
    pub fn carries_data(self) -> bool {
        self.is_a(EventType::ProcessLog)
            || self.is_a(EventType::ProcessCommunication)
            || self.is_a(EventType::RemoteCommunication)
    }

    /// The `PROCESS_STATE_*` type emitted when a process enters `state`.
    #[must_use]
    pub const fn for_state(state: ProcessState) -> EventType {
        match state {
            ProcessState::Stopped => EventType::ProcessStateStopped,
            ProcessState::Starting => EventType::ProcessStateStarting,
            ProcessState::Running => EventType::ProcessStateRunning,
            ProcessState::Backoff => EventType::ProcessStateBackoff,
            ProcessState::Stopping => EventType::ProcessStateStopping,
            ProcessState::Exited => EventType::ProcessStateExited,
            ProcessState::Fatal => EventType::ProcessStateFatal,
            ProcessState::Unknown => EventType::ProcessStateUnknown,
        }
    }

    /// The position of this type in [`EventType::ALL`] (a bit index for [`Subscription`]).
    const fn index(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The concrete event types a pool receives: the union of the subtypes of every type named in
/// its `events=` line. Each type is in the set at most once (fix Q42).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Subscription(u32);

impl Subscription {
    /// Subscribes to `types` and all their subtypes.
    #[must_use]
    pub fn new(types: impl IntoIterator<Item = EventType>) -> Subscription {
        let mut bits = 0u32;
        for wanted in types {
            for t in EventType::ALL {
                if t.is_a(wanted) && !t.is_abstract() {
                    bits |= 1 << t.index();
                }
            }
        }
        Subscription(bits)
    }

    /// Subscribes to the types of an `events=` line (names already upper-cased by the config).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Subscription, UnknownEventType> {
        let types = names
            .iter()
            .map(|n| {
                EventType::from_name(n.as_ref()).ok_or_else(|| UnknownEventType(n.as_ref().into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Subscription::new(types))
    }

    /// Whether an event of type `kind` is delivered to this subscription.
    #[must_use]
    pub const fn matches(self, kind: EventType) -> bool {
        self.0 & (1 << kind.index()) != 0
    }

    /// Whether nothing at all is subscribed.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union of two subscriptions.
    #[must_use]
    pub const fn union(self, other: Subscription) -> Subscription {
        Subscription(self.0 | other.0)
    }

    /// The concrete types in the set, in [`EventType::ALL`] order.
    pub fn types(self) -> impl Iterator<Item = EventType> {
        EventType::ALL.into_iter().filter(move |t| self.matches(*t))
    }
}
