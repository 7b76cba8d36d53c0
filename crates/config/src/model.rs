//! The typed configuration: what a `supervisord.conf` resolves to, as plain data.
//!
//! Field names follow Python Supervisor's attribute names (`ServerOptions`, `ProcessConfig`,
//! `ProcessGroupConfig` …) so the resolved-config JSON (docs/resolved-config.md) is a direct
//! rendering. Values are already expanded, converted and validated; numprocs is already expanded
//! into one [`ProcessConfig`] per instance.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::types::{AutoRestart, LogLevel, SocketUrl};

/// A fully resolved configuration, as supervisord would run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The configuration file as given (relative if `-c` was relative).
    pub config_file: PathBuf,
    /// `%(here)s` of the main file: its absolute directory.
    pub here: PathBuf,
    /// The `[supervisord]` section.
    pub supervisord: Supervisord,
    /// HTTP servers: every `[inet_http_server*]` then every `[unix_http_server*]`, in file order
    /// within each kind (Python's order).
    pub server_configs: Vec<ServerConfig>,
    /// `[rpcinterface:x]` sections (all using the standard factory).
    pub rpcinterfaces: Vec<RpcInterface>,
    /// The `[supervisorctl]` section, if present and valid (supervisord itself ignores it).
    pub supervisorctl: Option<Supervisorctl>,
    /// Process groups, sorted by `(priority, name)`.
    pub groups: Vec<GroupConfig>,
}

impl Config {
    /// The server URL children get in `SUPERVISOR_SERVER_URL` when their `serverurl` is AUTO
    /// (Python's `ServerOptions.realize`): the first unix server as `unix://PATH`, else an inet
    /// server as `http://HOST:PORT` (`localhost` for an empty host), else none. Python's inet
    /// loop has no `break`, so with several inet servers the *last* one wins; we copy that.
    pub fn serverurl(&self) -> Option<String> {
        let unix = self.server_configs.iter().find_map(|s| match s {
            ServerConfig::Unix(u) => Some(format!("unix://{}", u.file.display())),
            ServerConfig::Inet(_) => None,
        });
        unix.or_else(|| {
            self.server_configs.iter().rev().find_map(|s| match s {
                ServerConfig::Inet(i) => {
                    let host = if i.host.is_empty() {
                        "localhost"
                    } else {
                        &i.host
                    };
                    Some(format!("http://{host}:{}", i.port))
                }
                ServerConfig::Unix(_) => None,
            })
        })
    }

    /// The credentials a client must send to the server that `url` names (`unix://PATH` or
    /// `http://HOST:PORT`), if it is one of ours and requires them. A URL that names no
    /// configured server gets none, so a child is never handed another server's password.
    pub fn credentials_for(&self, url: &str) -> Option<&Credentials> {
        let server = if let Some(path) = url.strip_prefix("unix://") {
            self.server_configs
                .iter()
                .find(|s| matches!(s, ServerConfig::Unix(u) if u.file.as_os_str() == path))
        } else {
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))?;
            let authority = rest.split('/').next().unwrap_or_default();
            let port: u16 = authority.rsplit_once(':')?.1.parse().ok()?;
            self.server_configs
                .iter()
                .find(|s| matches!(s, ServerConfig::Inet(i) if i.port == port))
        };
        server?.auth()
    }

    /// The group called `name`.
    pub fn group(&self, name: &str) -> Option<&GroupConfig> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// Where supervisord's own log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainLog {
    /// `logfile=syslog` (exact, case-sensitive): the syslog handler.
    Syslog,
    /// A file (absolute, normalised). `NONE` is not special here (quirk Q26).
    Path(PathBuf),
}

