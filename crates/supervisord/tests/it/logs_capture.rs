//! The capture path end to end through real pipes: bytes untouched, `strip_ansi`, events,
//! write errors reported once while draining continues, reopen/clear/close controls.

use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::wait_until_async;
use supervisord::logs::capture::BACKLOG_LIMIT;
use supervisord::logs::{
    spawn_capture, spawn_listener_capture, CaptureConfig, CaptureNotice, Channel, LogFile, LogOp,
    OutputProcessor, Payload,
};
use tokio::sync::mpsc;

fn config(logfile: Option<LogFile>) -> CaptureConfig {
    CaptureConfig {
        process_name: "flood".into(),
        channel: Channel::Stdout,
        logfile,
        syslog: false,
        strip_ansi: false,
        capture_maxbytes: 0,
        events_enabled: false,
    }
}

fn notices() -> (
    supervisord::logs::NoticeSink,
    mpsc::UnboundedReceiver<CaptureNotice>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Box::new(move |n| drop(tx.send(n))), rx)
}

/// Writes `data` into a new pipe from a thread; returns the read end.
fn pipe_with_writer(data: Vec<u8>) -> (OwnedFd, std::thread::JoinHandle<()>) {
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::File::from(write_end);
        w.write_all(&data).unwrap();
    });
    (read_end, writer)
}

/// Collects the notices up to `Finished`, taking each payload's bytes as the owner does (a
/// capture stops reading while what it sent is not taken).
async fn until_finished(rx: &mut mpsc::UnboundedReceiver<CaptureNotice>) -> Vec<CaptureNotice> {
    let mut seen = Vec::new();
    loop {
        let n = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("capture did not finish within 60 s")
            .expect("notice channel closed before Finished");
        let n = match n {
            CaptureNotice::LogEvent(p) => CaptureNotice::LogEvent(Payload::new(p.into_vec())),
            CaptureNotice::Communication(p) => {
                CaptureNotice::Communication(Payload::new(p.into_vec()))
            }
            other => other,
        };
        let done = matches!(n, CaptureNotice::Finished(_));
        seen.push(n);
        if done {
            return seen;
        }
    }
}

