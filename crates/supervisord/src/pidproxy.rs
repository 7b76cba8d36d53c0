//! `pidproxy`: relays signals to a program that daemonizes itself and records its pid in a file.

/// Entry point of the `pidproxy` command; returns the process exit code.
pub fn main_entry() -> i32 {
    eprintln!("pidproxy: not implemented yet");
    1
}
