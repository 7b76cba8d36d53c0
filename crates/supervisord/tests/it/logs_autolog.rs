//! AUTO child log files: Supervisor's names, mode 0600, and the cleanup at startup.

use std::os::unix::fs::PermissionsExt;

use supervisord::logs::{clear_auto_child_logs, create_auto_log, is_auto_log_name};

#[test]
fn auto_log_is_created_empty_with_supervisors_name_and_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = create_auto_log(dir.path(), "sleeper", "stdout", "svtest").unwrap();
    assert_eq!(
        path.parent().unwrap(),
        dir.path().canonicalize().unwrap().as_path()
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    let random = name
        .strip_prefix("sleeper-stdout---svtest-")
        .and_then(|r| r.strip_suffix(".log"))
        .unwrap();
    assert_eq!(random.len(), 8);
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "{name}"
    );
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), 0);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // Two channels, two different files; both match the cleanup pattern.
    let other = create_auto_log(dir.path(), "sleeper", "stderr", "svtest").unwrap();
    assert_ne!(path, other);
    assert!(is_auto_log_name(path.file_name().unwrap(), "svtest"));
    assert!(!is_auto_log_name(path.file_name().unwrap(), "other"));
}

#[test]
fn childlogdir_is_normalised_like_abspath() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a");
    std::fs::create_dir(&nested).unwrap();
    let path = create_auto_log(&nested.join("../a/."), "p", "stdout", "id").unwrap();
    assert!(path.is_absolute());
    assert_eq!(path.parent().unwrap(), nested.as_path());
}

#[test]
fn missing_childlogdir_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = create_auto_log(&dir.path().join("missing"), "p", "stdout", "id").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn cleanup_removes_auto_logs_and_backups_of_this_identifier_only() {
    let dir = tempfile::tempdir().unwrap();
    let keep = [
        "supervisord.log",
        "app.log",
        "x-stdout---other-abcdefgh.log",
        "mine.log.1",
    ];
    let remove = [
        "x-stdout---svtest-abcdefgh.log",
        "x-stdout---svtest-abcdefgh.log.1",
        "y-stderr---svtest-q_1.log.12",
    ];
    for name in keep.iter().chain(&remove) {
        std::fs::write(dir.path().join(name), b"data").unwrap();
    }
    let warnings = clear_auto_child_logs(dir.path(), "svtest");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(left, want);
}

#[test]
fn cleanup_warnings_use_supervisors_texts() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        clear_auto_child_logs(&dir.path().join("gone"), "svtest"),
        ["Could not clear childlog dir"]
    );
    // A directory whose name matches cannot be removed as a file.
    let stuck = dir.path().join("d---svtest-xyz.log");
    std::fs::create_dir(&stuck).unwrap();
    assert_eq!(
        clear_auto_child_logs(dir.path(), "svtest"),
        [format!("Failed to clean up '{}'", stuck.display())]
    );
}