/// The `[supervisord]` section (spec §1.5.1), resolved like `ServerOptions.realize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisord {
    /// `logfile`: absolute path or syslog.
    pub logfile: MainLog,
    /// `logfile_maxbytes` in bytes (0 = never rotate).
    pub logfile_maxbytes: i64,
    /// `logfile_backups`.
    pub logfile_backups: i64,
    /// `loglevel`.
    pub loglevel: LogLevel,
    /// `pidfile`: absolute, normalised.
    pub pidfile: PathBuf,
    /// `umask` (applied only when daemonizing).
    pub umask: u32,
    /// `nodaemon`.
    pub nodaemon: bool,
    /// `silent`.
    pub silent: bool,
    /// `minfds`.
    pub minfds: i64,
    /// `minprocs`.
    pub minprocs: i64,
    /// `nocleanup`.
    pub nocleanup: bool,
    /// `childlogdir` (`~` expanded; must be a directory).
    pub childlogdir: PathBuf,
    /// `user` as written (name or numeric id).
    pub user: Option<String>,
    /// The uid and primary gid `user` resolves to.
    pub uid_gid: Option<(u32, u32)>,
    /// `directory` (`~` expanded; must be a directory).
    pub directory: Option<PathBuf>,
    /// `strip_ansi`.
    pub strip_ansi: bool,
    /// `environment`: added to every child's environment.
    pub environment: BTreeMap<String, String>,
    /// `identifier`.
    pub identifier: String,
    /// `event_history` (ours): how many recent events the event stream (`/api/v1/events`)
    /// keeps for clients that reconnect with `Last-Event-ID` or fall behind (at least 1).
    pub event_history: usize,
}

/// An HTTP server definition (`[unix_http_server*]` or `[inet_http_server*]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerConfig {
    /// A UNIX-domain socket server.
    Unix(UnixServer),
    /// A TCP server.
    Inet(InetServer),
}

impl ServerConfig {
    /// The section the server was defined in.
    pub fn section(&self) -> &str {
        match self {
            ServerConfig::Unix(u) => &u.section,
            ServerConfig::Inet(i) => &i.section,
        }
    }

    /// The credentials, if the server requires authentication.
    pub fn auth(&self) -> Option<&Credentials> {
        match self {
            ServerConfig::Unix(u) => u.auth.as_ref(),
            ServerConfig::Inet(i) => i.auth.as_ref(),
        }
    }

    /// Whether the web page may act on Supervisor's state-changing GET links
    /// (`legacy_web_actions = true`).
    pub fn legacy_web_actions(&self) -> bool {
        match self {
            ServerConfig::Unix(u) => u.legacy_web_actions,
            ServerConfig::Inet(i) => i.legacy_web_actions,
        }
    }

    /// Whether `/metrics` asks for the server's credentials (`metrics_auth`, default true).
    pub fn metrics_auth(&self) -> bool {
        match self {
            ServerConfig::Unix(u) => u.metrics_auth,
            ServerConfig::Inet(i) => i.metrics_auth,
        }
    }
}

/// Username and password of an HTTP server (`password` may be `{SHA}<hex>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `username`.
    pub username: String,
    /// `password` (plain text or `{SHA}` + 40 hex digits).
    pub password: String,
}

/// `[unix_http_server]` (spec §1.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixServer {
    /// The text after `:` in the section name (`None` for plain `[unix_http_server]`).
    pub name: Option<String>,
    /// The section name.
    pub section: String,
    /// `file`: absolute, normalised.
    pub file: PathBuf,
    /// `chmod` (default 0o700).
    pub chmod: u32,
    /// `chown` as `(uid, gid)`; `-1` means "leave unchanged" (Python's `(-1, -1)` default).
    pub chown: (i64, i64),
    /// `username`/`password`.
    pub auth: Option<Credentials>,
    /// `legacy_web_actions` (ours): let the web page act on Supervisor's GET links
    /// (`index.html?processname=x&action=stop`) without confirmation.
    pub legacy_web_actions: bool,
    /// `metrics_auth` (ours, default true): `false` lets `/metrics`, and only it, answer
    /// without the server's credentials (for a Prometheus that holds no password).
    pub metrics_auth: bool,
}

