//! Shared fixtures of the section tests: a fake host with a few users and directories, a fixed
//! load context, and helpers that load a config text and pick out what a test looks at.

#![allow(dead_code)] // each area uses a different subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use supervisor_config::host::FakeHost;
use supervisor_config::{load, resolved, Diagnostic, Diagnostics, LoadContext, Loaded};

/// Where test configs live.
pub const CONF: &str = "/etc/sv/supervisord.conf";

/// A host with `/etc/sv`, `/tmp`, `/var/log`, users root/alice/bob and groups root/wheel/staff.
pub fn host() -> FakeHost {
    FakeHost::new()
        .dir("/etc/sv")
        .dir("/tmp")
        .dir("/var/log")
        .dir("/srv/app")
        .dir("/root")
        .user("root", 0, 0, "/root")
        .user("alice", 1000, 100, "/home/alice")
        .user("bob", 1001, 101, "/home/bob")
        .group("root", 0)
        .group("wheel", 10)
        .group("staff", 100)
        .home("/root")
}

/// A fixed context: two environment variables, host `node1`, cwd `/work`, tmpdir `/tmp`, root.
pub fn ctx() -> LoadContext {
    LoadContext {
        environment: BTreeMap::from([
            ("FOO".to_string(), "foo-value".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ]),
        host_node_name: "node1".to_string(),
        cwd: PathBuf::from("/work"),
        tmpdir: PathBuf::from("/tmp"),
        euid: 0,
    }
}

/// Loads `text` as [`CONF`] on `host`.
pub fn load_on(host: FakeHost, text: &str) -> Result<Loaded, Diagnostics> {
    let host = host.file(CONF, text);
    load(Path::new(CONF), &ctx(), &host)
}

/// Loads `text` as [`CONF`] on the default [`host`].
pub fn load_text(text: &str) -> Result<Loaded, Diagnostics> {
    load_on(host(), text)
}

/// Loads `text`, which must be valid.
pub fn ok(text: &str) -> Loaded {
    match load_text(text) {
        Ok(l) => l,
        Err(d) => panic!("expected the config to load, got:\n{d}\n--- config:\n{text}"),
    }
}

/// Loads `text`, which must be rejected.
pub fn errors(text: &str) -> Vec<Diagnostic> {
    errors_on(host(), text)
}

/// Loads `text` on `host`; it must be rejected.
pub fn errors_on(host: FakeHost, text: &str) -> Vec<Diagnostic> {
    match load_on(host, text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(d) => d.errors,
    }
}

/// The resolved JSON of a valid config.
pub fn json(text: &str) -> Value {
    resolved::to_json(&ok(text).config)
}

/// A config with an empty `[supervisord]` and `[program:p]` with `command=/bin/p` then `extra`
/// (the line of the first `extra` line is 4).
pub fn program_conf(extra: &str) -> String {
    format!("[supervisord]\n[program:p]\ncommand=/bin/p\n{extra}\n")
}

/// The JSON of the one process of [`program_conf`].
pub fn process_json(extra: &str) -> Value {
    json(&program_conf(extra))["groups"][0]["processes"][0].clone()
}

/// The messages of a list of diagnostics.
pub fn messages(list: &[Diagnostic]) -> Vec<String> {
    list.iter().map(|d| d.message.clone()).collect()
}

/// The `Available names` list of a per-process option in [`program_conf`] under [`ctx`].
pub const PROCESS_NAMES: &str = "ENV_FOO, ENV_HOME, group_name, here, host_node_name, numprocs, \
                                 process_num, program_name";
