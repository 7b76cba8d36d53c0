//! supervisorctl: Supervisor's command-line client, output-compatible with Python's.

/// Entry point of the `supervisorctl` command; returns the process exit code.
pub fn main_entry() -> i32 {
    eprintln!("supervisorctl: not implemented yet");
    1
}