/// `[inet_http_server]` (spec §1.5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetServer {
    /// The text after `:` in the section name (`None` for plain `[inet_http_server]`).
    pub name: Option<String>,
    /// The section name.
    pub section: String,
    /// Host, lower-cased; empty means all interfaces.
    pub host: String,
    /// Port 1–65535.
    pub port: u16,
    /// `username`/`password`.
    pub auth: Option<Credentials>,
    /// `legacy_web_actions` (ours): see [`UnixServer::legacy_web_actions`].
    pub legacy_web_actions: bool,
    /// `metrics_auth` (ours): see [`UnixServer::metrics_auth`].
    pub metrics_auth: bool,
}

/// The `[supervisorctl]` section (spec §1.5.4), as supervisorctl reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisorctl {
    /// `serverurl` (a `unix://` path is normalised); default `http://localhost:9001`.
    pub serverurl: String,
    /// `username`.
    pub username: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `prompt` (default `supervisor`).
    pub prompt: String,
    /// `history_file`, normalised.
    pub history_file: Option<PathBuf>,
    /// `[ctlplugin:x]` sections.
    pub ctlplugins: Vec<CtlPlugin>,
}

impl Default for Supervisorctl {
    fn default() -> Self {
        Supervisorctl {
            serverurl: "http://localhost:9001".to_string(),
            username: None,
            password: None,
            prompt: "supervisor".to_string(),
            history_file: None,
            ctlplugins: Vec::new(),
        }
    }
}

/// An `[rpcinterface:x]` section naming a factory we provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcInterface {
    /// The namespace name (text after `rpcinterface:`).
    pub name: String,
    /// The factory spec, one of those we provide.
    pub factory: String,
    /// The other keys of the section (keyword arguments in Python).
    pub extras: BTreeMap<String, String>,
    /// The namespace the factory makes.
    pub kind: RpcKind,
}

/// The XML-RPC namespace an `[rpcinterface:x]` section asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcKind {
    /// Supervisor's `supervisor.*` (`supervisor.rpcinterface:make_main_rpcinterface`).
    Supervisor,
    /// supervisor_twiddler's methods (`supervisor_twiddler.rpcinterface:
    /// make_twiddler_rpcinterface`), served under the section's name.
    Twiddler {
        /// `whitelist`: the only methods that may be called (empty: all of them).
        whitelist: Vec<String>,
    },
}

/// A `[ctlplugin:x]` section (supervisorctl only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlPlugin {
    /// The plugin name (text after `ctlplugin:`).
    pub name: String,
    /// The factory spec.
    pub factory: String,
    /// The other keys of the section.
    pub extras: BTreeMap<String, String>,
}

/// What a group is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKind {
    /// A `[program:x]` (homogeneous) or `[group:x]` (heterogeneous) group.
    Program,
    /// An `[eventlistener:x]` pool.
    EventListener(PoolConfig),
    /// An `[fcgi-program:x]` group with its shared socket.
    FastCgi(FcgiSocket),
}

impl GroupKind {
    /// The kind word of the resolved-config JSON.
    pub fn word(&self) -> &'static str {
        match self {
            GroupKind::Program => "program",
            GroupKind::EventListener(_) => "eventlistener",
            GroupKind::FastCgi(_) => "fcgi-program",
        }
    }
}

/// A process group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// Group name.
    pub name: String,
    /// Group priority (start order; lower first).
    pub priority: i64,
    /// Program, event-listener pool or FastCGI group.
    pub kind: GroupKind,
    /// The section that defined the group (`program:x`, `group:g`, …).
    pub section: String,
    /// The processes, sorted by `(priority, name)` (programs twiddler adds at run time are
    /// appended). Shared: the daemon's running state points at the same configs instead of
    /// copying them.
    pub processes: Vec<Arc<ProcessConfig>>,
}

/// Event-listener pool options (spec §1.5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// `buffer_size` (≥ 1).
    pub buffer_size: i64,
    /// `events`: upper-cased event type names, in config order, without duplicates.
    pub pool_events: Vec<String>,
    /// `result_handler` spec string.
    pub result_handler: String,
}

