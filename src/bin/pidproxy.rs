//! The `pidproxy` command: runs a program that daemonizes and relays signals to the pid it writes.

fn main() {
    std::process::exit(supervisord::pidproxy::main_entry());
}
