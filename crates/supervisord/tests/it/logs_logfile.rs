//! Real-file behaviour of `LogFile`: Supervisor's rotation naming, `backups=0`, `maxbytes=0`,
//! non-regular targets, errors returned as values and recovery.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::path::Path;

use proptest::prelude::*;
use supervisord::logs::{LogFile, LogOp};

/// Name → size of every file in `dir`.
fn listing(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                e.metadata().unwrap().len(),
            )
        })
        .collect()
}

#[test]
fn rotation_with_two_backups_names_files_like_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rot.log");
    let mut log = LogFile::open(&path, 1024, 2).unwrap();
    // Chunks of 700 bytes: every second one crosses 1 KiB and rotates (checked with Python).
    for byte in [b'a', b'b', b'c', b'd', b'e'] {
        log.write(&[byte; 700]).unwrap();
    }
    // a+b (1400) → .1 ; c+d (1400) → .1 and a+b → .2 ; e (700) live.
    let files = listing(dir.path());
    assert_eq!(
        files,
        BTreeMap::from([
            ("rot.log".into(), 700),
            ("rot.log.1".into(), 1400),
            ("rot.log.2".into(), 1400)
        ])
    );
    let one = std::fs::read(dir.path().join("rot.log.1")).unwrap();
    assert!(one[..700].iter().all(|&b| b == b'c') && one[700..].iter().all(|&b| b == b'd'));
    let two = std::fs::read(dir.path().join("rot.log.2")).unwrap();
    assert!(two[..700].iter().all(|&b| b == b'a'));
    // A further rollover drops the oldest: never a `.3`.
    log.write(&[b'f'; 400]).unwrap();
    let files = listing(dir.path());
    assert_eq!(files.len(), 3);
    assert_eq!(files["rot.log"], 0);
    assert_eq!(
        std::fs::read(dir.path().join("rot.log.1")).unwrap()[0],
        b'e'
    );
    assert_eq!(
        std::fs::read(dir.path().join("rot.log.2")).unwrap()[0],
        b'c'
    );
}

#[test]
fn chunk_is_written_whole_before_rolling_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut log = LogFile::open(&path, 10, 1).unwrap();
    log.write(&[b'x'; 5000]).unwrap();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([("big.log".into(), 0), ("big.log.1".into(), 5000)])
    );
}

#[test]
fn zero_backups_truncates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.log");
    let mut log = LogFile::open(&path, 100, 0).unwrap();
    log.write(&[1; 60]).unwrap();
    log.write(&[2; 60]).unwrap();
    log.write(&[3; 30]).unwrap();
    assert_eq!(listing(dir.path()), BTreeMap::from([("t.log".into(), 30)]));
    assert_eq!(std::fs::read(&path).unwrap(), vec![3; 30]);
}

#[test]
fn zero_maxbytes_never_rotates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.log");
    let mut log = LogFile::open(&path, 0, 5).unwrap();
    for _ in 0..100 {
        log.write(&[b'z'; 1000]).unwrap();
    }
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([("n.log".into(), 100_000)])
    );
}

