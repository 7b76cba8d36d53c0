//! The preparation step of a spawn: everything that may allocate or touch the filesystem or the
//! user database, done in the daemon before forking.

use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::unistd::{AccessFlags, Gid, Uid, User};

use super::{CommandLine, SpawnError, SpawnRequest, StdinSource};

/// What the daemon contributes to every spawn: its environment and its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonContext {
    /// supervisord's own environment, in order (the base of every child's environment).
    pub environ: Vec<(OsString, OsString)>,
    /// supervisord's uid (decides whether `user=` can be honoured).
    pub uid: u32,
    /// supervisord's working directory: relative paths are checked against it, and made
    /// absolute with it for `execve`, which runs after the child's `chdir`.
    pub cwd: PathBuf,
}

impl DaemonContext {
    /// The running process's environment and uid.
    pub fn current() -> DaemonContext {
        DaemonContext {
            environ: std::env::vars_os().collect(),
            uid: Uid::current().as_raw(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
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
    pub(super) env: Vec<CString>,
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
        self.env.iter().map(|a| OsStr::from_bytes(a.as_bytes()))
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

    let argv: Vec<OsString> = match &request.command {
        CommandLine::Shell(text) => supervisor_config::shlex::split(text)
            .map_err(|e| SpawnError::CannotParse {
                command: text.clone(),
                message: e.to_string(),
            })?
            .into_iter()
            .map(OsString::from)
            .collect(),
        CommandLine::Argv(argv) => argv.clone(),
    };
    let program = argv.first().ok_or(SpawnError::Empty)?;
    let directory = request.directory.as_deref();

    let path_list = search_path(&request.environment, &daemon.environ);
    let filename = resolve_program(program, directory, &path_list, &daemon.cwd)?;

    let argv_c = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("an argument"))?;
    let filename_c = CString::new(filename.as_os_str().as_bytes()).map_err(|_| nul("the path"))?;
    let env = build_env(request, &daemon.environ)
        .into_iter()
        .map(|(k, v)| {
            let mut entry = k.into_vec();
            entry.push(b'=');
            entry.extend_from_slice(v.as_bytes());
            CString::new(entry)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| nul("the environment"))?;
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

    let mut exec_prefix = b"supervisor: couldn't exec ".to_vec();
    exec_prefix.extend_from_slice(program.as_bytes());
    exec_prefix.extend_from_slice(b": ");

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
/// `get_path`).
fn search_path(overrides: &[(String, String)], environ: &[(OsString, OsString)]) -> Vec<OsString> {
    if let Some((_, path)) = overrides.iter().rev().find(|(k, _)| k == "PATH") {
        return path.split(':').map(OsString::from).collect();
    }
    match environ.iter().rev().find(|(k, _)| k == "PATH") {
        Some((_, path)) if !path.is_empty() => path
            .as_bytes()
            .split(|b| *b == b':')
            .map(|p| OsString::from_vec(p.to_vec()))
            .collect(),
        _ => DEFAULT_PATH.iter().map(OsString::from).collect(),
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
    let absolute = |p: &Path| {
        if p.is_relative() {
            cwd.join(p)
        } else {
            p.to_path_buf()
        }
    };
    let shown = if program.as_bytes().contains(&b'/') {
        in_directory(Path::new(program))
    } else {
        // First entry holding an executable regular file wins; if none does, fall back to the
        // first entry where anything exists, so the checks below explain what is wrong with it.
        let candidates: Vec<PathBuf> = path_list
            .iter()
            .map(|dir| {
                // An empty entry means the current directory, i.e. the child's `directory`.
                let dir = if dir.is_empty() {
                    Path::new(".")
                } else {
                    Path::new(dir)
                };
                in_directory(&dir.join(program))
            })
            .collect();
        let found = candidates
            .iter()
            .find(|c| is_executable_file(&absolute(c)))
            .or_else(|| {
                candidates
                    .iter()
                    .find(|c| std::fs::metadata(absolute(c)).is_ok())
            });
        match found {
            Some(found) => found.clone(),
            // Like Supervisor: not on PATH means not found, without looking at the bare name.
            None => return Err(SpawnError::NotFound(program.to_string_lossy().into_owned())),
        }
    };

    let actual = absolute(&shown);
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

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir() && m.permissions().mode() & 0o111 != 0)
        && nix::unistd::access(path, AccessFlags::X_OK).is_ok()
}

/// supervisord's environment, then the `SUPERVISOR_*` variables, then the configured overrides
/// (which win, `SUPERVISOR_*` included: Supervisor does `env.update(config.environment)` last).
///
/// Order is Python's dict order: existing keys keep their place, new keys are appended.
fn build_env(
    request: &SpawnRequest,
    environ: &[(OsString, OsString)],
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = Vec::with_capacity(environ.len() + 8);
    let mut index: HashMap<OsString, usize> = HashMap::with_capacity(environ.len() + 8);
    let mut set = |key: OsString, value: OsString| match index.get(&key) {
        Some(&i) => env[i].1 = value,
        None => {
            index.insert(key.clone(), env.len());
            env.push((key, value));
        }
    };
    for (k, v) in environ {
        set(k.clone(), v.clone());
    }
    set("SUPERVISOR_ENABLED".into(), "1".into());
    if let Some(url) = request.server_url.as_deref().filter(|u| !u.is_empty()) {
        set("SUPERVISOR_SERVER_URL".into(), url.into());
    }
    set(
        "SUPERVISOR_PROCESS_NAME".into(),
        request.name.clone().into(),
    );
    set("SUPERVISOR_GROUP_NAME".into(), request.group.clone().into());
    if let Some(user) = &request.server_username {
        set("SUPERVISOR_USERNAME".into(), user.into());
    }
    if let Some(password) = &request.server_password {
        set("SUPERVISOR_PASSWORD".into(), password.into());
    }
    for (k, v) in &request.environment {
        set(k.into(), v.into());
    }
    env
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
        assert_eq!(
            search_path(&overrides, &os(&[("PATH", "/x")])),
            vec![OsString::from("/a"), OsString::from("/b")]
        );
        assert_eq!(
            search_path(&[], &os(&[("PATH", "/x:/y")])),
            vec!["/x", "/y"]
        );
        assert_eq!(
            search_path(&[], &os(&[("PATH", "")])),
            vec!["/bin", "/usr/bin", "/usr/local/bin"]
        );
        assert_eq!(
            search_path(&[], &[]),
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
