//! Old names of Python's `repr()` for log messages, kept for `capture.rs` until it calls
//! [`supervisor_core::pystr`] directly.

pub use supervisor_core::pystr::{py_repr as repr_str, py_repr_bytes as repr_bytes};
