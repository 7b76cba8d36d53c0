//! Differential test of the configuration loader against Python Supervisor 4.3.0.
//!
//! Every `tests/config/corpus/*.conf` is resolved twice: by Python Supervisor's own loader
//! (`tests/config/oracle.py`, one Python process for the whole corpus) and by our
//! `supervisord --check --json -c FILE`. Both run with the same cleared environment and working
//! directory, and both print the JSON described in `docs/resolved-config.md`.
//!
//! - Valid files must resolve to the same JSON, field by field; each of Python's parse warnings
//!   must also be among ours (we warn about more, e.g. unknown options).
//! - Files named `bad_*.conf` must be rejected by both; Python's single message (without its
//!   ` in section …` suffix) must be one of ours, in the same section, and ours must name the
//!   file and line.
//! - Files listed in `tests/config/corpus/EXPECTED_DIFFERENCES.md` (`q*.conf`) exercise quirks
//!   we fix on purpose; each side must behave exactly as that table says.
//!
//! The Python reference is `$SUPERVISOR_RS_VENV/bin/python`, else `<repo>/.venv/bin/python`
//! (created by `scripts/venv`).

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{python, repo, SUPERVISORD};

/// Python messages about the configuration as a whole, for which no line (or file) is named.
const FILE_LEVEL_MESSAGES: &[&str] = &[".ini file does not include supervisord section"];

/// At most this many differing fields are printed per file.
const MAX_DIFFS_PER_FILE: usize = 8;

fn corpus_dir() -> PathBuf {
    repo().join("tests/config/corpus")
}

/// The top-level configuration files of the corpus, sorted (included files live in subfolders).
fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("read tests/config/corpus")
        .map(|entry| entry.expect("read a corpus entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "conf") && path.is_file())
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("corpus file has a name")
        .to_string_lossy()
        .into_owned()
}

/// A scratch HOME, TMPDIR and working directory, and the one environment both sides run in.
struct Sandbox {
    _root: tempfile::TempDir,
    cwd: PathBuf,
    vars: Vec<(&'static str, String)>,
}

impl Sandbox {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("create a temporary directory");
        let home = root.path().join("home");
        let tmp = root.path().join("tmp");
        let cwd = root.path().join("cwd");
        for dir in [&home, &tmp, &cwd] {
            std::fs::create_dir(dir).expect("create a sandbox directory");
        }
        let vars = vec![
            ("PATH", "/usr/local/bin:/usr/bin:/bin".to_string()),
            ("HOME", home.to_string_lossy().into_owned()),
            // The default childlogdir is Python's tempfile.gettempdir(), i.e. $TMPDIR.
            ("TMPDIR", tmp.to_string_lossy().into_owned()),
            // Set so that Python does not coerce the C locale by adding LC_CTYPE to its own
            // environment, which would show up as an extra ENV_LC_CTYPE expansion.
            ("LC_ALL", "C.UTF-8".to_string()),
            // Read by the corpus through %(ENV_…)s.
            ("FOO", "foo-value".to_string()),
            ("BAR", "bar value".to_string()),
            ("NUM", "42".to_string()),
            ("PORT", "9101".to_string()),
            ("PCT", "50%".to_string()),
        ];
        Sandbox {
            _root: root,
            cwd,
            vars,
        }
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.cwd);
        command
    }
}

/// Resolves every file with Python Supervisor, in one Python process.
fn run_oracle(sandbox: &Sandbox, files: &[PathBuf]) -> Vec<Value> {
    let output = sandbox
        .command(Path::new(python()))
        .arg(repo().join("tests/config/oracle.py"))
        .args(files)
        .output()
        .expect("run tests/config/oracle.py");
    assert!(
        output.status.success(),
        "oracle.py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("oracle output is UTF-8");
    let results: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("oracle prints one JSON object per line"))
        .collect();
    assert_eq!(results.len(), files.len(), "one oracle result per file");
    results
}

