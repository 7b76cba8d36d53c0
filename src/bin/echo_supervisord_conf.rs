//! The `echo_supervisord_conf` command: prints a sample supervisord.conf.

use std::io::Write;

fn main() {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`echo_supervisord_conf | head`) is not an error worth a panic.
    let _ = out.write_all(supervisor_config::SAMPLE_CONF.as_bytes());
}
