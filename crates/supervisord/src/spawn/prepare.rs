//! The preparation step of a spawn: everything that may allocate or touch the filesystem or the
//! user database, done in the daemon before forking.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::unistd::{AccessFlags, Gid, Uid, User};

use super::{CommandLine, SpawnError, SpawnRequest, StdinSource};

/// What the daemon contributes to every spawn: its environment and its identity.
///
/// The environment is turned into `KEY=VALUE` C strings once, here, and shared by every spawn:
/// a spawn only adds the `SUPERVISOR_*` variables and the program's own.
#[derive(Debug, Clone)]
pub struct DaemonContext {
    environ: Vec<(OsString, OsString)>,
    uid: u32,
    cwd: PathBuf,
    base_env: Arc<BaseEnv>,
}

impl PartialEq for DaemonContext {
    fn eq(&self, other: &Self) -> bool {
        self.environ == other.environ && self.uid == other.uid && self.cwd == other.cwd
    }
}

impl Eq for DaemonContext {}

impl DaemonContext {
    /// A context from supervisord's environment (in order: the base of every child's
    /// environment), its uid (decides whether `user=` can be honoured) and its working directory
    /// (relative paths are checked against it, and made absolute with it for `execve`, which
    /// runs after the child's `chdir`).
    pub fn new(environ: Vec<(OsString, OsString)>, uid: u32, cwd: PathBuf) -> DaemonContext {
        let base_env = Arc::new(BaseEnv::new(&environ));
        DaemonContext {
            environ,
            uid,
            cwd,
            base_env,
        }
    }

    /// The running process's environment, uid and working directory.
    pub fn current() -> DaemonContext {
        DaemonContext::new(
            std::env::vars_os().collect(),
            Uid::current().as_raw(),
            std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        )
    }

    /// supervisord's environment, in order.
    pub fn environ(&self) -> &[(OsString, OsString)] {
        &self.environ
    }

    /// supervisord's uid.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// supervisord's working directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }
}

/// supervisord's environment as the child's `envp` entries, built once per daemon.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BaseEnv {
    /// `KEY=VALUE`, in supervisord's order; a later duplicate key replaced the earlier value.
    pub(super) entries: Vec<CString>,
    /// Each key's position in `entries`.
    index: HashMap<Vec<u8>, usize>,
    /// supervisord's `PATH` split at `:`, or Supervisor's default when it has none.
    path: Vec<OsString>,
}

impl BaseEnv {
    fn new(environ: &[(OsString, OsString)]) -> BaseEnv {
        let mut entries: Vec<CString> = Vec::with_capacity(environ.len());
        let mut index: HashMap<Vec<u8>, usize> = HashMap::with_capacity(environ.len());
        for (key, value) in environ {
            // The process environment cannot hold a NUL; anything that does is not passed on.
            let Ok(entry) = CString::new(env_entry(key.as_bytes(), value.as_bytes())) else {
                continue;
            };
            match index.get(key.as_bytes()) {
                Some(&i) => entries[i] = entry,
                None => {
                    index.insert(key.as_bytes().to_vec(), entries.len());
                    entries.push(entry);
                }
            }
        }
        let path = match environ.iter().rev().find(|(k, _)| k == "PATH") {
            Some((_, path)) if !path.is_empty() => path
                .as_bytes()
                .split(|b| *b == b':')
                .map(|p| OsString::from_vec(p.to_vec()))
                .collect(),
            _ => DEFAULT_PATH.iter().map(OsString::from).collect(),
        };
        BaseEnv {
            entries,
            index,
            path,
        }
    }
}

fn env_entry(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut entry = Vec::with_capacity(key.len() + value.len() + 2);
    entry.extend_from_slice(key);
    entry.push(b'=');
    entry.extend_from_slice(value);
    entry
}

/// A child's environment: supervisord's (shared) with some entries replaced, plus new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EnvPlan {
    base: Arc<BaseEnv>,
    /// (position in the base, replacement entry), by position.
    replaced: Vec<(usize, CString)>,
    /// New keys, in the order they were first set.
    appended: Vec<CString>,
}

impl EnvPlan {
    /// The entries in order, as `execve` receives them.
    pub(super) fn entries(&self) -> impl Iterator<Item = &CString> {
        let mut replaced = self.replaced.iter().peekable();
        self.base
            .entries
            .iter()
            .enumerate()
            .map(
                move |(i, entry)| match replaced.next_if(|(at, _)| *at == i) {
                    Some((_, new)) => new,
                    None => entry,
                },
            )
            .chain(self.appended.iter())
    }

    /// How many entries there are.
    pub(super) fn len(&self) -> usize {
        self.base.entries.len() + self.appended.len()
    }
}