/// Resolves one file with our `supervisord --check --json`.
fn run_ours(sandbox: &Sandbox, file: &Path) -> Result<Value, String> {
    let output = sandbox
        .command(Path::new(SUPERVISORD))
        .args(["--check", "--json", "-c"])
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run supervisord: {e}"))?;
    let describe = || {
        format!(
            "{}; stdout: {:?}; stderr: {:?}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    let value: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "`supervisord --check --json` did not print JSON ({e}); {}",
            describe()
        )
    })?;
    match (
        value.get("ok").and_then(Value::as_bool),
        output.status.code(),
    ) {
        (Some(true), Some(0)) | (Some(false), Some(2)) => Ok(value),
        _ => Err(format!(
            "`ok` must be true with exit 0 or false with exit 2; {}",
            describe()
        )),
    }
}

/// Puts fields whose order carries no meaning into one order. Python keeps a listener's events
/// in a set, so their order is arbitrary there.
fn normalize(value: &mut Value) {
    let Some(groups) = value.get_mut("groups").and_then(Value::as_array_mut) else {
        return;
    };
    for group in groups {
        if let Some(events) = group.get_mut("pool_events").and_then(Value::as_array_mut) {
            events.sort_by_key(ToString::to_string);
        }
    }
}

/// Appends one line per differing field of `ours` against `python`, naming its JSON path.
fn diff(path: &str, python: &Value, ours: &Value, out: &mut Vec<String>) {
    match (python, ours) {
        (Value::Object(py), Value::Object(rs)) => {
            for (key, py_value) in py {
                let sub = format!("{path}.{key}");
                match rs.get(key) {
                    Some(rs_value) => diff(&sub, py_value, rs_value, out),
                    None => out.push(format!("{sub}: missing in ours (Python: {py_value})")),
                }
            }
            for (key, rs_value) in rs {
                // Our opt-in options (docs/resolved-config.md): Python has no such key.
                if !py.contains_key(key) && key != "extensions" {
                    out.push(format!(
                        "{path}.{key}: not in Python's output (ours: {rs_value})"
                    ));
                }
            }
        }
        (Value::Array(py), Value::Array(rs)) => {
            if py.len() != rs.len() {
                out.push(format!(
                    "{path}: Python has {} items {}, ours {} items {}",
                    py.len(),
                    names(py),
                    rs.len(),
                    names(rs)
                ));
            }
            for (i, (py_item, rs_item)) in py.iter().zip(rs).enumerate() {
                let label = match py_item.get("name").and_then(Value::as_str) {
                    Some(name) => format!("{path}[{i}]({name})"),
                    None => format!("{path}[{i}]"),
                };
                diff(&label, py_item, rs_item, out);
            }
        }
        _ if python == ours => {}
        _ => out.push(format!("{path}: Python {python} ≠ ours {ours}")),
    }
}

/// The `name` fields of a list of objects, to show which items a length mismatch is about.
fn names(items: &[Value]) -> String {
    let names: Vec<&str> = items
        .iter()
        .filter_map(|item| item.get("name").and_then(Value::as_str))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("{names:?}")
    }
}

/// Turns a path as [`diff`] prints it (`.groups[0](web).name`) into the `.`-separated form of
/// EXPECTED_DIFFERENCES.md (`groups.0.name`).
fn plain_path(printed: &str) -> String {
    let mut plain = String::new();
    let mut in_name = false;
    for c in printed.chars() {
        match c {
            '(' if !in_name => in_name = true,
            ')' if in_name => in_name = false,
            _ if in_name => {}
            '[' => plain.push('.'),
            ']' => {}
            _ => plain.push(c),
        }
    }
    plain.trim_start_matches('.').to_string()
}

