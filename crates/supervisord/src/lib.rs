//! The supervisord daemon: the I/O shell around `supervisor-core`.

pub mod api;
pub mod events;
pub mod http;
pub mod metrics;
pub mod options;
pub mod orphans;
pub mod owner;
pub mod process_env;
pub mod procfs;
pub mod resources;
pub mod rpc;
pub mod signals;
mod startup;

pub use startup::main_entry;

pub mod logs;
pub mod pidproxy;
pub mod postfork;
pub mod reaper;
pub mod spawn;
