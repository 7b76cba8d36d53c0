//! The supervisord daemon: the I/O shell around `supervisor-core`.

/// Entry point of the `supervisord` command; returns the process exit code.
pub fn main_entry() -> i32 {
    eprintln!("supervisord: not implemented yet");
    1
}

pub mod pidproxy;
pub mod logs;
pub mod postfork;
pub mod reaper;
pub mod spawn;
