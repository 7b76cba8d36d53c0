//! supervisord's own log: line format, level filtering, rotation, clear, and the buffering of
//! records logged before the logger exists. (The global logger is process-wide, so everything
//! touching it is one test in its own binary.)

use std::path::Path;

use supervisord::logs::daemon_log::{self, DaemonLog, DaemonLogConfig, LogLevel, LogTarget};
use supervisord::logs::{CaptureConfig, Channel, ClearLogError, OutputProcessor};

fn file_config(path: &Path, level: LogLevel, maxbytes: u64, backups: u32) -> DaemonLogConfig {
    DaemonLogConfig {
        level,
        target: LogTarget::File {
            path: path.to_path_buf(),
            maxbytes,
            backups,
        },
        echo_stdout: false,
    }
}

/// Checks `YYYY-MM-DD HH:MM:SS,mmm ` and returns the rest of the line.
fn strip_timestamp(line: &str) -> &str {
    let b = line.as_bytes();
    assert!(b.len() > 24, "short line {line:?}");
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];
    assert!(
        digits.iter().all(|&i| b[i].is_ascii_digit()),
        "bad timestamp in {line:?}"
    );
    assert_eq!(
        (b[4], b[7], b[10], b[13], b[16], b[19], b[23]),
        (b'-', b'-', b' ', b':', b':', b',', b' '),
        "{line:?}"
    );
    &line[24..]
}

fn messages(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| strip_timestamp(l).to_string())
        .collect()
}

