//! The injectable host interface: everything the config library needs from the outside world.
//!
//! The library never touches the filesystem or the user database directly; it goes through
//! [`Host`], so every rule can be unit-tested with [`FakeHost`]. [`RealHost`] is the production
//! implementation.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// A user-database entry (the parts of `struct passwd` Supervisor uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Numeric user id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: PathBuf,
}

/// A group-database entry (the parts of `struct group` Supervisor uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Numeric group id.
    pub gid: u32,
}

/// Everything the config library needs from the outside world.
pub trait Host {
    /// Reads a whole file as text.
    fn read_file(&self, path: &Path) -> io::Result<String>;
    /// Sorted matches of a glob pattern, like Python's `sorted(glob.glob(pattern))`.
    fn glob(&self, pattern: &str) -> Vec<PathBuf>;
    /// `os.path.exists`: true for files, directories and anything else that exists.
    fn exists(&self, path: &Path) -> bool;
    /// `os.path.isdir`.
    fn is_dir(&self, path: &Path) -> bool;
    /// `pwd.getpwnam`.
    fn user_by_name(&self, name: &str) -> Option<User>;
    /// `pwd.getpwuid`.
    fn user_by_uid(&self, uid: u32) -> Option<User>;
    /// `grp.getgrnam`.
    fn group_by_name(&self, name: &str) -> Option<Group>;
    /// `grp.getgrgid`.
    fn group_by_gid(&self, gid: u32) -> Option<Group>;
    /// The current user's home directory for `~` expansion (Python `expanduser`: `$HOME`, else
    /// the passwd entry of the current uid).
    fn home_dir(&self) -> Option<PathBuf>;
}

/// Glob options matching Python's `glob.glob`: `*` never crosses `/` and never matches a
/// leading dot.
fn python_glob_options() -> glob::MatchOptions {
    glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    }
}

/// Sorts paths as Python sorts strings (by code point, i.e. by UTF-8 bytes), not component-wise
/// as `Path`'s `Ord` does (`/a/b/c` sorts after `/a/b-c` in Python).
fn sort_like_python(paths: &mut [PathBuf]) {
    use std::os::unix::ffi::OsStrExt;
    paths.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
}

/// The real host: `std::fs`, the `glob` crate and the system user database.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealHost;

impl Host for RealHost {
    fn read_file(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = match glob::glob_with(pattern, python_glob_options()) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            // A malformed pattern (an unclosed `[`) matches nothing here; Python would take the
            // bracket literally, which only matters for file names containing `[`.
            Err(_) => Vec::new(),
        };
        sort_like_python(&mut out);
        out
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn user_by_name(&self, name: &str) -> Option<User> {
        nix::unistd::User::from_name(name)
            .ok()
            .flatten()
            .map(user_from_nix)
    }

    fn user_by_uid(&self, uid: u32) -> Option<User> {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(user_from_nix)
    }

    fn group_by_name(&self, name: &str) -> Option<Group> {
        nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .map(group_from_nix)
    }

    fn group_by_gid(&self, gid: u32) -> Option<Group> {
        nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
            .ok()
            .flatten()
            .map(group_from_nix)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        if let Some(home) = std::env::var_os("HOME") {
            return Some(PathBuf::from(home));
        }
        self.user_by_uid(nix::unistd::getuid().as_raw())
            .map(|u| u.home)
    }
}

fn user_from_nix(u: nix::unistd::User) -> User {
    User {
        name: u.name,
        uid: u.uid.as_raw(),
        gid: u.gid.as_raw(),
        home: u.dir,
    }
}

fn group_from_nix(g: nix::unistd::Group) -> Group {
    Group {
        name: g.name,
        gid: g.gid.as_raw(),
    }
}

/// An in-memory host for tests: files, directories, users and groups are declared with builder
/// methods. Parent directories of added files and directories are created implicitly.
#[derive(Debug, Clone, Default)]
pub struct FakeHost {
    files: BTreeMap<PathBuf, String>,
    unreadable: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
    users: Vec<User>,
    groups: Vec<Group>,
    home: Option<PathBuf>,
}

impl FakeHost {
    /// An empty host: only `/` exists, no users, no groups, no home directory.
    pub fn new() -> Self {
        let mut h = FakeHost::default();
        h.dirs.insert(PathBuf::from("/"));
        h
    }

    /// Adds a file with the given text (and its parent directories).
    pub fn file(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path, text.into());
        self
    }

    /// Adds a file that exists but cannot be read (`read_file` fails with permission denied).
    pub fn unreadable_file(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path.clone(), String::new());
        self.unreadable.insert(path);
        self
    }

    /// Adds a directory (and its parents).
    pub fn dir(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.add_parents(&path);
        self.dirs.insert(path);
        self
    }

    /// Adds a user; their home directory is not created.
    pub fn user(mut self, name: &str, uid: u32, gid: u32, home: impl Into<PathBuf>) -> Self {
        self.users.push(User {
            name: name.to_owned(),
            uid,
            gid,
            home: home.into(),
        });
        self
    }

    /// Adds a group.
    pub fn group(mut self, name: &str, gid: u32) -> Self {
        self.groups.push(Group {
            name: name.to_owned(),
            gid,
        });
        self
    }

    /// Sets the home directory used for `~` expansion.
    pub fn home(mut self, path: impl Into<PathBuf>) -> Self {
        self.home = Some(path.into());
        self
    }

    fn add_parents(&mut self, path: &Path) {
        let mut cur = path.parent();
        while let Some(p) = cur {
            if p.as_os_str().is_empty() {
                break;
            }
            self.dirs.insert(p.to_path_buf());
            cur = p.parent();
        }
    }
}

