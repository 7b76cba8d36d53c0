//! supervisord from the command line to the running owner, and back out: config loading and
//! `--check`, the startup sequence of Supervisor (spec §3.2) with the HTTP sockets bound before
//! anything is written (fix Q15), reloads, and clean shutdown.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use supervisor_config::host::RealHost;
use supervisor_config::model::{Config, MainLog, ServerConfig};
use supervisor_config::runtime_program::processes_from_options;
use supervisor_config::{discovery, load, resolved, types, Diagnostics, LoadContext, Loaded};
use supervisor_core::pystr::py_repr;

use crate::events::Journal;
use crate::http::auth::Credentials;
use crate::http::listen::{self, ListenSpec, Opened};
use crate::logs::{
    clear_auto_child_logs, daemon_log, DaemonLog, DaemonLogConfig, LogLevel, LogTarget,
};
use crate::options::{self, CommandLine, Invocation};
use crate::owner::{self, RunEnd};
use crate::process_env;
use crate::reaper::Reaper;
use crate::rpc::Namespaces;
use crate::signals::Signals;
use crate::spawn::DaemonContext;

/// A fatal startup problem: printed as `Error: MSG` + `For help, use ARGV0 -h`, exit 2.
struct Usage(String);

/// Runs the `supervisord` command; returns the exit code.
pub fn main_entry() -> i32 {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = args
        .first()
        .cloned()
        .unwrap_or_else(|| "supervisord".into());
    match run(&argv0, &args[1.min(args.len())..]) {
        Ok(code) => code,
        Err(Usage(msg)) => {
            // Records logged before the logger existed would otherwise be lost.
            for (_, line) in daemon_log::take_early() {
                eprintln!("{line}");
            }
            eprintln!("Error: {msg}");
            eprintln!("For help, use {argv0} -h");
            2
        }
    }
}

fn run(argv0: &str, args: &[String]) -> Result<i32, Usage> {
    let host = RealHost;
    let cl = match options::parse(args, &host).map_err(|e| Usage(e.0))? {
        Invocation::Help => {
            print!("{}", options::help_text(argv0));
            return Ok(0);
        }
        Invocation::Version => {
            println!("{}", options::VERSION);
            return Ok(0);
        }
        Invocation::Run(cl) => cl,
    };
    let path = config_path(argv0, &cl, &host)?;
    let ctx = LoadContext::from_process();
    let loaded = load(&path, &ctx, &host);
    if cl.check {
        return Ok(check(&loaded, cl.json));
    }
    let loaded = loaded.map_err(|d| Usage(all_errors(&d)))?;
    let messages = ParseMessages::of(&loaded);
    // Moved, not cloned: the daemon runs inside this frame, and a second copy of every
    // program's config would stay alive for its whole life.
    let config = apply_command_line(loaded.config, &cl, &ctx.cwd).map_err(Usage)?;
    serve(config, messages, &cl, path, ctx)
}

/// The config file: `-c`, or the first of Supervisor's search paths that exists.
fn config_path(argv0: &str, cl: &CommandLine, host: &RealHost) -> Result<PathBuf, Usage> {
    match &cl.configfile {
        Some(file) => {
            let path = PathBuf::from(file);
            if !path.exists() {
                return Err(Usage(format!("could not find config file {file}")));
            }
            if std::fs::File::open(&path).is_err() {
                return Err(Usage(format!("could not read config file {file}")));
            }
            Ok(path)
        }
        None => {
            if nix::unistd::geteuid().is_root() {
                eprintln!(
                    "UserWarning: Supervisord is running as root and it is searching for its configuration file in default locations (including its current working directory); you probably want to specify a \"-c\" argument specifying an absolute path to a configuration file for improved security."
                );
            }
            discovery::discover(argv0, host).map_err(Usage)
        }
    }
}

/// Every error, one per line; the first keeps Python's wording (what scripts grep for).
fn all_errors(d: &Diagnostics) -> String {
    let mut lines = Vec::with_capacity(d.errors.len() + 1);
    if let Some(first) = d.errors.first() {
        lines.push(first.python_message());
    }
    if d.errors.len() > 1 || d.errors.first().is_some_and(|e| e.line.is_some()) {
        lines.push(format!(
            "{} problem(s) in the configuration:",
            d.errors.len()
        ));
        lines.extend(d.errors.iter().map(|e| format!("  {e}")));
    }
    lines.join("\n")
}

