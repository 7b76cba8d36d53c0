//! The `resources` of each process object: CPU, memory, open files and process count of its
//! whole tree.
//!
//! Placeholder until `crate::resources` (which samples `/proc` on a blocking thread) is
//! merged: [`resources_of`] is the one place that will call `crate::resources::sample`, and
//! [`Usage`] will become that module's type. Until then every process reports `null`, which
//! the OpenAPI document allows (the key is a nullable object).

use serde::Serialize;

/// Resource use of one process tree (the shape `crate::resources::Usage` will have).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Usage {
    /// User plus system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident memory, in bytes.
    pub rss_bytes: u64,
    /// Open file descriptors; `None` when they cannot be counted (another user's process).
    pub open_fds: Option<u64>,
    /// How many processes the tree has.
    pub processes: u32,
}

/// The resource use of each pid's tree, in order; `None` for pid 0 (not running) or a pid
/// that could not be read.
pub async fn resources_of(pids: Vec<u32>) -> Vec<Option<Usage>> {
    // Wired to `crate::resources::sample(pids)` when that module lands.
    vec![None; pids.len()]
}