#[test]
fn daemon_log_behaviour() {
    let dir = tempfile::tempdir().unwrap();

    // Line format and level filtering on a plain logger.
    let path = dir.path().join("plain.log");
    let mut log = DaemonLog::open(&file_config(&path, LogLevel::Info, 0, 0)).unwrap();
    for level in LogLevel::ALL {
        log.log(level, &format!("at {}", level.as_str()));
    }
    log.log(LogLevel::Debug, "dropped");
    log.log(LogLevel::Info, "spawned: 'x' with pid 123");
    log.log(LogLevel::Debug, "not at info");
    log.log(LogLevel::Info, "'printer' stdout output:\nhello\n");
    assert_eq!(
        std::fs::read_to_string(&path)
            .unwrap()
            .matches('\n')
            .count(),
        8
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let first_lines: Vec<&str> = text.lines().take(5).map(strip_timestamp).collect();
    assert_eq!(
        first_lines,
        [
            "CRIT at critical",
            "ERRO at error",
            "WARN at warn",
            "INFO at info",
            "INFO spawned: 'x' with pid 123"
        ]
    );
    // Multi-line messages are written as they are: continuation lines have no prefix.
    assert!(
        text.ends_with(" INFO 'printer' stdout output:\nhello\n\n"),
        "{text:?}"
    );

    // blather lets everything through.
    let all = dir.path().join("all.log");
    let mut log = DaemonLog::open(&file_config(&all, LogLevel::Blather, 0, 0)).unwrap();
    for level in LogLevel::ALL {
        log.log(level, "m");
    }
    let tags: Vec<String> = messages(&all).iter().map(|m| m[..4].to_string()).collect();
    assert_eq!(
        tags,
        ["CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"]
    );

    // logfile_maxbytes / logfile_backups rotate the main log.
    let rot = dir.path().join("rot.log");
    let mut log = DaemonLog::open(&file_config(&rot, LogLevel::Info, 200, 1)).unwrap();
    for i in 0..20 {
        log.log(LogLevel::Info, &format!("line {i}"));
    }
    assert!(dir.path().join("rot.log.1").exists());
    assert!(!dir.path().join("rot.log.2").exists());

    // clearLog: the file is deleted and reopened empty; syslog has no file.
    let mut log = DaemonLog::open(&file_config(&path, LogLevel::Info, 0, 0)).unwrap();
    log.clear().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    log.log(LogLevel::Info, "after clear");
    assert_eq!(messages(&path), ["INFO after clear"]);
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(log.clear(), Err(ClearLogError::NoFile)));
    let syslog_cfg = DaemonLogConfig {
        level: LogLevel::Info,
        target: LogTarget::Syslog,
        echo_stdout: false,
    };
    assert!(matches!(
        DaemonLog::open(&syslog_cfg).unwrap().clear(),
        Err(ClearLogError::NoFile)
    ));

    // An unopenable log file is an error at creation.
    assert!(DaemonLog::open(&file_config(
        &dir.path().join("no/such/dir.log"),
        LogLevel::Info,
        0,
        0
    ))
    .is_err());

    // The global logger: records before install are buffered, flushed most severe first and
    // filtered by the installed level; afterwards the macros write directly.
    let global = dir.path().join("global.log");
    supervisord::log_info!("parse info {}", 1);
    supervisord::log_warn!("parse warning");
    supervisord::log_debug!("parse debug");
    supervisord::log_crit!("Supervisor is running as root");
    supervisord::log_info!("parse info 2");
    assert!(daemon_log::install(
        DaemonLog::open(&file_config(&global, LogLevel::Info, 0, 0)).unwrap()
    )
    .is_none());
    assert!(!daemon_log::enabled(LogLevel::Debug));
    assert!(daemon_log::enabled(LogLevel::Info));
    supervisord::log_info!("supervisord started with pid {}", 42);
    supervisord::log_debug!("filtered");
    supervisord::daemon_log!(LogLevel::Error, "explicit {}", "level");
    assert_eq!(
        messages(&global),
        [
            "CRIT Supervisor is running as root",
            "WARN parse warning",
            "INFO parse info 1",
            "INFO parse info 2",
            "INFO supervisord started with pid 42",
            "ERRO explicit level",
        ]
    );
    // Reopen by name after an external rename (SIGUSR2).
    std::fs::rename(&global, dir.path().join("global.log.old")).unwrap();
    daemon_log::with_installed(|log| log.reopen())
        .unwrap()
        .unwrap();
    supervisord::log_warn!("after reopen");
    assert_eq!(messages(&global), ["WARN after reopen"]);
    // Uninstalling goes back to buffering.
    let old = daemon_log::uninstall().unwrap();
    assert_eq!(old.path(), Some(global.as_path()));
    supervisord::log_info!("buffered again");
    supervisord::log_debug!("chatter before a logger exists is dropped");
    assert_eq!(
        daemon_log::take_early(),
        vec![(LogLevel::Info, "buffered again".to_string())]
    );

    // At debug, child output is echoed to the main log as Python formats it.
    let debug = dir.path().join("debug.log");
    daemon_log::install(DaemonLog::open(&file_config(&debug, LogLevel::Debug, 0, 0)).unwrap());
    let config = CaptureConfig {
        process_name: "cat".into(),
        channel: Channel::Stderr,
        logfile: None,
        syslog: false,
        strip_ansi: false,
        capture_maxbytes: 64,
        events_enabled: false,
    };
    let mut p = OutputProcessor::new(config, Box::new(drop));
    p.feed(b"hello\n");
    p.feed(b"\xff<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->");
    let text = std::fs::read_to_string(&debug).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.starts_with("20") {
                strip_timestamp(l)
            } else {
                l
            }
        })
        .collect();
    assert_eq!(
        lines,
        [
            "DEBG 'cat' stderr output:",
            "hello",
            "",
            "DEBG 'cat' stderr output:",
            "Undecodable: b'\\xff'",
            "DEBG 'cat' stderr output:",
            "x",
            "DEBG 'cat' stderr emitted a comm event",
        ]
    );

    // An event listener's stdout is echoed as a bytes repr, like Python's listener dispatcher.
    let listener = CaptureConfig {
        process_name: "listener".into(),
        channel: Channel::Stdout,
        logfile: None,
        syslog: false,
        strip_ansi: false,
        capture_maxbytes: 0,
        events_enabled: false,
    };
    let mut p = OutputProcessor::new_listener(listener, Box::new(drop), Box::new(|_: &[u8]| {}));
    p.feed(b"READY\n");
    let text = std::fs::read_to_string(&debug).unwrap();
    assert!(
        text.ends_with(" DEBG 'listener' stdout output:\nb'READY\\n'\n"),
        "{text:?}"
    );
    daemon_log::uninstall();
}

/// Run in a child process with stdout captured (see the test below).
#[test]
#[ignore = "helper: run by nodaemon_echoes_every_record_to_stdout"]
fn helper_log_with_stdout_echo() {
    let path = std::env::var_os("LOGS_TEST_FILE").unwrap();
    let config = DaemonLogConfig {
        level: LogLevel::Info,
        target: LogTarget::File {
            path: path.into(),
            maxbytes: 0,
            backups: 0,
        },
        echo_stdout: true,
    };
    let mut log = DaemonLog::open(&config).unwrap();
    log.log(LogLevel::Warn, "to both");
    log.log(LogLevel::Debug, "to neither");
    log.clear().unwrap();
    log.log(LogLevel::Info, "after clear");
}

#[test]
fn nodaemon_echoes_every_record_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.log");
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "logs_daemon_log::helper_log_with_stdout_echo",
            "--nocapture",
        ])
        .args(["--test-threads=1", "-q"])
        .env("LOGS_TEST_FILE", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let echoed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("20"))
        .map(strip_timestamp)
        .collect();
    // As in Python, clearLog logs "reopening log file" once per handler (stdout and file).
    assert_eq!(
        echoed,
        [
            "WARN to both",
            "INFO reopening log file",
            "INFO reopening log file",
            "INFO after clear"
        ]
    );
    assert_eq!(messages(&path), ["INFO after clear"]);
}
