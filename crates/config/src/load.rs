//! The entry points: [`load`] (what supervisord reads) and [`load_ctl`] (what supervisorctl
//! reads).
//!
//! Loading is a pure function of the file text (through the [`Host`]), and the [`LoadContext`]
//! (environment, host name, working directory, temporary directory, effective uid). Sections are
//! read in the order Python's `ServerOptions.read_config` reads them, so the first error we
//! report is the one Python would stop at; unlike Python we keep going and report them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Diagnostics, Severity};
use crate::host::Host;
use crate::include::{abspath, read_document};
use crate::model::{Config, Supervisorctl};
use crate::sections::{self, Ctx};

/// Everything about the running process that a configuration may refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadContext {
    /// supervisord's environment: `%(ENV_X)s` names.
    pub environment: BTreeMap<String, String>,
    /// `%(host_node_name)s` (Python's `platform.node()`).
    pub host_node_name: String,
    /// The working directory relative paths are resolved against.
    pub cwd: PathBuf,
    /// Python's `tempfile.gettempdir()`: the default `childlogdir`.
    pub tmpdir: PathBuf,
    /// The effective uid (decides the default owner of FastCGI unix sockets).
    pub euid: u32,
}

impl LoadContext {
    /// The context of the current process: its environment, host name, cwd, temp dir and euid.
    pub fn from_process() -> Self {
        let environment: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let host_node_name = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default();
        let tmpdir = gettempdir(&environment, &cwd);
        LoadContext {
            environment,
            host_node_name,
            cwd,
            tmpdir,
            euid: nix::unistd::geteuid().as_raw(),
        }
    }
}

/// Python's `tempfile.gettempdir()`: `$TMPDIR`, `$TEMP`, `$TMP`, then `/tmp`, `/var/tmp`,
/// `/usr/tmp`, then the cwd; the first writable directory, made absolute.
fn gettempdir(env: &BTreeMap<String, String>, cwd: &Path) -> PathBuf {
    let mut candidates: Vec<String> = ["TMPDIR", "TEMP", "TMP"]
        .iter()
        .filter_map(|k| env.get(*k).cloned())
        .collect();
    candidates.extend(["/tmp", "/var/tmp", "/usr/tmp"].map(String::from));
    candidates.push(cwd.to_string_lossy().into_owned());
    for c in candidates {
        let abs = abspath(&c, cwd);
        let writable = Path::new(&abs).is_dir()
            && nix::unistd::access(Path::new(&abs), nix::unistd::AccessFlags::W_OK).is_ok();
        if writable {
            return PathBuf::from(abs);
        }
    }
    cwd.to_path_buf()
}

/// A configuration that loaded, with Python's parse-time warnings and infos (and ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The resolved configuration.
    pub config: Config,
    /// Warnings to log at WARN once the logger exists (Python's `parse_warnings`, then ours).
    pub warnings: Vec<Diagnostic>,
    /// Messages to log at INFO (Python's `parse_infos`).
    pub infos: Vec<String>,
}

/// Loads a supervisord configuration from `path` (as given with `-c`, or found by
/// [`crate::discovery::discover`]); every error is reported, not only the first.
pub fn load(path: &Path, ctx: &LoadContext, host: &dyn Host) -> Result<Loaded, Diagnostics> {
    let read = read_document(path, ctx, host, true);
    if !read.errors.is_empty() {
        return Err(Diagnostics {
            errors: dedup(read.errors),
            warnings: dedup(read.warnings),
            infos: read.infos,
        });
    }
    let doc = read.doc;
    let mut cx = Ctx::new(&doc, host, ctx, path, read.here.clone());
    cx.warnings = read.warnings;
    cx.infos = read.infos;

    let (mut supervisord, user) = sections::supervisord::read(&mut cx);
    let rpcinterfaces = sections::plugins::rpcinterfaces(&mut cx);
    let mut groups = sections::group::process_groups(&mut cx);
    for process in groups.iter_mut().flat_map(|g| g.processes.iter_mut()) {
        // Not shared yet, so this changes the config in place.
        let process = std::sync::Arc::make_mut(process);
        let mut env = supervisord.environment.clone();
        env.extend(std::mem::take(&mut process.environment));
        process.environment = env;
    }
    let server_configs = sections::http_servers::server_configs(&mut cx);
    sections::supervisord::resolve_user(&mut cx, &mut supervisord, user.as_ref());
    sections::known::check(&mut cx);

    // supervisord ignores [supervisorctl]; we read it for the convenience of callers that want
    // both, and only warn about its problems (supervisorctl reports them as errors).
    let supervisorctl = if doc.has_section(sections::supervisorctl::SECTION) {
        let mut ctl = Ctx::new(&doc, host, ctx, path, read.here.clone());
        let section = sections::supervisorctl::read(&mut ctl);
        for mut e in ctl.errors {
            e.severity = Severity::Warning;
            cx.warnings.push(e);
        }
        Some(section)
    } else {
        None
    };

    // supervisord ignores [ctlplugin:x] too; but a plugin's commands will be missing from our
    // supervisorctl, so say so now, with what to use instead.
    let before = cx.errors.len();
    let _ = sections::plugins::ctlplugins(&mut cx);
    for mut e in cx.errors.split_off(before) {
        e.severity = Severity::Warning;
        cx.warnings.push(e);
    }

    let errors = dedup(cx.errors);
    let warnings = dedup(cx.warnings);
    if !errors.is_empty() {
        return Err(Diagnostics {
            errors,
            warnings,
            infos: cx.infos,
        });
    }
    Ok(Loaded {
        config: Config {
            config_file: path.to_path_buf(),
            here: PathBuf::from(read.here),
            supervisord,
            server_configs,
            rpcinterfaces,
            supervisorctl,
            groups,
        },
        warnings,
        infos: cx.infos,
    })
}

/// Loads what supervisorctl reads from `path`: only `[supervisorctl]` (and `[ctlplugin:x]`,
/// which we cannot load), with `[DEFAULT]` but without `[include]`.
pub fn load_ctl(
    path: &Path,
    ctx: &LoadContext,
    host: &dyn Host,
) -> Result<Supervisorctl, Diagnostics> {
    let read = read_document(path, ctx, host, false);
    if !read.errors.is_empty() {
        return Err(Diagnostics {
            errors: read.errors,
            ..Default::default()
        });
    }
    let doc = read.doc;
    // Python's ClientOptions takes `here` from the normalised path (with `~` expanded).
    let here = crate::types::normalize_path(&path.to_string_lossy(), &ctx.cwd, host);
    let here = crate::discovery::py_dirname(&here.to_string_lossy());
    let mut cx = Ctx::new(&doc, host, ctx, path, here);
    let mut section = sections::supervisorctl::read(&mut cx);
    if cx.errors.is_empty() {
        section.ctlplugins = sections::plugins::ctlplugins(&mut cx);
    }
    if cx.errors.is_empty() {
        Ok(section)
    } else {
        Err(Diagnostics {
            errors: dedup(cx.errors),
            warnings: dedup(cx.warnings),
            infos: Vec::new(),
        })
    }
}

/// Removes repeated diagnostics (per-instance options of `numprocs` processes report the same
/// problem once per instance), keeping the first of each.
fn dedup(list: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::with_capacity(list.len());
    for d in list {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}