/// The socket of an `[fcgi-program:x]` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FcgiSocket {
    /// Where to listen: `tcp://host:port` or `unix:///abs/path` (normalised); its `Display` is
    /// Python's socket URL.
    pub url: SocketUrl,
    /// Ownership of a unix socket, `(uid, gid)` (`gid` may be -1).
    pub owner: Option<(i64, i64)>,
    /// Mode of a unix socket (default 0o700); `None` for TCP.
    pub mode: Option<u32>,
    /// `socket_backlog`; `None` means the system default (`SOMAXCONN`).
    pub backlog: Option<u16>,
}

/// A child log destination after option processing (`syslog` has become "no file" plus
/// `*_syslog = true`; stderr under `redirect_stderr` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildLog {
    /// `AUTO`: a file in `childlogdir` created when the group is added.
    Auto,
    /// `NONE`/`OFF`: not logged to a file.
    None,
    /// A path (`~` expanded; its directory existed at load time; may be relative).
    Path(PathBuf),
}

/// The logging options of one channel (stdout or stderr) of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelLog {
    /// `*_logfile`.
    pub logfile: ChildLog,
    /// `*_logfile_maxbytes` (0 = never rotate).
    pub logfile_maxbytes: i64,
    /// `*_logfile_backups`.
    pub logfile_backups: i64,
    /// `*_capture_maxbytes` (> 0 enables capture mode).
    pub capture_maxbytes: i64,
    /// `*_events_enabled`.
    pub events_enabled: bool,
    /// `*_syslog`.
    pub syslog: bool,
}

/// One process instance (spec §1.5.5), after numprocs expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessConfig {
    /// The process name (expanded `process_name`).
    pub name: String,
    /// The group the process belongs to.
    pub group: String,
    /// The section it came from, e.g. `program:web`.
    pub section: String,
    /// The program name (text after `program:`).
    pub program_name: String,
    /// This instance's `process_num`.
    pub process_num: i64,
    /// `command`, expanded (kept raw: it is split again at spawn, like Python).
    pub command: String,
    /// `command` split with Python's `shlex.split`, or the split error (Python fails at spawn,
    /// not at load, so a bad command is not a configuration error).
    pub argv: Result<Vec<String>, String>,
    /// `user` as written.
    pub user: Option<String>,
    /// The uid `user` resolves to.
    pub uid: Option<u32>,
    /// `directory` (expanded; not checked at load time, like Python).
    pub directory: Option<String>,
    /// `umask`.
    pub umask: Option<u32>,
    /// `priority`.
    pub priority: i64,
    /// `autostart`.
    pub autostart: bool,
    /// `autorestart`.
    pub autorestart: AutoRestart,
    /// `startsecs`.
    pub startsecs: i64,
    /// `startretries`.
    pub startretries: i64,
    /// stdout logging.
    pub stdout: ChannelLog,
    /// stderr logging.
    pub stderr: ChannelLog,
    /// `stopsignal` as a signal number.
    pub stopsignal: i32,
    /// `stopwaitsecs`.
    pub stopwaitsecs: i64,
    /// `stopasgroup`.
    pub stopasgroup: bool,
    /// `killasgroup`.
    pub killasgroup: bool,
    /// `exitcodes`.
    pub exitcodes: Vec<i32>,
    /// `redirect_stderr`.
    pub redirect_stderr: bool,
    /// The environment to add to the child's: `[supervisord] environment` overridden per key by
    /// the program's own `environment`.
    pub environment: BTreeMap<String, String>,
    /// `serverurl`; `None` means AUTO (the daemon computes `SUPERVISOR_SERVER_URL`).
    pub serverurl: Option<String>,
}

impl ProcessConfig {
    /// The namespec: `group:process`, or just `process` when the two names are equal.
    pub fn namespec(&self) -> String {
        supervisor_core::namespec::make(&self.group, Some(&self.name))
    }
}