async fn binary_round_trip(events_enabled: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.log");
    let mut data: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    data.extend_from_slice(b"\0\0\xff\xfe invalid utf-8 \xc3\x28\r\n");
    // A 3 MiB "line" with no newline at all.
    data.extend(std::iter::repeat_n(b'L', 3 << 20));
    let (fd, writer) = pipe_with_writer(data.clone());
    let (sink, mut rx) = notices();
    let mut cfg = config(Some(LogFile::open(&path, 0, 0).unwrap()));
    cfg.events_enabled = events_enabled;
    let handle = spawn_capture(fd, cfg, sink).unwrap();
    let seen = until_finished(&mut rx).await;
    writer.join().unwrap();
    let report = handle.wait().await;
    assert!(report.reached_eof);
    assert_eq!(report.bytes_read, data.len() as u64);
    assert_eq!(report.bytes_lost, 0);
    let mut events = Vec::new();
    for notice in &seen[..seen.len() - 1] {
        match notice {
            CaptureNotice::LogEvent(d) => events.extend_from_slice(d),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(matches!(seen.last(), Some(CaptureNotice::Finished(_))));
    if events_enabled {
        assert!(
            events == data,
            "event payloads differ from the child's output"
        );
    } else {
        assert!(events.is_empty());
    }
    assert!(
        std::fs::read(&path).unwrap() == data,
        "log differs from the child's output"
    );
}

/// Nothing needs the bytes: the zero-copy (splice) path.
#[tokio::test]
async fn binary_output_passes_through_untouched() {
    binary_round_trip(false).await;
}

/// Events need the bytes: the read/write path.
#[tokio::test]
async fn binary_output_passes_through_untouched_when_read() {
    binary_round_trip(true).await;
}

/// Output for events waits for the owner: while what a capture sent is not taken it leaves the
/// pipe alone (the writer blocks), holding at most the backlog limit and one read; once taken,
/// the rest flows and nothing is lost.
#[tokio::test]
async fn event_output_waits_for_the_owner() {
    let total = 8 << 20;
    let (fd, writer) = pipe_with_writer(vec![b'x'; total]);
    let (sink, mut rx) = notices();
    let mut cfg = config(None);
    cfg.events_enabled = true;
    let handle = spawn_capture(fd, cfg, sink).unwrap();
    let bound = BACKLOG_LIMIT + (1 << 20);
    let mut held = Vec::new();
    let mut held_bytes = 0;
    // Until the capture has gone quiet: a stall is what is being shown, so a quiet spell ends
    // the loop; the bound is checked on every notice whenever it comes.
    while let Ok(notice) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        match notice.expect("the capture is still running") {
            CaptureNotice::LogEvent(p) => {
                held_bytes += p.len();
                held.push(p);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(held_bytes <= bound, "{held_bytes} bytes sent and not taken");
    }
    assert!(held_bytes >= BACKLOG_LIMIT, "it read up to the limit");
    assert!(!writer.is_finished(), "the writer is blocked");
    let mut taken: usize = held.into_iter().map(|p| p.into_vec().len()).sum();
    for notice in until_finished(&mut rx).await {
        if let CaptureNotice::LogEvent(p) = notice {
            taken += p.len();
        }
    }
    writer.join().unwrap();
    assert_eq!(taken, total, "nothing lost");
    assert!(handle.wait().await.reached_eof);
}

#[tokio::test]
async fn strip_ansi_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ansi.log");
    let (fd, writer) = pipe_with_writer(b"\x1b[31mred\x1b[0m text\n".to_vec());
    let (sink, mut rx) = notices();
    let mut cfg = config(Some(LogFile::open(&path, 0, 0).unwrap()));
    cfg.strip_ansi = true;
    cfg.events_enabled = true;
    spawn_capture(fd, cfg, sink).unwrap();
    let seen = until_finished(&mut rx).await;
    writer.join().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"red text\n");
    let events: Vec<u8> = seen
        .iter()
        .filter_map(|n| match n {
            CaptureNotice::LogEvent(d) => Some(d.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(events, b"red text\n");
}

#[tokio::test]
async fn none_logfile_still_drains() {
    let (fd, writer) = pipe_with_writer(vec![7; 5 << 20]);
    let (sink, mut rx) = notices();
    let handle = spawn_capture(fd, config(None), sink).unwrap();
    until_finished(&mut rx).await;
    writer.join().unwrap();
    assert_eq!(handle.wait().await.bytes_read, 5 << 20);
}

#[tokio::test]
async fn disk_full_is_reported_once_and_the_pipe_keeps_draining() {
    // 10 MiB is far more than a pipe holds: the writer only finishes if we keep reading.
    let (fd, writer) = pipe_with_writer(vec![b'x'; 10 << 20]);
    let (sink, mut rx) = notices();
    let handle = spawn_capture(
        fd,
        config(Some(LogFile::open("/dev/full", 0, 0).unwrap())),
        sink,
    )
    .unwrap();
    let seen = until_finished(&mut rx).await;
    writer.join().unwrap();
    let failures: Vec<_> = seen
        .iter()
        .filter_map(|n| match n {
            CaptureNotice::WriteFailed(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(failures.len(), 1, "{seen:?}");
    assert_eq!(failures[0].raw_os_error(), Some(libc::ENOSPC));
    let report = handle.wait().await;
    assert_eq!(report.bytes_read, 10 << 20);
    assert_eq!(report.bytes_lost, 10 << 20);
}

#[test]
fn write_failure_streak_then_recovery_when_the_directory_returns() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("p.log");
    let (tx, rx) = std::sync::mpsc::channel();
    let mut p = OutputProcessor::new(
        config(Some(LogFile::open(&path, 8, 1).unwrap())),
        Box::new(move |n| tx.send(n).unwrap()),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    p.feed(b"12345678"); // written to the unlinked file; the rollover cannot reopen
    p.feed(b"lost one\n");
    p.feed(b"lost two\n");
    let first: Vec<_> = rx.try_iter().collect();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(matches!(&first[0], CaptureNotice::WriteFailed(e) if e.op == LogOp::Rotate));
    std::fs::create_dir(&dir).unwrap();
    p.feed(b"back\n");
    let second: Vec<_> = rx.try_iter().collect();
    assert!(
        matches!(
            second.as_slice(),
            [CaptureNotice::WriteRecovered { bytes_lost: 18 }]
        ),
        "{second:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"back\n");
    assert_eq!(p.report().bytes_lost, 18);
}

#[tokio::test]
async fn close_stops_even_if_a_grandchild_holds_the_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.log");
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let mut w = std::fs::File::from(write_end);
    w.write_all(b"left in the pipe\n").unwrap();
    let (sink, mut rx) = notices();
    let handle = spawn_capture(
        read_end,
        config(Some(LogFile::open(&path, 0, 0).unwrap())),
        sink,
    )
    .unwrap();
    handle.close();
    until_finished(&mut rx).await;
    let report = handle.wait().await;
    assert!(!report.reached_eof);
    assert_eq!(std::fs::read(&path).unwrap(), b"left in the pipe\n");
    drop(w);
}

async fn wait_for_file(path: &Path, want: &[u8]) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if std::fs::read(path).unwrap_or_default() == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} never became {:?}",
            path.display(),
            want
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn reopen_and_clear_through_the_handle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.log");
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let mut w = std::fs::File::from(write_end);
    let (sink, mut rx) = notices();
    let handle = spawn_capture(
        read_end,
        config(Some(LogFile::open(&path, 0, 0).unwrap())),
        sink,
    )
    .unwrap();
    assert_eq!(handle.log_path().as_deref(), Some(path.as_path()));

    w.write_all(b"one\n").unwrap();
    wait_for_file(&path, b"one\n").await;
    std::fs::rename(&path, dir.path().join("h.log.rotated")).unwrap();
    handle.reopen().unwrap();
    w.write_all(b"two\n").unwrap();
    wait_for_file(&path, b"two\n").await;
    assert_eq!(
        std::fs::read(dir.path().join("h.log.rotated")).unwrap(),
        b"one\n"
    );

    handle.clear().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"");
    w.write_all(b"three\n").unwrap();
    wait_for_file(&path, b"three\n").await;

    drop(w);
    until_finished(&mut rx).await;
    assert!(handle.wait().await.reached_eof);
}

#[tokio::test]
async fn capture_mode_through_a_pipe_flushes_held_bytes_at_eof() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("comm.log");
    let (fd, writer) = pipe_with_writer(
        b"before <!--XSUPERVISOR:BEGIN-->payload<!--XSUPERVISOR:END--> after\n<!--XSUP".to_vec(),
    );
    let (sink, mut rx) = notices();
    let mut cfg = config(Some(LogFile::open(&path, 0, 0).unwrap()));
    cfg.capture_maxbytes = 1024;
    spawn_capture(fd, cfg, sink).unwrap();
    let seen = until_finished(&mut rx).await;
    writer.join().unwrap();
    assert!(
        seen.iter()
            .any(|n| matches!(n, CaptureNotice::Communication(d) if **d == *b"payload")),
        "{seen:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"before  after\n<!--XSUP");
}

#[tokio::test]
async fn rotation_happens_while_capturing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rot.log");
    // Far more than one read or splice moves at once (1 MiB), so several rollovers happen.
    let (fd, writer) = pipe_with_writer(vec![b'r'; 8 << 20]);
    let (sink, mut rx) = notices();
    spawn_capture(
        fd,
        config(Some(LogFile::open(&path, 100 << 10, 2).unwrap())),
        sink,
    )
    .unwrap();
    until_finished(&mut rx).await;
    writer.join().unwrap();
    let sizes: Vec<u64> = ["rot.log.1", "rot.log.2"]
        .iter()
        .map(|n| std::fs::metadata(dir.path().join(n)).unwrap().len())
        .collect();
    // Each backup holds at least maxbytes and at most maxbytes plus one chunk.
    assert!(
        sizes
            .iter()
            .all(|&s| (100 << 10..=(100 << 10) + (1 << 20)).contains(&s)),
        "{sizes:?}"
    );
    assert!(!dir.path().join("rot.log.3").exists());
}

#[tokio::test]
async fn listener_stdout_reaches_the_protocol_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("listener.log");
    let (fd, writer) = pipe_with_writer(b"READY\nRESULT 2\nOK".to_vec());
    let (sink, mut rx) = notices();
    let (ptx, mut prx) = mpsc::unbounded_channel::<Vec<u8>>();
    spawn_listener_capture(
        fd,
        config(Some(LogFile::open(&path, 0, 0).unwrap())),
        sink,
        Box::new(move |chunk: &[u8]| drop(ptx.send(chunk.to_vec()))),
    )
    .unwrap();
    until_finished(&mut rx).await;
    writer.join().unwrap();
    let mut raw = Vec::new();
    while let Ok(chunk) = prx.try_recv() {
        raw.extend(chunk);
    }
    assert_eq!(raw, b"READY\nRESULT 2\nOK");
    assert_eq!(std::fs::read(&path).unwrap(), b"READY\nRESULT 2\nOK");
}

fn pipe_capacity(fd: impl AsFd) -> usize {
    nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETPIPE_SZ).unwrap() as usize
}

/// Writes 8 KiB blocks (like `head` in a pipeline) of `b'f'` until `stop` is set or the reader
/// is gone; returns the bytes written and the largest pipe capacity seen after a write.
fn flood_writer(
    write_end: OwnedFd,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(u64, usize)> {
    std::thread::spawn(move || {
        let mut w = std::fs::File::from(write_end);
        let block = [b'f'; 8192];
        let (mut written, mut largest) = (0u64, 0usize);
        while !stop.load(Ordering::Relaxed) {
            if w.write_all(&block).is_err() {
                break;
            }
            written += block.len() as u64;
            largest = largest.max(pipe_capacity(&w));
        }
        (written, largest)
    })
}

/// The capacity flood mode raises a pipe to: 1 MiB, or the system's limit if lower.
fn flood_pipe_size() -> usize {
    let max: usize = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    max.min(1 << 20)
}

/// A capture into a log file, fed by a writer thread that floods until told to stop, once the
/// capture has entered flood mode (it raised the pipe, as the writer's side sees).
struct FloodRig {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    /// The pipe's capacity before flood mode, and in it.
    normal: usize,
    raised: usize,
    /// A second write end, to watch the pipe's capacity and to write after the flood.
    probe: OwnedFd,
    rx: mpsc::UnboundedReceiver<CaptureNotice>,
    handle: supervisord::logs::CaptureHandle,
    stop: Arc<AtomicBool>,
    writer: std::thread::JoinHandle<(u64, usize)>,
}

impl FloodRig {
    async fn start(file: &str) -> FloodRig {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        let (read_end, write_end) = nix::unistd::pipe().unwrap();
        let normal = pipe_capacity(&read_end);
        let raised = flood_pipe_size();
        let probe = write_end.try_clone().unwrap();
        let (sink, rx) = notices();
        let handle = spawn_capture(
            read_end,
            config(Some(LogFile::open(&path, 0, 0).unwrap())),
            sink,
        )
        .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let writer = flood_writer(write_end, Arc::clone(&stop));
        wait_until_async(
            Duration::from_secs(60),
            "flood mode to raise the pipe",
            || pipe_capacity(&probe) == raised || writer.is_finished(),
        )
        .await;
        FloodRig {
            _dir: dir,
            path,
            normal,
            raised,
            probe,
            rx,
            handle,
            stop,
            writer,
        }
    }
}

/// A fast writer puts the capture in flood mode (the pipe grows to 1 MiB); once the writer
/// pauses, the pipe is shrunk back and the capture is woken by single writes again.
#[tokio::test]
async fn flood_mode_starts_under_a_flood_and_ends_when_output_pauses() {
    let FloodRig {
        _dir,
        path,
        normal,
        raised,
        probe,
        mut rx,
        handle,
        stop,
        writer,
    } = FloodRig::start("flood.log").await;
    stop.store(true, Ordering::Relaxed);
    // The writer may be blocked on a full pipe that only this runtime's capture empties.
    wait_until_async(Duration::from_secs(60), "the writer to stop", || {
        writer.is_finished()
    })
    .await;
    let (written, largest) = writer.join().unwrap();
    assert_eq!(largest.max(pipe_capacity(&probe)), raised);

    // The writer paused: everything reaches the file, and flood mode ends.
    wait_until_async(Duration::from_secs(60), "the flood to be logged", || {
        std::fs::metadata(&path).unwrap().len() == written
    })
    .await;
    wait_until_async(Duration::from_secs(60), "flood mode to end", || {
        pipe_capacity(&probe) == normal
    })
    .await;

    // Woken by the reactor again: a single small write is logged.
    let mut w = std::fs::File::from(probe);
    w.write_all(b"after the flood\n").unwrap();
    wait_until_async(Duration::from_secs(60), "the write after the flood", || {
        std::fs::metadata(&path).unwrap().len() == written + 16
    })
    .await;
    drop(w);
    until_finished(&mut rx).await;
    let report = handle.wait().await;
    assert!(report.reached_eof);
    assert_eq!(report.bytes_read, written + 16);
    let content = std::fs::read(&path).unwrap();
    assert!(content[..written as usize].iter().all(|&b| b == b'f'));
    assert_eq!(&content[written as usize..], b"after the flood\n");
}

/// `close` while a writer floods on (a grandchild holding the pipe): the capture stops after a
/// bounded drain, and everything it read is in the file.
#[tokio::test]
async fn close_during_a_flood_stops_the_capture() {
    let FloodRig {
        _dir,
        path,
        probe,
        mut rx,
        handle,
        stop,
        writer,
        ..
    } = FloodRig::start("closed.log").await;
    handle.close();
    until_finished(&mut rx).await;
    let report = handle.wait().await;
    assert!(!report.reached_eof);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), report.bytes_read);
    stop.store(true, Ordering::Relaxed);
    drop(probe);
    writer.join().unwrap();
}

