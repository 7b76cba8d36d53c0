//! supervisord.conf: Supervisor's INI dialect, expansion, typed options and validation.

mod sample;
pub use sample::SAMPLE_CONF;