/// The line number Python quotes in a parse error (`[line  5]` or `line: 5`), if any.
fn quoted_line(message: &str) -> Option<u64> {
    let rest = message
        .split_once("[line")
        .or_else(|| message.split_once(", line:"))?
        .1;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn errors_of(result: &Value) -> &[Value] {
    result
        .get("errors")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// All the text an error shows a user: its message and, if ours carries one, its hint.
fn error_text(error: &Value) -> String {
    let mut text = error["message"].as_str().unwrap_or_default().to_string();
    if let Some(hint) = error.get("hint").and_then(Value::as_str) {
        text.push(' ');
        text.push_str(hint);
    }
    text
}

fn warnings_of(result: &Value) -> &[Value] {
    result
        .get("warnings")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Both loaded the file: every Python parse warning must be among ours (which may warn about
/// more, e.g. unknown options), naming its line; everything else must be equal.
fn compare_loaded(mut python: Value, mut ours: Value, out: &mut Vec<String>) {
    let py_warnings = python
        .as_object_mut()
        .and_then(|o| o.remove("warnings"))
        .unwrap_or_default();
    let rs_warnings = ours
        .as_object_mut()
        .and_then(|o| o.remove("warnings"))
        .unwrap_or_default();
    for warning in py_warnings.as_array().map_or(&[][..], Vec::as_slice) {
        let message = warning["message"].as_str().unwrap_or_default();
        let rs = rs_warnings.as_array().map_or(&[][..], Vec::as_slice);
        match rs
            .iter()
            .find(|w| w["message"].as_str().unwrap_or_default().contains(message))
        {
            None => {
                let listed: Vec<String> = rs.iter().map(error_text).collect();
                out.push(format!(
                    "Python's warning is not among ours.\n    Python: {message:?}\n    ours:   {listed:#?}"
                ));
            }
            Some(w) if !w["line"].is_u64() => out.push(format!("our warning names no line: {w}")),
            Some(_) => {}
        }
    }
    diff("", &python, &ours, out);
}

/// Both rejected the file: checks that Python's message is among ours, at the right place.
fn compare_errors(python: &Value, ours: &Value, out: &mut Vec<String>) {
    let Some(py_error) = errors_of(python).first() else {
        out.push("Python's result has no error".to_string());
        return;
    };
    let message = py_error["message"].as_str().unwrap_or_default();
    let Some(ours) = errors_of(ours)
        .iter()
        .find(|e| e["message"].as_str().unwrap_or_default().contains(message))
    else {
        let listed: Vec<String> = errors_of(ours).iter().map(error_text).collect();
        out.push(format!(
            "Python's message is not among ours.\n    Python: {message:?}\n    ours:   {listed:#?}"
        ));
        return;
    };
    let file_level = FILE_LEVEL_MESSAGES.contains(&message);
    if !file_level && !ours["line"].is_u64() {
        out.push(format!("our error names no line: {ours}"));
    }
    if !file_level
        && !ours["file"]
            .as_str()
            .is_some_and(|f| Path::new(f).is_absolute())
    {
        out.push(format!("our error names no absolute file: {ours}"));
    }
    if let Some(line) = quoted_line(message) {
        if ours["line"].as_u64() != Some(line) {
            out.push(format!(
                "Python quotes line {line}, ours says {}",
                ours["line"]
            ));
        }
    }
    // Python's suffix also names a file, but it is the file where the section was first
    // defined, while ours is the file holding the offending line (they differ when an included
    // file adds to a section), so only the section is compared.
    if !py_error["section"].is_null() && py_error["section"] != ours["section"] {
        out.push(format!(
            "section: Python {} ≠ ours {}",
            py_error["section"], ours["section"]
        ));
    }
}

/// What one side must do with a file listed in EXPECTED_DIFFERENCES.md.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Loads, and passes each check.
    Ok(Vec<Check>),
    /// Is rejected with an error containing this text.
    Error(String),
}

/// A check on a loaded file, from EXPECTED_DIFFERENCES.md.
#[derive(Debug, PartialEq)]
enum Check {
    /// ```PATH` = `JSON```: the value at the path.
    Field(String, Value),
    /// ``warning: `TEXT```: a warning containing the text.
    Warning(String),
}

/// One row of EXPECTED_DIFFERENCES.md.
#[derive(Debug)]
struct Expectation {
    python: Outcome,
    ours: Outcome,
}

/// The texts between pairs of backticks, in order.
fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

fn parse_outcome(cell: &str) -> Outcome {
    let cell = cell.trim();
    if let Some(rest) = cell.strip_prefix("error:") {
        let text = backticked(rest);
        assert_eq!(text.len(), 1, "`error:` takes one `TEXT`: {cell}");
        return Outcome::Error(text[0].to_string());
    }
    let rest = cell
        .strip_prefix("ok")
        .unwrap_or_else(|| panic!("an outcome is `ok…` or `error: …`: {cell}"));
    let checks = rest
        .trim_start_matches(':')
        .split(';')
        .filter(|check| !check.trim().is_empty())
        .map(
            |check| match (check.trim().starts_with("warning:"), &backticked(check)[..]) {
                (true, [text]) => Check::Warning(text.to_string()),
                (false, [path, json]) => Check::Field(
                    path.to_string(),
                    serde_json::from_str(json)
                        .unwrap_or_else(|e| panic!("bad JSON {json:?} in {cell}: {e}")),
                ),
                _ => panic!("a check is `PATH` = `JSON` or warning: `TEXT`: {check}"),
            },
        )
        .collect();
    Outcome::Ok(checks)
}

/// Reads the table of EXPECTED_DIFFERENCES.md, keyed by file name.
fn parse_expectations(markdown: &str) -> BTreeMap<String, Expectation> {
    markdown
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            assert!(
                cells.len() >= 6,
                "a row has File, Quirk, Python, Ours, Why: {line}"
            );
            let file = backticked(cells[1])[0].to_string();
            let expectation = Expectation {
                python: parse_outcome(cells[3]),
                ours: parse_outcome(cells[4]),
            };
            (file, expectation)
        })
        .collect()
}

fn expectations() -> BTreeMap<String, Expectation> {
    let text = std::fs::read_to_string(corpus_dir().join("EXPECTED_DIFFERENCES.md"))
        .expect("read EXPECTED_DIFFERENCES.md");
    parse_expectations(&text)
}

/// Looks up a `.`-separated path of object keys and list indices.
fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| match v {
        Value::Array(items) => items.get(part.parse::<usize>().ok()?),
        _ => v.get(part),
    })
}

