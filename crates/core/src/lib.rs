//! Supervisor's process lifecycle and event logic as pure functions: no I/O, no clock.
//!
//! This crate is the part of supervisord that decides; the daemon (`crates/supervisord`) is the
//! part that acts. Being the lowest crate, it also holds the vocabulary the others share (log
//! levels, `autorestart`, signals, namespecs, Python string primitives), each defined once.
//! Everything here is plain data and pure functions, tested on a fake clock:
//!
//! - [`state`]: process states (STOPPED 0 … UNKNOWN 1000), supervisord's mood, log levels.
//! - [`pystr`]: Python's `str.strip`, `repr()` and `int()`, which Supervisor's messages quote.
//! - [`namespec`]: `group:process` names, parsed and built as Supervisor does.
//! - [`time`]: [`Mono`] and [`Now`], the time values the caller passes in.
//! - [`policy`]: [`Policy`], the program options that drive the lifecycle, and [`AutoRestart`].
//! - [`process`]: [`Process`] and [`Process::handle`], the state machine of spec §2.2, which
//!   turns an [`Event`] into [`Action`]s (spawn, kill, log lines, state-change events) and the
//!   next deadline.
//! - [`signals`]: signal names and numbers (printing and parsing), wait-status wording
//!   (`terminated by SIGKILL`).
//! - [`info`]: the `getProcessInfo` snapshot and its `description` text.
//! - [`order`]: start/stop ordering by priority, the ordered shutdown and the reload diff.
//! - [`events`]: event types, payloads and envelopes, listener pools and their protocol, TICKs.
//!
//! **Invariant:** nothing in this crate reads a clock, touches a file descriptor or sends a
//! signal. Time is an argument; effects are returned as values.

#![forbid(unsafe_code)]

pub mod events;
pub mod info;
pub mod namespec;
pub mod order;
pub mod policy;
pub mod process;
pub mod pystr;
pub mod signals;
pub mod state;
pub mod time;

pub use info::{LocalTime, ProcessInfo};
pub use namespec::Namespec;
pub use order::{Named, Prioritized, ReloadDiff, StopSequence};
pub use policy::{AutoRestart, Policy};
pub use process::{Action, Event, KillPurpose, Outcome, Process, Refusal, Restarts, StateChange};
pub use signals::{describe_wait_status, signal_name, signal_number, SignalError, WaitStatus};
pub use state::{LogLevel, ProcessState, SupervisorState};
pub use time::{Mono, Now};
