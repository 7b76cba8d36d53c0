//! The sample configuration printed by `echo_supervisord_conf`.

/// The text `echo_supervisord_conf` prints.
pub const SAMPLE_CONF: &str = "; supervisor-rs sample configuration (to be completed)\n";