/// `--check`: print the resolved programs or every error; exit 0 or 2.
fn check(loaded: &Result<Loaded, Diagnostics>, json: bool) -> i32 {
    let mut out = std::io::stdout().lock();
    match loaded {
        Ok(l) => {
            if json {
                let _ = writeln!(out, "{}", resolved::loaded_to_json(l));
            } else {
                for w in &l.warnings {
                    eprintln!("{w}");
                }
                let _ = write!(out, "{}", resolved::to_text(&l.config));
            }
            0
        }
        Err(d) => {
            if json {
                let _ = writeln!(out, "{}", resolved::errors_to_json(d));
            } else {
                for e in &d.errors {
                    eprintln!("{e}");
                }
                // Typos found on the way (unknown options) often explain the errors.
                for w in &d.warnings {
                    eprintln!("{w}");
                }
                eprintln!(
                    "{} error(s); supervisord would refuse to start.",
                    d.errors.len()
                );
            }
            2
        }
    }
}

/// Command-line values beat config values; flags can only turn options on. `-u` must name an
/// existing user (Supervisor's `Invalid user name X` / `Invalid user id N` otherwise).
fn apply_command_line(mut config: Config, cl: &CommandLine, cwd: &Path) -> Result<Config, String> {
    let sd = &mut config.supervisord;
    sd.nodaemon |= cl.nodaemon;
    sd.silent |= cl.silent;
    sd.nocleanup |= cl.nocleanup;
    sd.strip_ansi |= cl.strip_ansi;
    let abs = |p: &str| {
        if Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            cwd.join(p)
        }
    };
    if let Some(v) = &cl.user {
        let host = RealHost;
        let uid = types::name_to_uid(v, &host)?;
        let gid = types::gid_for_uid(uid, &host)?;
        sd.user = Some(v.clone());
        sd.uid_gid = Some((uid, gid));
    }
    if let Some(v) = cl.umask {
        sd.umask = v;
    }
    if let Some(v) = &cl.directory {
        sd.directory = Some(v.clone());
    }
    if let Some(v) = &cl.logfile {
        sd.logfile = if v == "syslog" {
            MainLog::Syslog
        } else {
            MainLog::Path(abs(v))
        };
    }
    if let Some(v) = cl.logfile_maxbytes {
        sd.logfile_maxbytes = v;
    }
    if let Some(v) = cl.logfile_backups {
        sd.logfile_backups = v;
    }
    if let Some(v) = cl.loglevel {
        sd.loglevel = v;
    }
    if let Some(v) = &cl.pidfile {
        sd.pidfile = abs(v);
    }
    if let Some(v) = &cl.identifier {
        sd.identifier = v.clone();
    }
    if let Some(v) = &cl.childlogdir {
        sd.childlogdir = v.clone();
    }
    if let Some(v) = cl.minfds {
        sd.minfds = v;
    }
    if let Some(v) = cl.minprocs {
        sd.minprocs = v;
    }
    Ok(config)
}

/// The messages of one config load, logged once the log exists (spec §1.8).
#[derive(Debug, Clone, Default)]
struct ParseMessages {
    warnings: Vec<String>,
    infos: Vec<String>,
}

impl ParseMessages {
    fn of(loaded: &Loaded) -> ParseMessages {
        ParseMessages {
            warnings: loaded.warnings.iter().map(ToString::to_string).collect(),
            infos: loaded.infos.clone(),
        }
    }
}

/// Logs what Supervisor queues before its logger exists, in its order: criticals (running as
/// root), the config's warnings, its infos, then the infos of setuid and rlimits.
fn log_startup_messages(
    privileges: &PrivilegeNotice,
    parse: &ParseMessages,
    rlimit_infos: &[String],
) {
    if let PrivilegeNotice::RunningAsRoot = privileges {
        daemon_log::log(LogLevel::Critical, RUNNING_AS_ROOT);
    }
    for w in &parse.warnings {
        daemon_log::log(LogLevel::Warn, w);
    }
    for i in &parse.infos {
        daemon_log::log(LogLevel::Info, i);
    }
    if let PrivilegeNotice::SetUid(uid) = privileges {
        daemon_log::log(LogLevel::Info, &format!("Set uid to user {uid} succeeded"));
    }
    for i in rlimit_infos {
        daemon_log::log(LogLevel::Info, i);
    }
}

