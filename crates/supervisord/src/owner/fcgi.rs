//! The listening sockets of `[fcgi-program:x]` groups (spec §1.5.8).
//!
//! Each FastCGI group shares one listening socket, handed to every process of the group as its
//! fd 0. Like Supervisor's reference-counted `SocketManager`, the socket is created on first use
//! (the first spawn of a process of the group), shared while any process of the group holds it,
//! and closed when the last one has exited. When the group is added, the socket is also created
//! and closed once, so a bad address shows in the log at startup (Supervisor does the same). A unix socket file is replaced if it exists, gets
//! `socket_owner` and `socket_mode`, and is removed when the socket is closed.

use std::collections::HashSet;
use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

use supervisor_config::model::FcgiSocket;
use supervisor_config::types::SocketUrl;

use super::{ProcId, Supervisor};
use supervisor_core::LogLevel;

/// One group's socket and the processes that currently hold it.
pub(super) struct SharedSocket {
    config: FcgiSocket,
    fd: Option<OwnedFd>,
    holders: HashSet<ProcId>,
}

impl SharedSocket {
    fn new(config: FcgiSocket) -> SharedSocket {
        SharedSocket {
            config,
            fd: None,
            holders: HashSet::new(),
        }
    }
}

/// Creates, binds and listens on the socket described by `config`.
fn create(config: &FcgiSocket) -> io::Result<OwnedFd> {
    let fd: OwnedFd = match &config.url {
        SocketUrl::Tcp { host, port } => {
            // Supervisor binds an AF_INET socket: prefer the host's IPv4 address.
            let addrs: Vec<_> = (host.as_str(), *port).to_socket_addrs()?.collect();
            let addr = addrs
                .iter()
                .find(|a| a.is_ipv4())
                .or(addrs.first())
                .copied()
                .ok_or_else(|| io::Error::other(format!("no address for {host}")))?;
            // std sets SO_REUSEADDR before binding, as Supervisor does.
            TcpListener::bind(addr)?.into()
        }
        SocketUrl::Unix(path) => {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            let listener = UnixListener::bind(path)?;
            let prepared = (|| {
                if let Some((uid, gid)) = config.owner {
                    let uid = u32::try_from(uid).ok().map(nix::unistd::Uid::from_raw);
                    let gid = u32::try_from(gid).ok().map(nix::unistd::Gid::from_raw);
                    nix::unistd::chown(path, uid, gid)?;
                }
                if let Some(mode) = config.mode {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
                }
                Ok::<(), io::Error>(())
            })();
            if let Err(e) = prepared {
                let _ = std::fs::remove_file(path);
                return Err(e);
            }
            listener.into()
        }
    };
    // std listens with its own backlog; a second listen(2) sets the configured one (Linux
    // updates the backlog of a listening socket).
    let backlog = config.backlog.map_or(libc::SOMAXCONN, i32::from);
    // SAFETY: listen(2) on a socket descriptor we own.
    if unsafe { libc::listen(fd.as_raw_fd(), backlog) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

impl Supervisor {
    /// Registers the socket of a FastCGI group. Like Supervisor, it is created once right away
    /// to report a bad address early, and closed again until a process needs it.
    pub(super) fn add_fcgi_socket(&mut self, group: &str, config: FcgiSocket) {
        let url = config.url.to_string();
        match create(&config) {
            Ok(fd) => {
                self.log(LogLevel::Info, &format!("Creating socket {url}"));
                drop(fd);
                if let SocketUrl::Unix(path) = &config.url {
                    let _ = std::fs::remove_file(path);
                }
                self.log(LogLevel::Info, &format!("Closing socket {url}"));
            }
            Err(e) => self.log(
                LogLevel::Error,
                &format!("Could not create FastCGI socket {url}: {e}"),
            ),
        }
        self.fcgi_sockets
            .insert(group.to_string(), SharedSocket::new(config));
    }

    /// The listening socket for a process of `group` about to be spawned, creating it if no
    /// process holds it; the error is the process's `spawnerr`.
    pub(super) fn acquire_fcgi_socket(&mut self, group: &str) -> Result<RawFd, String> {
        let Some(shared) = self.fcgi_sockets.get_mut(group) else {
            return Err(format!("no FastCGI socket configured for group {group}"));
        };
        if let Some(fd) = &shared.fd {
            return Ok(fd.as_raw_fd());
        }
        let url = shared.config.url.to_string();
        match create(&shared.config) {
            Ok(fd) => {
                let raw = fd.as_raw_fd();
                shared.fd = Some(fd);
                self.log(LogLevel::Info, &format!("Creating socket {url}"));
                Ok(raw)
            }
            Err(e) => Err(format!("Could not create FastCGI socket {url}: {e}")),
        }
    }

    /// Records that process `id` of `group` now holds the socket.
    pub(super) fn hold_fcgi_socket(&mut self, group: &str, id: ProcId) {
        if let Some(shared) = self.fcgi_sockets.get_mut(group) {
            shared.holders.insert(id);
        }
    }

    /// Process `id` of `group` no longer needs the socket (it exited, or its spawn failed);
    /// the socket is closed when no process holds it.
    pub(super) fn release_fcgi_socket(&mut self, group: &str, id: ProcId) {
        let Some(shared) = self.fcgi_sockets.get_mut(group) else {
            return;
        };
        shared.holders.remove(&id);
        if !shared.holders.is_empty() || shared.fd.is_none() {
            return;
        }
        shared.fd = None;
        if let SocketUrl::Unix(path) = &shared.config.url {
            let _ = std::fs::remove_file(path);
        }
        let url = shared.config.url.to_string();
        self.log(LogLevel::Info, &format!("Closing socket {url}"));
    }

    /// Forgets a removed group's socket (its processes are all stopped, so it is closed).
    pub(super) fn remove_fcgi_socket(&mut self, group: &str) {
        self.fcgi_sockets.remove(group);
    }
}
