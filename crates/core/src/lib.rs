//! Supervisor's process lifecycle and event logic as pure functions: no I/O, no clock.
