//! Python formatting primitives the output depends on (`repr()` of a string, `int()` of a
//! string), shared with the config crate so both commands word things identically.

pub use supervisor_config::pystr::{py_int, py_repr};
