//! What a managed process costs the machine: CPU time, resident memory, open files and the number
//! of processes of its whole tree (the process and every descendant still running), read from
//! `/proc` when someone asks.
//!
//! There is no sampler: each call scans `/proc` once (one `stat` read per process on the machine,
//! plus the `fd` directories of the trees asked about), so an idle daemon never wakes up for it,
//! and a scrape of 1000 processes costs a few milliseconds on a blocking thread, off the owner.
//! A process that exits between the listing and the reading simply has no numbers.

mod tree;

pub use tree::Usage;

use crate::procfs;

/// The usage of each tree rooted at `pids` (`None` for a pid that is 0 or no longer running), in
/// the order asked; the work runs on a blocking thread.
pub async fn sample(pids: Vec<u32>) -> Vec<Option<Usage>> {
    let count = pids.len();
    tokio::task::spawn_blocking(move || sample_now(&pids))
        .await
        .unwrap_or_else(|_| vec![None; count])
}

/// [`sample`], on the calling thread.
pub fn sample_now(pids: &[u32]) -> Vec<Option<Usage>> {
    if pids.iter().all(|pid| *pid == 0) {
        return vec![None; pids.len()];
    }
    let table = tree::Table::new(procfs::scan());
    let units = tree::Units::of_this_machine();
    pids.iter()
        .map(|&pid| {
            let pid = i32::try_from(pid).ok().filter(|p| *p > 0)?;
            let members = table.tree(pid)?;
            Some(units.usage(&members, true))
        })
        .collect()
}

/// The daemon's own usage: its CPU time, resident memory and open files, without its children.
pub fn own() -> Option<Usage> {
    let me = procfs::stat(std::process::id() as i32)?;
    Some(tree::Units::of_this_machine().usage(&[me], false))
}
