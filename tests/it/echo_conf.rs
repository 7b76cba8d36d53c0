//! `echo_supervisord_conf` against Python Supervisor 4.3.0's.
//!
//! Our sample explains things in its own words, but the facts must match Python's: the same
//! sections and option lines, commented out or not, with the same example values, in the same
//! order. The sample as shipped must also load, in our daemon and in Python's. Our own options
//! (`supervisor_config::EXTENSIONS`) are in it too, commented out, and set aside for the
//! comparison.
//!
//! The Python reference is `$SUPERVISOR_RS_VENV`, else `<repo>/.venv` (see `scripts/venv`).

use std::path::Path;
use std::process::Command;

use supervisor_config::extensions::Extension;
use supervisor_config::EXTENSIONS;

use crate::support::{py_echo_supervisord_conf, python, repo, ECHO_SUPERVISORD_CONF, SUPERVISORD};

/// What a sample configuration states: its section headers and option lines.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fact {
    /// `[name]`, or `;[name]` when commented out.
    Section { commented: bool, name: String },
    /// `key=value`, or `;key=value` when commented out; the value without its comment.
    Option {
        commented: bool,
        key: String,
        value: String,
    },
}

/// Reads the section headers and option lines of a sample, skipping prose comments.
fn facts(text: &str) -> Vec<Fact> {
    text.lines().filter_map(fact).collect()
}

fn fact(line: &str) -> Option<Fact> {
    let (commented, body) = match line.strip_prefix(';') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    if let Some(header) = body.strip_prefix('[') {
        let name = header.split_once(']')?.0.to_string();
        return Some(Fact::Section { commented, name });
    }
    // Option lines start with the key right after the optional ';'; prose comments start with
    // a space ("; The ...").
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let (key, rest) = body.split_once('=')?;
    let key = key.trim();
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    // As supervisord reads it: an inline comment starts at whitespace followed by ';' or '#'.
    let value = rest
        .char_indices()
        .find(|&(i, c)| (c == ';' || c == '#') && rest[..i].ends_with(|p: char| p.is_whitespace()))
        .map_or(rest, |(i, _)| &rest[..i]);
    Some(Fact::Option {
        commented,
        key: key.to_string(),
        value: value.trim().to_string(),
    })
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run the command");
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn ours() -> String {
    run(&mut Command::new(ECHO_SUPERVISORD_CONF))
}

#[test]
fn prints_the_library_sample() {
    assert_eq!(ours(), supervisor_config::SAMPLE_CONF);
}

/// The sample's facts without our extension options (commented out, each in its section),
/// and which extensions were found.
fn without_extensions(facts: Vec<Fact>) -> (Vec<Fact>, Vec<Extension>) {
    let mut kept = Vec::new();
    let mut found = Vec::new();
    let mut section = String::new();
    for fact in facts {
        if let Fact::Section { name, .. } = &fact {
            section = name.split(':').next().unwrap_or_default().to_string();
        }
        if let Fact::Option {
            commented: true,
            key,
            ..
        } = &fact
        {
            if let Some(e) = EXTENSIONS
                .iter()
                .find(|e| e.section == section && e.option == key)
            {
                found.push(*e);
                continue;
            }
        }
        kept.push(fact);
    }
    (kept, found)
}

#[test]
fn shows_every_extension_commented_out_in_its_section() {
    let (_, found) = without_extensions(facts(&ours()));
    let missing: Vec<&Extension> = EXTENSIONS.iter().filter(|e| !found.contains(e)).collect();
    assert!(missing.is_empty(), "not in the sample: {missing:#?}");
}

/// Every extension has a row in the README's table of opt-in options.
#[test]
fn every_extension_is_in_the_readme() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("read README.md");
    let table = readme
        .split("## Beyond Supervisor")
        .nth(1)
        .expect("README has a 'Beyond Supervisor' section");
    let missing: Vec<&Extension> = EXTENSIONS
        .iter()
        .filter(|e| {
            !table.lines().any(|l| {
                l.starts_with('|')
                    && l.contains(&format!("`{}`", e.option))
                    && l.contains(&format!("[{}", e.section))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not in the README's table: {missing:#?}"
    );
}

#[test]
fn states_the_same_sections_options_and_values_as_python() {
    let python = facts(&run(&mut Command::new(py_echo_supervisord_conf())));
    let (ours, _) = without_extensions(facts(&ours()));
    let only_python: Vec<&Fact> = python.iter().filter(|f| !ours.contains(f)).collect();
    let only_ours: Vec<&Fact> = ours.iter().filter(|f| !python.contains(f)).collect();
    assert!(
        only_python.is_empty() && only_ours.is_empty(),
        "the samples differ.\nonly in Python's: {only_python:#?}\nonly in ours: {only_ours:#?}"
    );
    assert_eq!(python, ours, "same lines, but in a different order");
    assert!(python.len() > 100, "too few facts read: {}", python.len());
}

/// Runs a config loader on the sample with a small fixed environment (the sample uses /tmp paths).
fn load(program: &Path, args: &[&str], sample: &Path) -> std::process::Output {
    let dir = sample.parent().expect("sample has a directory");
    Command::new(program)
        .args(args)
        .arg(sample)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir)
        .env("TMPDIR", dir)
        .env("LC_ALL", "C.UTF-8")
        .current_dir(dir)
        .output()
        .expect("run a config loader")
}

/// Whether a resolved-config JSON document says the file loaded.
fn loaded(stdout: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(stdout).is_ok_and(|v| v["ok"] == true)
}

#[test]
fn sample_as_shipped_loads_in_both() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let sample = dir.path().join("supervisord.conf");
    std::fs::write(&sample, ours()).expect("write the sample");

    let output = load(
        Path::new(SUPERVISORD),
        &["--check", "--json", "-c"],
        &sample,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && loaded(&output.stdout),
        "our supervisord rejects the sample ({}): {stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let oracle = repo().join("tests/config/oracle.py");
    let output = load(
        Path::new(python()),
        &[oracle.to_str().expect("UTF-8 path")],
        &sample,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && loaded(&output.stdout),
        "Python Supervisor rejects the sample: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn fact_reader_skips_prose_and_strips_comments() {
    assert_eq!(fact("; The [include] section reads = more"), None);
    assert_eq!(fact(";  - a=b ;note"), None);
    assert_eq!(
        fact(";[inet_http_server]         ; the TCP server"),
        Some(Fact::Section {
            commented: true,
            name: "inet_http_server".to_string()
        })
    );
    assert_eq!(
        fact("file=/tmp/supervisor.sock   ; the socket"),
        Some(Fact::Option {
            commented: false,
            key: "file".to_string(),
            value: "/tmp/supervisor.sock".to_string()
        })
    );
    assert_eq!(
        fact(";files = relative/directory/*.ini"),
        Some(Fact::Option {
            commented: true,
            key: "files".to_string(),
            value: "relative/directory/*.ini".to_string()
        })
    );
}
