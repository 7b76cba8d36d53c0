//! The commands, one module per family, each an `impl Controller` block of `do_*` methods with
//! Python's exact output, exit statuses and help texts.

mod config;
mod daemon;
mod help;
mod logs;
mod process;
mod status;
mod top;

pub use help::help_text;
