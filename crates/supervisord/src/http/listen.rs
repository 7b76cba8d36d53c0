//! Opening the HTTP listeners exactly as Supervisor does: unix sockets appear atomically with
//! their final mode (bind a temporary name, chmod, hard-link), stale sockets are detected by
//! connecting, and bind errors get Supervisor's texts.
//!
//! Listeners are opened with std, before the tokio runtime exists (the daemon forks after
//! binding and must not fork a process that runs a runtime); they are handed to tokio later.

use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use super::auth::Credentials;

/// Where and how one HTTP server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenSpec {
    /// `[unix_http_server]`.
    Unix {
        /// The socket path (absolute).
        file: PathBuf,
        /// The socket file's mode.
        chmod: u32,
        /// Owner to give the socket file, if configured (`None` for "leave it").
        chown: Option<(Option<u32>, Option<u32>)>,
    },
    /// `[inet_http_server]`; `host` empty means all interfaces.
    Inet {
        /// Host name or address; empty for all interfaces.
        host: String,
        /// TCP port.
        port: u16,
    },
}

/// A server definition: where it listens and which credentials it requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSpec {
    /// The config section name (`unix_http_server`, `inet_http_server`, …), for log messages.
    pub section: String,
    /// The socket to listen on.
    pub listen: ListenSpec,
    /// Basic-auth credentials; `None` means an open server.
    pub credentials: Option<Credentials>,
    /// Whether `/metrics` asks for the credentials too (`metrics_auth`, default true).
    pub metrics_auth: bool,
}

/// An opened listener, not yet attached to a runtime.
#[derive(Debug)]
pub enum Opened {
    /// A bound unix socket; the path is removed at clean shutdown.
    Unix(UnixListener, PathBuf),
    /// A bound TCP socket.
    Inet(TcpListener),
}

/// Why a listener could not be opened; `Display` is Supervisor's text.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address is in use by a live server. Supervisor's sentence comes first (scripts match
    /// on it), then which address it was, which Supervisor does not say.
    #[error("Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord. ({address} is in use)")]
    InUse {
        /// `host:port` (`*:port` for all interfaces) or the socket path.
        address: String,
    },
    /// Any other socket error.
    #[error("Cannot open an HTTP server: socket.error reported errno.{name} ({code})")]
    Other {
        /// The errno's symbolic name (`EACCES`).
        name: String,
        /// The errno's number.
        code: i32,
    },
    /// chown of the socket file was refused.
    #[error("Not permitted to chown {path} to uid/gid ({uid}, {gid}); adjust \"sockchown\" value in config file or on command line to values that the current user ({user}) can successfully chown")]
    Chown {
        /// The socket path.
        path: String,
        /// Requested uid (-1 for unchanged).
        uid: i64,
        /// Requested gid (-1 for unchanged).
        gid: i64,
        /// The user we run as.
        user: String,
    },
}

impl ListenError {
    fn from_io(err: &io::Error) -> Self {
        if err.kind() == io::ErrorKind::AddrInUse {
            // The address is filled in by `open`, which knows it.
            return ListenError::InUse {
                address: String::new(),
            };
        }
        let code = err.raw_os_error().unwrap_or(0);
        let name = nix::errno::Errno::from_raw(code);
        ListenError::Other {
            name: format!("{name:?}"),
            code,
        }
    }
}

impl ListenSpec {
    /// The address as the user configured it: `host:port` (`*:port` for all interfaces) or the
    /// socket path.
    pub fn address(&self) -> String {
        match self {
            ListenSpec::Inet { host, port } if host.is_empty() => format!("*:{port}"),
            ListenSpec::Inet { host, port } => format!("{host}:{port}"),
            ListenSpec::Unix { file, .. } => file.display().to_string(),
        }
    }
}

/// Opens one listener.
pub fn open(spec: &ListenSpec) -> Result<Opened, ListenError> {
    open_spec(spec).map_err(|e| match e {
        ListenError::InUse { .. } => ListenError::InUse {
            address: spec.address(),
        },
        other => other,
    })
}