/// Checks one side's result against its expected outcome.
fn check_outcome(side: &str, expected: &Outcome, actual: &Value, out: &mut Vec<String>) {
    let ok = actual["ok"].as_bool() == Some(true);
    match expected {
        Outcome::Ok(checks) => {
            if !ok {
                let listed: Vec<String> = errors_of(actual).iter().map(error_text).collect();
                out.push(format!("{side} should load it but rejects it: {listed:?}"));
                return;
            }
            for check in checks {
                match check {
                    Check::Field(path, want) => {
                        let got = lookup(actual, path);
                        if got != Some(want) {
                            out.push(format!("{side}: {path} should be {want}, is {got:?}"));
                        }
                    }
                    Check::Warning(text) => {
                        let warnings = warnings_of(actual);
                        if !warnings.iter().any(|w| error_text(w).contains(text)) {
                            let listed: Vec<String> = warnings.iter().map(error_text).collect();
                            out.push(format!("{side}: no warning mentions {text:?}: {listed:#?}"));
                        }
                    }
                }
            }
        }
        Outcome::Error(text) => {
            if ok {
                out.push(format!(
                    "{side} should reject it (with {text:?}) but loads it"
                ));
                return;
            }
            let found = errors_of(actual)
                .iter()
                .find(|e| error_text(e).contains(text));
            match found {
                None => {
                    let listed: Vec<String> = errors_of(actual).iter().map(error_text).collect();
                    out.push(format!("{side}: no error mentions {text:?}: {listed:#?}"));
                }
                Some(error) if side == "ours" && !error["line"].is_u64() => {
                    out.push(format!("ours: the error names no line: {error}"));
                }
                Some(_) => {}
            }
        }
    }
}