const RUNNING_AS_ROOT: &str = "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message.";

/// What Supervisor's `set_uid_or_exit` reports (on every start, reloads included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrivilegeNotice {
    /// No `user`, and running as root.
    RunningAsRoot,
    /// Now (or already) running as this uid.
    SetUid(u32),
    /// No `user`, not root: nothing to say.
    Nothing,
}

/// The notice for the current config and uid, when privileges are already what they must be.
fn privilege_notice(config: &Config) -> PrivilegeNotice {
    match config.supervisord.uid_gid {
        Some((uid, _)) => PrivilegeNotice::SetUid(uid),
        None if nix::unistd::geteuid().is_root() => PrivilegeNotice::RunningAsRoot,
        None => PrivilegeNotice::Nothing,
    }
}

/// The HTTP servers of a config, as listener specs.
fn server_specs(config: &Config) -> Vec<listen::ServerSpec> {
    config
        .server_configs
        .iter()
        .map(|s| {
            let listen = match s {
                ServerConfig::Unix(u) => ListenSpec::Unix {
                    file: u.file.clone(),
                    chmod: u.chmod,
                    chown: (u.chown != (-1, -1))
                        .then(|| (u32::try_from(u.chown.0).ok(), u32::try_from(u.chown.1).ok())),
                },
                ServerConfig::Inet(i) => ListenSpec::Inet {
                    host: i.host.clone(),
                    port: i.port,
                },
            };
            listen::ServerSpec {
                section: s.section().to_string(),
                listen,
                credentials: s.auth().map(|c| Credentials {
                    username: c.username.clone(),
                    password: c.password.clone(),
                }),
                metrics_auth: s.metrics_auth(),
            }
        })
        .collect()
}

/// Binds every HTTP server of `config`, or explains why one cannot be opened.
fn bind_servers(config: &Config) -> Result<Vec<(listen::ServerSpec, Opened)>, Usage> {
    let mut opened = Vec::new();
    for spec in server_specs(config) {
        match listen::open(&spec.listen) {
            Ok(o) => opened.push((spec, o)),
            Err(e) => {
                // Don't leave the sockets we did bind behind.
                remove_sockets(&opened);
                return Err(Usage(e.to_string()));
            }
        }
    }
    Ok(opened)
}