#[test]
fn existing_file_is_appended_to_and_counts_towards_maxbytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.log");
    std::fs::write(&path, b"previous run\n").unwrap();
    let mut log = LogFile::open(&path, 20, 1).unwrap();
    log.write(b"more\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"previous run\nmore\n");
    log.write(b"x\n").unwrap(); // 20 bytes: rotates
    assert_eq!(
        std::fs::read(dir.path().join("old.log.1")).unwrap(),
        b"previous run\nmore\nx\n"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[test]
fn pipe_target_is_written_without_seeking_and_never_rotated() {
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let path = format!("/proc/self/fd/{}", write_end.as_raw_fd());
    let mut log = LogFile::open(&path, 1, 3).unwrap();
    assert!(!log.is_regular());
    for _ in 0..3 {
        log.write(b"to the pipe\n").unwrap();
    }
    drop(log);
    drop(write_end);
    let mut got = String::new();
    std::fs::File::from(read_end)
        .read_to_string(&mut got)
        .unwrap();
    assert_eq!(got, "to the pipe\n".repeat(3));
}

#[test]
fn dev_null_with_tiny_maxbytes_is_fine() {
    let mut log = LogFile::open("/dev/null", 1, 1).unwrap();
    for _ in 0..10 {
        log.write(b"discarded\n").unwrap();
    }
    log.reopen().unwrap();
    log.clear().unwrap();
    assert!(Path::new("/dev/null").exists());
    log.write(b"still fine\n").unwrap();
}

#[test]
fn disk_full_is_returned_as_a_value_and_the_file_stays_usable() {
    let mut log = LogFile::open("/dev/full", 0, 0).unwrap();
    let err = log.write(b"no space").unwrap_err();
    assert_eq!(err.op, LogOp::Write);
    assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
    assert!(err.to_string().contains("/dev/full"), "{err}");
    assert!(log.is_open());
    assert!(log.write(b"again").is_err());
}

#[test]
fn vanished_directory_is_reported_then_recovered_from() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("app.log");
    let mut log = LogFile::open(&path, 10, 1).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // The open descriptor still works; the rollover cannot reopen the file.
    let err = log.write(b"0123456789").unwrap_err();
    assert_eq!(err.op, LogOp::Rotate);
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    assert!(!log.is_open());
    // Every write retries the open and reports the failure as a value.
    assert_eq!(log.write(b"lost").unwrap_err().op, LogOp::Open);
    assert!(log.reopen().is_err());
    // The directory comes back: the next write recreates the file.
    std::fs::create_dir(&dir).unwrap();
    log.write(b"back\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"back\n");
}

#[test]
fn reopen_follows_an_external_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.log");
    let mut log = LogFile::open(&path, 0, 0).unwrap();
    log.write(b"first\n").unwrap();
    std::fs::rename(&path, dir.path().join("r.log.old")).unwrap();
    log.write(b"second\n").unwrap(); // still the renamed inode
    log.reopen().unwrap();
    log.write(b"third\n").unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("r.log.old")).unwrap(),
        b"first\nsecond\n"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"third\n");
}

#[test]
fn clear_removes_the_live_file_and_keeps_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.log");
    let mut log = LogFile::open(&path, 10, 2).unwrap();
    log.write(&[b'a'; 12]).unwrap();
    log.write(b"live").unwrap();
    log.clear().unwrap();
    assert_eq!(
        listing(dir.path()),
        BTreeMap::from([("c.log".into(), 0), ("c.log.1".into(), 12)])
    );
    log.write(b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
}

#[test]
fn missing_backups_during_shift_are_tolerated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.log");
    let mut log = LogFile::open(&path, 5, 3).unwrap();
    log.write(b"11111").unwrap();
    log.write(b"22222").unwrap();
    // An outside cleanup removes `.2` and even the live file.
    std::fs::remove_file(dir.path().join("m.log.2")).unwrap();
    std::fs::remove_file(&path).unwrap();
    log.write(b"33333").unwrap(); // writes to the unlinked file; its rename finds nothing
    log.write(b"44444").unwrap();
    let files = listing(dir.path());
    assert_eq!(files["m.log"], 0);
    assert_eq!(std::fs::read(dir.path().join("m.log.1")).unwrap(), b"44444");
    assert_eq!(std::fs::read(dir.path().join("m.log.3")).unwrap(), b"22222");
    assert!(!files.contains_key("m.log.2"));
}

/// Python's `RotatingFileHandler` reduced to file sizes: the live file and backups `1..=n`.
#[derive(Debug)]
struct Model {
    maxbytes: u64,
    backups: u32,
    live: u64,
    backup: BTreeMap<u32, u64>,
}

impl Model {
    fn write(&mut self, n: u64) {
        self.live += n;
        if self.maxbytes > 0 && self.live >= self.maxbytes {
            if self.backups > 0 {
                for i in (1..self.backups).rev() {
                    if let Some(size) = self.backup.remove(&i) {
                        self.backup.insert(i + 1, size);
                    }
                }
                self.backup.insert(1, self.live);
            }
            self.live = 0;
        }
    }

