//! Reading Linux's `/proc`: one parser for `/proc/PID/stat` and one scan of every process, shared
//! by the daemonizing-program hint (`spawn/survivors.rs`) and resource use (`crate::resources`).
//!
//! Every reader tolerates processes that vanish between listing `/proc` and reading their files:
//! such a process is simply absent from the result.

mod stat;

pub use stat::Stat;

use std::path::Path;

/// Every process visible in `/proc` (zombies included: their CPU time still counts until they
/// are reaped), in no particular order.
pub fn scan() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let entry = entry.ok()?;
        let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
        read_stat(pid, &entry.path())
    })
    .collect()
}

/// One process's `stat`, or `None` if it is gone (or `/proc` is not Linux's).
pub fn stat(pid: i32) -> Option<Stat> {
    read_stat(pid, &Path::new("/proc").join(pid.to_string()))
}

fn read_stat(pid: i32, dir: &Path) -> Option<Stat> {
    let text = std::fs::read(dir.join("stat")).ok()?;
    Stat::parse(pid, &text)
}

/// How many file descriptors a process has open (entries of `/proc/PID/fd`); `None` when it is
/// gone or we may not look (another user's process when the daemon is not root).
pub fn open_fds(pid: i32) -> Option<u64> {
    let dir = std::fs::read_dir(Path::new("/proc").join(pid.to_string()).join("fd")).ok()?;
    Some(dir.count() as u64)
}

/// Clock ticks per second, the unit of `/proc`'s CPU times (100 on every Linux we know of).
pub fn ticks_per_second() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|hz| u64::try_from(hz).ok())
        .filter(|hz| *hz > 0)
        .unwrap_or(100)
}

/// The size of a memory page, the unit of `/proc`'s resident set sizes.
pub fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|size| u64::try_from(size).ok())
        .filter(|size| *size > 0)
        .unwrap_or(4096)
}
