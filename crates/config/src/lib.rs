//! supervisord.conf: Supervisor's INI dialect, expansion, typed options and validation.

mod sample;
pub use sample::SAMPLE_CONF;
pub mod expand;
pub mod host;
pub mod ini;
pub mod pystr;
pub mod shlex;
pub mod types;