    fn listing(&self) -> BTreeMap<String, u64> {
        let mut files = BTreeMap::from([("p.log".to_string(), self.live)]);
        for (i, size) in &self.backup {
            files.insert(format!("p.log.{i}"), *size);
        }
        files
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn files_and_sizes_match_pythons_handler(
        maxbytes in 0u64..200,
        backups in 0u32..5,
        writes in proptest::collection::vec(1u64..120, 0..60),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = LogFile::open(dir.path().join("p.log"), maxbytes, backups).unwrap();
        let mut model = Model { maxbytes, backups, live: 0, backup: BTreeMap::new() };
        for n in writes {
            log.write(&vec![b'.'; n as usize]).unwrap();
            model.write(n);
        }
        prop_assert_eq!(listing(dir.path()), model.listing());
    }
}

#[test]
fn splice_appends_rotates_and_mixes_with_writes_on_a_shared_file() {
    use std::io::Write;
    use std::os::fd::AsFd;
    use supervisord::logs::logfile::Spliced;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.log");
    // Two writers on one file, like stdout_logfile and stderr_logfile set to the same path.
    let mut a = LogFile::open(&path, 100, 1).unwrap();
    let mut b = LogFile::open(&path, 0, 0).unwrap();
    assert!(a.can_splice());
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    nix::fcntl::fcntl(
        &read_end,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let mut w = std::fs::File::from(write_end);
    w.write_all(b"spliced-1 ").unwrap();
    assert_eq!(
        a.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::Moved {
            bytes: 10,
            emptied: true
        }
    );
    b.write(b"written-2 ").unwrap();
    w.write_all(b"spliced-3 ").unwrap();
    assert_eq!(
        a.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::Moved {
            bytes: 10,
            emptied: true
        }
    );
    a.write(b"written-4 ").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "spliced-1 written-2 spliced-3 written-4 "
    );
    assert_eq!(
        a.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::WouldBlock
    );
    // Crossing maxbytes through splice rotates like a write, once asked to.
    w.write_all(&[b'x'; 100]).unwrap();
    assert_eq!(
        a.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::Moved {
            bytes: 100,
            emptied: true
        }
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 140);
    a.rotate_if_full().unwrap();
    assert_eq!(
        std::fs::metadata(dir.path().join("s.log.1")).unwrap().len(),
        140
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    drop(w);
    assert_eq!(
        a.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::Eof
    );
}

#[test]
fn splice_takes_whole_writes_past_maxbytes_so_lines_never_straddle_files() {
    use std::io::Write;
    use std::os::fd::AsFd;
    use supervisord::logs::logfile::Spliced;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.log");
    let mut log = LogFile::open(&path, 100, 2).unwrap();
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    nix::fcntl::fcntl(
        &read_end,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let mut w = std::fs::File::from(write_end);
    let line = [b"x".repeat(59), b"\n".to_vec()].concat();
    for _ in 0..5 {
        w.write_all(&line).unwrap();
    }
    // 300 bytes waiting, maxbytes 100: one splice takes all of it, then the file rolls over.
    assert_eq!(
        log.splice_from(read_end.as_fd(), 1 << 20).unwrap(),
        Spliced::Moved {
            bytes: 300,
            emptied: true
        }
    );
    log.rotate_if_full().unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("lines.log.1")).unwrap(),
        line.repeat(5)
    );
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
}

/// Run in a child process whose stdout is a socket (see the test below).
#[test]
#[ignore = "helper: run by dev_stdout_works_when_stdout_is_a_socket"]
fn helper_write_to_dev_stdout() {
    let mut log = LogFile::open("/dev/stdout", 1024, 2).unwrap();
    assert!(!log.is_regular());
    log.write(b"through the socket\n").unwrap();
}

#[test]
fn dev_stdout_works_when_stdout_is_a_socket() {
    // systemd's StandardOutput=journal makes fd 1 a socket, which cannot be opened by path.
    let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "logs_logfile::helper_write_to_dev_stdout",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .stdout(std::process::Stdio::from(std::os::fd::OwnedFd::from(
            theirs,
        )))
        .status()
        .unwrap();
    assert!(status.success());
    let mut got = String::new();
    ours.read_to_string(&mut got).unwrap();
    assert!(got.contains("through the socket\n"), "{got:?}");
}
