//! Free TCP ports.

use std::net::TcpListener;

/// A free TCP port on 127.0.0.1 (the kernel's choice; free when this returns).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