/// With a feature that reads the bytes (`strip_ansi`), a flood moves several chunks per tick
/// from the large pipe; the rollover is checked once the pipe is empty, so lines the child
/// wrote whole (writes of up to `PIPE_BUF` bytes are never split) never straddle two files.
#[tokio::test]
async fn flood_through_the_read_path_keeps_lines_whole_across_rollovers() {
    const LINE: usize = 100;
    const LINES_PER_WRITE: usize = 40; // 4000 bytes: one atomic pipe write
    const WRITES: usize = 5000; // 20 MB
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.log");
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::File::from(write_end);
        let mut block = Vec::with_capacity(LINE * LINES_PER_WRITE);
        for i in 0..WRITES * LINES_PER_WRITE {
            if block.len() == LINE * LINES_PER_WRITE {
                w.write_all(&block).unwrap();
                block.clear();
            }
            block.extend_from_slice(format!("{i:0>99}\n").as_bytes());
        }
        w.write_all(&block).unwrap();
    });
    let (sink, mut rx) = notices();
    let mut cfg = config(Some(LogFile::open(&path, 300 << 10, 200).unwrap()));
    cfg.strip_ansi = true;
    spawn_capture(read_end, cfg, sink).unwrap();
    until_finished(&mut rx).await;
    writer.join().unwrap();
    let mut total = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let content = std::fs::read(entry.path()).unwrap();
        eprintln!(
            "{:?} {} {:?}",
            entry.file_name(),
            content.len(),
            String::from_utf8_lossy(&content[..content.len().min(20)])
        );
        total += content.len();
        assert_eq!(content.len() % LINE, 0, "a line straddles two files");
        assert!(content.is_empty() || content.ends_with(b"\n"));
    }
    assert_eq!(total, LINE * LINES_PER_WRITE * WRITES);
}
