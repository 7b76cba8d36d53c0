//! The `supervisorctl` command.

fn main() {
    std::process::exit(supervisorctl::main_entry());
}