/// How the child will handle `user=`; owned data that [`super::spawn`] lends to the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PrivilegePlan {
    Keep,
    Fail(Vec<u8>),
    Switch {
        groups: Vec<libc::gid_t>,
        gid: libc::gid_t,
        uid: libc::uid_t,
        prefix: Vec<u8>,
    },
}

/// A spawn with everything resolved; [`super::spawn`] it (as many times as needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub(super) name: String,
    pub(super) filename: CString,
    pub(super) argv: Vec<CString>,
    pub(super) env: EnvPlan,
    pub(super) chdir: Option<(CString, Vec<u8>)>,
    pub(super) umask: Option<libc::mode_t>,
    pub(super) privileges: PrivilegePlan,
    pub(super) privilege_problem: Option<String>,
    pub(super) stdin: StdinSource,
    pub(super) redirect_stderr: bool,
    pub(super) minfds: u32,
    pub(super) exec_prefix: Vec<u8>,
}

impl Prepared {
    /// The path that will be exec'd.
    pub fn filename(&self) -> &Path {
        Path::new(OsStr::from_bytes(self.filename.as_bytes()))
    }

    /// The argument vector (argv\[0\] as written in the command).
    pub fn argv(&self) -> impl Iterator<Item = &OsStr> {
        self.argv.iter().map(|a| OsStr::from_bytes(a.as_bytes()))
    }

    /// The child's environment as `KEY=VALUE` entries, in order.
    pub fn env(&self) -> impl Iterator<Item = &OsStr> {
        self.env.entries().map(|a| OsStr::from_bytes(a.as_bytes()))
    }

    /// Why `user=` cannot be honoured (e.g. `Can't drop privilege as nonroot user`), if so.
    ///
    /// As with Supervisor the child still starts, writes `supervisor: couldn't setuid to UID: MSG`
    /// to its stderr log and exits 127; this lets the owner also say it in the daemon log.
    pub fn privilege_problem(&self) -> Option<&str> {
        self.privilege_problem.as_deref()
    }
}

/// Supervisor's fallback when neither the program nor supervisord has a `PATH`.
const DEFAULT_PATH: [&str; 3] = ["/bin", "/usr/bin", "/usr/local/bin"];

/// Resolves a spawn request: argv, program path, checks, user, environment, messages.
///
/// Errors are Supervisor's `spawnerr` texts (spec §2.3 step 3); the process then goes to BACKOFF
/// without forking. Deliberate fix (spec Q13): a relative command path containing `/` resolves
/// against `directory` (where the child will exec it) rather than supervisord's cwd, and the
/// `PATH` search skips entries that exist but cannot be executed.
pub fn prepare(request: &SpawnRequest, daemon: &DaemonContext) -> Result<Prepared, SpawnError> {
    let command_text = || match &request.command {
        CommandLine::Shell(text) => text.clone(),
        CommandLine::Argv(argv) => argv
            .iter()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" "),
    };
    let nul = |what: &'static str| SpawnError::EmbeddedNul {
        command: command_text(),
        what,
    };

    // The argument vector straight into C strings; a NUL is reported after the command checks,
    // as before (the split words are kept until then).
    let argv: Vec<Vec<u8>> = match &request.command {
        CommandLine::Shell(text) => supervisor_config::shlex::split(text)
            .map_err(|e| SpawnError::CannotParse {
                command: text.clone(),
                message: e.to_string(),
            })?
            .into_iter()
            .map(String::into_bytes)
            .collect(),
        CommandLine::Argv(argv) => argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
    };
    let program = OsStr::from_bytes(argv.first().ok_or(SpawnError::Empty)?);
    let directory = request.directory.as_deref();

    let path_list = search_path(&request.environment, &daemon.base_env);
    let filename = resolve_program(program, directory, &path_list, &daemon.cwd)?;

    let mut exec_prefix = b"supervisor: couldn't exec ".to_vec();
    exec_prefix.extend_from_slice(program.as_bytes());
    exec_prefix.extend_from_slice(b": ");

    let argv_c = argv
        .into_iter()
        .map(CString::new)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("an argument"))?;
    let filename_c =
        CString::new(filename.into_os_string().into_vec()).map_err(|_| nul("the path"))?;
    let env = plan_env(request, &daemon.base_env).ok_or_else(|| nul("the environment"))?;
    let chdir = match directory {
        Some(dir) => {
            let dir_c = CString::new(dir.as_os_str().as_bytes()).map_err(|_| nul("directory"))?;
            let mut prefix = b"supervisor: couldn't chdir to ".to_vec();
            prefix.extend_from_slice(dir.as_os_str().as_bytes());
            prefix.extend_from_slice(b": ");
            Some((dir_c, prefix))
        }
        None => None,
    };
    let (privileges, privilege_problem) = plan_privileges(request.uid, daemon.uid);

    Ok(Prepared {
        name: request.name.clone(),
        filename: filename_c,
        argv: argv_c,
        env,
        chdir,
        umask: request.umask.map(|m| m as libc::mode_t),
        privileges,
        privilege_problem,
        stdin: request.stdin,
        redirect_stderr: request.redirect_stderr,
        minfds: request.minfds,
        exec_prefix,
    })
}

