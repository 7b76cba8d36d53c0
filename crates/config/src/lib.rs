//! supervisord.conf: Supervisor's INI dialect, expansion, typed options and validation.
//!
//! Layout, from text to typed data:
//!
//! - [`ini`] reads Python `RawConfigParser`'s dialect into a [`ini::Document`] that remembers
//!   the file and line of every key; `include` merges `[include] files=` into it.
//! - [`expand`], [`shlex`] and [`types`] are Supervisor's `%(name)s` expansion, its shell-like
//!   splitting and its value converters, each with Python's messages.
//! - `sections` reads each section kind into the typed [`model::Config`], in Python's order,
//!   collecting every problem as a [`error::Diagnostic`] instead of stopping at the first.
//! - [`load::load`] (supervisord) and [`load::load_ctl`] (supervisorctl) are the entry points,
//!   and [`runtime_program`] reads a program described at run time (twiddler's
//!   `addProgramToGroup`); [`discovery`] finds the file when `-c` is not given; [`resolved`] renders the result for
//!   `supervisord --check` (text, and the JSON of docs/resolved-config.md).
//!
//! Nothing here touches the file system or the user database except through [`host::Host`].

#![forbid(unsafe_code)]

mod include;
mod sample;
mod sections;

pub mod discovery;
pub mod error;
pub mod extensions;
pub mod load;
pub mod model;
mod order;
pub mod resolved;
pub mod runtime_program;

pub use error::{Diagnostic, Diagnostics, Severity};
pub use extensions::EXTENSIONS;
pub use load::{load, load_ctl, LoadContext, Loaded};
pub use model::Config;
pub use sample::SAMPLE_CONF;
pub mod expand;
pub mod host;
pub mod ini;
pub mod shlex;
pub mod types;