/// Compares one file; returns what differs (empty when the file passes).
fn compare_file(
    name: &str,
    python: &Value,
    ours: Result<Value, String>,
    expected: Option<&Expectation>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut ours = match ours {
        Ok(value) => value,
        Err(problem) => return vec![problem],
    };
    let mut python = python.clone();
    normalize(&mut python);
    normalize(&mut ours);
    let py_ok = python["ok"].as_bool() == Some(true);
    let rs_ok = ours["ok"].as_bool() == Some(true);
    if let Some(expected) = expected {
        check_outcome("Python", &expected.python, &python, &mut out);
        check_outcome("ours", &expected.ours, &ours, &mut out);
        if py_ok && rs_ok && out.is_empty() {
            // Both load it: everything the row does not talk about must still be equal.
            let named = [&expected.python, &expected.ours]
                .into_iter()
                .filter_map(|outcome| match outcome {
                    Outcome::Ok(checks) => Some(checks.iter().filter_map(|check| match check {
                        Check::Field(path, _) => Some(path.as_str()),
                        Check::Warning(_) => None,
                    })),
                    Outcome::Error(_) => None,
                })
                .flatten()
                .collect::<Vec<&str>>();
            let mut diffs = Vec::new();
            compare_loaded(python, ours, &mut diffs);
            out.extend(diffs.into_iter().filter(|d| {
                let path = plain_path(d.split_once(": ").map_or(d.as_str(), |(p, _)| p));
                !named.iter().any(|n| path == *n)
            }));
        }
    } else if name.starts_with("bad_") {
        match (py_ok, rs_ok) {
            (true, _) => out.push("corpus error: Python accepts this bad_ file".to_string()),
            (false, true) => out.push(format!(
                "ours accepts it; Python rejects it with {:?}",
                errors_of(&python)
                    .first()
                    .map(error_text)
                    .unwrap_or_default()
            )),
            (false, false) => compare_errors(&python, &ours, &mut out),
        }
    } else {
        match (py_ok, rs_ok) {
            (false, _) => out.push(format!(
                "corpus error: Python rejects this file (name it bad_*.conf if meant): {:?}",
                errors_of(&python)
                    .first()
                    .map(error_text)
                    .unwrap_or_default()
            )),
            (true, false) => {
                let listed: Vec<String> = errors_of(&ours).iter().map(error_text).collect();
                out.push(format!("ours rejects it, Python loads it: {listed:#?}"));
            }
            (true, true) => compare_loaded(python, ours, &mut out),
        }
    }
    out
}

#[test]
fn corpus_resolves_like_python_supervisor() {
    let files = corpus_files();
    let expected = expectations();
    let sandbox = Sandbox::new();
    let python_results = run_oracle(&sandbox, &files);

    let mut report = String::new();
    let mut failed = 0;
    for (file, python) in files.iter().zip(&python_results) {
        let name = file_name(file);
        let ours = run_ours(&sandbox, file);
        let problems = compare_file(&name, python, ours, expected.get(&name));
        if !problems.is_empty() {
            failed += 1;
            let _ = writeln!(report, "\n== {} ==", file.display());
            for problem in problems.iter().take(MAX_DIFFS_PER_FILE) {
                let _ = writeln!(report, "  {problem}");
            }
            if problems.len() > MAX_DIFFS_PER_FILE {
                let _ = writeln!(
                    report,
                    "  … and {} more",
                    problems.len() - MAX_DIFFS_PER_FILE
                );
            }
        }
    }
    assert!(
        failed == 0,
        "{failed} of {} corpus files differ from Python Supervisor:\n{report}",
        files.len()
    );
}

#[test]
fn corpus_is_large_and_expectations_name_real_files() {
    let files: Vec<String> = corpus_files().iter().map(|f| file_name(f)).collect();
    let expected = expectations();
    let bad = files.iter().filter(|f| f.starts_with("bad_")).count();
    let valid = files.len() - bad - expected.len();
    assert!(
        valid >= 45,
        "only {valid} valid configurations in the corpus"
    );
    assert!(bad >= 12, "only {bad} invalid configurations in the corpus");
    for name in expected.keys() {
        assert!(
            files.contains(name),
            "EXPECTED_DIFFERENCES.md names a missing file {name}"
        );
    }
    for name in files.iter().filter(|f| f.starts_with('q')) {
        assert!(
            expected.contains_key(name),
            "quirk file {name} has no expectation row"
        );
    }
}