/// The directories to search: the configured `PATH` if the program's (merged) environment sets
/// one, else supervisord's non-empty `PATH`, else `/bin:/usr/bin:/usr/local/bin` (Supervisor's
/// `get_path`). supervisord's is split once per daemon.
fn search_path<'a>(overrides: &[(String, String)], base: &'a BaseEnv) -> Cow<'a, [OsString]> {
    match overrides.iter().rev().find(|(k, _)| k == "PATH") {
        Some((_, path)) => Cow::Owned(path.split(':').map(OsString::from).collect()),
        None => Cow::Borrowed(&base.path),
    }
}

/// Finds the file to exec and applies Supervisor's checks, in its order.
fn resolve_program(
    program: &OsStr,
    directory: Option<&Path>,
    path_list: &[OsString],
    cwd: &Path,
) -> Result<PathBuf, SpawnError> {
    // `shown` is the path as Supervisor names it in messages (relative stays relative); the
    // checks and the exec use it made absolute against supervisord's working directory.
    let in_directory = |p: &Path| match directory {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    };
    let absolute = |p: PathBuf| {
        if p.is_relative() {
            cwd.join(p)
        } else {
            p
        }
    };
    let shown = if program.as_bytes().contains(&b'/') {
        in_directory(Path::new(program))
    } else {
        // First entry holding an executable regular file wins; if none does, fall back to the
        // first entry where anything exists, so the checks below explain what is wrong with it.
        let mut first_existing = None;
        for dir in path_list {
            // An empty entry means the current directory, i.e. the child's `directory`.
            let dir = if dir.is_empty() {
                Path::new(".")
            } else {
                Path::new(dir)
            };
            let candidate = in_directory(&dir.join(program));
            let actual = absolute(candidate.clone());
            let Ok(meta) = std::fs::metadata(&actual) else {
                continue;
            };
            if is_executable(&meta, &actual) {
                // Every check below has just passed for this file.
                return Ok(actual);
            }
            first_existing.get_or_insert(candidate);
        }
        match first_existing {
            Some(found) => found,
            // Like Supervisor: not on PATH means not found, without looking at the bare name.
            None => return Err(SpawnError::NotFound(program.to_string_lossy().into_owned())),
        }
    };

    let actual = absolute(shown.clone());
    let shown = || shown.to_string_lossy().into_owned();
    let meta = std::fs::metadata(&actual).map_err(|_| SpawnError::NotFound(shown()))?;
    if meta.is_dir() {
        return Err(SpawnError::IsDirectory(shown()));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(SpawnError::NotExecutable(shown()));
    }
    if nix::unistd::access(&actual, AccessFlags::X_OK).is_err() {
        return Err(SpawnError::NoPermission(shown()));
    }
    Ok(actual)
}

fn is_executable(meta: &std::fs::Metadata, path: &Path) -> bool {
    !meta.is_dir()
        && meta.permissions().mode() & 0o111 != 0
        && nix::unistd::access(path, AccessFlags::X_OK).is_ok()
}