fn open_spec(spec: &ListenSpec) -> Result<Opened, ListenError> {
    match spec {
        ListenSpec::Inet { host, port } => {
            let host = if host.is_empty() || host == "*" {
                "0.0.0.0"
            } else {
                host.as_str()
            };
            let listener =
                TcpListener::bind((host, *port)).map_err(|e| ListenError::from_io(&e))?;
            widen_backlog(&listener);
            listener
                .set_nonblocking(true)
                .map_err(|e| ListenError::from_io(&e))?;
            Ok(Opened::Inet(listener))
        }
        ListenSpec::Unix { file, chmod, chown } => {
            let listener = open_unix(file, *chmod)?;
            if let Some((uid, gid)) = chown {
                let uid = uid.map(nix::unistd::Uid::from_raw);
                let gid = gid.map(nix::unistd::Gid::from_raw);
                if nix::unistd::chown(file.as_path(), uid, gid).is_err() {
                    let _ = std::fs::remove_file(file);
                    let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
                        .ok()
                        .flatten()
                        .map(|u| u.name)
                        .unwrap_or_default();
                    return Err(ListenError::Chown {
                        path: file.display().to_string(),
                        uid: uid.map_or(-1, |u| i64::from(u.as_raw())),
                        gid: gid.map_or(-1, |g| i64::from(g.as_raw())),
                        user,
                    });
                }
            }
            Ok(Opened::Unix(listener, file.clone()))
        }
    }
}

/// Binds `file` with mode `chmod` so that the socket never exists at its final path with a
/// wrong mode: bind a temporary name, chmod it, hard-link it into place.
fn open_unix(file: &Path, chmod: u32) -> Result<UnixListener, ListenError> {
    let mut temp = file.as_os_str().to_owned();
    temp.push(format!(".{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let _ = std::fs::remove_file(&temp);
    let listener = UnixListener::bind(&temp).map_err(|e| ListenError::from_io(&e))?;
    let cleanup = |e: &io::Error| {
        let _ = std::fs::remove_file(&temp);
        ListenError::from_io(e)
    };
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(chmod))
        .map_err(|e| cleanup(&e))?;
    let mut retried = false;
    loop {
        match std::fs::hard_link(&temp, file) {
            Ok(()) => break,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !retried => {
                if UnixStream::connect(file).is_ok() {
                    let _ = std::fs::remove_file(&temp);
                    return Err(ListenError::InUse {
                        address: String::new(),
                    });
                }
                // Nobody answers: a stale socket left by a crashed daemon.
                eprintln!("Unlinking stale socket {}", file.display());
                let _ = std::fs::remove_file(file);
                retried = true;
            }
            Err(e) => return Err(cleanup(&e)),
        }
    }
    let _ = std::fs::remove_file(&temp);
    widen_backlog(&listener);
    listener
        .set_nonblocking(true)
        .map_err(|e| ListenError::from_io(&e))?;
    Ok(listener)
}

/// Supervisor listens with a backlog of 1024 (std uses 128): a burst of clients, such as a
/// monitoring fleet polling at the same second, must queue rather than be refused.
const BACKLOG: libc::c_int = 1024;

/// Raises the listen backlog of an already listening socket (calling `listen` again only
/// updates it).
fn widen_backlog(listener: &impl AsRawFd) {
    // SAFETY: `listen` takes a descriptor and an integer; the descriptor is a bound socket
    // owned by `listener` for the duration of the call. A failure leaves the old backlog.
    unsafe {
        libc::listen(listener.as_raw_fd(), BACKLOG);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn unix_socket_gets_its_mode_and_detects_live_and_stale_owners() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.sock");
        let spec = ListenSpec::Unix {
            file: file.clone(),
            chmod: 0o660,
            chown: None,
        };
        let first = open(&spec).unwrap();
        let meta = std::fs::metadata(&file).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o777, 0o660);
        // A second daemon must refuse while the first one is listening.
        assert!(matches!(open(&spec), Err(ListenError::InUse { .. })));
        // Once the first one is gone the file is stale and gets replaced.
        drop(first);
        assert!(matches!(open(&spec), Ok(Opened::Unix(..))));
        // No temporary names are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("s.sock")]);
    }

    #[test]
    fn tcp_port_in_use_has_supervisors_message() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let err = open(&ListenSpec::Inet {
            host: "127.0.0.1".into(),
            port,
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("Another program is already listening on a port"));
        assert!(
            text.ends_with(&format!("(127.0.0.1:{port} is in use)")),
            "{text}"
        );
    }

    #[test]
    fn other_errors_name_the_errno() {
        let err = open(&ListenSpec::Unix {
            file: "/nonexistent/dir/s.sock".into(),
            chmod: 0o700,
            chown: None,
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)"
        );
    }
}
