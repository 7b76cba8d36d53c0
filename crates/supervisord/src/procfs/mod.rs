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

/// Reads `stat` with one `read(2)` into a stack buffer: a scan reads one per process on the
/// machine, and `std::fs::read` would add a `statx` and a second `read` to each, which on a
/// virtual machine is most of a scrape's cost.
fn read_stat(pid: i32, dir: &Path) -> Option<Stat> {
    let mut file = std::fs::File::open(dir.join("stat")).ok()?;
    let mut buf = [0u8; 1024];
    let n = read_retrying(&mut file, &mut buf)?;
    if n < buf.len() {
        return Stat::parse(pid, &buf[..n]);
    }
    // A record longer than the buffer (never seen: about 300 bytes is usual): read the rest.
    let mut text = buf.to_vec();
    std::io::Read::read_to_end(&mut file, &mut text).ok()?;
    Stat::parse(pid, &text)
}

fn read_retrying(file: &mut std::fs::File, buf: &mut [u8]) -> Option<usize> {
    loop {
        match std::io::Read::read(file, buf) {
            Ok(n) => return Some(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

/// How many file descriptors a process has open; `None` when it is gone, or, on kernels before
/// 6.2, when we may not look (another user's process while the daemon is not root).
///
/// Linux 6.2 and later report the count as the size of `/proc/PID/fd` to anyone, one `statx`
/// instead of listing the directory; older kernels report 0 there, and then the entries are
/// counted.
pub fn open_fds(pid: i32) -> Option<u64> {
    let dir = Path::new("/proc").join(pid.to_string()).join("fd");
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.len() > 0 => Some(meta.len()),
        Ok(_) => Some(std::fs::read_dir(&dir).ok()?.count() as u64),
        Err(_) => None,
    }
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