/// supervisord's environment, then the `SUPERVISOR_*` variables, then the configured overrides
/// (which win, `SUPERVISOR_*` included: Supervisor does `env.update(config.environment)` last).
///
/// Order is Python's dict order: existing keys keep their place, new keys are appended. Only
/// the variables set here are allocated; the rest is the daemon's shared block. `None` if a
/// key or value holds a NUL byte.
fn plan_env(request: &SpawnRequest, base: &Arc<BaseEnv>) -> Option<EnvPlan> {
    let mut replaced: Vec<(usize, CString)> = Vec::new();
    // (key length, entry) of the new keys.
    let mut appended: Vec<(usize, CString)> = Vec::new();
    let mut set = |key: &str, value: &str| -> Option<()> {
        let key = key.as_bytes();
        let entry = CString::new(env_entry(key, value.as_bytes())).ok()?;
        if let Some(&at) = base.index.get(key) {
            match replaced.iter_mut().find(|(i, _)| *i == at) {
                Some(slot) => slot.1 = entry,
                None => replaced.push((at, entry)),
            }
        } else {
            match appended
                .iter_mut()
                .find(|(len, e)| &e.as_bytes()[..*len] == key)
            {
                Some(slot) => slot.1 = entry,
                None => appended.push((key.len(), entry)),
            }
        }
        Some(())
    };
    set("SUPERVISOR_ENABLED", "1")?;
    if let Some(url) = request.server_url.as_deref().filter(|u| !u.is_empty()) {
        set("SUPERVISOR_SERVER_URL", url)?;
    }
    set("SUPERVISOR_PROCESS_NAME", &request.name)?;
    set("SUPERVISOR_GROUP_NAME", &request.group)?;
    if let Some(user) = &request.server_username {
        set("SUPERVISOR_USERNAME", user)?;
    }
    if let Some(password) = &request.server_password {
        set("SUPERVISOR_PASSWORD", password)?;
    }
    for (k, v) in &request.environment {
        set(k, v)?;
    }
    replaced.sort_unstable_by_key(|(at, _)| *at);
    Some(EnvPlan {
        base: Arc::clone(base),
        replaced,
        appended: appended.into_iter().map(|(_, entry)| entry).collect(),
    })
}

/// Supervisor's `drop_privileges`, decided in the parent; the child only performs the calls.
///
/// Order of checks as in Python: unknown uid, same uid (nothing to do), not root (refuse). The
/// groups are the primary gid followed by every group that lists the user (`getgrouplist`).
fn plan_privileges(target: Option<u32>, current: u32) -> (PrivilegePlan, Option<String>) {
    let Some(uid) = target else {
        return (PrivilegePlan::Keep, None);
    };
    let fail = |why: String| {
        let line = format!("supervisor: couldn't setuid to {uid}: {why}\n");
        (PrivilegePlan::Fail(line.into_bytes()), Some(why))
    };
    let user = match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(user)) => user,
        _ => return fail(format!("Can't find uid {uid}")),
    };
    if uid == current {
        return (PrivilegePlan::Keep, None);
    }
    if current != 0 {
        return fail("Can't drop privilege as nonroot user".to_owned());
    }
    let gid = user.gid.as_raw();
    let mut groups = vec![gid];
    if let Ok(name) = CString::new(user.name.as_bytes()) {
        if let Ok(list) = nix::unistd::getgrouplist(&name, Gid::from_raw(gid)) {
            for g in list {
                if !groups.contains(&g.as_raw()) {
                    groups.push(g.as_raw());
                }
            }
        }
    }
    let prefix = format!("supervisor: couldn't setuid to {uid}: ").into_bytes();
    (
        PrivilegePlan::Switch {
            groups,
            gid,
            uid,
            prefix,
        },
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect()
    }

    #[test]
    fn search_path_prefers_program_then_daemon_then_default() {
        let overrides = vec![("PATH".to_owned(), "/a:/b".to_owned())];
        let base = |pairs| BaseEnv::new(&os(pairs));
        assert_eq!(
            *search_path(&overrides, &base(&[("PATH", "/x")])),
            vec![OsString::from("/a"), OsString::from("/b")]
        );
        assert_eq!(
            *search_path(&[], &base(&[("PATH", "/x:/y")])),
            vec!["/x", "/y"]
        );
        assert_eq!(
            *search_path(&[], &base(&[("PATH", "")])),
            vec!["/bin", "/usr/bin", "/usr/local/bin"]
        );
        assert_eq!(
            *search_path(&[], &base(&[])),
            vec!["/bin", "/usr/bin", "/usr/local/bin"]
        );
    }

    #[test]
    fn unknown_uid_is_a_child_side_failure() {
        // Nobody has uid 4000000000 on a test machine.
        let (plan, problem) = plan_privileges(Some(4_000_000_000), 0);
        assert_eq!(problem.as_deref(), Some("Can't find uid 4000000000"));
        assert_eq!(
            plan,
            PrivilegePlan::Fail(
                b"supervisor: couldn't setuid to 4000000000: Can't find uid 4000000000\n".to_vec()
            )
        );
    }

    #[test]
    fn same_uid_keeps_and_nonroot_refuses() {
        assert_eq!(plan_privileges(Some(0), 0), (PrivilegePlan::Keep, None));
        assert_eq!(plan_privileges(None, 1000), (PrivilegePlan::Keep, None));
        let (plan, problem) = plan_privileges(Some(0), 1000);
        assert_eq!(
            problem.as_deref(),
            Some("Can't drop privilege as nonroot user")
        );
        assert_eq!(
            plan,
            PrivilegePlan::Fail(
                b"supervisor: couldn't setuid to 0: Can't drop privilege as nonroot user\n"
                    .to_vec()
            )
        );
    }
}