#[test]
fn expectation_cells_parse() {
    assert_eq!(parse_outcome("ok"), Outcome::Ok(vec![]));
    assert_eq!(
        parse_outcome("error: `bad name 'x'`"),
        Outcome::Error("bad name 'x'".to_string())
    );
    assert_eq!(
        parse_outcome("ok: `a.0.b` = `\"x\"`; `c` = `7`; warning: `cut`"),
        Outcome::Ok(vec![
            Check::Field("a.0.b".to_string(), Value::from("x")),
            Check::Field("c".to_string(), Value::from(7)),
            Check::Warning("cut".to_string()),
        ])
    );
    assert_eq!(
        plain_path(".groups[1](web).processes[0](web_00).environment.A"),
        "groups.1.processes.0.environment.A"
    );
    let value: Value = serde_json::json!({"a": [{"b": "x"}], "c": 7});
    assert_eq!(lookup(&value, "a.0.b"), Some(&Value::from("x")));
    assert_eq!(lookup(&value, "a.1.b"), None);
}

#[test]
fn diff_names_the_json_path_of_each_difference() {
    let python = serde_json::json!({
        "ok": true,
        "groups": [{"name": "web", "processes": [{"name": "web_00", "command": "a", "uid": null}]}],
    });
    let ours = serde_json::json!({
        "ok": true,
        "groups": [{"name": "web", "processes": [{"name": "web_00", "command": "b", "extra": 1}]}],
    });
    let mut out = Vec::new();
    diff("", &python, &ours, &mut out);
    assert_eq!(
        out,
        [
            ".groups[0](web).processes[0](web_00).command: Python \"a\" ≠ ours \"b\"",
            ".groups[0](web).processes[0](web_00).uid: missing in ours (Python: null)",
            ".groups[0](web).processes[0](web_00).extra: not in Python's output (ours: 1)",
        ]
    );
}

#[test]
fn python_warnings_must_be_among_ours_with_a_line() {
    let python = serde_json::json!({"ok": true, "warnings": [{"message": "No file matches"}]});
    let good = serde_json::json!({"ok": true, "warnings": [
        {"message": "unknown option x is ignored", "line": 3},
        {"message": "No file matches", "line": 8},
    ]});
    let mut out = Vec::new();
    compare_loaded(python.clone(), good, &mut out);
    assert!(out.is_empty(), "{out:?}");
    let no_line = serde_json::json!({"ok": true, "warnings": [{"message": "No file matches"}]});
    compare_loaded(python.clone(), no_line, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(out[0].starts_with("our warning names no line"), "{out:?}");
    out.clear();
    compare_loaded(python, serde_json::json!({"ok": true}), &mut out);
    assert!(
        out[0].starts_with("Python's warning is not among ours"),
        "{out:?}"
    );
}

#[test]
fn error_comparison_requires_python_message_and_line() {
    let python = serde_json::json!({"ok": false, "errors": [{
        "message": "Source contains parsing errors: '/c.conf'\n\t[line  5]: 'x\\n'",
        "file": null, "line": null, "section": null, "option": null}]});
    let good = serde_json::json!({"ok": false, "errors": [{
        "message": "Source contains parsing errors: '/c.conf'\n\t[line  5]: 'x\\n'",
        "file": "/c.conf", "line": 5, "section": null, "option": null}]});
    let wrong_line = serde_json::json!({"ok": false, "errors": [{
        "message": "Source contains parsing errors: '/c.conf'\n\t[line  5]: 'x\\n'",
        "file": "/c.conf", "line": 4, "section": null, "option": null}]});
    let other = serde_json::json!({"ok": false, "errors": [{
        "message": "something else", "file": "/c.conf", "line": 5}]});
    let mut out = Vec::new();
    compare_errors(&python, &good, &mut out);
    assert!(out.is_empty(), "{out:?}");
    compare_errors(&python, &wrong_line, &mut out);
    assert_eq!(out, ["Python quotes line 5, ours says 4"]);
    out.clear();
    compare_errors(&python, &other, &mut out);
    assert!(
        out[0].starts_with("Python's message is not among ours"),
        "{out:?}"
    );
}