fn remove_sockets(opened: &[(listen::ServerSpec, Opened)]) {
    for (_, o) in opened {
        if let Opened::Unix(_, path) = o {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn open_log(config: &Config) -> Result<DaemonLog, Usage> {
    let sd = &config.supervisord;
    let target = match &sd.logfile {
        MainLog::Syslog => LogTarget::Syslog,
        MainLog::Path(p) => LogTarget::File {
            path: p.clone(),
            maxbytes: u64::try_from(sd.logfile_maxbytes).unwrap_or(0),
            backups: u32::try_from(sd.logfile_backups).unwrap_or(0),
        },
    };
    DaemonLog::open(&DaemonLogConfig {
        level: sd.loglevel,
        target,
        echo_stdout: sd.nodaemon && !sd.silent,
    })
    .map_err(|e| Usage(e.to_string()))
}

/// Drops privileges to `[supervisord] user` (Supervisor's `drop_privileges`).
fn drop_privileges(config: &Config) -> Result<PrivilegeNotice, Usage> {
    let sd = &config.supervisord;
    let euid = nix::unistd::geteuid();
    let Some((uid, gid)) = sd.uid_gid else {
        return Ok(privilege_notice(config));
    };
    if euid.as_raw() == uid {
        // Already that user: nothing to do, and Supervisor reports success all the same.
        return Ok(PrivilegeNotice::SetUid(uid));
    }
    if !euid.is_root() {
        return Err(Usage("Can't drop privilege as nonroot user".into()));
    }
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten();
    if let Some(user) = &user {
        let name =
            std::ffi::CString::new(user.name.clone()).map_err(|_| Usage("bad user name".into()))?;
        let groups = nix::unistd::getgrouplist(&name, nix::unistd::Gid::from_raw(gid))
            .map_err(|_| Usage("Could not set groups of effective user".into()))?;
        nix::unistd::setgroups(&groups)
            .map_err(|_| Usage("Could not set groups of effective user".into()))?;
    }
    nix::unistd::setgid(nix::unistd::Gid::from_raw(gid))
        .map_err(|_| Usage("Could not set group id of effective user".into()))?;
    nix::unistd::setuid(nix::unistd::Uid::from_raw(uid))
        .map_err(|_| Usage("Could not set user id of effective user".into()))?;
    Ok(PrivilegeNotice::SetUid(uid))
}

/// The startup sequence, the runtime, and the reload loop.
fn serve(
    mut config: Config,
    parse_messages: ParseMessages,
    cl: &CommandLine,
    path: PathBuf,
    ctx: LoadContext,
) -> Result<i32, Usage> {
    // Bind first: a second supervisord on the same config must fail before touching any log
    // or AUTO file of the first (fix Q15).
    let mut opened = bind_servers(&config)?;
    let privileges = drop_privileges(&config).inspect_err(|_| remove_sockets(&opened))?;
    let sd = &config.supervisord;
    let rlimit_infos = process_env::raise_rlimits(
        u64::try_from(sd.minfds).unwrap_or(0),
        u64::try_from(sd.minprocs).unwrap_or(0),
    )
    .map_err(|msg| {
        remove_sockets(&opened);
        Usage(msg)
    })?;
    log_startup_messages(&privileges, &parse_messages, &rlimit_infos);
    let log = open_log(&config).inspect_err(|_| remove_sockets(&opened))?;
    daemon_log::install(log);
    if !config.supervisord.nodaemon {
        let report = process_env::daemonize(
            config.supervisord.directory.as_deref(),
            config.supervisord.umask,
        )
        .map_err(|e| Usage(format!("could not daemonize: {e}")))?;
        report
            .infos
            .iter()
            .for_each(|m| daemon_log::log(LogLevel::Info, m));
        report
            .criticals
            .iter()
            .for_each(|m| daemon_log::log(LogLevel::Critical, m));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Usage(format!("could not start the event loop: {e}")))?;
    let daemon_ctx = DaemonContext::current();
    let reload_cl = cl.clone();
    let code = runtime.block_on(async move {
        let mut reaper = match Reaper::new() {
            Ok(r) => r,
            Err(e) => {
                daemon_log::log(
                    LogLevel::Critical,
                    &format!("cannot watch for child exits: {e}"),
                );
                return 2;
            }
        };
        let mut first = true;
        // Every event of this daemon's life, for the event streams: kept across reloads, so ids
        // keep counting and open streams keep going.
        let journal = Journal::new(config.supervisord.event_history);
        // The parse messages of the config loaded last by the reloader (HUP, `restart`).
        let reloaded_messages =
            std::sync::Arc::new(std::sync::Mutex::new(ParseMessages::default()));
        loop {
            if !first {
                // A reload: new logger, sockets and groups, as Supervisor re-runs its startup
                // (and with it the messages it queues before its logger exists).
                match open_log(&config) {
                    Ok(log) => {
                        daemon_log::install(log);
                    }
                    Err(Usage(msg)) => daemon_log::log(LogLevel::Error, &msg),
                }
                let parse = std::mem::take(&mut *reloaded_messages.lock().expect("not poisoned"));
                log_startup_messages(&privilege_notice(&config), &parse, &[]);
                match bind_servers(&config) {
                    Ok(o) => opened = o,
                    Err(Usage(msg)) => {
                        daemon_log::log(LogLevel::Critical, &msg);
                        return 2;
                    }
                }
            }
            first = false;
            if !config.supervisord.nocleanup {
                for warning in clear_auto_child_logs(
                    &config.supervisord.childlogdir,
                    &config.supervisord.identifier,
                ) {
                    daemon_log::log(LogLevel::Warn, &warning);
                }
            }
            let reload_path = path.clone();
            let reload_ctx = ctx.clone();
            let reload_cl = reload_cl.clone();
            let stash = std::sync::Arc::clone(&reloaded_messages);
            let reloader: owner::Reloader = std::sync::Arc::new(move || {
                let loaded =
                    load(&reload_path, &reload_ctx, &RealHost).map_err(|d| all_errors(&d))?;
                let config =
                    apply_command_line(loaded.config.clone(), &reload_cl, &reload_ctx.cwd)?;
                // Logged if this config is the one a restart runs with.
                *stash.lock().expect("not poisoned") = ParseMessages::of(&loaded);
                Ok(config)
            });
            let program_ctx = ctx.clone();
            let program_reader = Box::new(
                move |config: &Config, group: &str, program: &str, options: &[(String, String)]| {
                    processes_from_options(config, &program_ctx, &RealHost, group, program, options)
                        .map_err(|d| d.python_message())
                },
            );
            let pidfile = config.supervisord.pidfile.clone();
            let namespaces = Arc::new(Namespaces::of(&config));
            // The owner keeps the only copy of the config; a reload brings the next one back.
            journal.set_history(config.supervisord.event_history);
            let (mut sup, handle, inputs) = owner::new(
                config,
                daemon_ctx.clone(),
                reloader,
                program_reader,
                std::sync::Arc::clone(&journal),
            );
            // Supervisor creates the groups (AUTO logs, FastCGI sockets) before it serves HTTP.
            sup.add_all_groups();
            let servers = start_http(std::mem::take(&mut opened), &handle, &namespaces);
            match process_env::write_pidfile(&pidfile) {
                Ok(()) => daemon_log::log(
                    LogLevel::Info,
                    &format!("supervisord started with pid {}", std::process::id()),
                ),
                Err(_) => daemon_log::log(
                    LogLevel::Critical,
                    &format!("could not write pidfile {}", pidfile.display()),
                ),
            }
            let signals = match Signals::install() {
                Ok(s) => s,
                Err(e) => {
                    daemon_log::log(
                        LogLevel::Critical,
                        &format!("cannot install signal handlers: {e}"),
                    );
                    return 2;
                }
            };
            let end = owner::run(sup, inputs, &mut reaper, signals).await;
            for (task, socket) in servers {
                task.abort();
                // The listener is closed only once the aborted task is dropped; a reload binds
                // the same addresses again right after this.
                let _ = task.await;
                if let Some(path) = socket {
                    let _ = std::fs::remove_file(path);
                }
            }
            let _ = std::fs::remove_file(&pidfile);
            match end {
                RunEnd::Shutdown => return 0,
                RunEnd::Restart(new) => config = *new,
            }
        }
    });
    Ok(code)
}

/// Starts serving every opened listener; returns the tasks and the unix socket paths to remove.
fn start_http(
    opened: Vec<(listen::ServerSpec, Opened)>,
    handle: &owner::Owner,
    namespaces: &Arc<Namespaces>,
) -> Vec<(tokio::task::JoinHandle<()>, Option<PathBuf>)> {
    let mut tasks = Vec::new();
    for (spec, o) in opened {
        for name in namespaces.names() {
            daemon_log::log(
                LogLevel::Info,
                &format!("RPC interface {} initialized", py_repr(name)),
            );
        }
        if spec.credentials.is_none() {
            daemon_log::log(
                LogLevel::Critical,
                &format!(
                    "Server '{}' running without any HTTP authentication checking",
                    spec.section
                ),
            );
        }
        let state = crate::http::AppState {
            owner: handle.clone(),
            credentials: spec.credentials.map(Arc::new),
            namespaces: Arc::clone(namespaces),
            metrics_auth: spec.metrics_auth,
        };
        let router = crate::http::router(state);
        match o {
            Opened::Unix(l, path) => match tokio::net::UnixListener::from_std(l) {
                Ok(l) => tasks.push((
                    tokio::spawn(async move {
                        let _ = axum::serve(l, router).await;
                    }),
                    Some(path),
                )),
                Err(e) => daemon_log::log(
                    LogLevel::Critical,
                    &format!("cannot serve {}: {e}", path.display()),
                ),
            },
            Opened::Inet(l) => match tokio::net::TcpListener::from_std(l) {
                Ok(l) => tasks.push((
                    tokio::spawn(async move {
                        let _ = axum::serve(l, router).await;
                    }),
                    None,
                )),
                Err(e) => daemon_log::log(
                    LogLevel::Critical,
                    &format!("cannot serve {}: {e}", spec.section),
                ),
            },
        }
    }
    tasks
}