impl Host for FakeHost {
    fn read_file(&self, path: &Path) -> io::Result<String> {
        if self.unreadable.contains(path) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        if self.dirs.contains(path) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "Is a directory",
            ));
        }
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn glob(&self, pattern: &str) -> Vec<PathBuf> {
        let Ok(pat) = glob::Pattern::new(pattern) else {
            return Vec::new();
        };
        let opts = python_glob_options();
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .chain(self.dirs.iter())
            // `*` can match the empty string, but Python's glob never yields the root itself.
            .filter(|p| pattern == "/" || p.as_os_str() != "/")
            .filter(|p| p.to_str().is_some_and(|s| pat.matches_with(s, opts)))
            .cloned()
            .collect();
        sort_like_python(&mut out);
        out.dedup();
        out
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.dirs.contains(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(path)
    }

    fn user_by_name(&self, name: &str) -> Option<User> {
        self.users.iter().find(|u| u.name == name).cloned()
    }

    fn user_by_uid(&self, uid: u32) -> Option<User> {
        self.users.iter().find(|u| u.uid == uid).cloned()
    }

    fn group_by_name(&self, name: &str) -> Option<Group> {
        self.groups.iter().find(|g| g.name == name).cloned()
    }

    fn group_by_gid(&self, gid: u32) -> Option<Group> {
        self.groups.iter().find(|g| g.gid == gid).cloned()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_host_files_dirs_and_glob() {
        let h = FakeHost::new()
            .file("/etc/sv/conf.d/b.conf", "[x]\n")
            .file("/etc/sv/conf.d/a.conf", "[y]\n")
            .file("/etc/sv/conf.d/.hidden.conf", "")
            .dir("/var/log");
        assert!(h.is_dir(Path::new("/etc/sv/conf.d")));
        assert!(h.is_dir(Path::new("/etc")));
        assert!(h.exists(Path::new("/etc/sv/conf.d/a.conf")));
        assert!(!h.is_dir(Path::new("/etc/sv/conf.d/a.conf")));
        assert!(h.is_dir(Path::new("/var/log")));
        assert_eq!(
            h.glob("/etc/sv/conf.d/*.conf"),
            vec![
                PathBuf::from("/etc/sv/conf.d/a.conf"),
                PathBuf::from("/etc/sv/conf.d/b.conf")
            ]
        );
        assert_eq!(h.glob("/etc/*.conf"), Vec::<PathBuf>::new());
        assert!(!h.glob("/*").contains(&PathBuf::from("/")));

        assert_eq!(
            h.read_file(Path::new("/etc/sv/conf.d/b.conf")).unwrap(),
            "[x]\n"
        );
        assert_eq!(
            h.read_file(Path::new("/nope")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn fake_host_glob_sorts_like_python_strings() {
        let h2 = FakeHost::new().file("/a/b/x", "").file("/a/b-c/x", "");
        assert_eq!(
            h2.glob("/a/*/x"),
            vec![PathBuf::from("/a/b-c/x"), PathBuf::from("/a/b/x")]
        );
    }

    #[test]
    fn fake_host_users_and_groups() {
        let h = FakeHost::new()
            .user("alice", 1000, 100, "/home/alice")
            .group("staff", 100)
            .home("/root");
        assert_eq!(h.user_by_name("alice").unwrap().uid, 1000);
        assert_eq!(h.user_by_uid(1000).unwrap().name, "alice");
        assert!(h.user_by_uid(1).is_none());
        assert_eq!(h.group_by_name("staff").unwrap().gid, 100);
        assert_eq!(h.group_by_gid(100).unwrap().name, "staff");
        assert_eq!(h.home_dir(), Some(PathBuf::from("/root")));
    }

    #[test]
    fn fake_host_unreadable_file_exists() {
        let h = FakeHost::new().unreadable_file("/etc/secret.conf");
        assert!(h.exists(Path::new("/etc/secret.conf")));
        assert_eq!(
            h.read_file(Path::new("/etc/secret.conf"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::PermissionDenied
        );
    }

    #[test]
    fn real_host_root_exists_and_globs_sorted() {
        let h = RealHost;
        assert!(h.is_dir(Path::new("/")));
        let dir = tempfile::tempdir().unwrap();
        for n in ["c.conf", "a.conf", "b.txt"] {
            std::fs::write(dir.path().join(n), "").unwrap();
        }
        let pat = format!("{}/*.conf", dir.path().display());
        assert_eq!(
            h.glob(&pat),
            vec![dir.path().join("a.conf"), dir.path().join("c.conf")]
        );
        assert!(h.user_by_uid(0).is_some_and(|u| u.name == "root"));
        assert!(h.group_by_gid(0).is_some());
    }
}
