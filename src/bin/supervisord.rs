//! The `supervisord` command.

fn main() {
    std::process::exit(supervisord::main_entry());
}
